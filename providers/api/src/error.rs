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
    #[error("{call}: could not reach {endpoint}: {message}")]
    Transport {
        call: String,
        endpoint: String,
        message: String,
    },
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("the cloud answered {call} with something poolctl cannot read: {message}")]
    Protocol { call: String, message: String },
    /// The blueprint's cluster settings are not enough to talk to this cloud.
    #[error("{0}")]
    Config(String),
}
