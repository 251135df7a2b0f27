//! `codegen/src/envoy/envoy.fds`, the descriptors `envoy::yaml` writes Envoy's configuration
//! with, is compiled from the .proto files the `envoy-types` package ships. This test compiles
//! them again and fails on any difference; `ORRERY_BLESS=1 cargo test -p orrery-codegen --test
//! envoy_descriptors` rewrites the file instead (after an `envoy-types` upgrade, say).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The messages orrery writes into Envoy's configuration, directly or inside an `Any`. Their
/// imports come along.
const ROOTS: &[&str] = &[
    "envoy/config/bootstrap/v3/bootstrap.proto",
    "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
    "envoy/extensions/filters/http/grpc_json_transcoder/v3/transcoder.proto",
    "envoy/extensions/filters/http/grpc_web/v3/grpc_web.proto",
    "envoy/extensions/filters/http/buffer/v3/buffer.proto",
    "envoy/extensions/filters/http/router/v3/router.proto",
    "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
    "envoy/extensions/access_loggers/stream/v3/stream.proto",
    "envoy/extensions/transport_sockets/tls/v3/tls.proto",
];

/// The proto roots under the package's `proto/`, as envoy-types' own build uses them.
const INCLUDES: &[&str] = &[
    "data-plane-api",
    "xds",
    "googleapis",
    "protoc-gen-validate",
    "cel-spec/proto",
    "client_model",
    "opentelemetry-proto",
    "ratelimit",
];

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/envoy/envoy.fds");

#[test]
fn committed_descriptor_set_is_compiled_from_envoy_types() {
    let compiled = compile(&envoy_types_dir().join("proto"));
    if std::env::var_os("ORRERY_BLESS").is_some_and(|value| value == "1") {
        std::fs::write(COMMITTED, &compiled).expect("write envoy.fds");
        return;
    }
    let committed = std::fs::read(COMMITTED).expect("read envoy.fds");
    assert!(
        committed == compiled,
        "codegen/src/envoy/envoy.fds ({} bytes) differs from the descriptor set compiled from \
         envoy-types ({} bytes); rerun with ORRERY_BLESS=1 to rewrite it",
        committed.len(),
        compiled.len(),
    );
}

/// The encoded `FileDescriptorSet` of [`ROOTS`] and their imports, without source info. Encoded
/// by protox itself, which keeps the extension options (validate rules, annotations).
fn compile(proto: &Path) -> Vec<u8> {
    let includes = INCLUDES.iter().map(|include| proto.join(include));
    let mut compiler = protox::Compiler::new(includes).expect("include paths");
    compiler.include_imports(true).include_source_info(false);
    if let Err(error) = compiler.open_files(ROOTS) {
        panic!("compile Envoy's protos: {error}");
    }
    compiler.encode_file_descriptor_set()
}

/// Where Cargo unpacked the `envoy-types` package this workspace resolves to.
fn envoy_types_dir() -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let manifests: Vec<&str> = metadata["packages"]
        .as_array()
        .expect("cargo metadata lists packages")
        .iter()
        .filter(|package| package["name"] == "envoy-types")
        .filter_map(|package| package["manifest_path"].as_str())
        .collect();
    let [manifest] = manifests[..] else {
        panic!("expected one envoy-types package in cargo metadata, found {manifests:?}");
    };
    Path::new(manifest)
        .parent()
        .expect("a manifest lives in its package's directory")
        .to_owned()
}
