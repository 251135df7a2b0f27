//! Path normalization: one spelling per file, and no way out of the owner's namespace.

use std::error::Error;
use std::fmt;

/// The longest normalized path a key may hold, in bytes.
pub const MAX_PATH_LEN: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The path names no file (it is empty or only slashes).
    Empty,
    /// The normalized path is this many bytes, over [`MAX_PATH_LEN`].
    TooLong(usize),
    /// A segment is `.`, `..` or holds a control character.
    BadSegment(String),
    /// The text is not a `u/<user>/f/<path>` key.
    NotAFileKey(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("the path names no file"),
            KeyError::TooLong(len) => {
                write!(f, "the path is {len} bytes; the limit is {MAX_PATH_LEN}")
            }
            KeyError::BadSegment(segment) => write!(
                f,
                "the path segment `{}` is not allowed",
                segment.escape_debug()
            ),
            KeyError::NotAFileKey(text) => write!(f, "`{text}` is not a file key"),
        }
    }
}

impl Error for KeyError {}

/// `/Docs//report.pdf` → `Docs/report.pdf`; the root folder normalizes to `""`.
pub fn normalize_path(path: &str) -> Result<String, KeyError> {
    let mut segments = Vec::new();
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        if segment == "." || segment == ".." || segment.chars().any(char::is_control) {
            return Err(KeyError::BadSegment(segment.to_owned()));
        }
        segments.push(segment);
    }
    let normalized = segments.join("/");
    if normalized.len() > MAX_PATH_LEN {
        return Err(KeyError::TooLong(normalized.len()));
    }
    Ok(normalized)
}

/// A path that makes no storage key is a bad argument of the call.
impl From<KeyError> for tonic::Status {
    fn from(error: KeyError) -> tonic::Status {
        tonic::Status::invalid_argument(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_slashes() {
        assert_eq!(normalize_path("//a///b/").unwrap(), "a/b");
        assert_eq!(normalize_path("").unwrap(), "");
    }

    #[test]
    fn refuses_escapes_and_control_characters() {
        assert_eq!(
            normalize_path("a/../b"),
            Err(KeyError::BadSegment("..".into()))
        );
        assert_eq!(normalize_path("./a"), Err(KeyError::BadSegment(".".into())));
        assert_eq!(
            normalize_path("a\nb"),
            Err(KeyError::BadSegment("a\nb".into()))
        );
        assert_eq!(
            normalize_path(&"x".repeat(2000)),
            Err(KeyError::TooLong(2000))
        );
    }
}
