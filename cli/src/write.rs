//! The only writer: whole files, atomically, so a crash never leaves half an output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`.
pub fn atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    replace(path, &temporary(path), contents, true)
}

/// Replaces `path` with `contents` as [`atomically`] does, without waiting for the disk: for
/// caches, where a write lost in a crash only costs time (a cache carries its own checksum or
/// fingerprint). The temporary is this process's own, since two checks may run at once.
pub fn cache(path: &Path, contents: &[u8]) -> io::Result<()> {
    let temporary = temporary(path).with_extension(format!("{}.orrery-tmp", std::process::id()));
    replace(path, &temporary, contents, false)
}

/// Writes `temporary` (flushed to disk when `durable`) and renames it over `path`; on an error
/// the temporary is removed.
fn replace(path: &Path, temporary: &Path, contents: &[u8], durable: bool) -> io::Result<()> {
    let result = (|| {
        let mut file = fs::File::create(temporary)?;
        file.write_all(contents)?;
        if durable {
            file.sync_all()?;
        }
        fs::rename(temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(temporary);
    }
    result
}

/// Writes many files as [`atomically`] writes one, at the cost of one flush instead of one per
/// file: every file goes to its temporary beside its path (on every core), one sync makes them
/// all durable, and only then is each renamed over its path. On an error the temporaries are
/// removed and the error names the file.
pub fn all(root: &Path, files: &[(&str, &[u8])]) -> Result<(), (String, io::Error)> {
    let staged: Vec<Result<PathBuf, (String, io::Error)>> = files
        .par_iter()
        .map(|(path, contents)| {
            let target = root.join(path);
            let temporary = temporary(&target);
            let written = target
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| stage(&temporary, contents));
            written
                .map(|()| temporary)
                .map_err(|error| ((*path).to_owned(), error))
        })
        .collect();
    let unstage = |staged: &[Result<PathBuf, (String, io::Error)>]| {
        for temporary in staged.iter().flatten() {
            let _ = fs::remove_file(temporary);
        }
    };
    if let Some(Err((path, error))) = staged.iter().find(|result| result.is_err()) {
        let failure = (
            path.clone(),
            io::Error::new(error.kind(), error.to_string()),
        );
        unstage(&staged);
        return Err(failure);
    }
    if let Err(error) = flush(root) {
        unstage(&staged);
        return Err((".".to_owned(), error));
    }
    for ((path, _), temporary) in files.iter().zip(staged.iter().flatten()) {
        fs::rename(temporary, root.join(path)).map_err(|error| ((*path).to_owned(), error))?;
    }
    Ok(())
}

fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.orrery-tmp"))
}

/// Writes a temporary; where the whole filesystem cannot be flushed at once, each file is.
fn stage(temporary: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(temporary)?;
    file.write_all(contents)?;
    if !cfg!(target_os = "linux") {
        file.sync_all()?;
    }
    Ok(())
}

/// Makes every staged file durable with one `syncfs(2)` of the filesystem holding `root`.
#[cfg(target_os = "linux")]
fn flush(root: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let directory = fs::File::open(root)?;
    // SAFETY: syncfs only reads the descriptor, which `directory` keeps open for the call.
    match unsafe { libc::syncfs(directory.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn flush(_root: &Path) -> io::Result<()> {
    Ok(())
}
