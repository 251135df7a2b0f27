//! The check's memo of its slowest pure steps, so that a check after an edit redoes them only
//! for what changed:
//! - what the scanner found in each Rust file, kept with the file's [`Stamp`]: only files whose
//!   stamps moved are read and scanned again (git's index trusts unchanged stat data the same
//!   way);
//! - what the protos gave: the problems compiling them and the `route-conflict` diagnostics,
//!   kept with a hash of the servlets and every proto's path and text. The protos are still
//!   read (they are small), but compiled again only when that hash moves.
//!
//! Everything else runs in full, so the outcome is the full check's.
//!
//! Like the other caches, it only saves work: a memo another orrery build wrote, or one that
//! does not decode, is an empty memo.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use orrery_model::{Diagnostic, Repository, Snapshot};
use serde::{Deserialize, Serialize};

use crate::extract::rust::FileRefs;
use crate::fingerprint::Stamp;

/// Where the memo lives, relative to the repository root.
pub const MEMO: &str = ".orrery/cache/memo.bin";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Memo {
    /// What each Rust file held when it was last read, by repository-relative path.
    files: HashMap<String, Scanned>,
    apis: Option<Apis>,
}

/// What the protos gave a check: every diagnostic they caused, under the [`apis_key`] of its
/// snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Apis {
    pub key: u64,
    pub diagnostics: Vec<Diagnostic>,
}

/// The hash of what compiling the protos depends on: the servlets, and each proto's path and
/// text.
pub fn apis_key(repository: &Repository, snapshot: &Snapshot) -> u64 {
    let mut hasher = DefaultHasher::new();
    for servlet in repository.servlets() {
        servlet.id.hash(&mut hasher);
    }
    for proto in &snapshot.protos {
        (&proto.path, &proto.text).hash(&mut hasher);
    }
    hasher.finish()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Scanned {
    stamp: Stamp,
    /// `None`: Rust orrery generated, which a check does not scan.
    refs: Option<FileRefs>,
}

#[derive(Serialize, Deserialize)]
struct Encoded<S> {
    build: u64,
    memo: S,
}

impl Memo {
    /// Whether the file at `path` is unchanged since it was scanned: its stamp in `stamps`
    /// (the tree's now, see [`crate::fingerprint::Index::into_parts`]) is the one recorded. A file
    /// whose stamp is not trusted (changed just now) is never known.
    pub fn knows(&self, path: &str, stamps: &HashMap<String, Stamp>) -> bool {
        self.files
            .get(path)
            .is_some_and(|scanned| stamps.get(path) == Some(&scanned.stamp))
    }

    /// What the scanner found in `path` (`None` also for generated Rust).
    pub fn refs(&self, path: &str) -> Option<&FileRefs> {
        self.files.get(path)?.refs.as_ref()
    }

    /// The diagnostics the protos gave, if they were compiled under `key`.
    pub fn apis(&self, key: u64) -> Option<&[Diagnostic]> {
        let apis = self.apis.as_ref().filter(|apis| apis.key == key)?;
        Some(&apis.diagnostics)
    }

    /// The memo for the next check: the files this one left unread (known, or generated) and
    /// the ones it scanned, each with its stamp in `stamps` (files gone since, or changed too
    /// recently to be trusted, are left out), and what its protos gave.
    pub fn next(
        mut self,
        stamps: &HashMap<String, Stamp>,
        unread: &[String],
        scanned: Vec<(String, FileRefs)>,
        apis: Apis,
    ) -> Memo {
        // What is still true: a file with its recorded stamp was known, so left unread.
        self.files
            .retain(|path, scanned| stamps.get(path) == Some(&scanned.stamp));
        // Any other file left unread is Rust orrery generated: nothing to scan.
        for path in unread {
            if let Some(&stamp) = stamps.get(path)
                && !self.files.contains_key(path)
            {
                let refs = None;
                self.files.insert(path.clone(), Scanned { stamp, refs });
            }
        }
        for (path, refs) in scanned {
            if let Some(&stamp) = stamps.get(&path) {
                let refs = Some(refs);
                self.files.insert(path, Scanned { stamp, refs });
            }
        }
        self.apis = Some(apis);
        self
    }

    /// The memo as bytes, for the orrery build `build` identifies.
    pub fn encode(&self, build: impl Hash) -> Vec<u8> {
        let encoded = Encoded {
            build: digest(build),
            memo: self,
        };
        postcard::to_stdvec(&encoded).unwrap_or_default()
    }

    /// The memo `bytes` hold, if the same orrery build wrote them; else an empty one.
    pub fn decode(bytes: &[u8], build: impl Hash) -> Memo {
        postcard::from_bytes::<Encoded<Memo>>(bytes)
            .ok()
            .filter(|encoded| encoded.build == digest(&build))
            .map(|encoded| encoded.memo)
            .unwrap_or_default()
    }
}

fn digest(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::discover::Reading;
    use crate::extract::rust::scan;
    use crate::fingerprint;

    /// The stamps of a tree holding `files`, each an hour old.
    fn index_of(files: &[(&str, &str)]) -> (tempfile::TempDir, HashMap<String, Stamp>) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(3600))
                .unwrap();
        }
        let (_, stamps) = fingerprint::index(dir.path(), Reading::Sources, 1).into_parts();
        (dir, stamps)
    }

    fn scans(files: Vec<(&str, &str)>) -> Vec<(String, FileRefs)> {
        files
            .into_iter()
            .map(|(path, text)| (path.to_owned(), scan(text)))
            .collect()
    }

    fn apis(key: u64) -> Apis {
        Apis {
            key,
            diagnostics: Vec::new(),
        }
    }

    const A: &str = "libs/a/src/lib.rs";
    const B: &str = "libs/b/src/lib.rs";

    #[test]
    fn the_next_memo_keeps_what_is_known_and_scanned_and_nothing_gone_or_changed() {
        let (_dir, index) = index_of(&[(A, "use x::y;"), (B, "use z::w;")]);
        let first = Memo::default().next(
            &index,
            &[],
            scans(vec![(A, "use x::y;"), (B, "use z::w;")]),
            apis(7),
        );
        assert!(first.knows(A, &index) && first.knows(B, &index));
        assert_eq!(first.refs(A), Some(&scan("use x::y;")));

        // B is edited into generated Rust (unread, so nothing to scan), A is gone.
        let (_dir, later) = index_of(&[(B, "// generated by orrery\n")]);
        assert!(!first.knows(B, &later), "B's stamp moved");
        let next = first.next(&later, &[B.into()], Vec::new(), apis(7));
        assert_eq!(next.files.keys().collect::<Vec<_>>(), [B], "A is gone");
        assert!(next.knows(B, &later));
        assert_eq!(next.refs(B), None, "the old scan of B is not carried over");
    }

    #[test]
    fn a_memo_is_read_back_by_the_build_that_wrote_it_only() {
        let (_dir, index) = index_of(&[(A, "use x::y;")]);
        let scanned = scans(vec![(A, "use x::y;")]);
        let memo = Memo::default().next(&index, &[], scanned, apis(7));
        let bytes = memo.encode("build 1");
        assert_eq!(Memo::decode(&bytes, "build 1"), memo);
        assert_eq!(memo.apis(7), Some(&[][..]));
        assert_eq!(memo.apis(8), None);
        assert_eq!(Memo::decode(&bytes, "build 2"), Memo::default());
        let half = &bytes[..bytes.len() / 2];
        assert_eq!(Memo::decode(half, "build 1"), Memo::default());
        assert_eq!(
            Memo::decode(b"\xff\xff garbage", "build 1"),
            Memo::default()
        );
    }
}
