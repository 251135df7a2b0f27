//! Discovery: the only stage that reads the tree.
//!
//! It walks servlets/, libs/, proto/ and gen/ (skipping `target/` and dotted directories) and
//! the template overrides in templates/k8s/, reads the files the later stages need into a
//! `Snapshot`, and turns every file it cannot read into an `input` diagnostic instead of
//! stopping.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use orrery_model::location::line_column;
use orrery_model::snapshot::is_generated;
use orrery_model::{Diagnostic, Location, RuleId, Snapshot, SourceText};
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::fingerprint::Listed;

/// Files above this size are not read: no hand-written source is this large, and reading one
/// would hold it all in memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

pub const CONFIG: &str = "orrery.yaml";
pub const BASELINE: &str = "orrery-todo.yaml";
/// Generated at the root, where GitHub looks for it.
pub const CODEOWNERS: &str = "CODEOWNERS";
/// The files `orrery gen` writes at the root: CODEOWNERS and the root Bazel files.
pub const ROOT_GENERATED: &[&str] = &[CODEOWNERS, "BUILD.bazel", "MODULE.bazel", "WORKSPACE"];

/// The nearest ancestor of `start` (or `start` itself) that holds orrery.yaml.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG).is_file())
        .map(Path::to_path_buf)
}

/// What a command needs discovery to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Everything: the sources, the template overrides, and the generated files' bytes, which
    /// `orrery gen` compares its output with.
    All,
    /// What `orrery check` analyses: gen/ is not walked, and the other generated files (an API
    /// crate's non-Rust files, BUILD.bazel files, CODEOWNERS) and the templates are not read.
    /// In a repository with its generated files committed, that is most of its files.
    Sources,
}

/// Reads everything ([`Reading::All`]).
pub fn discover(root: &Path) -> Snapshot {
    discover_reading(root, Reading::All)
}

pub fn discover_reading(root: &Path, reading: Reading) -> Snapshot {
    discover_knowing(root, reading, &|_| false, None)
}

/// [`discover_reading`] for a caller that knows some files: the Rust files `known` accepts
/// are left unread, listed in [`Snapshot::unread_rust`] (with, when reading
/// [`Reading::Sources`], the generated Rust read and let go of), and with a `listing` from
/// the fingerprint walk ([`crate::fingerprint::Index::into_parts`]) the tree is not walked again.
pub fn discover_knowing(
    root: &Path,
    reading: Reading,
    known: &(dyn Fn(&str) -> bool + Sync),
    listing: Option<Vec<Listed>>,
) -> Snapshot {
    // Symlink targets are compared with the root, so both must be canonical.
    let canonical = root.canonicalize();
    let root = canonical.as_deref().unwrap_or(root);
    let mut snapshot = Snapshot::default();
    snapshot.config = read_optional(root, CONFIG, &mut snapshot.problems);
    snapshot.baseline = read_optional(root, BASELINE, &mut snapshot.problems);
    if let Some(cargo) = read_optional(root, "Cargo.toml", &mut snapshot.problems) {
        snapshot.cargo_manifests.push(cargo);
    }
    let root_generated = match reading {
        Reading::All => ROOT_GENERATED,
        Reading::Sources => &[],
    };
    for name in root_generated {
        let path = root.join(name);
        if path.is_file() {
            match read_bytes(&path) {
                Ok(bytes) => snapshot.generated.push(((*name).to_owned(), bytes)),
                Err(problem) => snapshot
                    .problems
                    .push(problem.into_diagnostic((*name).to_owned())),
            }
        }
    }
    let mut listed_by_top = listing.map(|listing| {
        let mut by_top: HashMap<String, Vec<Listed>> = HashMap::new();
        for listed in listing {
            let top = listed.path.split('/').next().unwrap_or_default();
            by_top.entry(top.to_owned()).or_default().push(listed);
        }
        by_top
    });
    for top in tops(reading) {
        if root.join(top).exists() {
            let listed = listed_by_top
                .as_mut()
                .map(|by_top| by_top.remove(*top).unwrap_or_default());
            walk(root, top, reading, known, listed, &mut snapshot);
        }
    }
    if reading == Reading::All {
        read_templates(root, &mut snapshot);
    }
    snapshot
}

/// The top directories discovery walks for `reading`.
pub(crate) fn tops(reading: Reading) -> &'static [&'static str] {
    match reading {
        Reading::All => &TOPS,
        Reading::Sources => &TOPS[..3],
    }
}

/// orrery-todo.yaml, when there is one that can be read.
pub fn baseline(root: &Path) -> Option<SourceText> {
    read_optional(root, BASELINE, &mut Vec::new())
}

/// The UTF-8 texts of `paths` (repository-relative), by path; files that cannot be read are
/// left out. What a cached check reads to show its diagnostics' source lines.
pub fn texts<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
) -> std::collections::BTreeMap<String, String> {
    paths
        .into_iter()
        .filter_map(|path| Some((path.to_owned(), read_text(&root.join(path)).ok()?)))
        .collect()
}

/// Where a repository overrides the templates of the Kubernetes manifests.
pub const TEMPLATES: &str = "templates/k8s";

/// Every `templates/k8s/*.j2` (files directly in that directory), sorted by path.
fn read_templates(root: &Path, snapshot: &mut Snapshot) {
    let directory = root.join(TEMPLATES);
    if !directory.is_dir() {
        return;
    }
    let walker = WalkDir::new(&directory)
        .min_depth(1)
        .max_depth(1)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                walk_error(root, &error, &mut snapshot.problems);
                continue;
            }
        };
        if !entry.file_type().is_file() || !entry.file_name().to_string_lossy().ends_with(".j2") {
            continue;
        }
        let relative = relative_path(root, entry.path());
        if let Some(file) = read(entry.path(), relative, &mut snapshot.problems) {
            snapshot.templates.push(file);
        }
    }
}

/// Where a text file discovery reads goes in the snapshot.
#[derive(Clone, Copy)]
enum Bucket {
    Manifest,
    Cargo,
    Rust,
    Proto,
}

/// Walks one top directory in order, then reads its files on every core: reading is most of
/// discovery's time, and the order of the snapshot stays the walk's.
fn walk(
    root: &Path,
    top: &str,
    reading: Reading,
    known: &(dyn Fn(&str) -> bool + Sync),
    listed: Option<Vec<Listed>>,
    snapshot: &mut Snapshot,
) {
    let listed = listed.unwrap_or_else(|| list(root, top, &mut snapshot.problems));
    // `None`: a generated file, read as bytes.
    let mut wanted: Vec<(String, PathBuf, Option<Bucket>)> = Vec::new();
    for Listed {
        path: relative,
        real,
        is_dir,
        is_link,
        ..
    } in listed
    {
        let file = root.join(real.as_deref().unwrap_or(Path::new(&relative)));
        if is_link
            && let Ok(target) = file.canonicalize()
            && let Ok(inside) = target.strip_prefix(root)
        {
            snapshot
                .links
                .push((relative.clone(), relative_path(Path::new(""), inside)));
        }
        if is_dir {
            if top == "servlets" && relative.matches('/').count() == 1 {
                snapshot.servlet_directories.push(relative);
            }
            continue;
        }
        let name = relative.rsplit('/').next().unwrap_or_default();
        // Everything under gen/ is orrery's output, compared as bytes and never analysed.
        let bucket = if top == "gen"
            || (orrery_model::snapshot::is_generated_location(&relative)
                && !(name == "Cargo.toml" || name.ends_with(".rs")))
        {
            if reading == Reading::Sources {
                continue;
            }
            None
        } else {
            let Some(source) = bucket(name) else {
                continue;
            };
            Some(source)
        };
        wanted.push((relative, file, bucket));
    }
    let read: Vec<_> = wanted
        .into_par_iter()
        .map(|(relative, path, bucket)| {
            if matches!(bucket, Some(Bucket::Rust)) && known(&relative) {
                return (relative, Ok(Contents::Unread));
            }
            let contents = match bucket {
                None => read_bytes(&path).map(Contents::Generated),
                Some(bucket) => read_text(&path).map(|text| Contents::Text(bucket, text)),
            };
            // Rust orrery generated (an API crate's lib.rs) is not analysed (see resolve), so
            // a check lets go of it at once: at scale it is half of all the Rust read.
            let generated_rust = matches!(&contents,
                Ok(Contents::Text(Bucket::Rust, text)) if is_generated(text.as_bytes()));
            if reading == Reading::Sources && generated_rust {
                (relative, Ok(Contents::Unread))
            } else {
                (relative, contents)
            }
        })
        .collect();
    for (path, contents) in read {
        match contents {
            Ok(Contents::Unread) => snapshot.unread_rust.push(path),
            Ok(Contents::Generated(bytes)) => snapshot.generated.push((path, bytes)),
            Ok(Contents::Text(bucket, text)) => {
                let file = SourceText { path, text };
                match bucket {
                    Bucket::Manifest => snapshot.manifests.push(file),
                    Bucket::Cargo => snapshot.cargo_manifests.push(file),
                    Bucket::Rust => snapshot.rust_files.push(file),
                    Bucket::Proto => snapshot.protos.push(file),
                }
            }
            Err(problem) => snapshot.problems.push(problem.into_diagnostic(path)),
        }
    }
}

/// Where a source file named `name` goes, if discovery analyses files of that name.
fn bucket(name: &str) -> Option<Bucket> {
    Some(match name {
        "servlet.yaml" | "library.yaml" => Bucket::Manifest,
        "Cargo.toml" => Bucket::Cargo,
        _ if name.ends_with(".rs") => Bucket::Rust,
        _ if name.ends_with(".proto") => Bucket::Proto,
        _ => return None,
    })
}

/// Whether discovery with `reading` may read a file named `name` under its top directories
/// (it may still skip a generated one): [`Reading::All`] also reads generated files' bytes.
pub(crate) fn may_read(name: &str, reading: Reading) -> bool {
    reading == Reading::All || bucket(name).is_some()
}

enum Contents {
    Generated(Vec<u8>),
    Text(Bucket, String),
    /// A Rust file the check has no need to read (see [`Snapshot::unread_rust`]).
    Unread,
}

/// Every entry under `root/top` (itself first) in name order, following links, without build
/// output and tool state; what cannot be listed becomes a diagnostic.
fn list(root: &Path, top: &str, problems: &mut Vec<Diagnostic>) -> Vec<Listed> {
    let mut listed = Vec::new();
    for entry in walker(root, top) {
        match entry {
            Ok(entry) => listed.push(Listed {
                path: relative_path(root, entry.path()),
                real: entry
                    .path()
                    .strip_prefix(root)
                    .ok()
                    .filter(|path| path.to_str().is_none())
                    .map(Path::to_path_buf),
                is_dir: entry.file_type().is_dir(),
                is_link: entry.path_is_symlink(),
                stamp: None,
            }),
            Err(error) => walk_error(root, &error, problems),
        }
    }
    listed
}

/// Every entry under `root/top` in name order, following links, without build output and tool
/// state.
fn walker(root: &Path, top: &str) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    WalkDir::new(root.join(top))
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !is_skipped(
                    entry.file_name().to_string_lossy().as_ref(),
                    entry.file_type().is_dir(),
                )
        })
}

/// The top directories discovery walks; gen/ last, so [`Reading::Sources`] can leave it out.
pub(crate) const TOPS: [&str; 4] = ["servlets", "libs", "proto", "gen"];

/// `target/` holds build output and dotted directories hold tool state; neither is source.
pub(crate) fn is_skipped(name: &str, is_dir: bool) -> bool {
    is_dir && (name == "target" || name.starts_with('.'))
}

fn read_optional(root: &Path, name: &str, problems: &mut Vec<Diagnostic>) -> Option<SourceText> {
    let path = root.join(name);
    path.exists()
        .then(|| read(&path, name.to_owned(), problems))
        .flatten()
}

/// Reads one file as UTF-8 text, or records why it could not be read.
pub fn read(path: &Path, relative: String, problems: &mut Vec<Diagnostic>) -> Option<SourceText> {
    match read_text(path) {
        Ok(text) => Some(SourceText {
            path: relative,
            text,
        }),
        Err(problem) => {
            problems.push(problem.into_diagnostic(relative));
            None
        }
    }
}

enum ReadProblem {
    Io(io::Error),
    TooLarge(u64),
    NotUtf8 { bytes: Vec<u8>, valid_up_to: usize },
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadProblem> {
    use std::io::Read as _;
    // The size from the open file: one lookup of the path, not two.
    let mut file = fs::File::open(path).map_err(ReadProblem::Io)?;
    let size = file.metadata().map_err(ReadProblem::Io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
    file.read_to_end(&mut bytes).map_err(ReadProblem::Io)?;
    Ok(bytes)
}

fn read_text(path: &Path) -> Result<String, ReadProblem> {
    String::from_utf8(read_bytes(path)?).map_err(|error| {
        let valid_up_to = error.utf8_error().valid_up_to();
        ReadProblem::NotUtf8 {
            bytes: error.into_bytes(),
            valid_up_to,
        }
    })
}

impl ReadProblem {
    fn into_diagnostic(self, path: String) -> Diagnostic {
        match self {
            ReadProblem::Io(error) => Diagnostic::new(
                RuleId::Input,
                Location::file(&path),
                format!("cannot read `{path}`: {error}"),
            )
            .with_help("check the file's permissions, or move it out of servlets/ and libs/"),
            ReadProblem::TooLarge(size) => Diagnostic::new(
                RuleId::Input,
                Location::file(&path),
                format!(
                    "`{path}` is {} MiB, above the {} MiB limit for a source file",
                    size >> 20,
                    MAX_FILE_BYTES >> 20
                ),
            )
            .with_help("generated data belongs outside servlets/ and libs/"),
            ReadProblem::NotUtf8 { bytes, valid_up_to } => {
                let valid = String::from_utf8_lossy(&bytes[..valid_up_to]);
                let (line, column) = line_column(&valid, valid.len());
                Diagnostic::new(
                    RuleId::Input,
                    Location::new(&path, line, column, 1),
                    format!(
                        "`{path}` is not UTF-8: byte 0x{:02x} at line {line}, column {column}",
                        bytes[valid_up_to]
                    ),
                )
                .with_help("save the file as UTF-8")
            }
        }
    }
}

fn walk_error(root: &Path, error: &walkdir::Error, problems: &mut Vec<Diagnostic>) {
    let path = error
        .path()
        .map(|path| relative_path(root, path))
        .unwrap_or_default();
    let diagnostic = match error.loop_ancestor() {
        Some(ancestor) => Diagnostic::new(
            RuleId::Input,
            Location::file(&path),
            format!(
                "symlink loop: `{path}` leads back to `{}`",
                relative_path(root, ancestor)
            ),
        )
        .with_help("remove the link, or point it outside the directory it lives in"),
        None => {
            let reason = error
                .io_error()
                .map_or_else(|| error.to_string(), ToString::to_string);
            let help = match error.io_error().map(io::Error::kind) {
                Some(io::ErrorKind::NotFound) => {
                    "this is a dangling symlink: remove it or point it at an existing file"
                }
                _ => "check the permissions of the file and the directories above it",
            };
            Diagnostic::new(
                RuleId::Input,
                Location::file(&path),
                format!("cannot read `{path}`: {reason}"),
            )
            .with_help(help)
        }
    };
    problems.push(diagnostic);
}

/// `root`-relative path with `/` separators.
pub fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
