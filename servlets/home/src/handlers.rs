//! The home servlet's RPC handler.

use auth::{Scope, Signer};

use crate::render::{Homepage, render, title};
use crate::rpc::{HomepageRequest, HomepageResponse, Section, Status};
use crate::upstream::{FilesApi, MetadataApi, NavApi};

/// How many recent files the homepage lists.
pub const RECENT_FILES: u32 = 5;

/// The servlet's state, shared by every handler.
pub struct HomeServlet {
    pub signer: Signer,
    pub nav: Box<dyn NavApi + Send + Sync>,
    pub files: Box<dyn FilesApi + Send + Sync>,
    pub metadata: Box<dyn MetadataApi + Send + Sync>,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

/// Keeps a callee's answer, or `None` when it failed transiently and the page should degrade.
fn tolerate<T>(
    result: Result<T, Status>,
    section: Section,
    degraded: &mut Vec<Section>,
) -> Result<Option<T>, Status> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(status) if status.code.is_transient() => {
            degraded.push(section);
            Ok(None)
        }
        Err(status) => Err(status),
    }
}

/// Builds the caller's homepage: the menu from nav, a greeting with the name from metadata and
/// the recent files from files. A callee that is unavailable degrades its section; any other
/// failure (an expired token, say) fails the request.
pub async fn get_homepage(
    servlet: &HomeServlet,
    request: HomepageRequest,
) -> Result<HomepageResponse, Status> {
    let now = (servlet.clock)();
    let session = servlet.signer.validate(&request.token, now)?;
    session.require(Scope::Read)?;

    let mut degraded = Vec::new();
    let menu = tolerate(
        servlet.nav.build_menu(&request.token, "/"),
        Section::Menu,
        &mut degraded,
    )?;
    let display_name = tolerate(
        servlet.metadata.display_name(session.user),
        Section::Greeting,
        &mut degraded,
    )?;
    let recent = tolerate(
        servlet.files.recent_files(&request.token, RECENT_FILES),
        Section::RecentFiles,
        &mut degraded,
    )?;

    let page = Homepage {
        display_name: display_name.as_deref(),
        menu: menu.as_deref(),
        recent: recent.as_deref(),
        now,
    };
    Ok(HomepageResponse {
        title: title(page.display_name),
        html: render(&page),
        degraded,
    })
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use auth::{Session, UserId};

    use super::*;
    use crate::rpc::Code;
    use crate::upstream::{MenuItem, RecentFile};

    /// Runs a handler to completion; they never wait on anything in tests.
    fn block_on<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("handler awaited something that never completes"),
        }
    }

    const NOW: u64 = 1_700_000_000;

    /// Each fake answers, or fails with its code.
    struct Fake(Option<Code>);

    impl Fake {
        fn answer<T>(&self, value: T) -> Result<T, Status> {
            match self.0 {
                None => Ok(value),
                Some(code) => Err(Status::new(code, "injected failure")),
            }
        }
    }

    impl NavApi for Fake {
        fn build_menu(&self, _token: &str, current_path: &str) -> Result<Vec<MenuItem>, Status> {
            let item = |label: &str, href: &str| MenuItem {
                label: label.into(),
                href: href.into(),
                active: href == current_path,
                badge: None,
            };
            self.answer(vec![
                item("Home", "/"),
                item("Files", "/files"),
                item("Shared", "/shared"),
            ])
        }
    }

    impl FilesApi for Fake {
        fn recent_files(&self, _token: &str, limit: u32) -> Result<Vec<RecentFile>, Status> {
            let file = RecentFile {
                name: "plan.pdf".into(),
                path: "Docs/plan.pdf".into(),
                size: 1536,
                modified_at: NOW - 7200,
            };
            self.answer(vec![file; limit.min(1) as usize])
        }
    }

    impl MetadataApi for Fake {
        fn display_name(&self, _user: UserId) -> Result<String, Status> {
            self.answer("Ada".to_owned())
        }
    }

    fn servlet(nav: Option<Code>, files: Option<Code>, metadata: Option<Code>) -> HomeServlet {
        HomeServlet {
            signer: Signer::new("secret"),
            nav: Box::new(Fake(nav)),
            files: Box::new(Fake(files)),
            metadata: Box::new(Fake(metadata)),
            clock: || NOW,
        }
    }

    fn request(servlet: &HomeServlet) -> HomepageRequest {
        HomepageRequest {
            token: servlet
                .signer
                .issue(&Session::new(UserId(1), &[Scope::Read], NOW + 60)),
        }
    }

    #[test]
    fn assembles_the_homepage_from_its_callees() {
        let servlet = servlet(None, None, None);
        let page = block_on(get_homepage(&servlet, request(&servlet))).unwrap();
        assert_eq!(page.title, "Home – Ada");
        assert!(page.degraded.is_empty());
        assert!(page.html.contains(r#"<a href="/shared">Shared</a>"#));
        assert!(
            page.html
                .contains("<li>Docs/plan.pdf · 1.5 KB · 2 h ago</li>")
        );
    }

    #[test]
    fn degrades_sections_whose_callee_is_unavailable() {
        let servlet = servlet(Some(Code::Unavailable), Some(Code::DeadlineExceeded), None);
        let page = block_on(get_homepage(&servlet, request(&servlet))).unwrap();
        assert_eq!(page.degraded, [Section::Menu, Section::RecentFiles]);
        assert!(page.html.contains("Welcome back, Ada"));
        assert!(
            page.html
                .contains("Recent files are unavailable right now.")
        );
    }

    #[test]
    fn fails_on_errors_that_are_not_transient() {
        let servlet = servlet(None, Some(Code::PermissionDenied), None);
        let error = block_on(get_homepage(&servlet, request(&servlet))).unwrap_err();
        assert_eq!(error.code, Code::PermissionDenied);

        let expired = HomepageRequest {
            token: servlet
                .signer
                .issue(&Session::new(UserId(1), &[Scope::Read], NOW)),
        };
        assert_eq!(
            block_on(get_homepage(&servlet, expired)).unwrap_err().code,
            Code::Unauthenticated
        );
    }
}
