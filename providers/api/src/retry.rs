//! How every provider waits on a cloud, written once: the backoff and deadline of the
//! retries of a busy or throttled answer, and the pace of the polls of a long-running
//! operation. It holds no HTTP: each provider judges its cloud's answers itself (which
//! ones mean busy, which ones fail) and hands this module the verdict.
//!
//! - [`RetryPolicy`]: full-jitter exponential backoff, the pause before retry `n` drawn
//!   uniformly from `[0, min(max_delay, first_delay × 2^n)]` (so that several poolctl runs
//!   or pools held up by the same throttle do not retry in step), or the answer's
//!   `Retry-After`, capped at `retry_after_cap`, when it has one.
//! - [`Deadline`]: when a whole provider call (its retries, the cloud operation and the
//!   wait for it) must be over: the caller's ([`Progress::deadline`]) when it gives one,
//!   else the provider's default. [`Deadline::check`] refuses to start a write once it
//!   has passed.
//! - [`run`]: the retry loop. It gives up with [`ProviderError::RetriesExhausted`] when
//!   the next pause would end past the deadline.
//! - [`PollSchedule`]: the pauses between polls of an operation, 5 s doubling to 30 s
//!   against a cloud (50 ms to 200 ms on loopback), a cloud's `Retry-After` honoured
//!   within `[min, max]`. A 60-minute wait against a cloud sends at most 721 polls, every
//!   pause at the 5 s floor (what a cloud asking for short `Retry-After`s could cause), and
//!   at most 122 on the schedule alone (GKE and EKS send no `Retry-After` on polls); see
//!   [`PollSchedule::max_polls`].
//! - [`unfinished`]: the error of a wait that the deadline ended: it names the operation
//!   and says that it may still be running in the cloud.
//! - [`tracked`]: reports an operation's id to [`Progress`] while poolctl waits on it.

use crate::{Progress, ProviderError};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// How a busy or throttled call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first retry's pause; it doubles with every retry up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured as asked: a cloud asking for more is retried
    /// after this long (and answers busy again if it meant it).
    pub retry_after_cap: Duration,
    /// How long a call that no caller deadline bounds (a read for a plan) keeps retrying.
    pub budget: Duration,
}

impl RetryPolicy {
    /// A real cloud: 1 s doubling to 30 s, `Retry-After` honoured up to 5 minutes, reads
    /// retried for up to 15 minutes. An AKS or GKE operation that blocks ours (409
    /// OperationNotAllowed, 400 FAILED_PRECONDITION) typically takes several minutes, and
    /// a pause of at most 30 s notices its end soon enough.
    pub const CLOUD: RetryPolicy = RetryPolicy {
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
        retry_after_cap: Duration::from_secs(5 * 60),
        budget: Duration::from_secs(15 * 60),
    };

    /// A loopback endpoint (an emulator, a test): 20 ms doubling to 500 ms, `Retry-After`
    /// up to 2 s (an emulator asks for whole seconds, as the clouds do), reads retried for
    /// up to a minute.
    pub const LOOPBACK: RetryPolicy = RetryPolicy {
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        retry_after_cap: Duration::from_secs(2),
        budget: Duration::from_secs(60),
    };

    pub fn for_endpoint(loopback: bool) -> Self {
        if loopback {
            Self::LOOPBACK
        } else {
            Self::CLOUD
        }
    }

    /// The longest pause before retry `retry` (0 for the first): `min(max_delay,
    /// first_delay × 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        // 2^20 × any useful first delay is far past any useful max delay.
        self.first_delay
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_delay)
    }

    /// The pause before retry `retry`: the answer's `Retry-After` (capped) when it has
    /// one, else a draw from `[0, ceiling(retry)]`.
    pub fn pause(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(asked) => asked.min(self.retry_after_cap),
            None => self.ceiling(retry).mul_f64(random_unit()),
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::CLOUD
    }
}

/// A random number in `[0, 1)`. std's `RandomState` is seeded randomly per instance,
/// which is all a retry jitter needs.
fn random_unit() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// When a provider call must be over: `limit` after `started`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub started: Instant,
    pub limit: Duration,
}

impl Deadline {
    /// `limit` from now.
    pub fn after(limit: Duration) -> Self {
        Deadline {
            started: Instant::now(),
            limit,
        }
    }

    /// The caller's deadline ([`Progress::deadline`]) when it gives one, else `default`
    /// from now. A caller's deadline already past leaves no time at all: the first pause
    /// gives up.
    pub fn from_progress(progress: &dyn Progress, default: Duration) -> Self {
        let now = Instant::now();
        Deadline {
            started: now,
            limit: progress
                .deadline()
                .map_or(default, |at| at.saturating_duration_since(now)),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// What is left of it; zero once it has passed.
    pub fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.started.elapsed())
    }

    /// Whether a pause of `pause`, starting now, would end past the deadline.
    pub fn passed_after(&self, pause: Duration) -> bool {
        self.started.elapsed().saturating_add(pause) > self.limit
    }

    /// `Err` once the deadline has passed: checked before a request that starts work in
    /// the cloud (a create, an update, a delete), which the call would have no time left
    /// to wait for. Reads are not refused: a poll a moment late may still find its
    /// operation done.
    pub fn check(&self, call: &str) -> Result<(), ProviderError> {
        if self.passed_after(Duration::ZERO) {
            return Err(ProviderError::RetriesExhausted {
                call: call.to_string(),
                attempts: 0,
                seconds: self.started.elapsed().as_secs(),
                last: "the call's deadline passed before the request was sent, so nothing \
                       was started"
                    .to_string(),
            });
        }
        Ok(())
    }
}

/// One attempt's outcome, as the provider judged the cloud's answer.
#[derive(Debug)]
pub enum Attempt<T, E> {
    Done(T),
    /// Not now: throttling, a 5xx, a dropped connection on a call that may be sent again,
    /// another operation in progress. `reason` is quoted in messages.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Anything else, with the cloud's own message: not retried.
    Fail(E),
}

/// Makes attempts until one is done or fails, pausing before each retry as `policy` says,
/// and gives up with [`ProviderError::RetriesExhausted`] (`call` naming what poolctl was
/// doing) when the next pause would end past `deadline`. The first attempt is made
/// whatever the time: a write that must not start late checks [`Deadline::check`] first. `attempt` gets the attempt's
/// number, from 1. Each retry is reported to `progress` as "cloud busy, retrying in Xs:
/// reason" and logged as a warning.
/// Before a write whose answer was lost, and which was then found not to have landed, is
/// sent again: pauses as a retry would (full jitter, growing with `lost`), or gives up with
/// [`ProviderError::RetriesExhausted`] when the pause would pass the deadline. A write is
/// never sent again blindly: the caller looks first.
pub async fn again_after_lost(
    call: &str,
    policy: &RetryPolicy,
    deadline: &Deadline,
    lost: u32,
    last: &str,
) -> Result<(), ProviderError> {
    let pause = policy.pause(lost, None);
    if deadline.passed_after(pause) {
        return Err(ProviderError::RetriesExhausted {
            call: call.to_string(),
            attempts: lost,
            seconds: deadline.elapsed().as_secs(),
            last: last.to_string(),
        });
    }
    tracing::warn!(
        "{call}: the answer was lost and the write did not land; sending it again in {:.1}s",
        pause.as_secs_f64()
    );
    tokio::time::sleep(pause).await;
    Ok(())
}

pub async fn run<T, E, F, Fut>(
    call: &str,
    policy: &RetryPolicy,
    deadline: &Deadline,
    progress: &dyn Progress,
    mut attempt: F,
) -> Result<T, E>
where
    E: From<ProviderError>,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt<T, E>>,
{
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let (reason, retry_after) = match attempt(attempts).await {
            Attempt::Done(done) => return Ok(done),
            Attempt::Fail(err) => return Err(err),
            Attempt::Retry {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        let pause = policy.pause(attempts - 1, retry_after);
        if deadline.passed_after(pause) {
            return Err(ProviderError::RetriesExhausted {
                call: call.to_string(),
                attempts,
                seconds: started.elapsed().as_secs(),
                last: reason,
            }
            .into());
        }
        let seconds = pause.as_secs_f64();
        tracing::warn!("{call}: cloud busy, retrying in {seconds:.1}s: {reason}");
        progress.status(&format!("cloud busy, retrying in {seconds:.1}s: {reason}"));
        tokio::time::sleep(pause).await;
    }
}

/// The pauses between the polls of a long-running operation: `first`, doubling with
/// every poll up to `max`; a cloud's `Retry-After` replaces the pause, within `[min,
/// max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSchedule {
    pub first: Duration,
    /// The shortest pause a `Retry-After` can ask for (`Retry-After: 0` must not make
    /// poolctl poll in a tight loop).
    pub min: Duration,
    pub max: Duration,
}

impl PollSchedule {
    /// A real cloud, where node-pool operations take minutes: 5 s doubling to 30 s, a
    /// `Retry-After` honoured within 5 s..30 s.
    pub const CLOUD: PollSchedule = PollSchedule {
        first: Duration::from_secs(5),
        min: Duration::from_secs(5),
        max: Duration::from_secs(30),
    };

    /// A loopback emulator, whose operations take milliseconds: 50 ms doubling to 200 ms
    /// (its `Retry-After` of whole seconds is cut to 200 ms).
    pub const LOOPBACK: PollSchedule = PollSchedule {
        first: Duration::from_millis(50),
        min: Duration::from_millis(50),
        max: Duration::from_millis(200),
    };

    pub fn for_endpoint(loopback: bool) -> Self {
        if loopback {
            Self::LOOPBACK
        } else {
            Self::CLOUD
        }
    }

    /// The pause after poll `poll` (0 for the pause before the first poll that follows
    /// the operation's start) when the cloud asks for none: `min(max, first × 2^poll)`.
    pub fn interval(&self, poll: u32) -> Duration {
        self.first
            .saturating_mul(1u32 << poll.min(20))
            .min(self.max)
    }

    /// The most polls a wait of `limit` can send: one at the start, and one after each
    /// pause, while the pauses, each as short as the schedule and a `Retry-After` allow,
    /// fit in `limit`.
    pub fn max_polls(&self, limit: Duration) -> u64 {
        let mut polls = 1u64;
        let mut left = limit;
        for poll in 0u32.. {
            let shortest = self.interval(poll).min(self.min);
            if shortest.is_zero() {
                // Nothing bounds the polls but the time each one takes.
                return u64::MAX;
            }
            if self.interval(poll.saturating_add(1)) == self.interval(poll) {
                // The same shortest pause from here on: count the rest at once.
                let rest = left.as_nanos() / shortest.as_nanos();
                return polls.saturating_add(u64::try_from(rest).unwrap_or(u64::MAX));
            }
            if shortest > left {
                break;
            }
            left -= shortest;
            polls += 1;
        }
        polls
    }

    /// The pauses of one wait, from the first.
    pub fn start(&self) -> Polls {
        Polls {
            schedule: *self,
            next: 0,
        }
    }
}

/// Where one wait is in its [`PollSchedule`].
#[derive(Debug, Clone)]
pub struct Polls {
    schedule: PollSchedule,
    next: u32,
}

impl Polls {
    /// The next pause: the cloud's `Retry-After` within `[min, max]` when it gave one,
    /// else the schedule's. The schedule moves on either way.
    pub fn next_pause(&mut self, retry_after: Option<Duration>) -> Duration {
        let scheduled = self.schedule.interval(self.next);
        self.next = self.next.saturating_add(1);
        match retry_after {
            Some(asked) => asked.clamp(self.schedule.min, self.schedule.max),
            None => scheduled,
        }
    }

    /// Sleeps the next pause; `Err(PastDeadline)`, without sleeping, when it would end
    /// past `deadline`.
    pub async fn pause(
        &mut self,
        deadline: &Deadline,
        retry_after: Option<Duration>,
    ) -> Result<(), PastDeadline> {
        let pause = self.next_pause(retry_after);
        if deadline.passed_after(pause) {
            return Err(PastDeadline);
        }
        tokio::time::sleep(pause).await;
        Ok(())
    }
}

/// The deadline passed while poolctl waited on an operation; [`unfinished`] words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastDeadline;

/// The error of a wait that the deadline ended while the cloud's operation `operation`
/// was still `status`: it names the operation, and says that it may still be running.
pub fn unfinished(call: &str, operation: &str, status: &str, deadline: &Deadline) -> ProviderError {
    ProviderError::OperationFailed {
        call: call.to_string(),
        operation: operation.to_string(),
        message: format!(
            "not finished within the deadline of {:.1} s (still {status}); it may still be \
             running in the cloud, so look at it before trying again",
            deadline.limit.as_secs_f64()
        ),
    }
}

/// Reports `id` to `progress` as a running operation while `wait` runs, and as ended
/// when it returns, whatever it returns.
pub async fn tracked<T>(progress: &dyn Progress, id: &str, wait: impl Future<Output = T>) -> T {
    progress.operation(id);
    let ended = wait.await;
    progress.operation_ended(id);
    ended
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn jitter_stays_under_a_ceiling_that_doubles_to_the_max_and_varies() {
        let policy = RetryPolicy {
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::LOOPBACK
        };
        assert_eq!(policy.ceiling(0), Duration::from_millis(100));
        assert_eq!(policy.ceiling(1), Duration::from_millis(200));
        assert_eq!(policy.ceiling(3), Duration::from_millis(800));
        assert_eq!(policy.ceiling(4), Duration::from_secs(1));
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(1));
        for retry in 0..40 {
            assert!(policy.pause(retry, None) <= policy.ceiling(retry));
        }
        let draws: std::collections::HashSet<_> =
            (0..20).map(|_| policy.pause(5, None).as_nanos()).collect();
        assert!(draws.len() > 1, "jitter must vary");
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_cap() {
        let policy = RetryPolicy::CLOUD;
        assert_eq!(
            policy.pause(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7),
            "honoured as asked, even above the backoff's ceiling"
        );
        assert_eq!(
            policy.pause(3, Some(Duration::from_secs(3600))),
            Duration::from_secs(300)
        );
        assert_eq!(
            RetryPolicy::LOOPBACK.pause(0, Some(Duration::from_secs(30))),
            Duration::from_secs(2)
        );
    }

    struct Caller {
        deadline: Option<Instant>,
        statuses: Mutex<Vec<String>>,
    }

    impl Progress for Caller {
        fn status(&self, message: &str) {
            self.statuses
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(message.to_string());
        }

        fn deadline(&self) -> Option<Instant> {
            self.deadline
        }
    }

    fn caller(deadline: Option<Instant>) -> Caller {
        Caller {
            deadline,
            statuses: Mutex::new(Vec::new()),
        }
    }

    #[test]
    fn the_callers_deadline_wins_over_the_default() {
        let default = Duration::from_secs(600);
        let own = Deadline::from_progress(&caller(None), default);
        assert_eq!(own.limit, default);
        let soon = Instant::now() + Duration::from_secs(5);
        let given = Deadline::from_progress(&caller(Some(soon)), default);
        assert!(given.limit <= Duration::from_secs(5), "{:?}", given.limit);
        assert!(given.limit > Duration::from_secs(4), "{:?}", given.limit);
        assert!(!given.passed_after(Duration::from_secs(1)));
        assert!(given.passed_after(Duration::from_secs(6)));
        let past = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now);
        let gone = Deadline::from_progress(&caller(Some(past)), default);
        assert_eq!(gone.limit, Duration::ZERO);
        assert_eq!(gone.remaining(), Duration::ZERO);
        assert!(gone.passed_after(Duration::from_millis(1)));
        // Nothing is started in the cloud once it has passed.
        assert!(matches!(
            gone.check("create node pool late"),
            Err(ProviderError::RetriesExhausted { attempts: 0, .. })
        ));
        assert!(given.check("create node pool soon").is_ok());
    }

    #[tokio::test]
    async fn busy_answers_are_retried_and_reported_until_done() {
        let progress = caller(None);
        let deadline = Deadline::after(Duration::from_secs(10));
        let mut seen = Vec::new();
        let done: Result<&str, ProviderError> = run(
            "list node pools",
            &RetryPolicy::LOOPBACK,
            &deadline,
            &progress,
            |attempt| {
                seen.push(attempt);
                std::future::ready(if attempt < 3 {
                    Attempt::Retry {
                        reason: "429 RESOURCE_EXHAUSTED: slow down".into(),
                        retry_after: None,
                    }
                } else {
                    Attempt::Done("pools")
                })
            },
        )
        .await;
        assert_eq!(done.ok(), Some("pools"));
        assert_eq!(seen, [1, 2, 3]);
        let statuses = progress.statuses.lock().expect("statuses").clone();
        assert_eq!(statuses.len(), 2);
        assert!(
            statuses[0].starts_with("cloud busy, retrying in ")
                && statuses[0].ends_with("s: 429 RESOURCE_EXHAUSTED: slow down"),
            "{statuses:?}"
        );
    }

    #[tokio::test]
    async fn other_answers_fail_at_once() {
        let mut sent = 0;
        let failed: Result<(), ProviderError> = run(
            "create node pool a",
            &RetryPolicy::LOOPBACK,
            &Deadline::after(Duration::from_secs(10)),
            &caller(None),
            |_| {
                sent += 1;
                std::future::ready(Attempt::Fail(ProviderError::Config("bad".into())))
            },
        )
        .await;
        assert!(matches!(failed, Err(ProviderError::Config(_))));
        assert_eq!(sent, 1);
    }

    #[tokio::test]
    async fn retries_give_up_when_the_next_pause_would_pass_the_deadline() {
        let started = Instant::now();
        let mut sent = 0u32;
        let result: Result<(), ProviderError> = run(
            "update node pool a",
            &RetryPolicy::LOOPBACK,
            &Deadline::after(Duration::from_millis(200)),
            &caller(None),
            |_| {
                sent += 1;
                std::future::ready(Attempt::Retry {
                    reason: "409 OperationNotAllowed: another operation is in progress".into(),
                    retry_after: None,
                })
            },
        )
        .await;
        assert!(started.elapsed() < Duration::from_millis(400));
        match result {
            Err(ProviderError::RetriesExhausted {
                call,
                attempts,
                last,
                ..
            }) => {
                assert_eq!(call, "update node pool a");
                assert!(attempts > 1 && attempts == sent, "{attempts} {sent}");
                assert!(last.contains("OperationNotAllowed"), "{last}");
            }
            other => panic!("expected RetriesExhausted, got {other:?}"),
        }
        // A Retry-After longer than what is left gives up at once instead of sleeping.
        let started = Instant::now();
        let result: Result<(), ProviderError> = run(
            "list",
            &RetryPolicy::CLOUD,
            &Deadline::after(Duration::from_secs(5)),
            &caller(None),
            |_| {
                std::future::ready(Attempt::Retry {
                    reason: "429".into(),
                    retry_after: Some(Duration::from_secs(60)),
                })
            },
        )
        .await;
        assert!(matches!(
            result,
            Err(ProviderError::RetriesExhausted { attempts: 1, .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn polls_double_to_the_cap_and_retry_after_is_kept_within_bounds() {
        let schedule = PollSchedule::CLOUD;
        let intervals: Vec<u64> = (0..6).map(|n| schedule.interval(n).as_secs()).collect();
        assert_eq!(intervals, [5, 10, 20, 30, 30, 30]);
        let mut polls = schedule.start();
        assert_eq!(polls.next_pause(None), Duration::from_secs(5));
        assert_eq!(
            polls.next_pause(Some(Duration::from_secs(600))),
            Duration::from_secs(30)
        );
        assert_eq!(
            polls.next_pause(Some(Duration::ZERO)),
            Duration::from_secs(5)
        );
        // The schedule moved on under the Retry-Afters.
        assert_eq!(polls.next_pause(None), Duration::from_secs(30));
        let loopback: Vec<u128> = (0..4)
            .map(|n| PollSchedule::LOOPBACK.interval(n).as_millis())
            .collect();
        assert_eq!(loopback, [50, 100, 200, 200]);
    }

    #[test]
    fn the_module_docs_figures_of_polls_hold() {
        let hour = Duration::from_secs(60 * 60);
        // Every pause at the 5 s floor: 720 pauses fit, plus the first poll.
        assert_eq!(PollSchedule::CLOUD.max_polls(hour), 721);
        // On the schedule alone: 5 + 10 + 20 s, then 30 s pauses.
        let mut waited = Duration::ZERO;
        let mut polls = 1;
        for n in 0.. {
            waited += PollSchedule::CLOUD.interval(n);
            if waited > hour {
                break;
            }
            polls += 1;
        }
        assert_eq!(polls, 122);
        // A schedule whose Retry-After floor is above its intervals counts the intervals.
        let no_shortcuts = PollSchedule {
            min: Duration::from_secs(30),
            ..PollSchedule::CLOUD
        };
        assert_eq!(no_shortcuts.max_polls(hour), 122);
        assert_eq!(PollSchedule::LOOPBACK.max_polls(Duration::from_secs(1)), 21);
        assert_eq!(PollSchedule::CLOUD.max_polls(Duration::ZERO), 1);
    }

    #[tokio::test]
    async fn a_pause_past_the_deadline_is_not_slept() {
        let mut polls = PollSchedule {
            first: Duration::from_millis(1),
            min: Duration::from_millis(1),
            max: Duration::from_millis(5),
        }
        .start();
        let deadline = Deadline::after(Duration::from_millis(30));
        let started = Instant::now();
        let mut slept = 0;
        while polls.pause(&deadline, None).await.is_ok() {
            slept += 1;
        }
        assert!(slept >= 3, "{slept}");
        assert!(started.elapsed() <= Duration::from_millis(100));
        let err = unfinished("create node pool a", "operation-7", "RUNNING", &deadline);
        let text = err.to_string();
        assert!(
            text.starts_with("create node pool a: operation operation-7 failed: not finished"),
            "{text}"
        );
        assert!(text.contains("still RUNNING"), "{text}");
        assert!(text.contains("may still be running in the cloud"), "{text}");
    }

    #[tokio::test]
    async fn a_tracked_operation_is_reported_started_then_ended() {
        #[derive(Default)]
        struct Ops(Mutex<Vec<String>>);
        impl Progress for Ops {
            fn status(&self, _: &str) {}
            fn operation(&self, id: &str) {
                self.0.lock().expect("ops").push(format!("start {id}"));
            }
            fn operation_ended(&self, id: &str) {
                self.0.lock().expect("ops").push(format!("end {id}"));
            }
        }
        let ops = Ops::default();
        let result: Result<(), &str> = tracked(&ops, "op-1", async { Err("failed") }).await;
        assert_eq!(result, Err("failed"));
        assert_eq!(*ops.0.lock().expect("ops"), ["start op-1", "end op-1"]);
    }
}
