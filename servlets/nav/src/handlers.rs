//! The nav servlet's RPC handler.

use auth::{Scope, Signer};
use nav_api::{Code, MenuEntry, MenuRequest, MenuResponse, Status};
use ui::widgets::{Link, Menu};

use crate::menu::entries_for;
use crate::metadata::MetadataApi;

/// The servlet's state, shared by every handler.
pub struct NavServlet {
    pub signer: Signer,
    pub metadata: Box<dyn MetadataApi + Send + Sync>,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl NavServlet {
    /// A servlet on the system clock.
    pub fn new(signer: Signer, metadata: Box<dyn MetadataApi + Send + Sync>) -> NavServlet {
        NavServlet {
            signer,
            metadata,
            clock: auth::unix_now,
        }
    }
}

/// Builds the caller's menu. The menu must render even when the metadata service is down, so
/// an unavailable plan only hides the plan-specific entries.
pub async fn build_menu(
    servlet: &NavServlet,
    request: MenuRequest,
) -> Result<MenuResponse, Status> {
    let session = servlet.signer.validate(&request.token, (servlet.clock)())?;
    session.require(Scope::Read)?;
    if !request.current_path.starts_with('/') {
        return Err(Status::invalid_argument("current_path must start with `/`"));
    }
    let plan = match servlet.metadata.plan(session.user) {
        Ok(plan) => Some(plan),
        Err(status) if status.code() == Code::Unavailable => None,
        Err(status) => return Err(status),
    };
    let entries = entries_for(&session, plan, &request.current_path);
    let html = render(&entries);
    Ok(MenuResponse { entries, html })
}

fn render(entries: &[MenuEntry]) -> String {
    let links = entries
        .iter()
        .map(|entry| Link {
            label: entry.label.clone(),
            href: entry.href.clone(),
            active: entry.active,
            badge: entry.badge.clone(),
        })
        .collect();
    Menu { links }.element().render()
}

#[cfg(test)]
mod tests {
    use auth::{Session, UserId};

    use super::*;
    use crate::metadata::Plan;

    const NOW: u64 = 1_700_000_000;

    /// User 1 is on the basic plan; the service is down for everyone else.
    struct FakeMetadata;

    impl MetadataApi for FakeMetadata {
        fn plan(&self, user: UserId) -> Result<Plan, Status> {
            match user {
                UserId(1) => Ok(Plan::Basic),
                _ => Err(Status::unavailable(
                    "metadata.internal:443 is not answering",
                )),
            }
        }
    }

    fn servlet() -> NavServlet {
        NavServlet {
            clock: || NOW,
            ..NavServlet::new(Signer::new("secret"), Box::new(FakeMetadata))
        }
    }

    fn request(servlet: &NavServlet, user: u64, current_path: &str) -> MenuRequest {
        let token = servlet
            .signer
            .issue(&Session::new(UserId(user), &[Scope::Read], NOW + 60));
        MenuRequest {
            token,
            current_path: current_path.to_owned(),
        }
    }

    #[tokio::test]
    async fn renders_the_menu_with_the_upgrade_prompt() {
        let servlet = servlet();
        let menu = build_menu(&servlet, request(&servlet, 1, "/files"))
            .await
            .unwrap();
        assert_eq!(menu.entries.len(), 3);
        assert!(menu.html.starts_with("<nav class=\"menu\">"));
        assert!(
            menu.html
                .contains("<a href=\"/files\" class=\"active\" aria-current=\"page\">Files</a>")
        );
        assert!(
            menu.html
                .contains("Upgrade<span class=\"badge\">New</span>")
        );
    }

    #[tokio::test]
    async fn degrades_when_metadata_is_down() {
        let servlet = servlet();
        let menu = build_menu(&servlet, request(&servlet, 2, "/"))
            .await
            .unwrap();
        let labels: Vec<_> = menu
            .entries
            .iter()
            .map(|entry| entry.label.as_str())
            .collect();
        assert_eq!(labels, ["Home", "Files"]);
    }

    #[tokio::test]
    async fn refuses_bad_tokens_and_paths() {
        let servlet = servlet();
        let bad_token = MenuRequest {
            token: "v1.1.2.read.0000000000000000".into(),
            current_path: "/".into(),
        };
        assert_eq!(
            build_menu(&servlet, bad_token).await.unwrap_err().code(),
            Code::Unauthenticated
        );
        let relative = request(&servlet, 1, "files");
        assert_eq!(
            build_menu(&servlet, relative).await.unwrap_err().code(),
            Code::InvalidArgument
        );
    }
}
