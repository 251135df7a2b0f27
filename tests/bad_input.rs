//! Bad input: every kind gets a clear diagnostic and the right exit status, and none panics.
//! Unreadable files, non-UTF-8 files, symlink loops and malformed Cargo.toml leave the check
//! incomplete (exit 2); malformed YAML is a `manifest` violation (exit 1).

mod support;

use std::os::unix::fs::symlink;

use support::{fixture, orrery, write};

fn assert_no_panic(output: &support::Output) {
    assert!(
        !output.stderr.contains("panicked"),
        "orrery panicked:\n{}",
        output.stderr
    );
}

#[test]
fn malformed_yaml_is_a_manifest_violation_with_its_position() {
    let dir = fixture("clean");
    write(
        dir.path(),
        "servlets/home/servlet.yaml",
        "name: home\nowner: [web\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_file_that_is_not_utf8_is_an_input_error_at_the_bad_byte() {
    let dir = fixture("clean");
    write(
        dir.path(),
        "servlets/home/src/bad.rs",
        b"// caf\xe9\nuse ui::page;\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stdout);
}

/// Invalid Rust is still scanned for imports; a comment or string that never closes hides the
/// rest of the file, so the check is incomplete and says where.
#[test]
fn a_file_that_is_not_valid_rust_still_yields_its_imports() {
    let dir = fixture("clean");
    write(
        dir.path(),
        "servlets/home/src/lib.rs",
        "pub fn homepage( { use ui::page;\nlet s = \"unterminated\n",
    );
    write(dir.path(), "libs/ui/library.yaml", "name: ui\nowner: web\n");
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stdout);
}

/// Root reads a file whatever its mode, and CI runs as root; a dangling symlink is unreadable
/// for everyone.
#[test]
fn an_unreadable_file_is_an_input_error() {
    let dir = fixture("clean");
    symlink(
        dir.path().join("nowhere.rs"),
        dir.path().join("servlets/home/src/gone.rs"),
    )
    .unwrap();
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!("unreadable", out.stdout);
}

#[test]
fn a_symlink_loop_is_reported_and_the_walk_survives_it() {
    let dir = fixture("visibility");
    symlink("..", dir.path().join("servlets/web/src/loop")).unwrap();
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    let expected = "error[input]: symlink loop: `servlets/web/src/loop` leads back to `servlets/web`\n\
                    --> servlets/web/src/loop:1:1\n \
                    = help: remove the link, or point it outside the directory it lives in\n";
    assert!(out.stdout.contains(expected), "{}", out.stdout);
    // The rest of the tree was still checked.
    assert!(
        out.stdout.ends_with("orrery check: 10 violations\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_malformed_cargo_toml_is_an_input_error_with_its_position() {
    let dir = fixture("clean");
    write(
        dir.path(),
        "servlets/home/Cargo.toml",
        "[package]\nname = \"home\"\n[dependencies\nui = 1\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_50_mb_source_file_is_scanned_to_its_end() {
    let dir = fixture("clean");
    let mut text = String::with_capacity(51 << 20);
    let block = "/// A doc comment that mentions home::secret and \"strings\" with ui::page.\npub fn filler(x: u32) -> u32 { let s = \"home::nope\"; x.wrapping_mul(31) + s.len() as u32 }\n";
    while text.len() < 50 << 20 {
        text.push_str(block);
    }
    text.push_str("pub fn last() { vault::open() }\n");
    std::fs::write(dir.path().join("servlets/home/src/big.rs"), &text).unwrap();
    std::fs::create_dir_all(dir.path().join("libs/vault/src")).unwrap();
    write(
        dir.path(),
        "libs/vault/library.yaml",
        "name: vault\nowner: web\n",
    );
    write(
        dir.path(),
        "libs/vault/Cargo.toml",
        "[package]\nname = \"vault\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "libs/vault/src/lib.rs", "pub fn open() {}\n");
    let cargo = dir.path().join("servlets/home/Cargo.toml");
    std::fs::write(
        &cargo,
        std::fs::read_to_string(&cargo).unwrap() + "vault = { path = \"../../libs/vault\" }\n",
    )
    .unwrap();
    let out = orrery(dir.path(), &["check", "--format", "json"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let locations: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}:{}",
                d["rule"].as_str().unwrap(),
                d["location"]["path"].as_str().unwrap(),
                d["location"]["line"]
            )
        })
        .collect();
    let last_line = text.lines().count();
    assert_eq!(
        locations,
        [
            "visibility servlets/home/Cargo.toml:9".to_owned(),
            format!("visibility servlets/home/src/big.rs:{last_line}")
        ]
    );
}

/// Build output and tool state are not source: a violation hidden in `target/` or in a dotted
/// directory is not reported, while the same file one level up is.
#[test]
fn target_and_dotted_directories_are_not_walked() {
    let dir = fixture("clean");
    write(dir.path(), "libs/ui/library.yaml", "name: ui\nowner: web\n");
    let cargo = dir.path().join("servlets/home/Cargo.toml");
    std::fs::write(&cargo, "[package]\nname = \"home\"\nversion = \"0.1.0\"\n\n[dev-dependencies]\nui = { path = \"../../libs/ui\" }\n").unwrap();
    write(
        dir.path(),
        "servlets/home/src/lib.rs",
        "pub fn homepage() {}\n",
    );
    for hidden in [
        "servlets/home/target/debug/build",
        "servlets/home/.cache",
        "libs/.git/x",
    ] {
        std::fs::create_dir_all(dir.path().join(hidden)).unwrap();
        std::fs::write(
            dir.path().join(hidden).join("gen.rs"),
            "pub fn f() { ui::page() }\n",
        )
        .unwrap();
    }
    write(dir.path(), "libs/.git/x/library.yaml", "name: [broken\n");
    let out = orrery(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["servlets/home/Cargo.toml"]);
    assert_eq!(out.code, 1);

    write(
        dir.path(),
        "servlets/home/src/gen.rs",
        "pub fn f() { ui::page() }\n",
    );
    let out = orrery(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["servlets/home/Cargo.toml", "servlets/home/src/gen.rs"]
    );
}

#[test]
fn a_malformed_proto_is_an_input_error_with_its_position() {
    let dir = fixture("clean");
    std::fs::create_dir_all(dir.path().join("servlets/home/proto")).unwrap();
    write(
        dir.path(),
        "servlets/home/proto/home.proto",
        "syntax = \"proto3\";\nservice Home {\n  rpc Get(Missing) returns (Missing);\n}\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_malformed_orrery_yaml_says_which_checks_could_not_run() {
    let dir = fixture("visibility");
    write(
        dir.path(),
        "orrery.yaml",
        "teams: [web, platform\ngroups: {}\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_no_panic(&out);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
}
