//! `owner`: every component is owned by exactly one team from orrery.yaml.
//!
//! A missing `owner` and two manifests claiming one directory are found while loading.

use orrery_model::ComponentKind;
use orrery_model::suggest::hint;
use orrery_model::{DependencyGraph, Diagnostic, Repository, RuleId};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::Owner,
    summary: "missing owner, owner not in `teams`, two manifests claiming one directory",
    description: "Every servlet and library has exactly one owner, a team listed in `teams` in orrery.yaml, and \
                  every directory is claimed by at most one manifest.",
    check,
};

fn check(repository: &Repository, _: &DependencyGraph) -> Vec<Diagnostic> {
    let Some(config) = &repository.config else {
        return Vec::new();
    };
    let teams: Vec<&str> = config
        .teams
        .iter()
        .map(|team| team.value.as_str())
        .collect();
    repository
        .components
        .values()
        // An API crate shares its servlet's manifest: report the owner once.
        .filter(|component| component.kind != ComponentKind::Api)
        .filter(|component| !teams.contains(&component.owner().value.as_str()))
        .map(|component| {
            let owner = component.owner();
            Diagnostic::new(
                RuleId::Owner,
                owner.location.clone(),
                format!(
                    "owner `{}` is not a team in orrery.yaml{}",
                    owner.value,
                    hint(&owner.value, teams.iter().copied())
                ),
            )
            .about(&component.id)
            .with_help(format!(
                "use one of the teams: {}",
                teams
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
        .collect()
}
