//! Components: servlets, their generated API crates, and shared libraries.

use std::fmt;

use crate::label::Label;
use crate::location::Spanned;
use crate::manifest::{LibraryManifest, ServletManifest};

/// A component is named by its directory, relative to the repository root (`servlets/home`,
/// `servlets/home/api`, `libs/ui/widgets`). That path is also its Bazel package.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ComponentId(String);

impl ComponentId {
    pub fn new(path: impl Into<String>) -> ComponentId {
        ComponentId(path.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Bazel label of this component's package.
    pub fn label(&self) -> String {
        format!("//{}", self.0)
    }

    /// Does `path` (a repository-relative file or directory) lie inside this component?
    pub fn contains(&self, path: &str) -> bool {
        path.strip_prefix(self.0.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

// Lookups by directory (`components.get("servlets/nav")`) without building an id.
impl std::borrow::Borrow<str> for ComponentId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// `path` and every directory above it, deepest first: `a/b/c`, `a/b`, `a`. The deepest
/// component or crate holding a file is the first of these that is one, found with a few map
/// lookups instead of a scan over every component.
pub fn enclosing(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |current| {
        current.rsplit_once('/').map(|(parent, _)| parent)
    })
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentKind {
    /// `servlets/<name>`: the servlet's own crate, private to the generated runtime.
    Servlet,
    /// `servlets/<name>/api`: the generated API crate other servlets call through.
    Api,
    /// `libs/**`: a shared library.
    Library,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Servlet => "servlet",
            ComponentKind::Api => "api",
            ComponentKind::Library => "library",
        }
    }
}

/// The manifest a component is declared by. An API crate is declared by its servlet's manifest.
#[derive(Clone, Debug, PartialEq)]
pub enum Manifest {
    Servlet(ServletManifest),
    Library(LibraryManifest),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub id: ComponentId,
    pub kind: ComponentKind,
    /// Repository-relative path of the servlet.yaml or library.yaml that declares it.
    pub manifest_path: String,
    pub manifest: Manifest,
}

impl Component {
    /// The name as written in the manifest (`home` for both `servlets/home` and its API crate).
    pub fn name(&self) -> &str {
        match &self.manifest {
            Manifest::Servlet(servlet) => &servlet.name.value,
            Manifest::Library(library) => &library.name.value,
        }
    }

    /// The owning team, `None` when the manifest names none.
    pub fn owner(&self) -> Option<&Spanned<String>> {
        match &self.manifest {
            Manifest::Servlet(servlet) => servlet.owner.as_ref(),
            Manifest::Library(library) => library.owner.as_ref(),
        }
    }

    /// The `visibility` list as the manifest writes it (for an API crate, its servlet's).
    pub fn declared_visibility(&self) -> &[Spanned<Label>] {
        match &self.manifest {
            Manifest::Servlet(servlet) => &servlet.visibility,
            Manifest::Library(library) => &library.visibility,
        }
    }

    /// Who may depend on this component. A servlet's own crate is private whatever its manifest
    /// says; its `visibility` list governs the API crate.
    pub fn visibility(&self) -> &[Spanned<Label>] {
        match (&self.manifest, self.kind) {
            (_, ComponentKind::Servlet) => &[],
            (Manifest::Servlet(servlet), _) => &servlet.visibility,
            (Manifest::Library(library), _) => &library.visibility,
        }
    }

    /// Is this the API crate of the servlet `servlet`?
    pub fn is_api_of(&self, servlet: &ComponentId) -> bool {
        self.kind == ComponentKind::Api
            && self.id.as_str().strip_suffix("/api") == Some(servlet.as_str())
    }

    /// The servlets and services this component calls over RPC (servlets only).
    pub fn calls(&self) -> &[Spanned<String>] {
        match (&self.manifest, self.kind) {
            (Manifest::Servlet(servlet), ComponentKind::Servlet) => &servlet.calls,
            _ => &[],
        }
    }
}
