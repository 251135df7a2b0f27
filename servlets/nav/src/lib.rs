//! The nav servlet: the website's navigation menu.
//!
//! `menu` decides which entries a user sees, `metadata` is the metadata service nav calls (an
//! in-memory stand-in: the service is outside the repository), and `handlers` the RPC handler,
//! which takes and returns the messages of the `nav_api` crate generated from
//! `proto/nav.proto`.

pub mod handlers;
pub mod menu;
pub mod metadata;

use auth::Signer;

pub use handlers::{NavServlet, build_menu};

use crate::metadata::StandInMetadata;

/// The servlet's state, as its server binary builds it: tokens checked with `ORRERY_SIGNING_KEY`
/// (or [`auth::DEV_SIGNING_KEY`]) against the system clock, and plans from [`StandInMetadata`]. nav
/// calls no other servlet.
pub fn init() -> NavServlet {
    NavServlet::new(Signer::from_env(), Box::new(StandInMetadata))
}

#[cfg(test)]
mod tests {
    use auth::{Scope, Session, UserId};
    use nav_api::MenuRequest;

    use super::*;

    #[tokio::test]
    async fn init_accepts_tokens_signed_with_the_configured_key() {
        let servlet = init();
        let signer = Signer::from_env();
        let token = signer.issue(&Session::new(UserId(3), &[Scope::Read], u64::MAX));
        let request = MenuRequest {
            token,
            current_path: "/".into(),
        };
        let menu = build_menu(&servlet, request).await.unwrap();
        let labels: Vec<_> = menu.entries.iter().map(|e| e.label.as_str()).collect();
        // The stand-in puts everyone on the basic plan.
        assert_eq!(labels, ["Home", "Files", "Upgrade"]);
    }

    /// What the generated adapter needs: shared state, and handler futures it can move
    /// between threads.
    #[test]
    fn the_state_and_handlers_can_be_served() {
        fn state<T: Send + Sync + 'static>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let servlet = init();
        state(&servlet);
        send(build_menu(&servlet, MenuRequest::default()));
    }
}
