//! HTTP to Google: bearer tokens (none for a loopback emulator), Google's error envelope,
//! and which answers mean "busy" or "slow down" (retried by
//! [`poolctl_provider::retry::run`]) and which ones fail.

use crate::adc;
use crate::wire::ErrorEnvelope;
use google_cloud_auth::credentials::AccessTokenCredentials;
use poolctl_http::{error_chain, host_of, path_of, redacted, shared_client};
use poolctl_provider::retry::{self, Attempt, Deadline, RetryPolicy};
use poolctl_provider::{Progress, ProviderError, ProviderResult};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Attempts at an endpoint that does not answer before poolctl reports it unreachable.
const UNREACHABLE_ATTEMPTS: u32 = 4;

const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// How long fetching one access token may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// What bounds and watches one provider call: when it must be over, and where its
/// progress goes.
#[derive(Clone, Copy)]
pub(crate) struct Bounds<'a> {
    pub deadline: Deadline,
    pub progress: &'a dyn Progress,
}

/// When to send Google credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// To every endpoint but a loopback one (an emulator needs none).
    Auto,
    /// Always, even to loopback: a local proxy that forwards to Google needs them.
    Google,
    /// Never.
    None,
}

impl AuthMode {
    pub fn sends_credentials(self, loopback: bool) -> bool {
        match self {
            AuthMode::Auto => !loopback,
            AuthMode::Google => true,
            AuthMode::None => false,
        }
    }
}

impl std::str::FromStr for AuthMode {
    type Err = ProviderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "auto" => Ok(AuthMode::Auto),
            "google" | "adc" => Ok(AuthMode::Google),
            "none" => Ok(AuthMode::None),
            other => Err(ProviderError::Config(format!(
                "POOLCTL_GKE_AUTH is `{other}`: use auto, google or none"
            ))),
        }
    }
}

enum Auth {
    /// No credentials (an emulator).
    None,
    Google(OnceCell<AccessTokenCredentials>),
}

pub struct Client {
    http: reqwest::Client,
    auth: Auth,
    retry: RetryPolicy,
}

/// One attempt's outcome, before it is judged for a retry.
enum Answered {
    Done(Vec<u8>),
    Retry {
        reason: String,
        retry_after: Option<Duration>,
        /// The endpoint did not answer at all: worth a few tries, not a long wait, since
        /// a wrong endpoint is far more common than an outage.
        unreachable: bool,
        /// The request may have been carried out (a 5xx, a connection dropped after the
        /// request went out): safe to send again only when doing it twice does no harm.
        maybe_done: bool,
    },
    Fail(ProviderError),
}

/// How a call ended, for its `-v` line.
fn outcome_word(status: Option<reqwest::StatusCode>) -> String {
    match status {
        Some(status) => status.as_u16().to_string(),
        None => "no answer".to_string(),
    }
}

impl Client {
    pub fn new(send_credentials: bool, retry: RetryPolicy) -> ProviderResult<Self> {
        let http = shared_client()
            .map_err(|e| ProviderError::Config(format!("cannot build HTTP client: {e}")))?;
        let auth = if send_credentials {
            Auth::Google(OnceCell::new())
        } else {
            Auth::None
        };
        Ok(Client { http, auth, retry })
    }

    async fn token(&self) -> ProviderResult<Option<String>> {
        let Auth::Google(cell) = &self.auth else {
            return Ok(None);
        };
        // google-cloud-auth picks the source itself and reports failures in generic
        // words; knowing which source it took lets the error say what was tried.
        let source = adc::adc_source();
        let failed = |cause: String| ProviderError::Auth {
            message: source.failure(&cause),
            fix: adc::FIX.to_string(),
        };
        if let adc::AdcSource::EnvFile(path) = &source {
            if !path.is_file() {
                return Err(failed("there is no such file".to_string()));
            }
        }
        let credentials = cell
            .get_or_try_init(|| async {
                google_cloud_auth::credentials::Builder::default()
                    .with_scopes([SCOPE])
                    .build_access_token_credentials()
                    .map_err(|e| failed(adc::root_cause(&e)))
            })
            .await?;
        // A metadata host that accepts connections and never answers would otherwise
        // hold poolctl forever: the library sets no timeout of its own.
        let token = tokio::time::timeout(TOKEN_TIMEOUT, credentials.access_token())
            .await
            .map_err(|_| {
                failed(format!(
                    "no answer within {} seconds",
                    TOKEN_TIMEOUT.as_secs()
                ))
            })?
            .map_err(|e| failed(adc::root_cause(&e)))?;
        Ok(Some(token.token))
    }

    /// Sends one request, retrying busy and throttled answers until the call's deadline,
    /// and decodes the JSON answer. For requests that do no harm when repeated (reads,
    /// updates to a value, deletes).
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&B>,
        bounds: Bounds<'_>,
    ) -> ProviderResult<T> {
        decode(
            call,
            self.call_raw(call, method, url, body, bounds, true).await?,
        )
    }

    /// Like [`Client::call`], for a request that must not be sent twice (a create): when
    /// its answer is lost, it is not retried but reported as
    /// [`ProviderError::AnswerLost`], so that the caller can look before it tries again.
    pub async fn call_once<B: Serialize, T: DeserializeOwned>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&B>,
        bounds: Bounds<'_>,
    ) -> ProviderResult<T> {
        decode(
            call,
            self.call_raw(call, method, url, body, bounds, false)
                .await?,
        )
    }

    async fn call_raw<B: Serialize>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&B>,
        bounds: Bounds<'_>,
        repeatable: bool,
    ) -> ProviderResult<Vec<u8>> {
        if method != Method::GET {
            bounds.deadline.check(call)?;
        }
        let body = match body.map(serde_json::to_vec).transpose() {
            Ok(body) => body,
            Err(e) => {
                return Err(ProviderError::Protocol {
                    call: call.to_string(),
                    message: format!("cannot encode the request: {e}"),
                })
            }
        };
        if let Some(body) = &body {
            tracing::debug!("{method} {url} request body: {}", redacted(body));
        }
        let path = path_of(url);
        // Atomic only so that the attempts' futures stay Send.
        let unreachable_attempts = AtomicU32::new(0);
        let (method, body, path, unreachable_attempts) =
            (&method, body.as_deref(), &path, &unreachable_attempts);
        retry::run(
            call,
            &self.retry,
            &bounds.deadline,
            bounds.progress,
            |attempt| async move {
                let sent = Instant::now();
                let (answered, status) = self.attempt(call, method.clone(), url, body).await;
                // One line per request at -v.
                let again = if attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                tracing::info!(
                    "{method} {path} -> {} in {} ms{again}",
                    outcome_word(status),
                    sent.elapsed().as_millis()
                );
                let (reason, retry_after, unreachable, maybe_done) = match answered {
                    Answered::Done(bytes) => return Attempt::Done(bytes),
                    Answered::Fail(err) => return Attempt::Fail(err),
                    Answered::Retry {
                        reason,
                        retry_after,
                        unreachable,
                        maybe_done,
                    } => (reason, retry_after, unreachable, maybe_done),
                };
                if maybe_done && !repeatable {
                    return Attempt::Fail(ProviderError::AnswerLost {
                        call: call.to_string(),
                        message: reason,
                    });
                }
                if unreachable
                    && unreachable_attempts.fetch_add(1, Ordering::Relaxed) + 1
                        >= UNREACHABLE_ATTEMPTS
                {
                    return Attempt::Fail(ProviderError::Transport {
                        call: call.to_string(),
                        endpoint: host_of(url),
                        message: format!("{reason} (tried {UNREACHABLE_ATTEMPTS} times)"),
                    });
                }
                Attempt::Retry {
                    reason,
                    retry_after,
                }
            },
        )
        .await
    }

    /// One request; the status is the HTTP status when the cloud answered at all.
    async fn attempt(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
    ) -> (Answered, Option<StatusCode>) {
        let token = match self.token().await {
            Ok(token) => token,
            Err(err) => return (Answered::Fail(err), None),
        };
        let mut request = self.http.request(method.clone(), url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = match request.send().await {
            Ok(response) => response,
            // A refused connection never reached the cloud, so any call may be retried;
            // a timeout on a write might have landed, so only reads are retried then.
            Err(e) if e.is_connect() || (e.is_timeout() && method == Method::GET) => {
                let retry = Answered::Retry {
                    reason: error_chain(&e),
                    retry_after: None,
                    unreachable: true,
                    maybe_done: false,
                };
                return (retry, None);
            }
            // The request went out and the connection broke or timed out: it may have
            // landed. A repeatable request is sent again; a create is looked for first.
            Err(e) if e.is_timeout() || e.is_request() => {
                let retry = Answered::Retry {
                    reason: error_chain(&e),
                    retry_after: None,
                    unreachable: false,
                    maybe_done: true,
                };
                return (retry, None);
            }
            Err(e) => {
                let fail = Answered::Fail(ProviderError::Transport {
                    call: call.to_string(),
                    endpoint: host_of(url),
                    message: error_chain(&e),
                });
                return (fail, None);
            }
        };
        let status = response.status();
        (self.answer(call, method, url, response).await, Some(status))
    }

    /// Reads an answer: the body of a success, or the error it reports.
    async fn answer(
        &self,
        call: &str,
        method: Method,
        url: &str,
        response: reqwest::Response,
    ) -> Answered {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(e) => {
                return Answered::Retry {
                    reason: format!("answer cut short: {e}"),
                    retry_after: None,
                    unreachable: false,
                    maybe_done: true,
                }
            }
        };
        tracing::debug!(
            "{method} {url} response {}: {}",
            status.as_u16(),
            redacted(&bytes)
        );
        if status.is_success() {
            return Answered::Done(bytes);
        }
        let envelope: ErrorEnvelope = serde_json::from_slice(&bytes).unwrap_or_default();
        let code = if envelope.error.status.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("ERROR")
                .to_uppercase()
                .replace(' ', "_")
        } else {
            envelope.error.status.clone()
        };
        let message = if envelope.error.message.is_empty() {
            String::from_utf8_lossy(&bytes).chars().take(500).collect()
        } else {
            envelope.error.message.clone()
        };
        if is_busy(status, &code, &message) {
            return Answered::Retry {
                reason: format!("{} {code}: {message}", status.as_u16()),
                retry_after,
                unreachable: false,
                // A server error says nothing of whether the request was carried out;
                // throttling and "busy, try again" say it was not.
                maybe_done: status.is_server_error(),
            };
        }
        Answered::Fail(ProviderError::Api {
            call: call.to_string(),
            status: status.as_u16(),
            code,
            message,
        })
    }
}

/// The JSON of an answer; an empty body reads as `{}`.
fn decode<T: DeserializeOwned>(call: &str, bytes: Vec<u8>) -> ProviderResult<T> {
    let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|e| ProviderError::Protocol {
        call: call.to_string(),
        message: format!("unexpected JSON: {e}"),
    })
}

/// The answers GKE gives when it is busy or throttling rather than refusing the request:
/// quota of concurrent operations and rate limits (429), server trouble (5xx), and a
/// conflicting operation on the same pool or cluster (400 FAILED_PRECONDITION asking to
/// "wait and try again").
fn is_busy(status: StatusCode, code: &str, message: &str) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return true;
    }
    if code == "ABORTED" {
        return true;
    }
    if status == StatusCode::BAD_REQUEST && code == "FAILED_PRECONDITION" {
        let m = message.to_ascii_lowercase();
        // A stale fingerprint also says "try again", but only a fresh read can: the
        // caller reads again, and resending the same request would never succeed.
        if m.contains("fingerprint") {
            return false;
        }
        return m.contains("try again") || m.contains("incompatible operation");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_answers_are_retried_and_real_errors_are_not() {
        assert!(is_busy(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Too many operations"
        ));
        assert!(is_busy(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", ""));
        assert!(is_busy(
            StatusCode::BAD_REQUEST,
            "FAILED_PRECONDITION",
            "Operation operation-1 is currently upgrading cluster c. Please wait and try again once it is done."
        ));
        assert!(!is_busy(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "bad field"
        ));
        assert!(!is_busy(
            StatusCode::BAD_REQUEST,
            "FAILED_PRECONDITION",
            "cluster is not ready"
        ));
        assert!(!is_busy(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found"));
    }
}
