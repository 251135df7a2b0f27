//! Where something was found: a repository-relative file and a 1-based line and column.

use std::fmt;

/// A position in a file of the repository. `column` counts characters, as rustc does, and `len`
/// is the number of characters to underline (at least 1 when rendered).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

impl Location {
    pub fn new(path: impl Into<String>, line: u32, column: u32, len: u32) -> Location {
        Location {
            path: path.into(),
            line,
            column,
            len,
        }
    }

    /// The start of a file, for problems that belong to the whole file.
    pub fn file(path: impl Into<String>) -> Location {
        Location::new(path, 1, 1, 0)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// A value together with the place it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub location: Location,
}

impl<T> Spanned<T> {
    pub fn new(value: T, location: Location) -> Spanned<T> {
        Spanned { value, location }
    }
}

/// The 1-based line and character column of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line as u32, column as u32)
}
