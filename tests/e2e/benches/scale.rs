//! orrery at scale, against real Bazel: whole-process timings of the release `orrery` binary
//! on synthetic monorepos (orrery-synth) of 100, 1,000 and 3,000 servlets, and Bazel 4.2.3
//! analysing the BUILD files `orrery gen` wrote for the same trees, in the same run.
//!
//! Per size, under `target/bench-scale/<servlets>/` (removed first, and again at the end
//! unless `ORRERY_BENCH_KEEP=1`): the synthetic repository (`pristine/`), a copy on which
//! `orrery gen` ran once (`tree/`), and a Bazel workspace holding a copy of that tree
//! (`bazel/`). Every file is then aged by an hour, so orrery trusts its timestamps. Measured,
//! each a fresh process, files in the page cache:
//!
//! - `orrery check`, cold: `.orrery/cache` removed before each run;
//! - `orrery check`, warm: cache filled, nothing changed;
//! - `orrery check FILE`: one servlet's `src/lib.rs` gets a new comment line (and an old
//!   mtime) before each run, so the fingerprint differs: a cache miss by design, where the
//!   memo (`.orrery/cache/memo.bin`) must leave every other Rust file unread;
//! - `orrery gen`, full: on a fresh copy of the pristine tree, so every file is written;
//! - `orrery gen`, no-op: an up-to-date gen remembered in `.orrery/cache/gen.json`;
//! - peak RSS (`ru_maxrss` from `wait4`) of the cold checks and the full gens;
//! - `bazel build --nobuild //...` against the analysis-only stand-ins in tests/bazel/:
//!   clean (a fresh output base), cold (after `bazel shutdown`, output base kept) and warm
//!   (the same command again, server up).
//!
//! The cold and warm checks and Bazel's cold and warm runs alternate, round by round, so that
//! the ratios compare runs made under the same load; no Bazel server runs while orrery's cold
//! and warm checks are measured in the rounds that restart it, nor during the other measures.
//!
//! Every orrery command must exit 0 and the cached runs must be cache hits, or the bench
//! panics. A Bazel failure is reported in the table with Bazel's own words, and the bench
//! exits 1 after printing it. The markdown report goes to stdout and
//! `target/bench-scale/results.md`; progress to stderr.
//!
//! `scripts/bench-scale` runs it from a fresh clone. Environment:
//! `ORRERY_BENCH_SIZES=100,1000` (servlets; libraries are a fifth), `ORRERY_BENCH_RUNS=N`
//! (default 7, 5 from 3,000 servlets), `ORRERY_BENCH_BAZEL_COLD_RUNS=N` (default 5, 3 from
//! 3,000), `ORRERY_BENCH_BAZEL=0` (orrery only), `ORRERY_BENCH_KEEP=1`, `BAZEL=path`.

#[path = "../tests/support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "../tests/bazel/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use orrery_synth::Spec;

/// How long ago every file of a measured tree was last modified: far outside orrery's
/// two-second window of untrusted timestamps.
const AGE: Duration = Duration::from_secs(3600);

/// The goals, for the 1,000-servlet tree.
const GOAL_SIZE: usize = 1000;

struct Options {
    sizes: Vec<usize>,
    runs: Option<usize>,
    bazel_cold_runs: Option<usize>,
    bazel: bool,
    keep: bool,
}

fn env_number(name: &str) -> Option<usize> {
    let value = std::env::var(name).ok()?;
    let number = value
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{name}={value:?} is not a number: {e}"));
    assert!(number > 0, "{name} must be at least 1");
    Some(number)
}

impl Options {
    fn from_env() -> Options {
        let sizes = std::env::var("ORRERY_BENCH_SIZES").unwrap_or_else(|_| "100,1000,3000".into());
        let mut sizes: Vec<usize> = sizes
            .split(',')
            .map(str::trim)
            .filter(|size| !size.is_empty())
            .map(|size| {
                size.parse().ok().filter(|&n| n >= 5).unwrap_or_else(|| {
                    panic!("ORRERY_BENCH_SIZES: {size:?} is not a servlet count ≥ 5")
                })
            })
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        assert!(!sizes.is_empty(), "ORRERY_BENCH_SIZES names no size");
        Options {
            sizes,
            runs: env_number("ORRERY_BENCH_RUNS"),
            bazel_cold_runs: env_number("ORRERY_BENCH_BAZEL_COLD_RUNS"),
            bazel: std::env::var("ORRERY_BENCH_BAZEL").as_deref() != Ok("0"),
            keep: std::env::var("ORRERY_BENCH_KEEP").as_deref() == Ok("1"),
        }
    }

    fn runs(&self, servlets: usize) -> usize {
        self.runs.unwrap_or(if servlets >= 3000 { 5 } else { 7 })
    }

    fn bazel_cold_runs(&self, servlets: usize) -> usize {
        self.bazel_cold_runs
            .unwrap_or(if servlets >= 3000 { 3 } else { 5 })
    }
}

/// One finished process: its wall time from spawn to reaping, its peak resident set, and what
/// it printed.
struct Sample {
    wall: Duration,
    max_rss_kb: u64,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Sample {
    fn ms(&self) -> f64 {
        self.wall.as_secs_f64() * 1000.0
    }
}

/// Runs `command` to the end with stdout and stderr in files under `scratch` (no pipes to
/// drain while timing), reaped with `wait4` for its resource usage.
fn run(command: &mut Command, scratch: &Path) -> Sample {
    let stdout_path = scratch.join("stdout.txt");
    let stderr_path = scratch.join("stderr.txt");
    let create = |path: &Path| {
        File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()))
    };
    command
        .stdin(Stdio::null())
        .stdout(create(&stdout_path))
        .stderr(create(&stderr_path));
    let started = Instant::now();
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        // SAFETY: both pointers are to live locals; `pid` is our own unreaped child.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {
            continue;
        }
        break reaped;
    };
    let wall = started.elapsed();
    assert_eq!(
        reaped,
        pid,
        "wait4 for {command:?}: {}",
        std::io::Error::last_os_error()
    );
    // The child is reaped: dropping the handle only closes what it holds (nothing here).
    drop(child);
    let read = |path: &Path| {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Sample {
        wall,
        max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        status: ExitStatus::from_raw(status),
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
    }
}

/// Panics, with everything it printed, unless `sample` exited 0.
fn assert_success(sample: &Sample, what: &str) {
    assert!(
        sample.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        sample.status,
        sample.stdout,
        sample.stderr
    );
}

/// Runs a setup step (not measured) and panics unless it succeeds.
fn setup(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `cp -a from to`: copies keep their modification times.
fn copy_tree(from: &Path, to: &Path) {
    setup(Command::new("cp").arg("-a").arg(from).arg(to));
}

/// Writes dirty pages back, so that a copy just made does not compete with what is measured.
fn sync() {
    setup(&mut Command::new("sync"));
}

fn remove_tree(path: &Path) {
    if fs::symlink_metadata(path).is_err() {
        return;
    }
    // Bazel's output base holds read-only files and directories.
    setup(Command::new("chmod").args(["-R", "u+w"]).arg(path));
    fs::remove_dir_all(path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
}

/// Sets the modification time of every file under `dir` to `when`.
fn age(dir: &Path, when: SystemTime) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("list {}: {e}", dir.display()));
        let path = entry.path();
        let file_type = entry
            .file_type()
            .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
        if file_type.is_dir() {
            age(&path, when);
        } else if file_type.is_file() {
            File::open(&path)
                .and_then(|file| file.set_modified(when))
                .unwrap_or_else(|e| panic!("set the mtime of {}: {e}", path.display()));
        }
    }
}

fn hour_ago() -> SystemTime {
    SystemTime::now()
        .checked_sub(AGE)
        .expect("the clock is past 1970")
}

/// The `-v` stage lines, `orrery: NAME 12.3 ms`, in order.
fn stages(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("orrery: ")?.strip_suffix(" ms")?;
            let (name, ms) = rest.split_once(' ')?;
            let ms = ms.parse().ok()?;
            (!name.contains(' ')).then(|| (name.to_owned(), ms))
        })
        .collect()
}

/// Medians per stage over several runs, stages in the order they first appeared.
#[derive(Default)]
struct StageTimes(Vec<(String, Vec<f64>)>);

impl StageTimes {
    fn add(&mut self, stderr: &str) {
        for (name, ms) in stages(stderr) {
            match self.0.iter_mut().find(|(seen, _)| *seen == name) {
                Some((_, times)) => times.push(ms),
                None => self.0.push((name, vec![ms])),
            }
        }
    }

    fn median(&self, name: &str) -> Option<f64> {
        self.0
            .iter()
            .find(|(seen, _)| seen == name)
            .map(|(_, times)| median(times))
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    assert!(n > 0, "a median of nothing");
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// What one size measured.
struct SizeResult {
    servlets: usize,
    libs: usize,
    synth_files: usize,
    rust_lines: usize,
    synth_bytes: usize,
    generated_files: usize,
    runs: usize,
    cold: Vec<f64>,
    warm: Vec<f64>,
    file: Vec<f64>,
    gen_full: Vec<f64>,
    gen_noop: Vec<f64>,
    rss_check_kb: Vec<f64>,
    rss_gen_kb: Vec<f64>,
    check_stages: StageTimes,
    file_stages: StageTimes,
    gen_stages: StageTimes,
    bazel: Option<Result<BazelResult, String>>,
    /// The 1-minute load average when this size started.
    load: String,
}

struct BazelResult {
    clean: Vec<f64>,
    cold: Vec<f64>,
    warm: Vec<f64>,
    targets: String,
}

/// The orrery binary, at the repository root `root`, with verbose stage timings.
fn orrery(binary: &Path, root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--root")
        .arg(root)
        .arg("-v")
        .args(args)
        .current_dir(root);
    command
}

fn say(message: impl std::fmt::Display) {
    eprintln!("bench-scale: {message}");
}

fn measure_size(
    options: &Options,
    orrery_binary: &Path,
    bazel: Option<&Path>,
    dir: &Path,
    servlets: usize,
) -> SizeResult {
    let runs = options.runs(servlets);
    let load = load_average()
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    remove_tree(dir);
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let scratch = dir.join("output");
    fs::create_dir_all(&scratch).unwrap_or_else(|e| panic!("create {}: {e}", scratch.display()));

    // The synthetic repository, and a copy with its generated files.
    let spec = Spec {
        servlets,
        libs: servlets / 5,
        ..Spec::default()
    };
    let started = Instant::now();
    let files = orrery_synth::generate(&spec);
    let pristine = dir.join("pristine");
    orrery_synth::write(&pristine, &files).unwrap_or_else(|e| {
        panic!(
            "write the synthetic repository to {}: {e}",
            pristine.display()
        )
    });
    let rust: Vec<_> = files.iter().filter(|f| f.path.ends_with(".rs")).collect();
    let rust_lines = rust.iter().map(|f| f.contents.lines().count()).sum();
    let synth_bytes = files.iter().map(|f| f.contents.len()).sum();
    let synth_files = files.len();
    drop(files);
    age(&pristine, hour_ago());
    say(format_args!(
        "{servlets} servlets: wrote {synth_files} files in {:.1?}",
        started.elapsed()
    ));

    let tree = dir.join("tree");
    copy_tree(&pristine, &tree);
    let first_gen = run(&mut orrery(orrery_binary, &tree, &["gen"]), &scratch);
    assert_success(&first_gen, "the first `orrery gen`");
    let generated_files = written(&first_gen);
    assert!(
        generated_files > 0,
        "the first gen wrote nothing:\n{}",
        first_gen.stderr
    );
    age(&tree, hour_ago());
    let workspace = dir.join("bazel/workspace");
    if bazel.is_some() {
        fs::create_dir_all(dir.join("bazel")).expect("create the Bazel directory");
        copy_tree(&tree, &workspace);
        remove_tree(&workspace.join(".orrery"));
    }
    sync();
    say(format_args!(
        "{servlets} servlets: gen wrote {generated_files} files in {:.1} s; measuring, {runs} runs each",
        first_gen.ms() / 1000.0
    ));

    // 1, 2 and 7: cold and warm checks, in rounds alternating with Bazel's cold and warm
    // runs, so that both see the same load on the machine (other processes come and go).
    let session = bazel.map(|bazel| Bazel {
        bazel,
        workspace: &workspace,
        output_base: dir.join("bazel/output_base"),
        crates: dir.join("bazel/crates"),
    });
    let mut bazel_result = session
        .as_ref()
        .map(|session| session.clean(&scratch, servlets));
    let bazel_cold_runs = options.bazel_cold_runs(servlets);
    let cache = tree.join(".orrery/cache");
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut rss_check_kb = Vec::new();
    let mut check_stages = StageTimes::default();
    for i in 0..runs {
        let bazel_cold = i < bazel_cold_runs;
        // Bazel's cold run is after a shutdown; no server runs while orrery is measured.
        if let (Some(session), Some(Ok(_)), true) = (&session, &bazel_result, bazel_cold) {
            session.shutdown();
        }
        remove_tree(&cache);
        let sample = run(&mut orrery(orrery_binary, &tree, &["check"]), &scratch);
        assert_success(&sample, "cold `orrery check`");
        assert!(
            !sample.stderr.contains("nothing changed since")
                && sample.stderr.contains("orrery: cache "),
            "a cold check must run the whole pipeline and fill the cache:\n{}",
            sample.stderr
        );
        cold.push(sample.ms());
        rss_check_kb.push(sample.max_rss_kb as f64);
        check_stages.add(&sample.stderr);

        // The cold check just filled the cache.
        let sample = run(&mut orrery(orrery_binary, &tree, &["check"]), &scratch);
        assert_success(&sample, "warm `orrery check`");
        assert!(
            sample
                .stderr
                .contains("nothing changed since the cached check"),
            "a warm check must be a cache hit:\n{}",
            sample.stderr
        );
        warm.push(sample.ms());

        if let Some(session) = &session {
            bazel_step(&mut bazel_result, |result| {
                if bazel_cold {
                    result.cold.push(session.analyze(&scratch)?.ms());
                }
                result.warm.push(session.analyze(&scratch)?.ms());
                Ok(())
            });
        }
        let bazel_said = match &bazel_result {
            Some(Ok(result)) if bazel_cold => format!(
                ", Bazel cold {:.1} s",
                result.cold.last().copied().unwrap_or_default() / 1000.0
            ),
            _ => String::new(),
        };
        say(format_args!(
            "{servlets} servlets: round {}/{runs}: cold check {} ms{bazel_said}",
            i + 1,
            ms(cold[i])
        ));
    }
    if let Some(session) = &session {
        session.stop();
        if let Some(Err(error)) = &bazel_result {
            say(format_args!("{servlets} servlets: Bazel failed:\n{error}"));
        }
    }

    // 3. check FILE after editing that file.
    let servlet = first_dir(&tree.join("servlets"));
    let edited = format!("servlets/{servlet}/src/lib.rs");
    let edited_path = tree.join(&edited);
    let mut file = Vec::new();
    let mut file_stages = StageTimes::default();
    for i in 0..runs {
        let mut handle = fs::OpenOptions::new()
            .append(true)
            .open(&edited_path)
            .unwrap_or_else(|e| panic!("open {}: {e}", edited_path.display()));
        writeln!(handle, "// orrery bench-scale edit {i}")
            .and_then(|()| handle.set_modified(hour_ago() + Duration::from_secs(i as u64 + 1)))
            .unwrap_or_else(|e| panic!("edit {}: {e}", edited_path.display()));
        drop(handle);
        let sample = run(
            &mut orrery(orrery_binary, &tree, &["check", &edited]),
            &scratch,
        );
        assert_success(&sample, &format!("`orrery check {edited}`"));
        assert!(
            !sample.stderr.contains("nothing changed since"),
            "an edited file must change the fingerprint:\n{}",
            sample.stderr
        );
        assert!(
            sample.stderr.contains("orrery: read 1 Rust files"),
            "the memo must leave every other Rust file unread:\n{}",
            sample.stderr
        );
        file.push(sample.ms());
        file_stages.add(&sample.stderr);
    }

    // 5. gen no-op: an up-to-date gen remembered, then measured.
    age(&tree, hour_ago());
    for round in 0..2 {
        let fill = run(&mut orrery(orrery_binary, &tree, &["gen"]), &scratch);
        assert_success(&fill, "`orrery gen` on an up-to-date tree");
        assert_eq!(
            written(&fill),
            0,
            "gen round {round} on the generated tree wrote files:\n{}",
            fill.stderr
        );
    }
    let mut gen_noop = Vec::new();
    for _ in 0..runs {
        let sample = run(&mut orrery(orrery_binary, &tree, &["gen"]), &scratch);
        assert_success(&sample, "no-op `orrery gen`");
        assert!(
            sample
                .stderr
                .contains("nothing changed since the last up-to-date gen"),
            "a no-op gen must be a cache hit:\n{}",
            sample.stderr
        );
        gen_noop.push(sample.ms());
    }

    // 4. gen full, each on a fresh copy of the pristine tree.
    let copy = dir.join("gen-full");
    let mut gen_full = Vec::new();
    let mut rss_gen_kb = Vec::new();
    let mut gen_stages = StageTimes::default();
    for i in 0..runs {
        remove_tree(&copy);
        copy_tree(&pristine, &copy);
        sync();
        let sample = run(&mut orrery(orrery_binary, &copy, &["gen"]), &scratch);
        assert_success(&sample, "full `orrery gen`");
        assert_eq!(
            written(&sample),
            generated_files,
            "a full gen writes every generated file:\n{}",
            sample.stderr
        );
        gen_full.push(sample.ms());
        rss_gen_kb.push(sample.max_rss_kb as f64);
        gen_stages.add(&sample.stderr);
        say(format_args!(
            "{servlets} servlets: gen full {}/{runs}: {:.1} s",
            i + 1,
            sample.ms() / 1000.0
        ));
    }
    remove_tree(&copy);

    if !options.keep {
        for name in ["pristine", "tree", "bazel", "output"] {
            remove_tree(&dir.join(name));
        }
        // The directory itself, when nothing else is left in it.
        let _ = fs::remove_dir(dir);
    }

    SizeResult {
        servlets,
        libs: spec.libs,
        synth_files,
        rust_lines,
        synth_bytes,
        generated_files,
        runs,
        cold,
        warm,
        file,
        gen_full,
        gen_noop,
        rss_check_kb,
        rss_gen_kb,
        check_stages,
        file_stages,
        gen_stages,
        bazel: bazel_result,
        load,
    }
}

/// The count in `orrery gen: wrote N file(s), ...`.
fn written(sample: &Sample) -> usize {
    let text = format!("{}{}", sample.stdout, sample.stderr);
    text.lines()
        .find_map(|line| {
            line.strip_prefix("orrery gen: wrote ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("`orrery gen` did not say what it wrote:\n{text}"))
}

/// The first subdirectory of `dir` by name.
fn first_dir(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{} holds no directory", dir.display()))
}

/// A Bazel workspace as tests/e2e/tests/bazel/harness.rs sets one up: offline, against the
/// analysis-only stand-ins, with a `crates` repository for the registry crates named.
struct Bazel<'a> {
    bazel: &'a Path,
    workspace: &'a Path,
    output_base: PathBuf,
    crates: PathBuf,
}

impl Bazel<'_> {
    fn command(&self, arguments: &[&str]) -> Command {
        harness::command(
            self.bazel,
            self.workspace,
            &self.output_base,
            &self.crates,
            arguments,
        )
    }

    /// `bazel build --nobuild //...`, timed; Bazel's complaint when it fails.
    fn analyze(&self, scratch: &Path) -> Result<Sample, String> {
        let sample = run(&mut self.command(&["build", "--nobuild", "//..."]), scratch);
        if sample.status.success() {
            return Ok(sample);
        }
        Err(format!(
            "`bazel build --nobuild //...` in {} exited with {}:\n{}",
            self.workspace.display(),
            sample.status,
            tail(&sample.stderr, 60)
        ))
    }

    fn shutdown(&self) {
        setup(&mut self.command(&["shutdown"]));
    }

    /// The first run, in a fresh output base: server start, repository setup, loading and
    /// analysis.
    fn clean(&self, scratch: &Path, servlets: usize) -> Result<BazelResult, String> {
        self.write_crates();
        remove_tree(&self.output_base);
        sync();
        let clean = self.analyze(scratch)?;
        say(format_args!(
            "{servlets} servlets: Bazel clean {:.1} s",
            clean.ms() / 1000.0
        ));
        let targets = clean
            .stderr
            .lines()
            .find_map(|line| line.strip_prefix("INFO: Analyzed "))
            .map(|rest| rest.split(" (").next().unwrap_or(rest).to_owned())
            .unwrap_or_else(|| "?".into());
        Ok(BazelResult {
            clean: vec![clean.ms()],
            cold: Vec::new(),
            warm: Vec::new(),
            targets,
        })
    }

    /// Shuts the server down, whatever state it is in, and removes the output base.
    fn stop(&self) {
        // A failed shutdown (no server) is not worth a panic here.
        let _ = self.command(&["shutdown"]).output();
        remove_tree(&self.output_base);
    }

    /// The stand-in `crates` repository: one public, empty filegroup per registry crate the
    /// workspace's BUILD files name (`@crates//:NAME`).
    fn write_crates(&self) {
        let mut names = BTreeSet::new();
        collect_registry_crates(self.workspace, &mut names);
        fs::create_dir_all(&self.crates)
            .unwrap_or_else(|e| panic!("create {}: {e}", self.crates.display()));
        let header = "# ANALYSIS-ONLY STAND-IN for the `crates` repository, written by tests/e2e/benches/scale.rs.\n";
        let mut build = header.to_owned();
        for name in &names {
            let _ = write!(
                build,
                "\nfilegroup(\n    name = \"{name}\",\n    visibility = [\"//visibility:public\"],\n)\n"
            );
        }
        for (file, contents) in [
            (
                "WORKSPACE",
                format!("{header}\nworkspace(name = \"crates\")\n"),
            ),
            (
                "defs.bzl",
                format!("{header}\ndef crate_repositories():\n    pass\n"),
            ),
            ("BUILD.bazel", build),
        ] {
            let path = self.crates.join(file);
            fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
    }
}

fn collect_registry_crates(dir: &Path, names: &mut BTreeSet<String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("list {}: {e}", dir.display()));
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            collect_registry_crates(&path, names);
        } else if harness::is_bazel_file(&entry.file_name().to_string_lossy()) {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            names.extend(
                text.split("\"@crates//:")
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next())
                    .map(str::to_owned),
            );
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs `step` on the Bazel measures unless Bazel is not measured or has failed already; its
/// error becomes the outcome.
fn bazel_step(
    state: &mut Option<Result<BazelResult, String>>,
    step: impl FnOnce(&mut BazelResult) -> Result<(), String>,
) {
    if let Some(Ok(result)) = state
        && let Err(error) = step(result)
    {
        *state = Some(Err(error));
    }
}

/// `command args`' first line of stdout, or `unknown`.
fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(harness::root())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// `bazel --version`, or for Debian's bazel-bootstrap (which says `bazel no_version`) its
/// package version.
fn bazel_version(bazel: &Path) -> String {
    let version = first_line(&bazel.display().to_string(), &["--version"]);
    if !version.contains("no_version") {
        return version;
    }
    let package = first_line(
        "dpkg-query",
        &["-W", "-f", "${Version}\\n", "bazel-bootstrap"],
    );
    format!("bazel {package} (Debian bazel-bootstrap)")
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// A time in ms, to a precision that matters.
fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

fn spread(values: &[f64]) -> String {
    let (lo, hi) = min_max(values);
    if values.len() == 1 {
        return ms(values[0]);
    }
    format!("{} ({}–{})", ms(median(values)), ms(lo), ms(hi))
}

fn mb(kb: f64) -> f64 {
    kb / 1024.0
}

/// A goal and what was measured against it.
enum Goal {
    /// The measure must be at most this.
    AtMost(f64),
    /// The measure (a ratio) must be at least this.
    AtLeast(f64),
}

fn verdict(goal: &Goal, measured: f64) -> String {
    let (met, factor) = match *goal {
        Goal::AtMost(limit) => (measured <= limit, limit / measured),
        Goal::AtLeast(floor) => (measured >= floor, measured / floor),
    };
    if met {
        format!("met, {factor:.2}× better than the goal")
    } else {
        format!("**missed**, {:.2}× worse than the goal", 1.0 / factor)
    }
}

struct Facts {
    cpus: usize,
    cpu: String,
    date: String,
    rev: String,
    bazel: String,
    load_before: String,
}

fn render(facts: &Facts, options: &Options, results: &[SizeResult], elapsed: Duration) -> String {
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(o, "# orrery at scale against Bazel\n");
    let _ = writeln!(
        o,
        "- machine: {} cores, {}; load average {} before, {} after",
        facts.cpus,
        facts.cpu,
        facts.load_before,
        load_average()
    );
    let _ = writeln!(
        o,
        "- date: {}; orrery {} (release build)",
        facts.date, facts.rev
    );
    let _ = writeln!(
        o,
        "- Bazel: {} (`build --nobuild //...`: loading and analysis only, against the stand-in rules of tests/bazel/, which are lighter than the real rules_rust and rules_proto)",
        facts.bazel
    );
    let _ = writeln!(
        o,
        "- whole-process wall times in ms, median (min–max); runs per measure: {}; bench took {:.0} s\n",
        results
            .iter()
            .map(|r| format!("{} at {}", r.runs, r.servlets))
            .collect::<Vec<_>>()
            .join(", "),
        elapsed.as_secs_f64()
    );

    // The main table: one column per size, then the growth between consecutive sizes.
    let _ = write!(o, "| measure |");
    for r in results {
        let _ = write!(o, " {} servlets |", r.servlets);
    }
    for pair in results.windows(2) {
        let _ = write!(o, " {}→{} |", pair[0].servlets, pair[1].servlets);
    }
    let _ = writeln!(o);
    let columns = 2 * results.len() - 1;
    let _ = writeln!(o, "| --- |{}", " ---: |".repeat(columns));
    let rows = [
        Row {
            label: "load average (1 min) at the start".into(),
            cells: results.iter().map(|r| Some(r.load.clone())).collect(),
            values: Vec::new(),
        },
        count_row(results, "libraries", |r| r.libs),
        count_row(results, "synthetic files", |r| r.synth_files),
        count_row(results, "synthetic MB", |r| r.synth_bytes / 1_000_000),
        count_row(results, "lines of Rust", |r| r.rust_lines),
        count_row(results, "generated files", |r| r.generated_files),
        time_row(results, "`orrery check`, cold", |r| &r.cold),
        time_row(results, "`orrery check`, warm (cache hit)", |r| &r.warm),
        time_row(
            results,
            "`orrery check FILE`, that file edited (memo: only it is read)",
            |r| &r.file,
        ),
        time_row(results, "`orrery gen`, full (writes every file)", |r| {
            &r.gen_full
        }),
        time_row(results, "`orrery gen`, no-op (cache hit)", |r| &r.gen_noop),
        rss_row(results, "peak RSS MB, cold check (max of the runs)", |r| {
            &r.rss_check_kb
        }),
        rss_row(results, "peak RSS MB, gen full (max of the runs)", |r| {
            &r.rss_gen_kb
        }),
        bazel_row(results, "Bazel, clean (fresh output base, 1 run)", |b| {
            &b.clean
        }),
        bazel_row(results, "Bazel, cold (server restarted)", |b| &b.cold),
        bazel_row(results, "Bazel, warm no-op (server up)", |b| &b.warm),
        Row {
            label: "Bazel analyzed".into(),
            cells: results
                .iter()
                .map(|r| bazel_of(r).map(|b| b.targets.clone()))
                .collect(),
            values: Vec::new(),
        },
        ratio_row(
            results,
            "**Bazel cold / orrery cold check**",
            |b| &b.cold,
            |r| &r.cold,
        ),
        ratio_row(
            results,
            "**Bazel warm / orrery warm check**",
            |b| &b.warm,
            |r| &r.warm,
        ),
    ];
    for row in rows {
        let _ = write!(o, "| {} |", row.label);
        for cell in &row.cells {
            let _ = write!(o, " {} |", cell.as_deref().unwrap_or("—"));
        }
        for i in 1..results.len() {
            let growth = match (row.values.get(i - 1), row.values.get(i)) {
                (Some(Some(a)), Some(Some(b))) => format!("×{:.1}", b / a),
                _ => "—".into(),
            };
            let _ = write!(o, " {growth} |");
        }
        let _ = writeln!(o);
    }

    // The goals, for the 1,000-servlet tree.
    let _ = writeln!(o, "\n## Goals at {GOAL_SIZE} servlets\n");
    match results.iter().find(|r| r.servlets == GOAL_SIZE) {
        None => {
            let _ = writeln!(
                o,
                "Not measured in this run (`ORRERY_BENCH_SIZES` leaves out {GOAL_SIZE})."
            );
        }
        Some(r) => {
            let _ = writeln!(o, "| goal | measured | verdict |");
            let _ = writeln!(o, "| --- | ---: | --- |");
            let over_bazel = |bazel: fn(&BazelResult) -> &Vec<f64>, orrery: &Vec<f64>| {
                bazel_of(r).map(|b| median(bazel(b)) / median(orrery))
            };
            let goals = [
                (
                    "cold check ≤ 250 ms",
                    Some(median(&r.cold)),
                    "ms",
                    Goal::AtMost(250.0),
                ),
                (
                    "warm check ≤ 30 ms",
                    Some(median(&r.warm)),
                    "ms",
                    Goal::AtMost(30.0),
                ),
                (
                    "check FILE ≤ 30 ms",
                    Some(median(&r.file)),
                    "ms",
                    Goal::AtMost(30.0),
                ),
                (
                    "gen full ≤ 2 s",
                    Some(median(&r.gen_full)),
                    "ms",
                    Goal::AtMost(2000.0),
                ),
                (
                    "gen no-op ≤ 100 ms",
                    Some(median(&r.gen_noop)),
                    "ms",
                    Goal::AtMost(100.0),
                ),
                (
                    "peak RSS of the cold check ≤ 150 MB",
                    Some(mb(max(&r.rss_check_kb))),
                    "MB",
                    Goal::AtMost(150.0),
                ),
                (
                    "peak RSS of gen full ≤ 150 MB",
                    Some(mb(max(&r.rss_gen_kb))),
                    "MB",
                    Goal::AtMost(150.0),
                ),
                (
                    "cold check ≥ 15× faster than Bazel cold",
                    over_bazel(|b| &b.cold, &r.cold),
                    "×",
                    Goal::AtLeast(15.0),
                ),
                (
                    "warm check faster than Bazel warm no-op",
                    over_bazel(|b| &b.warm, &r.warm),
                    "×",
                    Goal::AtLeast(1.0),
                ),
            ];
            for (label, measured, unit, goal) in goals {
                let (value, verdict) = match measured {
                    None => ("—".to_owned(), "not measured".to_owned()),
                    Some(v) => {
                        let value = match unit {
                            "ms" => format!("{} ms", ms(v)),
                            "MB" => format!("{v:.0} MB"),
                            _ => format!("{v:.1}×"),
                        };
                        (value, verdict(&goal, v))
                    }
                };
                let _ = writeln!(o, "| {label} | {value} | {verdict} |");
            }
        }
    }

    // Where the time goes.
    for (title, pick, wall) in [
        (
            "`orrery check`, cold",
            (|r: &SizeResult| &r.check_stages) as fn(&SizeResult) -> &StageTimes,
            (|r: &SizeResult| median(&r.cold)) as fn(&SizeResult) -> f64,
        ),
        (
            "`orrery check FILE`, that file edited",
            |r: &SizeResult| &r.file_stages,
            |r: &SizeResult| median(&r.file),
        ),
        (
            "`orrery gen`, full",
            |r: &SizeResult| &r.gen_stages,
            |r: &SizeResult| median(&r.gen_full),
        ),
    ] {
        let _ = writeln!(o, "\n## Stages of {title} (`-v`, ms, median of the runs)\n");
        let _ = write!(o, "| stage |");
        for r in results {
            let _ = write!(o, " {} servlets |", r.servlets);
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "| --- |{}", " ---: |".repeat(results.len()));
        let mut names: Vec<&str> = Vec::new();
        for r in results {
            for (name, _) in &pick(r).0 {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        // `total` last, then the whole process.
        names.sort_by_key(|name| *name == "total");
        for name in names {
            let _ = write!(o, "| {name} |");
            for r in results {
                let _ = write!(
                    o,
                    " {} |",
                    pick(r).median(name).map_or_else(|| "—".into(), ms)
                );
            }
            let _ = writeln!(o);
        }
        let _ = write!(o, "| whole process |");
        for r in results {
            let _ = write!(o, " {} |", ms(wall(r)));
        }
        let _ = writeln!(o);
    }

    let failures: Vec<_> = results
        .iter()
        .filter_map(|r| match &r.bazel {
            Some(Err(error)) => Some((r.servlets, error)),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(o, "\n## Bazel failures\n");
        for (servlets, error) in failures {
            let _ = writeln!(o, "{servlets} servlets:\n\n```\n{error}\n```\n");
        }
    }
    if !options.bazel {
        let _ = writeln!(o, "\nBazel was left out (`ORRERY_BENCH_BAZEL=0`).");
    }
    out
}

/// One row of the main table: a cell per size, and the values whose growth is shown.
struct Row {
    label: String,
    cells: Vec<Option<String>>,
    values: Vec<Option<f64>>,
}

fn count_row(results: &[SizeResult], label: &str, count: fn(&SizeResult) -> usize) -> Row {
    Row {
        label: label.into(),
        cells: results.iter().map(|r| Some(count(r).to_string())).collect(),
        values: results.iter().map(|r| Some(count(r) as f64)).collect(),
    }
}

fn time_row(results: &[SizeResult], label: &str, times: fn(&SizeResult) -> &Vec<f64>) -> Row {
    Row {
        label: label.into(),
        cells: results.iter().map(|r| Some(spread(times(r)))).collect(),
        values: results.iter().map(|r| Some(median(times(r)))).collect(),
    }
}

fn rss_row(results: &[SizeResult], label: &str, kb: fn(&SizeResult) -> &Vec<f64>) -> Row {
    Row {
        label: label.into(),
        cells: results
            .iter()
            .map(|r| Some(format!("{:.0}", mb(max(kb(r))))))
            .collect(),
        values: results.iter().map(|r| Some(max(kb(r)))).collect(),
    }
}

fn bazel_row(results: &[SizeResult], label: &str, times: fn(&BazelResult) -> &Vec<f64>) -> Row {
    Row {
        label: label.into(),
        cells: results
            .iter()
            .map(|r| match &r.bazel {
                None => None,
                Some(Ok(b)) => Some(spread(times(b))),
                Some(Err(_)) => Some("**failed**".into()),
            })
            .collect(),
        values: results
            .iter()
            .map(|r| bazel_of(r).map(|b| median(times(b))))
            .collect(),
    }
}

/// Bazel's median over orrery's, per size.
fn ratio_row(
    results: &[SizeResult],
    label: &str,
    bazel: fn(&BazelResult) -> &Vec<f64>,
    orrery: fn(&SizeResult) -> &Vec<f64>,
) -> Row {
    Row {
        label: label.into(),
        cells: results
            .iter()
            .map(|r| {
                bazel_of(r).map(|b| format!("**{:.1}×**", median(bazel(b)) / median(orrery(r))))
            })
            .collect(),
        values: Vec::new(),
    }
}

/// The Bazel measures of a size, when Bazel ran and succeeded.
fn bazel_of(r: &SizeResult) -> Option<&BazelResult> {
    r.bazel.as_ref().and_then(|b| b.as_ref().ok())
}

fn max(values: &[f64]) -> f64 {
    min_max(values).1
}

/// Holds `target/bench-scale/.lock` for the whole run: a second run at the same time would
/// remove the trees this one measures (and compete for the cores), so it waits.
fn lock(bench_dir: &Path) -> File {
    let path = bench_dir.join(".lock");
    let mut file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            say(format_args!(
                "another run (pid {}) holds {}; waiting for it to finish",
                holder.trim(),
                path.display()
            ));
            file.lock()
                .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
        }
        Err(fs::TryLockError::Error(e)) => panic!("lock {}: {e}", path.display()),
    }
    file.set_len(0)
        .and_then(|()| write!(file, "{}", std::process::id()))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    file
}

fn main() {
    let options = Options::from_env();
    let started = Instant::now();
    let root = harness::root();
    let bench_dir = root.join("target/bench-scale");
    fs::create_dir_all(&bench_dir)
        .unwrap_or_else(|e| panic!("create {}: {e}", bench_dir.display()));
    let _lock = lock(&bench_dir);

    let bazel = options.bazel.then(|| {
        harness::bazel().unwrap_or_else(|| {
            panic!("Bazel is not installed: run scripts/install-tools, set BAZEL, or set ORRERY_BENCH_BAZEL=0")
        })
    });
    // A private copy of the release binary: another build replacing target/release/orrery
    // mid-run would change what is measured, and invalidate orrery's caches.
    let built = support::binary("orrery", "orrery");
    // Copied beside and renamed into place: a binary still running is not written over.
    let orrery = bench_dir.join("orrery");
    let copy = bench_dir.join("orrery.new");
    fs::copy(&built, &copy)
        .and_then(|_| fs::rename(&copy, &orrery))
        .unwrap_or_else(|e| panic!("copy {} to {}: {e}", built.display(), orrery.display()));

    let facts = Facts {
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
        cpu: cpu_model(),
        date: first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        rev: first_line("git", &["describe", "--always", "--dirty", "--abbrev=12"]),
        bazel: bazel
            .as_deref()
            .map_or_else(|| "not run".into(), bazel_version),
        load_before: load_average(),
    };
    say(format_args!(
        "sizes {:?}, orrery {}, {}",
        options.sizes, facts.rev, facts.bazel
    ));

    let results: Vec<SizeResult> = options
        .sizes
        .iter()
        .map(|&servlets| {
            measure_size(
                &options,
                &orrery,
                bazel.as_deref(),
                &bench_dir.join(servlets.to_string()),
                servlets,
            )
        })
        .collect();

    let report = render(&facts, &options, &results, started.elapsed());
    print!("{report}");
    let path = bench_dir.join("results.md");
    fs::write(&path, &report).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    say(format_args!("wrote {}", path.display()));
    if results.iter().any(|r| matches!(r.bazel, Some(Err(_)))) {
        eprintln!("bench-scale: Bazel failed on some tree; see the report");
        std::process::exit(1);
    }
}
