//! Real Bazel (4.2.3, offline) judges the BUILD files orrery generates, and must reach the same
//! verdicts as `orrery check`: on the example repository, on every lint fixture whose
//! violations Bazel can express (`visibility`, `private-servlet`, `cycle`), and on random
//! trees, edge by edge. Bazel runs analysis only (`build --nobuild --keep_going`) against the
//! stand-in rule sets in tests/bazel/, which declare plain filegroups: Bazel's own visibility
//! and cycle checks do the judging. Also: `bazel query` sees orrery's graph, and buildifier
//! accepts every generated Bazel file.
//!
//! Without Bazel or buildifier these tests skip with a note, except in CI (`CI=true`), where
//! they fail. The property test's seed is fixed; `ORRERY_BAZEL_SEED` picks another, and
//! `ORRERY_BAZEL_TREES` another count.

#[path = "bazel/agreement.rs"]
mod agreement;
#[path = "bazel/harness.rs"]
mod harness;
#[path = "bazel/trees.rs"]
mod trees;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use agreement::{Bazel, Orrery, Subject};
use harness::{Workspace, is_bazel_file, root};
use orrery_model::{ComponentId, RuleId};
use trees::{Rng, Tree};

/// Bazel runs one test at a time: each test's server gets both cores.
static BAZEL: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    BAZEL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fixed seed of the property test.
const SEED: u64 = 0x0dd5_eed5_b0a2_e1a1;
const TREES: usize = 200;

/// The rules Bazel can express: a dependency a target's visibility does not grant (a
/// servlet's own crate grants only its server), and a dependency cycle.
const EXPRESSIBLE: [RuleId; 3] = [RuleId::Visibility, RuleId::PrivateServlet, RuleId::Cycle];

#[test]
fn the_example_passes_bazel_and_bazel_query_sees_orrerys_graph() {
    let Some(bazel) = harness::bazel() else {
        return;
    };
    let _guard = lock();
    let mut workspace = Workspace::new(bazel);
    let subject = Subject::generated_in(&mut workspace, example_sources());
    let orrery = Orrery::of(&subject);
    assert!(orrery.passes(), "orrery check passes on the example");
    let verdicts = Bazel::of(&mut workspace, &subject);
    assert_eq!(
        agreement::compare(&subject, &orrery, &verdicts),
        Vec::<String>::new()
    );
    assert!(verdicts.first_round_passed, "{}", verdicts.first_round);

    let home = ComponentId::new("servlets/home");
    let query = workspace.query("deps(//servlets/home:all)");
    assert!(query.success, "{}", query.stderr);
    let seen_by_bazel: BTreeSet<ComponentId> = query
        .stdout
        .lines()
        .filter_map(|label| agreement::component(label, &subject.repository))
        .collect();
    assert_eq!(seen_by_bazel, reachable(&subject, &home));
}

/// A servlet's API crate asks for visibility as its servlet: labels naming the servlet grant
/// it, group exclusions of the servlet exclude it, and labels naming the API package itself
/// grant nobody. Bazel asks as the package, so the BUILD files spell this out.
const ACTS_FOR_ITS_SERVLET: &str = r#"//- orrery.yaml
teams: [core]
groups:
  g: ["//servlets/...", "-//servlets/b"]
//- servlets/a/servlet.yaml
name: a
owner: core
//- servlets/a/api/Cargo.toml
[package]
name = "a_api"
version = "0.1.0"

[dependencies]
exact = { path = "../../../libs/exact" }
grouped = { path = "../../../libs/grouped" }
api_only = { path = "../../../libs/api_only" }
below_api = { path = "../../../libs/below_api" }
//- servlets/b/servlet.yaml
name: b
owner: core
//- servlets/b/api/Cargo.toml
[package]
name = "b_api"
version = "0.1.0"

[dependencies]
grouped = { path = "../../../libs/grouped" }
//- libs/exact/library.yaml
name: exact
owner: core
visibility: ["//servlets/a"]
//- libs/grouped/library.yaml
name: grouped
owner: core
visibility: ["//:g"]
//- libs/api_only/library.yaml
name: api_only
owner: core
visibility: ["//servlets/a/api"]
//- libs/below_api/library.yaml
name: below_api
owner: core
visibility: ["//servlets/a/api/..."]
"#;

#[test]
fn an_api_crate_asks_for_visibility_as_its_servlet_in_bazel_too() {
    let Some(bazel) = harness::bazel() else {
        return;
    };
    let _guard = lock();
    let mut workspace = Workspace::new(bazel);
    let subject = Subject::in_memory(&fixture_files(ACTS_FOR_ITS_SERVLET));
    let orrery = Orrery::of(&subject);
    let verdicts = Bazel::of(&mut workspace, &subject);
    assert_eq!(
        agreement::compare(&subject, &orrery, &verdicts),
        Vec::<String>::new()
    );
    let refused: Vec<String> = verdicts
        .refused
        .keys()
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert_eq!(
        refused,
        [
            "servlets/a/api -> libs/api_only",
            "servlets/a/api -> libs/below_api",
            "servlets/b/api -> libs/grouped",
        ]
    );
    assert_eq!(verdicts.accepted.len(), 2, "{:?}", verdicts.accepted);
}

/// The components `from` reaches in orrery's graph, itself included: what `deps()` means.
fn reachable(subject: &Subject, from: &ComponentId) -> BTreeSet<ComponentId> {
    let mut seen = BTreeSet::from([from.clone()]);
    let mut queue = vec![from.clone()];
    while let Some(id) = queue.pop() {
        for edge in subject.graph.edges_from(&id) {
            if seen.insert(edge.to.clone()) {
                queue.push(edge.to.clone());
            }
        }
    }
    seen
}

#[test]
fn every_fixture_bazel_can_express_gets_the_same_verdicts() {
    let Some(bazel) = harness::bazel() else {
        return;
    };
    let _guard = lock();
    let mut workspace = Workspace::new(bazel);
    let mut judged = Vec::new();
    let mut mismatches = Vec::new();
    for (name, text) in fixtures() {
        let files = fixture_files(&text);
        let rules: BTreeSet<RuleId> = Subject::in_memory(&files)
            .diagnostics
            .iter()
            .map(|d| d.rule)
            .collect();
        if !rules.iter().all(|rule| EXPRESSIBLE.contains(rule)) {
            continue;
        }
        let sources = files
            .into_iter()
            .map(|(path, text)| (path, text.into_bytes()))
            .collect();
        let subject = Subject::generated_in(&mut workspace, sources);
        let orrery = Orrery::of(&subject);
        let verdicts = Bazel::of(&mut workspace, &subject);
        for mismatch in agreement::compare(&subject, &orrery, &verdicts) {
            mismatches.push(format!("{name}: {mismatch}"));
        }
        // Bazel names exactly orrery's edges (but those it reported a cycle through instead),
        // and fails exactly when orrery does.
        let refused: BTreeSet<_> = verdicts.refused.keys().cloned().collect();
        let reported: BTreeSet<_> = orrery
            .refused
            .keys()
            .filter(|pair| !verdicts.unjudged.contains(pair))
            .cloned()
            .collect();
        assert_eq!(refused, reported, "{name}");
        assert_eq!(verdicts.first_round_passed, orrery.passes(), "{name}");
        judged.push((
            name,
            orrery.refused.len(),
            orrery.cycles.len(),
            verdicts.rounds,
        ));
    }
    let names: Vec<&str> = judged.iter().map(|(name, ..)| name.as_str()).collect();
    for expected in [
        "clean",
        "cycle",
        "laundering",
        "private_servlet",
        "visibility",
    ] {
        assert!(
            names.contains(&expected),
            "fixture `{expected}` was judged: {names:?}"
        );
    }
    for (name, refused, cycles, rounds) in &judged {
        eprintln!("{name}: {refused} refused edge(s), {cycles} cycle(s), {rounds} Bazel round(s)");
    }
    assert_eq!(mismatches, Vec::<String>::new());
}

#[test]
fn random_trees_get_the_same_verdicts_per_edge() {
    let Some(bazel) = harness::bazel() else {
        return;
    };
    let _guard = lock();
    let seed = std::env::var("ORRERY_BAZEL_SEED")
        .ok()
        .map(|text| text.parse::<u64>().expect("ORRERY_BAZEL_SEED is a number"))
        .unwrap_or(SEED);
    let count = std::env::var("ORRERY_BAZEL_TREES")
        .ok()
        .map(|text| {
            text.parse::<usize>()
                .expect("ORRERY_BAZEL_TREES is a number")
        })
        .unwrap_or(TREES);
    let started = Instant::now();
    let mut workspace = Workspace::new(bazel);
    let mut totals = Totals::default();
    let mut failures = Vec::new();
    for index in 0..count {
        let tree_seed = seed.wrapping_add(index as u64);
        let tree = Tree::random(&mut Rng::new(tree_seed));
        let (mismatches, stats) = judge_tree(&mut workspace, &tree);
        totals.add(&stats);
        if !mismatches.is_empty() {
            let minimal = shrink(&mut workspace, tree);
            let (mismatches, _) = judge_tree(&mut workspace, &minimal);
            failures.push(format!(
                "seed {seed}, tree {index} (its own seed {tree_seed}): Bazel and orrery disagree\n{}\n\
                 a minimal tree ({}) that shows it:\n{}",
                mismatches.join("\n"),
                minimal.size(),
                minimal.fixture()
            ));
            break;
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{count} random trees (seed {seed}) in {:.1} s ({:.1} s in {} Bazel runs): {totals}",
        elapsed.as_secs_f64(),
        workspace.bazel_time.as_secs_f64(),
        workspace.runs,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        totals.refused > 0 && totals.accepted > 0 && totals.cycles > 0,
        "the trees exercise every verdict: {totals}"
    );
}

#[derive(Default)]
struct Totals {
    trees: usize,
    components: usize,
    accepted: usize,
    refused: usize,
    cycles: usize,
    unjudged: usize,
    rounds: usize,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.trees += other.trees;
        self.components += other.components;
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.cycles += other.cycles;
        self.unjudged += other.unjudged;
        self.rounds += other.rounds;
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} components; edges: {} accepted and {} refused by both, {} left unjudged to break \
             a cycle; {} cycles reported by both; {} Bazel rounds",
            self.components, self.accepted, self.refused, self.unjudged, self.cycles, self.rounds
        )
    }
}

/// orrery's and Bazel's verdicts on one random tree: where they disagree, and counts.
fn judge_tree(workspace: &mut Workspace, tree: &Tree) -> (Vec<String>, Totals) {
    let subject = Subject::in_memory(&tree.files());
    let invalid: Vec<String> = subject
        .diagnostics
        .iter()
        .filter(|d| matches!(d.rule, RuleId::Manifest | RuleId::Owner | RuleId::Input))
        .map(|d| format!("{}: {}", d.location.path, d.message))
        .collect();
    if !invalid.is_empty() {
        return (
            vec![format!(
                "the tree is not a valid repository: {}",
                invalid.join("; ")
            )],
            Totals::default(),
        );
    }
    let orrery = Orrery::of(&subject);
    let verdicts = Bazel::of(workspace, &subject);
    let stats = Totals {
        trees: 1,
        components: subject.repository.components.len(),
        accepted: verdicts.accepted.len(),
        refused: verdicts.refused.len(),
        cycles: orrery.cycles.len(),
        unjudged: verdicts.unjudged.len(),
        rounds: verdicts.rounds,
    };
    (agreement::compare(&subject, &orrery, &verdicts), stats)
}

/// The smallest tree found, one step at a time, on which the two still disagree.
fn shrink(workspace: &mut Workspace, mut tree: Tree) -> Tree {
    let mut attempts = 0;
    'smaller: loop {
        for candidate in tree.shrink() {
            attempts += 1;
            if attempts > 2_000 {
                break 'smaller;
            }
            let (mismatches, _) = judge_tree(workspace, &candidate);
            let valid = !mismatches
                .iter()
                .any(|m| m.starts_with("the tree is not a valid repository"));
            if valid && !mismatches.is_empty() {
                tree = candidate;
                continue 'smaller;
            }
        }
        break;
    }
    tree
}

#[test]
fn buildifier_accepts_every_generated_bazel_file() {
    let Some(buildifier) = harness::buildifier() else {
        return;
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut add = |prefix: &str, generated: Vec<orrery_codegen::GeneratedFile>| {
        for file in generated.into_iter().filter(|f| is_bazel_file(&f.path)) {
            files.insert(format!("{prefix}/{}", file.path), file.contents);
        }
    };
    let example = orrery_lint::discover::discover(&root());
    let analysis = orrery_lint::analyze(&example);
    add(
        "example",
        orrery_codegen::generate(&analysis.repository, &example, &analysis.graph).0,
    );
    for (name, text) in fixtures() {
        let subject = Subject::in_memory(&fixture_files(&text));
        add(
            &format!("fixtures/{name}"),
            orrery_codegen::generate(&subject.repository, &subject.snapshot, &subject.graph).0,
        );
    }
    for index in 0..20 {
        let tree = Tree::random(&mut Rng::new(SEED.wrapping_add(index)));
        let subject = Subject::in_memory(&tree.files());
        add(
            &format!("random/{index}"),
            orrery_codegen::bazel::bazel_files(
                &subject.repository,
                &subject.graph,
                &subject.snapshot,
                &[],
                &Default::default(),
            ),
        );
    }
    assert!(files.len() > 100, "{} files", files.len());
    assert_eq!(
        harness::buildifier_check(&buildifier, &files),
        Vec::<String>::new()
    );
}

/// The lint fixtures, by name.
fn fixtures() -> Vec<(String, String)> {
    let dir = root().join("tests/fixtures");
    let mut fixtures: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "txt").then(|| (name, std::fs::read_to_string(&path).unwrap()))
        })
        .collect();
    fixtures.sort();
    fixtures
}

/// A fixture's files: each `//- path` line starts one.
fn fixture_files(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("//- ") {
            files.push((path.trim().to_owned(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    files
}

/// The example repository's files, as a fresh clone has them (no build output, no tool state).
fn example_sources() -> BTreeMap<String, Vec<u8>> {
    let root = root();
    let mut files = BTreeMap::new();
    for name in ["orrery.yaml", "Cargo.toml", "Cargo.lock"] {
        files.insert(name.to_owned(), std::fs::read(root.join(name)).unwrap());
    }
    for top in ["servlets", "libs", "gen", "proto"] {
        collect(&root, &root.join(top), &mut files);
    }
    files
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(relative, std::fs::read(&path).unwrap());
        }
    }
}
