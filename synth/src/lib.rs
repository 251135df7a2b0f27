//! orrery-synth: a deterministic synthetic orrery monorepo.
//!
//! [`generate`] writes, in memory, a repository that follows orrery's contract
//! (`orrery.yaml`, servlets with protos and handlers, nested libraries) at any size: 1,000
//! servlets and 200 libraries for the benchmarks, a few dozen for tests. The same [`Spec`]
//! always gives byte-identical files. With [`Spec::violations`], exactly one violation of each
//! boundary rule is injected, and [`injected`] says where `orrery check` must report them.
//!
//! The code is meant to be read by orrery, never built: it looks like real Rust and parses with
//! syn, but the dependencies' items it names are only roughly consistent.

mod labels;
mod manifests;
mod names;
mod plan;
mod proto;
mod rng;
mod rust;

use std::io;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub seed: u64,
    pub servlets: usize,
    pub libs: usize,
    /// About how many lines of Rust each servlet and library gets.
    pub lines: usize,
    /// Inject one violation of each rule (see [`injected`]). Each needs room: `visibility` and
    /// `cycle` four libraries, `route-conflict` two servlets, `undeclared-call` and
    /// `private-servlet` a pair that visibility and the graph allow. What does not fit is left
    /// out; all seven fit from 30 servlets and 8 libraries up (the tests check several seeds).
    pub violations: bool,
}

impl Default for Spec {
    /// The benchmark's repository: about a million lines of Rust.
    fn default() -> Spec {
        Spec {
            seed: 1,
            servlets: 1000,
            libs: 200,
            lines: 830,
            violations: false,
        }
    }
}

/// One file of the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub contents: String,
}

/// A diagnostic `orrery check` reports for an injected violation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Injected {
    /// The rule id as orrery prints it: `visibility`, `cycle`, ...
    pub rule: &'static str,
    /// The file the diagnostic points at.
    pub path: String,
}

/// Every file of the repository `spec` describes, sorted by path.
pub fn generate(spec: &Spec) -> Vec<File> {
    let plan = plan::build(spec);
    // Names of every crate and the service, for text that mentions crates without using them.
    let decoys: Vec<String> = plan
        .libs
        .iter()
        .map(|lib| lib.name.clone())
        .chain(
            plan.servlets
                .iter()
                .flat_map(|servlet| [servlet.name.clone(), format!("{}_api", servlet.name)]),
        )
        .chain([names::SERVICE.to_owned()])
        .collect();

    let mut files = vec![
        File {
            path: "orrery.yaml".into(),
            contents: manifests::orrery_yaml(&plan),
        },
        File {
            path: format!("proto/services/{}.proto", names::SERVICE),
            contents: proto::service_proto(),
        },
    ];
    for (i, lib) in plan.libs.iter().enumerate() {
        files.push(File {
            path: format!("{}/library.yaml", lib.dir),
            contents: manifests::library_yaml(lib),
        });
        files.push(File {
            path: format!("{}/Cargo.toml", lib.dir),
            contents: manifests::lib_cargo(&plan, lib),
        });
        rust::lib_files(&plan, i, &decoys, &mut files);
    }
    for (i, servlet) in plan.servlets.iter().enumerate() {
        files.push(File {
            path: format!("{}/servlet.yaml", servlet.dir),
            contents: manifests::servlet_yaml(&plan, servlet),
        });
        files.push(File {
            path: format!("{}/Cargo.toml", servlet.dir),
            contents: manifests::servlet_cargo(&plan, servlet),
        });
        files.push(File {
            path: format!("{}/proto/{}.proto", servlet.dir, servlet.name),
            contents: proto::servlet_proto(servlet),
        });
        rust::servlet_files(&plan, i, &decoys, &mut files);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The diagnostics `orrery check` reports on `generate(spec)`: one (rule, file) per
/// diagnostic, sorted; empty unless `spec.violations`. A violation through a dependency is
/// reported in both files that create it: the Cargo.toml entry and the one use in lib.rs.
pub fn injected(spec: &Spec) -> Vec<Injected> {
    if !spec.violations {
        return Vec::new();
    }
    plan::build(spec)
        .injected
        .into_iter()
        .map(|(rule, path)| Injected { rule, path })
        .collect()
}

/// Writes `files` under `root`, creating folders. `root` must be missing or empty: writing
/// over an existing tree would mix two repositories.
pub fn write(root: &Path, files: &[File]) -> io::Result<()> {
    match std::fs::read_dir(root) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} is not empty", root.display()),
                ));
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    for file in files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
    }
    Ok(())
}
