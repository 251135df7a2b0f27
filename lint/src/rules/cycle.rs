//! `cycle`: a dependency cycle between components, imports and `calls` together.

use std::collections::BTreeSet;

use orrery_model::graph::Edge;
use orrery_model::{ComponentId, DependencyGraph, Diagnostic, Repository, RuleId};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::Cycle,
    summary: "a dependency cycle between components (imports and `calls` together)",
    description: "Components must form a directed acyclic graph, counting code imports, Cargo dependencies and \
                  declared RPC `calls` alike. Each strongly connected component is reported once, as its shortest \
                  cycle, with the place that creates every edge.",
    check,
};

fn check(_: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    graph
        .cyclic_components()
        .iter()
        .filter_map(|members| report(graph, members))
        .collect()
}

fn report(graph: &DependencyGraph, members: &[ComponentId]) -> Option<Diagnostic> {
    let cycle = shortest_cycle(graph, members)?;
    let mut path: Vec<ComponentId> = cycle.iter().map(|edge| edge.from.clone()).collect();
    path.push(cycle[0].from.clone());
    let shown = path
        .iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let first = cycle[0].first();
    let mut diagnostic = Diagnostic::new(RuleId::Cycle, first.location.clone(), format!("dependency cycle: {shown}"))
        .between(cycle[0].from, cycle[0].to)
        .with_help("break the cycle by removing one of these dependencies, or move the shared code into a library both can use");
    let describe = |edge: &Edge<'_>| {
        format!(
            "`{}` → `{}` ({})",
            edge.from,
            edge.to,
            edge.first().kind.describe()
        )
    };
    diagnostic.label = Some(describe(&cycle[0]));
    for edge in &cycle[1..] {
        diagnostic = diagnostic.with_related(edge.first().location.clone(), describe(edge));
    }
    // A strongly connected component is a single cycle exactly when it has as many edges as
    // components; any more, and fixing this cycle leaves another.
    if graph.edges_within(members) > members.len() {
        let names = members
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diagnostic = diagnostic.with_note(format!(
            "these {} components hold more cycles than this one: {names}; `orrery why` shows the path between any two",
            members.len()
        ));
    }
    diagnostic.cycle = path;
    Some(diagnostic)
}

/// The shortest cycle within `members`, starting from the first component (in sorted order)
/// that lies on a shortest one.
fn shortest_cycle<'g>(
    graph: &'g DependencyGraph,
    members: &[ComponentId],
) -> Option<Vec<Edge<'g>>> {
    let inside: BTreeSet<&ComponentId> = members.iter().collect();
    members
        .iter()
        .filter_map(|start| graph.shortest_path(start, start, |id| inside.contains(id)))
        .min_by_key(Vec::len)
}
