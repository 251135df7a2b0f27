//! The root's Bazel files: `BUILD.bazel` with orrery.yaml's groups as `package_group`s, and
//! `WORKSPACE` (Bazel 6 and older) and `MODULE.bazel` (Bzlmod) declaring what the BUILD files
//! load: rules_rust with its toolchain and the `crates` repository crate_universe makes from
//! Cargo.lock, rules_proto, and the protobuf and googleapis protos servlets import.

use orrery_model::Repository;

use super::starlark::{Call, File, Statement, Value, load};
use super::visibility::{ApiPackages, packages};
use super::{BUILD, Options};
use crate::{GeneratedFile, header};

/// The versions the generated files pin. Each is a release whose archive hash is published.
struct Archive {
    name: &'static str,
    /// The Bazel Central Registry module.
    module: &'static str,
    version: &'static str,
    url: &'static str,
    sha256: &'static str,
    strip_prefix: Option<&'static str>,
}

const RULES_RUST: Archive = Archive {
    name: "rules_rust",
    module: "rules_rust",
    version: "0.61.0",
    url: "https://github.com/bazelbuild/rules_rust/releases/download/0.61.0/rules_rust-0.61.0.tar.gz",
    sha256: "53c1bac7ec48f7ce48c4c1c6aa006f27515add2aeb05725937224e6e00ec7cea",
    strip_prefix: None,
};

const RULES_PROTO: Archive = Archive {
    name: "rules_proto",
    module: "rules_proto",
    version: "7.1.0",
    url: "https://github.com/bazelbuild/rules_proto/releases/download/7.1.0/rules_proto-7.1.0.tar.gz",
    sha256: "14a225870ab4e91869652cfd69ef2028277fc1dc4910d65d353b62d6e0ae21f4",
    strip_prefix: Some("rules_proto-7.1.0"),
};

const PROTOBUF: Archive = Archive {
    name: "com_google_protobuf",
    module: "protobuf",
    version: "29.3",
    url: "https://github.com/protocolbuffers/protobuf/releases/download/v29.3/protobuf-29.3.tar.gz",
    sha256: "008a11cc56f9b96679b4c285fd05f46d317d685be3ab524b2a310be0fbad987e",
    strip_prefix: Some("protobuf-29.3"),
};

const GOOGLEAPIS: Archive = Archive {
    name: "com_google_googleapis",
    module: "googleapis",
    version: "0.0.0-20250826-a92cee39",
    url: "https://github.com/googleapis/googleapis/archive/a92cee399e0fc8afa2d460373b1085f543bc8d3f.tar.gz",
    sha256: "468056c3244b7a4f6a575a135b6b6dde280a3f219203a01c4a09d0cf504a4ba6",
    strip_prefix: Some("googleapis-a92cee399e0fc8afa2d460373b1085f543bc8d3f"),
};

/// The Rust toolchain rules_rust downloads.
const RUST_VERSION: &str = "1.86.0";

/// Without `[workspace.package] edition`, the toolchain's default edition.
const DEFAULT_EDITION: &str = "2021";

pub(super) fn root_files(
    repository: &Repository,
    apis: &ApiPackages,
    manifests: &[String],
    edition: Option<&str>,
    options: &Options,
) -> Vec<GeneratedFile> {
    let edition = edition.unwrap_or(DEFAULT_EDITION);
    vec![
        GeneratedFile::text(BUILD, groups(repository, apis)),
        GeneratedFile::text("WORKSPACE", workspace(manifests, edition, options)),
        GeneratedFile::text("MODULE.bazel", module(manifests, edition, options)),
    ]
}

/// orrery.yaml's groups, which visibility lists name as `//:NAME`.
fn groups(repository: &Repository, apis: &ApiPackages) -> String {
    let mut file = File::new([
        header(&["orrery.yaml".to_owned()]),
        "The groups of orrery.yaml, which `visibility` lists name as `//:NAME`. A servlet's API"
            .to_owned(),
        "package is in a group exactly when its servlet is: the API crate acts for its servlet."
            .to_owned(),
    ]);
    let groups = repository
        .config
        .iter()
        .flat_map(|config| config.groups.values());
    file.rules(groups.map(|group| {
        let specs = group.packages.iter().map(|spec| &spec.value);
        Call::new("package_group")
            .arg("name", Value::str(&group.name.value))
            .arg("packages", Value::list(packages(specs, apis)))
    }));
    file.print()
}

fn manifest_comments() -> Vec<String> {
    vec![
        header(&["the repository's Cargo.toml files".to_owned()]),
        "rules_rust and rules_proto for the BUILD files orrery writes, and `@crates`, the registry"
            .to_owned(),
        "crates of Cargo.lock as crate_universe makes them.".to_owned(),
    ]
}

fn workspace(manifests: &[String], edition: &str, options: &Options) -> String {
    let mut file = File::new(manifest_comments());
    file.block([load(
        "@bazel_tools//tools/build_defs/repo:http.bzl",
        &["http_archive"],
    )]);
    let mut archives = [&GOOGLEAPIS, &PROTOBUF, &RULES_PROTO, &RULES_RUST];
    archives.sort_by_key(|archive| archive.name);
    file.rules(archives.iter().map(|archive| {
        Call::new("http_archive")
            .arg("name", Value::str(archive.name))
            .arg("sha256", Value::str(archive.sha256))
            .arg_if("strip_prefix", archive.strip_prefix.map(Value::str))
            .arg("urls", Value::list([archive.url]))
    }));
    let call = |function: &str| Statement::Call(Call::new(function));
    file.block([load(
        "@rules_rust//rust:repositories.bzl",
        &["rules_rust_dependencies", "rust_register_toolchains"],
    )]);
    file.block([call("rules_rust_dependencies")]);
    file.block([Statement::Call(
        Call::new("rust_register_toolchains")
            .arg("edition", Value::str(edition))
            .arg("versions", Value::list([RUST_VERSION])),
    )]);
    file.block([load(
        "@com_google_protobuf//:protobuf_deps.bzl",
        &["protobuf_deps"],
    )]);
    file.block([call("protobuf_deps")]);
    file.block([load(
        "@rules_proto//proto:repositories.bzl",
        &["rules_proto_dependencies"],
    )]);
    file.block([call("rules_proto_dependencies")]);
    file.block([load(
        "@rules_proto//proto:toolchains.bzl",
        &["rules_proto_toolchains"],
    )]);
    file.block([call("rules_proto_toolchains")]);
    file.block([load(
        "@com_google_googleapis//:repository_rules.bzl",
        &["switched_rules_by_language"],
    )]);
    file.block([Statement::Call(
        Call::new("switched_rules_by_language")
            .arg("name", Value::str("com_google_googleapis_imports"))
            .inline(),
    )]);
    file.block([load(
        "@rules_rust//crate_universe:repositories.bzl",
        &["crate_universe_dependencies"],
    )]);
    file.block([call("crate_universe_dependencies")]);
    file.block([load(
        "@rules_rust//crate_universe:defs.bzl",
        &["crates_repository"],
    )]);
    file.block([Statement::Call(
        Call::new("crates_repository")
            .arg("name", Value::str(&options.crates_repository))
            .arg("cargo_lockfile", Value::str("//:Cargo.lock"))
            .arg("manifests", Value::list(manifests.to_vec())),
    )]);
    let crates = format!("@{}//:defs.bzl", options.crates_repository);
    file.block([load(&crates, &["crate_repositories"])]);
    file.block([call("crate_repositories")]);
    file.print()
}

fn module(manifests: &[String], edition: &str, options: &Options) -> String {
    let mut file = File::new(manifest_comments());
    let mut archives = [&GOOGLEAPIS, &PROTOBUF, &RULES_PROTO, &RULES_RUST];
    archives.sort_by_key(|archive| archive.module);
    file.block(archives.iter().map(|archive| {
        let repo_name = (archive.name != archive.module).then(|| Value::str(archive.name));
        Statement::Call(
            Call::new("bazel_dep")
                .arg("name", Value::str(archive.module))
                .arg("version", Value::str(archive.version))
                .arg_if("repo_name", repo_name)
                .inline(),
        )
    }));
    let proxy = |name: &str, module: &str| {
        Statement::Assign(
            name.to_owned(),
            Call::new("use_extension")
                .positional(Value::str(module))
                .positional(Value::str(name))
                .inline(),
        )
    };
    let use_repo = |proxy: &str, repository: &str| {
        Statement::Call(
            Call::new("use_repo")
                .positional(Value::Ident(proxy.to_owned()))
                .positional(Value::str(repository))
                .inline(),
        )
    };
    file.block([
        proxy("rust", "@rules_rust//rust:extensions.bzl"),
        Statement::Call(
            Call::new("rust.toolchain")
                .arg("edition", Value::str(edition))
                .arg("versions", Value::list([RUST_VERSION])),
        ),
        use_repo("rust", "rust_toolchains"),
    ]);
    file.block([Statement::Call(
        Call::new("register_toolchains").positional(Value::str("@rust_toolchains//:all")),
    )]);
    file.block([
        proxy("crate", "@rules_rust//crate_universe:extension.bzl"),
        Statement::Call(
            Call::new("crate.from_cargo")
                .arg("name", Value::str(&options.crates_repository))
                .arg("cargo_lockfile", Value::str("//:Cargo.lock"))
                .arg("manifests", Value::list(manifests.to_vec())),
        ),
        use_repo("crate", &options.crates_repository),
    ]);
    file.print()
}
