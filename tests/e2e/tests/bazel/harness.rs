//! Real Bazel (and buildifier) for the agreement tests: where they are, and one warm Bazel
//! workspace that trees are written into one after another.
//!
//! Bazel runs offline against the analysis-only stand-ins in tests/bazel/ (rules_rust,
//! rules_proto, protobuf, googleapis) and a `crates` repository written here for the registry
//! crates each tree names. One workspace directory and one output base serve every tree, so the
//! server stays warm and only the packages that changed are loaded again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// `$name` if set, else the first candidate that exists. `None` when there is none and this
/// is not CI; in CI (`CI=true`) a missing tool fails the test.
fn tool(variable: &str, candidates: &[PathBuf], what: &str) -> Option<PathBuf> {
    let found = std::env::var_os(variable)
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().cloned())
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{what} is not installed: run scripts/install-tools"
        );
        eprintln!("skipped: {what} is not installed; run scripts/install-tools");
    }
    found
}

/// Bazel: `$BAZEL`, or `bazel` on PATH (Debian's `bazel-bootstrap`, 4.2.3).
pub fn bazel() -> Option<PathBuf> {
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("bazel"))
                .collect()
        })
        .unwrap_or_default();
    tool("BAZEL", &on_path, "Bazel")
}

/// buildifier: `$BUILDIFIER`, or the one `scripts/install-tools` installs from npm.
pub fn buildifier() -> Option<PathBuf> {
    let installed = root().join(".tools/buildifier/node_modules/.bin/buildifier");
    tool("BUILDIFIER", &[installed], "buildifier")
}

/// `bazel ARGUMENTS` in `workspace`, with its own output base, against the stand-ins in
/// tests/bazel/ and the `crates` repository at `crates`. `arguments[0]` is the command; build
/// commands get plain, non-interactive output and `--keep_going`.
pub fn command(
    bazel: &Path,
    workspace: &Path,
    output_base: &Path,
    crates: &Path,
    arguments: &[&str],
) -> Command {
    let stand_ins = root().join("tests/bazel");
    let mut command = Command::new(bazel);
    command
        .current_dir(workspace)
        .arg(format!("--output_base={}", output_base.display()))
        // A server left behind by a killed test goes away by itself.
        .arg("--max_idle_secs=300")
        .arg(arguments[0]);
    if arguments[0] != "shutdown" {
        command.args([
            "--color=no",
            "--curses=no",
            "--noshow_progress",
            "--keep_going",
        ]);
        for repository in [
            "rules_rust",
            "rules_proto",
            "com_google_protobuf",
            "com_google_googleapis",
        ] {
            command.arg(format!(
                "--override_repository={repository}={}",
                stand_ins.join(repository).display()
            ));
        }
        command.arg(format!("--override_repository=crates={}", crates.display()));
    }
    command.args(&arguments[1..]);
    command
}

/// What one Bazel command printed, and whether it succeeded.
pub struct Run {
    pub success: bool,
    pub stderr: String,
    pub stdout: String,
}

/// A Bazel workspace in a temporary directory, with its own output base (so its own server),
/// shut down and removed when dropped.
pub struct Workspace {
    bazel: PathBuf,
    scratch: tempfile::TempDir,
    /// The files written into the workspace, by path: the next tree's files replace them.
    written: BTreeMap<String, Vec<u8>>,
    /// The registry crates the stand-in `crates` repository declares.
    crates: BTreeSet<String>,
    /// Every Bazel command run, and the time they took.
    pub runs: u32,
    pub bazel_time: std::time::Duration,
}

impl Workspace {
    pub fn new(bazel: PathBuf) -> Workspace {
        let scratch = tempfile::Builder::new()
            .prefix("orrery-bazel-")
            .tempdir()
            .expect("a temporary directory");
        std::fs::create_dir_all(scratch.path().join("workspace")).unwrap();
        let mut workspace = Workspace {
            bazel,
            scratch,
            written: BTreeMap::new(),
            crates: BTreeSet::new(),
            runs: 0,
            bazel_time: std::time::Duration::ZERO,
        };
        workspace.write_crates(BTreeSet::new());
        workspace
    }

    pub fn dir(&self) -> PathBuf {
        self.scratch.path().join("workspace")
    }

    fn output_base(&self) -> PathBuf {
        self.scratch.path().join("output_base")
    }

    fn crates_dir(&self) -> PathBuf {
        self.scratch.path().join("crates")
    }

    /// Makes the workspace hold exactly `files` (path → contents): writes what changed and
    /// deletes what the previous tree had and this one has not. The `crates` repository is
    /// rewritten for the registry crates the BUILD files name.
    pub fn sync(&mut self, files: &BTreeMap<String, Vec<u8>>) {
        let dir = self.dir();
        for path in self.written.keys() {
            if !files.contains_key(path) {
                let _ = std::fs::remove_file(dir.join(path));
            }
        }
        for (path, contents) in files {
            if self.written.get(path) != Some(contents) {
                let target = dir.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, contents).unwrap();
            }
        }
        self.written = files.clone();
        let crates: BTreeSet<String> = files
            .iter()
            .filter(|(path, _)| is_bazel_file(path))
            .flat_map(|(_, contents)| registry_crates(&String::from_utf8_lossy(contents)))
            .collect();
        if crates != self.crates {
            self.write_crates(crates);
        }
    }

    /// The stand-in `crates` repository: a public, empty filegroup per registry crate.
    fn write_crates(&mut self, crates: BTreeSet<String>) {
        let dir = self.crates_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let header = "# ANALYSIS-ONLY STAND-IN for the `crates` repository crate_universe makes from\n\
                      # Cargo.lock: one empty public filegroup per registry crate the tree names,\n\
                      # written by tests/e2e/tests/bazel/harness.rs.\n";
        std::fs::write(
            dir.join("WORKSPACE"),
            format!("{header}\nworkspace(name = \"crates\")\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("defs.bzl"),
            format!("{header}\ndef crate_repositories():\n    pass\n"),
        )
        .unwrap();
        let mut build = header.to_owned();
        for name in &crates {
            build.push_str(&format!(
                "\nfilegroup(\n    name = \"{name}\",\n    visibility = [\"//visibility:public\"],\n)\n"
            ));
        }
        std::fs::write(dir.join("BUILD.bazel"), build).unwrap();
        self.crates = crates;
    }

    fn command(&self, arguments: &[&str]) -> Command {
        command(
            &self.bazel,
            &self.dir(),
            &self.output_base(),
            &self.crates_dir(),
            arguments,
        )
    }

    fn run(&mut self, arguments: &[&str]) -> Run {
        let started = std::time::Instant::now();
        let Output {
            status,
            stdout,
            stderr,
        } = self.command(arguments).output().expect("run bazel");
        self.runs += 1;
        self.bazel_time += started.elapsed();
        Run {
            success: status.success(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// `bazel build --nobuild --keep_going //...`: analysis only, every error reported.
    pub fn analyze(&mut self) -> Run {
        self.run(&["build", "--nobuild", "//..."])
    }

    /// `bazel query EXPRESSION --output=label`.
    pub fn query(&mut self, expression: &str) -> Run {
        self.run(&["query", expression, "--output=label"])
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = self.command(&["shutdown"]).output();
        // The output base holds read-only files, which TempDir cannot delete on its own.
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.output_base())
            .output();
    }
}

/// Is this one of the files Bazel reads (`BUILD.bazel`, `WORKSPACE`, `MODULE.bazel`)?
pub fn is_bazel_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "BUILD.bazel" | "WORKSPACE" | "MODULE.bazel")
}

/// The registry crates a Bazel file names: `@crates//:NAME`.
fn registry_crates(text: &str) -> Vec<String> {
    text.split("\"@crates//:")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// `buildifier --mode=check` on every file, each given with its contents; the files buildifier
/// would reformat, with its complaint.
pub fn buildifier_check(buildifier: &Path, files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
    }
    let output = Command::new(buildifier)
        .arg("--mode=check")
        .args(files.keys())
        .current_dir(dir.path())
        .output()
        .expect("run buildifier");
    if output.status.success() {
        return Vec::new();
    }
    let complaint = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    vec![complaint]
}
