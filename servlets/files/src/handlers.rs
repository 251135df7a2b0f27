//! The files servlet's RPC handlers.

use std::collections::BTreeMap;
use std::time::Duration;

use auth::{Scope, Session, Signer, UserId};
use files_api::{
    Entry, EntryKind, ListFilesRequest, ListFilesResponse, PutFileRequest, PutFileResponse,
    RecentFilesRequest, RecentFilesResponse, ShareFileRequest, ShareFileResponse, StatFileRequest,
    StatFileResponse, Status, UsageRequest, UsageResponse,
};
use sharing_api::{CreateLinkRequest, SharingClient};
use storage_keys::{StorageKey, file_key, folder_prefix};

use crate::store::{FileRecord, FileStore};

const DEFAULT_PAGE_SIZE: u32 = 100;
const MAX_PAGE_SIZE: u32 = 1000;
const DEFAULT_RECENT: u32 = 10;
const MAX_RECENT: u32 = 50;
/// How long files waits for sharing to create a link.
const SHARING_TIMEOUT: Duration = Duration::from_secs(1);

/// The servlet's state, shared by every handler.
pub struct FilesServlet {
    pub signer: Signer,
    pub store: FileStore,
    /// The sharing servlet, which files asks for share links.
    pub sharing: SharingClient,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl FilesServlet {
    /// An empty file table on the system clock; calls to `sharing` time out after a second.
    pub fn new(signer: Signer, sharing: SharingClient) -> FilesServlet {
        FilesServlet {
            signer,
            store: FileStore::default(),
            sharing: sharing.with_timeout(SHARING_TIMEOUT),
            clock: auth::unix_now,
        }
    }

    fn session(&self, token: &str, scope: Scope) -> Result<Session, Status> {
        let session = self.signer.validate(token, (self.clock)())?;
        session.require(scope)?;
        Ok(session)
    }
}

fn file_entry(key: &StorageKey, record: &FileRecord) -> Entry {
    Entry {
        name: key.name().to_owned(),
        path: key.path().to_owned(),
        kind: EntryKind::File as i32,
        size: record.size,
        modified_at: record.modified_at,
    }
}

/// Lists one folder of the caller's files: its files and, for deeper files, the subfolders
/// holding them.
pub async fn list_files(
    servlet: &FilesServlet,
    request: ListFilesRequest,
) -> Result<ListFilesResponse, Status> {
    let session = servlet.session(&request.token, Scope::Read)?;
    let prefix = folder_prefix(session.user, &request.folder)?;
    let page_size = match request.page_size {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    } as usize;

    // Keyed by (kind, name) so folders sort before files.
    let mut entries: BTreeMap<(EntryKind, String), Entry> = BTreeMap::new();
    for (key, record) in servlet.store.scan(&prefix) {
        let relative = &key.as_str()[prefix.len()..];
        match relative.split_once('/') {
            None => {
                entries.insert(
                    (EntryKind::File, relative.to_owned()),
                    file_entry(&key, &record),
                );
            }
            Some((folder, _)) => {
                let path =
                    key.path()[..key.path().len() - relative.len() + folder.len()].to_owned();
                let entry = entries
                    .entry((EntryKind::Folder, folder.to_owned()))
                    .or_insert_with(|| Entry {
                        name: folder.to_owned(),
                        path,
                        kind: EntryKind::Folder as i32,
                        size: 0,
                        modified_at: 0,
                    });
                entry.size += record.size;
                entry.modified_at = entry.modified_at.max(record.modified_at);
            }
        }
    }

    let after = request
        .page_token
        .as_deref()
        .map(decode_page_token)
        .transpose()?;
    let mut page: Vec<((EntryKind, String), Entry)> = entries
        .into_iter()
        .filter(|(position, _)| after.as_ref().is_none_or(|after| position > after))
        .take(page_size + 1)
        .collect();
    let next_page_token = if page.len() > page_size {
        page.truncate(page_size);
        page.last().map(|(position, _)| encode_page_token(position))
    } else {
        None
    };
    Ok(ListFilesResponse {
        entries: page.into_iter().map(|(_, entry)| entry).collect(),
        next_page_token,
    })
}

fn encode_page_token((kind, name): &(EntryKind, String)) -> String {
    let tag = if *kind == EntryKind::Folder { 'd' } else { 'f' };
    format!("{tag}:{name}")
}

fn decode_page_token(token: &str) -> Result<(EntryKind, String), Status> {
    match token.split_once(':') {
        Some(("d", name)) => Ok((EntryKind::Folder, name.to_owned())),
        Some(("f", name)) => Ok((EntryKind::File, name.to_owned())),
        _ => Err(Status::invalid_argument(format!(
            "`{token}` is not a page token"
        ))),
    }
}

/// Describes one of the caller's files.
pub async fn stat_file(
    servlet: &FilesServlet,
    request: StatFileRequest,
) -> Result<StatFileResponse, Status> {
    let session = servlet.session(&request.token, Scope::Read)?;
    let key = file_key(session.user, &request.path)?;
    let record = servlet
        .store
        .get(&key)
        .ok_or_else(|| Status::not_found(format!("no file at `{}`", key.path())))?;
    Ok(StatFileResponse {
        entry: Some(file_entry(&key, &record)),
        revision: record.revision,
    })
}

/// Stores (or overwrites) one of the caller's files.
pub async fn put_file(
    servlet: &FilesServlet,
    request: PutFileRequest,
) -> Result<PutFileResponse, Status> {
    let session = servlet.session(&request.token, Scope::Write)?;
    let key = file_key(session.user, &request.path)?;
    let record = servlet.store.put(&key, request.size, (servlet.clock)());
    Ok(PutFileResponse {
        entry: Some(file_entry(&key, &record)),
        revision: record.revision,
    })
}

/// The caller's most recently modified files, for the homepage.
pub async fn recent_files(
    servlet: &FilesServlet,
    request: RecentFilesRequest,
) -> Result<RecentFilesResponse, Status> {
    let session = servlet.session(&request.token, Scope::Read)?;
    let limit = match request.limit {
        0 => DEFAULT_RECENT,
        limit => limit.min(MAX_RECENT),
    } as usize;
    let mut files = servlet.store.scan(&folder_prefix(session.user, "")?);
    files.sort_by(|(a_key, a), (b_key, b)| {
        b.modified_at
            .cmp(&a.modified_at)
            .then_with(|| a_key.cmp(b_key))
    });
    let entries = files
        .iter()
        .take(limit)
        .map(|(key, record)| file_entry(key, record))
        .collect();
    Ok(RecentFilesResponse { entries })
}

/// Creates a share link to one of the caller's files, through the sharing servlet.
pub async fn share_file(
    servlet: &FilesServlet,
    request: ShareFileRequest,
) -> Result<ShareFileResponse, Status> {
    let session = servlet.session(&request.token, Scope::Share)?;
    let key = file_key(session.user, &request.path)?;
    if servlet.store.get(&key).is_none() {
        return Err(Status::not_found(format!(
            "no file at `{}` to share",
            key.path()
        )));
    }
    // Sharing checks the caller's token and scope again, and picks the link's lifetime.
    let link = servlet
        .sharing
        .create_link(CreateLinkRequest {
            path: key.path().to_owned(),
            token: request.token,
            ttl_secs: request.ttl_secs,
        })
        .await?;
    Ok(ShareFileResponse {
        url: link.url,
        expires_at: link.expires_at,
    })
}

/// Staff only: how much `user_id` stores.
pub async fn usage(servlet: &FilesServlet, request: UsageRequest) -> Result<UsageResponse, Status> {
    servlet.session(&request.token, Scope::Admin)?;
    let files = servlet
        .store
        .scan(&folder_prefix(UserId(request.user_id), "")?);
    let largest = files
        .iter()
        .max_by(|(a_key, a), (b_key, b)| a.size.cmp(&b.size).then_with(|| b_key.cmp(a_key)))
        .map(|(key, record)| file_entry(key, record));
    Ok(UsageResponse {
        file_count: files.len() as u64,
        total_bytes: files.iter().map(|(_, record)| record.size).sum(),
        largest,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use files_api::Code;
    use orrery_runtime::codegen::{Clients, Request, Response, async_trait};
    use sharing_api::sharing_service_server::{SERVICE_NAME, SharingService};
    use sharing_api::{
        CreateLinkResponse, ListLinksRequest, ListLinksResponse, ResolveLinkRequest,
        ResolveLinkResponse, RevokeLinkRequest, RevokeLinkResponse,
    };

    use super::*;

    const NOW: u64 = 1_700_000_000;

    /// Answers like the sharing servlet would, in this process: links to the path it is given.
    struct FakeSharing;

    #[async_trait]
    impl SharingService for FakeSharing {
        async fn create_link(
            &self,
            request: Request<CreateLinkRequest>,
        ) -> Result<Response<CreateLinkResponse>, Status> {
            let request = request.into_inner();
            if request.token.is_empty() {
                return Err(Status::unauthenticated("files forwards the caller's token"));
            }
            Ok(Response::new(CreateLinkResponse {
                link_id: "abc".into(),
                url: format!("https://www.example.com/s/{}", request.path),
                expires_at: NOW + request.ttl_secs.unwrap_or(60),
            }))
        }

        async fn resolve_link(
            &self,
            _: Request<ResolveLinkRequest>,
        ) -> Result<Response<ResolveLinkResponse>, Status> {
            Err(Status::unimplemented("files never resolves links"))
        }

        async fn revoke_link(
            &self,
            _: Request<RevokeLinkRequest>,
        ) -> Result<Response<RevokeLinkResponse>, Status> {
            Err(Status::unimplemented("files never revokes links"))
        }

        async fn list_links(
            &self,
            _: Request<ListLinksRequest>,
        ) -> Result<Response<ListLinksResponse>, Status> {
            Err(Status::unimplemented("files never lists links"))
        }
    }

    /// A typed client of sharing that reaches `FakeSharing`.
    fn sharing() -> SharingClient {
        let clients = Clients::new(4 << 20, 4 << 20);
        clients.host::<dyn SharingService>(SERVICE_NAME, Arc::new(FakeSharing));
        SharingClient::new(&clients).unwrap()
    }

    fn servlet() -> FilesServlet {
        FilesServlet {
            clock: || NOW,
            ..FilesServlet::new(Signer::new("secret"), sharing())
        }
    }

    fn token(servlet: &FilesServlet, user: u64, scopes: &[Scope]) -> String {
        servlet
            .signer
            .issue(&Session::new(UserId(user), scopes, NOW + 3600))
    }

    fn put(servlet: &FilesServlet, user: u64, path: &str, size: u64, modified_at: u64) {
        let key = file_key(UserId(user), path).unwrap();
        servlet.store.put(&key, size, modified_at);
    }

    async fn list(
        servlet: &FilesServlet,
        token: &str,
        folder: &str,
        page_size: u32,
        page_token: Option<String>,
    ) -> ListFilesResponse {
        let request = ListFilesRequest {
            token: token.to_owned(),
            folder: folder.to_owned(),
            page_size,
            page_token,
        };
        list_files(servlet, request).await.unwrap()
    }

    #[tokio::test]
    async fn lists_folders_first_with_their_totals() {
        let servlet = servlet();
        put(&servlet, 1, "notes.txt", 5, 10);
        put(&servlet, 1, "Docs/plan.pdf", 100, 20);
        put(&servlet, 1, "Docs/2024/q1.xlsx", 50, 30);
        put(&servlet, 2, "Docs/secret.txt", 1, 40);
        let token = token(&servlet, 1, &[Scope::Read]);

        let root = list(&servlet, &token, "/", 0, None).await;
        let summary: Vec<_> = root
            .entries
            .iter()
            .map(|e| (e.kind(), e.path.as_str(), e.size, e.modified_at))
            .collect();
        assert_eq!(
            summary,
            [
                (EntryKind::Folder, "Docs", 150, 30),
                (EntryKind::File, "notes.txt", 5, 10)
            ]
        );
        assert_eq!(root.next_page_token, None);

        let docs = list(&servlet, &token, "Docs", 0, None).await;
        let names: Vec<_> = docs.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["Docs/2024", "Docs/plan.pdf"]);
    }

    #[tokio::test]
    async fn pages_through_a_folder() {
        let servlet = servlet();
        for name in ["a", "b", "c", "d", "e"] {
            put(&servlet, 1, &format!("{name}.txt"), 1, 0);
        }
        let token = token(&servlet, 1, &[Scope::Read]);
        let first = list(&servlet, &token, "", 2, None).await;
        assert_eq!(first.next_page_token.as_deref(), Some("f:b.txt"));
        let second = list(&servlet, &token, "", 2, first.next_page_token).await;
        let third = list(&servlet, &token, "", 2, second.next_page_token.clone()).await;
        assert_eq!(second.entries[0].name, "c.txt");
        assert_eq!(third.entries.len(), 1);
        assert_eq!(third.next_page_token, None);
    }

    #[tokio::test]
    async fn writes_stats_and_recent_files() {
        let servlet = servlet();
        let token = token(&servlet, 7, &[Scope::Read, Scope::Write]);
        put(&servlet, 7, "old.txt", 1, NOW - 1000);
        let written = put_file(
            &servlet,
            PutFileRequest {
                token: token.clone(),
                path: "/new.txt".into(),
                size: 3,
            },
        )
        .await
        .unwrap();
        assert_eq!(written.revision, 1);

        let stat = stat_file(
            &servlet,
            StatFileRequest {
                token: token.clone(),
                path: "new.txt".into(),
            },
        )
        .await
        .unwrap();
        let entry = stat.entry.unwrap();
        assert_eq!((entry.size, entry.modified_at), (3, NOW));
        let missing = stat_file(
            &servlet,
            StatFileRequest {
                token: token.clone(),
                path: "nope".into(),
            },
        )
        .await;
        assert_eq!(missing.unwrap_err().code(), Code::NotFound);

        let recent = recent_files(&servlet, RecentFilesRequest { token, limit: 1 })
            .await
            .unwrap();
        assert_eq!(recent.entries.len(), 1);
        assert_eq!(recent.entries[0].name, "new.txt");
    }

    #[tokio::test]
    async fn shares_only_existing_files() {
        let servlet = servlet();
        put(&servlet, 1, "Docs/plan.pdf", 1, 0);
        let token = token(&servlet, 1, &[Scope::Read, Scope::Share]);
        let shared = share_file(
            &servlet,
            ShareFileRequest {
                token: token.clone(),
                path: "Docs/plan.pdf".into(),
                ttl_secs: Some(600),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            shared,
            ShareFileResponse {
                url: "https://www.example.com/s/Docs/plan.pdf".into(),
                expires_at: NOW + 600
            }
        );

        let missing = share_file(
            &servlet,
            ShareFileRequest {
                token,
                path: "gone.txt".into(),
                ttl_secs: None,
            },
        )
        .await;
        assert_eq!(missing.unwrap_err().code(), Code::NotFound);
    }

    #[tokio::test]
    async fn usage_is_for_staff_only() {
        let servlet = servlet();
        put(&servlet, 5, "a.bin", 10, 0);
        put(&servlet, 5, "b/c.bin", 30, 0);
        let user = token(&servlet, 5, &[Scope::Read]);
        let staff = token(&servlet, 99, &[Scope::Admin]);

        let refused = usage(
            &servlet,
            UsageRequest {
                token: user,
                user_id: 5,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
        let report = usage(
            &servlet,
            UsageRequest {
                token: staff,
                user_id: 5,
            },
        )
        .await
        .unwrap();
        assert_eq!((report.file_count, report.total_bytes), (2, 40));
        assert_eq!(report.largest.map(|e| e.path), Some("b/c.bin".to_owned()));
    }
}
