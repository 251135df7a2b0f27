//! What a BUILD file needs from a Cargo.toml: the crate's name and edition, and the crates it
//! depends on, each either a directory of this repository or a registry crate.
//!
//! Which components depend on which is the dependency graph's business (lint resolves it from
//! the code); this reads only what the graph does not hold: registry crates, renames, editions.

use std::collections::BTreeMap;

use toml::{Table, Value};

/// Where a dependency comes from, once `workspace = true` and `[patch]` are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A crate in this repository, by its repository-relative directory.
    Path(String),
    /// A crate from a registry or git.
    Registry,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The table key, the name code uses (with `-` read as `_`).
    pub key: String,
    /// The package depended upon: `package = "..."`, else the key.
    pub package: String,
    pub source: Source,
}

impl Dependency {
    /// The name code spells this crate with.
    pub fn code_name(&self) -> String {
        self.key.replace('-', "_")
    }
}

/// One crate's Cargo.toml, as far as it could be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The package name, `None` for a virtual manifest.
    pub package: Option<String>,
    /// `[lib] name`, else the package name with `-` read as `_`.
    pub crate_name: Option<String>,
    pub edition: Option<String>,
    /// `[dependencies]` and every `[target.*.dependencies]`, in key order: what the library
    /// links. Dev- and build-dependencies serve tests and build scripts, which the BUILD files
    /// do not model (the components they reach are in the graph all the same).
    pub dependencies: Vec<Dependency>,
}

/// The workspace root's tables that other manifests refer to.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// `[workspace.dependencies]`, by key.
    dependencies: BTreeMap<String, Table>,
    /// `[patch.<registry>]` entries, by package: registry crates replaced by a path.
    patches: BTreeMap<String, String>,
    /// `[workspace.package] edition`.
    pub edition: Option<String>,
}

impl Workspace {
    /// Reads the root Cargo.toml; a missing or malformed one is an empty workspace.
    pub fn read(text: Option<&str>) -> Workspace {
        let Some(root) = text.and_then(|text| text.parse::<Table>().ok()) else {
            return Workspace::default();
        };
        let workspace = root.get("workspace").and_then(Value::as_table);
        let dependencies = workspace
            .and_then(|workspace| workspace.get("dependencies"))
            .and_then(Value::as_table)
            .map(|table| {
                table
                    .iter()
                    .map(|(key, spec)| (key.clone(), spec_table(spec)))
                    .collect()
            })
            .unwrap_or_default();
        let mut patches = BTreeMap::new();
        for (_, registry) in root
            .get("patch")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            for (key, spec) in registry.as_table().into_iter().flatten() {
                let spec = spec_table(spec);
                if let Some(path) = spec.get("path").and_then(Value::as_str) {
                    let package = package_of(key, &spec);
                    if let Some(directory) = join("", path) {
                        patches.insert(package, directory);
                    }
                }
            }
        }
        let edition = workspace
            .and_then(|workspace| workspace.get("package"))
            .and_then(|package| package.get("edition"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Workspace {
            dependencies,
            patches,
            edition,
        }
    }
}

/// Reads the Cargo.toml in `directory` (repository-relative, `""` for the root). A manifest
/// that does not parse reads as empty: `orrery check` reports it as an `input` problem.
pub fn read(directory: &str, text: &str, workspace: &Workspace) -> Manifest {
    let Ok(root) = text.parse::<Table>() else {
        return Manifest::default();
    };
    let package = root.get("package").and_then(Value::as_table);
    let name = package
        .and_then(|package| package.get("name"))
        .and_then(Value::as_str);
    let lib_name = root
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .and_then(Value::as_str);
    let edition = match package.and_then(|package| package.get("edition")) {
        Some(Value::String(edition)) => Some(edition.clone()),
        Some(Value::Table(inherited))
            if inherited.get("workspace") == Some(&Value::Boolean(true)) =>
        {
            workspace.edition.clone()
        }
        _ => None,
    };
    let mut tables: Vec<&Table> = root
        .get("dependencies")
        .and_then(Value::as_table)
        .into_iter()
        .collect();
    for (_, target) in root
        .get("target")
        .and_then(Value::as_table)
        .into_iter()
        .flatten()
    {
        tables.extend(target.get("dependencies").and_then(Value::as_table));
    }
    let mut dependencies: Vec<Dependency> = tables
        .into_iter()
        .flatten()
        .map(|(key, spec)| dependency(directory, key, &spec_table(spec), workspace))
        .collect();
    dependencies.sort_by(|a, b| a.key.cmp(&b.key));
    dependencies.dedup_by(|a, b| a.key == b.key);
    Manifest {
        package: name.map(str::to_owned),
        crate_name: lib_name.or(name).map(|name| name.replace('-', "_")),
        edition,
        dependencies,
    }
}

fn dependency(directory: &str, key: &str, spec: &Table, workspace: &Workspace) -> Dependency {
    let inherited = spec.get("workspace") == Some(&Value::Boolean(true));
    let (spec, base) = match workspace.dependencies.get(key) {
        Some(entry) if inherited => (entry, ""),
        _ => (spec, directory),
    };
    let package = package_of(key, spec);
    let source = match spec.get("path").and_then(Value::as_str) {
        Some(path) => join(base, path).map_or(Source::Registry, Source::Path),
        None => workspace
            .patches
            .get(&package)
            .map_or(Source::Registry, |directory| {
                Source::Path(directory.clone())
            }),
    };
    Dependency {
        key: key.to_owned(),
        package,
        source,
    }
}

/// A dependency's specification as a table: `"1.0"` is `{ version = "1.0" }`.
fn spec_table(spec: &Value) -> Table {
    match spec {
        Value::Table(table) => table.clone(),
        other => Table::from_iter([("version".to_owned(), other.clone())]),
    }
}

fn package_of(key: &str, spec: &Table) -> String {
    spec.get("package")
        .and_then(Value::as_str)
        .unwrap_or(key)
        .to_owned()
}

/// Joins a relative path onto a repository-relative directory. `None` when it leaves the
/// repository or is absolute.
pub fn join(directory: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = directory.split('/').filter(|p| !p.is_empty()).collect();
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
    use super::*;

    const ROOT: &str = r#"
[workspace.package]
edition = "2024"

[workspace.dependencies]
orrery-runtime = { path = "runtime" }
tokio = { version = "1", features = ["rt"] }

[patch.crates-io]
vault = { path = "libs/vault" }
"#;

    #[test]
    fn resolves_workspace_entries_patches_and_renames() {
        let workspace = Workspace::read(Some(ROOT));
        let manifest = read(
            "servlets/home",
            r#"
[package]
name = "home-servlet"
edition.workspace = true

[lib]
name = "home"

[dependencies]
ui = { path = "../../libs/ui" }
hidden = { package = "private_lib", path = "../../libs/private_lib" }
orrery-runtime.workspace = true
serde = "1"
vault = "0.1"

[target.'cfg(unix)'.dependencies]
tokio.workspace = true

[dev-dependencies]
insta = "1"
"#,
            &workspace,
        );
        assert_eq!(manifest.package.as_deref(), Some("home-servlet"));
        assert_eq!(manifest.crate_name.as_deref(), Some("home"));
        assert_eq!(manifest.edition.as_deref(), Some("2024"));
        let found: Vec<(String, String, Source)> = manifest
            .dependencies
            .into_iter()
            .map(|d| (d.key, d.package, d.source))
            .collect();
        let path = |p: &str| Source::Path(p.to_owned());
        assert_eq!(
            found,
            [
                (
                    "hidden".into(),
                    "private_lib".into(),
                    path("libs/private_lib")
                ),
                (
                    "orrery-runtime".into(),
                    "orrery-runtime".into(),
                    path("runtime")
                ),
                ("serde".into(), "serde".into(), Source::Registry),
                ("tokio".into(), "tokio".into(), Source::Registry),
                ("ui".into(), "ui".into(), path("libs/ui")),
                ("vault".into(), "vault".into(), path("libs/vault")),
            ]
        );
    }
}
