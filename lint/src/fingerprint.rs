//! The fingerprint of a tree: how every entry discovery would read looks from outside.
//!
//! It hashes each entry's path, and for a file its size, modification and change times and
//! inode, reading metadata only, the way git's index trusts a file whose stat data is
//! unchanged. Equal fingerprints mean discovery would read the same texts, so a cache keyed by
//! it can skip the whole pipeline. Directories are walked in parallel and hashed bottom-up, so
//! the digest does not depend on which thread saw what.

use std::collections::HashMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::discover::{
    BASELINE, CONFIG, ROOT_GENERATED, Reading, TEMPLATES, is_skipped, may_read, tops,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint(pub u64);

/// How long after its last change a file's timestamps are trusted: a file changed again within
/// one clock tick (a few milliseconds; two seconds on some filesystems) keeps its timestamps.
const RACY_WINDOW: Duration = Duration::from_secs(2);

/// Symlinked directories are followed, as discovery follows them. A directory that is its own
/// ancestor (by inode), or a tree deeper than this, is a loop.
const MAX_DEPTH: usize = 64;

/// What tells a file's content changed without reading it: its size, modification time, inode
/// and change time (which an edit that puts the modification time back still moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    modified_nanos: i128,
    inode: u64,
    changed_nanos: i128,
}

/// One walk of the tree: its [`Fingerprint`], and what it saw, for discovery to read without
/// walking again and for memos to know what changed.
#[derive(Debug, Default)]
pub struct Index {
    /// `None` when some file changed within [`RACY_WINDOW`] of now (a later edit could leave
    /// the fingerprint unchanged), or an entry cannot be read or loops: discovery reports
    /// those, and nothing is cached.
    pub fingerprint: Option<Fingerprint>,
    /// What was found under each top directory; `None` when the walk failed.
    found: Option<Vec<(&'static str, Vec<Node>)>>,
    /// A top directory is itself a link, which discovery records: it walks then.
    linked_top: bool,
    /// The root files discovery reads (orrery.yaml, Cargo.toml, ...) that exist.
    root_files: Vec<(&'static str, Option<Stamp>)>,
}

impl Index {
    /// What the walk saw, as discovery and the memos take it (made only when needed, since a
    /// cache hit needs neither):
    /// - every entry under the top directories, in discovery's order (by name, depth first;
    ///   without build output, and without the files discovery would not read, links
    ///   excepted: discovery records every link); `None` when
    ///   the walk failed or a top directory is a link (discovery walks then, and says why);
    /// - each file's stamp, by repository-relative path, for the files whose stamps can be
    ///   trusted (changed before the racy window).
    pub fn into_parts(self) -> (Option<Vec<Listed>>, HashMap<String, Stamp>) {
        let mut stamps: HashMap<String, Stamp> = self
            .root_files
            .iter()
            .filter_map(|(name, stamp)| Some(((*name).to_owned(), (*stamp)?)))
            .collect();
        let Some(found) = self.found else {
            return (None, stamps);
        };
        let mut listing = Vec::new();
        for (top, nodes) in found {
            flatten(top, None, nodes, &mut listing);
        }
        for listed in &listing {
            if let Some(stamp) = listed.stamp {
                stamps.insert(listed.path.clone(), stamp);
            }
        }
        ((!self.linked_top).then_some(listing), stamps)
    }
}

/// An entry under a top directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Repository-relative, `/`-separated, names that are not UTF-8 made so.
    pub path: String,
    /// The repository-relative path to open, when `path` would name another file (a name on
    /// the way is not UTF-8).
    pub real: Option<PathBuf>,
    /// A directory, or a link to one.
    pub is_dir: bool,
    pub is_link: bool,
    /// A file's stamp; `None` for a directory, or a file changed too recently to be trusted.
    pub stamp: Option<Stamp>,
}

/// The [`Fingerprint`] of the tree at `root`, mixed with `salt` (the identity of the orrery
/// build, so that another build never trusts results it did not compute). `reading` leaves out
/// what that kind of discovery leaves out.
pub fn fingerprint(root: &Path, reading: Reading, salt: impl Hash) -> Option<Fingerprint> {
    index(root, reading, salt).fingerprint
}

/// Walks the tree at `root` as [`fingerprint`] does, keeping what it saw.
pub fn index(root: &Path, reading: Reading, salt: impl Hash) -> Index {
    walk(root, reading, salt).unwrap_or_default()
}

fn walk(root: &Path, reading: Reading, salt: impl Hash) -> Option<Index> {
    let root = root.canonicalize().ok()?;
    let trusted_before = SystemTime::now().checked_sub(RACY_WINDOW)?;
    let mut hasher = DefaultHasher::new();
    salt.hash(&mut hasher);
    let root_generated = match reading {
        Reading::All => ROOT_GENERATED,
        Reading::Sources => &[],
    };
    let root_names = [CONFIG, BASELINE, "Cargo.toml"]
        .into_iter()
        .chain(root_generated.iter().copied());
    let mut root_files = Vec::new();
    for name in root_names {
        if let Ok(metadata) = fs::metadata(root.join(name)) {
            let stamp = stamp(&metadata, trusted_before);
            (name, stamp).hash(&mut hasher);
            root_files.push((name, stamp));
        }
    }
    let mut trusted = root_files.iter().all(|(_, stamp)| stamp.is_some());
    let mut found = Vec::new();
    let mut linked_top = false;
    let templates = (reading == Reading::All).then_some(TEMPLATES);
    for top in tops(reading).iter().copied().chain(templates) {
        let directory = root.join(top);
        if let Ok(metadata) = fs::metadata(&directory)
            && metadata.is_dir()
        {
            linked_top |= fs::symlink_metadata(&directory).is_ok_and(|m| m.is_symlink());
            top.hash(&mut hasher);
            let below = tree(&directory, &[inode(&metadata)], reading, trusted_before)?;
            below.digest.hash(&mut hasher);
            trusted &= below.trusted;
            found.push((top, below.nodes));
        }
    }
    Some(Index {
        fingerprint: trusted.then(|| Fingerprint(hasher.finish())),
        found: Some(found),
        linked_top,
        root_files,
    })
}

/// The digest of one directory: each entry's name with its stamp or, for a directory, its own
/// digest, in name order. Files discovery would not read are left out, unstatted: in a
/// repository with its generated files committed, they are a quarter of its files.
/// `ancestors` are the inodes of `directory` and the directories above it. `None` when an
/// entry cannot be read, or loops.
fn tree(
    directory: &Path,
    ancestors: &[u64],
    reading: Reading,
    trusted_before: SystemTime,
) -> Option<Below> {
    if ancestors.len() > MAX_DEPTH {
        return None;
    }
    // Each name is taken once: `DirEntry::file_name` allocates a copy on every call.
    let mut entries = fs::read_dir(directory)
        .ok()?
        .map(|entry| entry.map(|entry| (entry.file_name(), entry)))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    entries.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    let seen = entries
        .into_par_iter()
        .map(|(name, entry)| visit(name, &entry, ancestors, reading, trusted_before))
        .collect::<Option<Vec<Seen>>>()?;
    let mut hasher = DefaultHasher::new();
    let mut trusted = true;
    let mut nodes = Vec::with_capacity(seen.len());
    for seen in seen {
        if let Seen::Kept(below) = seen {
            below.digest.hash(&mut hasher);
            trusted &= below.trusted;
            nodes.push(below.node);
        }
    }
    Some(Below {
        digest: hasher.finish(),
        trusted,
        nodes,
    })
}

/// What the walk made of one directory entry.
enum Seen {
    /// Not read by discovery, or build output.
    Skipped,
    Kept(Kept),
}

struct Kept {
    /// Of the entry's name and its stamp, or its directory's digest.
    digest: u64,
    /// Its stamp, or every stamp below it, can be trusted.
    trusted: bool,
    node: Node,
}

/// One entry of a directory; `None` when it cannot be read, or loops.
fn visit(
    name: std::ffi::OsString,
    entry: &fs::DirEntry,
    ancestors: &[u64],
    reading: Reading,
    trusted_before: SystemTime,
) -> Option<Seen> {
    let utf8_name = name.to_string_lossy();
    // The type and a directory's inode come from the listing; only the files read and links
    // cost a stat. Links are followed, and always kept: discovery records them.
    let file_type = entry.file_type().ok()?;
    let is_link = file_type.is_symlink();
    let (is_dir, metadata) = if is_link {
        let metadata = fs::metadata(entry.path()).ok()?;
        (metadata.is_dir(), Some(metadata))
    } else if file_type.is_dir() {
        (true, None)
    } else if may_read(&utf8_name, reading) {
        (false, Some(entry.metadata().ok()?))
    } else {
        return Some(Seen::Skipped);
    };
    // Build output and tool state are left out, as discovery leaves them.
    if is_dir && is_skipped(&utf8_name, true) {
        return Some(Seen::Skipped);
    }
    let mut hasher = DefaultHasher::new();
    utf8_name.hash(&mut hasher);
    let (stamp, below, trusted) = if is_dir {
        let id = metadata.as_ref().map_or_else(|| entry_inode(entry), inode);
        if id != 0 && ancestors.contains(&id) {
            return None;
        }
        let ancestors = [ancestors, &[id]].concat();
        let below = tree(&entry.path(), &ancestors, reading, trusted_before)?;
        below.digest.hash(&mut hasher);
        (None, below.nodes, below.trusted)
    } else {
        let stamp = stamp(metadata.as_ref()?, trusted_before);
        (stamp, is_link).hash(&mut hasher);
        (stamp, Vec::new(), stamp.is_some())
    };
    let node = Node {
        name,
        is_dir,
        is_link,
        stamp,
        below,
    };
    Some(Seen::Kept(Kept {
        digest: hasher.finish(),
        trusted,
        node,
    }))
}

/// One directory's part of the walk.
struct Below {
    digest: u64,
    /// Every file below changed before the racy window.
    trusted: bool,
    nodes: Vec<Node>,
}

/// One entry the walk kept, with what is below it if it is a directory. Paths are made only
/// when the listing is.
#[derive(Debug)]
struct Node {
    name: std::ffi::OsString,
    is_dir: bool,
    is_link: bool,
    stamp: Option<Stamp>,
    below: Vec<Node>,
}

/// Appends `nodes`, found in `directory`, to `listing` in discovery's order. `real_directory`
/// is the directory's real path once a name on the way is not UTF-8.
fn flatten(
    directory: &str,
    real_directory: Option<&Path>,
    nodes: Vec<Node>,
    listing: &mut Vec<Listed>,
) {
    for node in nodes {
        let name = node.name.to_string_lossy();
        let path = format!("{directory}/{name}");
        let real = match (real_directory, name) {
            (None, std::borrow::Cow::Borrowed(_)) => None,
            (real_directory, _) => {
                let real_directory = real_directory.unwrap_or(Path::new(directory));
                Some(real_directory.join(&node.name))
            }
        };
        listing.push(Listed {
            path: path.clone(),
            real: real.clone(),
            is_dir: node.is_dir,
            is_link: node.is_link,
            stamp: node.stamp,
        });
        if !node.below.is_empty() {
            flatten(&path, real.as_deref(), node.below, listing);
        }
    }
}

/// A directory's identity, to find link loops; `0` where the platform has no inodes (the depth
/// limit still ends a loop there).
fn inode(metadata: &fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(metadata)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0
    }
}

/// [`inode`] of a directory entry, as its directory listing gives it.
fn entry_inode(entry: &fs::DirEntry) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::DirEntryExt::ino(entry)
    }
    #[cfg(not(unix))]
    {
        let _ = entry;
        0
    }
}

/// A file's [`Stamp`], or `None` while it is too recent to be trusted.
fn stamp(metadata: &fs::Metadata, trusted_before: SystemTime) -> Option<Stamp> {
    let modified = metadata.modified().ok()?;
    if modified > trusted_before {
        return None;
    }
    let nanos = |time: SystemTime| match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    };
    #[cfg(unix)]
    let (inode, changed_nanos) = {
        use std::os::unix::fs::MetadataExt;
        let changed =
            i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec());
        (metadata.ino(), changed)
    };
    #[cfg(not(unix))]
    let (inode, changed_nanos) = (0, 0);
    Some(Stamp {
        len: metadata.len(),
        modified_nanos: nanos(modified),
        inode,
        changed_nanos,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A tree whose files are an hour old, so that their timestamps are trusted.
    fn tree_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            write_old(&dir.path().join(path), text);
        }
        dir
    }

    fn write_old(path: &PathBuf, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(hour_ago).unwrap();
    }

    const FILES: &[(&str, &str)] = &[
        ("orrery.yaml", "teams: [web]\n"),
        ("servlets/a/servlet.yaml", "name: a\n"),
        ("servlets/a/src/lib.rs", "pub fn a() {}\n"),
        ("libs/b/src/lib.rs", "pub fn b() {}\n"),
    ];

    #[test]
    fn unchanged_trees_agree_and_any_change_tells() {
        let dir = tree_with(FILES);
        let root = dir.path();
        let first = fingerprint(root, Reading::All, 1).unwrap();
        assert_eq!(fingerprint(root, Reading::All, 1), Some(first));
        assert_ne!(
            fingerprint(root, Reading::All, 2),
            Some(first),
            "another orrery build"
        );

        // Build output and tool state are not part of the tree.
        write_old(&root.join("servlets/a/target/debug/out.rs"), "x");
        write_old(&root.join("libs/.cache/x.rs"), "x");
        assert_eq!(fingerprint(root, Reading::All, 1), Some(first));

        // A new file, then the same edit undone.
        write_old(&root.join("libs/b/src/new.rs"), "");
        let added = fingerprint(root, Reading::All, 1).unwrap();
        assert_ne!(added, first);
        fs::remove_file(root.join("libs/b/src/new.rs")).unwrap();
        assert_eq!(fingerprint(root, Reading::All, 1), Some(first));

        // A same-size edit with the old modification time: the change time tells.
        write_old(&root.join("libs/b/src/lib.rs"), "pub fn c() {}\n");
        assert_ne!(fingerprint(root, Reading::All, 1), Some(first));
    }

    #[test]
    fn files_check_does_not_read_are_not_part_of_its_fingerprint() {
        let dir = tree_with(FILES);
        let root = dir.path();
        let sources = fingerprint(root, Reading::Sources, 1).unwrap();
        let all = fingerprint(root, Reading::All, 1).unwrap();
        write_old(&root.join("servlets/a/BUILD.bazel"), "# generated");
        write_old(&root.join("libs/b/README.md"), "b");
        assert_eq!(fingerprint(root, Reading::Sources, 1), Some(sources));
        assert_ne!(
            fingerprint(root, Reading::All, 1),
            Some(all),
            "gen reads them"
        );
        write_old(&root.join("libs/b/src/b.proto"), "syntax = \"proto3\";");
        assert_ne!(fingerprint(root, Reading::Sources, 1), Some(sources));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_counts_whatever_its_name() {
        let dir = tree_with(FILES);
        let before = fingerprint(dir.path(), Reading::Sources, 1).unwrap();
        let link = dir.path().join("servlets/a/notes.txt");
        std::os::unix::fs::symlink("../../libs/b/src/lib.rs", link).unwrap();
        let after = fingerprint(dir.path(), Reading::Sources, 1).expect("a trusted tree");
        assert_ne!(after, before);
    }

    #[test]
    fn a_file_changed_just_now_makes_the_tree_untrusted() {
        let dir = tree_with(FILES);
        fs::write(dir.path().join("servlets/a/src/lib.rs"), "pub fn b() {}\n").unwrap();
        assert_eq!(fingerprint(dir.path(), Reading::All, 1), None);
    }

    #[test]
    fn the_index_stamps_every_file_read_but_those_changed_just_now() {
        let dir = tree_with(FILES);
        write_old(&dir.path().join("servlets/a/BUILD.bazel"), "# generated");
        fs::write(dir.path().join("libs/b/src/lib.rs"), "pub fn b() {}\n").unwrap();
        let index = index(dir.path(), Reading::Sources, 1);
        assert_eq!(index.fingerprint, None);
        let (_, stamps) = index.into_parts();
        let mut paths: Vec<&str> = stamps.keys().map(String::as_str).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "orrery.yaml",
                "servlets/a/servlet.yaml",
                "servlets/a/src/lib.rs"
            ]
        );
    }

    /// What discovery reads from the index's listing is what it reads walking the tree itself.
    #[cfg(unix)]
    #[test]
    fn discovery_from_the_listing_reads_what_a_walk_does() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tree_with(FILES);
        let root = dir.path();
        for (path, text) in [
            ("servlets/a/api/Cargo.toml", "[package]"),
            ("servlets/a/api/src/lib.rs", "// x"),
            ("servlets/a/api/BUILD.bazel", "# generated"),
            ("servlets/a/proto/a.proto", "syntax = \"proto3\";"),
            ("servlets/a-b/servlet.yaml", "name: a-b\n"),
            ("servlets/a/target/debug/x.rs", "x"),
            ("libs/b/nested/deeper/library.yaml", "name: deeper"),
            ("libs/b/README.md", "b"),
            ("proto/shared.proto", "syntax = \"proto3\";"),
        ] {
            write_old(&root.join(path), text);
        }
        // A name that is not UTF-8, and a file below a directory so named.
        let odd = std::ffi::OsStr::from_bytes(b"odd\xff");
        write_old(
            &root.join("servlets/a/src").join(odd).with_extension("rs"),
            "use x::y;",
        );
        write_old(&root.join("libs/b").join(odd).join("lib.rs"), "use z::w;");
        std::os::unix::fs::symlink("../../libs/b/src", root.join("servlets/a/linked")).unwrap();
        std::os::unix::fs::symlink("../../libs/b/README.md", root.join("servlets/a/notes"))
            .unwrap();
        let (listing, _) = index(root, Reading::Sources, 1).into_parts();
        assert!(listing.is_some());
        let listed = crate::discover::discover_knowing(root, Reading::Sources, &|_| false, listing);
        let walked = crate::discover::discover_reading(root, Reading::Sources);
        assert_eq!(format!("{listed:#?}"), format!("{walked:#?}"));
        assert_eq!(walked.links.len(), 2);
        assert_eq!(walked.problems, []);
        let read: Vec<&str> = walked.rust_files.iter().map(|f| f.path.as_str()).collect();
        assert!(read.contains(&"servlets/a/src/odd\u{fffd}.rs"), "{read:?}");
        assert!(read.contains(&"libs/b/odd\u{fffd}/lib.rs"), "{read:?}");
        assert_eq!(walked.servlet_directories, ["servlets/a", "servlets/a-b"]);
    }

    #[cfg(unix)]
    #[test]
    fn link_loops_end_without_a_fingerprint() {
        let dir = tree_with(FILES);
        let servlet = dir.path().join("servlets/a");
        // Two links back up: without the inode check the walk would grow as 2^depth.
        std::os::unix::fs::symlink("..", servlet.join("up")).unwrap();
        std::os::unix::fs::symlink("../..", servlet.join("src/top")).unwrap();
        assert_eq!(fingerprint(dir.path(), Reading::All, 1), None);
    }

    #[cfg(unix)]
    #[test]
    fn linked_directories_are_followed() {
        let dir = tree_with(FILES);
        write_old(&dir.path().join("shared/x.rs"), "1");
        std::os::unix::fs::symlink("../../shared", dir.path().join("libs/b/shared")).unwrap();
        let before = fingerprint(dir.path(), Reading::All, 1).unwrap();
        write_old(&dir.path().join("shared/x.rs"), "2");
        assert_ne!(fingerprint(dir.path(), Reading::All, 1), Some(before));
    }
}
