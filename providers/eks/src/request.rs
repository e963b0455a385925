//! Sending one EKS request: the SDK retries a few times by itself (a dropped connection,
//! a throttled answer); on top of that, what means "not now" (ResourceInUseException
//! while the node group is being updated, throttling, server errors the SDK gave up on,
//! connections that kept dropping) is retried by [`poolctl_provider::retry::run`] until
//! the call's deadline. This module only judges EKS's answers.

use crate::errors::EksError;
use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use poolctl_provider::retry::{self, Attempt, Deadline, RetryPolicy};
use poolctl_provider::{Progress, ProviderError};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// Requests whose connection dropped before an answer, each after the SDK's own
/// attempts, before poolctl reports the endpoint unreachable.
const DROPPED_ATTEMPTS: u32 = 4;

/// Why a call ended without a result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// EKS's answer (or the lack of one), for the caller to judge (not found may be fine).
    Eks(EksError),
    /// Still busy or throttled at the deadline.
    Exhausted(ProviderError),
}

impl From<ProviderError> for Failure {
    fn from(err: ProviderError) -> Self {
        Failure::Exhausted(err)
    }
}

impl Failure {
    pub(crate) fn eks(&self) -> Option<&EksError> {
        match self {
            Failure::Eks(e) => Some(e),
            Failure::Exhausted(_) => None,
        }
    }

    pub(crate) fn into_provider(self, call: &str, endpoint: &str) -> ProviderError {
        match self {
            Failure::Eks(e) => e.into_provider(call, endpoint),
            Failure::Exhausted(e) => e,
        }
    }
}

/// One request and how its answers are judged. Every EKS request poolctl sends may be
/// sent again: reads, tags and deletes do no harm twice, and creates and updates carry a
/// `clientRequestToken` that EKS recognises.
pub(crate) struct Request<'a> {
    /// What poolctl is doing (`update node group gpu`), for messages.
    pub call: &'a str,
    /// The SDK operation (`UpdateNodegroupConfig`), for log lines.
    pub operation: &'a str,
    /// Whether ResourceInUseException means "wait" (an update in progress) rather than
    /// "no" (a create whose name is taken).
    pub in_use_is_busy: bool,
    pub deadline: Deadline,
    pub retry: &'a RetryPolicy,
}

impl Request<'_> {
    /// Sends `send()` until it succeeds, fails for good, or the deadline passes.
    pub(crate) async fn run<T, E, F, Fut>(
        &self,
        progress: &dyn Progress,
        mut send: F,
    ) -> Result<T, Failure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        // Atomic only so that the attempts' futures stay Send.
        let dropped = AtomicU32::new(0);
        let dropped = &dropped;
        retry::run(self.call, self.retry, &self.deadline, progress, |attempt| {
            let sent = Instant::now();
            let answer = send();
            async move {
                let err = match answer.await {
                    Ok(answer) => {
                        tracing::info!(
                            "EKS {} ({}) -> ok in {} ms (attempt {attempt})",
                            self.operation,
                            self.call,
                            sent.elapsed().as_millis()
                        );
                        return Attempt::Done(answer);
                    }
                    Err(err) => EksError::from_sdk(err),
                };
                tracing::info!(
                    "EKS {} ({}) -> {} in {} ms",
                    self.operation,
                    self.call,
                    err.summary(),
                    sent.elapsed().as_millis()
                );
                let busy = err.is_throttled_or_unavailable()
                    || (self.in_use_is_busy && err.is_in_use())
                    || (err.is_dropped()
                        && dropped.fetch_add(1, Ordering::Relaxed) + 1 < DROPPED_ATTEMPTS);
                if busy {
                    Attempt::Retry {
                        reason: err.summary(),
                        retry_after: None,
                    }
                } else {
                    Attempt::Fail(Failure::Eks(err))
                }
            }
        })
        .await
    }
}

/// A fresh `clientRequestToken`: one per create or update, kept across every retry of it,
/// so that one whose answer was lost and which is sent again is recognised by EKS as the
/// same.
pub(crate) fn request_token() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    let high = hasher.finish();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(high);
    format!("poolctl-{high:016x}{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::error::ErrorMetadata;
    use aws_sdk_eks::operation::describe_nodegroup::DescribeNodegroupError;
    use std::time::Duration;

    fn answer(status: u16, code: &str) -> SdkError<DescribeNodegroupError, HttpResponse> {
        let status = status.try_into().expect("a valid status");
        SdkError::service_error(
            DescribeNodegroupError::generic(ErrorMetadata::builder().code(code).build()),
            HttpResponse::new(status, "".into()),
        )
    }

    fn request(in_use_is_busy: bool, limit: Duration) -> Request<'static> {
        Request {
            call: "update node group gpu",
            operation: "UpdateNodegroupConfig",
            in_use_is_busy,
            deadline: Deadline::after(limit),
            retry: &RetryPolicy::LOOPBACK,
        }
    }

    #[tokio::test]
    async fn busy_answers_are_retried_until_the_deadline() {
        let request = request(true, Duration::from_millis(300));
        let mut sent = 0u32;
        let result: Result<(), Failure> = request
            .run(&poolctl_provider::NoProgress, || {
                sent += 1;
                std::future::ready(Err(answer(409, "ResourceInUseException")))
            })
            .await;
        match result {
            Err(Failure::Exhausted(ProviderError::RetriesExhausted { attempts, last, .. })) => {
                assert!(attempts > 1 && attempts == sent, "{attempts} {sent}");
                assert!(last.contains("ResourceInUseException"), "{last}");
            }
            other => panic!("expected RetriesExhausted, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn real_errors_fail_at_once_with_the_cloud_code() {
        let request = request(false, Duration::from_secs(60));
        for code in ["InvalidParameterException", "ResourceInUseException"] {
            let mut sent = 0u32;
            let result: Result<(), Failure> = request
                .run(&poolctl_provider::NoProgress, || {
                    sent += 1;
                    std::future::ready(Err(answer(400, code)))
                })
                .await;
            assert_eq!(sent, 1);
            assert_eq!(
                result
                    .err()
                    .and_then(|f| f.eks().map(|e| e.code.clone()))
                    .as_deref(),
                Some(code)
            );
        }
    }

    #[test]
    fn request_tokens_differ_between_creates() {
        let a = request_token();
        let b = request_token();
        assert_ne!(a, b);
        assert!(a.len() <= 64 && a.starts_with("poolctl-"), "{a}");
    }
}
