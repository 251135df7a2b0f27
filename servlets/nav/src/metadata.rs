//! The metadata service nav calls (servlet.yaml: `calls: [metadata]`).
//!
//! metadata is an external service outside the repository, with no API crate here, so nav
//! reaches it through [`MetadataApi`]: [`StandInMetadata`] when the servlet runs, fakes in
//! tests.

use auth::UserId;
use nav_api::Status;

/// The plan a user pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Basic,
    Plus,
    Business,
}

/// metadata.GetAccount, reduced to what nav needs.
pub trait MetadataApi {
    fn plan(&self, user: UserId) -> Result<Plan, Status>;
}

/// An in-memory stand-in for the metadata service, which nothing here can reach: every
/// account is on the basic plan.
#[derive(Clone, Copy, Debug, Default)]
pub struct StandInMetadata;

impl MetadataApi for StandInMetadata {
    fn plan(&self, _user: UserId) -> Result<Plan, Status> {
        Ok(Plan::Basic)
    }
}
