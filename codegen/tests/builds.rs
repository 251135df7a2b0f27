//! The generated API crates build with plain cargo: the example app's, and a fixture where one
//! servlet's API uses another's and the well-known types.
//!
//! They are laid out, at their repository paths, in a standalone workspace under
//! `target/codegen-check/`, with the main workspace's lockfile, and built offline with
//! warnings denied. The directory and its target dir persist, so only changes are rebuilt.

mod support;

use std::path::Path;
use std::process::Command;

use orrery_codegen::GeneratedFile;

#[test]
fn the_generated_api_crates_build() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (repository, _) = orrery_model::repository::load(&orrery_lint::discover::discover(&root));
    let (mut files, problems) = orrery_codegen::api_crates(&repository);
    assert_eq!(problems, [], "the example app's APIs generate");
    let servlets = ["admin", "files", "home", "nav", "sharing"];
    let manifests: Vec<String> = servlets
        .iter()
        .map(|name| format!("servlets/{name}/api/Cargo.toml"))
        .collect();
    assert!(
        manifests
            .iter()
            .all(|path| files.iter().any(|file| &file.path == path)),
        "every example servlet has an API crate"
    );
    let (fixture, problems) = support::api_crates(include_str!("fixtures/cross_servlet.txt"));
    assert_eq!(problems, Vec::<String>::new());
    files.extend(fixture.into_iter().map(|file| GeneratedFile {
        path: format!("fixture/{}", file.path),
        ..file
    }));

    let check = root.join("target/codegen-check");
    let workspace = check.join("workspace");
    lay_out(&workspace, &files, &root);
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", check.join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo build failed in {}:\n{}",
        workspace.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The files, a `[workspace]` manifest listing every generated crate, and the main lockfile,
/// so that the same versions resolve offline. Unchanged files are not rewritten, so cargo
/// does not rebuild what did not change.
fn lay_out(workspace: &Path, files: &[GeneratedFile], root: &Path) {
    let members: Vec<String> = files
        .iter()
        .filter_map(|file| file.path.strip_suffix("/Cargo.toml"))
        .map(|directory| format!("{directory:?}"))
        .collect();
    // Generated crates take the runtime from the workspace, as in a real repository.
    let runtime = root
        .join("runtime")
        .canonicalize()
        .expect("the runtime crate");
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[workspace.dependencies]\norrery-runtime = {{ path = {:?} }}\n",
        members.join(", "),
        runtime.display().to_string()
    );
    let lockfile = std::fs::read_to_string(root.join("Cargo.lock")).expect("read Cargo.lock");
    write_if_changed(&workspace.join("Cargo.toml"), manifest.as_bytes());
    write_if_changed(&workspace.join("Cargo.lock"), lockfile.as_bytes());
    for file in files {
        write_if_changed(&workspace.join(&file.path), &file.contents);
    }
}

fn write_if_changed(path: &Path, contents: &[u8]) {
    if std::fs::read(path).is_ok_and(|existing| existing == contents) {
        return;
    }
    let directory = path.parent().expect("a file has a directory");
    std::fs::create_dir_all(directory).expect("create the directory");
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
