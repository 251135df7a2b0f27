//! orrery itself judges the synthetic repositories of `orrery-synth`: a clean one checks clean
//! and generates, and one with violations reports exactly what `injected` says.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use orrery_synth::{Spec, generate, injected, write};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn orrery(root: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_orrery"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run orrery");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// (rule, path) of every diagnostic of `orrery check --format json`, with repeats.
fn diagnostics(run: &Run) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}\n{}", run.stdout, run.stderr));
    json["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_owned(),
                d["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn materialize(spec: &Spec) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), &generate(spec)).expect("write the repository");
    dir
}

fn small(seed: u64, violations: bool) -> Spec {
    Spec {
        seed,
        servlets: 30,
        libs: 8,
        lines: 200,
        violations,
    }
}

#[test]
fn a_clean_repository_checks_clean_and_generates() {
    let dir = materialize(&small(1, false));
    let root = dir.path();

    let check = orrery(root, &["check", "--format", "json"]);
    assert_eq!(diagnostics(&check), [], "{}", check.stderr);
    assert_eq!(check.code, 0, "{}", check.stderr);

    // The handler contract holds for every servlet, or gen would report `handler` problems.
    let r#gen = orrery(root, &["gen"]);
    assert_eq!(r#gen.code, 0, "{}{}", r#gen.stdout, r#gen.stderr);
    assert!(root.join("gen/monolith/Cargo.toml").is_file());

    let again = orrery(root, &["check", "--format", "json"]);
    assert_eq!(diagnostics(&again), [], "{}", again.stderr);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let fresh = orrery(root, &["gen", "--check"]);
    assert_eq!(fresh.code, 0, "{}{}", fresh.stdout, fresh.stderr);
}

#[test]
fn other_seeds_are_clean_too() {
    for seed in 2..=4 {
        let dir = materialize(&small(seed, false));
        let check = orrery(dir.path(), &["check", "--format", "json"]);
        assert_eq!(diagnostics(&check), [], "seed {seed}: {}", check.stderr);
        assert_eq!(check.code, 0, "seed {seed}");
    }
}

#[test]
fn injected_violations_are_exactly_what_orrery_reports() {
    for seed in 1..=4 {
        let spec = small(seed, true);
        let dir = materialize(&spec);
        let check = orrery(dir.path(), &["check", "--format", "json"]);
        assert_eq!(check.code, 1, "seed {seed}: {}", check.stderr);
        let reported = diagnostics(&check);
        let expected: Vec<(String, String)> = injected(&spec)
            .into_iter()
            .map(|i| (i.rule.to_owned(), i.path))
            .collect();
        let as_set = |pairs: &[(String, String)]| pairs.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(as_set(&reported), as_set(&expected), "seed {seed}");
        // One diagnostic per injected entry: nothing reported twice, nothing else.
        assert_eq!(reported.len(), expected.len(), "seed {seed}: {reported:#?}");
        let rules: BTreeSet<&str> = expected.iter().map(|(rule, _)| rule.as_str()).collect();
        assert_eq!(rules.len(), 7, "seed {seed}: every rule is injected");
    }
}

/// More seeds and sizes: every rule's violation still fits and still comes back exactly.
#[test]
fn many_seeds_and_sizes() {
    let mut failures = Vec::new();
    let sizes = [(30, 8, 100), (100, 30, 80), (300, 60, 50)];
    let specs = sizes.iter().flat_map(|&(servlets, libs, lines)| {
        (1..=4).map(move |seed| Spec {
            seed,
            servlets,
            libs,
            lines,
            violations: true,
        })
    });
    for spec in specs {
        let dir = materialize(&spec);
        let mut reported = diagnostics(&orrery(dir.path(), &["check", "--format", "json"]));
        reported.sort();
        let expected: Vec<(String, String)> = injected(&spec)
            .into_iter()
            .map(|i| (i.rule.to_owned(), i.path))
            .collect();
        let rules: BTreeSet<&str> = expected.iter().map(|(rule, _)| rule.as_str()).collect();
        if reported != expected || rules.len() != 7 {
            failures.push(format!(
                "{spec:?}:\n  reported {reported:?}\n  expected {expected:?}"
            ));
        }
        drop(dir);
        let clean = Spec {
            violations: false,
            ..spec
        };
        let dir = materialize(&clean);
        let reported = diagnostics(&orrery(dir.path(), &["check", "--format", "json"]));
        if !reported.is_empty() {
            failures.push(format!("{clean:?}: {reported:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
