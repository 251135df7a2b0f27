//! The example app, served by the generated binaries as real processes on loopback and called
//! over gRPC with the generated typed clients: every method of every example servlet through
//! the monolith, and a call between servlets both in-process and across two processes.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use admin_api::{AdminClient, AuditLogRequest, InspectUserRequest};
use auth::{Scope, Session, Signer, UserId};
use files_api::{
    Code, EntryKind, FilesClient, ListFilesRequest, PutFileRequest, RecentFilesRequest,
    ShareFileRequest, StatFileRequest, UsageRequest,
};
use home_api::{HomeClient, HomepageRequest};
use nav_api::{MenuRequest, NavClient};
use probe_api::{EchoRequest, ProbeClient};
use sharing_api::{
    CreateLinkRequest, ListLinksRequest, ResolveLinkRequest, RevokeLinkRequest, SharingClient,
};
use support::{Server, binary};

const KEY: &str = "e2e-signing-key";
const USER: u64 = 7;
const STAFF: u64 = 1;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn mint(user: u64, scopes: &[Scope]) -> String {
    Signer::new(KEY).issue(&Session::new(UserId(user), scopes, now() + 3600))
}

fn user_token() -> String {
    mint(USER, &[Scope::Read, Scope::Write, Scope::Share])
}

fn start(package: &str, args: &[&str], env: &[(&str, String)]) -> Server {
    let mut env = env.to_vec();
    env.push(("ORRERY_SIGNING_KEY", KEY.to_owned()));
    Server::start(&binary(package, package), args, &env)
}

const ALL: [&str; 6] = ["admin", "files", "home", "nav", "probe", "sharing"];

#[tokio::test]
async fn the_monolith_serves_every_example_method() {
    let monolith = start("monolith", &[], &[]);
    let clients = monolith.clients(&ALL);
    let files = FilesClient::new(&clients).unwrap();
    let sharing = SharingClient::new(&clients).unwrap();
    let token = user_token();

    // files: writes, listings, lookups.
    let plan = files
        .put_file(PutFileRequest {
            token: token.clone(),
            path: "Docs/plan.pdf".into(),
            size: 1200,
        })
        .await
        .unwrap();
    let entry = plan.entry.unwrap();
    assert_eq!(
        (
            entry.name.as_str(),
            entry.path.as_str(),
            entry.kind(),
            entry.size
        ),
        ("plan.pdf", "Docs/plan.pdf", EntryKind::File, 1200)
    );
    assert_eq!(plan.revision, 1);
    for size in [300, 400] {
        files
            .put_file(PutFileRequest {
                token: token.clone(),
                path: "notes.txt".into(),
                size,
            })
            .await
            .unwrap();
    }
    let root = files
        .list_files(ListFilesRequest {
            token: token.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let listed: Vec<(&str, EntryKind, u64)> = root
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.kind(), e.size))
        .collect();
    assert_eq!(
        listed,
        [
            ("Docs", EntryKind::Folder, 1200),
            ("notes.txt", EntryKind::File, 400)
        ]
    );
    assert_eq!(root.next_page_token, None);
    let notes = files
        .stat_file(StatFileRequest {
            token: token.clone(),
            path: "notes.txt".into(),
        })
        .await
        .unwrap();
    assert_eq!((notes.entry.unwrap().size, notes.revision), (400, 2));
    let missing = files
        .stat_file(StatFileRequest {
            token: token.clone(),
            path: "nope.txt".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let recent = files
        .recent_files(RecentFilesRequest {
            token: token.clone(),
            limit: 10,
        })
        .await
        .unwrap();
    let mut recent: Vec<&str> = recent.entries.iter().map(|e| e.path.as_str()).collect();
    recent.sort();
    assert_eq!(recent, ["Docs/plan.pdf", "notes.txt"]);

    // files → sharing, in-process: the monolith hosts both.
    let shared = files
        .share_file(ShareFileRequest {
            token: token.clone(),
            path: "Docs/plan.pdf".into(),
            ttl_secs: Some(600),
        })
        .await
        .unwrap();
    let link_id = shared
        .url
        .strip_prefix("https://www.example.com/s/")
        .unwrap_or_else(|| panic!("a share URL: {}", shared.url))
        .to_owned();
    assert!((now() + 590..=now() + 600).contains(&shared.expires_at));

    // sharing, directly.
    let links = sharing
        .list_links(ListLinksRequest {
            token: token.clone(),
        })
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = links
        .links
        .iter()
        .map(|l| (l.link_id.as_str(), l.path.as_str()))
        .collect();
    assert_eq!(listed, [(link_id.as_str(), "Docs/plan.pdf")]);
    let resolved = sharing
        .resolve_link(ResolveLinkRequest {
            link_id: link_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(resolved.owner, USER);
    assert!(resolved.key.ends_with("Docs/plan.pdf"), "{}", resolved.key);
    let created = sharing
        .create_link(CreateLinkRequest {
            token: token.clone(),
            path: "notes.txt".into(),
            ttl_secs: None,
        })
        .await
        .unwrap();
    let revoked = sharing
        .revoke_link(RevokeLinkRequest {
            token: token.clone(),
            link_id: created.link_id.clone(),
        })
        .await
        .unwrap();
    assert!(revoked.revoked);
    let gone = sharing
        .resolve_link(ResolveLinkRequest {
            link_id: created.link_id,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);

    // nav, and home → nav + files.
    let menu = NavClient::new(&clients)
        .unwrap()
        .build_menu(MenuRequest {
            token: token.clone(),
            current_path: "/files/Docs".into(),
        })
        .await
        .unwrap();
    let active: Vec<(&str, bool)> = menu
        .entries
        .iter()
        .map(|e| (e.label.as_str(), e.active))
        .collect();
    assert_eq!(
        active,
        [
            ("Home", false),
            ("Files", true),
            ("Shared", false),
            ("Upgrade", false)
        ]
    );
    let home = HomeClient::new(&clients)
        .unwrap()
        .get_homepage(HomepageRequest {
            token: token.clone(),
        })
        .await
        .unwrap();
    assert_eq!(home.degraded, Vec::<i32>::new(), "{}", home.html);
    assert!(home.html.contains("Docs/plan.pdf"), "{}", home.html);
    assert!(home.html.contains("notes.txt"), "{}", home.html);

    // files.Usage for staff, and admin → files.
    let staff = mint(STAFF, &[Scope::Admin]);
    let usage = files
        .usage(UsageRequest {
            token: staff.clone(),
            user_id: USER,
        })
        .await
        .unwrap();
    assert_eq!(
        (
            usage.file_count,
            usage.total_bytes,
            usage.largest.unwrap().path
        ),
        (2, 1600, "Docs/plan.pdf".to_owned())
    );
    let admin = AdminClient::new(&clients).unwrap();
    let inspected = admin
        .inspect_user(InspectUserRequest {
            token: staff.clone(),
            user_id: USER,
            reason: "ticket 42".into(),
        })
        .await
        .unwrap();
    assert_eq!((inspected.file_count, inspected.total_bytes), (2, 1600));
    assert!(
        inspected.report.contains("Docs/plan.pdf"),
        "{}",
        inspected.report
    );
    let audit = admin
        .audit_log(AuditLogRequest {
            token: staff,
            limit: 10,
        })
        .await
        .unwrap();
    let records: Vec<(u64, u64, &str)> = audit
        .records
        .iter()
        .map(|r| (r.staff, r.user_id, r.reason.as_str()))
        .collect();
    assert_eq!(records, [(STAFF, USER, "ticket 42")]);

    // probe.
    let echoed = ProbeClient::new(&clients)
        .unwrap()
        .echo(EchoRequest {
            message: "hello".into(),
        })
        .await
        .unwrap();
    assert_eq!(echoed.message, "hello");

    // Every call above, and the in-process ones between servlets, went through an adapter.
    for (method, calls) in [
        ("/orrery.files.v1.FilesService/PutFile", 3),
        ("/orrery.sharing.v1.SharingService/CreateLink", 2),
        ("/orrery.files.v1.FilesService/RecentFiles", 2),
        ("/orrery.nav.v1.NavService/BuildMenu", 2),
        ("/orrery.files.v1.FilesService/Usage", 2),
    ] {
        let series = format!(r#"orrery_grpc_request_duration_seconds_count{{method="{method}"}}"#);
        assert_eq!(monolith.sample(&series), calls, "{series}");
    }
}

/// A share through files: the link it returns, and whether sharing resolves it.
async fn share_through_files(files: &FilesClient, sharing: &SharingClient) -> String {
    let token = user_token();
    files
        .put_file(PutFileRequest {
            token: token.clone(),
            path: "a.txt".into(),
            size: 1,
        })
        .await
        .unwrap();
    let shared = files
        .share_file(ShareFileRequest {
            token,
            path: "a.txt".into(),
            ttl_secs: None,
        })
        .await
        .unwrap();
    let link_id = shared.url.rsplit('/').next().unwrap().to_owned();
    let resolved = sharing
        .resolve_link(ResolveLinkRequest {
            link_id: link_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(resolved.owner, USER);
    link_id
}

const CREATE_LINK: &str = r#"orrery_grpc_requests_total{code="OK",method="/orrery.sharing.v1.SharingService/CreateLink"}"#;

#[tokio::test]
async fn a_call_between_servlets_works_in_process_and_across_two_processes() {
    // In process: the monolith hosts files and sharing, and is given no address for sharing,
    // so files' client can only be calling sharing's adapter directly.
    let together = start("monolith", &["--servlets", "files,sharing"], &[]);
    let clients = together.clients(&["files", "sharing"]);
    share_through_files(
        &FilesClient::new(&clients).unwrap(),
        &SharingClient::new(&clients).unwrap(),
    )
    .await;
    assert_eq!(together.sample(CREATE_LINK), 1);

    // Across processes: each servlet's own server binary, files reaching sharing over gRPC.
    let sharing_process = start("sharing_server", &[], &[]);
    let files_process = start(
        "files_server",
        &[],
        &[("ORRERY_ENDPOINT_SHARING", sharing_process.uri())],
    );
    share_through_files(
        &FilesClient::new(&files_process.clients(&["files"])).unwrap(),
        &SharingClient::new(&sharing_process.clients(&["sharing"])).unwrap(),
    )
    .await;
    assert_eq!(sharing_process.sample(CREATE_LINK), 1);
    assert_eq!(
        files_process.sample(CREATE_LINK),
        0,
        "sharing did not run in the files process"
    );
}

#[tokio::test]
async fn a_servlet_whose_callee_has_no_address_does_not_start() {
    let binary = binary("files_server", "files_server");
    let output = std::process::Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        .env_remove("ORRERY_ENDPOINT_SHARING")
        .env("ORRERY_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot build a client of servlet `sharing`: it is not hosted in this process and has no address: set ORRERY_ENDPOINT_SHARING (or list it in the --discovery file) to a URI such as http://127.0.0.1:50051\n"
    );
}
