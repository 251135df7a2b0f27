//! Typed manifests: orrery.yaml, servlet.yaml and library.yaml, parsed strictly.
//!
//! Parsing checks each file on its own (keys, types, name shapes, label syntax). Checks that
//! need the whole repository (owners in `teams`, `calls` targets, group references) are rules
//! in the lint crate.

mod component;
mod config;
mod yaml;

pub use component::{LibraryManifest, ServletManifest, Slo, Tier, parse_library, parse_servlet};
pub use config::{
    Config, Defaults, Deploy, DeployEngine, Envoy, Group, Resources, ResourcesOverride, Scaling,
    ScalingOverride, Service, parse_config,
};

use crate::diagnostic::Diagnostic;

/// A manifest as far as it could be read, and every problem found reading it.
#[derive(Debug)]
pub struct Parsed<T> {
    pub value: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
}
