//! The admin servlet's RPC handlers.

use std::fmt::Write as _;
use std::time::Duration;

use admin_api::{
    AuditLogRequest, AuditLogResponse, AuditRecord, InspectUserRequest, InspectUserResponse, Status,
};
use auth::{Scope, Session, Signer, UserId};
use files_api::{FilesClient, UsageRequest};

use crate::audit::AuditLog;
use crate::metadata::MetadataApi;

const DEFAULT_AUDIT_LIMIT: u32 = 20;

/// How long admin waits for files to report on an account.
const FILES_TIMEOUT: Duration = Duration::from_secs(1);

/// The servlet's state, shared by every handler.
pub struct AdminServlet {
    pub signer: Signer,
    /// The files servlet, for what an account stores.
    pub files: FilesClient,
    pub metadata: Box<dyn MetadataApi + Send + Sync>,
    pub audit: AuditLog,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl AdminServlet {
    /// An empty audit log on the system clock; calls to `files` time out after a second.
    pub fn new(
        signer: Signer,
        files: FilesClient,
        metadata: Box<dyn MetadataApi + Send + Sync>,
    ) -> AdminServlet {
        AdminServlet {
            signer,
            files: files.with_timeout(FILES_TIMEOUT),
            metadata,
            audit: AuditLog::default(),
            clock: auth::unix_now,
        }
    }

    fn staff_session(&self, token: &str) -> Result<Session, Status> {
        let session = self.signer.validate(token, (self.clock)())?;
        session.require(Scope::Admin)?;
        Ok(session)
    }
}

/// Reports on one account: who it is (metadata) and what it stores (files). Every inspection is
/// audited, before anything is looked up.
pub async fn inspect_user(
    servlet: &AdminServlet,
    request: InspectUserRequest,
) -> Result<InspectUserResponse, Status> {
    let staff = servlet.staff_session(&request.token)?;
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(Status::invalid_argument(
            "say why you are inspecting this account",
        ));
    }
    servlet.audit.append(AuditRecord {
        at: (servlet.clock)(),
        staff: staff.user.0,
        user_id: request.user_id,
        reason: reason.to_owned(),
    });

    let user = UserId(request.user_id);
    let account = servlet.metadata.account(user)?;
    // files checks the staff member's token again: it needs the `admin` scope too.
    let usage = servlet
        .files
        .usage(UsageRequest {
            token: request.token,
            user_id: request.user_id,
        })
        .await?;

    let mut report = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(report, "user {user} <{}>", account.email);
    let _ = writeln!(
        report,
        "plan {}, since {}",
        account.plan, account.created_at
    );
    let _ = writeln!(
        report,
        "{} files, {} bytes",
        usage.file_count, usage.total_bytes
    );
    if let Some(largest) = &usage.largest {
        let _ = writeln!(report, "largest: {}", largest.path);
    }
    Ok(InspectUserResponse {
        report,
        file_count: usage.file_count,
        total_bytes: usage.total_bytes,
    })
}

/// The latest inspections, newest first.
pub async fn audit_log(
    servlet: &AdminServlet,
    request: AuditLogRequest,
) -> Result<AuditLogResponse, Status> {
    servlet.staff_session(&request.token)?;
    let limit = match request.limit {
        0 => DEFAULT_AUDIT_LIMIT,
        limit => limit,
    };
    Ok(AuditLogResponse {
        records: servlet.audit.latest(limit as usize),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use admin_api::Code;
    use files_api::files_service_server::{FilesService, SERVICE_NAME};
    use files_api::{
        Entry, EntryKind, ListFilesRequest, ListFilesResponse, PutFileRequest, PutFileResponse,
        RecentFilesRequest, RecentFilesResponse, ShareFileRequest, ShareFileResponse,
        StatFileRequest, StatFileResponse, UsageResponse,
    };
    use orrery_runtime::codegen::{Clients, Request, Response, async_trait};

    use super::*;
    use crate::metadata::Account;

    const NOW: u64 = 1_700_000_000;

    /// Knows user 1 only.
    struct Fake;

    #[async_trait]
    impl FilesService for Fake {
        async fn usage(
            &self,
            request: Request<UsageRequest>,
        ) -> Result<Response<UsageResponse>, Status> {
            if request.into_inner().token.is_empty() {
                return Err(Status::unauthenticated("admin forwards the staff token"));
            }
            Ok(Response::new(UsageResponse {
                file_count: 2,
                total_bytes: 40,
                largest: Some(Entry {
                    name: "c.bin".into(),
                    path: "b/c.bin".into(),
                    kind: EntryKind::File as i32,
                    size: 30,
                    modified_at: 0,
                }),
            }))
        }

        async fn list_files(
            &self,
            _: Request<ListFilesRequest>,
        ) -> Result<Response<ListFilesResponse>, Status> {
            Err(Status::unimplemented("admin only asks for usage"))
        }

        async fn stat_file(
            &self,
            _: Request<StatFileRequest>,
        ) -> Result<Response<StatFileResponse>, Status> {
            Err(Status::unimplemented("admin only asks for usage"))
        }

        async fn put_file(
            &self,
            _: Request<PutFileRequest>,
        ) -> Result<Response<PutFileResponse>, Status> {
            Err(Status::unimplemented("admin only asks for usage"))
        }

        async fn recent_files(
            &self,
            _: Request<RecentFilesRequest>,
        ) -> Result<Response<RecentFilesResponse>, Status> {
            Err(Status::unimplemented("admin only asks for usage"))
        }

        async fn share_file(
            &self,
            _: Request<ShareFileRequest>,
        ) -> Result<Response<ShareFileResponse>, Status> {
            Err(Status::unimplemented("admin only asks for usage"))
        }
    }

    impl MetadataApi for Fake {
        fn account(&self, user: UserId) -> Result<Account, Status> {
            match user {
                UserId(1) => Ok(Account {
                    email: "ada@example.com".into(),
                    plan: "plus".into(),
                    created_at: 1_600_000_000,
                }),
                _ => Err(Status::not_found(format!("no account {user}"))),
            }
        }
    }

    fn servlet() -> AdminServlet {
        let clients = Clients::new(4 << 20, 4 << 20);
        clients.host::<dyn FilesService>(SERVICE_NAME, Arc::new(Fake));
        AdminServlet {
            clock: || NOW,
            ..AdminServlet::new(
                Signer::new("secret"),
                FilesClient::new(&clients).unwrap(),
                Box::new(Fake),
            )
        }
    }

    fn token(servlet: &AdminServlet, user: u64, scopes: &[Scope]) -> String {
        servlet
            .signer
            .issue(&Session::new(UserId(user), scopes, NOW + 60))
    }

    async fn inspect(
        servlet: &AdminServlet,
        token: &str,
        user_id: u64,
        reason: &str,
    ) -> Result<InspectUserResponse, Status> {
        inspect_user(
            servlet,
            InspectUserRequest {
                token: token.to_owned(),
                user_id,
                reason: reason.to_owned(),
            },
        )
        .await
    }

    #[tokio::test]
    async fn inspections_report_and_are_audited() {
        let servlet = servlet();
        let staff = token(&servlet, 99, &[Scope::Admin]);
        let response = inspect(&servlet, &staff, 1, " ticket 123 ").await.unwrap();
        assert_eq!(
            response.report,
            "user 1 <ada@example.com>\nplan plus, since 1600000000\n2 files, 40 bytes\nlargest: b/c.bin\n"
        );

        // A lookup that fails is still audited.
        assert_eq!(
            inspect(&servlet, &staff, 2, "ticket 124")
                .await
                .unwrap_err()
                .code(),
            Code::NotFound
        );
        let log = audit_log(
            &servlet,
            AuditLogRequest {
                token: staff,
                limit: 0,
            },
        )
        .await
        .unwrap();
        let logged: Vec<_> = log
            .records
            .iter()
            .map(|record| (record.user_id, record.reason.as_str()))
            .collect();
        assert_eq!(logged, [(2, "ticket 124"), (1, "ticket 123")]);
    }

    #[tokio::test]
    async fn only_staff_with_a_reason_may_inspect() {
        let servlet = servlet();
        let user = token(&servlet, 1, &[Scope::Read]);
        assert_eq!(
            inspect(&servlet, &user, 1, "curious")
                .await
                .unwrap_err()
                .code(),
            Code::PermissionDenied
        );
        let staff = token(&servlet, 99, &[Scope::Admin]);
        assert_eq!(
            inspect(&servlet, &staff, 1, "  ").await.unwrap_err().code(),
            Code::InvalidArgument
        );
        assert!(servlet.audit.latest(10).is_empty());
    }
}
