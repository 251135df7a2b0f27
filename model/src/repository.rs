//! The model stage: from the texts discovery read to typed components.

use std::collections::{BTreeMap, HashSet};

use crate::component::{Component, ComponentId, ComponentKind, Manifest};
use crate::diagnostic::{Diagnostic, RuleId};
use crate::location::Location;
use crate::manifest::{Config, Parsed, parse_config, parse_library, parse_servlet};
use crate::proto::{ServletApi, compile_servlets};
use crate::snapshot::Snapshot;
use rayon::prelude::*;

/// Every component of the repository and the workspace configuration.
#[derive(Clone, Debug, Default)]
pub struct Repository {
    /// `None` when orrery.yaml is missing or could not be read as a mapping.
    pub config: Option<Config>,
    pub components: BTreeMap<ComponentId, Component>,
    /// The compiled API of every servlet that has protos.
    pub apis: BTreeMap<ComponentId, ServletApi>,
}

impl Repository {
    /// The component a repository-relative file belongs to: the deepest one containing it.
    pub fn component_of(&self, path: &str) -> Option<&Component> {
        crate::component::enclosing(path).find_map(|directory| self.components.get(directory))
    }

    pub fn servlet(&self, name: &str) -> Option<&Component> {
        self.components
            .get(&ComponentId::new(format!("servlets/{name}")))
    }

    pub fn servlets(&self) -> impl Iterator<Item = &Component> {
        self.components
            .values()
            .filter(|c| c.kind == ComponentKind::Servlet)
    }
}

/// Builds the repository model. Problems in single files are reported here; problems between
/// files (unknown owners, unknown `calls`) are the rules' business.
pub fn load(snapshot: &Snapshot) -> (Repository, Vec<Diagnostic>) {
    let (mut repository, mut diagnostics) = load_without_apis(snapshot);
    diagnostics.extend(compile_apis(&mut repository, snapshot));
    (repository, diagnostics)
}

/// Compiles every servlet's protos into `repository.apis`; the problems found on the way.
pub fn compile_apis(repository: &mut Repository, snapshot: &Snapshot) -> Vec<Diagnostic> {
    let servlets: Vec<ComponentId> = repository
        .servlets()
        .map(|servlet| servlet.id.clone())
        .collect();
    let mut problems = Vec::new();
    for (servlet, api) in compile_servlets(&servlets, &snapshot.protos) {
        match api {
            Ok(api) => {
                repository.apis.insert(servlet, api);
            }
            Err(problem) => problems.push(problem),
        }
    }
    problems
}

/// [`load`] without compiling the protos: `apis` is left empty.
pub fn load_without_apis(snapshot: &Snapshot) -> (Repository, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut repository = Repository::default();
    match &snapshot.config {
        Some(config) => {
            let Parsed {
                value,
                diagnostics: mut found,
            } = parse_config(&config.path, &config.text);
            // Without orrery.yaml there are no teams or groups to check against.
            if let (None, Some(first)) = (&value, found.first_mut()) {
                first.notes.push(
                    "orrery.yaml could not be read, so `owner` and `visibility` were not checked"
                        .into(),
                );
            }
            repository.config = value;
            diagnostics.extend(found);
        }
        None => diagnostics.push(
            Diagnostic::new(
                RuleId::Manifest,
                Location::file("orrery.yaml"),
                "the repository has no `orrery.yaml`",
            )
            .with_help("create orrery.yaml at the repository root with at least `teams: [...]`"),
        ),
    }

    // Manifests by directory: a directory with two of them is reported before anything else.
    let mut by_directory: BTreeMap<&str, Vec<&crate::snapshot::SourceText>> = BTreeMap::new();
    for file in &snapshot.manifests {
        let directory = file
            .path
            .rsplit_once('/')
            .map_or("", |(directory, _)| directory);
        by_directory.entry(directory).or_default().push(file);
    }
    // Directories some manifest claims, wherever it is placed.
    let claimed: HashSet<String> = by_directory
        .keys()
        .map(|directory| (*directory).to_owned())
        .collect();
    let crates: HashSet<&str> = snapshot
        .cargo_manifests
        .iter()
        .map(|file| file.path.as_str())
        .collect();
    // `servlets/<name>` for every proto somewhere under it.
    let with_protos: HashSet<&str> = snapshot
        .protos
        .iter()
        .filter_map(|proto| {
            let end = proto.path.match_indices('/').nth(1)?.0;
            Some(&proto.path[..end])
        })
        .collect();
    // Each directory's manifest is parsed on its own core; the components go in in order.
    let claims: Vec<(&str, Vec<&crate::snapshot::SourceText>)> = by_directory.into_iter().collect();
    let claimed_by: Vec<(Vec<Component>, Vec<Diagnostic>)> = claims
        .into_par_iter()
        .map(|(directory, files)| claim(directory, files, &crates, &with_protos))
        .collect();
    for (components, found) in claimed_by {
        diagnostics.extend(found);
        for component in components {
            repository
                .components
                .insert(component.id.clone(), component);
        }
    }

    for directory in &snapshot.servlet_directories {
        // Located at the missing file, so that a pre-commit run on its deletion reports it; a
        // manifest that exists but could not be read is already an `input` problem.
        let path = format!("{directory}/servlet.yaml");
        if !claimed.contains(directory)
            && !snapshot
                .problems
                .iter()
                .any(|problem| problem.location.path == path)
        {
            diagnostics.push(
                Diagnostic::new(RuleId::Manifest, Location::file(&path), format!("`{directory}` has no servlet.yaml"))
                    .with_help("every direct child of servlets/ is a servlet: add a servlet.yaml or move the directory"),
            );
        }
    }
    (repository, diagnostics)
}

/// The components the manifests in `directory` declare (the directory's own, and its API crate
/// when it is a servlet with protos), and the problems with them.
fn claim(
    directory: &str,
    mut files: Vec<&crate::snapshot::SourceText>,
    crates: &HashSet<&str>,
    with_protos: &HashSet<&str>,
) -> (Vec<Component>, Vec<Diagnostic>) {
    let mut components = Vec::new();
    let mut diagnostics = Vec::new();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let file = files[0];
    for other in &files[1..] {
        diagnostics.push(
            Diagnostic::new(
                RuleId::Owner,
                Location::file(&other.path),
                format!("`{directory}` is claimed by two manifests"),
            )
            .with_related(Location::file(&file.path), "the other manifest")
            .with_help("a directory is one component: keep one manifest and delete the other"),
        );
    }
    let file_name = file.path.rsplit('/').next().unwrap_or_default();
    let Some(kind) = placement(directory, file_name) else {
        diagnostics.push(misplaced(&file.path, file_name));
        return (components, diagnostics);
    };
    let name = directory.rsplit('/').next().unwrap_or(directory);
    let manifest = match kind {
        ComponentKind::Library => {
            let parsed = parse_library(&file.path, name, &file.text);
            diagnostics.extend(parsed.diagnostics);
            parsed.value.map(Manifest::Library)
        }
        _ => {
            let parsed = parse_servlet(&file.path, name, &file.text);
            diagnostics.extend(parsed.diagnostics);
            parsed.value.map(Manifest::Servlet)
        }
    };
    let Some(manifest) = manifest else {
        return (components, diagnostics);
    };
    let component = Component {
        id: ComponentId::new(directory),
        kind,
        manifest_path: file.path.clone(),
        manifest,
    };
    // The API crate is a component as soon as the servlet has protos, before `orrery gen`
    // first writes it, so the servlets calling it are judged the same before and after.
    let has_api = crates.contains(format!("{directory}/api/Cargo.toml").as_str())
        || with_protos.contains(directory);
    if kind == ComponentKind::Servlet && has_api {
        let api = Component {
            id: ComponentId::new(format!("{directory}/api")),
            kind: ComponentKind::Api,
            ..component.clone()
        };
        components.push(api);
    }
    components.push(component);
    (components, diagnostics)
}

/// What a manifest at `directory/file_name` declares, if it is in a place that can declare it.
fn placement(directory: &str, file_name: &str) -> Option<ComponentKind> {
    let segments: Vec<&str> = directory.split('/').collect();
    match (file_name, segments.as_slice()) {
        ("servlet.yaml", ["servlets", _]) => Some(ComponentKind::Servlet),
        ("library.yaml", ["libs", _, ..]) => Some(ComponentKind::Library),
        _ => None,
    }
}

fn misplaced(path: &str, file_name: &str) -> Diagnostic {
    let help = if file_name == "servlet.yaml" {
        "a servlet.yaml belongs directly in `servlets/<name>/`; move it there or delete it"
    } else {
        "a library.yaml belongs in a directory under `libs/`; move it there or delete it"
    };
    Diagnostic::new(
        RuleId::Manifest,
        Location::file(path),
        format!("`{path}` is not where a {file_name} can declare a component"),
    )
    .with_help(help)
}
