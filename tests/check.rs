//! `orrery check` end to end: each fixture repository under tests/fixtures is written to a
//! temporary directory and checked by the real binary; the exact output and exit status are
//! asserted.

mod support;

use std::path::Path;

use support::{fixture, git, orrery, write};

/// Checks a fixture in human and JSON form, asserting the exit status of both.
fn check(name: &str, code: i32) {
    let dir = fixture(name);
    let human = orrery(dir.path(), &["check"]);
    assert_eq!(
        human.code, code,
        "exit status of `orrery check` on {name}\n{}{}",
        human.stdout, human.stderr
    );
    insta::assert_snapshot!(format!("{name}.human"), human.stdout);
    let json = orrery(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        json.code, code,
        "exit status of `orrery check --format json` on {name}"
    );
    insta::assert_snapshot!(format!("{name}.json"), json.stdout);
}

#[test]
fn clean() {
    check("clean", 0);
}

#[test]
fn visibility() {
    check("visibility", 1);
}

#[test]
fn private_servlet() {
    check("private_servlet", 1);
}

#[test]
fn undeclared_call() {
    check("undeclared_call", 1);
}

#[test]
fn cycle() {
    check("cycle", 1);
}

#[test]
fn manifest() {
    check("manifest", 1);
}

#[test]
fn owner() {
    check("owner", 1);
}

/// A repository with a violation of every rule at once, in every output format.
#[test]
fn many_violations_in_every_format() {
    check("many", 1);
    let dir = fixture("many");
    let github = orrery(dir.path(), &["check", "--format", "github"]);
    assert_eq!(github.code, 1);
    insta::assert_snapshot!("many.github", github.stdout);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_what_github_code_scanning_needs() {
    let dir = fixture("many");
    let sarif = orrery(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let validator = jsonschema::draft7::new(&sarif_schema()).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );

    // GitHub code scanning requires more than the schema does.
    let run = &log["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !rule[field]["text"].as_str().unwrap_or("").is_empty(),
                "rule {} lacks {field}",
                rule["id"]
            );
        }
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        orrery(dir.path(), &["check", "--format", "json"])
            .stdout
            .matches("\"rule\":")
            .count()
    );
    for result in results {
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64() >= Some(1)
                && region["endColumn"].as_u64() > region["startColumn"].as_u64()
        );
    }
    insta::assert_snapshot!("many.sarif", sarif.stdout);
}

#[test]
fn the_baseline_fails_only_new_violations_and_stale_entries() {
    let dir = fixture("visibility");
    let written = orrery(dir.path(), &["check", "--write-todo"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(
        written.stderr,
        "wrote orrery-todo.yaml with 9 violation(s)\n"
    );
    insta::assert_snapshot!(
        "visibility.todo",
        std::fs::read_to_string(dir.path().join("orrery-todo.yaml")).unwrap()
    );
    assert_eq!(
        orrery(dir.path(), &["check"]).stdout,
        "orrery check: 7 components, no violations (9 known in orrery-todo.yaml)\n"
    );

    // A new violation fails; the known ones stay quiet.
    let lib = dir.path().join("servlets/web/src/lib.rs");
    std::fs::write(
        &lib,
        "pub fn render() { web_kit::button() }\npub fn leak() { vault::secret(); }\n",
    )
    .unwrap();
    let cargo = dir.path().join("servlets/web/Cargo.toml");
    let manifest =
        std::fs::read_to_string(&cargo).unwrap() + "vault = { path = \"../../libs/vault\" }\n";
    std::fs::write(&cargo, manifest).unwrap();
    let new = orrery(dir.path(), &["check"]);
    assert_eq!(new.code, 1);
    insta::assert_snapshot!("visibility.new_after_baseline", new.stdout);

    // Fixing a recorded violation makes its entry stale, which fails until it is deleted.
    std::fs::write(&lib, "pub fn render() { web_kit::button() }\n").unwrap();
    std::fs::write(&cargo, "[package]\nname = \"web\"\nversion = \"0.1.0\"\n\n[dependencies]\nweb_kit = { path = \"../../libs/web_kit\" }\n").unwrap();
    write(
        dir.path(),
        "servlets/webhooks/src/lib.rs",
        "pub fn deliver() { web_kit::button(); }\n",
    );
    let stale = orrery(dir.path(), &["check"]);
    assert_eq!(stale.code, 1);
    insta::assert_snapshot!("visibility.stale", stale.stdout);
}

#[test]
fn checking_files_reports_exactly_the_full_checks_violations_in_those_files() {
    let dir = fixture("many");
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&orrery(dir.path(), args).stdout).unwrap()
    };
    let full = json(&["check", "--format", "json"]);
    let graph = json(&["graph", "--format", "json"]);
    let all = full["diagnostics"].as_array().unwrap();
    let mut files: Vec<&str> = all
        .iter()
        .map(|d| d["location"]["path"].as_str().unwrap())
        .collect();
    files.extend(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["evidence"].as_array().unwrap())
            .map(|e| e["path"].as_str().unwrap()),
    );
    files.sort();
    files.dedup();
    for file in files {
        let expected: Vec<&serde_json::Value> = all
            .iter()
            .filter(|d| {
                d["location"]["path"] == file
                    || d["related"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r["location"]["path"] == file)
                    || (d["rule"] == "cycle" && cycle_has_evidence_in(d, &graph, file))
            })
            .collect();
        let scoped = json(&["check", "--format", "json", file]);
        let got: Vec<&serde_json::Value> =
            scoped["diagnostics"].as_array().unwrap().iter().collect();
        assert_eq!(got, expected, "violations reported for {file}");
    }
}

/// Does any edge between the components of this cycle have evidence in `file`? (Every edge
/// between them lies on some cycle when, as in the `many` fixture, each cycle is alone.)
fn cycle_has_evidence_in(
    diagnostic: &serde_json::Value,
    graph: &serde_json::Value,
    file: &str,
) -> bool {
    let members: Vec<&serde_json::Value> = diagnostic["cycle"].as_array().unwrap().iter().collect();
    graph["edges"].as_array().unwrap().iter().any(|edge| {
        members.contains(&&edge["from"])
            && members.contains(&&edge["to"])
            && edge["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["path"] == file)
    })
}

#[test]
fn changed_since_a_revision_covers_committed_edits_and_untracked_files() {
    let dir = fixture("clean");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "clean"]);
    assert_eq!(orrery(dir.path(), &["check", "--changed"]).code, 0);

    // An untracked library that home may not see, and an edit to home that uses it.
    std::fs::create_dir_all(dir.path().join("libs/secret/src")).unwrap();
    write(
        dir.path(),
        "libs/secret/library.yaml",
        "name: secret\nowner: web\n",
    );
    write(
        dir.path(),
        "libs/secret/Cargo.toml",
        "[package]\nname = \"secret\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "libs/secret/src/lib.rs", "pub fn key() {}\n");
    write(
        dir.path(),
        "servlets/home/Cargo.toml",
        "[package]\nname = \"home\"\nversion = \"0.1.0\"\n\n[dependencies]\nui = { path = \"../../libs/ui\" }\nsecret = { path = \"../../libs/secret\" }\n",
    );
    let changed = orrery(
        dir.path(),
        &["check", "--changed", "HEAD", "--format", "json"],
    );
    assert_eq!(changed.code, 1);
    let report: serde_json::Value = serde_json::from_str(&changed.stdout).unwrap();
    let found: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap(),
                d["location"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, [("visibility", "servlets/home/Cargo.toml")]);

    // Only the library is new: the violation's evidence is in home's Cargo.toml, not in it.
    let library_only = orrery(dir.path(), &["check", "libs/secret/src/lib.rs"]);
    assert_eq!(library_only.code, 0, "{}", library_only.stdout);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let outside = orrery(dir.path(), &["check"]);
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.starts_with("error: no orrery.yaml in `"),
        "{}",
        outside.stderr
    );
    assert!(
        outside
            .stderr
            .ends_with("` or any parent; run orrery inside a repository or pass --root\n")
    );

    let repo = fixture("clean");
    assert_eq!(orrery(repo.path(), &["check", "--format", "xml"]).code, 2);
    let why = orrery(repo.path(), &["why", "servlets/hom", "libs/ui"]);
    assert_eq!(
        (why.code, why.stderr.as_str()),
        (
            2,
            "error: no component `servlets/hom`; did you mean `servlets/home`?\n"
        )
    );
    let file = orrery(repo.path(), &["check", "/etc/passwd"]);
    assert_eq!(file.code, 2);
}

#[test]
fn graph_and_why_show_the_real_edges_with_evidence() {
    let dir = fixture("cycle");
    let why = orrery(dir.path(), &["why", "libs/b", "libs/a"]);
    assert_eq!(why.code, 0);
    assert_eq!(
        why.stdout,
        "`libs/b` depends on `libs/a` through 1 edge:\n  `libs/b` → `libs/a`\n      libs/b/Cargo.toml:6:1 (Cargo.toml dependency)\n      libs/b/src/lib.rs:1:5 (use)\n"
    );
    let none = orrery(dir.path(), &["why", "servlets/echo", "libs/a"]);
    assert_eq!(
        (none.code, none.stdout.as_str()),
        (1, "`servlets/echo` does not depend on `libs/a`\n")
    );
    for format in ["dot", "mermaid", "json"] {
        let graph = orrery(dir.path(), &["graph", "--format", format, "libs/b"]);
        assert_eq!(graph.code, 0);
        insta::assert_snapshot!(format!("cycle.graph.{format}"), graph.stdout);
    }
}

/// Each way of reaching another component is caught, one file per form; the look-alikes
/// (strings, comments, a local module named like the library, a registry crate named like a
/// local library) are not.
#[test]
fn every_evasion_is_caught_and_no_lookalike_is() {
    check("evasions", 1);
    let dir = fixture("evasions");
    let report: serde_json::Value =
        serde_json::from_str(&orrery(dir.path(), &["check", "--format", "json"]).stdout).unwrap();
    let mut found: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = &d["location"];
            format!(
                "{} {}:{}:{} -> {}",
                d["rule"].as_str().unwrap(),
                at["path"].as_str().unwrap(),
                at["line"],
                at["column"],
                d["to"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "visibility servlets/spy/Cargo.toml:11:1 -> libs/vault",
            "visibility servlets/spy/Cargo.toml:14:1 -> libs/vault",
            "visibility servlets/spy/Cargo.toml:17:1 -> libs/vault",
            "visibility servlets/spy/Cargo.toml:6:1 -> libs/vault",
            "visibility servlets/spy/build.rs:1:13 -> libs/vault",
            "visibility servlets/spy/src/attribute.rs:1:3 -> libs/vault",
            "visibility servlets/spy/src/cfg_if_body.rs:3:13 -> libs/vault",
            "visibility servlets/spy/src/expressions.rs:12:9 -> libs/vault",
            "visibility servlets/spy/src/expressions.rs:18:5 -> libs/vault",
            "visibility servlets/spy/src/expressions.rs:2:5 -> libs/vault",
            "visibility servlets/spy/src/expressions.rs:3:7 -> libs/vault",
            "visibility servlets/spy/src/expressions.rs:6:27 -> libs/vault",
            "visibility servlets/spy/src/extern_crate.rs:1:14 -> libs/vault",
            "visibility servlets/spy/src/extern_crate.rs:4:5 -> libs/vault",
            "visibility servlets/spy/src/includes.rs:1:10 -> libs/vault",
            "visibility servlets/spy/src/includes.rs:2:37 -> libs/vault",
            "visibility servlets/spy/src/includes.rs:3:41 -> libs/vault",
            "visibility servlets/spy/src/lib.rs:11:10 -> libs/vault",
            "visibility servlets/spy/src/nested_paths.rs:11:7 -> libs/vault",
            "visibility servlets/spy/src/nested_paths.rs:3:14 -> libs/vault",
            "visibility servlets/spy/src/nested_paths.rs:6:26 -> libs/vault",
            "visibility servlets/spy/src/nested_paths.rs:8:46 -> libs/vault",
            "visibility servlets/spy/src/use_trees.rs:1:5 -> libs/vault",
            "visibility servlets/spy/src/use_trees.rs:2:16 -> libs/vault",
            "visibility servlets/spy/src/uses_in_scopes.rs:2:9 -> libs/vault",
            "visibility servlets/spy/src/uses_in_scopes.rs:7:9 -> libs/vault",
        ]
    );
}

/// The official SARIF 2.1.0 schema, installed by scripts/install-tools. Its `language`
/// pattern has a stray `]` (oasis-tcs/sarif-spec#490) that strict regex engines reject; it is
/// escaped here, which does not change what the pattern matches.
pub fn sarif_schema() -> serde_json::Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/sarif/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/install-tools (scripts/test does)",
            path.display()
        )
    });
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(
            pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "the schema changed; revisit this fix"
        );
        *pattern = r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$".into();
    }
    schema
}

#[test]
fn route_conflict() {
    check("route_conflict", 1);
}

/// The example application's HTTP routes, as discovery and the model read them from the
/// servlets' protos: every verb, additional bindings, custom verbs and `response_body`.
#[test]
fn the_example_routes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let snapshot = orrery_lint::discover::discover(&root);
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot);
    assert_eq!(diagnostics, []);
    let table: Vec<String> = repository
        .apis
        .values()
        .flat_map(|api| &api.routes)
        .map(|r| {
            format!(
                "{:<7}{:<40} {}.{} body={:?} response_body={:?}",
                r.verb.to_string(),
                r.template,
                r.service,
                r.method,
                r.body,
                r.response_body
            )
        })
        .collect();
    insta::assert_snapshot!(table.join("\n"));
}

/// Crates that are not components cannot launder a dependency: a nested crate counts for the
/// component holding it, a crate inside a library is that library, a crate no manifest
/// declares grants nobody, a `[patch]` path replaces the registry crate, and code names a
/// crate by its `[lib] name`.
#[test]
fn laundering() {
    check("laundering", 1);
}

/// A symlink inside one component that leads into another brings that code in.
#[test]
fn a_symlink_into_another_component_is_a_dependency() {
    let dir = fixture("visibility");
    std::os::unix::fs::symlink(
        "../../../libs/vault/src/lib.rs",
        dir.path().join("servlets/web/src/vault_copy.rs"),
    )
    .unwrap();
    let out = orrery(dir.path(), &["check", "servlets/web/src/vault_copy.rs"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
}

fn rules_and_paths(output: &support::Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["location"]["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Pre-commit sees what a manifest edit causes, and files whose names git would quote.
#[test]
fn changed_covers_manifest_edits_deletions_and_quoted_names() {
    let dir = fixture("visibility");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    assert_eq!(orrery(dir.path(), &["check", "--changed"]).code, 0);

    // Narrowing a library's visibility breaks a servlet that did not change.
    write(
        dir.path(),
        "libs/web_kit/library.yaml",
        "name: web_kit\nowner: web\nvisibility: [\"//libs/...\"]\n",
    );
    let narrowed = orrery(dir.path(), &["check", "--changed", "--format", "json"]);
    assert_eq!(narrowed.code, 1);
    assert_eq!(
        rules_and_paths(&narrowed),
        [
            ("visibility".into(), "servlets/web/Cargo.toml".into()),
            ("visibility".into(), "servlets/web/src/lib.rs".into()),
            ("visibility".into(), "servlets/webhooks/Cargo.toml".into()),
            ("visibility".into(), "servlets/webhooks/src/lib.rs".into()),
        ]
    );
    git(dir.path(), &["checkout", "-q", "--", "."]);

    // Deleting a servlet's manifest is reported at the deleted file.
    std::fs::remove_file(dir.path().join("servlets/web/servlet.yaml")).unwrap();
    let deleted = orrery(dir.path(), &["check", "--changed", "--format", "json"]);
    assert_eq!(
        rules_and_paths(&deleted),
        [(
            "manifest".to_owned(),
            "servlets/web/servlet.yaml".to_owned()
        )]
    );
    git(dir.path(), &["checkout", "-q", "--", "."]);

    // Untracked files with names git quotes.
    for name in ["é x.rs", "q\"uote.rs", "new\nline.rs"] {
        std::fs::write(
            dir.path().join("servlets/web/src").join(name),
            "pub fn f() { vault::secret(); }\n",
        )
        .unwrap();
    }
    let cargo = dir.path().join("servlets/web/Cargo.toml");
    let text = std::fs::read_to_string(&cargo).unwrap();
    std::fs::write(&cargo, text + "vault = { path = \"../../libs/vault\" }\n").unwrap();
    git(dir.path(), &["add", "servlets/web/Cargo.toml"]);
    git(dir.path(), &["commit", "-qm", "vault"]);
    let quoted = orrery(dir.path(), &["check", "--changed", "--format", "json"]);
    assert_eq!(
        rules_and_paths(&quoted),
        [
            ("visibility".into(), "servlets/web/src/new\nline.rs".into()),
            ("visibility".into(), "servlets/web/src/q\"uote.rs".into()),
            ("visibility".into(), "servlets/web/src/é x.rs".into()),
        ]
    );
}

/// The baseline counts per file: one more violation of a recorded kind fails.
#[test]
fn the_baseline_fails_a_file_that_gains_a_recorded_kind_of_violation() {
    let dir = fixture("visibility");
    assert_eq!(orrery(dir.path(), &["check", "--write-todo"]).code, 0);
    let lib = dir.path().join("servlets/webhooks/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        text + "pub fn again() -> &'static str { vault::secret() }\n",
    )
    .unwrap();
    let out = orrery(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let notes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["notes"][1].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "orrery-todo.yaml allows 1 of these in this file, and there are now 2: the new ones must be fixed",
            "orrery-todo.yaml allows 1 of these in this file, and there are now 2: the new ones must be fixed",
        ]
    );
}

/// Windows editors write a byte-order mark; YAML allows it.
#[test]
fn manifests_may_start_with_a_byte_order_mark() {
    let dir = fixture("clean");
    write(
        dir.path(),
        "orrery.yaml",
        "\u{feff}teams: [web]\r\ngroups:\r\n  web: [\"//servlets/...\"]\r\n",
    );
    write(
        dir.path(),
        "libs/ui/library.yaml",
        "\u{feff}name: ui\r\nowner: web\r\nvisibility: [\"//:web\"]\r\n",
    );
    let out = orrery(dir.path(), &["check"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "orrery check: 2 components, no violations\n")
    );
}

/// Rust that orrery generated is orrery's output, not evidence: its imports are what its
/// generated Cargo.toml declares, which is reported instead, and `gen --check` guards it.
/// The same file without the header is hand-written code and is read like any other.
#[test]
fn generated_rust_is_not_scanned_but_its_cargo_toml_is() {
    let evidence = |first_line: &str| {
        let dir = fixture("undeclared_call");
        let manifest = "[package]\nname = \"files_api\"\nversion = \"0.1.0\"\n\n[dependencies]\nhome = { path = \"../../home\" }\n";
        write(dir.path(), "servlets/files/api/Cargo.toml", manifest);
        let code = format!("{first_line}\npub fn f() {{ home::homepage(0) }}\n");
        write(dir.path(), "servlets/files/api/src/lib.rs", code);
        let out = orrery(dir.path(), &["check", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut places: Vec<String> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "private-servlet")
            .map(|d| d["location"]["path"].as_str().unwrap().to_owned())
            .collect();
        places.sort();
        places
    };
    assert_eq!(
        evidence(
            "// @generated by orrery from servlets/files/proto/files.proto. Do not edit: run `orrery gen`."
        ),
        ["servlets/files/api/Cargo.toml"]
    );
    assert_eq!(
        evidence("// hand-written"),
        [
            "servlets/files/api/Cargo.toml",
            "servlets/files/api/src/lib.rs"
        ]
    );
}
