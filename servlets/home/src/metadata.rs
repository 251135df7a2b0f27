//! The metadata service home calls (servlet.yaml: `calls: [nav, files, metadata]`).
//!
//! metadata is an external service outside the repository, with no API crate here, so home
//! reaches it through [`MetadataApi`]: [`StandInMetadata`] when the servlet runs, fakes in
//! tests. nav and files are servlets, reached through their typed clients.

use auth::UserId;
use home_api::Status;

/// metadata.GetAccount, reduced to what home needs.
pub trait MetadataApi {
    fn display_name(&self, user: UserId) -> Result<String, Status>;
}

/// An in-memory stand-in for the metadata service, which nothing here can reach: user 42 is
/// called `User 42`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StandInMetadata;

impl MetadataApi for StandInMetadata {
    fn display_name(&self, user: UserId) -> Result<String, Status> {
        Ok(format!("User {user}"))
    }
}
