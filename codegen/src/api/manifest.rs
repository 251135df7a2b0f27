//! The API crate's `Cargo.toml`: exactly the crates its generated code names.

use std::collections::{BTreeMap, BTreeSet};

/// A dependency on a runtime crate: the Rust name generated code uses, and its manifest line.
const RUNTIME: &[(&str, &str)] = &[
    // The typed client's factory and call helper. The repository's workspace says where the
    // runtime comes from (a version, or a path).
    ("orrery_runtime", "orrery-runtime.workspace = true"),
    ("prost", r#"prost = "0.14""#),
    ("prost_types", r#"prost-types = "0.14""#),
    // `codegen` is all the generated client and server need; servers and clients that run
    // over HTTP/2 enable tonic's `transport` themselves, and Cargo unifies the features.
    (
        "tonic",
        r#"tonic = { version = "0.14", default-features = false, features = ["codegen"] }"#,
    ),
    ("tonic_prost", r#"tonic-prost = "0.14""#),
];

/// `used` holds the first segments of the code's paths; `crates` maps packages to API crates.
pub(super) fn render(
    header: &str,
    name: &str,
    used: &BTreeSet<String>,
    crates: &BTreeMap<String, String>,
) -> String {
    let mut dependencies: Vec<String> = RUNTIME
        .iter()
        // prost's derives name it inside attributes, where no path is visited.
        .filter(|(rust_name, _)| *rust_name == "prost" || used.contains(*rust_name))
        .map(|(_, line)| (*line).to_owned())
        .collect();
    let other_apis: BTreeSet<&String> = crates
        .values()
        .filter(|other| *other != name && used.contains(*other))
        .collect();
    for other in other_apis {
        let servlet = other.strip_suffix("_api").unwrap_or(other);
        dependencies.push(format!(r#"{other} = {{ path = "../../{servlet}/api" }}"#));
    }
    dependencies.sort();
    format!(
        "# {header}\n\
         [package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         {}\n",
        dependencies.join("\n")
    )
}
