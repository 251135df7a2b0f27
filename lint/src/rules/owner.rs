//! `owner`: every component is owned by exactly one team from orrery.yaml.
//!
//! A missing `owner` and two manifests claiming one directory are found while loading.

use orrery_model::suggest::{hint, quoted_list};
use orrery_model::{ComponentKind, DependencyGraph, Diagnostic, Repository, RuleId};

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
    let help = if teams.is_empty() {
        "list the team under `teams` in orrery.yaml".to_owned()
    } else {
        format!("use one of the teams: {}", quoted_list(&teams))
    };
    repository
        .components
        .values()
        // An API crate shares its servlet's manifest: report the owner once.
        .filter(|component| component.kind != ComponentKind::Api)
        .filter_map(|component| Some((component, component.owner()?)))
        .filter(|(_, owner)| !teams.contains(&owner.value.as_str()))
        .map(|(component, owner)| {
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
            .with_help(help.clone())
        })
        .collect()
}
