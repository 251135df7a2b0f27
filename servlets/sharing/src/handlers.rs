//! The sharing servlet's RPC handlers.

use auth::{Scope, Session, Signer};
use sharing_api::{
    CreateLinkRequest, CreateLinkResponse, LinkSummary, ListLinksRequest, ListLinksResponse,
    ResolveLinkRequest, ResolveLinkResponse, RevokeLinkRequest, RevokeLinkResponse, Status,
};
use storage_keys::file_key;

use crate::links::{LinkStore, RevokeError, clamp_ttl};

/// The servlet's state, shared by every handler.
pub struct SharingServlet {
    pub signer: Signer,
    pub links: LinkStore,
    /// Where links are served: `https://www.example.com/s/`.
    pub base_url: String,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl SharingServlet {
    pub fn new(signer: Signer, base_url: impl Into<String>) -> SharingServlet {
        SharingServlet {
            signer,
            links: LinkStore::default(),
            base_url: base_url.into(),
            clock: auth::unix_now,
        }
    }

    /// The caller's session as of `now`, provided it has `scope`.
    fn session(&self, token: &str, scope: Scope, now: u64) -> Result<Session, Status> {
        let session = self.signer.validate(token, now)?;
        session.require(scope)?;
        Ok(session)
    }

    fn url(&self, link_id: &str) -> String {
        format!("{}/{link_id}", self.base_url.trim_end_matches('/'))
    }
}

/// Creates a link to one of the caller's files. Needs the `share` scope. The caller (files)
/// has already checked that the file exists.
pub async fn create_link(
    servlet: &SharingServlet,
    request: CreateLinkRequest,
) -> Result<CreateLinkResponse, Status> {
    let now = (servlet.clock)();
    let session = servlet.session(&request.token, Scope::Share, now)?;
    let key = file_key(session.user, &request.path)?;
    // The link may outlive the session that created it: that is the point of sharing.
    let link = servlet.links.insert(key, now, clamp_ttl(request.ttl_secs));
    Ok(CreateLinkResponse {
        url: servlet.url(&link.id),
        link_id: link.id,
        expires_at: link.expires_at,
    })
}

/// Looks a link up for whoever opened it; needs no token, as links are bearer capabilities.
pub async fn resolve_link(
    servlet: &SharingServlet,
    request: ResolveLinkRequest,
) -> Result<ResolveLinkResponse, Status> {
    let now = (servlet.clock)();
    let not_found = || Status::not_found(format!("no live link `{}`", request.link_id));
    let link = servlet.links.get(&request.link_id).ok_or_else(not_found)?;
    if !link.is_live(now) {
        return Err(not_found());
    }
    Ok(ResolveLinkResponse {
        owner: link.key.owner().0,
        key: link.key.to_string(),
        expires_at: link.expires_at,
    })
}

/// Revokes one of the caller's links.
pub async fn revoke_link(
    servlet: &SharingServlet,
    request: RevokeLinkRequest,
) -> Result<RevokeLinkResponse, Status> {
    let session = servlet.session(&request.token, Scope::Share, (servlet.clock)())?;
    match servlet.links.revoke(&request.link_id, session.user) {
        Ok(revoked) => Ok(RevokeLinkResponse { revoked }),
        // Someone else's link looks exactly like a missing one.
        Err(RevokeError::NotFound | RevokeError::NotOwner) => {
            Err(Status::not_found(format!("no link `{}`", request.link_id)))
        }
    }
}

/// Lists the caller's live links.
pub async fn list_links(
    servlet: &SharingServlet,
    request: ListLinksRequest,
) -> Result<ListLinksResponse, Status> {
    let now = (servlet.clock)();
    let session = servlet.session(&request.token, Scope::Read, now)?;
    let links = servlet
        .links
        .live_links_of(session.user, now)
        .into_iter()
        .map(|link| LinkSummary {
            path: link.key.path().to_owned(),
            link_id: link.id,
            expires_at: link.expires_at,
        })
        .collect();
    Ok(ListLinksResponse { links })
}

#[cfg(test)]
mod tests {
    use auth::UserId;
    use sharing_api::Code;

    use super::*;
    use crate::links::DEFAULT_TTL_SECS;

    const NOW: u64 = 1_700_000_000;

    fn servlet() -> SharingServlet {
        SharingServlet {
            clock: || NOW,
            ..SharingServlet::new(Signer::new("secret"), "https://www.example.com/s/")
        }
    }

    fn token(servlet: &SharingServlet, user: u64, scopes: &[Scope]) -> String {
        servlet
            .signer
            .issue(&Session::new(UserId(user), scopes, NOW + 3600))
    }

    #[tokio::test]
    async fn created_links_resolve_until_they_expire() {
        let servlet = servlet();
        let token = token(&servlet, 42, &[Scope::Read, Scope::Share]);
        let created = create_link(
            &servlet,
            CreateLinkRequest {
                token,
                path: "/Docs/plan.pdf".into(),
                ttl_secs: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            created.url,
            format!("https://www.example.com/s/{}", created.link_id)
        );
        assert_eq!(created.expires_at, NOW + DEFAULT_TTL_SECS);

        let resolved = resolve_link(
            &servlet,
            ResolveLinkRequest {
                link_id: created.link_id.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(resolved.key, "u/42/f/Docs/plan.pdf");
        assert_eq!(resolved.owner, 42);

        let later = SharingServlet {
            clock: || NOW + DEFAULT_TTL_SECS,
            ..servlet
        };
        let expired = resolve_link(
            &later,
            ResolveLinkRequest {
                link_id: created.link_id,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(expired.code(), Code::NotFound);
    }

    #[tokio::test]
    async fn sharing_needs_the_share_scope() {
        let servlet = servlet();
        let token = token(&servlet, 42, &[Scope::Read]);
        let request = CreateLinkRequest {
            token,
            path: "a.txt".into(),
            ttl_secs: Some(60),
        };
        assert_eq!(
            create_link(&servlet, request).await.unwrap_err().code(),
            Code::PermissionDenied
        );
    }

    #[tokio::test]
    async fn revoked_links_disappear_and_strangers_cannot_revoke() {
        let servlet = servlet();
        let owner = token(&servlet, 1, &[Scope::Read, Scope::Share]);
        let stranger = token(&servlet, 2, &[Scope::Read, Scope::Share]);
        let link_id = create_link(
            &servlet,
            CreateLinkRequest {
                token: owner.clone(),
                path: "x/y.txt".into(),
                ttl_secs: Some(600),
            },
        )
        .await
        .unwrap()
        .link_id;

        let refused = revoke_link(
            &servlet,
            RevokeLinkRequest {
                token: stranger,
                link_id: link_id.clone(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code(), Code::NotFound);

        let listed = list_links(
            &servlet,
            ListLinksRequest {
                token: owner.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            listed.links,
            [LinkSummary {
                link_id: link_id.clone(),
                path: "x/y.txt".into(),
                expires_at: NOW + 600
            }]
        );

        let revoked = revoke_link(
            &servlet,
            RevokeLinkRequest {
                token: owner.clone(),
                link_id: link_id.clone(),
            },
        )
        .await
        .unwrap();
        assert!(revoked.revoked);
        assert!(
            resolve_link(&servlet, ResolveLinkRequest { link_id })
                .await
                .is_err()
        );
        assert!(
            list_links(&servlet, ListLinksRequest { token: owner })
                .await
                .unwrap()
                .links
                .is_empty()
        );
    }

    #[tokio::test]
    async fn bad_paths_are_invalid_arguments() {
        let servlet = servlet();
        let token = token(&servlet, 1, &[Scope::Share]);
        let request = CreateLinkRequest {
            token,
            path: "../other-user".into(),
            ttl_secs: None,
        };
        assert_eq!(
            create_link(&servlet, request).await.unwrap_err().code(),
            Code::InvalidArgument
        );
    }
}
