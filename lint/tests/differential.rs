//! Differential test: the byte-level lexer (`extract::rust::scan`) against a
//! full `syn` parse (the oracle), over the Rust sources of this workspace's
//! own registry dependencies.
//!
//! For every file syn accepts, the crate names each side finds must agree on
//! the names that file's crate can actually reach: its declared dependencies
//! plus the sysroot crates; and the file references (`#[path]` modules and
//! includes) must agree exactly, positions included.

mod oracle;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use oracle::FoundFile;
use orrery_lint::extract::rust::{FileRefs, scan};
use orrery_model::RefKind;

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
    files_only_lexer: Vec<FoundFile>,
    files_only_oracle: Vec<FoundFile>,
}

#[derive(Default)]
struct Tally {
    files: usize,
    bytes: usize,
    /// Known crate names found per file, summed: guards against comparing empty sets.
    names: usize,
    /// File references found, summed.
    file_refs: usize,
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
        "compared {} files ({:.1} MB, {} known crate names, {} file references) in {:.1?}; \
         skipped {} files that syn rejects",
        tally.files,
        tally.bytes as f64 / 1e6,
        tally.names,
        tally.file_refs,
        elapsed,
        tally.unparsed,
    );
    assert!(tally.files > 0, "no dependency sources were compared");
    assert!(
        tally.names > 0,
        "no known crate names were found in dependency sources"
    );
    assert!(
        tally.file_refs > 0,
        "no file references were found in dependency sources"
    );
    if !tally.mismatches.is_empty() {
        panic!("{}", describe(&tally.mismatches));
    }
}

/// Every evasion form and look-alike the lexer knows about, where the oracle
/// must agree exactly: names, kinds and positions.
const TRICKY: &[&str] = &[
    "use a::b; use ::c::d; use e; use f as x; use g::{h, i as j, k::*}; pub(crate) use l::m;",
    "use {a::b, c::d, e}; use ::{f, g::h};",
    "use crate::a; use self::b; use super::c;",
    "fn f() { use a::b; if x { unsafe { use c::d; } } }",
    "fn f<'a>() -> impl Sized + use<'a> { a::b() }",
    "fn f() { a::b(); match x { c::D => {} } let s = S { ..e::f() }; for x in 0..g::MAX {} }",
    "struct S(a::T, Vec<b::U>);",
    "#[a::attr] #[derive(b::D)] #[cfg_attr(x, c::attr)] struct S;",
    "fn f<T: a::Tr>(x: &dyn b::Tr) { <T as c::Tr>::f(); <T>::g(); x.y::<z::W>(); d::mac!(); }",
    "impl a::Tr for S {} impl<T> ::core::fmt::Debug for X<T> {}",
    "fn f() -> ::a::T { g(::b::c); x as ::d::T }",
    "fn f() { r#a::b(); if a > ::core::u8::MAX {} <W<u8> as Tr>\n::f(); }",
    "cfg_if! { if #[cfg(unix)] { use a::X; } }",
    "lazy_static! { static ref X: a::T = b::f(); }",
    r#"fn f() { println!("{}", a::f()); }"#,
    "macro_rules! m { ($x:ident) => { $crate::a::f(); $x::g(); use $crate::b; c::d(); } }",
    "m! { mod files; extern crate e; } fn f() { files::x(); }",
    "mod files; m! { files::x(); }",
    "extern crate a; extern crate b as c; fn f() { c::x(); }",
    r##"fn f() { "a::b"; r#"c::d"#; b"e::f"; '''; g::h(); }"##,
    "fn f<'a>(x: &'a a::T) -> &'static b::U { 'outer: loop { break 'outer; } }",
    "// a::b
/* /* */ c::d */ /// e::f
fn f() {}",
    "mod files; fn f() { files::x(); }",
    "fn f() { files::x(); } struct files;",
    "enum e {} union u { x: u8 } trait t {} type y = u8; fn f() { e::x(); u::x(); t::x(); y::x(); }",
    "use x::files; fn f() { files::y(); }",
    "use a::a; use b::{self}; fn f() { a::x(); b::y(); }",
    "use log::log; use log::info;",
    "fn files() {} const c: u8 = 0; fn f() { files::x(); c::y(); }",
    "use a::*; use x::b as _; fn f() { a::x(); b::y(); }",
    "fn f() { struct a; a::x(); } fn g() { a::y(); }",
    "fn f() { { a::x(); } mod a {} }",
    "struct a; mod m { fn f() { a::x(); } }",
    "mod m { struct a; } fn f() { a::x(); }",
    "mod m { use x::a; mod n { use a::y; } }",
    "impl S { type a = u8; fn f() { struct b; b::x(); } } fn f() { a::x(); }",
    "trait T { type a; } fn f() { a::x(); }",
    r#"extern "C" { type a; } fn f() { a::x(); }"#,
    // A leading `::` always names a crate.
    "mod vault; struct v; fn f() { ::vault::x(); g(::v::y); vault::z(); }",
    "mod vault {} use ::vault as v; use ::{vault::x}; fn f() -> ::vault::T { loop {} }",
    "fn f() { struct vault; use ::vault::a; m! { ::vault::b(); use ::vault::c; vault::d(); } }",
    // File references.
    r#"#[path = "x.rs"] #[cfg(unix)] pub(crate) mod m; #[path = r"y.rs"] mod n {}"#,
    r#"mod a { mod b { #[path = "x.rs"] mod m; } } mod c { fn f() { mod d { #[path = "y"] mod n; } } }"#,
    r#"fn f() { mod a { #[path = "x.rs"] mod m; } #[path = "y.rs"] mod n; }"#,
    r#"#[path = "d"] mod a { #[path = "x.rs"] mod m; mod b { #[path = "y.rs"] mod n; } }"#,
    r#"mod a { #![path = "d"] #[path = "x.rs"] mod m; } #[path = "o"] mod b { #![path = "i"] }"#,
    r#"#[cfg_attr(unix, allow(dead_code), path = "u.rs")] #[cfg_attr(windows, path = "w.rs")] mod m;"#,
    r#"#[cfg_attr(all(unix, x = "y"), cfg_attr(test, path = "t.rs"),)] mod m;"#,
    r#"#[cfg_attr(path = "p.rs", doc(path = "q.rs"))] mod m; #[cfg_attr(unix, path = "d")] mod a { #![cfg_attr(test, path = "e")] #[path = "x"] mod n; }"#,
    r#"cfg_if! { if #[cfg(unix)] { #[path = "u.rs"] mod sys; mod a { #![path = "d"] #[path = "x.rs"] mod m; } } }"#,
    r#"include!("a.rs"); const S: &str = include_str!("b.txt"); const B: &[u8] = std::include_bytes!(r"c.bin",);"#,
    r#"include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../libs/vault/src/lib.rs"));"#,
    r#"const S: &str = include_str!(::core::concat!(core::env!("CARGO_MANIFEST_DIR", "m",), "/..", '/', "v", 2, true, 0x1_0u8, ".rs",));"#,
    r#"include!(concat!(concat!(env!("CARGO_MANIFEST_DIR"), "/a"), "/b.rs")); include![concat!{"../x/", "y.rs"}];"#,
    r#"include!(concat!(env!("OUT_DIR"), "/x.rs")); include!(concat!("a", env!("CARGO_MANIFEST_DIR"))); include!(concat!("a", 1.5));"#,
    r#"#[doc = include_str!("README.md")] #[cfg_attr(docsrs, doc = include_str!("x.md"))] struct S; m! { include!(concat!("m", ".rs")); }"#,
];

#[test]
fn lexer_agrees_with_syn_on_tricky_snippets() {
    for src in TRICKY {
        let ast = syn::parse_file(src).unwrap_or_else(|e| panic!("{src}\n  is not Rust: {e}"));
        let refs = oracle::refs(&ast);
        let mut oracle: Vec<_> = (refs.crates.into_iter())
            .map(|f| (f.line, f.column, f.name, f.kind))
            .collect();
        let mut oracle_files = refs.files;
        oracle::sort_files(&mut oracle_files);
        let refs = scan(src);
        assert_eq!(
            lexer_files(&refs),
            oracle_files,
            "lexer (left) and oracle (right) disagree on file references in:\n{src}"
        );
        let crates = refs.crates.into_iter().map(|c| (c.pos, c.name, c.kind));
        let externs =
            (refs.extern_crates.into_iter()).map(|e| (e.pos, e.name, RefKind::ExternCrate));
        let mut lexer: Vec<_> = crates
            .chain(externs)
            .map(|(pos, name, kind)| (pos.line as usize, pos.column as usize, name, kind))
            .collect();
        oracle.sort_by_key(|r| (r.0, r.1));
        lexer.sort_by_key(|r| (r.0, r.1));
        assert_eq!(
            lexer, oracle,
            "lexer (left) and oracle (right) disagree on:\n{src}"
        );
    }
}

/// The lexer's file references in the oracle's form, sorted.
fn lexer_files(refs: &FileRefs) -> Vec<FoundFile> {
    let mut files: Vec<_> = (refs.files.iter())
        .map(|f| FoundFile {
            line: f.pos.line as usize,
            column: f.pos.column as usize,
            literal: f.literal.clone(),
            kind: f.kind,
            base: f.base,
            inline_modules: f.inline_modules.clone(),
        })
        .collect();
    oracle::sort_files(&mut files);
    files
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
        lexer_files: Vec<FoundFile>,
        oracle_files: Vec<FoundFile>,
    },
}

fn compare_file(file: &Path, known: &BTreeSet<String>) -> Outcome {
    let Ok(source) = std::fs::read_to_string(file) else {
        return Outcome::Unreadable;
    };
    let oracle = syn::parse_file(&source).ok().map(|ast| {
        let refs = oracle::refs(&ast);
        let names: BTreeSet<String> = refs.crates.into_iter().map(|f| f.name).collect();
        let mut files = refs.files;
        oracle::sort_files(&mut files);
        (names, files)
    });
    // This file's spans are dead now: free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    let Some((oracle, oracle_files)) = oracle else {
        return Outcome::Unparsed;
    };

    let refs = scan(&source);
    let lexer_files = lexer_files(&refs);
    let lexer = refs.crates.into_iter().map(|c| c.name);
    let lexer = lexer.chain(refs.extern_crates.into_iter().map(|e| e.name));
    Outcome::Compared {
        bytes: source.len(),
        lexer: lexer.filter(|n| known.contains(n)).collect(),
        oracle: oracle.into_iter().filter(|n| known.contains(n)).collect(),
        lexer_files,
        oracle_files,
    }
}

impl Tally {
    fn record(&mut self, file: &Path, outcome: Outcome) {
        let Outcome::Compared {
            bytes,
            lexer,
            oracle,
            lexer_files,
            oracle_files,
        } = outcome
        else {
            self.unparsed += usize::from(matches!(outcome, Outcome::Unparsed));
            return;
        };
        self.files += 1;
        self.bytes += bytes;
        self.names += oracle.len();
        self.file_refs += oracle_files.len();
        if lexer != oracle || lexer_files != oracle_files {
            let missing_from = |a: &[FoundFile], b: &[FoundFile]| -> Vec<FoundFile> {
                a.iter().filter(|f| !b.contains(f)).cloned().collect()
            };
            self.mismatches.push(Mismatch {
                file: file.to_path_buf(),
                only_lexer: lexer.difference(&oracle).cloned().collect(),
                only_oracle: oracle.difference(&lexer).cloned().collect(),
                files_only_lexer: missing_from(&lexer_files, &oracle_files),
                files_only_oracle: missing_from(&oracle_files, &lexer_files),
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
        if !(m.files_only_lexer.is_empty() && m.files_only_oracle.is_empty()) {
            out += &format!(
                "    files only in lexer:  {:?}\n    files only in oracle: {:?}\n",
                m.files_only_lexer, m.files_only_oracle,
            );
        }
    }
    if sorted.len() > MAX_REPORTED {
        out += &format!("  ... and {} more\n", sorted.len() - MAX_REPORTED);
    }
    out
}
