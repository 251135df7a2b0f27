//! The sharing servlet's API: requests, responses and the error status.
//!
//! Local stand-ins: a later session generates these from the servlet's proto into an API crate.

use std::error::Error;
use std::fmt;

/// The gRPC status codes sharing answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
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

impl From<storage_keys::KeyError> for Status {
    fn from(error: storage_keys::KeyError) -> Status {
        Status::new(Code::InvalidArgument, error.to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateLinkRequest {
    pub token: String,
    /// The file to share, in the caller's own files.
    pub path: String,
    /// How long the link lives; the default is a week, and it is clamped to a minute..30 days.
    pub ttl_secs: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateLinkResponse {
    pub link_id: String,
    pub url: String,
    pub expires_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveLinkRequest {
    pub link_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveLinkResponse {
    /// The blob store key of the shared file.
    pub key: String,
    pub owner: u64,
    pub expires_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeLinkRequest {
    pub token: String,
    pub link_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeLinkResponse {
    /// False when the link was already revoked.
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListLinksRequest {
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSummary {
    pub link_id: String,
    pub path: String,
    pub expires_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListLinksResponse {
    /// The caller's live links, soonest to expire first.
    pub links: Vec<LinkSummary>,
}
