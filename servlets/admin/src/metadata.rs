//! The metadata service admin calls (servlet.yaml: `calls: [files, metadata]`).
//!
//! metadata is an external service outside the repository, with no API crate here, so admin
//! reaches it through [`MetadataApi`]: [`StandInMetadata`] when the servlet runs, fakes in
//! tests. files is a servlet, reached through its typed client.

use admin_api::Status;
use auth::UserId;

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

/// An in-memory stand-in for the metadata service, which nothing here can reach: user 42 is
/// `user42@example.com`, on the basic plan since 2020-09-13 (Unix 1600000000).
#[derive(Clone, Copy, Debug, Default)]
pub struct StandInMetadata;

impl MetadataApi for StandInMetadata {
    fn account(&self, user: UserId) -> Result<Account, Status> {
        Ok(Account {
            email: format!("user{user}@example.com"),
            plan: "basic".to_owned(),
            created_at: 1_600_000_000,
        })
    }
}
