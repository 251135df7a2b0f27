//! Extraction: what each file references, before names are resolved to components.

pub mod cargo;
pub mod rust;
