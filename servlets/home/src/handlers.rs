//! The home servlet's RPC handler.

use std::time::Duration;

use auth::{Scope, Signer};
use files_api::{FilesClient, RecentFilesRequest};
use home_api::{Code, HomepageRequest, HomepageResponse, Section, Status};
use nav_api::{MenuRequest, NavClient};

use crate::metadata::MetadataApi;
use crate::render::{Homepage, render, title};

/// How many recent files the homepage lists.
pub const RECENT_FILES: u32 = 5;

/// How long home waits for each servlet it calls; a slower one degrades its section.
pub const CALLEE_TIMEOUT: Duration = Duration::from_millis(500);

/// The servlet's state, shared by every handler.
pub struct HomeServlet {
    pub signer: Signer,
    /// The nav servlet, for the menu.
    pub nav: NavClient,
    /// The files servlet, for the recent files.
    pub files: FilesClient,
    pub metadata: Box<dyn MetadataApi + Send + Sync>,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl HomeServlet {
    /// A servlet on the system clock whose calls to nav and files time out after
    /// [`CALLEE_TIMEOUT`].
    pub fn new(
        signer: Signer,
        nav: NavClient,
        files: FilesClient,
        metadata: Box<dyn MetadataApi + Send + Sync>,
    ) -> HomeServlet {
        HomeServlet {
            signer,
            nav: nav.with_timeout(CALLEE_TIMEOUT),
            files: files.with_timeout(CALLEE_TIMEOUT),
            metadata,
            clock: auth::unix_now,
        }
    }
}

/// Failures worth showing a degraded page for, rather than an error page.
fn is_transient(code: Code) -> bool {
    matches!(code, Code::Unavailable | Code::DeadlineExceeded)
}

/// Keeps a callee's answer, or `None` when it failed transiently and the page should degrade.
fn tolerate<T>(
    result: Result<T, Status>,
    section: Section,
    degraded: &mut Vec<Section>,
) -> Result<Option<T>, Status> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(status) if is_transient(status.code()) => {
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
    let menu = servlet
        .nav
        .build_menu(MenuRequest {
            token: request.token.clone(),
            current_path: "/".to_owned(),
        })
        .await
        .map(|menu| menu.entries);
    let menu = tolerate(menu, Section::Menu, &mut degraded)?;
    let display_name = tolerate(
        servlet.metadata.display_name(session.user),
        Section::Greeting,
        &mut degraded,
    )?;
    let recent = servlet
        .files
        .recent_files(RecentFilesRequest {
            token: request.token,
            limit: RECENT_FILES,
        })
        .await
        .map(|recent| recent.entries);
    let recent = tolerate(recent, Section::RecentFiles, &mut degraded)?;

    let page = Homepage {
        display_name: display_name.as_deref(),
        menu: menu.as_deref(),
        recent: recent.as_deref(),
        now,
    };
    Ok(HomepageResponse {
        title: title(page.display_name),
        html: render(&page),
        degraded: degraded.into_iter().map(|section| section as i32).collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use auth::{Session, UserId};
    use files_api::files_service_server::{self, FilesService};
    use files_api::{
        Entry, EntryKind, ListFilesRequest, ListFilesResponse, PutFileRequest, PutFileResponse,
        RecentFilesResponse, ShareFileRequest, ShareFileResponse, StatFileRequest,
        StatFileResponse, UsageRequest, UsageResponse,
    };
    use nav_api::nav_service_server::{self, NavService};
    use nav_api::{MenuEntry, MenuResponse};
    use orrery_runtime::codegen::{Clients, Request, Response, async_trait};

    use super::*;

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

    #[async_trait]
    impl NavService for Fake {
        async fn build_menu(
            &self,
            request: Request<MenuRequest>,
        ) -> Result<Response<MenuResponse>, Status> {
            let current_path = request.into_inner().current_path;
            let item = |label: &str, href: &str| MenuEntry {
                label: label.into(),
                href: href.into(),
                active: href == current_path,
                badge: None,
            };
            let entries = vec![
                item("Home", "/"),
                item("Files", "/files"),
                item("Shared", "/shared"),
            ];
            self.answer(MenuResponse {
                entries,
                html: String::new(),
            })
            .map(Response::new)
        }
    }

    #[async_trait]
    impl FilesService for Fake {
        async fn recent_files(
            &self,
            request: Request<RecentFilesRequest>,
        ) -> Result<Response<RecentFilesResponse>, Status> {
            let file = Entry {
                name: "plan.pdf".into(),
                path: "Docs/plan.pdf".into(),
                kind: EntryKind::File as i32,
                size: 1536,
                modified_at: NOW - 7200,
            };
            let limit = request.into_inner().limit;
            self.answer(RecentFilesResponse {
                entries: vec![file; limit.min(1) as usize],
            })
            .map(Response::new)
        }

        async fn list_files(
            &self,
            _: Request<ListFilesRequest>,
        ) -> Result<Response<ListFilesResponse>, Status> {
            Err(Status::unimplemented("home only asks for recent files"))
        }

        async fn stat_file(
            &self,
            _: Request<StatFileRequest>,
        ) -> Result<Response<StatFileResponse>, Status> {
            Err(Status::unimplemented("home only asks for recent files"))
        }

        async fn put_file(
            &self,
            _: Request<PutFileRequest>,
        ) -> Result<Response<PutFileResponse>, Status> {
            Err(Status::unimplemented("home only asks for recent files"))
        }

        async fn share_file(
            &self,
            _: Request<ShareFileRequest>,
        ) -> Result<Response<ShareFileResponse>, Status> {
            Err(Status::unimplemented("home only asks for recent files"))
        }

        async fn usage(&self, _: Request<UsageRequest>) -> Result<Response<UsageResponse>, Status> {
            Err(Status::unimplemented("home only asks for recent files"))
        }
    }

    impl MetadataApi for Fake {
        fn display_name(&self, _user: UserId) -> Result<String, Status> {
            self.answer("Ada".to_owned())
        }
    }

    /// A servlet whose nav, files and metadata answer, or fail with the code given.
    fn servlet(nav: Option<Code>, files: Option<Code>, metadata: Option<Code>) -> HomeServlet {
        let clients = Clients::new(4 << 20, 4 << 20);
        clients.host::<dyn NavService>(nav_service_server::SERVICE_NAME, Arc::new(Fake(nav)));
        clients.host::<dyn FilesService>(files_service_server::SERVICE_NAME, Arc::new(Fake(files)));
        HomeServlet {
            clock: || NOW,
            ..HomeServlet::new(
                Signer::new("secret"),
                NavClient::new(&clients).unwrap(),
                FilesClient::new(&clients).unwrap(),
                Box::new(Fake(metadata)),
            )
        }
    }

    fn request(servlet: &HomeServlet) -> HomepageRequest {
        HomepageRequest {
            token: servlet
                .signer
                .issue(&Session::new(UserId(1), &[Scope::Read], NOW + 60)),
        }
    }

    #[tokio::test]
    async fn assembles_the_homepage_from_its_callees() {
        let servlet = servlet(None, None, None);
        let page = get_homepage(&servlet, request(&servlet)).await.unwrap();
        assert_eq!(page.title, "Home – Ada");
        assert!(page.degraded.is_empty());
        assert!(page.html.contains(r#"<a href="/shared">Shared</a>"#));
        assert!(
            page.html
                .contains(r#"<a href="/" class="active" aria-current="page">Home</a>"#)
        );
        assert!(
            page.html
                .contains("<li>Docs/plan.pdf · 1.5 KB · 2 h ago</li>")
        );
    }

    #[tokio::test]
    async fn degrades_sections_whose_callee_is_unavailable() {
        let servlet = servlet(Some(Code::Unavailable), Some(Code::DeadlineExceeded), None);
        let page = get_homepage(&servlet, request(&servlet)).await.unwrap();
        assert_eq!(
            page.degraded().collect::<Vec<_>>(),
            [Section::Menu, Section::RecentFiles]
        );
        assert!(page.html.contains("Welcome back, Ada"));
        assert!(
            page.html
                .contains("Recent files are unavailable right now.")
        );
    }

    #[tokio::test]
    async fn fails_on_errors_that_are_not_transient() {
        let servlet = servlet(None, Some(Code::PermissionDenied), None);
        let error = get_homepage(&servlet, request(&servlet)).await.unwrap_err();
        assert_eq!(error.code(), Code::PermissionDenied);

        let expired = HomepageRequest {
            token: servlet
                .signer
                .issue(&Session::new(UserId(1), &[Scope::Read], NOW)),
        };
        assert_eq!(
            get_homepage(&servlet, expired).await.unwrap_err().code(),
            Code::Unauthenticated
        );
    }
}
