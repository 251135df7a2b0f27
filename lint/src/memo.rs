//! The scans memo: what the scanner found in each Rust file at the last check, kept with the
//! file's [`Stamp`], so that a check after an edit reads and scans only the files whose stamps
//! moved (git's index trusts unchanged stat data the same way). The rest of the pipeline runs
//! in full, so the outcome is the full check's.
//!
//! Like the other caches, it only saves work: a memo another orrery build wrote, or one that
//! does not decode, is an empty memo.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::extract::rust::FileRefs;
use crate::fingerprint::{Index, Stamp};

/// Where the memo lives, relative to the repository root.
pub const SCANS: &str = ".orrery/cache/scans.bin";

/// What each Rust file held when it was last read, by repository-relative path.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scans {
    files: HashMap<String, Scanned>,
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
    scans: S,
}

impl Scans {
    /// Whether the file at `path` is unchanged since it was scanned: its stamp in `index` is
    /// the one recorded. A file the index does not trust (changed just now) is never known.
    pub fn knows(&self, path: &str, index: &Index) -> bool {
        self.files
            .get(path)
            .is_some_and(|scanned| index.stamps.get(path) == Some(&scanned.stamp))
    }

    /// What the scanner found in `path` (`None` also for generated Rust).
    pub fn refs(&self, path: &str) -> Option<&FileRefs> {
        self.files.get(path)?.refs.as_ref()
    }

    /// The memo for the next check: the files this one left unread (known, or generated) and
    /// the ones it scanned, each with its stamp in `index`. Files gone since, or changed too
    /// recently to be trusted, are left out.
    pub fn next(
        mut self,
        index: &Index,
        unread: &[String],
        scanned: Vec<(String, FileRefs)>,
    ) -> Scans {
        let mut files = HashMap::with_capacity(unread.len() + scanned.len());
        // An unread file was either known, with its recorded stamp, or generated.
        let unread = unread.iter().map(|path| {
            let known = self
                .files
                .remove(path)
                .filter(|scanned| index.stamps.get(path) == Some(&scanned.stamp));
            (path.clone(), known.and_then(|scanned| scanned.refs))
        });
        let scanned = scanned.into_iter().map(|(path, refs)| (path, Some(refs)));
        for (path, refs) in unread.chain(scanned) {
            if let Some(&stamp) = index.stamps.get(&path) {
                files.insert(path, Scanned { stamp, refs });
            }
        }
        Scans { files }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The memo as bytes, for the orrery build `build` identifies.
    pub fn encode(&self, build: impl Hash) -> Vec<u8> {
        let encoded = Encoded {
            build: digest(build),
            scans: self,
        };
        postcard::to_stdvec(&encoded).unwrap_or_default()
    }

    /// The memo `bytes` hold, if the same orrery build wrote them; else an empty one.
    pub fn decode(bytes: &[u8], build: impl Hash) -> Scans {
        postcard::from_bytes::<Encoded<Scans>>(bytes)
            .ok()
            .filter(|encoded| encoded.build == digest(&build))
            .map(|encoded| encoded.scans)
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

    /// The index of a tree holding `files`, each an hour old.
    fn index_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(3600))
                .unwrap();
        }
        let index = fingerprint::index(dir.path(), Reading::Sources, 1);
        (dir, index)
    }

    const A: &str = "libs/a/src/lib.rs";
    const B: &str = "libs/b/src/lib.rs";

    #[test]
    fn the_next_memo_keeps_what_is_known_and_scanned_and_nothing_gone_or_changed() {
        let (_dir, index) = index_of(&[(A, "use x::y;"), (B, "use z::w;")]);
        let first = Scans::default().next(
            &index,
            &[],
            vec![(A.into(), scan("use x::y;")), (B.into(), scan("use z::w;"))],
        );
        assert!(first.knows(A, &index) && first.knows(B, &index));
        assert_eq!(first.refs(A), Some(&scan("use x::y;")));

        // B is edited into generated Rust (unread, so nothing to scan), A is gone.
        let (_dir, later) = index_of(&[(B, "// generated by orrery\n")]);
        assert!(!first.knows(B, &later), "B's stamp moved");
        let next = first.next(&later, &[B.into()], Vec::new());
        assert_eq!(next.len(), 1);
        assert!(next.knows(B, &later));
        assert_eq!(next.refs(B), None, "the old scan of B is not carried over");
    }

    #[test]
    fn a_memo_is_read_back_by_the_build_that_wrote_it_only() {
        let (_dir, index) = index_of(&[(A, "use x::y;")]);
        let scans = Scans::default().next(&index, &[], vec![(A.into(), scan("use x::y;"))]);
        let bytes = scans.encode("build 1");
        assert_eq!(Scans::decode(&bytes, "build 1"), scans);
        assert!(Scans::decode(&bytes, "build 2").is_empty());
        assert!(Scans::decode(&bytes[..bytes.len() / 2], "build 1").is_empty());
        assert!(Scans::decode(b"\xff\xff\xff garbage", "build 1").is_empty());
    }
}
