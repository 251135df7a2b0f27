//! The servlets files calls (servlet.yaml: `calls: [sharing]`).
//!
//! A stand-in for the client generated later from sharing's API; the runtime wires in the real
//! RPC client, tests a fake.

use crate::rpc::Status;

/// A link created by the sharing servlet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedLink {
    pub url: String,
    pub expires_at: u64,
}

/// sharing.CreateLink, called with the end user's token.
pub trait SharingApi {
    fn create_link(
        &self,
        token: &str,
        path: &str,
        ttl_secs: Option<u64>,
    ) -> Result<SharedLink, Status>;
}
