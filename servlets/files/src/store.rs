//! The file table: an in-memory stand-in for the blob store's metadata.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{PoisonError, RwLock};

use storage_keys::StorageKey;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRecord {
    pub size: u64,
    pub modified_at: u64,
    /// Starts at 1 and grows with every write.
    pub revision: u64,
}

/// Keyed by the storage key's text, so a folder is a contiguous range of keys.
#[derive(Debug, Default)]
pub struct FileStore {
    records: RwLock<BTreeMap<String, FileRecord>>,
}

impl FileStore {
    /// Writes a file and returns its new record.
    pub fn put(&self, key: &StorageKey, size: u64, now: u64) -> FileRecord {
        let mut records = self.records.write().unwrap_or_else(PoisonError::into_inner);
        let revision = records.get(key.as_str()).map_or(1, |old| old.revision + 1);
        let record = FileRecord {
            size,
            modified_at: now,
            revision,
        };
        records.insert(key.as_str().to_owned(), record);
        record
    }

    pub fn get(&self, key: &StorageKey) -> Option<FileRecord> {
        self.records
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key.as_str())
            .copied()
    }

    /// Every file whose key starts with `prefix`, in key order.
    pub fn scan(&self, prefix: &str) -> Vec<(StorageKey, FileRecord)> {
        let records = self.records.read().unwrap_or_else(PoisonError::into_inner);
        records
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, record)| {
                (
                    StorageKey::parse(key).expect("the store only holds file keys"),
                    *record,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use auth::UserId;

    use super::*;

    #[test]
    fn revisions_grow_and_scans_stay_inside_the_prefix() {
        let store = FileStore::default();
        let key = storage_keys::file_key(UserId(1), "a/b.txt").unwrap();
        assert_eq!(store.put(&key, 10, 100).revision, 1);
        assert_eq!(
            store.put(&key, 12, 200),
            FileRecord {
                size: 12,
                modified_at: 200,
                revision: 2
            }
        );
        store.put(&storage_keys::file_key(UserId(1), "ab.txt").unwrap(), 1, 0);
        store.put(
            &storage_keys::file_key(UserId(11), "a/c.txt").unwrap(),
            1,
            0,
        );

        let scanned = store.scan("u/1/f/a/");
        assert_eq!(scanned.len(), 1);
        assert_eq!(scanned[0].0, key);
        assert_eq!(store.scan("u/1/f/").len(), 2);
    }
}
