//! The nav servlet's API: requests, responses and the error status.
//!
//! Local stand-ins: a later session generates these from the servlet's proto into an API crate.

use std::error::Error;
use std::fmt;

/// The gRPC status codes nav answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
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
pub struct MenuRequest {
    pub token: String,
    /// The page being shown, to highlight its entry: `/files/Docs`.
    pub current_path: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuEntry {
    pub label: String,
    pub href: String,
    pub active: bool,
    pub badge: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuResponse {
    pub entries: Vec<MenuEntry>,
    /// The menu rendered as a `<nav>` element.
    pub html: String,
}
