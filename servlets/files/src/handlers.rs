//! The files servlet's RPC handlers.

use std::collections::BTreeMap;

use auth::{Scope, Session, Signer, UserId};
use storage_keys::{StorageKey, file_key, folder_prefix};

use crate::rpc::{
    Code, Entry, EntryKind, ListFilesRequest, ListFilesResponse, PutFileRequest, PutFileResponse,
    RecentFilesRequest, RecentFilesResponse, ShareFileRequest, ShareFileResponse, StatFileRequest,
    StatFileResponse, Status, UsageRequest, UsageResponse,
};
use crate::store::{FileRecord, FileStore};
use crate::upstream::SharingApi;

const DEFAULT_PAGE_SIZE: u32 = 100;
const MAX_PAGE_SIZE: u32 = 1000;
const DEFAULT_RECENT: u32 = 10;
const MAX_RECENT: u32 = 50;

/// The servlet's state, shared by every handler.
pub struct FilesServlet {
    pub signer: Signer,
    pub store: FileStore,
    pub sharing: Box<dyn SharingApi + Send + Sync>,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl FilesServlet {
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
        kind: EntryKind::File,
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
                        kind: EntryKind::Folder,
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
    let mut page: Vec<Entry> = entries
        .into_iter()
        .filter(|(position, _)| after.as_ref().is_none_or(|after| position > after))
        .map(|(_, entry)| entry)
        .take(page_size + 1)
        .collect();
    let next_page_token = if page.len() > page_size {
        page.truncate(page_size);
        page.last()
            .map(|last| encode_page_token(last.kind, &last.name))
    } else {
        None
    };
    Ok(ListFilesResponse {
        entries: page,
        next_page_token,
    })
}

fn encode_page_token(kind: EntryKind, name: &str) -> String {
    let tag = match kind {
        EntryKind::Folder => 'd',
        EntryKind::File => 'f',
    };
    format!("{tag}:{name}")
}

fn decode_page_token(token: &str) -> Result<(EntryKind, String), Status> {
    match token.split_once(':') {
        Some(("d", name)) => Ok((EntryKind::Folder, name.to_owned())),
        Some(("f", name)) => Ok((EntryKind::File, name.to_owned())),
        _ => Err(Status::new(
            Code::InvalidArgument,
            format!("`{token}` is not a page token"),
        )),
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
        .ok_or_else(|| Status::new(Code::NotFound, format!("no file at `{}`", key.path())))?;
    Ok(StatFileResponse {
        entry: file_entry(&key, &record),
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
        entry: file_entry(&key, &record),
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
        return Err(Status::new(
            Code::NotFound,
            format!("no file at `{}` to share", key.path()),
        ));
    }
    let link = servlet
        .sharing
        .create_link(&request.token, key.path(), request.ttl_secs)?;
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
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::upstream::SharedLink;

    /// Runs a handler to completion; they never wait on anything in tests.
    fn block_on<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("handler awaited something that never completes"),
        }
    }

    const NOW: u64 = 1_700_000_000;

    /// Answers like the sharing servlet would, without the network.
    struct FakeSharing;

    impl SharingApi for FakeSharing {
        fn create_link(
            &self,
            _token: &str,
            path: &str,
            ttl_secs: Option<u64>,
        ) -> Result<SharedLink, Status> {
            Ok(SharedLink {
                url: format!("https://www.example.com/s/{path}"),
                expires_at: NOW + ttl_secs.unwrap_or(60),
            })
        }
    }

    fn servlet() -> FilesServlet {
        FilesServlet {
            signer: Signer::new("secret"),
            store: FileStore::default(),
            sharing: Box::new(FakeSharing),
            clock: || NOW,
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

    fn list(
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
        block_on(list_files(servlet, request)).unwrap()
    }

    #[test]
    fn lists_folders_first_with_their_totals() {
        let servlet = servlet();
        put(&servlet, 1, "notes.txt", 5, 10);
        put(&servlet, 1, "Docs/plan.pdf", 100, 20);
        put(&servlet, 1, "Docs/2024/q1.xlsx", 50, 30);
        put(&servlet, 2, "Docs/secret.txt", 1, 40);
        let token = token(&servlet, 1, &[Scope::Read]);

        let root = list(&servlet, &token, "/", 0, None);
        let summary: Vec<_> = root
            .entries
            .iter()
            .map(|e| (e.kind, e.path.as_str(), e.size, e.modified_at))
            .collect();
        assert_eq!(
            summary,
            [
                (EntryKind::Folder, "Docs", 150, 30),
                (EntryKind::File, "notes.txt", 5, 10)
            ]
        );
        assert_eq!(root.next_page_token, None);

        let docs = list(&servlet, &token, "Docs", 0, None);
        let names: Vec<_> = docs.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["Docs/2024", "Docs/plan.pdf"]);
    }

    #[test]
    fn pages_through_a_folder() {
        let servlet = servlet();
        for name in ["a", "b", "c", "d", "e"] {
            put(&servlet, 1, &format!("{name}.txt"), 1, 0);
        }
        let token = token(&servlet, 1, &[Scope::Read]);
        let first = list(&servlet, &token, "", 2, None);
        assert_eq!(first.next_page_token.as_deref(), Some("f:b.txt"));
        let second = list(&servlet, &token, "", 2, first.next_page_token);
        let third = list(&servlet, &token, "", 2, second.next_page_token.clone());
        assert_eq!(second.entries[0].name, "c.txt");
        assert_eq!(third.entries.len(), 1);
        assert_eq!(third.next_page_token, None);
    }

    #[test]
    fn writes_stats_and_recent_files() {
        let servlet = servlet();
        let token = token(&servlet, 7, &[Scope::Read, Scope::Write]);
        put(&servlet, 7, "old.txt", 1, NOW - 1000);
        let written = block_on(put_file(
            &servlet,
            PutFileRequest {
                token: token.clone(),
                path: "/new.txt".into(),
                size: 3,
            },
        ))
        .unwrap();
        assert_eq!(written.revision, 1);

        let stat = block_on(stat_file(
            &servlet,
            StatFileRequest {
                token: token.clone(),
                path: "new.txt".into(),
            },
        ))
        .unwrap();
        assert_eq!((stat.entry.size, stat.entry.modified_at), (3, NOW));
        let missing = block_on(stat_file(
            &servlet,
            StatFileRequest {
                token: token.clone(),
                path: "nope".into(),
            },
        ));
        assert_eq!(missing.unwrap_err().code, Code::NotFound);

        let recent = block_on(recent_files(
            &servlet,
            RecentFilesRequest { token, limit: 1 },
        ))
        .unwrap();
        assert_eq!(recent.entries.len(), 1);
        assert_eq!(recent.entries[0].name, "new.txt");
    }

    #[test]
    fn shares_only_existing_files() {
        let servlet = servlet();
        put(&servlet, 1, "Docs/plan.pdf", 1, 0);
        let token = token(&servlet, 1, &[Scope::Read, Scope::Share]);
        let shared = block_on(share_file(
            &servlet,
            ShareFileRequest {
                token: token.clone(),
                path: "Docs/plan.pdf".into(),
                ttl_secs: Some(600),
            },
        ))
        .unwrap();
        assert_eq!(
            shared,
            ShareFileResponse {
                url: "https://www.example.com/s/Docs/plan.pdf".into(),
                expires_at: NOW + 600
            }
        );

        let missing = block_on(share_file(
            &servlet,
            ShareFileRequest {
                token,
                path: "gone.txt".into(),
                ttl_secs: None,
            },
        ));
        assert_eq!(missing.unwrap_err().code, Code::NotFound);
    }

    #[test]
    fn usage_is_for_staff_only() {
        let servlet = servlet();
        put(&servlet, 5, "a.bin", 10, 0);
        put(&servlet, 5, "b/c.bin", 30, 0);
        let user = token(&servlet, 5, &[Scope::Read]);
        let staff = token(&servlet, 99, &[Scope::Admin]);

        let refused = block_on(usage(
            &servlet,
            UsageRequest {
                token: user,
                user_id: 5,
            },
        ))
        .unwrap_err();
        assert_eq!(refused.code, Code::PermissionDenied);
        let report = block_on(usage(
            &servlet,
            UsageRequest {
                token: staff,
                user_id: 5,
            },
        ))
        .unwrap();
        assert_eq!((report.file_count, report.total_bytes), (2, 40));
        assert_eq!(report.largest.map(|e| e.path), Some("b/c.bin".to_owned()));
    }
}
