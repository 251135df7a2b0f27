//! Pre-commit scope: the violations a set of changed files is responsible for.
//!
//! The full check runs and is then narrowed, so the verdict on those files is by construction
//! the same as a full check's.

use std::collections::BTreeSet;

use orrery_model::{ComponentId, DependencyGraph, Diagnostic, RuleId};
use serde::{Deserialize, Serialize};

/// One strongly connected component of the graph and the files holding the evidence of its
/// inner edges: each such edge lies on some cycle, so each of those files is responsible for
/// the cycles reported there. Kept instead of the graph, so that a cached check can be
/// narrowed too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleFiles {
    pub members: Vec<ComponentId>,
    pub files: BTreeSet<String>,
}

/// Every cyclic component of `graph` with the files of its inner edges' evidence.
pub fn cycle_files(graph: &DependencyGraph) -> Vec<CycleFiles> {
    graph
        .cyclic_components()
        .into_iter()
        .map(|members| {
            let files = graph
                .edges()
                .filter(|edge| members.contains(edge.from) && members.contains(edge.to))
                .flat_map(|edge| edge.evidence)
                .map(|evidence| evidence.location.path.clone())
                .collect();
            CycleFiles { members, files }
        })
        .collect()
}

/// Keeps the diagnostics whose evidence lies in `files` (their location, or a related location
/// such as the manifest that decides them), and every cycle with an edge whose evidence lies in
/// `files`. A stale cycle entry has no edges left; it is kept when a file of one of its
/// components changed.
pub fn restrict(
    diagnostics: Vec<Diagnostic>,
    cycles: &[CycleFiles],
    files: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|diagnostic| {
            files.contains(&diagnostic.location.path)
                || diagnostic
                    .related
                    .iter()
                    .any(|related| files.contains(&related.location.path))
                || (diagnostic.rule == RuleId::Cycle && cycle_touches(diagnostic, cycles, files))
        })
        .collect()
}

fn cycle_touches(diagnostic: &Diagnostic, cycles: &[CycleFiles], files: &BTreeSet<String>) -> bool {
    let Some(first) = diagnostic.cycle.first() else {
        return false;
    };
    match cycles.iter().find(|cycle| cycle.members.contains(first)) {
        Some(cycle) => !cycle.files.is_disjoint(files),
        None => files
            .iter()
            .any(|file| diagnostic.cycle.iter().any(|member| member.contains(file))),
    }
}
