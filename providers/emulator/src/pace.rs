//! How long the emulated clouds' long-running operations last, shared by the GKE and AKS models.

/// How long an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pace {
    /// This many milliseconds of the clock, as a real cloud.
    Millis(u64),
    /// This many status polls (reads of the operation or of its pool), whatever the time:
    /// what tests use, so that no outcome depends on the machine's speed.
    Polls(u32),
}

impl Pace {
    /// When an operation started at `now` ends by the clock (`u64::MAX`: only polls end it),
    /// and how many polls it still needs.
    pub(crate) fn schedule(self, now: u64) -> (u64, Option<u32>) {
        match self {
            Pace::Millis(millis) => (now.saturating_add(millis), None),
            Pace::Polls(0) => (now, None),
            Pace::Polls(polls) => (u64::MAX, Some(polls)),
        }
    }
}
