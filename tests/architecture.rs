//! ARCHITECTURE.md stays true: every folder its code map names, and every entry point its
//! pipeline table names, exists.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_code_map_names_only_folders_that_exist() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .collect();
    assert!(headings.len() >= 5, "the code map has sections");
    for heading in headings {
        for folder in heading.split(", ").map(|name| name.trim_matches('`')) {
            assert!(
                root().join(folder).is_dir(),
                "ARCHITECTURE.md names `{folder}`, which does not exist"
            );
        }
    }
}

#[test]
fn the_pipeline_names_only_functions_that_exist() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let paths: Vec<String> = text
        .split('`')
        .filter(|s| s.starts_with("orrery_lint::") || s.starts_with("orrery_model::"))
        .flat_map(expand_group)
        .collect();
    assert!(
        paths.len() >= 8,
        "the pipeline table names its entry points"
    );
    for path in paths {
        let mut segments: Vec<&str> = path.split("::").collect();
        let function = segments.pop().unwrap();
        let crate_dir = if segments.remove(0) == "orrery_lint" {
            "lint"
        } else {
            "model"
        };
        // `baseline::Baseline::apply`: the method lives in the module's file.
        let module: Vec<&str> = segments
            .into_iter()
            .filter(|s| !s.starts_with(char::is_uppercase))
            .collect();
        let module = if module.is_empty() {
            "lib".to_owned()
        } else {
            module.join("/")
        };
        // The module's file, or any file of its folder (a function may be re-exported).
        let mut files = vec![root().join(format!("{crate_dir}/src/{module}.rs"))];
        let folder = std::fs::read_dir(root().join(format!("{crate_dir}/src/{module}")));
        files.extend(
            folder
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path()),
        );
        let source: String = files
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .collect();
        assert!(
            !source.is_empty(),
            "ARCHITECTURE.md names `{path}`: no module {crate_dir}/src/{module}"
        );
        assert!(
            source.contains(&format!("fn {function}")),
            "ARCHITECTURE.md names `{path}`: no `fn {function}`"
        );
    }
}

/// `a::b::{c,d}::f` → `a::b::c::f`, `a::b::d::f`.
fn expand_group(path: &str) -> Vec<String> {
    match (path.find('{'), path.find('}')) {
        (Some(open), Some(close)) => path[open + 1..close]
            .split(',')
            .map(|member| format!("{}{member}{}", &path[..open], &path[close + 1..]))
            .collect(),
        _ => vec![path.to_owned()],
    }
}
