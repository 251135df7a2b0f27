//! The Bazel files: a BUILD.bazel per component and generated crate, the groups as
//! package_groups, WORKSPACE and MODULE.bazel. Snapshots of every file of one repository, and
//! the visibility translation, label by label.

mod support;

use orrery_codegen::GeneratedFile;

const GREETER: &str = include_str!("fixtures/greeter.txt");

/// The greeter servlet (protos, handlers, so a server and the monolith), a servlet without
/// protos, libraries nested and renamed, a group with an exclusion, registry crates.
fn fixture() -> String {
    let greeter = GREETER
        .replace(
            "//- orrery.yaml\nteams: [demo]\n",
            "//- orrery.yaml\nteams: [demo]\ngroups:\n  web: [\"//servlets/...\", \"//libs/ui/...\", \"-//servlets/admin\"]\n",
        )
        .replace(
            "description: Greets people.\n",
            "description: Greets people.\nvisibility: [\"//:web\", \"//servlets/admin\"]\ncalls: [admin]\n",
        )
        .replace(
            "greeter_api = { path = \"api\" }\n",
            "greeter_api = { path = \"api\" }\n\
             ui = { path = \"../../libs/ui\" }\n\
             words = { package = \"text_utils\", path = \"../../libs/text\" }\n\
             serde = \"1\"\n\
             \n\
             [target.'cfg(unix)'.dependencies]\n\
             libc = \"0.2\"\n\
             \n\
             [dev-dependencies]\n\
             tokio = \"1\"\n",
        );
    format!(
        "{greeter}{}",
        r#"//- servlets/admin/servlet.yaml
name: admin
owner: demo
visibility: ["//servlets/greeter"]
//- servlets/admin/Cargo.toml
[package]
name = "admin"
version = "0.1.0"
edition = "2021"

[dependencies]
ui = { path = "../../libs/ui" }
//- libs/ui/library.yaml
name: ui
owner: demo
visibility: ["//:web"]
//- libs/ui/Cargo.toml
[package]
name = "ui"
version = "0.1.0"
edition = "2024"

[dependencies]
icons = { path = "icons" }
//- libs/ui/icons/library.yaml
name: icons
owner: demo
visibility: ["//libs/ui/..."]
//- libs/ui/icons/Cargo.toml
[package]
name = "ui-icons"
version = "0.1.0"

[lib]
name = "icons"
//- libs/text/library.yaml
name: text
owner: demo
visibility: ["public"]
//- libs/text/Cargo.toml
[package]
name = "text_utils"
version = "0.1.0"
edition = "2024"
"#
    )
}

fn bazel_files(fixture: &str) -> Vec<GeneratedFile> {
    let snapshot = support::snapshot(fixture);
    let analysis = orrery_lint::analyze(&snapshot);
    let (files, problems) =
        orrery_codegen::generate(&analysis.repository, &snapshot, &analysis.graph);
    assert_eq!(problems, [], "the fixture generates");
    files.into_iter().filter(is_bazel).collect()
}

fn is_bazel(file: &GeneratedFile) -> bool {
    let name = file.path.rsplit('/').next().unwrap();
    matches!(name, "BUILD.bazel" | "WORKSPACE" | "MODULE.bazel")
}

#[test]
fn every_component_and_generated_crate_gets_a_build_file() {
    let files = bazel_files(&fixture());
    let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "BUILD.bazel",
            "MODULE.bazel",
            "WORKSPACE",
            "gen/monolith/BUILD.bazel",
            "gen/servers/greeter/BUILD.bazel",
            "libs/text/BUILD.bazel",
            "libs/ui/BUILD.bazel",
            "libs/ui/icons/BUILD.bazel",
            "servlets/admin/BUILD.bazel",
            "servlets/greeter/BUILD.bazel",
            "servlets/greeter/api/BUILD.bazel",
        ]
    );
    for file in &files {
        let name = match file.path.as_str() {
            "BUILD.bazel" => "root_build".to_owned(),
            "MODULE.bazel" => "module_bazel".to_owned(),
            "WORKSPACE" => "workspace".to_owned(),
            path => path.trim_end_matches("/BUILD.bazel").replace('/', "_") + "_build",
        };
        insta::assert_snapshot!(name, file.as_text());
    }
}

#[test]
fn every_file_starts_with_the_generated_header() {
    for file in bazel_files(&fixture()) {
        assert!(
            orrery_codegen::is_generated(&file.contents),
            "{} has no header",
            file.path
        );
    }
}

#[test]
fn the_crates_repository_is_configurable() {
    let snapshot = support::snapshot(&fixture());
    let analysis = orrery_lint::analyze(&snapshot);
    let options = orrery_codegen::bazel::Options {
        crates_repository: "third_party".to_owned(),
    };
    let files = orrery_codegen::bazel::bazel_files(
        &analysis.repository,
        &analysis.graph,
        &snapshot,
        &[],
        &options,
    );
    let greeter = support::contents(&files, "servlets/greeter/BUILD.bazel");
    assert!(greeter.contains("\"@third_party//:serde\""), "{greeter}");
    let module = support::contents(&files, "MODULE.bazel");
    assert!(
        module.contains("use_repo(crate, \"third_party\")"),
        "{module}"
    );
}

#[test]
fn output_does_not_depend_on_the_order_files_were_read_in() {
    let mut snapshot = support::snapshot(&fixture());
    let analysis = orrery_lint::analyze(&snapshot);
    let (all, _) = orrery_codegen::generate(&analysis.repository, &snapshot, &analysis.graph);
    // What the Bazel files are generated from: every other file.
    let generated: Vec<GeneratedFile> = all.into_iter().filter(|f| !is_bazel(f)).collect();
    let options = orrery_codegen::bazel::Options::default();
    let first = orrery_codegen::bazel::bazel_files(
        &analysis.repository,
        &analysis.graph,
        &snapshot,
        &generated,
        &options,
    );
    snapshot.cargo_manifests.reverse();
    snapshot.manifests.reverse();
    let mut reversed = generated.clone();
    reversed.reverse();
    let second = orrery_codegen::bazel::bazel_files(
        &analysis.repository,
        &analysis.graph,
        &snapshot,
        &reversed,
        &options,
    );
    assert_eq!(first, second);
}
