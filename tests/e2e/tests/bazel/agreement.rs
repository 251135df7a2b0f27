//! Asking orrery and Bazel the same question and comparing their answers, edge by edge.
//!
//! orrery's answer is `orrery check`'s `visibility`, `private-servlet` and `cycle` diagnostics.
//! Bazel's comes from `bazel build --nobuild --keep_going //...` on the BUILD files orrery
//! generates for the same tree. Bazel does not analyse a target whose dependency failed, so one
//! run only judges the edges it reaches; the test then does what a developer would: it drops
//! the dependencies Bazel named (one edge of each cycle it printed), generates the BUILD files
//! again and asks again, until Bazel passes. Every edge then has Bazel's verdict: refused in
//! some round, or present when Bazel passed. Only an edge dropped to break a cycle goes
//! unjudged for visibility (Bazel reported the cycle instead).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use orrery_codegen::GeneratedFile;
use orrery_codegen::bazel::{Options, bazel_files};
use orrery_model::{
    ComponentId, ComponentKind, DependencyGraph, Diagnostic, Repository, RuleId, Snapshot,
};

use super::harness::{Workspace, is_bazel_file};

pub type Pair = (ComponentId, ComponentId);

/// A repository as orrery sees it, ready for Bazel.
pub struct Subject {
    pub repository: Repository,
    pub graph: DependencyGraph,
    pub snapshot: Snapshot,
    pub diagnostics: Vec<Diagnostic>,
    /// What the workspace holds besides the Bazel files: the tree's sources and the other
    /// generated files, or nothing for a tree analysed in memory.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The other files `orrery gen` generates for the tree (the API crates' and servers'
    /// Cargo.toml say what those crates link).
    pub generated: Vec<GeneratedFile>,
}

impl Subject {
    /// Analyses a tree held in memory, as `orrery check` would on disk.
    pub fn in_memory(files: &[(String, String)]) -> Subject {
        let snapshot = snapshot(files);
        let analysis = orrery_lint::analyze(&snapshot);
        Subject {
            repository: analysis.repository,
            graph: analysis.graph,
            snapshot,
            diagnostics: analysis.diagnostics,
            files: BTreeMap::new(),
            generated: Vec::new(),
        }
    }

    /// Writes `sources` into the workspace and runs `orrery gen`'s pipeline there (writing
    /// its output even while violations stand, as the point is to see them) until the
    /// generated files are stable; then analyses the result as `orrery check` would.
    pub fn generated_in(workspace: &mut Workspace, sources: BTreeMap<String, Vec<u8>>) -> Subject {
        let mut files = sources;
        for pass in 0.. {
            assert!(pass < 3, "orrery gen's output does not settle");
            workspace.sync(&files);
            let snapshot = orrery_lint::discover::discover(&workspace.dir());
            let analysis = orrery_lint::analyze(&snapshot);
            let (generated, _) =
                orrery_codegen::generate(&analysis.repository, &snapshot, &analysis.graph);
            let mut changed = false;
            for file in &generated {
                let hand_written = files
                    .get(&file.path)
                    .is_some_and(|existing| !orrery_codegen::is_generated(existing));
                if !hand_written && files.get(&file.path) != Some(&file.contents) {
                    files.insert(file.path.clone(), file.contents.clone());
                    changed = true;
                }
            }
            if !changed {
                let others: Vec<GeneratedFile> = generated
                    .into_iter()
                    .filter(|f| !is_bazel_file(&f.path))
                    .collect();
                files.retain(|path, _| !is_bazel_file(path));
                return Subject {
                    repository: analysis.repository,
                    graph: analysis.graph,
                    snapshot,
                    diagnostics: analysis.diagnostics,
                    files,
                    generated: others,
                };
            }
        }
        unreachable!()
    }

    /// The Bazel files for the graph less `dropped`.
    fn bazel_files(&self, dropped: &BTreeSet<Pair>) -> Vec<GeneratedFile> {
        let graph = without(&self.repository, &self.graph, dropped);
        bazel_files(
            &self.repository,
            &graph,
            &self.snapshot,
            &self.generated,
            &Options::default(),
        )
    }
}

/// What the workspace must hold for one round: the subject's files and these Bazel files.
fn workspace_files(subject: &Subject, bazel: &[GeneratedFile]) -> BTreeMap<String, Vec<u8>> {
    let mut files = subject.files.clone();
    files.extend(bazel.iter().map(|f| (f.path.clone(), f.contents.clone())));
    files
}

/// The graph without the edges in `dropped`.
fn without(
    repository: &Repository,
    graph: &DependencyGraph,
    dropped: &BTreeSet<Pair>,
) -> DependencyGraph {
    let mut nodes: BTreeSet<ComponentId> = repository.components.keys().cloned().collect();
    let mut evidence = Vec::new();
    for edge in graph.edges() {
        nodes.insert(edge.from.clone());
        nodes.insert(edge.to.clone());
        if dropped.contains(&(edge.from.clone(), edge.to.clone())) {
            continue;
        }
        for piece in edge.evidence {
            evidence.push((edge.from.clone(), edge.to.clone(), piece.clone()));
        }
    }
    DependencyGraph::build(nodes, evidence)
}

/// orrery's verdicts.
#[derive(Debug, Default)]
pub struct Orrery {
    /// The edges `visibility` or `private-servlet` reports, with the rule.
    pub refused: BTreeMap<Pair, RuleId>,
    /// The strongly connected components `cycle` reports a cycle in.
    pub cycles: BTreeSet<BTreeSet<ComponentId>>,
}

impl Orrery {
    pub fn of(subject: &Subject) -> Orrery {
        let mut orrery = Orrery::default();
        let sccs = subject.graph.cyclic_components();
        for diagnostic in &subject.diagnostics {
            match (diagnostic.rule, &diagnostic.from, &diagnostic.to) {
                (RuleId::Visibility | RuleId::PrivateServlet, Some(from), Some(to)) => {
                    orrery
                        .refused
                        .entry((from.clone(), to.clone()))
                        .or_insert(diagnostic.rule);
                }
                (RuleId::Cycle, _, _) => {
                    let first = diagnostic
                        .cycle
                        .first()
                        .expect("a cycle names its components");
                    let scc = sccs
                        .iter()
                        .find(|scc| scc.contains(first))
                        .expect("a reported cycle lies in a strongly connected component");
                    orrery.cycles.insert(scc.iter().cloned().collect());
                }
                _ => {}
            }
        }
        orrery
    }

    pub fn passes(&self) -> bool {
        self.refused.is_empty() && self.cycles.is_empty()
    }
}

/// Bazel's verdicts, over as many rounds as it took.
#[derive(Debug, Default)]
pub struct Bazel {
    pub first_round_passed: bool,
    /// The first round's errors, as Bazel printed them.
    pub first_round: String,
    /// Edges Bazel refused (a target not visible, or no such package), with the round.
    pub refused: BTreeMap<Pair, usize>,
    /// Every cycle Bazel printed, as the components along it.
    pub cycles: Vec<Vec<ComponentId>>,
    /// Edges present when Bazel passed.
    pub accepted: BTreeSet<Pair>,
    /// Edges dropped to break a cycle Bazel printed: their visibility went unjudged.
    pub unjudged: BTreeSet<Pair>,
    pub rounds: usize,
    /// What went wrong outside the verdicts: errors nobody expects, or no progress.
    pub trouble: Vec<String>,
}

impl Bazel {
    pub fn of(workspace: &mut Workspace, subject: &Subject) -> Bazel {
        let mut bazel = Bazel::default();
        let mut dropped: BTreeSet<Pair> = BTreeSet::new();
        loop {
            bazel.rounds += 1;
            if bazel.rounds > 60 {
                bazel.trouble.push("no verdict after 60 rounds".to_owned());
                return bazel;
            }
            let files = subject.bazel_files(&dropped);
            workspace.sync(&workspace_files(subject, &files));
            let run = workspace.analyze();
            let report = Report::parse(&run.stderr, &subject.repository);
            if bazel.rounds == 1 {
                bazel.first_round_passed = run.success;
                bazel.first_round = report.errors.join("\n");
            }
            bazel.trouble.extend(report.unknown.iter().cloned());
            if run.success {
                bazel.accepted = judged_edges(subject, &dropped);
                return bazel;
            }
            let mut progress = false;
            for pair in report.refused {
                bazel.refused.entry(pair.clone()).or_insert(bazel.rounds);
                progress |= dropped.insert(pair);
            }
            for cycle in report.cycles {
                let closing = closing_edge(&cycle);
                bazel.cycles.push(cycle);
                if subject.graph.edge(&closing.0, &closing.1).is_none() {
                    bazel
                        .trouble
                        .push(format!("Bazel printed a cycle through `{}` → `{}`, which is no edge of orrery's graph", closing.0, closing.1));
                    return bazel;
                }
                if !bazel.refused.contains_key(&closing) {
                    bazel.unjudged.insert(closing.clone());
                }
                progress |= dropped.insert(closing);
            }
            if !progress {
                bazel.trouble.push(format!(
                    "Bazel failed without naming an edge:\n{}",
                    run.stderr
                ));
                return bazel;
            }
        }
    }
}

/// The graph's edges that a target asks for (edges from a node without a BUILD file, a crate
/// no manifest declares, are nobody's to judge), less `dropped`.
fn judged_edges(subject: &Subject, dropped: &BTreeSet<Pair>) -> BTreeSet<Pair> {
    subject
        .graph
        .edges()
        .filter(|edge| subject.repository.components.contains_key(edge.from))
        .map(|edge| (edge.from.clone(), edge.to.clone()))
        .filter(|pair| !dropped.contains(pair))
        .collect()
}

/// The edge back to where the cycle started: `[a, b, a]` closes with `b → a`; a cycle inside
/// one component (a servlet calling itself) is its self-loop.
fn closing_edge(cycle: &[ComponentId]) -> Pair {
    match cycle {
        [.., before, last] => (before.clone(), last.clone()),
        [only] => (only.clone(), only.clone()),
        [] => unreachable!("a cycle has components"),
    }
}

/// One Bazel run's errors, read as edges between components.
#[derive(Debug, Default)]
struct Report {
    refused: BTreeSet<Pair>,
    cycles: Vec<Vec<ComponentId>>,
    /// The errors as printed, first lines only.
    errors: Vec<String>,
    unknown: Vec<String>,
}

impl Report {
    fn parse(stderr: &str, repository: &Repository) -> Report {
        let mut report = Report::default();
        for chunk in chunks(stderr) {
            let first = chunk.lines().next().unwrap_or_default();
            if is_summary(first) {
                continue;
            }
            report.errors.push(first.to_owned());
            let visibility = (
                after(&chunk, "target '", "'"),
                after(&chunk, "is not visible from target '", "'"),
            );
            let missing = (
                after(&chunk, "no such package '", "'"),
                after(&chunk, "referenced by '", "'"),
            );
            if let (Some(to), Some(from)) = visibility {
                match (component(&from, repository), component(&to, repository)) {
                    (Some(from), Some(to)) => {
                        report.refused.insert((from, to));
                    }
                    _ => report.unknown.push(format!(
                        "a visibility error between targets of no component: {first}"
                    )),
                }
            } else if let (Some(package), Some(from)) = missing {
                // A dependency on a crate no manifest declares: no BUILD file, no package.
                match component(&from, repository) {
                    Some(from) => {
                        report.refused.insert((from, ComponentId::new(package)));
                    }
                    None => report.unknown.push(first.to_owned()),
                }
            } else if chunk.contains("depends on an already-reported cycle") {
                continue;
            } else if chunk.contains("cycle in dependency graph:") {
                let mut cycle: Vec<ComponentId> = Vec::new();
                for line in chunk.lines() {
                    let Some(label) = [".-> ", "|   ", "`-- "]
                        .iter()
                        .find_map(|prefix| line.strip_prefix(prefix))
                    else {
                        continue;
                    };
                    let Some(id) = component(label.trim(), repository) else {
                        report
                            .unknown
                            .push(format!("a cycle through `{label}`, no component: {first}"));
                        continue;
                    };
                    if cycle.last() != Some(&id) {
                        cycle.push(id);
                    }
                }
                if cycle.is_empty() {
                    report.unknown.push(chunk.clone());
                } else {
                    report.cycles.push(cycle);
                }
            } else {
                report.unknown.push(chunk.clone());
            }
        }
        report
    }
}

/// Bazel's stderr split into its messages: each `ERROR:` line with the lines that continue it.
fn chunks(stderr: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut inside = false;
    for line in stderr.lines() {
        if line.starts_with("ERROR: ") {
            chunks.push(line.to_owned());
            inside = true;
        } else if [
            "WARNING: ",
            "INFO: ",
            "FAILED: ",
            "Loading",
            "Analyzing",
            "DEBUG: ",
        ]
        .iter()
        .any(|prefix| line.starts_with(prefix))
        {
            inside = false;
        } else if inside {
            let chunk = chunks.last_mut().unwrap();
            chunk.push('\n');
            chunk.push_str(line);
        }
    }
    chunks
}

/// Bazel's closing lines, which restate that something failed.
fn is_summary(line: &str) -> bool {
    line.starts_with("ERROR: command succeeded, but")
        || line.contains("Analysis of target")
        || line.contains("Build did NOT complete successfully")
        || line.contains("errors encountered while analyzing")
}

/// The text between the first `start` and the `end` after it.
fn after(text: &str, start: &str, end: &str) -> Option<String> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(rest[..rest.find(end)?].to_owned())
}

/// The component a Bazel label belongs to: its package's, the API crate for a servlet's
/// `proto` target (the API is generated from it); `None` outside servlets/ and libs/.
pub fn component(label: &str, repository: &Repository) -> Option<ComponentId> {
    let label = label.strip_prefix("//")?;
    let (package, name) = label.split_once(':').unwrap_or((label, ""));
    if !(package.starts_with("servlets/") || package.starts_with("libs/")) {
        return None;
    }
    let id = ComponentId::new(package);
    let is_servlet = repository
        .components
        .get(&id)
        .is_some_and(|c| c.kind == ComponentKind::Servlet);
    if is_servlet && name == "proto" {
        return Some(ComponentId::new(format!("{package}/api")));
    }
    Some(id)
}

/// Builds the snapshot discovery would read from these files.
pub fn snapshot(files: &[(String, String)]) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let mut servlets = BTreeSet::new();
    for (path, text) in files {
        let file = orrery_model::SourceText {
            path: path.clone(),
            text: text.clone(),
        };
        if let ["servlets", name, ..] = path.split('/').collect::<Vec<_>>().as_slice() {
            servlets.insert(format!("servlets/{name}"));
        }
        if path == "orrery.yaml" {
            snapshot.config = Some(file);
        } else if path.ends_with("/servlet.yaml") || path.ends_with("/library.yaml") {
            snapshot.manifests.push(file);
        } else if path.ends_with("Cargo.toml") {
            snapshot.cargo_manifests.push(file);
        } else if path.ends_with(".rs") {
            snapshot.rust_files.push(file);
        } else if path.ends_with(".proto") {
            snapshot.protos.push(file);
        }
    }
    snapshot.servlet_directories = servlets.into_iter().collect();
    snapshot
}

/// Where the two disagree, one line per edge or cycle; empty when they agree.
pub fn compare(subject: &Subject, orrery: &Orrery, bazel: &Bazel) -> Vec<String> {
    let mut mismatches: Vec<String> = bazel.trouble.clone();
    if bazel.first_round_passed != orrery.passes() {
        mismatches.push(format!(
            "orrery check {}, Bazel {}",
            if orrery.passes() { "passes" } else { "fails" },
            if bazel.first_round_passed {
                "passes"
            } else {
                "fails"
            }
        ));
    }
    for (pair, rule) in &orrery.refused {
        if bazel.accepted.contains(pair) {
            mismatches.push(format!(
                "`{}` → `{}`: orrery reports `{rule}`, Bazel accepts it",
                pair.0, pair.1
            ));
        }
    }
    for (pair, round) in &bazel.refused {
        if !orrery.refused.contains_key(pair) {
            mismatches.push(format!(
                "`{}` → `{}`: Bazel refuses it (round {round}), orrery accepts it",
                pair.0, pair.1
            ));
        }
    }
    let sccs = subject.graph.cyclic_components();
    let scc_of = |id: &ComponentId| -> Option<BTreeSet<ComponentId>> {
        sccs.iter()
            .find(|scc| scc.contains(id))
            .map(|scc| scc.iter().cloned().collect())
    };
    let mut seen_by_bazel = BTreeSet::new();
    for cycle in &bazel.cycles {
        match scc_of(&cycle[0]) {
            Some(scc) if cycle.iter().all(|id| scc.contains(id)) => {
                seen_by_bazel.insert(scc);
            }
            _ => mismatches.push(format!(
                "Bazel reports a cycle through {}, which orrery's graph does not hold",
                names(cycle)
            )),
        }
    }
    for scc in &orrery.cycles {
        if !seen_by_bazel.contains(scc) {
            mismatches.push(format!(
                "orrery reports a cycle among {}, Bazel none",
                names(&scc.iter().cloned().collect::<Vec<_>>())
            ));
        }
    }
    for scc in &seen_by_bazel {
        if !orrery.cycles.contains(scc) {
            mismatches.push(format!(
                "Bazel reports a cycle among {}, orrery none",
                names(&scc.iter().cloned().collect::<Vec<_>>())
            ));
        }
    }
    mismatches
}

fn names(ids: &[ComponentId]) -> String {
    let mut text = String::new();
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "`{id}`");
    }
    text
}
