//! `orrery affected --since REV` on a scripted git history of `tests/fixtures/affected.txt`:
//! servlets `a`, `b`, `c` and libraries `base` and `mid`, where `mid` depends on `base`, `a`
//! uses `mid`, `b` uses `base` and calls `c` through its API crate, `c` uses no library, and
//! `a` calls the external service `metadata`.

mod support;

use std::path::Path;

use support::{fixture, git, orrery, write};

/// The fixture, committed as the first revision of a fresh git repository.
fn repository() -> tempfile::TempDir {
    let dir = fixture("affected");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    let clean = orrery(dir.path(), &["check"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    dir
}

/// Appends a line to a file of the repository.
fn append(dir: &Path, path: &str, line: &str) {
    let text = std::fs::read_to_string(dir.join(path)).expect("read file");
    write(dir, path, format!("{text}{line}\n"));
}

/// The affected servlets' names, from the JSON output.
fn affected(dir: &Path, since: &str) -> Vec<String> {
    let out = orrery(dir, &["affected", "--since", since, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    report["servlets"]
        .as_array()
        .expect("servlets")
        .iter()
        .map(|servlet| servlet["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn a_library_change_marks_its_dependents_transitively_and_no_one_else() {
    let dir = repository();
    append(dir.path(), "libs/base/src/lib.rs", "pub fn more() {}");
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "a: depends on libs/base (through libs/mid): libs/base/src/lib.rs\n\
         b: depends on libs/base: libs/base/src/lib.rs\n"
    );

    git(dir.path(), &["checkout", "-q", "--", "."]);
    append(dir.path(), "libs/mid/Cargo.toml", "# a comment");
    assert_eq!(affected(dir.path(), "HEAD"), ["a"]);
}

#[test]
fn a_committed_handler_change_marks_only_its_servlet() {
    let dir = repository();
    append(dir.path(), "servlets/c/src/lib.rs", "pub fn more() {}");
    git(dir.path(), &["commit", "-qam", "c: more"]);
    assert_eq!(affected(dir.path(), "HEAD~1"), ["c"]);
    // Nothing changed since the commit itself.
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "orrery affected: no servlet changed since HEAD\n")
    );
}

#[test]
fn a_staged_visibility_change_marks_only_that_servlet() {
    let dir = repository();
    write(
        dir.path(),
        "servlets/c/servlet.yaml",
        "name: c\nowner: core\nvisibility: [\"//:everyone\"]\n",
    );
    git(dir.path(), &["add", "servlets/c/servlet.yaml"]);
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(out.stdout, "c: servlets/c/servlet.yaml changed\n");
}

#[test]
fn a_callee_api_change_marks_it_and_its_callers_in_exact_json() {
    let dir = repository();
    append(dir.path(), "servlets/c/proto/c.proto", "message Extra {}");
    let out = orrery(
        dir.path(),
        &["affected", "--since", "HEAD", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        r#"{
  "servlets": [
    {
      "name": "b",
      "reasons": [
        "calls c, whose API changed: servlets/c/proto/c.proto"
      ]
    },
    {
      "name": "c",
      "reasons": [
        "its API changed: servlets/c/proto/c.proto"
      ]
    }
  ],
  "since": "HEAD",
  "version": 1
}
"#
    );

    // The API crate counts as the API; b's own handlers do not concern c.
    git(dir.path(), &["checkout", "-q", "--", "."]);
    append(dir.path(), "servlets/c/api/src/lib.rs", "pub struct Extra;");
    assert_eq!(affected(dir.path(), "HEAD"), ["b", "c"]);
    git(dir.path(), &["checkout", "-q", "--", "."]);
    append(dir.path(), "servlets/b/src/lib.rs", "pub fn more() {}");
    assert_eq!(affected(dir.path(), "HEAD"), ["b"]);
}

#[test]
fn orrery_yaml_changes_count_by_section() {
    let dir = repository();
    let config = std::fs::read_to_string(dir.path().join("orrery.yaml")).unwrap();

    // Visibility and ownership are not deployable output.
    let groups = config.replace(
        "everyone: [\"//servlets/...\"]",
        "everyone: [\"//servlets/...\", \"-//servlets/a\"]\n  admins: [\"//servlets/c\"]",
    );
    assert_ne!(groups, config);
    write(dir.path(), "orrery.yaml", &groups);
    assert_eq!(affected(dir.path(), "HEAD"), [] as [&str; 0]);

    // An external service: only its callers.
    write(
        dir.path(),
        "orrery.yaml",
        config.replace("metadata.internal:443", "metadata.internal:8443"),
    );
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(out.stdout, "a: orrery.yaml: services.metadata changed\n");

    // Defaults: every servlet.
    write(
        dir.path(),
        "orrery.yaml",
        config.replace("cpu: 250m", "cpu: 500m"),
    );
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(
        out.stdout,
        "a: orrery.yaml: defaults changed\n\
         b: orrery.yaml: defaults changed\n\
         c: orrery.yaml: defaults changed\n"
    );

    // A revision without orrery.yaml: every servlet.
    git(dir.path(), &["checkout", "-q", "--", "."]);
    git(dir.path(), &["rm", "-q", "--cached", "orrery.yaml"]);
    git(dir.path(), &["commit", "-qm", "no orrery.yaml"]);
    assert_eq!(affected(dir.path(), "HEAD"), ["a", "b", "c"]);
}

#[test]
fn untracked_and_deleted_files_count() {
    let dir = repository();
    write(dir.path(), "servlets/a/src/new.rs", "pub fn new() {}\n");
    std::fs::remove_file(dir.path().join("servlets/b/src/extra.rs")).unwrap();
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(
        out.stdout,
        "a: servlets/a/src/new.rs changed\nb: servlets/b/src/extra.rs changed\n"
    );
}

#[test]
fn a_rename_counts_at_both_names() {
    let dir = repository();
    git(
        dir.path(),
        &["mv", "servlets/b/src/extra.rs", "libs/base/src/extra.rs"],
    );
    git(dir.path(), &["commit", "-qm", "move"]);
    assert_eq!(affected(dir.path(), "HEAD~1"), ["a", "b"]);
    let out = orrery(dir.path(), &["affected", "--since", "HEAD~1"]);
    assert_eq!(
        out.stdout,
        "a: depends on libs/base (through libs/mid): libs/base/src/extra.rs\n\
         b: depends on libs/base: libs/base/src/extra.rs; servlets/b/src/extra.rs changed\n"
    );
}

#[test]
fn generated_outputs_count_for_their_servlet_and_shared_inputs_for_all() {
    let dir = repository();
    append(dir.path(), "gen/k8s/b/deployment.yaml", "# more");
    append(dir.path(), "gen/servers/a/src/main.rs", "// more");
    // Not deployable output of any servlet.
    append(dir.path(), "gen/envoy/bootstrap.yaml", "# more");
    append(dir.path(), "README.md", "More.");
    write(dir.path(), "docs/affected.md", "notes\n");
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(
        out.stdout,
        "a: its generated server changed: gen/servers/a/src/main.rs\n\
         b: its generated deployment changed: gen/k8s/b/deployment.yaml\n"
    );

    git(dir.path(), &["checkout", "-q", "--", "."]);
    std::fs::remove_dir_all(dir.path().join("docs")).unwrap();
    write(dir.path(), "runtime/src/lib.rs", "pub fn serve() {}\n");
    assert_eq!(affected(dir.path(), "HEAD"), ["a", "b", "c"]);
    std::fs::remove_dir_all(dir.path().join("runtime")).unwrap();
    append(dir.path(), "Cargo.toml", "# more");
    let out = orrery(dir.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(
        out.stdout,
        "a: Cargo.toml changed (every servlet builds with it)\n\
         b: Cargo.toml changed (every servlet builds with it)\n\
         c: Cargo.toml changed (every servlet builds with it)\n"
    );
}

#[test]
fn a_servlet_that_is_gone_is_not_listed() {
    let dir = repository();
    std::fs::remove_dir_all(dir.path().join("servlets/a")).unwrap();
    append(dir.path(), "libs/mid/src/lib.rs", "// only a used this");
    append(dir.path(), "libs/base/src/lib.rs", "// b uses this");
    assert_eq!(affected(dir.path(), "HEAD"), ["b"]);
}

#[test]
fn a_bad_revision_or_no_git_repository_exits_2_with_git_s_message() {
    let dir = repository();
    let out = orrery(dir.path(), &["affected", "--since", "no-such-rev"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            2,
            "",
            "error: `git diff -z --name-only --no-renames --relative no-such-rev --` failed: \
             fatal: bad revision 'no-such-rev'\n"
        )
    );

    let outside = fixture("affected");
    let out = orrery(outside.path(), &["affected", "--since", "HEAD"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: `git rev-parse --git-dir` failed: fatal: not a git repository"),
        "{}",
        out.stderr
    );
}
