//! Sending one EKS call: the SDK retries a few times by itself; on top of that poolctl
//! retries what means "not now" (ResourceInUseException while the node group is being
//! updated, throttling, server errors the SDK gave up on) with exponential backoff and full
//! jitter, until the operation's deadline.

use crate::connect::Timing;
use crate::errors::EksError;
use aws_sdk_eks::config::http::HttpResponse;
use aws_sdk_eks::error::{ProvideErrorMetadata, SdkError};
use poolctl_provider::{Progress, ProviderError};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// When one provider operation (a create with its wait, a read) must be over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub started: Instant,
    pub limit: Duration,
}

impl Deadline {
    pub(crate) fn after(limit: Duration) -> Self {
        Deadline {
            started: Instant::now(),
            limit,
        }
    }

    /// Whether a pause of `delay` would end past the deadline.
    pub(crate) fn passed_after(&self, delay: Duration) -> bool {
        self.started.elapsed() + delay > self.limit
    }

    pub(crate) fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

/// Why a call ended without a result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// EKS's answer (or the lack of one), for the caller to judge (not found may be fine).
    Eks(EksError),
    /// Still busy or throttled at the deadline.
    Exhausted(ProviderError),
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

/// How one call is retried.
pub(crate) struct Retry<'a> {
    /// What poolctl is doing (`update node group gpu`), for messages.
    pub call: &'a str,
    /// The SDK operation (`UpdateNodegroupConfig`), for log lines.
    pub operation: &'a str,
    /// Whether ResourceInUseException means "wait" (an update in progress) rather than
    /// "no" (a create whose name is taken).
    pub in_use_is_busy: bool,
    pub deadline: Deadline,
    pub timing: &'a Timing,
}

impl Retry<'_> {
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
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let sent = Instant::now();
            let err = match send().await {
                Ok(answer) => {
                    tracing::info!(
                        "EKS {} ({}) -> ok in {} ms (attempt {attempts})",
                        self.operation,
                        self.call,
                        sent.elapsed().as_millis()
                    );
                    return Ok(answer);
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
            let busy =
                err.is_throttled_or_unavailable() || (self.in_use_is_busy && err.is_in_use());
            if !busy {
                return Err(Failure::Eks(err));
            }
            let delay = full_jitter(self.timing.retry_first, self.timing.retry_max, attempts);
            if self.deadline.passed_after(delay) {
                return Err(Failure::Exhausted(ProviderError::RetriesExhausted {
                    call: self.call.to_string(),
                    attempts,
                    seconds: self.deadline.elapsed_secs(),
                    last: err.summary(),
                }));
            }
            tracing::warn!(
                "{}: retrying in {:.1}s: {}",
                self.call,
                delay.as_secs_f64(),
                err.summary()
            );
            progress.status(&format!(
                "EKS busy, retrying in {:.1}s: {}",
                delay.as_secs_f64(),
                err.summary()
            ));
            tokio::time::sleep(delay).await;
        }
    }
}

/// Full jitter: uniform in `[0, min(max, first × 2^(attempt-1))]`, so that several
/// poolctl runs (or node groups) held up by the same throttle do not retry in step.
pub(crate) fn full_jitter(first: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    first
        .saturating_mul(1u32 << exp)
        .min(max)
        .mul_f64(random_unit())
}

/// A random number in `[0, 1)`: std's `RandomState` is seeded randomly per instance, which
/// is all a retry jitter needs.
fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh `clientRequestToken`: one per create, kept across every retry of it, so that a
/// create whose answer was lost and which is sent again is recognised by EKS as the same.
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

    #[test]
    fn jitter_stays_under_the_growing_ceiling_and_varies() {
        let first = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempt in 1..40 {
            let ceiling = (first * 2u32.pow((attempt - 1).min(20))).min(max);
            assert!(full_jitter(first, max, attempt) <= ceiling);
        }
        let draws: std::collections::HashSet<_> = (0..20)
            .map(|_| full_jitter(first, max, 5).as_nanos())
            .collect();
        assert!(draws.len() > 1, "jitter must vary");
    }

    fn answer(status: u16, code: &str) -> SdkError<DescribeNodegroupError, HttpResponse> {
        let status = status.try_into().expect("a valid status");
        SdkError::service_error(
            DescribeNodegroupError::generic(ErrorMetadata::builder().code(code).build()),
            HttpResponse::new(status, "".into()),
        )
    }

    fn retry(in_use_is_busy: bool, limit: Duration) -> (Timing, Deadline, bool) {
        (
            Timing::for_endpoint(true),
            Deadline::after(limit),
            in_use_is_busy,
        )
    }

    #[tokio::test]
    async fn busy_answers_are_retried_until_the_deadline() {
        let (timing, deadline, in_use_is_busy) = retry(true, Duration::from_millis(300));
        let retry = Retry {
            call: "update node group gpu",
            operation: "UpdateNodegroupConfig",
            in_use_is_busy,
            deadline,
            timing: &timing,
        };
        let mut sent = 0u32;
        let result: Result<(), Failure> = retry
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
        let (timing, deadline, in_use_is_busy) = retry(false, Duration::from_secs(60));
        let retry = Retry {
            call: "create node group gpu",
            operation: "CreateNodegroup",
            in_use_is_busy,
            deadline,
            timing: &timing,
        };
        for code in ["InvalidParameterException", "ResourceInUseException"] {
            let mut sent = 0u32;
            let result: Result<(), Failure> = retry
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
