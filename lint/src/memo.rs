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

use orrery_model::{ComponentId, Diagnostic, Repository, Snapshot};
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
    let servlets: Vec<&ComponentId> = repository.servlets().map(|s| &s.id).collect();
    servlets.hash(&mut hasher);
    snapshot.protos.len().hash(&mut hasher);
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
    /// Whether the memo knows what the file at `path` holds now. It does for every file it
    /// has: [`Memo::decode`] keeps only files whose stamps are still the recorded ones.
    pub fn knows(&self, path: &str) -> bool {
        self.files.contains_key(path)
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

    /// The memo for the next check: what this one knew (the files it left unread), what it
    /// scanned and which files it found generated, each under its stamp in `stamps` (files
    /// changed too recently to be trusted are left out), and what its protos gave.
    pub fn next(
        mut self,
        stamps: &HashMap<String, Stamp>,
        unread: &[String],
        scanned: Vec<(String, FileRefs)>,
        apis: Apis,
    ) -> Memo {
        // A file left unread that the memo did not know is Rust orrery generated.
        let generated = unread.iter().filter(|path| !self.knows(path)).cloned();
        let generated: Vec<(String, Option<FileRefs>)> =
            generated.map(|path| (path, None)).collect();
        let scanned = scanned.into_iter().map(|(path, refs)| (path, Some(refs)));
        for (path, refs) in generated.into_iter().chain(scanned) {
            if let Some(&stamp) = stamps.get(&path) {
                self.files.insert(path, Scanned { stamp, refs });
            }
        }
        self.apis = Some(apis);
        self
    }

    /// The memo as bytes, for the orrery build `build` identifies, ending with a checksum of
    /// the rest, so that bytes a crash left half-written never decode.
    pub fn encode(&self, build: impl Hash) -> Vec<u8> {
        let encoded = Encoded {
            build: digest(build),
            memo: self,
        };
        let mut bytes = postcard::to_stdvec(&encoded).unwrap_or_default();
        let checksum = digest(&bytes[..]);
        bytes.extend(checksum.to_le_bytes());
        bytes
    }

    /// The memo `bytes` hold, if the same orrery build wrote them (else an empty one), with
    /// only the files whose stamps in `stamps` (the tree's now, see
    /// [`crate::fingerprint::Index::into_parts`]) are still the recorded ones: a file changed
    /// since, or too recently to be trusted, is read and scanned again.
    pub fn decode(bytes: &[u8], build: impl Hash, stamps: &HashMap<String, Stamp>) -> Memo {
        let intact = bytes
            .split_last_chunk::<8>()
            .filter(|(body, checksum)| digest(&body[..]).to_le_bytes() == **checksum);
        let mut memo = intact
            .and_then(|(body, _)| postcard::take_from_bytes::<Encoded<Memo>>(body).ok())
            .filter(|(encoded, rest)| rest.is_empty() && encoded.build == digest(&build))
            .map(|(encoded, _)| encoded.memo)
            .unwrap_or_default();
        memo.files
            .retain(|path, scanned| stamps.get(path) == Some(&scanned.stamp));
        memo
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
    fn stamps_of(files: &[(&str, &str)]) -> (tempfile::TempDir, HashMap<String, Stamp>) {
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
    fn only_files_unchanged_since_they_were_scanned_are_known() {
        let (_dir, first) = stamps_of(&[(A, "use x::y;"), (B, "use z::w;")]);
        let scanned = scans(vec![(A, "use x::y;"), (B, "use z::w;")]);
        let memo = Memo::default().next(&first, &[], scanned, apis(7));
        let bytes = memo.encode("build");
        let memo = Memo::decode(&bytes, "build", &first);
        assert!(memo.knows(A) && memo.knows(B));
        assert_eq!(memo.refs(A), Some(&scan("use x::y;")));

        // B is rewritten as generated Rust (left unread, so nothing to scan), A is gone.
        let (_dir, later) = stamps_of(&[(B, "// generated by orrery\n")]);
        let memo = Memo::decode(&bytes, "build", &later);
        assert!(!memo.knows(A) && !memo.knows(B));
        assert_eq!(memo.refs(B), None, "B's old scan is never used");
        let next = memo.next(&later, &[B.into()], Vec::new(), apis(7));
        assert_eq!(next.files.keys().collect::<Vec<_>>(), [B]);
        assert!(next.knows(B));
        assert_eq!(next.refs(B), None);
    }

    #[test]
    fn a_memo_is_read_back_whole_by_the_build_that_wrote_it_only() {
        let (_dir, stamps) = stamps_of(&[(A, "use x::y;")]);
        let scanned = scans(vec![(A, "use x::y;")]);
        let memo = Memo::default().next(&stamps, &[], scanned, apis(7));
        let bytes = memo.encode("build 1");
        assert_eq!(Memo::decode(&bytes, "build 1", &stamps), memo);
        assert_eq!(memo.apis(7), Some(&[][..]));
        assert_eq!(memo.apis(8), None);
        assert_eq!(Memo::decode(&bytes, "build 2", &stamps), Memo::default());
        let half = &bytes[..bytes.len() / 2];
        assert_eq!(Memo::decode(half, "build 1", &stamps), Memo::default());
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 1;
        assert_eq!(Memo::decode(&flipped, "build 1", &stamps), Memo::default());
        let garbage = b"\xff\xff garbage";
        assert_eq!(Memo::decode(garbage, "build 1", &stamps), Memo::default());
    }
}
