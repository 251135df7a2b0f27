//! The admin servlet's RPC handlers.

use std::fmt::Write as _;

use auth::{Scope, Session, Signer, UserId};

use crate::audit::AuditLog;
use crate::rpc::{
    AuditLogRequest, AuditLogResponse, AuditRecord, Code, InspectUserRequest, InspectUserResponse,
    Status,
};
use crate::upstream::{FilesApi, MetadataApi};

const DEFAULT_AUDIT_LIMIT: u32 = 20;

/// The servlet's state, shared by every handler.
pub struct AdminServlet {
    pub signer: Signer,
    pub files: Box<dyn FilesApi + Send + Sync>,
    pub metadata: Box<dyn MetadataApi + Send + Sync>,
    pub audit: AuditLog,
    /// Unix seconds; replaced by a fixed clock in tests.
    pub clock: fn() -> u64,
}

impl AdminServlet {
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
        return Err(Status::new(
            Code::InvalidArgument,
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
    let usage = servlet.files.usage(&request.token, user)?;

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
    if let Some(largest) = &usage.largest_path {
        let _ = writeln!(report, "largest: {largest}");
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
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::upstream::{Account, Usage};

    /// Runs a handler to completion; they never wait on anything in tests.
    fn block_on<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("handler awaited something that never completes"),
        }
    }

    const NOW: u64 = 1_700_000_000;

    /// Knows user 1 only.
    struct Fake;

    impl FilesApi for Fake {
        fn usage(&self, _token: &str, _user: UserId) -> Result<Usage, Status> {
            Ok(Usage {
                file_count: 2,
                total_bytes: 40,
                largest_path: Some("b/c.bin".into()),
            })
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
                _ => Err(Status::new(Code::NotFound, format!("no account {user}"))),
            }
        }
    }

    fn servlet() -> AdminServlet {
        AdminServlet {
            signer: Signer::new("secret"),
            files: Box::new(Fake),
            metadata: Box::new(Fake),
            audit: AuditLog::default(),
            clock: || NOW,
        }
    }

    fn token(servlet: &AdminServlet, user: u64, scopes: &[Scope]) -> String {
        servlet
            .signer
            .issue(&Session::new(UserId(user), scopes, NOW + 60))
    }

    fn inspect(
        servlet: &AdminServlet,
        token: &str,
        user_id: u64,
        reason: &str,
    ) -> Result<InspectUserResponse, Status> {
        block_on(inspect_user(
            servlet,
            InspectUserRequest {
                token: token.to_owned(),
                user_id,
                reason: reason.to_owned(),
            },
        ))
    }

    #[test]
    fn inspections_report_and_are_audited() {
        let servlet = servlet();
        let staff = token(&servlet, 99, &[Scope::Admin]);
        let response = inspect(&servlet, &staff, 1, " ticket 123 ").unwrap();
        assert_eq!(
            response.report,
            "user 1 <ada@example.com>\nplan plus, since 1600000000\n2 files, 40 bytes\nlargest: b/c.bin\n"
        );

        // A lookup that fails is still audited.
        assert_eq!(
            inspect(&servlet, &staff, 2, "ticket 124").unwrap_err().code,
            Code::NotFound
        );
        let log = block_on(audit_log(
            &servlet,
            AuditLogRequest {
                token: staff,
                limit: 0,
            },
        ))
        .unwrap();
        let logged: Vec<_> = log
            .records
            .iter()
            .map(|record| (record.user_id, record.reason.as_str()))
            .collect();
        assert_eq!(logged, [(2, "ticket 124"), (1, "ticket 123")]);
    }

    #[test]
    fn only_staff_with_a_reason_may_inspect() {
        let servlet = servlet();
        let user = token(&servlet, 1, &[Scope::Read]);
        assert_eq!(
            inspect(&servlet, &user, 1, "curious").unwrap_err().code,
            Code::PermissionDenied
        );
        let staff = token(&servlet, 99, &[Scope::Admin]);
        assert_eq!(
            inspect(&servlet, &staff, 1, "  ").unwrap_err().code,
            Code::InvalidArgument
        );
        assert!(servlet.audit.latest(10).is_empty());
    }
}
