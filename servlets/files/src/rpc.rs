//! The files servlet's API: requests, responses and the error status.
//!
//! Local stand-ins: a later session generates these from the servlet's proto into an API crate.

use std::error::Error;
use std::fmt;

/// The gRPC status codes files answers with.
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

impl From<storage_keys::KeyError> for Status {
    fn from(error: storage_keys::KeyError) -> Status {
        Status::new(Code::InvalidArgument, error.to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    Folder,
    File,
}

/// A file, or a folder summarizing the files below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// The path inside the user's files: `Docs/plan.pdf`.
    pub path: String,
    pub kind: EntryKind,
    /// For a folder, the total size of the files below it.
    pub size: u64,
    /// For a folder, the latest modification below it.
    pub modified_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFilesRequest {
    pub token: String,
    /// `""` or `"/"` for the root folder.
    pub folder: String,
    /// 0 means the default of 100; at most 1000.
    pub page_size: u32,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFilesResponse {
    /// Folders first, then files, each by name.
    pub entries: Vec<Entry>,
    pub next_page_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatFileRequest {
    pub token: String,
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatFileResponse {
    pub entry: Entry,
    pub revision: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutFileRequest {
    pub token: String,
    pub path: String,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutFileResponse {
    pub entry: Entry,
    pub revision: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentFilesRequest {
    pub token: String,
    /// 1..=50; 0 means 10.
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentFilesResponse {
    /// Most recently modified first.
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareFileRequest {
    pub token: String,
    pub path: String,
    pub ttl_secs: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareFileResponse {
    pub url: String,
    pub expires_at: u64,
}

/// Staff only: how much a user stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageRequest {
    pub token: String,
    pub user_id: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageResponse {
    pub file_count: u64,
    pub total_bytes: u64,
    pub largest: Option<Entry>,
}
