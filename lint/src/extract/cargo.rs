//! Cargo.toml: every dependency, in every table that can hold one.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use orrery_model::location::line_column;

/// Where a dependency comes from. Only path dependencies (directly, or through the workspace's
/// `[workspace.dependencies]`) can be components of this repository: a registry crate that
/// merely shares a library's name is not that library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `path = "..."`, relative to the Cargo.toml's directory.
    Path(String),
    /// `workspace = true`: look it up in the root Cargo.toml.
    Workspace,
    /// A registry or git dependency.
    External,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The table key as written.
    pub key: String,
    /// The name the code uses: the table key, with `-` read as `_`.
    pub crate_name: String,
    /// The package depended on (`package = "..."`, else the key).
    pub package: String,
    pub source: Source,
    /// The table it was declared in, e.g. `dev-dependencies` or `target.'cfg(unix)'.dependencies`.
    pub table: String,
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

/// The dependencies a Cargo.toml declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoManifest {
    pub dependencies: Vec<Dependency>,
    /// `[workspace.dependencies]`, in a workspace root.
    pub workspace_dependencies: Vec<Dependency>,
}

const TABLES: &[&str] = &[
    "dependencies",
    "dev-dependencies",
    "dev_dependencies",
    "build-dependencies",
    "build_dependencies",
];

/// Parses a Cargo.toml. The error is a message with its line and column.
pub fn parse(text: &str) -> Result<CargoManifest, (u32, u32, String)> {
    let root = DeTable::parse(text).map_err(|error| {
        let (line, column) = line_column(text, error.span().map_or(0, |span| span.start));
        (line, column, error.message().trim().to_owned())
    })?;
    let root = root.get_ref();
    let mut manifest = CargoManifest::default();
    for table in TABLES {
        collect(text, root, table, table, &mut manifest.dependencies);
    }
    if let Some(targets) = table(root, "target") {
        for (cfg, target) in targets {
            let Some(target) = target.get_ref().as_table() else {
                continue;
            };
            for table in TABLES {
                collect(
                    text,
                    target,
                    table,
                    &format!("target.'{}'.{table}", cfg.get_ref()),
                    &mut manifest.dependencies,
                );
            }
        }
    }
    if let Some(workspace) = table(root, "workspace") {
        collect(
            text,
            workspace,
            "dependencies",
            "workspace.dependencies",
            &mut manifest.workspace_dependencies,
        );
    }
    Ok(manifest)
}

fn table<'a, 'i>(parent: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    parent.get(key).and_then(|value| value.get_ref().as_table())
}

fn collect(
    text: &str,
    parent: &DeTable<'_>,
    key: &str,
    table_name: &str,
    into: &mut Vec<Dependency>,
) {
    let Some(entries) = table(parent, key) else {
        return;
    };
    for (name, spec) in entries {
        into.push(dependency(text, name, spec, table_name));
    }
}

fn dependency(
    text: &str,
    name: &Spanned<std::borrow::Cow<'_, str>>,
    spec: &Spanned<DeValue<'_>>,
    table: &str,
) -> Dependency {
    let key = name.get_ref().to_string();
    let detail = spec.get_ref().as_table();
    let field = |field: &str| {
        detail
            .and_then(|d| d.get(field))
            .map(|value| value.get_ref())
    };
    let source = if let Some(path) = field("path").and_then(DeValue::as_str) {
        Source::Path(path.to_owned())
    } else if field("workspace").and_then(DeValue::as_bool) == Some(true) {
        Source::Workspace
    } else {
        Source::External
    };
    let package = field("package")
        .and_then(DeValue::as_str)
        .unwrap_or(&key)
        .to_owned();
    let (line, column) = line_column(text, name.span().start);
    Dependency {
        crate_name: key.replace('-', "_"),
        key: key.clone(),
        package,
        source,
        table: table.to_owned(),
        line,
        column,
        len: key.chars().count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(manifest: &CargoManifest) -> Vec<String> {
        manifest
            .dependencies
            .iter()
            .chain(&manifest.workspace_dependencies)
            .map(|d| {
                format!(
                    "{} {} {:?} [{}] {}:{}",
                    d.crate_name, d.package, d.source, d.table, d.line, d.column
                )
            })
            .collect()
    }

    #[test]
    fn reads_every_table_and_form() {
        let text = r#"[package]
name = "home"

[dependencies]
ui = { path = "../../libs/ui" }
widgets = { package = "ui-widgets", path = "../../libs/widgets" }
auth.workspace = true
serde = "1"

[dependencies.storage-keys]
path = "../../libs/storage_keys"

[dev-dependencies]
files = { path = "../files" }

[build-dependencies]
codegen = { path = "../../libs/codegen" }

[target.'cfg(unix)'.dependencies]
sharing = { path = "../sharing" }

[workspace.dependencies]
auth = { path = "libs/auth" }
"#;
        assert_eq!(
            render(&parse(text).unwrap()),
            [
                "auth auth Workspace [dependencies] 7:1",
                "serde serde External [dependencies] 8:1",
                "storage_keys storage-keys Path(\"../../libs/storage_keys\") [dependencies] 10:15",
                "ui ui Path(\"../../libs/ui\") [dependencies] 5:1",
                "widgets ui-widgets Path(\"../../libs/widgets\") [dependencies] 6:1",
                "files files Path(\"../files\") [dev-dependencies] 14:1",
                "codegen codegen Path(\"../../libs/codegen\") [build-dependencies] 17:1",
                "sharing sharing Path(\"../sharing\") [target.'cfg(unix)'.dependencies] 20:1",
                "auth auth Path(\"libs/auth\") [workspace.dependencies] 23:1",
            ]
        );
    }

    #[test]
    fn reports_malformed_toml_with_its_position() {
        assert_eq!(parse("[dependencies]\nui = { path = \n").unwrap_err().0, 2);
    }
}
