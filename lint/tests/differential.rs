//! Differential test: the byte-level lexer (`extract::rust::scan`) against a
//! full `syn` parse (the oracle), over the Rust sources of this workspace's
//! own registry dependencies.
//!
//! For every file syn accepts, the crate names each side finds must agree on
//! the names that file's crate can actually reach: its declared dependencies
//! plus the sysroot crates.

mod oracle;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use orrery_lint::extract::rust::scan;

const SYSROOT_CRATES: [&str; 5] = ["std", "core", "alloc", "proc_macro", "test"];
const MAX_REPORTED: usize = 30;

/// A registry package: where its sources are and which crate names it knows.
struct Package {
    dir: PathBuf,
    known: BTreeSet<String>,
}

struct Mismatch {
    file: PathBuf,
    only_lexer: BTreeSet<String>,
    only_oracle: BTreeSet<String>,
}

#[derive(Default)]
struct Tally {
    files: usize,
    bytes: usize,
    unparsed: usize,
    mismatches: Vec<Mismatch>,
}

#[test]
fn lexer_agrees_with_syn_on_dependency_sources() {
    let started = Instant::now();
    let jobs = source_files(&registry_packages());
    let tally = compare_all(jobs);
    let elapsed = started.elapsed();

    println!(
        "compared {} files ({:.1} MB) in {:.1?}; {} files syn rejects were skipped",
        tally.files,
        tally.bytes as f64 / 1e6,
        elapsed,
        tally.unparsed,
    );
    assert!(tally.files > 0, "no dependency sources were compared");
    if !tally.mismatches.is_empty() {
        panic!("{}", describe(&tally.mismatches));
    }
}

/// Every non-workspace package with a registry source, from `cargo metadata`.
fn registry_packages() -> Vec<Package> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(&workspace)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("packages is a list");
    packages.iter().filter_map(registry_package).collect()
}

fn registry_package(package: &serde_json::Value) -> Option<Package> {
    let source = package["source"].as_str()?;
    if !(source.starts_with("registry+") || source.starts_with("sparse+")) {
        return None;
    }
    let dir = Path::new(package["manifest_path"].as_str()?)
        .parent()?
        .to_path_buf();
    let deps = package["dependencies"].as_array()?;
    let dep_names = deps.iter().filter_map(|dep| {
        let name = dep["rename"].as_str().or_else(|| dep["name"].as_str())?;
        Some(name.replace('-', "_"))
    });
    let known = dep_names.chain(SYSROOT_CRATES.map(String::from)).collect();
    Some(Package { dir, known })
}

/// `.rs` files under each package, skipping `target/` and hidden directories.
fn source_files(packages: &[Package]) -> Vec<(PathBuf, Arc<BTreeSet<String>>)> {
    let mut jobs = Vec::new();
    for package in packages {
        let known = Arc::new(package.known.clone());
        let walk = walkdir::WalkDir::new(&package.dir)
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !(e.file_type().is_dir() && (name == "target" || name.starts_with('.')))
            });
        for entry in walk.filter_map(Result::ok) {
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "rs") {
                jobs.push((entry.into_path(), Arc::clone(&known)));
            }
        }
    }
    jobs
}

/// Compares every file, spread over a few threads with deep stacks (syn
/// recurses deeply on some generated sources).
fn compare_all(jobs: Vec<(PathBuf, Arc<BTreeSet<String>>)>) -> Tally {
    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(16));
    std::thread::scope(|s| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, || {
                    while let Some((file, known)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let outcome = compare_file(file, known);
                        let mut tally = tally.lock().expect("no worker panicked");
                        tally.record(file, outcome);
                    }
                })
                .expect("worker thread starts");
        }
    });
    tally.into_inner().expect("no worker panicked")
}

enum Outcome {
    Unreadable,
    Unparsed,
    Compared {
        bytes: usize,
        lexer: BTreeSet<String>,
        oracle: BTreeSet<String>,
    },
}

fn compare_file(file: &Path, known: &BTreeSet<String>) -> Outcome {
    let Ok(source) = std::fs::read_to_string(file) else {
        return Outcome::Unreadable;
    };
    let oracle: Option<BTreeSet<String>> = syn::parse_file(&source).ok().map(|ast| {
        oracle::crate_refs(&ast)
            .into_iter()
            .map(|f| f.name)
            .collect()
    });
    // This file's spans are dead now: free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    let Some(oracle) = oracle else {
        return Outcome::Unparsed;
    };

    let refs = scan(&source);
    let lexer = refs.crates.into_iter().map(|c| c.name);
    let lexer = lexer.chain(refs.extern_crates.into_iter().map(|e| e.name));
    Outcome::Compared {
        bytes: source.len(),
        lexer: lexer.filter(|n| known.contains(n)).collect(),
        oracle: oracle.into_iter().filter(|n| known.contains(n)).collect(),
    }
}

impl Tally {
    fn record(&mut self, file: &Path, outcome: Outcome) {
        let Outcome::Compared {
            bytes,
            lexer,
            oracle,
        } = outcome
        else {
            self.unparsed += usize::from(matches!(outcome, Outcome::Unparsed));
            return;
        };
        self.files += 1;
        self.bytes += bytes;
        if lexer != oracle {
            self.mismatches.push(Mismatch {
                file: file.to_path_buf(),
                only_lexer: lexer.difference(&oracle).cloned().collect(),
                only_oracle: oracle.difference(&lexer).cloned().collect(),
            });
        }
    }
}

fn describe(mismatches: &[Mismatch]) -> String {
    let mut sorted: Vec<&Mismatch> = mismatches.iter().collect();
    sorted.sort_by(|a, b| a.file.cmp(&b.file));
    let mut out = format!("lexer and syn oracle disagree on {} files:\n", sorted.len());
    for m in sorted.iter().take(MAX_REPORTED) {
        out += &format!(
            "  {}\n    only in lexer:  {:?}\n    only in oracle: {:?}\n",
            m.file.display(),
            m.only_lexer,
            m.only_oracle,
        );
    }
    if sorted.len() > MAX_REPORTED {
        out += &format!("  ... and {} more\n", sorted.len() - MAX_REPORTED);
    }
    out
}
