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

use orrery_model::{DependencyGraph, Diagnostic, Repository, RuleId, Snapshot};

use crate::extract::rust::FileRefs;
use crate::memo::Memo;

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
pub fn analyze_in_stages(snapshot: &Snapshot, mut stage: impl FnMut(&'static str)) -> Analysis {
    stage("model");
    let (repository, mut diagnostics) = orrery_model::repository::load(snapshot);
    diagnostics.extend(snapshot.problems.iter().cloned());
    stage("resolve");
    let (graph, problems) = resolve::build_graph(&repository, snapshot);
    diagnostics.extend(problems);
    stage("rules");
    diagnostics.extend(rules::check(&repository, &graph));
    finish(repository, graph, diagnostics)
}

/// What [`analyze_knowing`] learned, for the next check's memo.
pub struct Learned {
    /// The Rust files it scanned, with what it found.
    pub scanned: Vec<(String, FileRefs)>,
    pub apis: memo::Apis,
    /// The protos were not compiled: their diagnostics came from the memo.
    pub apis_known: bool,
}

/// [`analyze_in_stages`] for `orrery check`, which owns its snapshot and remembers:
/// - the Rust files `snapshot` read are scanned first (stage `scan`), each text let go of as
///   soon as it is scanned, so the texts and the descriptor pools are never all held at once;
///   `snapshot.rust_files` is left empty;
/// - the Rust files it left unread are taken from `memo`, and so are the protos' diagnostics
///   when they are unchanged (then `repository.apis` is left empty).
pub fn analyze_knowing(
    snapshot: &mut Snapshot,
    memo: &Memo,
    mut stage: impl FnMut(&'static str),
) -> (Analysis, Learned) {
    stage("scan");
    let scanned = resolve::scan_taking(std::mem::take(&mut snapshot.rust_files));
    stage("model");
    let (mut repository, mut diagnostics) = orrery_model::repository::load_without_apis(snapshot);
    diagnostics.extend(snapshot.problems.iter().cloned());
    let apis_key = memo::apis_key(&repository, snapshot);
    let known_apis = memo.apis(apis_key);
    let compile_problems = match known_apis {
        Some(_) => Vec::new(),
        None => orrery_model::repository::compile_apis(&mut repository, snapshot),
    };
    stage("resolve");
    let (graph, problems) = resolve::build_graph_knowing(&repository, snapshot, &scanned, memo);
    diagnostics.extend(problems);
    stage("rules");
    // The protos' diagnostics are kept apart for the memo; after a memo hit `route-conflict`
    // had no APIs to look at, and they come from the memo instead.
    let found = rules::check(&repository, &graph);
    let apis = match known_apis {
        Some(known) => known.to_vec(),
        None => compile_problems
            .into_iter()
            .chain(
                found
                    .iter()
                    .filter(|d| d.rule == RuleId::RouteConflict)
                    .cloned(),
            )
            .collect(),
    };
    diagnostics.extend(
        found
            .into_iter()
            .filter(|d| d.rule != RuleId::RouteConflict),
    );
    diagnostics.extend(apis.iter().cloned());
    let learned = Learned {
        scanned,
        apis: memo::Apis {
            key: apis_key,
            diagnostics: apis,
        },
        apis_known: known_apis.is_some(),
    };
    (finish(repository, graph, diagnostics), learned)
}

/// The analysis, with its diagnostics in the stable reporting order.
fn finish(
    repository: Repository,
    graph: DependencyGraph,
    mut diagnostics: Vec<Diagnostic>,
) -> Analysis {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    Analysis {
        repository,
        graph,
        diagnostics,
    }
}
