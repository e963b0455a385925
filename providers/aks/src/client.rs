//! HTTP to ARM: bearer tokens (none for a loopback emulator), ARM's CloudError, the
//! `If-Match`/`If-None-Match` preconditions, and which answers mean "busy" or "slow down"
//! (retried by [`poolctl_provider::retry::run`]) and which ones fail.

use crate::auth::Auth;
use crate::wire::CloudError;
use poolctl_http::{error_chain, host_of, path_of, redacted, shared_client};
use poolctl_provider::retry::{self, Attempt, Deadline, RetryPolicy};
use poolctl_provider::{Progress, ProviderError, ProviderResult};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Attempts at an endpoint that does not answer before poolctl reports it unreachable: a
/// wrong endpoint is far more common than an outage.
const UNREACHABLE_ATTEMPTS: u32 = 4;

/// What bounds and watches one provider call: when it must be over, and where its
/// progress goes.
#[derive(Clone, Copy)]
pub(crate) struct Bounds<'a> {
    pub deadline: Deadline,
    pub progress: &'a dyn Progress,
}

/// One request as the provider means it.
pub(crate) struct Call<'a> {
    /// What poolctl is doing, for errors (`update agent pool gpu`).
    pub what: &'a str,
    pub method: Method,
    pub url: &'a str,
    pub body: Option<&'a serde_json::Value>,
    /// `If-Match: <eTag>`: ARM refuses with 412 when the pool changed since.
    pub if_match: Option<&'a str>,
    /// `If-None-Match: *`: ARM refuses with 412 when the pool exists already.
    pub if_none_match_any: bool,
    /// Whether sending it twice does no harm. A write that may have landed when its
    /// answer was lost is reported as [`ProviderError::AnswerLost`] instead of sent again:
    /// with its precondition, a second copy would fail with 412 after the first one
    /// succeeded.
    pub repeatable: bool,
}

impl<'a> Call<'a> {
    pub(crate) fn get(what: &'a str, url: &'a str) -> Self {
        Call {
            what,
            method: Method::GET,
            url,
            body: None,
            if_match: None,
            if_none_match_any: false,
            repeatable: true,
        }
    }
}

/// A successful answer.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> ProviderResult<T> {
        let body: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| ProviderError::Protocol {
            call: what.to_string(),
            message: format!("unexpected JSON: {e}"),
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// `Retry-After`, for the pace of polls (which clamp it themselves).
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        retry_after(&self.headers)
    }
}

/// `Retry-After` in seconds. ARM sends seconds; an HTTP date is ignored (the caller's own
/// pacing applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// One attempt's outcome, before it is judged for a retry.
enum Answered {
    Done(Answer),
    Retry {
        reason: String,
        retry_after: Option<Duration>,
        /// The endpoint did not answer at all.
        unreachable: bool,
        /// The request may have been carried out (a 5xx, a connection dropped after the
        /// request went out).
        maybe_done: bool,
    },
    Fail(ProviderError),
}

pub(crate) struct Client {
    http: reqwest::Client,
    /// `None`: no credentials (an emulator).
    auth: Option<Auth>,
    retry: RetryPolicy,
    endpoint: Url,
}

impl Client {
    pub(crate) fn new(
        endpoint: Url,
        auth: Option<Auth>,
        retry: RetryPolicy,
    ) -> ProviderResult<Self> {
        Ok(Client {
            http: shared_client()
                .map_err(|e| ProviderError::Config(format!("cannot build HTTP client: {e}")))?,
            auth,
            retry,
            endpoint,
        })
    }

    /// A URL that ARM handed back (`nextLink`, `Azure-AsyncOperation`, `Location`), checked
    /// before the token goes to it: it must be on the endpoint's origin. An emulator on
    /// loopback that copies Azure's absolute URLs gets them moved onto itself.
    pub(crate) fn follow(&self, what: &str, link: &str) -> ProviderResult<String> {
        let url = Url::parse(link)
            .or_else(|_| self.endpoint.join(link))
            .map_err(|e| ProviderError::Protocol {
                call: what.to_string(),
                message: format!("ARM sent the URL `{link}`, which does not parse: {e}"),
            })?;
        if url.origin() == self.endpoint.origin() {
            return Ok(url.to_string());
        }
        if poolctl_http::is_loopback(self.endpoint.as_str()) {
            let mut moved = self.endpoint.clone();
            moved.set_path(url.path());
            moved.set_query(url.query());
            return Ok(moved.to_string());
        }
        Err(ProviderError::Protocol {
            call: what.to_string(),
            message: format!(
                "ARM sent the URL `{link}`, on another host than {}: poolctl does not send \
                 its credentials there",
                self.endpoint.origin().ascii_serialization()
            ),
        })
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
        bounds: Bounds<'_>,
    ) -> ProviderResult<T> {
        self.send(&Call::get(what, url), bounds).await?.json(what)
    }

    /// How busy answers are retried.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// How long a read that no caller deadline bounds keeps retrying.
    pub(crate) fn read_budget(&self) -> Duration {
        self.retry.budget
    }

    /// Sends a call, retrying busy and throttled answers until the call's deadline; the
    /// first other answer that is not a success becomes the error.
    pub(crate) async fn send(&self, call: &Call<'_>, bounds: Bounds<'_>) -> ProviderResult<Answer> {
        if call.method != Method::GET {
            bounds.deadline.check(call.what)?;
        }
        let body = match call.body.map(serde_json::to_vec).transpose() {
            Ok(body) => body,
            Err(e) => {
                return Err(ProviderError::Protocol {
                    call: call.what.to_string(),
                    message: format!("cannot encode the request: {e}"),
                })
            }
        };
        if let Some(body) = &body {
            tracing::debug!(
                "{} {} request body: {}",
                call.method,
                call.url,
                redacted(body)
            );
        }
        let path = path_of(call.url);
        // Atomic only so that the attempts' futures stay Send.
        let unreachable_attempts = AtomicU32::new(0);
        let (body, path, unreachable_attempts) = (body.as_deref(), &path, &unreachable_attempts);
        retry::run(
            call.what,
            &self.retry,
            &bounds.deadline,
            bounds.progress,
            |attempt| async move {
                let sent = Instant::now();
                let (answered, status) = self.attempt(call, body).await;
                // One line per request at -v.
                let again = if attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                tracing::info!(
                    "{} {path} -> {} in {} ms{again}",
                    call.method,
                    status.map_or_else(|| "no answer".to_string(), |s| s.as_u16().to_string()),
                    sent.elapsed().as_millis()
                );
                let (reason, retry_after, unreachable, maybe_done) = match answered {
                    Answered::Done(answer) => return Attempt::Done(answer),
                    Answered::Fail(err) => return Attempt::Fail(err),
                    Answered::Retry {
                        reason,
                        retry_after,
                        unreachable,
                        maybe_done,
                    } => (reason, retry_after, unreachable, maybe_done),
                };
                if maybe_done && !call.repeatable {
                    return Attempt::Fail(ProviderError::AnswerLost {
                        call: call.what.to_string(),
                        message: reason,
                    });
                }
                if unreachable
                    && unreachable_attempts.fetch_add(1, Ordering::Relaxed) + 1
                        >= UNREACHABLE_ATTEMPTS
                {
                    return Attempt::Fail(ProviderError::Transport {
                        call: call.what.to_string(),
                        endpoint: host_of(call.url),
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

    /// One request; the status is the HTTP status when ARM answered at all.
    async fn attempt(
        &self,
        call: &Call<'_>,
        body: Option<&[u8]>,
    ) -> (Answered, Option<StatusCode>) {
        let mut request = self.http.request(call.method.clone(), call.url);
        if let Some(auth) = &self.auth {
            match auth.token().await {
                Ok(token) => request = request.bearer_auth(token),
                Err(err) => return (Answered::Fail(err), None),
            }
        }
        if let Some(etag) = call.if_match {
            request = request.header(reqwest::header::IF_MATCH, etag);
        }
        if call.if_none_match_any {
            request = request.header(reqwest::header::IF_NONE_MATCH, "*");
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = match request.send().await {
            Ok(response) => response,
            // A refused connection never reached ARM, so any call may be sent again; a
            // timeout on a write might have landed, so only reads are retried then.
            Err(e) if e.is_connect() || (e.is_timeout() && call.method == Method::GET) => {
                let retry = Answered::Retry {
                    reason: error_chain(&e),
                    retry_after: None,
                    unreachable: e.is_connect(),
                    maybe_done: false,
                };
                return (retry, None);
            }
            Err(e) if e.is_timeout() || e.is_request() || e.is_body() => {
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
                    call: call.what.to_string(),
                    endpoint: host_of(call.url),
                    message: error_chain(&e),
                });
                return (fail, None);
            }
        };
        let status = response.status();
        (self.answer(call, response).await, Some(status))
    }

    /// Reads an answer: the body of a success, or the error it reports.
    async fn answer(&self, call: &Call<'_>, response: reqwest::Response) -> Answered {
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(e) => {
                return Answered::Retry {
                    reason: format!("answer cut short: {e}"),
                    retry_after: None,
                    unreachable: false,
                    maybe_done: call.method != Method::GET,
                }
            }
        };
        tracing::debug!(
            "{} {} response {}: {}",
            call.method,
            call.url,
            status.as_u16(),
            redacted(&body)
        );
        if status.is_success() {
            return Answered::Done(Answer {
                status,
                headers,
                body,
            });
        }
        let (code, message) = cloud_error(status, &body);
        if status == StatusCode::PRECONDITION_FAILED {
            return Answered::Fail(ProviderError::ChangedSincePlan {
                call: call.what.to_string(),
                message: format!("412 {code}: {message}"),
            });
        }
        if status == StatusCode::UNAUTHORIZED {
            return Answered::Fail(ProviderError::Auth {
                message: format!("ARM refused the token for {}: {code}: {message}", call.what),
                fix: self.auth.as_ref().map(Auth::fix).unwrap_or_else(|| {
                    "set POOLCTL_AKS_AUTH=azure to send Azure credentials to this endpoint"
                        .to_string()
                }),
            });
        }
        if is_busy(status, &code, &message) {
            return Answered::Retry {
                reason: format!("{} {code}: {message}", status.as_u16()),
                retry_after: retry_after(&headers),
                unreachable: false,
                // A server error says nothing of whether the request was carried out;
                // throttling and "another operation is in progress" say it was not.
                maybe_done: status.is_server_error(),
            };
        }
        Answered::Fail(ProviderError::Api {
            call: call.what.to_string(),
            status: status.as_u16(),
            code,
            message,
        })
    }
}

/// ARM's error code and message from a CloudError body, or the HTTP reason and the raw
/// text when the body is something else (a gateway's HTML page).
fn cloud_error(status: StatusCode, body: &[u8]) -> (String, String) {
    let envelope: CloudError = serde_json::from_slice(body).unwrap_or_default();
    let code = if envelope.error.code.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Error")
            .replace(' ', "")
    } else {
        envelope.error.code.clone()
    };
    let message = envelope.error.full_message();
    let message = if message.is_empty() {
        String::from_utf8_lossy(body).chars().take(500).collect()
    } else {
        message
    };
    (code, message)
}

/// The answers that mean "not now" rather than "no": 409 because another operation on the
/// cluster or pool is in progress (AKS allows one at a time), 429 throttling, and 5xx.
fn is_busy(status: StatusCode, code: &str, message: &str) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return true;
    }
    if status == StatusCode::CONFLICT {
        let m = message.to_ascii_lowercase();
        return code == "OperationNotAllowed"
            || m.contains("another operation")
            || m.contains("in progress");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_answers_are_retried_and_real_errors_are_not() {
        assert!(is_busy(
            StatusCode::CONFLICT,
            "OperationNotAllowed",
            "Operation is not allowed: Another operation (nodepool1 - Updating) is in \
             progress, please wait for it to finish before starting a new operation."
        ));
        assert!(is_busy(
            StatusCode::TOO_MANY_REQUESTS,
            "Throttled",
            "slow down"
        ));
        assert!(is_busy(StatusCode::SERVICE_UNAVAILABLE, "", ""));
        assert!(!is_busy(StatusCode::CONFLICT, "Conflict", "name taken"));
        assert!(!is_busy(StatusCode::BAD_REQUEST, "InvalidParameter", "bad"));
        assert!(!is_busy(StatusCode::NOT_FOUND, "NotFound", "no pool"));
    }

    #[test]
    fn cloud_errors_keep_their_code_and_nested_messages() {
        let body = br#"{"error":{"code":"InvalidParameter","message":"The value is invalid.",
            "details":[{"code":"VMSizeNotSupported","message":"Standard_X is not allowed."}]}}"#;
        let (code, message) = cloud_error(StatusCode::BAD_REQUEST, body);
        assert_eq!(code, "InvalidParameter");
        assert_eq!(message, "The value is invalid.; Standard_X is not allowed.");
        let (code, message) = cloud_error(StatusCode::BAD_GATEWAY, b"<html>oops</html>");
        assert_eq!(code, "BadGateway");
        assert_eq!(message, "<html>oops</html>");
    }

    #[test]
    fn links_are_followed_only_on_the_endpoint() {
        let arm = Client::new(
            Url::parse("https://management.azure.com").expect("url"),
            None,
            RetryPolicy::CLOUD,
        )
        .expect("client");
        let op = "https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/operations/1?api-version=2026-08-01";
        assert_eq!(arm.follow("poll", op).ok().as_deref(), Some(op));
        assert!(arm.follow("poll", "https://evil.example/steal").is_err());
        let emulator = Client::new(
            Url::parse("http://127.0.0.1:9000").expect("url"),
            None,
            RetryPolicy::CLOUD,
        )
        .expect("client");
        assert_eq!(
            emulator.follow("poll", op).ok().as_deref(),
            Some("http://127.0.0.1:9000/subscriptions/s/providers/Microsoft.ContainerService/locations/eastus/operations/1?api-version=2026-08-01")
        );
    }
}
