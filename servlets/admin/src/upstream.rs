//! The servlet and service admin calls (servlet.yaml: `calls: [files, metadata]`).
//!
//! Stand-ins for the client generated later from files' API crate and from
//! proto/services/metadata.proto; the runtime wires in real RPC clients, tests fakes.

use auth::UserId;

use crate::rpc::Status;

/// What files reports about a user's storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub file_count: u64,
    pub total_bytes: u64,
    pub largest_path: Option<String>,
}

/// files.Usage, called with the staff member's token.
pub trait FilesApi {
    fn usage(&self, token: &str, user: UserId) -> Result<Usage, Status>;
}

/// An account as the metadata service describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub email: String,
    pub plan: String,
    pub created_at: u64,
}

/// metadata.GetAccount.
pub trait MetadataApi {
    fn account(&self, user: UserId) -> Result<Account, Status>;
}
