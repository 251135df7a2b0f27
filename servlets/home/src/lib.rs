//! The home servlet: assembles the homepage.
//!
//! `metadata` is the metadata service home calls (an in-memory stand-in: the service is
//! outside the repository), `render` turns the pieces into HTML, and `handlers` the RPC
//! handler, which takes and returns the messages of the `home_api` crate generated from
//! `proto/home.proto`, and reaches nav and files through their typed clients.

pub mod handlers;
pub mod metadata;
pub mod render;

use auth::Signer;
use files_api::FilesClient;
use nav_api::NavClient;

pub use handlers::{HomeServlet, get_homepage};

use crate::metadata::StandInMetadata;

/// The servlet's state, as its server binary builds it: tokens checked with `ORRERY_SIGNING_KEY`
/// (or [`auth::DEV_SIGNING_KEY`]) against the system clock, the menu from `nav`, the recent files
/// from `files` and display names from [`StandInMetadata`].
pub fn init(nav: NavClient, files: FilesClient) -> HomeServlet {
    HomeServlet::new(Signer::from_env(), nav, files, Box::new(StandInMetadata))
}

#[cfg(test)]
mod tests {
    use auth::{Scope, Session, UserId};
    use home_api::{HomepageRequest, Section};
    use orrery_runtime::codegen::Clients;

    use super::*;

    /// A factory whose nav and files are not running.
    fn unreachable_callees() -> Clients {
        let endpoint = |servlet: &str| {
            (
                format!("ORRERY_ENDPOINT_{servlet}"),
                "http://127.0.0.1:1".to_owned(),
            )
        };
        Clients::from_environment(None, [endpoint("NAV"), endpoint("FILES")], 1024, 1024).unwrap()
    }

    /// With nav and files down, the page still renders, from the metadata stand-in alone.
    #[tokio::test]
    async fn init_accepts_tokens_signed_with_the_configured_key() {
        let clients = unreachable_callees();
        let servlet = init(
            NavClient::new(&clients).unwrap(),
            FilesClient::new(&clients).unwrap(),
        );
        let signer = Signer::from_env();
        let token = signer.issue(&Session::new(UserId(3), &[Scope::Read], u64::MAX));
        let page = get_homepage(&servlet, HomepageRequest { token })
            .await
            .unwrap();
        assert_eq!(page.title, "Home – User 3");
        assert_eq!(
            page.degraded().collect::<Vec<_>>(),
            [Section::Menu, Section::RecentFiles]
        );
    }

    /// What the generated adapter needs: shared state, and handler futures it can move
    /// between threads.
    #[tokio::test]
    async fn the_state_and_handlers_can_be_served() {
        fn state<T: Send + Sync + 'static>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let clients = unreachable_callees();
        let servlet = init(
            NavClient::new(&clients).unwrap(),
            FilesClient::new(&clients).unwrap(),
        );
        state(&servlet);
        send(get_homepage(&servlet, HomepageRequest::default()));
    }
}
