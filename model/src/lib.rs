//! The shared model of an orrery repository.
//!
//! Lint and codegen both read these types and neither owns them. Nothing in this crate touches
//! the filesystem: manifests arrive as text and leave as typed values or diagnostics.

pub mod component;
pub mod diagnostic;
pub mod graph;
pub mod label;
pub mod location;
pub mod manifest;
pub mod proto;
pub mod repository;
pub mod snapshot;
pub mod suggest;

pub use component::{Component, ComponentId, ComponentKind};
pub use diagnostic::{Diagnostic, Related, RuleId};
pub use graph::{DependencyGraph, Edge, Evidence, RefKind};
pub use label::{Label, PackagePattern, PackageSpec};
pub use location::{Location, Spanned};
pub use repository::Repository;
pub use snapshot::{Snapshot, SourceText};
