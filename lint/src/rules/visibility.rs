//! `visibility`: a dependency the target does not grant, with Bazel's label semantics.

use orrery_model::component::Manifest;
use orrery_model::label::grants;
use orrery_model::{
    Component, ComponentKind, DependencyGraph, Diagnostic, Evidence, Label, RefKind, Repository,
    RuleId, Spanned,
};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::Visibility,
    summary: "a dependency the target does not grant",
    description: "A component may depend on a library, or call a servlet's API, only if the target's `visibility` \
                  grants the depending component's package. Labels follow Bazel: `//visibility:public`, \
                  `//visibility:private`, `//pkg`, `//pkg/...` (whole path segments) and `//:group` (exclusions win).",
    check,
};

fn check(repository: &Repository, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let Some(config) = &repository.config else {
        return Vec::new();
    };
    let mut diagnostics = Vec::new();
    for edge in graph.edges() {
        let (Some(from), Some(to)) = (
            repository.components.get(edge.from),
            repository.components.get(edge.to),
        ) else {
            continue;
        };
        for evidence in edge.evidence {
            let Some((labels, package)) = governing_visibility(from, to, evidence) else {
                continue;
            };
            if !grants(
                labels.iter().map(|label| &label.value),
                package,
                from.id.as_str(),
                &config.groups,
            ) {
                diagnostics.push(violation(from, to, labels, evidence));
            }
        }
    }
    diagnostics
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
        (ComponentKind::Api, _, _)
            if to.id.as_str().strip_suffix("/api") == Some(from.id.as_str()) =>
        {
            None
        }
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
    Diagnostic::new(RuleId::Visibility, evidence.location.clone(), message)
        .between(&from.id, &to.id)
        .with_note(format!("`{}` is visible to {granted}", to.id))
        .with_help(format!(
            "remove this {}, or ask team `{}` to add `{}` to `visibility` in {}",
            evidence.kind.describe(),
            to.owner().value,
            from.id.label(),
            to.manifest_path
        ))
}
