//! `private-servlet`: anything but the generated runtime depending on a servlet's own crate.

use orrery_model::{ComponentKind, DependencyGraph, Diagnostic, Repository, RuleId};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::PrivateServlet,
    summary: "anything but the runtime depending on a servlet's own crate",
    description: "A servlet's own crate (`servlets/<name>/`) is private: only the generated runtime links it. Other \
                  components reach a servlet over RPC through its generated API crate, `servlets/<name>/api`.",
    check,
};

fn check(repository: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for edge in graph.edges() {
        let Some(to) = repository.components.get(edge.to) else {
            continue;
        };
        if to.kind != ComponentKind::Servlet {
            continue;
        }
        for evidence in edge
            .evidence
            .iter()
            .filter(|evidence| evidence.kind.is_import())
        {
            diagnostics.push(
                Diagnostic::new(
                    RuleId::PrivateServlet,
                    evidence.location.clone(),
                    format!("`{}` depends on `{}`, the private crate of servlet `{}`", edge.from, edge.to, to.name()),
                )
                .between(edge.from, edge.to)
                .with_help(format!(
                    "call `{name}` over RPC through its API crate `{}/api` and add `{name}` to `calls`",
                    edge.to,
                    name = to.name()
                )),
            );
        }
    }
    diagnostics
}
