//! Each stage of `orrery check`'s pipeline, timed by criterion on a synthetic repository
//! (orrery-synth) written once into a temporary directory:
//!
//! - `stage/fingerprint`: the stat-only walk a cached check starts with;
//! - `stage/discover`: the walk that reads every file into a snapshot;
//! - `stage/model`: the model loaded from the snapshot (YAML manifests, protos compiled);
//! - `stage/resolve`: the dependency graph built from the Cargo manifests and Rust imports;
//! - `stage/rules`: the boundary rules run over the graph;
//! - `stage/analyze`: model, resolve and rules together, as `orrery check` runs them;
//! - `lex/scan`: orrery's byte scanner over every Rust file, on one core, in MB/s;
//! - `lex/syn`: `syn::parse_file` over the same files, the parser the scanner replaces.
//!
//! ```sh
//! cargo bench -p orrery-lint --bench stages                       # 200 servlets, 40 libraries
//! ORRERY_BENCH_SERVLETS=1000 cargo bench -p orrery-lint --bench stages
//! cargo bench -p orrery-lint --bench stages -- lex/scan           # one benchmark
//! ```
//!
//! `ORRERY_BENCH_SERVLETS` sets the size (libraries are a fifth of the servlets). Before
//! measuring, the bench checks that the fingerprint trusts the tree and that the repository is
//! clean (no diagnostics), so it cannot time a pipeline that fails.

use std::fs::File;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use orrery_lint::discover::Reading;
use orrery_lint::{analyze, discover, extract, fingerprint, resolve, rules};
use orrery_synth::Spec;

/// The size measured unless `ORRERY_BENCH_SERVLETS` says otherwise: writing it takes well
/// under a second, where the default `Spec` (1,000 servlets) takes seconds.
const SERVLETS: usize = 200;

/// How long ago every file was last modified: far outside the fingerprint's two-second window
/// of untrusted timestamps.
const AGE: Duration = Duration::from_secs(3600);

fn spec() -> Spec {
    let servlets = match std::env::var("ORRERY_BENCH_SERVLETS") {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("ORRERY_BENCH_SERVLETS={value:?} is not a number: {e}")),
        Err(_) => SERVLETS,
    };
    assert!(servlets > 0, "ORRERY_BENCH_SERVLETS must be at least 1");
    Spec {
        servlets,
        libs: (servlets / 5).max(1),
        ..Spec::default()
    }
}

/// Writes the repository `spec` describes under `root`, every file an hour old.
fn write_repository(root: &Path, spec: &Spec) {
    let files = orrery_synth::generate(spec);
    orrery_synth::write(root, &files).expect("write the synthetic repository");
    let old = SystemTime::now() - AGE;
    for file in &files {
        let path = root.join(&file.path);
        File::options()
            .write(true)
            .open(&path)
            .and_then(|handle| handle.set_modified(old))
            .unwrap_or_else(|e| panic!("age {}: {e}", path.display()));
    }
}

fn stages(c: &mut Criterion) {
    let spec = spec();
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path();
    write_repository(root, &spec);

    // Every stage's input, computed once, and the checks that make the timings meaningful.
    assert!(
        fingerprint::fingerprint(root, Reading::Sources, "bench").is_some(),
        "the fingerprint does not trust the synthetic tree"
    );
    let snapshot = discover::discover_reading(root, Reading::Sources);
    let analysis = analyze(&snapshot);
    assert!(
        analysis.diagnostics.is_empty(),
        "the synthetic repository is not clean: {:#?}",
        analysis.diagnostics
    );
    let (repository, model_problems) = orrery_model::repository::load(&snapshot);
    assert!(model_problems.is_empty(), "{model_problems:#?}");
    let (graph, graph_problems) = resolve::build_graph(&repository, &snapshot);
    assert!(graph_problems.is_empty(), "{graph_problems:#?}");
    let rust_bytes: u64 = snapshot
        .rust_files
        .iter()
        .map(|file| file.text.len() as u64)
        .sum();
    eprintln!(
        "orrery stages bench: {} servlets, {} libraries; {} Rust files, {:.1} MB of Rust; {} components, {} edges",
        spec.servlets,
        spec.libs,
        snapshot.rust_files.len(),
        rust_bytes as f64 / 1e6,
        analysis.repository.components.len(),
        analysis.graph.edges().count(),
    );

    // The stages that take tens of milliseconds or more time one call per iteration (flat
    // sampling): the linear default would need several times the measurement time.
    let mut group = c.benchmark_group("stage");
    group.bench_function("fingerprint", |b| {
        b.iter(|| {
            fingerprint::fingerprint(black_box(root), Reading::Sources, "bench")
                .expect("trusted tree")
        })
    });
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("discover", |b| {
        b.iter(|| discover::discover_reading(black_box(root), Reading::Sources))
    });
    group.bench_function("model", |b| {
        b.iter(|| orrery_model::repository::load(black_box(&snapshot)))
    });
    group.bench_function("resolve", |b| {
        b.iter(|| resolve::build_graph(black_box(&repository), black_box(&snapshot)))
    });
    group.sampling_mode(SamplingMode::Auto);
    group.bench_function("rules", |b| {
        b.iter(|| rules::check(black_box(&repository), black_box(&graph)))
    });
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("analyze", |b| b.iter(|| analyze(black_box(&snapshot))));
    group.finish();

    let mut group = c.benchmark_group("lex");
    group.throughput(Throughput::Bytes(rust_bytes));
    // One pass over every file is long enough that a sample of one iteration is precise.
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("scan", |b| {
        b.iter(|| {
            for file in &snapshot.rust_files {
                black_box(extract::rust::scan(black_box(&file.text)));
            }
        })
    });
    // Ten to thirty times slower: ten samples keep the whole bench within a few minutes.
    group.sample_size(10);
    group.bench_function("syn", |b| {
        b.iter(|| {
            for file in &snapshot.rust_files {
                black_box(syn::parse_file(black_box(&file.text)).expect("the file parses"));
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = stages
}
criterion_main!(benches);
