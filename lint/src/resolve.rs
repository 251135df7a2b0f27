//! Resolution: from what each file references to evidence between components.
//!
//! Names resolve the way Cargo and rustc resolve them. Every Cargo.toml is a crate; it belongs
//! to the deepest component holding it, and each .rs file to the deepest crate holding it. A
//! name in code is a dependency only if it names a crate its Cargo.toml depends on (or an
//! `extern crate` alias of one). A dependency is a component only if it is a path dependency
//! (directly, through `[workspace.dependencies]`, or a registry crate replaced by a `[patch]`
//! path) landing inside that component. A path dependency landing inside the repository but in
//! no component becomes a node of its own, named by its directory, so that the `visibility`
//! rule reports it: nothing declares who may use it.

use std::collections::{BTreeMap, BTreeSet};

use orrery_model::component::enclosing;
use orrery_model::snapshot::is_generated;
use orrery_model::{
    ComponentId, DependencyGraph, Diagnostic, Evidence, Location, RefKind, Repository, RuleId,
    Snapshot, SourceText,
};

use crate::extract::cargo::{self, CargoManifest, Dependency, Source};
use crate::extract::rust;
use crate::memo::Memo;
use rayon::prelude::*;

/// Builds the dependency graph of `repository` from the files in `snapshot`. Files that cannot
/// be understood (a malformed Cargo.toml, unterminated Rust) come back as `input` diagnostics.
pub fn build_graph(
    repository: &Repository,
    snapshot: &Snapshot,
) -> (DependencyGraph, Vec<Diagnostic>) {
    let scanned = scan(&snapshot.rust_files);
    build_graph_knowing(repository, snapshot, &scanned, &Memo::default())
}

/// What the scanner finds in each of `files`. Rust that orrery generated (an API crate's
/// lib.rs) is not scanned: it names only what its generated Cargo.toml declares, which is
/// evidence enough, and `orrery gen --check` keeps it from being edited. Scanning is most of a
/// check's work, and each file is independent of the others.
pub fn scan(files: &[SourceText]) -> Vec<(String, rust::FileRefs)> {
    files
        .par_iter()
        .filter(|file| !is_generated(file.text.as_bytes()))
        .map(|file| (file.path.clone(), rust::scan(&file.text)))
        .collect()
}

/// [`scan`], letting go of each text as soon as it is scanned: at scale, the texts are the
/// largest thing a check holds.
pub fn scan_taking(files: Vec<SourceText>) -> Vec<(String, rust::FileRefs)> {
    files
        .into_par_iter()
        .filter(|file| !is_generated(file.text.as_bytes()))
        .map(|file| {
            let refs = rust::scan(&file.text);
            (file.path, refs)
        })
        .collect()
}

/// [`build_graph`] from the Rust files' scans: `scanned` for the files discovery read, and
/// `memo` for those it left unread.
pub fn build_graph_knowing(
    repository: &Repository,
    snapshot: &Snapshot,
    scanned: &[(String, rust::FileRefs)],
    memo: &Memo,
) -> (DependencyGraph, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let crates = parse_crates(snapshot, &mut problems);
    let mut evidence = Vec::new();
    let mut unowned: BTreeSet<ComponentId> = BTreeSet::new();
    // The component holding a directory, or the directory itself when none does.
    let owner_of = |directory: &str| {
        repository
            .component_of(directory)
            .map_or_else(|| ComponentId::new(directory), |c| c.id.clone())
    };

    // The names each crate's code can use, and the evidence its Cargo.toml gives.
    let workspace = crates.get("");
    let mut names: BTreeMap<&str, BTreeMap<String, ComponentId>> = BTreeMap::new();
    for (directory, manifest) in &crates {
        let Some(from) = repository.component_of(directory) else {
            continue;
        };
        let crate_names = names.entry(directory.as_str()).or_default();
        for dependency in &manifest.dependencies {
            let Some((target, renamed)) = target_directory(directory, dependency, workspace) else {
                continue;
            };
            // Crates outside servlets/ and libs/ (orrery's runtime, build tooling) are platform
            // code: like registry crates, they are no component's and anyone may use them.
            if !in_component_trees(&target) {
                continue;
            }
            let to = owner_of(&target);
            if !repository.components.contains_key(&to) {
                unowned.insert(to.clone());
            }
            let code_name = match (
                renamed,
                crates.get(&target).and_then(|c| c.lib_name.clone()),
            ) {
                (false, Some(lib_name)) => lib_name,
                _ => dependency.key_name(),
            };
            let location = Location::new(
                format!("{}Cargo.toml", prefix(directory)),
                dependency.line,
                dependency.column,
                dependency.len,
            );
            evidence.push((
                from.id.clone(),
                to.clone(),
                Evidence {
                    location,
                    kind: RefKind::Cargo,
                },
            ));
            crate_names.insert(code_name, to);
        }
    }

    // The deepest crate holding a file; the root manifest holds everything else.
    let crate_of = |path: &str| {
        enclosing(path)
            .chain([""])
            .find_map(|directory| crates.get_key_value(directory))
            .map(|(directory, _)| directory)
    };
    let remembered = snapshot
        .unread_rust
        .iter()
        .filter_map(|path| Some((path.as_str(), memo.refs(path)?)));
    let files: Vec<(&str, &rust::FileRefs)> = scanned
        .iter()
        .map(|(path, refs)| (path.as_str(), refs))
        .chain(remembered)
        .collect();
    let mut scanned: Vec<(&ComponentId, &str, &str, &rust::FileRefs)> = files
        .into_par_iter()
        .filter_map(|(path, refs)| {
            let component = repository.component_of(path)?;
            Some((&component.id, crate_of(path)?.as_str(), path, refs))
        })
        .collect();
    // In path order, the same whichever files were read or remembered: the first
    // `extern crate .. as` alias wins (rustc goes by module order, which no scan sees).
    scanned.sort_unstable_by_key(|(_, _, path, _)| *path);
    // `extern crate a as b;` makes `b` name crate `a` everywhere in the crate.
    for (_, krate, _, refs) in &scanned {
        let crate_names = names.entry(krate).or_default();
        for extern_crate in &refs.extern_crates {
            if let (Some(alias), Some(target)) = (
                &extern_crate.alias,
                crate_names.get(&extern_crate.name).cloned(),
            ) {
                crate_names.entry(alias.clone()).or_insert(target);
            }
        }
    }
    // Each file's evidence on every core, then in file order.
    let per_file: Vec<_> = scanned
        .par_iter()
        .map(|&(component, krate, path, refs)| {
            file_evidence(repository, &names, component, krate, path, refs)
        })
        .collect();
    for (found, unterminated) in per_file {
        evidence.extend(found);
        problems.extend(unterminated);
    }

    // A symlink inside one component that leads into another makes that code part of it.
    for (link, target) in &snapshot.links {
        if let (Some(from), Some(to)) = (
            repository.component_of(link),
            repository.component_of(target),
        ) {
            evidence.push((
                from.id.clone(),
                to.id.clone(),
                Evidence {
                    location: Location::file(link),
                    kind: RefKind::Symlink,
                },
            ));
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
    let nodes = repository.components.keys().cloned().chain(unowned);
    (DependencyGraph::build(nodes, evidence), problems)
}

/// The evidence one Rust file of `component` (in crate `krate`, whose code names crates as
/// `names` says) gives, and the problem of a file that is not valid Rust.
fn file_evidence(
    repository: &Repository,
    names: &BTreeMap<&str, BTreeMap<String, ComponentId>>,
    component: &ComponentId,
    krate: &str,
    path: &str,
    refs: &rust::FileRefs,
) -> (
    Vec<(ComponentId, ComponentId, Evidence)>,
    Option<Diagnostic>,
) {
    let unterminated = refs
        .unterminated
        .as_ref()
        .map(|unterminated| unterminated_problem(path, unterminated));
    let crate_names = names.get(krate);
    let mut evidence = Vec::new();
    let mut push = |to: &ComponentId, kind: RefKind, pos: &rust::Pos| {
        let location = Location::new(path, pos.line, pos.column, pos.len);
        evidence.push((component.clone(), to.clone(), Evidence { location, kind }));
    };
    for reference in &refs.crates {
        if let Some(to) = crate_names.and_then(|names| names.get(&reference.name)) {
            push(to, reference.kind, &reference.pos);
        }
    }
    for extern_crate in &refs.extern_crates {
        if let Some(to) = crate_names.and_then(|names| names.get(&extern_crate.name)) {
            push(to, RefKind::ExternCrate, &extern_crate.pos);
        }
    }
    for file in &refs.files {
        let target = file_base(path, krate, file)
            .and_then(|base| join(&base, file.literal.trim_start_matches('/')));
        if let Some(to) = target.and_then(|target| repository.component_of(&target)) {
            push(&to.id, file.kind, &file.pos);
        }
    }
    (evidence, unterminated)
}

/// Is `directory` under servlets/ or libs/, where components live?
fn in_component_trees(directory: &str) -> bool {
    ["servlets", "libs"].iter().any(|top| {
        directory
            .strip_prefix(top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Every Cargo.toml, by directory (`""` for the root).
fn parse_crates(
    snapshot: &Snapshot,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, CargoManifest> {
    let parsed: Vec<_> = snapshot
        .cargo_manifests
        .par_iter()
        .map(|file| (file, cargo::parse(&file.text)))
        .collect();
    let mut crates = BTreeMap::new();
    for (file, manifest) in parsed {
        let directory = file
            .path
            .strip_suffix("Cargo.toml")
            .unwrap_or_default()
            .trim_end_matches('/');
        match manifest {
            Ok(manifest) => {
                crates.insert(directory.to_owned(), manifest);
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
    crates
}

/// The repository directory a dependency's crate lives in, and whether code names it by its
/// key (a `package =` rename) rather than by its library name. `None` for a registry crate, or
/// a path outside the repository.
fn target_directory(
    directory: &str,
    dependency: &Dependency,
    workspace: Option<&CargoManifest>,
) -> Option<(String, bool)> {
    let lookup =
        |entries: &[Dependency], key: &str| entries.iter().find(|entry| entry.key == key).cloned();
    match &dependency.source {
        Source::Path(path) => Some((join(directory, path)?, dependency.renamed)),
        Source::Workspace => {
            let entry = lookup(&workspace?.workspace_dependencies, &dependency.key)?;
            match entry.source {
                Source::Path(path) => Some((join("", &path)?, dependency.renamed || entry.renamed)),
                _ => lookup(&workspace?.patches, &entry.package)
                    .and_then(|patch| patched(&patch, entry.renamed)),
            }
        }
        Source::External => lookup(&workspace?.patches, &dependency.package)
            .and_then(|patch| patched(&patch, dependency.renamed)),
    }
}

fn patched(patch: &Dependency, renamed: bool) -> Option<(String, bool)> {
    match &patch.source {
        Source::Path(path) => Some((join("", path)?, renamed)),
        _ => None,
    }
}

/// The directory a `#[path]` or `include!` literal is relative to, as rustc resolves it:
/// `include!` from the file's directory; `#[path]` from there too, but inside inline modules
/// from their names as directories, below a directory named after the file when the file is
/// not a `mod.rs`-like module root; `concat!(env!("CARGO_MANIFEST_DIR"), ..)` from the crate.
fn file_base(path: &str, krate: &str, file: &rust::FileRef) -> Option<String> {
    if file.base == rust::FileBase::CrateRoot {
        return Some(krate.to_owned());
    }
    let (directory, name) = path.rsplit_once('/').unwrap_or(("", path));
    let mut base = directory.to_owned();
    if file.kind == RefKind::PathModule && !file.inline_modules.is_empty() {
        let module_root = matches!(name, "lib.rs" | "main.rs" | "mod.rs" | "build.rs")
            || matches!(
                directory.rsplit('/').next(),
                Some("bin" | "tests" | "examples" | "benches")
            );
        // The scanner marks with a leading "" the cases where rustc skips the file's stem.
        if !module_root
            && file
                .inline_modules
                .first()
                .is_some_and(|first| !first.is_empty())
        {
            base = join(&base, name.trim_end_matches(".rs"))?;
        }
        for module in &file.inline_modules {
            base = join(&base, module)?;
        }
    }
    Some(base)
}

fn unterminated_problem(path: &str, unterminated: &rust::Unterminated) -> Diagnostic {
    let rust::Pos { line, column, len } = unterminated.pos;
    Diagnostic::new(
        RuleId::Input,
        Location::new(path, line, column, len),
        format!("`{path}` is not valid Rust: this {} is never closed, so the rest of the file cannot be checked", unterminated.what),
    )
    .with_help(format!("close the {}; `cargo check` reports the same error", unterminated.what))
}

/// `dir/` for a directory, `` for the root.
fn prefix(directory: &str) -> String {
    if directory.is_empty() {
        String::new()
    } else {
        format!("{directory}/")
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
