//! The component dependency graph: imports and RPC calls, each edge with its evidence.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::component::ComponentId;
use crate::location::Location;

/// How a dependency was written.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RefKind {
    /// A `use` item (any scope, any tree shape).
    Use,
    /// `extern crate`, possibly renamed.
    ExternCrate,
    /// A qualified path in an expression, type, pattern, attribute or macro call.
    Path,
    /// A path inside a macro invocation's body, such as `cfg_if! { ... }`.
    MacroBody,
    /// A `#[path = "..."]` module whose file lies in another component.
    PathModule,
    /// `include!`, `include_str!` or `include_bytes!` of a file in another component.
    Include,
    /// A dependency in Cargo.toml (any table: normal, dev, build, target-specific).
    Cargo,
    /// A symlink in one component that leads into another.
    Symlink,
    /// An entry of `calls` in servlet.yaml.
    Calls,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Use => "use",
            RefKind::ExternCrate => "extern-crate",
            RefKind::Path => "path",
            RefKind::MacroBody => "macro-body",
            RefKind::PathModule => "path-module",
            RefKind::Include => "include",
            RefKind::Cargo => "cargo",
            RefKind::Symlink => "symlink",
            RefKind::Calls => "calls",
        }
    }

    /// How the help text names one of these: "remove this use".
    pub fn describe(self) -> &'static str {
        match self {
            RefKind::Use => "use",
            RefKind::ExternCrate => "extern crate",
            RefKind::Path => "path",
            RefKind::MacroBody => "path in a macro call",
            RefKind::PathModule => "#[path] module",
            RefKind::Include => "include",
            RefKind::Cargo => "Cargo.toml dependency",
            RefKind::Symlink => "symlink",
            RefKind::Calls => "entry of `calls`",
        }
    }

    /// Is this a code or build dependency, as opposed to a declared RPC call?
    pub fn is_import(self) -> bool {
        self != RefKind::Calls
    }
}

impl fmt::Display for RefKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place that creates a dependency.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    pub location: Location,
    pub kind: RefKind,
}

/// All the evidence for one dependency between two components, in source order.
#[derive(Clone, Copy, Debug)]
pub struct Edge<'a> {
    pub from: &'a ComponentId,
    pub to: &'a ComponentId,
    pub evidence: &'a [Evidence],
}

impl Edge<'_> {
    /// The evidence shown when one place has to stand for the whole edge.
    pub fn first(&self) -> &Evidence {
        &self.evidence[0]
    }
}

#[derive(Clone, Debug, Default)]
pub struct DependencyGraph {
    graph: DiGraph<ComponentId, Vec<Evidence>>,
    nodes: BTreeMap<ComponentId, NodeIndex>,
}

impl DependencyGraph {
    /// Builds the graph in sorted order, so node and edge indices, and everything derived
    /// from them, are the same on every run. Evidence between unknown components is dropped.
    pub fn build(
        components: impl IntoIterator<Item = ComponentId>,
        evidence: impl IntoIterator<Item = (ComponentId, ComponentId, Evidence)>,
    ) -> DependencyGraph {
        let mut graph = DependencyGraph::default();
        let mut sorted: Vec<ComponentId> = components.into_iter().collect();
        sorted.sort();
        sorted.dedup();
        for id in sorted {
            let index = graph.graph.add_node(id.clone());
            graph.nodes.insert(id, index);
        }
        let mut edges: BTreeMap<(NodeIndex, NodeIndex), Vec<Evidence>> = BTreeMap::new();
        for (from, to, evidence) in evidence {
            if let (Some(&from), Some(&to)) = (graph.nodes.get(&from), graph.nodes.get(&to)) {
                edges.entry((from, to)).or_default().push(evidence);
            }
        }
        for ((from, to), mut evidence) in edges {
            evidence.sort();
            evidence.dedup();
            graph.graph.add_edge(from, to, evidence);
        }
        graph
    }

    /// Every edge, ordered by (from, to).
    pub fn edges(&self) -> impl Iterator<Item = Edge<'_>> {
        self.graph
            .edge_references()
            .map(|edge| self.edge_view(edge.source(), edge.target(), edge.weight()))
    }

    /// The edges leaving `id`, ordered by target.
    pub fn edges_from(&self, id: &ComponentId) -> Vec<Edge<'_>> {
        let Some(&index) = self.nodes.get(id) else {
            return Vec::new();
        };
        let mut edges: Vec<Edge<'_>> = self
            .graph
            .edges(index)
            .map(|edge| self.edge_view(edge.source(), edge.target(), edge.weight()))
            .collect();
        edges.sort_by(|a, b| a.to.cmp(b.to));
        edges
    }

    pub fn edge(&self, from: &ComponentId, to: &ComponentId) -> Option<Edge<'_>> {
        let (&a, &b) = (self.nodes.get(from)?, self.nodes.get(to)?);
        let edge = self.graph.find_edge(a, b)?;
        Some(self.edge_view(a, b, &self.graph[edge]))
    }

    fn edge_view<'a>(
        &'a self,
        from: NodeIndex,
        to: NodeIndex,
        evidence: &'a [Evidence],
    ) -> Edge<'a> {
        Edge {
            from: &self.graph[from],
            to: &self.graph[to],
            evidence,
        }
    }

    /// The strongly connected components that contain a cycle (two or more components, or one
    /// with an edge to itself), each sorted, in sorted order.
    pub fn cyclic_components(&self) -> Vec<Vec<ComponentId>> {
        let mut found: Vec<Vec<ComponentId>> = petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.find_edge(scc[0], scc[0]).is_some())
            .map(|scc| {
                let mut ids: Vec<ComponentId> = scc
                    .into_iter()
                    .map(|index| self.graph[index].clone())
                    .collect();
                ids.sort();
                ids
            })
            .collect();
        found.sort();
        found
    }

    /// The number of edges with both ends in `members`.
    pub fn edges_within(&self, members: &[ComponentId]) -> usize {
        self.edges()
            .filter(|edge| members.contains(edge.from) && members.contains(edge.to))
            .count()
    }

    /// The shortest path from `from` to `to` by breadth-first search, visiting successors in
    /// sorted order so that ties are broken the same way every time. A path from a component to
    /// itself is a shortest cycle through it. Only components accepted by `allowed` are visited.
    pub fn shortest_path(
        &self,
        from: &ComponentId,
        to: &ComponentId,
        allowed: impl Fn(&ComponentId) -> bool,
    ) -> Option<Vec<Edge<'_>>> {
        let start = *self.nodes.get(from)?;
        let goal = *self.nodes.get(to)?;
        let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for edge in self.edges_from(&self.graph[node]) {
                let next = self.nodes[edge.to];
                if next == goal {
                    let mut path = vec![edge];
                    let mut at = node;
                    while at != start {
                        let previous = parent[&at];
                        path.push(
                            self.edge(&self.graph[previous], &self.graph[at])
                                .expect("edge on a found path"),
                        );
                        at = previous;
                    }
                    path.reverse();
                    return Some(path);
                }
                if next != start && allowed(edge.to) && !parent.contains_key(&next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> ComponentId {
        ComponentId::new(name)
    }

    fn graph(edges: &[(&str, &str)]) -> DependencyGraph {
        let names = edges.iter().flat_map(|&(a, b)| [id(a), id(b)]);
        let evidence = edges.iter().enumerate().map(|(line, &(a, b))| {
            (
                id(a),
                id(b),
                Evidence {
                    location: Location::new("f.rs", line as u32 + 1, 1, 1),
                    kind: RefKind::Use,
                },
            )
        });
        DependencyGraph::build(names, evidence)
    }

    fn path_names(path: &[Edge<'_>]) -> Vec<String> {
        path.iter()
            .map(|edge| format!("{}->{}", edge.from, edge.to))
            .collect()
    }

    #[test]
    fn finds_the_shortest_cycle_through_a_node() {
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("b", "a")]);
        let cycle = g.shortest_path(&id("a"), &id("a"), |_| true).unwrap();
        assert_eq!(path_names(&cycle), ["a->b", "b->a"]);
        assert_eq!(g.cyclic_components(), vec![vec![id("a"), id("b"), id("c")]]);
        assert_eq!(g.edges_within(&[id("a"), id("b"), id("c")]), 4);
    }

    #[test]
    fn self_loops_are_cycles() {
        let g = graph(&[("a", "a"), ("a", "b")]);
        assert_eq!(g.cyclic_components(), vec![vec![id("a")]]);
        assert_eq!(
            path_names(&g.shortest_path(&id("a"), &id("a"), |_| true).unwrap()),
            ["a->a"]
        );
    }

    #[test]
    fn paths_respect_the_allowed_set() {
        let g = graph(&[("a", "b"), ("b", "d"), ("a", "c"), ("c", "d")]);
        assert_eq!(
            path_names(&g.shortest_path(&id("a"), &id("d"), |_| true).unwrap()),
            ["a->b", "b->d"]
        );
        assert_eq!(
            path_names(
                &g.shortest_path(&id("a"), &id("d"), |n| n != &id("b"))
                    .unwrap()
            ),
            ["a->c", "c->d"]
        );
        assert!(g.shortest_path(&id("d"), &id("a"), |_| true).is_none());
    }
}
