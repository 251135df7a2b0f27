//! Resolution: from what each file references to evidence between components.
//!
//! A name in Rust code is a dependency only if it names a crate this component's Cargo.toml
//! depends on (or an `extern crate` alias of one); a Cargo dependency is a component only if it
//! is a path dependency that lands on that component's directory.

use std::collections::BTreeMap;

use orrery_model::{
    ComponentId, DependencyGraph, Diagnostic, Evidence, Location, RefKind, Repository, RuleId,
    Snapshot,
};

use crate::extract::cargo::{self, CargoManifest, Source};
use crate::extract::rust;

/// What a crate name in one component's code stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Component(ComponentId),
    External,
}

/// Builds the dependency graph of `repository` from the files in `snapshot`. Files that cannot
/// be understood (a malformed Cargo.toml) come back as `input` diagnostics.
pub fn build_graph(
    repository: &Repository,
    snapshot: &Snapshot,
) -> (DependencyGraph, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut manifests: BTreeMap<&str, CargoManifest> = BTreeMap::new();
    for file in &snapshot.cargo_manifests {
        match cargo::parse(&file.text) {
            Ok(manifest) => {
                manifests.insert(&file.path, manifest);
            }
            Err((line, column, message)) => problems.push(
                Diagnostic::new(
                    RuleId::Input,
                    Location::new(&file.path, line, column, 1),
                    format!("malformed Cargo.toml: {message}"),
                )
                .with_help("fix the TOML syntax; `cargo metadata` shows the same error"),
            ),
        }
    }
    let workspace = workspace_paths(manifests.get("Cargo.toml"));

    let mut evidence = Vec::new();
    let mut crates: BTreeMap<&ComponentId, BTreeMap<String, Target>> = BTreeMap::new();
    for component in repository.components.values() {
        let path = format!("{}/Cargo.toml", component.id);
        let names = crates.entry(&component.id).or_default();
        let Some(manifest) = manifests.get(path.as_str()) else {
            continue;
        };
        for dependency in &manifest.dependencies {
            let target = match &dependency.source {
                Source::Path(relative) => join(component.id.as_str(), relative)
                    .map_or(Target::External, |dir| component_at(repository, &dir)),
                Source::Workspace => workspace
                    .get(&dependency.key)
                    .map_or(Target::External, |dir| component_at(repository, dir)),
                Source::External => Target::External,
            };
            if let Target::Component(to) = &target {
                let location =
                    Location::new(&path, dependency.line, dependency.column, dependency.len);
                evidence.push((
                    component.id.clone(),
                    to.clone(),
                    Evidence {
                        location,
                        kind: RefKind::Cargo,
                    },
                ));
            }
            names.insert(dependency.crate_name.clone(), target);
        }
    }

    let mut scanned: Vec<(&ComponentId, &str, rust::FileRefs)> = Vec::new();
    for file in &snapshot.rust_files {
        if let Some(component) = repository.component_of(&file.path) {
            scanned.push((&component.id, &file.path, rust::scan(&file.text)));
        }
    }
    // `extern crate a as b;` makes `b` name crate `a` everywhere in the crate.
    for (component, _, refs) in &scanned {
        let names = crates.entry(component).or_default();
        for extern_crate in &refs.extern_crates {
            if let (Some(alias), Some(target)) =
                (&extern_crate.alias, names.get(&extern_crate.name).cloned())
            {
                names.entry(alias.clone()).or_insert(target);
            }
        }
    }
    for (component, path, refs) in &scanned {
        if let Some(unterminated) = &refs.unterminated {
            let rust::Pos { line, column, len } = unterminated.pos;
            problems.push(
                Diagnostic::new(
                    RuleId::Input,
                    Location::new(*path, line, column, len),
                    format!("`{path}` is not valid Rust: this {} is never closed, so the rest of the file cannot be checked", unterminated.what),
                )
                .with_help(format!("close the {}; `cargo check` reports the same error", unterminated.what)),
            );
        }
        let names = &crates[component];
        let mut push = |name: &str, kind: RefKind, pos: &rust::Pos| {
            if let Some(Target::Component(to)) = names.get(name) {
                let location = Location::new(*path, pos.line, pos.column, pos.len);
                evidence.push((
                    (*component).clone(),
                    to.clone(),
                    Evidence { location, kind },
                ));
            }
        };
        for reference in &refs.crates {
            push(&reference.name, reference.kind, &reference.pos);
        }
        for extern_crate in &refs.extern_crates {
            push(&extern_crate.name, RefKind::ExternCrate, &extern_crate.pos);
        }
        let directory = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        for file in &refs.files {
            let Some(target) = join(directory, &file.literal) else {
                continue;
            };
            if let Some(to) = repository.component_of(&target) {
                let location = Location::new(*path, file.pos.line, file.pos.column, file.pos.len);
                evidence.push((
                    (*component).clone(),
                    to.id.clone(),
                    Evidence {
                        location,
                        kind: file.kind,
                    },
                ));
            }
        }
    }

    for servlet in repository.servlets() {
        for call in servlet.calls() {
            if let Some(callee) = repository.servlet(&call.value) {
                evidence.push((
                    servlet.id.clone(),
                    callee.id.clone(),
                    Evidence {
                        location: call.location.clone(),
                        kind: RefKind::Calls,
                    },
                ));
            }
        }
    }

    // A crate naming itself is not a dependency; a servlet calling itself is (a self-loop).
    evidence.retain(|(from, to, evidence)| from != to || evidence.kind == RefKind::Calls);
    let graph = DependencyGraph::build(repository.components.keys().cloned(), evidence);
    (graph, problems)
}

/// `[workspace.dependencies]` path entries, by package key, as repository-relative directories.
fn workspace_paths(root: Option<&CargoManifest>) -> BTreeMap<String, String> {
    root.map(|manifest| {
        manifest
            .workspace_dependencies
            .iter()
            .filter_map(|dependency| match &dependency.source {
                Source::Path(path) => join("", path).map(|dir| (dependency.key.clone(), dir)),
                _ => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

fn component_at(repository: &Repository, directory: &str) -> Target {
    let id = ComponentId::new(directory);
    if repository.components.contains_key(&id) {
        Target::Component(id)
    } else {
        Target::External
    }
}

/// Joins a relative path onto a repository-relative directory, resolving `.` and `..`.
/// `None` when the result would leave the repository or the path is absolute.
pub fn join(directory: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = directory
        .split('/')
        .filter(|part| !part.is_empty())
        .collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_relative_paths_inside_the_repository_only() {
        assert_eq!(
            join("servlets/home", "../../libs/ui").as_deref(),
            Some("libs/ui")
        );
        assert_eq!(
            join("servlets/home/src", "./x/../y.rs").as_deref(),
            Some("servlets/home/src/y.rs")
        );
        assert_eq!(join("servlets/home", "../../../etc"), None);
        assert_eq!(join("servlets/home", "/etc/passwd"), None);
    }
}
