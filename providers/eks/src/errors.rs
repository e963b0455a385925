//! What an EKS call's failure means to poolctl: the SDK's `SdkError` read once into
//! [`EksError`] (status, EKS's own code and message, or why no answer came), the answers
//! that mean "not now" rather than "no", and the final [`ProviderError`].

use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use poolctl_http::error_chain;
use poolctl_provider::ProviderError;

/// Why a call failed, before poolctl decides what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// EKS (or the endpoint) answered with an error status.
    Answered,
    /// The request never reached the endpoint: refused, DNS, no connection in time.
    Unreachable,
    /// The connection broke or timed out after the request went out: it may have been
    /// carried out, and no answer came.
    Dropped,
    /// The AWS credential chain found no usable credentials.
    Credentials,
    /// An answer came, but the SDK could not read it.
    Unreadable,
    /// The request could not be built (a bug, or a value EKS could never take).
    Unsendable,
}

/// One failed EKS call, as the SDK reported it.
#[derive(Debug, Clone)]
pub(crate) struct EksError {
    pub kind: Kind,
    /// HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// EKS's error code (`ResourceInUseException`); empty when the answer had none.
    pub code: String,
    pub message: String,
}

impl EksError {
    pub(crate) fn from_sdk<E>(err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match &err {
            SdkError::ServiceError(service) => {
                let raw = service.raw();
                let status = raw.status().as_u16();
                let code = err.code().unwrap_or_default().to_string();
                let mut message = err.message().unwrap_or_default().to_string();
                if message.is_empty() {
                    // A plain 404 or a gateway page: its start is all there is to quote.
                    message = raw
                        .body()
                        .bytes()
                        .map(|b| String::from_utf8_lossy(b).chars().take(300).collect())
                        .unwrap_or_default();
                }
                EksError {
                    kind: Kind::Answered,
                    status: Some(status),
                    code,
                    message: message.trim().to_string(),
                }
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => EksError {
                kind: if is_credentials_failure(&err) {
                    Kind::Credentials
                } else if never_reached(&err) {
                    Kind::Unreachable
                } else {
                    Kind::Dropped
                },
                status: None,
                code: String::new(),
                message: error_chain(&err),
            },
            SdkError::ResponseError(response) => EksError {
                kind: Kind::Unreadable,
                status: Some(response.raw().status().as_u16()),
                code: String::new(),
                message: error_chain(&err),
            },
            _ => EksError {
                kind: Kind::Unsendable,
                status: None,
                code: String::new(),
                message: error_chain(&err),
            },
        }
    }

    pub(crate) fn is_not_found(&self) -> bool {
        self.code == "ResourceNotFoundException"
    }

    /// ResourceInUseException: another update of the node group is in progress (or, for a
    /// create, the name is taken).
    pub(crate) fn is_in_use(&self) -> bool {
        self.code == "ResourceInUseException"
    }

    /// Throttling, and the server errors that the SDK's own retries did not get past.
    pub(crate) fn is_throttled_or_unavailable(&self) -> bool {
        const CODES: [&str; 6] = [
            "ThrottlingException",
            "Throttling",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "ServerException",
            "ServiceUnavailableException",
        ];
        self.kind == Kind::Answered
            && (CODES.contains(&self.code.as_str())
                || self.status.is_some_and(|s| s == 429 || s >= 500))
    }

    /// The connection broke after the request went out: worth sending again when doing
    /// it twice does no harm.
    pub(crate) fn is_dropped(&self) -> bool {
        self.kind == Kind::Dropped
    }

    /// The endpoint does not implement the operation at all: a 404 that is not EKS's own
    /// ResourceNotFoundException (moto has no route for DescribeUpdate), or an
    /// unknown-operation error.
    pub(crate) fn is_unknown_operation(&self) -> bool {
        const CODES: [&str; 4] = [
            "UnknownOperationException",
            "UnknownOperation",
            "InvalidAction",
            "NotImplemented",
        ];
        CODES.contains(&self.code.as_str())
            || (self.status == Some(404) && !self.is_not_found())
            || self.status == Some(501)
    }

    /// A refused signature or unknown credentials: a credentials problem, not a call gone wrong.
    fn is_auth_refusal(&self) -> bool {
        const CODES: [&str; 7] = [
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "SignatureDoesNotMatch",
            "InvalidClientTokenId",
            "ExpiredTokenException",
            "ExpiredToken",
            "MissingAuthenticationTokenException",
        ];
        CODES.contains(&self.code.as_str()) || self.status == Some(401)
    }

    /// One line for progress and retry messages.
    pub(crate) fn summary(&self) -> String {
        match (self.status, self.code.is_empty()) {
            (Some(status), false) => format!("{status} {}: {}", self.code, self.message),
            (Some(status), true) => format!("{status}: {}", self.message),
            (None, _) => self.message.clone(),
        }
    }

    /// The error poolctl reports for `call` (`update node group gpu`) against `endpoint`.
    pub(crate) fn into_provider(self, call: &str, endpoint: &str) -> ProviderError {
        if self.kind == Kind::Credentials {
            return ProviderError::Auth {
                message: format!("{call}: no usable AWS credentials: {}", self.message),
                fix: credentials_fix(),
            };
        }
        if self.kind == Kind::Answered && self.is_auth_refusal() {
            return ProviderError::Auth {
                message: format!(
                    "EKS refused the credentials for {call}: {} {}: {}",
                    self.status.unwrap_or_default(),
                    self.code,
                    self.message
                ),
                fix: credentials_fix(),
            };
        }
        match self.kind {
            Kind::Answered => ProviderError::Api {
                call: call.to_string(),
                status: self.status.unwrap_or_default(),
                code: if self.code.is_empty() {
                    "Unknown".to_string()
                } else {
                    self.code
                },
                message: self.message,
            },
            Kind::Unreachable | Kind::Dropped => ProviderError::Transport {
                call: call.to_string(),
                endpoint: endpoint.to_string(),
                message: self.message,
            },
            Kind::Unreadable => ProviderError::Protocol {
                call: call.to_string(),
                message: self.message,
            },
            Kind::Unsendable | Kind::Credentials => ProviderError::Config(format!(
                "{call}: the request could not be built: {}",
                self.message
            )),
        }
    }
}

/// How to get working AWS credentials (the `fix` of every [`ProviderError::Auth`]).
pub(crate) fn credentials_fix() -> String {
    "give poolctl AWS credentials the way the AWS CLI finds them: run `aws configure`, or set \
     AWS_PROFILE (and run `aws sso login --profile NAME` for an SSO profile), or set \
     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones); \
     against a local emulator, POOLCTL_EKS_AUTH=none sends placeholder credentials"
        .to_string()
}

/// Whether a failure without an answer happened before the request went out (a refused
/// connection, a name that does not resolve, a connect timeout): the SDK reports those
/// and a connection reset alike, as dispatch failures, so the causes tell them apart.
fn never_reached(err: &(dyn std::error::Error + 'static)) -> bool {
    const BEFORE_SENDING: [&str; 5] = [
        "tcp connect error",
        "connect timeout",
        "dns error",
        "failed to lookup address",
        "error trying to connect",
    ];
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        let text = e.to_string().to_ascii_lowercase();
        if BEFORE_SENDING.iter().any(|marker| text.contains(marker)) {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The SDK reports a credential chain that came up empty as a dispatch failure: find the
/// chain's own error among the causes.
fn is_credentials_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<aws_credential_types::provider::error::CredentialsError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, code: &str) -> EksError {
        EksError {
            kind: Kind::Answered,
            status: Some(status),
            code: code.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn busy_and_throttled_answers_are_told_from_real_errors() {
        assert!(answered(409, "ResourceInUseException").is_in_use());
        assert!(answered(429, "ThrottlingException").is_throttled_or_unavailable());
        assert!(answered(400, "ThrottlingException").is_throttled_or_unavailable());
        assert!(answered(503, "ServiceUnavailableException").is_throttled_or_unavailable());
        assert!(answered(500, "").is_throttled_or_unavailable());
        assert!(!answered(400, "InvalidParameterException").is_throttled_or_unavailable());
        assert!(!answered(409, "ResourceInUseException").is_throttled_or_unavailable());
    }

    #[test]
    fn a_missing_operation_is_not_a_missing_resource() {
        assert!(answered(404, "").is_unknown_operation());
        assert!(answered(400, "UnknownOperationException").is_unknown_operation());
        assert!(!answered(404, "ResourceNotFoundException").is_unknown_operation());
        assert!(answered(404, "ResourceNotFoundException").is_not_found());
    }

    #[test]
    fn errors_keep_the_cloud_code_and_name_the_call() {
        let err = EksError {
            kind: Kind::Answered,
            status: Some(400),
            code: "InvalidParameterException".into(),
            message: "Minimum capacity 2 can't be greater than desired size 1".into(),
        }
        .into_provider("update node group gpu", "eks.us-east-1.amazonaws.com");
        assert_eq!(
            err.to_string(),
            "update node group gpu: 400 InvalidParameterException: Minimum capacity 2 can't \
             be greater than desired size 1"
        );
        let auth = answered(403, "UnrecognizedClientException").into_provider("c", "e");
        assert!(matches!(auth, ProviderError::Auth { .. }));
        assert!(auth.help().is_some_and(|h| h.contains("aws configure")));
        let unreachable = EksError {
            kind: Kind::Unreachable,
            status: None,
            code: String::new(),
            message: "connection refused".into(),
        }
        .into_provider("list node groups", "127.0.0.1:9");
        assert!(
            unreachable.to_string().contains("127.0.0.1:9"),
            "{unreachable}"
        );
    }
}
