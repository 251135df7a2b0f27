//! `orrery check`: discover the repository, extract every dependency from the real imports,
//! build the component graph and run the boundary rules.
//!
//! The pipeline is discover (the only reader of the tree) → load the model → resolve the
//! graph → check → render. Everything after discover is a pure function of the snapshot.

pub mod baseline;
pub mod cache;
pub mod discover;
pub mod extract;
pub mod fingerprint;
pub mod memo;
pub mod query;
pub mod render;
pub mod resolve;
pub mod rules;
pub mod scope;

use orrery_model::{DependencyGraph, Diagnostic, Repository, Snapshot};

use crate::extract::rust::FileRefs;
use crate::memo::Scans;

/// Everything `orrery check` knows about a repository.
pub struct Analysis {
    pub repository: Repository,
    pub graph: DependencyGraph,
    /// Every problem, in the stable reporting order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the whole check over what discovery read.
pub fn analyze(snapshot: &Snapshot) -> Analysis {
    analyze_in_stages(snapshot, |_| {})
}

/// [`analyze`], calling `stage` with the name of each stage as it starts (`model`, `resolve`,
/// `rules`), for progress and timings.
pub fn analyze_in_stages(snapshot: &Snapshot, stage: impl FnMut(&'static str)) -> Analysis {
    analyze_knowing(snapshot, &Scans::default(), stage).0
}

/// [`analyze_in_stages`] over a snapshot that left some Rust files unread, taking what they
/// contain from `scans`. Also answers with the scans of the files that were read.
pub fn analyze_knowing(
    snapshot: &Snapshot,
    scans: &Scans,
    mut stage: impl FnMut(&'static str),
) -> (Analysis, Vec<(String, FileRefs)>) {
    stage("model");
    let (repository, mut diagnostics) = orrery_model::repository::load(snapshot);
    diagnostics.extend(snapshot.problems.iter().cloned());
    stage("resolve");
    let (graph, problems, scanned) = resolve::build_graph_knowing(&repository, snapshot, scans);
    diagnostics.extend(problems);
    stage("rules");
    diagnostics.extend(rules::check(&repository, &graph));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    let analysis = Analysis {
        repository,
        graph,
        diagnostics,
    };
    (analysis, scanned)
}
