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

use crate::memo::{Learned, Memo};

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
    analyze_knowing(snapshot, &Memo::default(), stage).0
}

/// [`analyze_in_stages`], taking from `memo` what the Rust files the snapshot left unread
/// contain, and what the protos gave when they are unchanged (then `repository.apis` is left
/// empty). Also answers with what it learned, for the next check's memo.
pub fn analyze_knowing(
    snapshot: &Snapshot,
    memo: &Memo,
    mut stage: impl FnMut(&'static str),
) -> (Analysis, Learned) {
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
    let (graph, problems, scanned) = resolve::build_graph_knowing(&repository, snapshot, memo);
    diagnostics.extend(problems);
    stage("rules");
    // Without APIs, `route-conflict` finds nothing: its diagnostics come from the memo.
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
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    let analysis = Analysis {
        repository,
        graph,
        diagnostics,
    };
    let learned = Learned {
        scanned,
        apis: Some(memo::Apis {
            key: apis_key,
            diagnostics: apis,
        }),
    };
    (analysis, learned)
}
