//! What Envoy's HTTP/JSON transcoding costs: `probe.Echo` as HTTP/JSON through Envoy to the
//! monolith, against native gRPC straight to the monolith, both loaded by `oha` (crates.io)
//! in the same run on loopback, with release builds.
//!
//! `cargo bench -p orrery-e2e --bench envoy` (installs nothing: run `scripts/bench` or
//! `cargo install --locked oha --root .tools/oha` first). `-- --seconds N --concurrency C`
//! changes the load.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use prost::Message as _;
use support::envoy::{self, Envoy, free_port};
use support::{Server, binary};

fn oha() -> PathBuf {
    let installed = envoy::root().join(".tools/oha/bin/oha");
    if installed.is_file() {
        return installed;
    }
    PathBuf::from("oha")
}

fn option(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|pair| pair[0] == name)
        .map_or_else(|| default.to_owned(), |pair| pair[1].clone())
}

/// One load run: requests per second and latency percentiles, from oha's JSON report.
struct Run {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn load(oha: &Path, url: &str, extra: &[&str], seconds: &str, concurrency: &str) -> Run {
    let output = Command::new(oha)
        .args(["--no-tui", "--output-format", "json", "-z"])
        .arg(format!("{seconds}s"))
        .args(["-c", concurrency, "-m", "POST"])
        .args(extra)
        .arg(url)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "run {}: {e}; install it with `cargo install --locked oha --root .tools/oha`",
                oha.display()
            )
        });
    assert!(
        output.status.success(),
        "oha failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("oha's JSON");
    let statuses = &report["statusCodeDistribution"];
    assert_eq!(
        statuses
            .as_object()
            .map(|codes| codes.keys().collect::<Vec<_>>()),
        Some(vec![&"200".to_owned()]),
        "every request answered 200: {report}"
    );
    let seconds = |value: &serde_json::Value| value.as_f64().expect("a number") * 1000.0;
    Run {
        requests_per_second: report["summary"]["requestsPerSec"]
            .as_f64()
            .expect("requestsPerSec"),
        p50_ms: seconds(&report["latencyPercentiles"]["p50"]),
        p99_ms: seconds(&report["latencyPercentiles"]["p99"]),
    }
}

fn main() {
    let seconds = option("--seconds", "10");
    let concurrency = option("--concurrency", "32");
    let oha = oha();
    let Some(envoy_binary) = envoy::binary() else {
        panic!("Envoy is not installed: run scripts/install-tools");
    };

    let monolith = Server::start(&binary("monolith", "monolith"), &[], &[]);
    let snapshot = orrery_lint::discover::discover(&envoy::root());
    let (repository, _) = orrery_model::repository::load(&snapshot);
    let servlets: BTreeMap<String, std::net::SocketAddr> = repository
        .apis
        .keys()
        .map(|id| {
            (
                id.as_str().trim_start_matches("servlets/").to_owned(),
                monolith.grpc,
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let descriptors = dir.path().join("descriptors.pb");
    std::fs::write(
        &descriptors,
        orrery_codegen::envoy::descriptor_set(&repository).unwrap(),
    )
    .unwrap();
    let (listen, admin) = (free_port(), free_port());
    let yaml = orrery_codegen::envoy::local_bootstrap(
        &repository,
        &servlets,
        listen,
        admin,
        descriptors.to_str().unwrap(),
    )
    .unwrap();
    // The access log stays on, as in production; Envoy's stdout goes to /dev/null.
    let config = dir.path().join("envoy.yaml");
    std::fs::write(&config, &yaml).unwrap();
    let envoy = Envoy::start(&envoy_binary, &config, listen, admin);

    let grpc_body = dir.path().join("echo.grpc");
    let message = probe_api::EchoRequest {
        message: "bench".into(),
    }
    .encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&message);
    std::fs::write(&grpc_body, frame).unwrap();
    let grpc_body = grpc_body.to_str().unwrap().to_owned();

    let json_url = format!("http://{}/v1/probe/echo", envoy.listen);
    let json_args = [
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"message":"bench"}"#,
    ];
    let grpc_url = format!("http://{}/orrery.probe.v1.ProbeService/Echo", monolith.grpc);
    let grpc_args = [
        "--http2",
        "-H",
        "content-type: application/grpc",
        "-H",
        "te: trailers",
        "-D",
        grpc_body.as_str(),
    ];

    // Warm-up, then the measured runs, alternating.
    load(&oha, &json_url, &json_args, "2", &concurrency);
    load(&oha, &grpc_url, &grpc_args, "2", &concurrency);
    let grpc = load(&oha, &grpc_url, &grpc_args, &seconds, &concurrency);
    let json = load(&oha, &json_url, &json_args, &seconds, &concurrency);

    println!(
        "probe.Echo on loopback, oha {seconds} s × {concurrency} connections each, release builds\n"
    );
    println!("| path | requests/s | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| gRPC straight to the monolith | {:.0} | {:.3} | {:.3} |",
        grpc.requests_per_second, grpc.p50_ms, grpc.p99_ms
    );
    println!(
        "| HTTP/JSON through Envoy to the monolith | {:.0} | {:.3} | {:.3} |",
        json.requests_per_second, json.p50_ms, json.p99_ms
    );
    println!(
        "| **Envoy + transcoding / direct** | **{:.2}×** throughput | {:.2}× | **{:.2}×** |",
        json.requests_per_second / grpc.requests_per_second,
        json.p50_ms / grpc.p50_ms,
        json.p99_ms / grpc.p99_ms,
    );
    drop(envoy);
}
