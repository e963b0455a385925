//! The provider error: what went wrong talking to a cloud, keeping the cloud's own code
//! and message, and which call failed.

pub type ProviderResult<T> = Result<T, ProviderError>;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The cloud answered with an error.
    #[error("{call}: {status} {code}: {message}")]
    Api {
        /// What poolctl was doing (`create node pool highmem`).
        call: String,
        /// HTTP status.
        status: u16,
        /// The cloud's own error code (`FAILED_PRECONDITION`, `OperationNotAllowed`).
        code: String,
        message: String,
    },
    /// A long-running operation finished, but failed.
    #[error("{call}: operation {operation} failed: {message}")]
    OperationFailed {
        call: String,
        operation: String,
        message: String,
    },
    /// The cloud stayed busy or throttled longer than poolctl is willing to wait.
    #[error("{call}: gave up after {attempts} attempts over {seconds}s: {last}")]
    RetriesExhausted {
        call: String,
        attempts: u32,
        seconds: u64,
        last: String,
    },
    /// The request reached the cloud, but its answer did not come back: it may or may not
    /// have been carried out. Returned only for calls that must not simply be sent again
    /// (a create), so that the caller can look before it retries.
    #[error(
        "{call}: the answer was lost ({message}); the request may or may not have been carried out"
    )]
    AnswerLost { call: String, message: String },
    /// The pool is no longer what the plan read (AKS answers 412 to an `If-Match` with
    /// the eTag of the plan): nothing was changed.
    #[error(
        "{call}: the pool changed since the plan was made, so nothing was changed ({message})"
    )]
    ChangedSincePlan { call: String, message: String },
    #[error("{call}: could not reach {endpoint}: {message}")]
    Transport {
        call: String,
        endpoint: String,
        message: String,
    },
    #[error("authentication failed: {message}")]
    Auth {
        message: String,
        /// How to get working credentials.
        fix: String,
    },
    #[error("the cloud answered {call} with something poolctl cannot read: {message}")]
    Protocol { call: String, message: String },
    /// The blueprint's cluster settings are not enough to talk to this cloud.
    #[error("{0}")]
    Config(String),
}

impl ProviderError {
    /// What the user can do about it, when poolctl knows.
    pub fn help(&self) -> Option<String> {
        match self {
            ProviderError::Auth { fix, .. } => Some(fix.clone()),
            ProviderError::Transport { endpoint, .. } => Some(format!(
                "check that {endpoint} is the right endpoint ([cluster] endpoint, or \
                 POOLCTL_<PROVIDER>_ENDPOINT) and that it is reachable from here; --emulator \
                 runs against a local emulator instead"
            )),
            ProviderError::ChangedSincePlan { .. } => Some(
                "someone or something else changed the pool after poolctl read it: run \
                 `poolctl plan` again to see what it is now, then apply that plan"
                    .to_string(),
            ),
            ProviderError::RetriesExhausted { .. } => Some(
                "the cloud stayed busy or throttled; nothing more was attempted. Run the same \
                 command again later: a plan made then starts from what is live"
                    .to_string(),
            ),
            _ => None,
        }
    }
}
