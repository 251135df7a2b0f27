//! `undeclared-call`: a servlet using another servlet's API crate without listing it in `calls`.

use orrery_model::{ComponentKind, DependencyGraph, Diagnostic, Location, Repository, RuleId};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::UndeclaredCall,
    summary: "code using a servlet's API crate without listing it in `calls`",
    description: "A servlet that uses another servlet's API crate calls it over RPC, so the call must be declared \
                  in `calls`: that list drives the generated clients, routing and the dependency graph. (Libraries \
                  have no `calls`; whether they may use an API crate is decided by `visibility` alone.)",
    check,
};

fn check(repository: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for edge in graph.edges() {
        let (Some(from), Some(to)) = (
            repository.components.get(edge.from),
            repository.components.get(edge.to),
        ) else {
            continue;
        };
        if from.kind != ComponentKind::Servlet
            || to.kind != ComponentKind::Api
            || to.is_api_of(&from.id)
        {
            continue;
        }
        if from.calls().iter().any(|call| call.value == to.name()) {
            continue;
        }
        for evidence in edge
            .evidence
            .iter()
            .filter(|evidence| evidence.kind.is_import())
        {
            diagnostics.push(
                Diagnostic::new(
                    RuleId::UndeclaredCall,
                    evidence.location.clone(),
                    format!(
                        "`{}` uses the API of servlet `{}` but does not list it in `calls`",
                        from.id,
                        to.name()
                    ),
                )
                .between(&from.id, &to.id)
                .with_related(
                    Location::file(&from.manifest_path),
                    "the manifest that declares the servlet's `calls`",
                )
                .with_help(format!(
                    "add `{}` to `calls` in {}",
                    to.name(),
                    from.manifest_path
                )),
            );
        }
    }
    diagnostics
}
