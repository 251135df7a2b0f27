//! The home servlet's API: requests, responses and the error status.
//!
//! Local stand-ins: a later session generates these from the servlet's proto into an API crate.

use std::error::Error;
use std::fmt;

/// The gRPC status codes home answers with, and reads from the servlets it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    Unavailable,
    DeadlineExceeded,
}

impl Code {
    /// Failures worth showing a degraded page for, rather than an error page.
    pub fn is_transient(self) -> bool {
        matches!(self, Code::Unavailable | Code::DeadlineExceeded)
    }
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
pub struct HomepageRequest {
    pub token: String,
}

/// A part of the page that could not be filled because a callee was unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Menu,
    Greeting,
    RecentFiles,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HomepageResponse {
    pub title: String,
    pub html: String,
    /// Empty when every section rendered from live data.
    pub degraded: Vec<Section>,
}
