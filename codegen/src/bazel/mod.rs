//! Bazel files, the way Gazelle writes them for Go: a `BUILD.bazel` per component and per
//! generated crate, and at the root the groups as `package_group`s, a `WORKSPACE` and a
//! `MODULE.bazel` that declare rules_rust and rules_proto.
//!
//! The targets, per package:
//! - a library: `rust_library`, visible as its library.yaml says;
//! - a servlet: its own crate, a `rust_library` visible only to the generated targets that
//!   link it (its server); `service`, a `filegroup` over that crate that stands for calling the
//!   servlet over RPC, and `proto`, the `proto_library` of its protos, both visible as the
//!   servlet.yaml says;
//! - a servlet's API crate: `rust_library` in `servlets/<name>/api`, visible as the
//!   servlet.yaml says, to its servlet, and to the generated servers that link it;
//! - a generated server: its adapter (`rust_library`, linked by the monolith) and its binary;
//!   the monolith's binary.
//!
//! `deps` are the dependency graph's edges (every import, whatever Cargo table or `use` made
//! it), and `data` its `calls`, each as the callee's `service`: so Bazel sees the same graph as
//! `orrery check`, and its visibility and cycle checks judge the same edges. Registry crates,
//! which the graph leaves out, come from the Cargo.toml as `@crates//:<package>`.

mod cargo;
mod root;
pub mod starlark;
mod visibility;

use std::collections::{BTreeMap, BTreeSet};

use orrery_model::proto::ServletApi;
use orrery_model::{Component, ComponentId, ComponentKind, DependencyGraph, Repository, Snapshot};
use prost::Message as _;
use prost_types::FileDescriptorSet;

use self::cargo::{Manifest, Source, Workspace};
use self::starlark::{Call, File, Value};
use self::visibility::ApiPackages;
use crate::{GeneratedFile, header};

pub use self::visibility::{PRIVATE, PUBLIC};

/// The name of the file Bazel reads in every package.
pub const BUILD: &str = "BUILD.bazel";

/// Where the generated files find what orrery does not generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The external repository registry crates come from, as rules_rust's crate_universe
    /// names it: `crates` makes serde `@crates//:serde`.
    pub crates_repository: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            crates_repository: "crates".to_owned(),
        }
    }
}

/// Every Bazel file for the repository. `generated` holds the other files of this run: the
/// Cargo.toml files of the API crates and servers say what those crates link.
pub fn bazel_files(
    repository: &Repository,
    graph: &DependencyGraph,
    snapshot: &Snapshot,
    generated: &[GeneratedFile],
    options: &Options,
) -> Vec<GeneratedFile> {
    let context = Context::new(repository, graph, snapshot, generated, options);
    let mut files: Vec<GeneratedFile> = repository
        .components
        .values()
        .filter(|component| !context.orphaned.contains(component.id.as_str()))
        .map(|component| context.component_file(component))
        .chain(
            context
                .generated_crates
                .iter()
                .map(|dir| context.generated_crate_file(dir)),
        )
        .collect();
    files.extend(root::root_files(
        repository,
        &context.apis,
        &context.manifest_labels(),
        context.workspace.edition.as_deref(),
        options,
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// What every BUILD file is made from, read once.
struct Context<'a> {
    repository: &'a Repository,
    graph: &'a DependencyGraph,
    options: &'a Options,
    workspace: Workspace,
    /// Every crate's Cargo.toml, by directory: this run's generated ones over those on disk.
    manifests: BTreeMap<String, Manifest>,
    /// Directories of the crates whose Cargo.toml this run writes anew (missing or changed on
    /// disk): the graph, read from the disk, does not know yet what they link.
    changed_manifests: BTreeSet<String>,
    /// Directories of generated crates on disk that this run no longer generates: `orrery gen`
    /// removes them, so their components get no BUILD file.
    orphaned: BTreeSet<String>,
    /// The crates generated under gen/ (servers, the monolith), by directory.
    generated_crates: BTreeSet<String>,
    /// Every file this run generates, by path.
    generated_paths: BTreeSet<&'a str>,
    apis: ApiPackages,
    /// For a target, the `__pkg__` labels of the generated packages that link it.
    linked_by: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Context<'a> {
    fn new(
        repository: &'a Repository,
        graph: &'a DependencyGraph,
        snapshot: &'a Snapshot,
        generated: &'a [GeneratedFile],
        options: &'a Options,
    ) -> Context<'a> {
        let mut texts: BTreeMap<String, String> = snapshot
            .cargo_manifests
            .iter()
            .map(|file| (directory_of(&file.path), file.text.clone()))
            .collect();
        let mut generated_manifests = BTreeSet::new();
        let mut changed_manifests = BTreeSet::new();
        for file in generated.iter().filter(|f| is_cargo_toml(&f.path)) {
            let directory = directory_of(&file.path);
            generated_manifests.insert(directory.clone());
            let text = file.as_text().into_owned();
            if texts.get(&directory) != Some(&text) {
                changed_manifests.insert(directory.clone());
            }
            texts.insert(directory, text);
        }
        let orphaned: BTreeSet<String> = snapshot
            .cargo_manifests
            .iter()
            .filter(|file| crate::is_generated(file.text.as_bytes()))
            .map(|file| directory_of(&file.path))
            .filter(|directory| !generated_manifests.contains(directory))
            .collect();
        let workspace = Workspace::read(texts.get("").map(String::as_str));
        let manifests: BTreeMap<String, Manifest> = texts
            .iter()
            .map(|(dir, text)| (dir.clone(), cargo::read(dir, text, &workspace)))
            .collect();
        let generated_crates: BTreeSet<String> = generated_manifests
            .iter()
            .filter(|dir| dir.starts_with("gen/"))
            .cloned()
            .collect();
        let apis = ApiPackages(
            repository
                .components
                .values()
                .filter(|c| c.kind == ComponentKind::Api)
                .map(|c| c.id.as_str().to_owned())
                .filter(|id| !orphaned.contains(id))
                .collect(),
        );
        let mut context = Context {
            repository,
            graph,
            options,
            workspace,
            manifests,
            changed_manifests,
            orphaned,
            generated_crates,
            generated_paths: generated.iter().map(|f| f.path.as_str()).collect(),
            apis,
            linked_by: BTreeMap::new(),
        };
        let mut linked_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for dir in &context.generated_crates {
            for dependency in &context.manifests[dir].dependencies {
                if let Source::Path(target) = &dependency.source
                    && let Some(label) = context.directory_label(target)
                {
                    linked_by
                        .entry(label)
                        .or_default()
                        .insert(format!("//{dir}:__pkg__"));
                }
            }
        }
        context.linked_by = linked_by;
        context
    }

    /// The label of the target built from the crate in `directory`: the component holding
    /// it (or the directory itself, when it lies in servlets/ or libs/ but in no component:
    /// Bazel then finds no package, as orrery finds no manifest), or a generated library.
    /// `None` for a crate outside both, platform code that counts as a registry crate.
    fn directory_label(&self, directory: &str) -> Option<String> {
        let in_trees = ["servlets", "libs"]
            .iter()
            .any(|top| contains(top, directory));
        if in_trees {
            return Some(format!("//{}", self.owner(directory)));
        }
        let library = format!("{directory}/src/lib.rs");
        (self.generated_crates.contains(directory)
            && self.generated_paths.contains(library.as_str()))
        .then(|| format!("//{directory}"))
    }

    fn registry_label(&self, package: &str) -> String {
        format!("@{}//:{package}", self.options.crates_repository)
    }

    /// A Cargo dependency's label, and the crate name its target builds.
    fn dependency_label(&self, dependency: &cargo::Dependency) -> (String, String) {
        let local = match &dependency.source {
            Source::Path(directory) => self.directory_label(directory),
            Source::Registry => None,
        };
        match local {
            Some(label) => {
                let directory = label.trim_start_matches("//");
                let crate_name = self
                    .manifests
                    .get(directory)
                    .and_then(|m| m.crate_name.clone())
                    .unwrap_or_else(|| last_segment(directory).to_owned());
                (label, crate_name)
            }
            None => (
                self.registry_label(&dependency.package),
                dependency.package.replace('-', "_"),
            ),
        }
    }

    fn component_file(&self, component: &Component) -> GeneratedFile {
        let id = component.id.as_str();
        let mut sources = vec![component.manifest_path.clone()];
        if self.manifests.contains_key(id) {
            sources.push(format!("{id}/Cargo.toml"));
        }
        sources.push(format!("the imports in {id}"));
        let mut file = File::new([header(&sources)]);
        let library = self.component_library(component);
        match component.kind {
            ComponentKind::Library | ComponentKind::Api => {
                file.loads([("@rules_rust//rust:defs.bzl", vec!["rust_library"])]);
                file.rules([library]);
            }
            ComponentKind::Servlet => {
                let api = self.repository.apis.get(&component.id);
                let mut loads = vec![("@rules_rust//rust:defs.bzl", vec!["rust_library"])];
                if api.is_some() {
                    loads.push(("@rules_proto//proto:defs.bzl", vec!["proto_library"]));
                }
                file.loads(loads);
                // Calling the servlet, like using its API, is governed by its manifest.
                let declared = component.declared_visibility().iter().map(|l| &l.value);
                let manifest_visibility = self.visibility(declared, []);
                let service = Call::new("filegroup")
                    .arg("name", Value::str("service"))
                    .arg("srcs", Value::list([format!(":{}", target_name(id))]))
                    .arg("visibility", Value::list(manifest_visibility.clone()));
                let proto = api.map(|api| self.proto_library(id, api, &manifest_visibility));
                file.rules([library, service].into_iter().chain(proto));
            }
        }
        GeneratedFile::text(format!("{id}/{BUILD}"), file.print())
    }

    /// The component's own crate.
    fn component_library(&self, component: &Component) -> Call {
        let id = component.id.as_str();
        let name = target_name(id);
        let manifest = self.manifests.get(id);
        let (mut deps, data) = self.graph_dependencies(&component.id);
        if self.changed_manifests.contains(id) {
            // This run writes the crate's Cargo.toml anew: it, not the one on disk the graph
            // was read from, says what the API crate links (the crates its code names).
            deps = manifest
                .into_iter()
                .flat_map(|m| &m.dependencies)
                .filter_map(|dependency| match &dependency.source {
                    Source::Path(directory) => self.directory_label(directory),
                    Source::Registry => None,
                })
                .filter(|label| label.trim_start_matches("//") != id)
                .collect();
        }
        let mut aliases = BTreeMap::new();
        for dependency in manifest.into_iter().flat_map(|m| &m.dependencies) {
            let (label, crate_name) = self.dependency_label(dependency);
            let is_registry = label.starts_with('@');
            if is_registry {
                deps.insert(label.clone());
            }
            if deps.contains(&label) && dependency.code_name() != crate_name {
                aliases
                    .entry(label)
                    .or_insert_with(|| dependency.code_name());
            }
        }
        let crate_name = match component.kind {
            ComponentKind::Api => Some(
                manifest
                    .and_then(|m| m.crate_name.clone())
                    .unwrap_or_else(|| format!("{}_api", component.name())),
            ),
            _ => manifest.and_then(|m| m.crate_name.clone()),
        }
        .filter(|crate_name| crate_name != name);
        let linked = self
            .linked_by
            .get(&format!("//{id}"))
            .cloned()
            .unwrap_or_default();
        let visibility = match component.kind {
            // A servlet's own crate: only the generated targets that host it.
            ComponentKind::Servlet => self.visibility([], linked),
            // The API crate: as the manifest says, and always to its own servlet.
            ComponentKind::Api => {
                let servlet = id.strip_suffix("/api").unwrap_or(id);
                let extra = linked.into_iter().chain([format!("//{servlet}:__pkg__")]);
                self.visibility(visibility_labels(component), extra)
            }
            ComponentKind::Library => self.visibility(visibility_labels(component), linked),
        };
        // An API crate's descriptor set is a file `include_bytes!` reads.
        let compile_data = (component.kind == ComponentKind::Api)
            .then(|| Value::list([format!("src/{}", crate::api::DESCRIPTOR_SET_FILE)]));
        Call::new("rust_library")
            .arg("name", Value::str(name))
            .arg("srcs", Value::glob(&["src/**/*.rs"]))
            .arg_if("compile_data", compile_data)
            .arg_if("crate_name", crate_name.map(Value::Str))
            .arg_if(
                "edition",
                manifest.and_then(|m| m.edition.clone()).map(Value::Str),
            )
            .arg("aliases", Value::dict(aliases))
            .arg("data", Value::list(data))
            .arg("deps", Value::list(deps))
            .arg("visibility", Value::list(visibility))
    }

    /// The graph's edges from `id`: imports as `deps` on the target's crate, `calls` as
    /// `data` on the callee's `service`.
    fn graph_dependencies(&self, id: &ComponentId) -> (BTreeSet<String>, BTreeSet<String>) {
        let (mut deps, mut data) = (BTreeSet::new(), BTreeSet::new());
        for edge in self.graph.edges_from(id) {
            let to = self.owner(edge.to.as_str());
            // A crate naming itself is no dependency (as in the graph); a servlet calling
            // itself is a cycle, and stays.
            if edge.evidence.iter().any(|e| e.kind.is_import()) && to != id.as_str() {
                deps.insert(format!("//{to}"));
            }
            if edge.evidence.iter().any(|e| !e.kind.is_import()) {
                data.insert(format!("//{to}:service"));
            }
        }
        (deps, data)
    }

    /// The component that holds `path` once this run's orphans are gone (an API crate whose
    /// protos were removed leaves its directory to its servlet), or `path` itself when no
    /// component does: what the graph will say on the next run.
    fn owner<'p>(&'p self, path: &'p str) -> &'p str {
        self.repository
            .components
            .keys()
            .map(ComponentId::as_str)
            .filter(|id| contains(id, path) && !self.orphaned.contains(*id))
            .max_by_key(|id| id.len())
            .unwrap_or(path)
    }

    fn visibility<'l>(
        &self,
        labels: impl IntoIterator<Item = &'l orrery_model::Label>,
        extra: impl IntoIterator<Item = String>,
    ) -> Vec<String> {
        visibility::visibility(labels, extra, &self.apis)
    }

    /// The servlet's protos, importing from other servlets' `proto` targets, googleapis and
    /// protobuf's well-known types.
    fn proto_library(&self, servlet: &str, api: &ServletApi, visibility: &[String]) -> Call {
        let own: BTreeSet<&str> = api.files.iter().map(String::as_str).collect();
        let descriptors = FileDescriptorSet::decode(api.descriptor_set()).unwrap_or_default();
        let deps: BTreeSet<String> = descriptors
            .file
            .iter()
            .filter(|file| own.contains(file.name()))
            .flat_map(|file| &file.dependency)
            .filter(|import| !own.contains(import.as_str()))
            .map(|import| proto_label(import))
            .collect();
        let prefix = format!("{servlet}/");
        Call::new("proto_library")
            .arg("name", Value::str("proto"))
            .arg(
                "srcs",
                Value::list(
                    api.files
                        .iter()
                        .map(|f| f.trim_start_matches(&prefix).to_owned()),
                ),
            )
            .arg("deps", Value::list(deps))
            .arg("visibility", Value::list(visibility.to_vec()))
    }

    /// A generated crate under gen/: its library (a server's adapter) and its binary.
    fn generated_crate_file(&self, dir: &str) -> GeneratedFile {
        let manifest = &self.manifests[dir];
        let has = |file: &str| {
            self.generated_paths
                .contains(format!("{dir}/{file}").as_str())
        };
        let name = target_name(dir);
        let labels: Vec<(String, bool)> = manifest
            .dependencies
            .iter()
            .map(|dependency| {
                let (label, _) = self.dependency_label(dependency);
                let is_registry = label.starts_with('@');
                (label, is_registry)
            })
            .collect();
        let edition = manifest.edition.clone().map(Value::Str);
        let mut rules = Vec::new();
        let mut symbols = Vec::new();
        if has("src/lib.rs") {
            symbols.push("rust_library");
            let linked = self
                .linked_by
                .get(&format!("//{dir}"))
                .cloned()
                .unwrap_or_default();
            rules.push(
                Call::new("rust_library")
                    .arg("name", Value::str(name))
                    .arg("srcs", Value::list(["src/lib.rs"]))
                    .arg_if(
                        "crate_name",
                        manifest
                            .crate_name
                            .clone()
                            .filter(|c| c != name)
                            .map(Value::Str),
                    )
                    .arg_if("edition", edition.clone())
                    .arg(
                        "deps",
                        Value::list(labels.iter().map(|(label, _)| label.clone())),
                    )
                    .arg("visibility", Value::list(self.visibility([], linked))),
            );
        }
        if has("src/main.rs") {
            symbols.push("rust_binary");
            // The binary links the package's library and what the package takes from
            // registries; without a library, everything the package depends on.
            let deps: Vec<String> = if has("src/lib.rs") {
                labels
                    .iter()
                    .filter(|(_, registry)| *registry)
                    .map(|(label, _)| label.clone())
                    .chain([format!(":{name}")])
                    .collect()
            } else {
                labels.iter().map(|(label, _)| label.clone()).collect()
            };
            let binary = manifest.package.clone().unwrap_or_else(|| name.to_owned());
            rules.push(
                Call::new("rust_binary")
                    .arg("name", Value::str(binary))
                    .arg("srcs", Value::list(["src/main.rs"]))
                    .arg_if("edition", edition)
                    .arg("deps", Value::list(deps))
                    .arg("visibility", Value::list([PUBLIC])),
            );
        }
        let sources = self.generated_crate_sources(dir);
        let mut file = File::new([header(&sources)]);
        file.loads([("@rules_rust//rust:defs.bzl", symbols)]);
        file.rules(rules);
        GeneratedFile::text(format!("{dir}/{BUILD}"), file.print())
    }

    /// A generated crate's BUILD file is made from what its Cargo.toml is made from.
    fn generated_crate_sources(&self, dir: &str) -> Vec<String> {
        match dir.strip_prefix("gen/servers/") {
            Some(servlet) => vec![
                format!("servlets/{servlet}/servlet.yaml"),
                format!("servlets/{servlet}/proto"),
            ],
            None => vec!["every servlet.yaml".to_owned()],
        }
    }

    /// Every Cargo.toml, as the label crate_universe reads it from.
    fn manifest_labels(&self) -> Vec<String> {
        let packages: BTreeSet<String> = self
            .repository
            .components
            .keys()
            .map(|id| id.as_str().to_owned())
            .chain(self.generated_crates.iter().cloned())
            .collect();
        self.manifests
            .keys()
            .filter(|dir| !self.orphaned.contains(dir.as_str()))
            .map(|dir| {
                let package = packages
                    .iter()
                    .filter(|package| contains(package, dir))
                    .max_by_key(|package| package.len())
                    .map_or("", String::as_str);
                let relative = dir
                    .strip_prefix(package)
                    .unwrap_or(dir)
                    .trim_start_matches('/');
                let file = if relative.is_empty() {
                    "Cargo.toml".to_owned()
                } else {
                    format!("{relative}/Cargo.toml")
                };
                format!("//{package}:{file}")
            })
            .collect()
    }
}

/// The labels of the manifest's `visibility` that govern this component.
fn visibility_labels(component: &Component) -> impl Iterator<Item = &orrery_model::Label> {
    component.visibility().iter().map(|label| &label.value)
}

/// The label a proto import is found under: another servlet's `proto` target, a googleapis
/// or protobuf target, or the `<name>_proto` target of the directory holding it.
fn proto_label(import: &str) -> String {
    let stem = |path: &str| path.trim_end_matches(".proto").replace('/', "_");
    if let Some(rest) = import.strip_prefix("google/protobuf/") {
        return format!("@com_google_protobuf//:{}_proto", stem(rest));
    }
    let (directory, file) = import.rsplit_once('/').unwrap_or(("", import));
    if import.starts_with("google/") {
        return format!("@com_google_googleapis//{directory}:{}_proto", stem(file));
    }
    let segments: Vec<&str> = import.split('/').collect();
    if let ["servlets", servlet, "proto", ..] = segments.as_slice() {
        return format!("//servlets/{servlet}:proto");
    }
    format!("//{directory}:{}_proto", stem(file))
}

/// A package's default target is named after its last directory.
fn target_name(package: &str) -> &str {
    last_segment(package)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_cargo_toml(path: &str) -> bool {
    path == "Cargo.toml" || path.ends_with("/Cargo.toml")
}

/// `servlets/home` for `servlets/home/Cargo.toml`, `""` for the root's.
fn directory_of(path: &str) -> String {
    path.strip_suffix("Cargo.toml")
        .unwrap_or(path)
        .trim_end_matches('/')
        .to_owned()
}

/// Is `path` the directory `directory` or inside it?
fn contains(directory: &str, path: &str) -> bool {
    directory.is_empty()
        || path
            .strip_prefix(directory)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::proto_label;

    #[test]
    fn proto_imports_map_to_the_targets_that_hold_them() {
        assert_eq!(
            proto_label("google/api/annotations.proto"),
            "@com_google_googleapis//google/api:annotations_proto"
        );
        assert_eq!(
            proto_label("google/protobuf/timestamp.proto"),
            "@com_google_protobuf//:timestamp_proto"
        );
        assert_eq!(
            proto_label("servlets/catalog/proto/catalog.proto"),
            "//servlets/catalog:proto"
        );
        assert_eq!(
            proto_label("proto/services/metadata.proto"),
            "//proto/services:metadata_proto"
        );
    }
}
