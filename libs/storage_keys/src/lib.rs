//! The key layout of the files team's blob store.
//!
//! A user's file lives at `u/<user>/f/<path>`, where `<path>` is normalized: no leading or
//! trailing slash, no empty, `.` or `..` segments, no control characters.

mod normalize;

use std::fmt;

use auth::UserId;

pub use normalize::{KeyError, MAX_PATH_LEN, normalize_path};

/// The key of one file in the blob store.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorageKey(String);

/// The key of `path` in `owner`'s files.
pub fn file_key(owner: UserId, path: &str) -> Result<StorageKey, KeyError> {
    let path = normalize_path(path)?;
    if path.is_empty() {
        return Err(KeyError::Empty);
    }
    Ok(StorageKey(format!("u/{owner}/f/{path}")))
}

/// The prefix every key inside `owner`'s `folder` starts with; `""` or `"/"` is the root folder.
pub fn folder_prefix(owner: UserId, folder: &str) -> Result<String, KeyError> {
    let folder = normalize_path(folder)?;
    Ok(if folder.is_empty() {
        format!("u/{owner}/f/")
    } else {
        format!("u/{owner}/f/{folder}/")
    })
}

impl StorageKey {
    /// Parses a key read back from the blob store.
    pub fn parse(text: &str) -> Result<StorageKey, KeyError> {
        let not_a_key = || KeyError::NotAFileKey(text.to_owned());
        let rest = text.strip_prefix("u/").ok_or_else(not_a_key)?;
        let (owner, path) = rest.split_once("/f/").ok_or_else(not_a_key)?;
        let owner = owner.parse().map(UserId).map_err(|_| not_a_key())?;
        file_key(owner, path)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn owner(&self) -> UserId {
        let (owner, _) = self.split();
        UserId(owner.parse().expect("keys are only built by file_key"))
    }

    /// The path inside the owner's files: `docs/report.pdf`.
    pub fn path(&self) -> &str {
        self.split().1
    }

    /// The last path segment: `report.pdf`.
    pub fn name(&self) -> &str {
        let path = self.path();
        path.rsplit_once('/').map_or(path, |(_, name)| name)
    }

    /// The folder holding the file, `""` for the root folder.
    pub fn folder(&self) -> &str {
        self.path()
            .rsplit_once('/')
            .map_or("", |(folder, _)| folder)
    }

    fn split(&self) -> (&str, &str) {
        let rest = &self.0["u/".len()..];
        rest.split_once("/f/")
            .expect("keys are only built by file_key")
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_by_owner() {
        let key = file_key(UserId(42), "/Docs//report.pdf").unwrap();
        assert_eq!(key.as_str(), "u/42/f/Docs/report.pdf");
        assert_eq!(key.owner(), UserId(42));
        assert_eq!(key.path(), "Docs/report.pdf");
        assert_eq!(key.name(), "report.pdf");
        assert_eq!(key.folder(), "Docs");
        assert_eq!(file_key(UserId(1), "top.txt").unwrap().folder(), "");
    }

    #[test]
    fn folder_prefixes_end_with_a_slash() {
        assert_eq!(folder_prefix(UserId(42), "/").unwrap(), "u/42/f/");
        assert_eq!(folder_prefix(UserId(42), "Docs/").unwrap(), "u/42/f/Docs/");
    }

    #[test]
    fn parsing_round_trips_and_rejects_foreign_keys() {
        let key = file_key(UserId(9), "a/b.txt").unwrap();
        assert_eq!(StorageKey::parse(key.as_str()), Ok(key));
        assert_eq!(
            StorageKey::parse("s/abc"),
            Err(KeyError::NotAFileKey("s/abc".into()))
        );
        assert_eq!(
            StorageKey::parse("u/9/f/../x"),
            Err(KeyError::BadSegment("..".into()))
        );
        assert_eq!(file_key(UserId(9), "/"), Err(KeyError::Empty));
    }
}
