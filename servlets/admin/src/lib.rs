//! The admin servlet: the staff console's backend.
//!
//! `audit` holds the record of who inspected what, `metadata` the metadata service admin calls
//! (an in-memory stand-in: the service is outside the repository), and `handlers` the RPC
//! handlers, which take and return the messages of the `admin_api` crate generated from
//! `proto/admin.proto`, and reach files through its typed client.

pub mod audit;
pub mod handlers;
pub mod metadata;

use auth::Signer;
use files_api::FilesClient;

pub use handlers::{AdminServlet, audit_log, inspect_user};

use crate::metadata::StandInMetadata;

/// The servlet's state, as its server binary builds it: an empty audit log, tokens checked with
/// `ORRERY_SIGNING_KEY` (or [`auth::DEV_SIGNING_KEY`]) against the system clock, usage from `files`
/// and accounts from [`StandInMetadata`].
pub fn init(files: FilesClient) -> AdminServlet {
    AdminServlet::new(Signer::from_env(), files, Box::new(StandInMetadata))
}

#[cfg(test)]
mod tests {
    use admin_api::{AuditLogRequest, InspectUserRequest};
    use auth::{Scope, Session, UserId};
    use orrery_runtime::codegen::Clients;

    use super::*;

    /// A client of a files servlet that is not running.
    fn unreachable_files() -> FilesClient {
        let endpoint = (
            "ORRERY_ENDPOINT_FILES".to_owned(),
            "http://127.0.0.1:1".to_owned(),
        );
        let clients = Clients::from_environment(None, [endpoint], 1024, 1024).unwrap();
        FilesClient::new(&clients).unwrap()
    }

    #[tokio::test]
    async fn init_accepts_tokens_signed_with_the_configured_key() {
        let servlet = init(unreachable_files());
        let signer = Signer::from_env();
        let token = signer.issue(&Session::new(UserId(99), &[Scope::Admin], u64::MAX));
        let log = audit_log(&servlet, AuditLogRequest { token, limit: 0 })
            .await
            .unwrap();
        assert!(log.records.is_empty());
    }

    /// What the generated adapter needs: shared state, and handler futures it can move
    /// between threads.
    #[tokio::test]
    async fn the_state_and_handlers_can_be_served() {
        fn state<T: Send + Sync + 'static>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let servlet = init(unreachable_files());
        state(&servlet);
        send(inspect_user(&servlet, InspectUserRequest::default()));
        send(audit_log(&servlet, AuditLogRequest::default()));
    }
}
