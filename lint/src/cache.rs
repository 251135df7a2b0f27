//! Warm caches: the outcome of the last full `orrery check`, and the last `orrery gen` that
//! found nothing to change, each kept with the [`Fingerprint`] of the tree it was computed on.
//!
//! A cache only ever saves work. It is used when its fingerprint equals the tree's (which
//! mixes in the identity of the orrery build); anything else (another tree, another orrery, a
//! file that does not decode) is ignored, the work is done in full and the cache rewritten.

use orrery_model::Diagnostic;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Analysis;
use crate::fingerprint::Fingerprint;
use crate::scope::{self, CycleFiles};

/// Where caches live, relative to the repository root. The directory holds a `.gitignore` of
/// its own, so it never shows up as a change.
pub const DIRECTORY: &str = ".orrery/cache";
/// The cached check.
pub const CHECK: &str = ".orrery/cache/check.json";
/// The last `orrery gen` that found every generated file up to date.
pub const GEN: &str = ".orrery/cache/gen.json";

/// What `orrery check` reports, computed once: the diagnostics before the baseline and any
/// scope narrow them, and what scoping needs of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub components: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub cycles: Vec<CycleFiles>,
}

impl Checked {
    pub fn of(analysis: &Analysis) -> Checked {
        Checked {
            components: analysis.repository.components.len(),
            diagnostics: analysis.diagnostics.clone(),
            cycles: scope::cycle_files(&analysis.graph),
        }
    }
}

/// `orrery gen` found this many generated files, all up to date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpToDate {
    pub files: usize,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    fingerprint: u64,
    value: T,
}

pub fn encode<T: Serialize>(fingerprint: Fingerprint, value: &T) -> Vec<u8> {
    let entry = Entry {
        fingerprint: fingerprint.0,
        value,
    };
    serde_json::to_vec(&entry).unwrap_or_default()
}

/// The cached value if `bytes` hold one for exactly this tree; `None` for anything else,
/// corrupt or truncated bytes included.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], fingerprint: Fingerprint) -> Option<T> {
    serde_json::from_slice::<Entry<T>>(bytes)
        .ok()
        .filter(|entry| entry.fingerprint == fingerprint.0)
        .map(|entry| entry.value)
}

#[cfg(test)]
mod tests {
    use orrery_model::{Location, RuleId};

    use super::*;

    fn checked() -> Checked {
        Checked {
            components: 3,
            diagnostics: vec![
                Diagnostic::new(RuleId::Visibility, Location::new("a/lib.rs", 1, 5, 3), "no")
                    .with_help("grant it"),
            ],
            cycles: Vec::new(),
        }
    }

    #[test]
    fn a_cache_is_used_for_its_own_tree_only() {
        let bytes = encode(Fingerprint(7), &checked());
        assert_eq!(decode::<Checked>(&bytes, Fingerprint(7)), Some(checked()));
        assert_eq!(decode::<Checked>(&bytes, Fingerprint(8)), None);
    }

    #[test]
    fn corrupt_or_truncated_bytes_are_no_cache() {
        let bytes = encode(Fingerprint(7), &checked());
        assert_eq!(
            decode::<Checked>(&bytes[..bytes.len() / 2], Fingerprint(7)),
            None
        );
        assert_eq!(decode::<Checked>(b"\x00\xffgarbage", Fingerprint(7)), None);
        assert_eq!(decode::<Checked>(b"", Fingerprint(7)), None);
        let other = encode(Fingerprint(7), &UpToDate { files: 3 });
        assert_eq!(decode::<Checked>(&other, Fingerprint(7)), None);
        assert_eq!(decode(&other, Fingerprint(7)), Some(UpToDate { files: 3 }));
    }
}
