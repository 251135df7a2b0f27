//! Cargo.toml: the crate's name, and every dependency in every table that can hold one.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use orrery_model::location::line_column;

/// Where a dependency comes from. Only path dependencies (directly, through the workspace's
/// `[workspace.dependencies]`, or a registry crate replaced by a `[patch]` path) can be
/// components of this repository: a registry crate that merely shares a library's name is not
/// that library.
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
    /// The package depended on (`package = "..."`, else the key).
    pub package: String,
    pub source: Source,
    /// Renamed with `package = "..."`: code then uses the key, not the target's library name.
    pub renamed: bool,
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

impl Dependency {
    /// The key as code spells it, with `-` read as `_`.
    pub fn key_name(&self) -> String {
        self.key.replace('-', "_")
    }
}

/// What a Cargo.toml declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoManifest {
    /// The name other crates' code uses for this one: `[lib] name`, else the package name
    /// with `-` read as `_`. `None` for a virtual manifest.
    pub lib_name: Option<String>,
    pub dependencies: Vec<Dependency>,
    /// `[workspace.dependencies]`, in a workspace root.
    pub workspace_dependencies: Vec<Dependency>,
    /// `[patch.<registry>]` entries, in a workspace root: they replace registry crates.
    pub patches: Vec<Dependency>,
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
    let name = |section: &str| {
        table(root, section)?
            .get("name")?
            .get_ref()
            .as_str()
            .map(|name| name.replace('-', "_"))
    };
    let mut manifest = CargoManifest {
        lib_name: name("lib").or_else(|| name("package")),
        ..CargoManifest::default()
    };
    for section in TABLES {
        collect(text, root, section, &mut manifest.dependencies);
    }
    for (_, target) in table(root, "target").into_iter().flatten() {
        let Some(target) = target.get_ref().as_table() else {
            continue;
        };
        for section in TABLES {
            collect(text, target, section, &mut manifest.dependencies);
        }
    }
    if let Some(workspace) = table(root, "workspace") {
        collect(
            text,
            workspace,
            "dependencies",
            &mut manifest.workspace_dependencies,
        );
    }
    if let Some(patches) = table(root, "patch") {
        for (registry, _) in patches {
            collect(text, patches, registry.get_ref(), &mut manifest.patches);
        }
    }
    Ok(manifest)
}

fn table<'a, 'i>(parent: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    parent.get(key).and_then(|value| value.get_ref().as_table())
}

fn collect(text: &str, parent: &DeTable<'_>, key: &str, into: &mut Vec<Dependency>) {
    for (name, spec) in table(parent, key).into_iter().flatten() {
        into.push(dependency(text, name, spec));
    }
}

fn dependency(text: &str, name: &Spanned<Cow<'_, str>>, spec: &Spanned<DeValue<'_>>) -> Dependency {
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
    let package = field("package").and_then(DeValue::as_str);
    // A quoted key (`"vault" = ...`) starts at its quote; point at the name itself.
    let quoted = text
        .as_bytes()
        .get(name.span().start)
        .is_some_and(|&b| b == b'"' || b == b'\'');
    let (line, column) = line_column(text, name.span().start + usize::from(quoted));
    Dependency {
        key: key.clone(),
        package: package.unwrap_or(&key).to_owned(),
        source,
        renamed: package.is_some(),
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
            .chain(&manifest.patches)
            .map(|d| {
                format!(
                    "{} {} {:?} {}:{}",
                    d.key_name(),
                    d.package,
                    d.source,
                    d.line,
                    d.column
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

[patch.crates-io]
"serde" = { path = "vendor/serde" }

[lib]
name = "home_core"
"#;
        let manifest = parse(text).unwrap();
        assert_eq!(
            render(&manifest),
            [
                "auth auth Workspace 7:1",
                "serde serde External 8:1",
                "storage_keys storage-keys Path(\"../../libs/storage_keys\") 10:15",
                "ui ui Path(\"../../libs/ui\") 5:1",
                "widgets ui-widgets Path(\"../../libs/widgets\") 6:1",
                "files files Path(\"../files\") 14:1",
                "codegen codegen Path(\"../../libs/codegen\") 17:1",
                "sharing sharing Path(\"../sharing\") 20:1",
                "auth auth Path(\"libs/auth\") 23:1",
                "serde serde Path(\"vendor/serde\") 26:2",
            ]
        );
        assert_eq!(manifest.lib_name.as_deref(), Some("home_core"));
        assert!(
            manifest
                .dependencies
                .iter()
                .filter(|d| d.renamed)
                .map(|d| d.key.as_str())
                .eq(["widgets"])
        );
        assert_eq!(
            parse("[package]\nname = \"storage-keys\"\n")
                .unwrap()
                .lib_name
                .as_deref(),
            Some("storage_keys")
        );
    }

    #[test]
    fn reports_malformed_toml_with_its_position() {
        assert_eq!(parse("[dependencies]\nui = { path = \n").unwrap_err().0, 2);
    }
}
