//! Test support: fixture repositories written as multi-file text, and running the binary.
//!
//! A fixture is one text file; each `//- path` line starts a file of the repository, as in
//! rust-analyzer's test fixtures.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Writes the fixture `tests/fixtures/<name>.txt` into a fresh temporary directory.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    materialize(&text)
}

pub fn materialize(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut current: Option<(PathBuf, String)> = None;
    let flush = |current: &mut Option<(PathBuf, String)>| {
        if let Some((path, body)) = current.take() {
            std::fs::create_dir_all(path.parent().expect("parent"))
                .expect("create fixture directory");
            std::fs::write(&path, body).expect("write fixture file");
        }
    };
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("//- ") {
            flush(&mut current);
            current = Some((dir.path().join(path.trim()), String::new()));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&mut current);
    dir
}

/// Runs `orrery ARGS` in `dir`.
pub fn orrery(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_orrery"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run orrery");
    Output {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// Writes `text` to `path` under `root`, creating folders as needed.
pub fn write(root: &Path, path: &str, text: impl AsRef<[u8]>) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create folders");
    std::fs::write(&path, text).expect("write file");
}

/// Runs git in `dir` as a fixed test identity, on branch `main`; a failure fails the test.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
