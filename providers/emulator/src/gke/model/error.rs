//! The error every model call returns, as Google reports it: HTTP code, canonical status, message.
//! Routes render it as Google's error body; `field` marks a malformed body's BadRequest violation.

/// An error as Google reports it: HTTP code, canonical status name, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GkeError {
    pub code: u16,
    pub status: &'static str,
    pub message: String,
    /// Set for malformed bodies: the field for a `google.rpc.BadRequest` violation ("" at the root).
    pub field: Option<String>,
}

impl GkeError {
    pub(crate) fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        GkeError {
            code,
            status,
            message: message.into(),
            field: None,
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    pub(crate) fn not_found(resource: &str) -> Self {
        Self::new(404, "NOT_FOUND", format!("Not found: {resource}."))
    }

    pub(super) fn invalid_field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::invalid_argument(format!("Invalid value for field \"{field}\": {problem}"))
    }
}
