//! The generated Envoy config, judged by real Envoy: `--mode validate` on the example and on a
//! many-servlet fixture (and failing on a broken variant), then live HTTP/JSON, gRPC-Web and
//! native gRPC through Envoy to the monolith, and to one process per servlet.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use auth::{Scope, Session, Signer, UserId};
use prost::Message as _;
use serde_json::json;
use support::envoy::{self, Envoy, encode, free_port, request};
use support::{Server, binary};

const KEY: &str = "e2e-envoy-key";

fn mint(user: u64, scopes: &[Scope]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Signer::new(KEY).issue(&Session::new(UserId(user), scopes, now + 3600))
}

fn repository() -> orrery_model::Repository {
    let snapshot = orrery_lint::discover::discover(&envoy::root());
    orrery_model::repository::load(&snapshot).0
}

/// The committed bootstrap, with only the descriptor path pointed at the committed
/// descriptor set instead of the cluster's mount.
fn committed_bootstrap(dir: &Path) -> std::path::PathBuf {
    let root = envoy::root();
    let yaml = std::fs::read_to_string(root.join("gen/envoy/bootstrap.yaml")).unwrap();
    let descriptors = root
        .join("gen/envoy/descriptors.pb")
        .canonicalize()
        .unwrap();
    assert_eq!(
        yaml.matches(orrery_codegen::envoy::DESCRIPTOR_PATH).count(),
        1
    );
    let config = dir.join("bootstrap.yaml");
    std::fs::write(
        &config,
        yaml.replace(
            orrery_codegen::envoy::DESCRIPTOR_PATH,
            descriptors.to_str().unwrap(),
        ),
    )
    .unwrap();
    config
}

#[test]
fn envoy_validates_the_committed_bootstrap() {
    let Some(envoy) = envoy::binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let output = envoy::validate(&envoy, &committed_bootstrap(dir.path()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("OK"), "{stdout}");
}

#[test]
fn envoy_rejects_a_broken_variant_naming_what_is_wrong() {
    let Some(envoy) = envoy::binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = committed_bootstrap(dir.path());
    let yaml = std::fs::read_to_string(&config).unwrap();
    // A route to a cluster that does not exist.
    let broken = yaml.replacen("cluster: files", "cluster: filez", 1);
    assert_ne!(broken, yaml);
    std::fs::write(&config, broken).unwrap();
    let output = envoy::validate(&envoy, &config);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("unknown cluster 'filez'"), "{text}");
}

/// A repository of `count` servlets, each with two routes, generated in memory.
fn many_servlets(count: usize) -> orrery_model::Repository {
    let mut snapshot = orrery_model::Snapshot {
        config: Some(orrery_model::SourceText {
            path: "orrery.yaml".into(),
            text: "teams: [t]\nenvoy: { listen: \"0.0.0.0:8080\", admin: \"127.0.0.1:9901\" }\n"
                .into(),
        }),
        ..Default::default()
    };
    for index in 0..count {
        let name = format!("s{index:03}");
        snapshot.manifests.push(orrery_model::SourceText {
            path: format!("servlets/{name}/servlet.yaml"),
            text: format!("name: {name}\nowner: t\ntimeout_ms: {}\n", 1000 + index),
        });
        snapshot.protos.push(orrery_model::SourceText {
            path: format!("servlets/{name}/proto/{name}.proto"),
            text: format!(
                "syntax = \"proto3\";\npackage orrery.{name}.v1;\nimport \"google/api/annotations.proto\";\n\
                 service Api {{\n\
                   rpc Get(GetRequest) returns (Thing) {{ option (google.api.http) = {{ get: \"/v1/{name}/things/{{id}}\" }}; }}\n\
                   rpc Put(Thing) returns (Thing) {{ option (google.api.http) = {{ put: \"/v1/{name}/things/{{id}}\" body: \"*\" }}; }}\n\
                 }}\n\
                 message GetRequest {{ string id = 1; }}\nmessage Thing {{ string id = 1; string body = 2; }}\n"
            ),
        });
    }
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot);
    assert_eq!(diagnostics, []);
    repository
}

#[test]
fn envoy_validates_the_config_of_a_200_servlet_repository() {
    let Some(envoy) = envoy::binary() else { return };
    let repository = many_servlets(200);
    let (files, problems) = orrery_codegen::envoy::envoy_files(&repository);
    assert_eq!(problems, []);
    let dir = tempfile::tempdir().unwrap();
    let descriptors = dir.path().join("descriptors.pb");
    std::fs::write(&descriptors, &files[1].contents).unwrap();
    let yaml = String::from_utf8(files[0].contents.clone()).unwrap();
    assert_eq!(
        yaml.matches("cluster_name: s").count(),
        200,
        "a cluster each"
    );
    let config = dir.path().join("bootstrap.yaml");
    std::fs::write(
        &config,
        yaml.replace(
            orrery_codegen::envoy::DESCRIPTOR_PATH,
            descriptors.to_str().unwrap(),
        ),
    )
    .unwrap();
    let output = envoy::validate(&envoy, &config);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Envoy on free loopback ports in front of `servlets` (servlet → gRPC address).
fn start_envoy(envoy: &Path, dir: &Path, servlets: &BTreeMap<String, SocketAddr>) -> Envoy {
    let repository = repository();
    let descriptors = dir.join("descriptors.pb");
    std::fs::write(
        &descriptors,
        orrery_codegen::envoy::descriptor_set(&repository).unwrap(),
    )
    .unwrap();
    let (listen, admin) = (free_port(), free_port());
    let yaml = orrery_codegen::envoy::local_bootstrap(
        &repository,
        servlets,
        listen,
        admin,
        descriptors.to_str().unwrap(),
    )
    .unwrap();
    let config = dir.join("envoy.yaml");
    std::fs::write(&config, yaml).unwrap();
    Envoy::start(envoy, &config, listen, admin)
}

const SERVLETS: [&str; 6] = ["admin", "files", "home", "nav", "probe", "sharing"];

fn env() -> Vec<(&'static str, String)> {
    vec![("ORRERY_SIGNING_KEY", KEY.to_owned())]
}

#[tokio::test]
async fn every_example_route_answers_json_through_envoy_to_the_monolith() {
    let Some(envoy_binary) = envoy::binary() else {
        return;
    };
    let monolith = Server::start(&binary("monolith", "monolith"), &[], &env());
    let servlets = SERVLETS
        .iter()
        .map(|name| ((*name).to_owned(), monolith.grpc))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let envoy = start_envoy(&envoy_binary, dir.path(), &servlets);
    exercise_every_route(&envoy);
    errors_map_to_http(&envoy);
    grpc_and_grpc_web_share_the_listener(&envoy).await;
    let stats = request(envoy.admin, "GET", "/stats/prometheus", &[], "").unwrap();
    assert_eq!(stats.status, 200);
    assert!(
        stats
            .text()
            .contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"files\"}"),
        "{}",
        stats.text()
    );
}

#[tokio::test]
async fn the_same_routes_work_with_one_process_per_servlet() {
    let Some(envoy_binary) = envoy::binary() else {
        return;
    };
    // Callees first, so each caller gets its callees' addresses.
    let mut processes: BTreeMap<String, Server> = BTreeMap::new();
    for name in ["sharing", "nav", "probe", "files", "admin", "home"] {
        let mut env = env();
        for (callee, server) in &processes {
            env.push((
                Box::leak(orrery_runtime::endpoint_variable(callee).into_boxed_str()),
                server.uri(),
            ));
        }
        let package = format!("{name}_server");
        let server = Server::start(&binary(&package, &package), &[], &env);
        processes.insert(name.to_owned(), server);
    }
    let servlets = processes
        .iter()
        .map(|(name, server)| (name.clone(), server.grpc))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let envoy = start_envoy(&envoy_binary, dir.path(), &servlets);
    exercise_every_route(&envoy);
    // Each call went to its own servlet's process.
    let creates = r#"orrery_grpc_requests_total{code="OK",method="/orrery.sharing.v1.SharingService/CreateLink"}"#;
    assert_eq!(processes["sharing"].sample(creates), 3);
    assert_eq!(processes["files"].sample(creates), 0);
}

/// A JSON request through Envoy that must succeed; its JSON answer.
fn ok(envoy: &Envoy, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let response = if method == "GET" || method == "DELETE" {
        request(envoy.listen, method, path, &[], "").unwrap()
    } else {
        envoy.send(method, path, &body.to_string())
    };
    assert_eq!(response.status, 200, "{method} {path}: {}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    response.json()
}

fn exercise_every_route(envoy: &Envoy) {
    let user = mint(7, &[Scope::Read, Scope::Write, Scope::Share]);
    let staff = mint(1, &[Scope::Admin]);
    let t = encode(&user);
    let s = encode(&staff);

    // files
    let put = ok(
        envoy,
        "PUT",
        "/v1/files/entries/Docs/plan.pdf",
        json!({"token": user, "size": 1200}),
    );
    assert_eq!(put["entry"]["name"], "plan.pdf");
    assert_eq!(put["entry"]["kind"], "ENTRY_KIND_FILE");
    assert_eq!(put["entry"]["size"], "1200");
    assert_eq!(put["revision"], "1");
    ok(
        envoy,
        "PUT",
        "/v1/files/entries/notes.txt",
        json!({"token": user, "size": 400}),
    );
    let root = ok(
        envoy,
        "GET",
        &format!("/v1/files/folders?token={t}"),
        json!({}),
    );
    let paths: Vec<&str> = root["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["Docs", "notes.txt"], "{root}");
    let docs = ok(
        envoy,
        "GET",
        &format!("/v1/files/folders/Docs?token={t}"),
        json!({}),
    );
    assert_eq!(docs["entries"][0]["path"], "Docs/plan.pdf", "{docs}");
    let stat = ok(
        envoy,
        "GET",
        &format!("/v1/files/entries/Docs/plan.pdf?token={t}"),
        json!({}),
    );
    assert_eq!(stat["entry"]["size"], "1200");
    let recent = ok(
        envoy,
        "GET",
        &format!("/v1/files/recent?token={t}&limit=1"),
        json!({}),
    );
    assert_eq!(recent["entries"].as_array().unwrap().len(), 1, "{recent}");
    let shared = ok(
        envoy,
        "POST",
        "/v1/files/entries/Docs/plan.pdf:share",
        json!({"token": user, "ttl_secs": 600}),
    );
    let url = shared["url"].as_str().unwrap();
    let link_id = url.strip_prefix("https://www.example.com/s/").unwrap();
    let usage = ok(
        envoy,
        "GET",
        &format!("/v1/files/users/7/usage?token={s}"),
        json!({}),
    );
    assert_eq!(
        (&usage["file_count"], &usage["total_bytes"]),
        (&json!("2"), &json!("1600"))
    );

    // sharing
    let links = ok(
        envoy,
        "GET",
        &format!("/v1/sharing/links?token={t}"),
        json!({}),
    );
    assert_eq!(links["links"][0]["link_id"], link_id, "{links}");
    let resolved = ok(
        envoy,
        "GET",
        &format!("/v1/sharing/links/{link_id}"),
        json!({}),
    );
    assert_eq!(resolved["owner"], "7", "{resolved}");
    let created = ok(
        envoy,
        "POST",
        "/v1/sharing/links",
        json!({"token": user, "path": "notes.txt"}),
    );
    let second = created["link_id"].as_str().unwrap();
    let deleted = ok(
        envoy,
        "DELETE",
        &format!("/v1/sharing/links/{second}?token={t}"),
        json!({}),
    );
    assert_eq!(deleted["revoked"], true, "{deleted}");
    let third = ok(
        envoy,
        "POST",
        "/v1/sharing/links",
        json!({"token": user, "path": "notes.txt"}),
    );
    let third = third["link_id"].as_str().unwrap();
    let revoked = ok(
        envoy,
        "POST",
        &format!("/v1/sharing/links/{third}:revoke"),
        json!({"token": user}),
    );
    assert_eq!(revoked["revoked"], true, "{revoked}");

    // nav and home
    let menu = ok(
        envoy,
        "GET",
        &format!("/v1/nav/menu?token={t}&current_path=%2Ffiles"),
        json!({}),
    );
    let active: Vec<&str> = menu["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["active"] == true)
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["Files"], "{menu}");
    let home = ok(envoy, "GET", &format!("/v1/home/page?token={t}"), json!({}));
    assert!(
        home["html"].as_str().unwrap().contains("Docs/plan.pdf"),
        "{home}"
    );
    assert_eq!(home.get("degraded"), None, "{home}");

    // admin
    let inspected = ok(
        envoy,
        "GET",
        &format!("/v1/admin/users/7?token={s}&reason=ticket%2042"),
        json!({}),
    );
    assert_eq!(inspected["file_count"], "2", "{inspected}");
    let audit = ok(
        envoy,
        "GET",
        &format!("/v1/admin/audit?token={s}"),
        json!({}),
    );
    assert_eq!(audit["records"][0]["reason"], "ticket 42", "{audit}");

    // probe
    let echoed = ok(envoy, "POST", "/v1/probe/echo", json!({"message": "hi"}));
    assert_eq!(echoed["message"], "hi");
    let slept = ok(envoy, "POST", "/v1/probe/sleep", json!({"millis": 1}));
    assert_eq!(slept["slept_millis"], 1);
    let failed = envoy.send(
        "POST",
        "/v1/probe/fail",
        r#"{"code": 9, "message": "not now"}"#,
    );
    assert_eq!(
        failed.status,
        400,
        "FAILED_PRECONDITION → 400: {}",
        failed.text()
    );
    let panicked = envoy.send("POST", "/v1/probe/panic", "{}");
    assert_eq!(panicked.status, 500, "{}", panicked.text());
}

fn errors_map_to_http(envoy: &Envoy) {
    let t = encode(&mint(7, &[Scope::Read]));
    let missing = envoy.get(&format!("/v1/files/entries/nope.txt?token={t}"));
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert_eq!(missing.header("content-type"), Some("application/json"));
    assert_eq!(missing.json()["code"], 5, "{}", missing.text());
    let unknown_parameter = envoy.get(&format!("/v1/files/recent?token={t}&bogus=1"));
    assert_eq!(
        unknown_parameter.status,
        400,
        "{}",
        unknown_parameter.text()
    );
    let unknown_path = envoy.get("/v1/nowhere");
    assert_eq!(unknown_path.status, 404, "{}", unknown_path.text());
    // One byte over the limit, so Envoy has read the whole body when it answers.
    let limit = orrery_codegen::envoy::MAX_BODY_BYTES as usize;
    let frame = r#"{"message": ""}"#.len();
    let oversized = format!(r#"{{"message": "{}"}}"#, "x".repeat(limit + 1 - frame));
    assert_eq!(oversized.len(), limit + 1);
    let too_large = envoy.send("POST", "/v1/probe/echo", &oversized);
    assert_eq!(too_large.status, 413, "{}", too_large.text());
}

async fn grpc_and_grpc_web_share_the_listener(envoy: &Envoy) {
    // Native gRPC, through the generated typed client pointed at Envoy.
    let clients = orrery_runtime::Clients::from_environment(
        None,
        [(
            "ORRERY_ENDPOINT_PROBE".to_owned(),
            format!("http://{}", envoy.listen),
        )],
        4 << 20,
        4 << 20,
    )
    .unwrap();
    let echoed = probe_api::ProbeClient::new(&clients)
        .unwrap()
        .echo(probe_api::EchoRequest {
            message: "over grpc".into(),
        })
        .await
        .unwrap();
    assert_eq!(echoed.message, "over grpc");

    // gRPC-Web over HTTP/1.1: one length-prefixed message in, a message and trailers out.
    let message = probe_api::EchoRequest {
        message: "over grpc-web".into(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&message);
    let response = request(
        envoy.listen,
        "POST",
        "/orrery.probe.v1.ProbeService/Echo",
        &[
            ("content-type", "application/grpc-web+proto"),
            ("x-grpc-web", "1"),
        ],
        &frame,
    )
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/grpc-web+proto")
    );
    let body = &response.body;
    assert_eq!(body[0], 0, "a data frame first");
    let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    let answer = probe_api::EchoResponse::decode(&body[5..5 + length]).unwrap();
    assert_eq!(answer.message, "over grpc-web");
    let trailers = &body[5 + length..];
    assert_eq!(trailers[0], 0x80, "then the trailers frame");
    let trailers = String::from_utf8_lossy(&trailers[5..]);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
}
