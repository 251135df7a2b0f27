//! Test support: repositories written as multi-file text (each `//- path` line starts a file,
//! as in rust-analyzer's fixtures), loaded into the model without touching the disk.

#![allow(dead_code)]

use orrery_codegen::GeneratedFile;
use orrery_model::{Snapshot, SourceText};

/// The snapshot discovery would read from the fixture's tree.
pub fn snapshot(fixture: &str) -> Snapshot {
    let mut snapshot = Snapshot::default();
    for file in files(fixture) {
        if file.path == "orrery.yaml" {
            snapshot.config = Some(file);
        } else if file.path.ends_with("/servlet.yaml") || file.path.ends_with("/library.yaml") {
            snapshot.manifests.push(file);
        } else if file.path.ends_with(".proto") {
            snapshot.protos.push(file);
        } else if file.path.ends_with("Cargo.toml") {
            snapshot.cargo_manifests.push(file);
        } else if file.path.ends_with(".rs") {
            snapshot.rust_files.push(file);
        } else if file.path.starts_with("templates/k8s/") {
            snapshot.templates.push(file);
        } else {
            panic!("the fixture's `{}` has no place in a snapshot", file.path);
        }
    }
    snapshot
}

fn files(fixture: &str) -> Vec<SourceText> {
    let mut files: Vec<SourceText> = Vec::new();
    for line in fixture.lines() {
        if let Some(path) = line.strip_prefix("//- ") {
            files.push(SourceText {
                path: path.trim().to_owned(),
                text: String::new(),
            });
        } else if let Some(file) = files.last_mut() {
            file.text.push_str(line);
            file.text.push('\n');
        }
    }
    files
}

/// The API crates of a fixture that must load without diagnostics.
pub fn api_crates(fixture: &str) -> (Vec<GeneratedFile>, Vec<String>) {
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot(fixture));
    assert_eq!(diagnostics, [], "the fixture loads cleanly");
    let (files, problems) = orrery_codegen::api_crates(&repository);
    (files, problems.iter().map(render).collect())
}

/// Everything `orrery gen` writes for a fixture that must load without diagnostics.
pub fn generate(fixture: &str) -> (Vec<GeneratedFile>, Vec<String>) {
    let snapshot = snapshot(fixture);
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot);
    assert_eq!(diagnostics, [], "the fixture loads cleanly");
    let graph = orrery_lint::resolve::build_graph(&repository, &snapshot).0;
    let (files, problems) = orrery_codegen::generate(&repository, &snapshot, &graph);
    (files, problems.iter().map(render).collect())
}

/// `path: message (help)`, what a test asserts about a diagnostic.
pub fn render(diagnostic: &orrery_model::Diagnostic) -> String {
    format!(
        "{}: {} ({})",
        diagnostic.location.path,
        diagnostic.message,
        diagnostic.help.as_deref().unwrap_or("no help")
    )
}

pub fn contents<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    files
        .iter()
        .find(|file| file.path == path)
        .map(|file| std::str::from_utf8(&file.contents).expect("a text file"))
        .unwrap_or_else(|| panic!("`{path}` is not generated"))
}
