//! The files servlet: a user's files, kept in an in-memory stand-in for the blob store.
//!
//! `store` holds the file table and `handlers` the RPC handlers, which take and return the
//! messages of the `files_api` crate generated from `proto/files.proto`, and reach the sharing
//! servlet through its typed client, `sharing_api::SharingClient`.

pub mod handlers;
pub mod store;

use auth::Signer;
use sharing_api::SharingClient;

pub use handlers::{
    FilesServlet, list_files, put_file, recent_files, share_file, stat_file, usage,
};

/// The servlet's state, as its server binary builds it: an empty file table, tokens checked with
/// `ORRERY_SIGNING_KEY` (or [`auth::DEV_SIGNING_KEY`]) against the system clock, and `sharing` for
/// share links.
pub fn init(sharing: SharingClient) -> FilesServlet {
    FilesServlet::new(Signer::from_env(), sharing)
}

#[cfg(test)]
mod tests {
    use auth::{Scope, Session, UserId};
    use files_api::{
        ListFilesRequest, PutFileRequest, RecentFilesRequest, ShareFileRequest, StatFileRequest,
        UsageRequest,
    };
    use orrery_runtime::codegen::Clients;

    use super::*;

    /// A client of a sharing servlet that is not running: enough for calls that stay in files.
    fn unreachable_sharing() -> SharingClient {
        let clients = Clients::from_environment(
            None,
            [(
                "ORRERY_ENDPOINT_SHARING".to_owned(),
                "http://127.0.0.1:1".to_owned(),
            )],
            1024,
            1024,
        )
        .unwrap();
        SharingClient::new(&clients).unwrap()
    }

    #[tokio::test]
    async fn init_accepts_tokens_signed_with_the_configured_key() {
        let servlet = init(unreachable_sharing());
        let signer = Signer::from_env();
        let token = signer.issue(&Session::new(UserId(3), &[Scope::Write], u64::MAX));
        let written = put_file(
            &servlet,
            PutFileRequest {
                token,
                path: "a.txt".into(),
                size: 1,
            },
        )
        .await
        .unwrap();
        assert_eq!(written.revision, 1);
    }

    /// What the generated adapter needs: shared state, and handler futures it can move
    /// between threads.
    #[tokio::test]
    async fn the_state_and_handlers_can_be_served() {
        fn state<T: Send + Sync + 'static>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let servlet = init(unreachable_sharing());
        state(&servlet);
        send(list_files(&servlet, ListFilesRequest::default()));
        send(stat_file(&servlet, StatFileRequest::default()));
        send(put_file(&servlet, PutFileRequest::default()));
        send(recent_files(&servlet, RecentFilesRequest::default()));
        send(share_file(&servlet, ShareFileRequest::default()));
        send(usage(&servlet, UsageRequest::default()));
    }
}
