//! The rules of `orrery check`, one file each, listed once in `RULES`.
//!
//! A rule is a pure function from the repository model and its dependency graph to
//! diagnostics. Its id is the same string in its file name, its diagnostics, the docs and
//! orrery-todo.yaml.

use orrery_model::{DependencyGraph, Diagnostic, Repository, RuleId};
use rayon::prelude::*;

pub mod cycle;
pub mod manifest;
pub mod owner;
pub mod private_servlet;
pub mod route_conflict;
pub mod undeclared_call;
pub mod visibility;

/// A rule's static description, used by `--format sarif` and the docs.
pub struct Rule {
    pub id: RuleId,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why the rule exists and how to satisfy it.
    pub description: &'static str,
    pub check: fn(&Repository, &DependencyGraph) -> Vec<Diagnostic>,
}

pub const RULES: &[Rule] = &[
    manifest::RULE,
    owner::RULE,
    visibility::RULE,
    private_servlet::RULE,
    undeclared_call::RULE,
    cycle::RULE,
    route_conflict::RULE,
];

/// The description of problems reading the tree, which are reported like a rule.
pub const INPUT: Rule = Rule {
    id: RuleId::Input,
    summary: "a file orrery could not read",
    description: "An unreadable or non-UTF-8 file, a file above the size limit, a symlink loop or a malformed \
                  Cargo.toml leaves the check incomplete; orrery exits with status 2.",
    check: |_, _| Vec::new(),
};

/// Runs every rule, each on its own core; the diagnostics come back in `RULES` order.
pub fn check(repository: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let found: Vec<Vec<Diagnostic>> = RULES
        .par_iter()
        .map(|rule| (rule.check)(repository, graph))
        .collect();
    found.into_iter().flatten().collect()
}
