//! The admin servlet's API: requests, responses and the error status.
//!
//! Local stand-ins: a later session generates these from the servlet's proto into an API crate.

use std::error::Error;
use std::fmt;

/// The gRPC status codes admin answers with, and reads from the servlets it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    Unavailable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub message: String,
}

impl Status {
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl Error for Status {}

impl From<auth::AuthError> for Status {
    fn from(error: auth::AuthError) -> Status {
        let code = match error {
            auth::AuthError::MissingScope(_) => Code::PermissionDenied,
            _ => Code::Unauthenticated,
        };
        Status::new(code, error.to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectUserRequest {
    /// A staff member's token, with the `admin` scope.
    pub token: String,
    pub user_id: u64,
    /// Why the staff member is looking; recorded in the audit log. Required.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectUserResponse {
    /// A plain-text report for the console.
    pub report: String,
    pub file_count: u64,
    pub total_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLogRequest {
    pub token: String,
    /// 0 means 20.
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: u64,
    pub staff: u64,
    pub user_id: u64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLogResponse {
    /// Newest first.
    pub records: Vec<AuditRecord>,
}
