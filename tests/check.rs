//! `orrery check` end to end: each fixture repository under tests/fixtures is written to a
//! temporary directory and checked by the real binary; the exact output and exit status are
//! asserted.

mod support;

use support::{fixture, orrery};

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
