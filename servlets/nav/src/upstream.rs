//! The services nav calls (servlet.yaml: `calls: [metadata]`).
//!
//! A stand-in for the metadata client generated from proto/services/metadata.proto.

use auth::UserId;

use crate::rpc::Status;

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
