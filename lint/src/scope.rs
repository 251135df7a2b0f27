//! Pre-commit scope: the violations a set of changed files is responsible for.
//!
//! The full check runs and is then narrowed, so the verdict on those files is by construction
//! the same as a full check's.

use std::collections::BTreeSet;

use orrery_model::{ComponentId, DependencyGraph, Diagnostic, RuleId};

/// Keeps the diagnostics whose evidence lies in `files` (their location, or a related location
/// such as the manifest that decides them), and every cycle with an edge whose evidence lies in
/// `files` (each edge of a strongly connected component is on some cycle). A stale cycle entry
/// has no edges left; it is kept when a file of one of its components changed.
pub fn restrict(
    diagnostics: Vec<Diagnostic>,
    graph: &DependencyGraph,
    files: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let components = graph.cyclic_components();
    diagnostics
        .into_iter()
        .filter(|diagnostic| {
            files.contains(&diagnostic.location.path)
                || diagnostic
                    .related
                    .iter()
                    .any(|related| files.contains(&related.location.path))
                || (diagnostic.rule == RuleId::Cycle
                    && cycle_touches(diagnostic, graph, &components, files))
        })
        .collect()
}

fn cycle_touches(
    diagnostic: &Diagnostic,
    graph: &DependencyGraph,
    components: &[Vec<ComponentId>],
    files: &BTreeSet<String>,
) -> bool {
    let Some(first) = diagnostic.cycle.first() else {
        return false;
    };
    let Some(members) = components.iter().find(|members| members.contains(first)) else {
        return files
            .iter()
            .any(|file| diagnostic.cycle.iter().any(|member| member.contains(file)));
    };
    graph.edges().any(|edge| {
        members.contains(edge.from)
            && members.contains(edge.to)
            && edge
                .evidence
                .iter()
                .any(|evidence| files.contains(&evidence.location.path))
    })
}
