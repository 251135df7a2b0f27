//! `orrery graph` and `orrery why`: the dependency graph, whole or around one component, and
//! the shortest path between two components with its evidence.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;

use orrery_model::graph::Edge;
use orrery_model::{ComponentId, DependencyGraph, Repository};
use serde_json::json;

/// The edges `orrery graph` shows: all of them, or those touching `focus`.
pub fn edges<'g>(graph: &'g DependencyGraph, focus: Option<&ComponentId>) -> Vec<Edge<'g>> {
    graph
        .edges()
        .filter(|edge| focus.is_none_or(|id| edge.from == id || edge.to == id))
        .collect()
}

fn kinds(edge: &Edge<'_>) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = edge
        .evidence
        .iter()
        .map(|evidence| evidence.kind.as_str())
        .collect();
    kinds.dedup();
    kinds.sort();
    kinds.dedup();
    kinds
}

fn nodes<'a>(
    repository: &'a Repository,
    edges: &[Edge<'a>],
    focus: Option<&'a ComponentId>,
) -> Vec<&'a ComponentId> {
    let mut nodes: Vec<&ComponentId> = match focus {
        Some(id) => edges
            .iter()
            .flat_map(|edge| [edge.from, edge.to])
            .chain([id])
            .collect(),
        None => repository.components.keys().collect(),
    };
    nodes.sort();
    nodes.dedup();
    nodes
}

pub fn dot(
    repository: &Repository,
    graph: &DependencyGraph,
    focus: Option<&ComponentId>,
) -> String {
    let edges = edges(graph, focus);
    let mut out = String::from("digraph orrery {\n  rankdir=LR;\n");
    for id in nodes(repository, &edges, focus) {
        let kind = repository
            .components
            .get(id)
            .map_or("", |c| c.kind.as_str());
        let id = dot_escape(id.as_str());
        let _ = writeln!(out, "  \"{id}\" [label=\"{id}\\n({kind})\"];");
    }
    for edge in &edges {
        let style = if kinds(edge) == ["calls"] {
            ", style=dashed"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
            dot_escape(edge.from.as_str()),
            dot_escape(edge.to.as_str()),
            kinds(edge).join(",")
        );
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(
    repository: &Repository,
    graph: &DependencyGraph,
    focus: Option<&ComponentId>,
) -> String {
    let edges = edges(graph, focus);
    let nodes = nodes(repository, &edges, focus);
    let index = |id: &ComponentId| nodes.iter().position(|n| *n == id).unwrap_or(0);
    let mut out = String::from("graph LR\n");
    for (i, id) in nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[\"{}\"]", id.as_str().replace('"', "#quot;"));
    }
    for edge in &edges {
        let arrow = if kinds(edge) == ["calls"] {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            index(edge.from),
            kinds(edge).join(","),
            index(edge.to)
        );
    }
    out
}

pub fn json(
    repository: &Repository,
    graph: &DependencyGraph,
    focus: Option<&ComponentId>,
) -> String {
    let edges = edges(graph, focus);
    let document = json!({
        "components": nodes(repository, &edges, focus).iter().map(|id| {
            let component = repository.components.get(*id);
            json!({
                "id": id.as_str(),
                "kind": component.map(|c| c.kind.as_str()),
                "owner": component.and_then(|c| c.owner()).map(|owner| owner.value.as_str()),
            })
        }).collect::<Vec<_>>(),
        "edges": edges.iter().map(|edge| json!({
            "from": edge.from.as_str(),
            "to": edge.to.as_str(),
            "evidence": edge.evidence.iter().map(|evidence| json!({
                "kind": evidence.kind.as_str(),
                "path": evidence.location.path,
                "line": evidence.location.line,
                "column": evidence.location.column,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// A DOT quoted-string body: directory names may hold any character.
fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The shortest dependency path from `from` to `to`, one line per edge with its evidence.
pub fn why(graph: &DependencyGraph, from: &ComponentId, to: &ComponentId) -> Option<String> {
    let path = graph.shortest_path(from, to, |_| true)?;
    let mut out = format!(
        "`{from}` depends on `{to}` through {} edge{}:\n",
        path.len(),
        if path.len() == 1 { "" } else { "s" }
    );
    for edge in &path {
        let _ = writeln!(out, "  `{}` → `{}`", edge.from, edge.to);
        for evidence in edge.evidence {
            let _ = writeln!(
                out,
                "      {} ({})",
                evidence.location,
                evidence.kind.describe()
            );
        }
    }
    Some(out)
}

/// Every component that links `target`, directly or through other components, following
/// code and build dependencies only (an entry of `calls` links nothing): each with the
/// components in between on a shortest path, nearest to the dependent first. `orrery affected`
/// asks it which servlets a library or an API crate reaches.
pub fn dependents<'g>(
    graph: &'g DependencyGraph,
    target: &ComponentId,
) -> BTreeMap<&'g ComponentId, Vec<&'g ComponentId>> {
    // Reverse adjacency, each list sorted because `edges()` is ordered by (from, to).
    let mut importers: BTreeMap<&ComponentId, Vec<&ComponentId>> = BTreeMap::new();
    for edge in graph.edges() {
        if edge
            .evidence
            .iter()
            .any(|evidence| evidence.kind.is_import())
        {
            importers.entry(edge.to).or_default().push(edge.from);
        }
    }
    // Breadth first from the target, so that each dependent's next hop lies on a shortest path.
    let mut next_hop: BTreeMap<&ComponentId, &ComponentId> = BTreeMap::new();
    // The target as borrowed from the graph; a target nothing imports has no dependents.
    let mut queue: VecDeque<&ComponentId> = importers
        .keys()
        .find(|id| **id == target)
        .copied()
        .into_iter()
        .collect();
    while let Some(node) = queue.pop_front() {
        for &from in importers.get(node).into_iter().flatten() {
            if from != target && !next_hop.contains_key(from) {
                next_hop.insert(from, node);
                queue.push_back(from);
            }
        }
    }
    next_hop
        .keys()
        .map(|&dependent| {
            let mut through = Vec::new();
            let mut at = next_hop[dependent];
            while at != target {
                through.push(at);
                at = next_hop[at];
            }
            (dependent, through)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use orrery_model::{Evidence, Location, RefKind};

    use super::*;

    fn id(name: &str) -> ComponentId {
        ComponentId::new(name)
    }

    #[test]
    fn dependents_follow_imports_transitively_and_skip_calls() {
        let edges = [
            ("servlets/a", "libs/mid", RefKind::Cargo),
            ("libs/mid", "libs/base", RefKind::Use),
            ("servlets/b", "libs/base", RefKind::Cargo),
            ("servlets/b", "servlets/c", RefKind::Calls),
            ("servlets/c", "libs/other", RefKind::Cargo),
        ];
        let graph = DependencyGraph::build(
            edges.iter().flat_map(|&(from, to, _)| [id(from), id(to)]),
            edges.iter().map(|&(from, to, kind)| {
                let location = Location::new("Cargo.toml", 1, 1, 1);
                (id(from), id(to), Evidence { location, kind })
            }),
        );
        let found: Vec<(String, Vec<String>)> = dependents(&graph, &id("libs/base"))
            .into_iter()
            .map(|(dependent, through)| {
                let through = through.iter().map(ToString::to_string).collect();
                (dependent.to_string(), through)
            })
            .collect();
        assert_eq!(
            found,
            [
                ("libs/mid".to_owned(), vec![]),
                ("servlets/a".to_owned(), vec!["libs/mid".to_owned()]),
                ("servlets/b".to_owned(), vec![]),
            ]
        );
        assert!(dependents(&graph, &id("servlets/c")).is_empty());
        assert!(dependents(&graph, &id("servlets/a")).is_empty());
    }
}
