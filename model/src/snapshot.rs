//! The texts discovery read from the tree: everything later stages need, and nothing more.

use crate::diagnostic::Diagnostic;

/// One file's text, with its repository-relative path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceText {
    pub path: String,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// orrery.yaml.
    pub config: Option<SourceText>,
    /// Every servlet.yaml and library.yaml under servlets/ and libs/, wherever it lies.
    pub manifests: Vec<SourceText>,
    /// Every Cargo.toml under servlets/ and libs/, and the root Cargo.toml.
    pub cargo_manifests: Vec<SourceText>,
    /// Every .rs file under servlets/ and libs/.
    pub rust_files: Vec<SourceText>,
    /// Every .proto file under servlets/ and the repository's proto/.
    pub protos: Vec<SourceText>,
    /// The direct children of servlets/: each must be a servlet.
    pub servlet_directories: Vec<String>,
    /// Symlinks met while walking, each with the repository-relative path it leads to (links
    /// leading out of the repository are left out).
    pub links: Vec<(String, String)>,
    /// Any other file where generated files live (`servlets/<name>/api/`, `gen/`), as bytes:
    /// some generated files (a descriptor set) are binary.
    pub generated: Vec<(String, Vec<u8>)>,
    /// orrery-todo.yaml, if present.
    pub baseline: Option<SourceText>,
    /// Every `templates/k8s/*.j2`: the repository's overrides of the templates orrery renders
    /// the Kubernetes manifests with, sorted by path.
    pub templates: Vec<SourceText>,
    /// Files that could not be read, as `input` diagnostics.
    pub problems: Vec<Diagnostic>,
}

impl Snapshot {
    /// Every file discovery read where generated files live (`servlets/<name>/api/` and
    /// `gen/`), by path, as bytes: what `orrery gen` compares its output with.
    pub fn generated_candidates(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let texts = self
            .rust_files
            .iter()
            .chain(&self.cargo_manifests)
            .filter(|file| is_generated_location(&file.path))
            .map(|file| (file.path.clone(), file.text.clone().into_bytes()));
        texts.chain(self.generated.iter().cloned()).collect()
    }

    /// The text of a file discovery read, for rendering source snippets.
    pub fn text(&self, path: &str) -> Option<&str> {
        let all = [&self.config, &self.baseline];
        all.into_iter()
            .flatten()
            .chain(&self.manifests)
            .chain(&self.cargo_manifests)
            .chain(&self.rust_files)
            .chain(&self.protos)
            .chain(&self.templates)
            .find(|file| file.path == path)
            .map(|file| file.text.as_str())
    }
}

/// `servlets/<name>/api/...`, `gen/...`, a `BUILD.bazel` under servlets/ or libs/, or one of
/// the root files orrery writes (`CODEOWNERS`, `BUILD.bazel`, `WORKSPACE`, `MODULE.bazel`).
pub fn is_generated_location(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    matches!(
        segments.as_slice(),
        ["servlets", _, "api", _, ..]
            | ["gen", _, ..]
            | ["servlets" | "libs", .., "BUILD.bazel"]
            | ["CODEOWNERS" | "BUILD.bazel" | "WORKSPACE" | "MODULE.bazel"]
    )
}
