//! `orrery check`'s warm cache: the same report as a full check, never a stale one.

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use support::{Output, fixture, orrery, write};

const HIT: &str = "orrery: nothing changed since the cached check in .orrery/cache/check.json\n";

/// Sets every file's modification time to `ago` before now: files written by a test are
/// younger than the two seconds orrery waits before it trusts timestamps.
fn age(root: &Path, ago: Duration) {
    let when = SystemTime::now() - ago;
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("read directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let file = std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .expect("open");
                file.set_modified(when).expect("set the modification time");
            }
        }
    }
}

/// `orrery -v ARGS`: the output without the timing lines, and whether the cache answered.
fn verbose(root: &Path, args: &[&str]) -> (Output, bool) {
    strip(orrery(root, &[&["-v"], args].concat()))
}

/// `-v` output without its `orrery: ` lines, and whether the cache answered.
fn strip(mut output: Output) -> (Output, bool) {
    let hit = output.stderr.contains(HIT);
    output.stderr = output
        .stderr
        .lines()
        .filter(|line| !line.starts_with("orrery: "))
        .map(|line| format!("{line}\n"))
        .collect();
    (output, hit)
}

#[test]
fn a_warm_check_reports_exactly_what_a_full_check_does() {
    let dir = fixture("cycle");
    age(dir.path(), Duration::from_secs(3600));
    let runs: [&[&str]; 6] = [
        &["check"],
        &["check", "--format", "json"],
        &["check", "--format", "sarif"],
        &["check", "--format", "github"],
        &["check", "libs/b/Cargo.toml"],
        &["check", "servlets/echo/servlet.yaml", "--format", "json"],
    ];
    for args in runs {
        std::fs::remove_dir_all(dir.path().join(".orrery")).ok();
        let (full, hit) = verbose(dir.path(), args);
        assert!(!hit, "{args:?}: the first check has no cache");
        assert_eq!(full.code, 1, "{args:?}: {}", full.stdout);
        let (warm, hit) = verbose(dir.path(), args);
        assert!(hit, "{args:?}: the second check comes from the cache");
        assert_eq!(warm, full, "{args:?}");
    }
}

#[test]
fn an_edit_is_never_hidden_by_the_cache() {
    let dir = fixture("clean");
    let root = dir.path();
    age(root, Duration::from_secs(3600));
    let (clean, _) = verbose(root, &["check", "--format", "json"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(verbose(root, &["check"]).1, "the clean tree is cached");

    // A same-size edit whose modification time is then put back exactly: the change time and
    // the size still tell.
    let path = root.join("servlets/home/servlet.yaml");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("owner: web", "owner: xyz", 1);
    assert_eq!(edited.len(), text.len());
    write(root, "servlets/home/servlet.yaml", &edited);
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(before).unwrap();

    let (after, hit) = verbose(root, &["check", "--format", "json"]);
    assert!(!hit);
    assert_eq!(after.code, 1, "{}", after.stdout);
    assert!(
        after.stdout.contains("\"rule\": \"owner\""),
        "{}",
        after.stdout
    );
    // The new verdict is cached in turn.
    let (again, hit) = verbose(root, &["check", "--format", "json"]);
    assert!(hit);
    assert_eq!(again, after);
}

/// `orrery -v ARGS` after an edit: the output without the timing lines, and how many Rust
/// files it read (the others came from the scans memo, or were generated).
fn incremental(root: &Path, args: &[&str]) -> (Output, usize) {
    let raw = orrery(root, &[&["-v"], args].concat());
    let read = raw
        .stderr
        .lines()
        .find_map(|line| {
            line.strip_prefix("orrery: read ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .expect("a `read N Rust files` line");
    let (output, _) = strip(raw);
    (output, read)
}

/// The output of a check with no caches at all.
fn full(root: &Path, args: &[&str]) -> Output {
    std::fs::remove_dir_all(root.join(".orrery")).ok();
    verbose(root, args).0
}

/// Writes `text` to `path` under `root`, an hour old, as an edit made a while ago.
fn edit(root: &Path, path: &str, text: &str) {
    write(root, path, text);
    let file = std::fs::File::options()
        .write(true)
        .open(root.join(path))
        .unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// A check after changes, which must read `read` Rust files and report exactly what a check
/// with no caches does.
fn incremental_is_full(root: &Path, args: &[&str], read: usize) -> Output {
    let (output, actually_read) = incremental(root, args);
    assert_eq!(actually_read, read, "Rust files read");
    assert_eq!(output, full(root, args));
    output
}

#[test]
fn after_an_edit_only_the_changed_rust_is_read_and_the_report_is_the_full_checks() {
    let dir = fixture("visibility");
    let root = dir.path();
    age(root, Duration::from_secs(3600));
    let args = ["check", "--format", "json"];
    let first = incremental_is_full(root, &args, 7); // no memo yet: every Rust file is read
    assert!(first.stdout.contains("libs/vault"), "{}", first.stdout);

    // The violating import goes: only that file is read again.
    let lib = "servlets/webhooks/src/lib.rs";
    edit(root, lib, "pub fn deliver() { web_kit::button() }\n");
    let after = incremental_is_full(root, &args, 1);
    assert_ne!(after, first);

    // A new file brings a violation back; a file removed takes its references along.
    let extra = "servlets/webhooks/src/extra.rs";
    edit(root, extra, "use vault::secret;\n");
    let added = incremental_is_full(root, &args, 1);
    assert!(added.stdout.contains(extra), "{}", added.stdout);
    std::fs::remove_file(root.join(extra)).unwrap();
    assert_eq!(incremental_is_full(root, &args, 0), after);

    // A file rewritten as orrery's output is not scanned, and its old scan is not used.
    edit(root, lib, "// @generated by orrery\nuse vault::secret;\n");
    let generated = incremental_is_full(root, &args, 0);
    assert!(!generated.stdout.contains(lib), "{}", generated.stdout);
    edit(root, lib, "pub fn deliver() { web_kit::button() }\n");
    assert_eq!(incremental_is_full(root, &args, 1), after);

    // A memo that does not decode is no memo.
    write(root, ".orrery/cache/memo.bin", b"\x00\xff garbage");
    std::fs::remove_file(root.join(".orrery/cache/check.json")).unwrap();
    let (output, read) = incremental(root, &args);
    assert_eq!(read, 7);
    assert_eq!(output, after);
}

#[test]
fn protos_are_compiled_again_only_when_they_or_the_servlets_change() {
    let dir = fixture("route_conflict");
    let root = dir.path();
    age(root, Duration::from_secs(3600));
    let args = ["check", "--format", "json"];
    let compiled = |root: &Path| {
        let raw = orrery(root, &["-v", "check"]);
        !raw.stderr
            .contains("orrery: the protos are unchanged: not compiled again\n")
    };
    let first = full(root, &args);
    assert!(
        first.stdout.contains("\"rule\": \"route-conflict\""),
        "{}",
        first.stdout
    );

    // A Rust edit: the route conflicts come from the memo, unchanged.
    edit(root, "servlets/files/src/extra.rs", "pub fn x() {}\n");
    assert!(!compiled(root));
    assert_eq!(verbose(root, &args).0, first);

    // A proto edit that removes one conflict.
    let proto = "servlets/sharing/proto/sharing.proto";
    let text = std::fs::read_to_string(root.join(proto)).unwrap();
    edit(
        root,
        proto,
        &text.replace("/v1/files/{name=**}", "/v1/shared/{name=**}"),
    );
    assert!(compiled(root));
    let edited = verbose(root, &args).0;
    assert_eq!(edited, full(root, &args));
    assert_ne!(edited, first);

    // One servlet fewer: its protos are no API any more.
    std::fs::remove_file(root.join("servlets/sharing/servlet.yaml")).unwrap();
    assert!(compiled(root));
    let removed = verbose(root, &args).0;
    assert_eq!(removed, full(root, &args));
    assert_ne!(removed, edited);
}

#[test]
fn a_corrupt_cache_is_ignored_and_replaced() {
    let dir = fixture("visibility");
    let root = dir.path();
    age(root, Duration::from_secs(3600));
    let (full, _) = verbose(root, &["check"]);
    for garbage in [&b"\x00\xff not json"[..], b"", b"{\"fingerprint\": 1}"] {
        write(root, ".orrery/cache/check.json", garbage);
        let (output, hit) = verbose(root, &["check"]);
        assert!(!hit);
        assert_eq!(output, full);
        assert!(verbose(root, &["check"]).1, "the cache was written again");
    }
}

#[test]
fn a_tree_changed_in_the_last_two_seconds_is_checked_but_not_cached() {
    let dir = fixture("clean");
    let output = orrery(dir.path(), &["-v", "check"]);
    assert_eq!(output.code, 0);
    assert!(
        output
            .stderr
            .contains("orrery: not cached: a file changed in the last two seconds\n"),
        "{}",
        output.stderr
    );
    assert!(!dir.path().join(".orrery/cache/check.json").exists());
}

#[test]
fn the_cache_directory_ignores_itself_and_is_not_a_component() {
    let dir = fixture("clean");
    age(dir.path(), Duration::from_secs(3600));
    let first = orrery(dir.path(), &["check"]);
    let ignore = std::fs::read_to_string(dir.path().join(".orrery/cache/.gitignore")).unwrap();
    assert_eq!(ignore, "*\n");
    assert_eq!(orrery(dir.path(), &["check"]), first);
}

#[test]
fn quiet_prints_only_problems() {
    let dir = fixture("clean");
    let output = orrery(dir.path(), &["--quiet", "check"]);
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (0, "", "")
    );
    let dir = fixture("visibility");
    let quiet = orrery(dir.path(), &["-q", "check"]);
    let normal = orrery(dir.path(), &["check"]);
    assert_eq!(quiet.code, 1);
    // Everything but the summary line.
    let summary = normal.stdout.lines().last().unwrap();
    assert!(summary.starts_with("orrery check: "), "{summary}");
    assert_eq!(
        quiet.stdout,
        normal.stdout.strip_suffix(&format!("{summary}\n")).unwrap()
    );
}

#[test]
fn verbose_names_every_stage_with_its_time() {
    let dir = fixture("clean");
    let output = orrery(dir.path(), &["-v", "check"]);
    let stages: Vec<&str> = output
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("orrery: "))
        .filter(|line| line.ends_with(" ms"))
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "fingerprint",
            "memo",
            "discover",
            "scan",
            "model",
            "resolve",
            "rules",
            "cache",
            "report",
            "total"
        ]
    );
    let quiet_and_verbose = orrery(dir.path(), &["-q", "-v", "check"]);
    assert_eq!(quiet_and_verbose.code, 2);
}

const GEN_HIT: &str =
    "orrery: nothing changed since the last up-to-date gen in .orrery/cache/gen.json\n";

#[test]
fn gen_remembers_an_up_to_date_tree_and_nothing_else() {
    let dir = fixture("gen");
    let root = dir.path();
    age(root, Duration::from_secs(3600));
    // Writing leaves young files: nothing is remembered.
    let first = orrery(root, &["-v", "gen"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!root.join(".orrery/cache/gen.json").exists());
    age(root, Duration::from_secs(3600));
    // Nothing to write: remembered, and the next run is answered from the cache.
    let full = orrery(root, &["gen"]);
    assert_eq!(
        (full.code, full.stderr.as_str()),
        (0, "orrery gen: wrote 0 file(s), removed 0, 43 unchanged\n")
    );
    let warm = orrery(root, &["-v", "gen"]);
    assert!(warm.stderr.contains(GEN_HIT), "{}", warm.stderr);
    assert_eq!(orrery(root, &["gen"]), full);
    let check = orrery(root, &["gen", "--check"]);
    assert_eq!(
        (check.code, check.stderr.as_str()),
        (0, "orrery gen --check: 43 generated files are up to date\n")
    );

    // A generated file edited by hand (and aged) is stale again: the cache does not answer.
    let lib = root.join("servlets/books/api/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap() + "// edited by hand\n";
    write(root, "servlets/books/api/src/lib.rs", text);
    age(root, Duration::from_secs(1800));
    let stale = orrery(root, &["-v", "gen", "--check"]);
    assert_eq!(stale.code, 1);
    assert!(!stale.stderr.contains(GEN_HIT));
    assert!(
        stale
            .stderr
            .contains("stale: servlets/books/api/src/lib.rs\n"),
        "{}",
        stale.stderr
    );
}
