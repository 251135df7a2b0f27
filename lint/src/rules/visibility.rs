//! `visibility`: a dependency the target does not grant, with Bazel's label semantics.

use orrery_model::component::Manifest;
use orrery_model::label::grants;
use orrery_model::{
    Component, ComponentId, ComponentKind, DependencyGraph, Diagnostic, Evidence, Label, Location,
    RefKind, Repository, RuleId, Spanned,
};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::Visibility,
    summary: "a dependency the target does not grant",
    description: "A component may depend on a library, or call a servlet's API, only if the target's `visibility` \
                  grants the depending component's package. Labels follow Bazel: `//visibility:public`, \
                  `//visibility:private`, `//pkg`, `//pkg/...` (whole path segments) and `//:group` (exclusions win). \
                  A servlet's generated API crate acts for its servlet. A crate in the repository that no manifest declares grants nobody.",
    check,
};

fn check(repository: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let Some(config) = &repository.config else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    for edge in graph.edges() {
        let Some(from) = repository.components.get(edge.from) else {
            continue;
        };
        let Some(to) = repository.components.get(edge.to) else {
            diagnostics.extend(
                edge.evidence
                    .iter()
                    .map(|evidence| undeclared_target(from, edge.to, evidence)),
            );
            continue;
        };
        for evidence in edge.evidence {
            let Some((labels, package)) = governing_visibility(from, to, evidence) else {
                continue;
            };
            if !grants(
                labels.iter().map(|label| &label.value),
                package,
                requester(from),
                &config.groups,
            ) {
                diagnostics.push(violation(from, to, labels, evidence));
            }
        }
    }
    diagnostics
}

/// The package a component asks for visibility as. A servlet's API crate is generated from
/// the servlet's own protos, so it acts for the servlet: what the servlet may use, it may use.
fn requester(component: &Component) -> &str {
    match component.kind {
        ComponentKind::Api => component
            .id
            .as_str()
            .strip_suffix("/api")
            .unwrap_or(component.id.as_str()),
        _ => component.id.as_str(),
    }
}

/// The visibility list that decides this piece of evidence, and the package it belongs to.
/// `None` when visibility does not apply: a servlet's own crate is `private-servlet`'s
/// business, and a servlet may always use its own API crate.
fn governing_visibility<'a>(
    from: &Component,
    to: &'a Component,
    evidence: &Evidence,
) -> Option<(&'a [Spanned<Label>], &'a str)> {
    match (to.kind, evidence.kind, &to.manifest) {
        (ComponentKind::Servlet, RefKind::Calls, Manifest::Servlet(servlet)) => {
            Some((&servlet.visibility, to.id.as_str()))
        }
        (ComponentKind::Servlet, _, _) => None,
        _ if to.is_api_of(&from.id) => None,
        _ => Some((to.visibility(), to.id.as_str())),
    }
}

fn violation(
    from: &Component,
    to: &Component,
    labels: &[Spanned<Label>],
    evidence: &Evidence,
) -> Diagnostic {
    let message = if evidence.kind == RefKind::Calls {
        format!(
            "`{}` calls `{}`, whose API is not visible to it",
            from.id, to.id
        )
    } else {
        format!(
            "`{}` depends on `{}`, which is not visible to it",
            from.id, to.id
        )
    };
    let granted = if labels.is_empty() {
        "nobody (no `visibility`)".to_owned()
    } else {
        labels
            .iter()
            .map(|label| format!("`{}`", label.value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Where the verdict is decided: a pre-commit run on the manifest reports what it causes.
    let declared = labels.first().map_or_else(
        || Location::file(&to.manifest_path),
        |label| label.location.clone(),
    );
    let team = to.owner().map_or_else(
        || "the owners".to_owned(),
        |owner| format!("team `{}`", owner.value),
    );
    Diagnostic::new(RuleId::Visibility, evidence.location.clone(), message)
        .between(&from.id, &to.id)
        .with_related(declared, format!("the visibility of `{}`", to.id))
        .with_note(format!("`{}` is visible to {granted}", to.id))
        .with_help(format!(
            "remove this {}, or ask {team} to add `{}` to `visibility` in {}",
            evidence.kind.describe(),
            from.id.label(),
            to.manifest_path
        ))
}

fn undeclared_target(from: &Component, to: &ComponentId, evidence: &Evidence) -> Diagnostic {
    Diagnostic::new(
        RuleId::Visibility,
        evidence.location.clone(),
        format!("`{}` depends on `{to}`, a crate no manifest declares, so nothing grants it visibility", from.id),
    )
    .between(&from.id, to)
    .with_help(format!("give `{to}` a library.yaml with an owner and a `visibility` (shared code lives under libs/), or remove this {}", evidence.kind.describe()))
}
