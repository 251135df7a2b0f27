//! `manifest`: malformed or inconsistent orrery.yaml / servlet.yaml / library.yaml.
//!
//! Each file is checked on its own while loading (keys, types, names). This rule checks what
//! needs the whole repository: `calls` targets, groups and packages named in `visibility`.

use orrery_model::suggest::hint;
use orrery_model::{
    ComponentKind, DependencyGraph, Diagnostic, Label, PackagePattern, Repository, RuleId,
};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::Manifest,
    summary: "malformed or inconsistent orrery.yaml / servlet.yaml / library.yaml",
    description: "Manifests are parsed strictly: unknown keys, wrong types, bad names, a name that differs from its \
                  directory, and references to servlets, services, groups or packages that do not exist are errors. \
                  Nothing is generated while any stands.",
    check,
};

fn check(repository: &Repository, _: &DependencyGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let Some(config) = &repository.config else {
        return diagnostics;
    };
    let servlet_names: Vec<&str> = repository
        .servlets()
        .map(|servlet| servlet.name())
        .collect();
    let callable: Vec<&str> = servlet_names
        .iter()
        .copied()
        .chain(config.services.keys().map(String::as_str))
        .collect();
    let groups: Vec<&str> = config.groups.keys().map(String::as_str).collect();
    let packages: Vec<String> = repository.components.keys().map(|id| id.label()).collect();

    for service in config.services.values() {
        if servlet_names.contains(&service.name.value.as_str()) {
            diagnostics.push(
                Diagnostic::new(
                    RuleId::Manifest,
                    service.name.location.clone(),
                    format!(
                        "`{}` is both a servlet and a service, so `calls: [{}]` is ambiguous",
                        service.name.value, service.name.value
                    ),
                )
                .with_help("rename the service in orrery.yaml"),
            );
        }
    }

    // An API crate shares its servlet's manifest: check each manifest once.
    for component in repository
        .components
        .values()
        .filter(|c| c.kind != ComponentKind::Api)
    {
        let mut seen: Vec<&str> = Vec::new();
        for call in component.calls() {
            if seen.contains(&call.value.as_str()) {
                diagnostics.push(
                    Diagnostic::new(
                        RuleId::Manifest,
                        call.location.clone(),
                        format!("`{}` is listed twice in `calls`", call.value),
                    )
                    .about(&component.id)
                    .with_help("remove the second entry"),
                );
            } else if !callable.contains(&call.value.as_str()) {
                diagnostics.push(
                    Diagnostic::new(
                        RuleId::Manifest,
                        call.location.clone(),
                        format!("`calls` names `{}`, which is neither a servlet nor a service{}", call.value, hint(&call.value, callable.iter().copied())),
                    )
                    .about(&component.id)
                    .with_help("list servlets by directory name under servlets/, or add the service to `services` in orrery.yaml"),
                );
            }
            seen.push(&call.value);
        }
        let visibility = component.declared_visibility();
        for label in visibility {
            let problem = match &label.value {
                Label::Group(name) if !config.groups.contains_key(name) => Some((
                    format!(
                        "`visibility` names the group `{name}`, which orrery.yaml does not declare{}",
                        hint(name, groups.iter().copied())
                    ),
                    "declare the group under `groups` in orrery.yaml, or fix the name".to_owned(),
                )),
                Label::Packages(PackagePattern::Exact(package))
                    if !repository
                        .components
                        .keys()
                        .any(|id| id.as_str() == package) =>
                {
                    let written = label.value.to_string();
                    Some((
                        format!("`visibility` names `{written}`, which is not a component{}", hint(&written, packages.iter().map(String::as_str))),
                        "name a servlet or library directory, such as `//servlets/<name>`, or use `//path/...`".to_owned(),
                    ))
                }
                _ => None,
            };
            if let Some((message, help)) = problem {
                diagnostics.push(
                    Diagnostic::new(RuleId::Manifest, label.location.clone(), message)
                        .about(&component.id)
                        .with_help(help),
                );
            }
        }
    }
    diagnostics
}
