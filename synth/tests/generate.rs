//! The generator's own promises: determinism, layout, sizes, and `write`.

use orrery_synth::{Spec, generate, injected, write};

fn spec(seed: u64) -> Spec {
    Spec {
        seed,
        servlets: 40,
        libs: 12,
        lines: 300,
        violations: false,
    }
}

#[test]
fn the_same_spec_gives_identical_files() {
    assert_eq!(generate(&spec(7)), generate(&spec(7)));
    let violations = Spec {
        violations: true,
        ..spec(7)
    };
    assert_eq!(generate(&violations), generate(&violations));
    assert_eq!(injected(&violations), injected(&violations));
}

#[test]
fn another_seed_gives_another_repository() {
    let (a, b) = (generate(&spec(1)), generate(&spec(2)));
    assert_ne!(a, b);
    // Not just a different header: most Rust files differ.
    let same = a
        .iter()
        .filter(|file| b.contains(file) && file.path.ends_with(".rs"))
        .count();
    assert!(same * 10 < a.len(), "{same} of {} files are equal", a.len());
}

#[test]
fn files_are_sorted_unique_and_relative() {
    let files = generate(&spec(3));
    for pair in files.windows(2) {
        assert!(
            pair[0].path < pair[1].path,
            "{} then {}",
            pair[0].path,
            pair[1].path
        );
    }
    for file in &files {
        assert!(
            !file.path.starts_with('/') && !file.path.contains('\\') && !file.path.contains("..")
        );
        assert!(
            file.contents.ends_with('\n'),
            "{} has no final newline",
            file.path
        );
    }
}

#[test]
fn every_component_has_its_files() {
    let files = generate(&spec(4));
    let has = |path: &str| files.iter().any(|file| file.path == path);
    assert!(has("orrery.yaml"));
    assert!(has("proto/services/ledger.proto"));
    let servlets: Vec<&str> = files
        .iter()
        .filter_map(|file| file.path.strip_suffix("/servlet.yaml"))
        .collect();
    let libs: Vec<&str> = files
        .iter()
        .filter_map(|file| file.path.strip_suffix("/library.yaml"))
        .collect();
    assert_eq!((servlets.len(), libs.len()), (40, 12));
    for servlet in &servlets {
        let name = servlet.strip_prefix("servlets/").unwrap();
        assert!(is_name(name), "{name}");
        for file in ["Cargo.toml", "src/lib.rs", "src/handlers.rs"] {
            assert!(has(&format!("{servlet}/{file}")), "{servlet}/{file}");
        }
        assert!(has(&format!("{servlet}/proto/{name}.proto")));
    }
    for lib in &libs {
        assert!(lib.starts_with("libs/"));
        for file in ["Cargo.toml", "src/lib.rs", "src/util.rs", "src/model.rs"] {
            assert!(has(&format!("{lib}/{file}")), "{lib}/{file}");
        }
    }
    assert!(
        libs.iter().any(|lib| lib.matches('/').count() == 2),
        "some libraries are nested"
    );
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn sizes_follow_the_spec() {
    let spec = Spec {
        seed: 5,
        servlets: 50,
        libs: 10,
        lines: 830,
        violations: false,
    };
    let files = generate(&spec);
    let rust: Vec<_> = files.iter().filter(|f| f.path.ends_with(".rs")).collect();
    let lines: usize = rust.iter().map(|f| f.contents.lines().count()).sum();
    let bytes: usize = rust.iter().map(|f| f.contents.len()).sum();
    let per_component = lines / 60;
    assert!(
        (780..=900).contains(&per_component),
        "{per_component} lines per component"
    );
    let width = bytes / lines;
    assert!((30..=42).contains(&width), "{width} bytes per line");
    let per_crate = rust.len() as f64 / 60.0;
    assert!(
        (5.0..=10.0).contains(&per_crate),
        "{per_crate} files per crate"
    );
}

#[test]
fn injected_is_empty_without_violations_and_covers_every_rule_with_them() {
    assert_eq!(injected(&spec(1)), []);
    let spec = Spec {
        violations: true,
        ..spec(1)
    };
    let mut rules: Vec<&str> = injected(&spec).iter().map(|i| i.rule).collect();
    rules.dedup();
    rules.sort();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "cycle",
            "manifest",
            "owner",
            "private-servlet",
            "route-conflict",
            "undeclared-call",
            "visibility"
        ]
    );
    // Each points at a generated file.
    let files = generate(&spec);
    for injected in injected(&spec) {
        assert!(
            files.iter().any(|file| file.path == injected.path),
            "{injected:?}"
        );
    }
}

#[test]
fn tiny_repositories_inject_what_fits() {
    let spec = Spec {
        seed: 1,
        servlets: 1,
        libs: 0,
        lines: 50,
        violations: true,
    };
    let rules: Vec<&str> = injected(&spec).iter().map(|i| i.rule).collect();
    assert_eq!(rules, ["manifest"]);
    let empty = Spec {
        servlets: 0,
        ..spec
    };
    assert_eq!(injected(&empty), []);
    assert_eq!(generate(&empty).len(), 2);
}

#[test]
fn write_creates_folders_and_refuses_a_non_empty_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new/repo");
    let files = generate(&Spec {
        servlets: 2,
        libs: 2,
        lines: 50,
        ..spec(1)
    });
    write(&root, &files).unwrap();
    for file in &files {
        assert_eq!(
            std::fs::read_to_string(root.join(&file.path)).unwrap(),
            file.contents
        );
    }
    let error = write(&root, &files).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(error.to_string().contains("is not empty"), "{error}");
}
