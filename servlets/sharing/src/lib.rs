//! The sharing servlet: expiring links to a user's files.
//!
//! `links` holds the in-memory link table and `handlers` the RPC handlers, which take and
//! return the messages of the `sharing_api` crate generated from `proto/sharing.proto`.

pub mod handlers;
pub mod links;

use auth::Signer;

pub use handlers::{SharingServlet, create_link, list_links, resolve_link, revoke_link};

/// Where `init`'s links are served.
pub const BASE_URL: &str = "https://www.example.com/s/";

/// The servlet's state, as its server binary builds it: an empty link table, links served under
/// [`BASE_URL`], tokens checked with `ORRERY_SIGNING_KEY` (or [`auth::DEV_SIGNING_KEY`]) against
/// the system clock. sharing calls no other servlet.
pub fn init() -> SharingServlet {
    SharingServlet::new(Signer::from_env(), BASE_URL)
}

#[cfg(test)]
mod tests {
    use auth::{Scope, Session, UserId};
    use sharing_api::{CreateLinkRequest, ListLinksRequest, ResolveLinkRequest, RevokeLinkRequest};

    use super::*;

    #[tokio::test]
    async fn init_accepts_tokens_signed_with_the_configured_key() {
        let servlet = init();
        let signer = Signer::from_env();
        let token = signer.issue(&Session::new(UserId(3), &[Scope::Share], u64::MAX));
        let created = create_link(
            &servlet,
            CreateLinkRequest {
                token,
                path: "a.txt".into(),
                ttl_secs: None,
            },
        )
        .await
        .unwrap();
        assert!(created.url.starts_with("https://www.example.com/s/"));
    }

    /// What the generated adapter needs: shared state, and handler futures it can move
    /// between threads.
    #[test]
    fn the_state_and_handlers_can_be_served() {
        fn state<T: Send + Sync + 'static>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let servlet = init();
        state(&servlet);
        send(create_link(&servlet, CreateLinkRequest::default()));
        send(resolve_link(&servlet, ResolveLinkRequest::default()));
        send(revoke_link(&servlet, RevokeLinkRequest::default()));
        send(list_links(&servlet, ListLinksRequest::default()));
    }
}
