//! Rendering at the edge: the same diagnostics as rustc-style text, JSON, SARIF or GitHub
//! workflow commands.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use orrery_model::Location;

/// Looks up a file's text to show a snippet of it.
pub trait Sources {
    fn text(&self, path: &str) -> Option<&str>;
}

/// Texts by path: what a cached check reads back for its snippets.
impl Sources for std::collections::BTreeMap<String, String> {
    fn text(&self, path: &str) -> Option<&str> {
        self.get(path).map(String::as_str)
    }
}

impl Sources for orrery_model::Snapshot {
    fn text(&self, path: &str) -> Option<&str> {
        orrery_model::Snapshot::text(self, path)
    }
}

/// The text of `location`'s line and the byte range to underline within it.
pub fn line_and_span<'s>(
    sources: &'s dyn Sources,
    location: &Location,
) -> Option<(&'s str, std::ops::Range<usize>)> {
    let text = sources.text(&location.path)?;
    let line = text.lines().nth(location.line.checked_sub(1)? as usize)?;
    let byte_at = |column: usize| {
        line.char_indices()
            .nth(column)
            .map_or(line.len(), |(at, _)| at)
    };
    let start = byte_at(location.column.saturating_sub(1) as usize);
    let end =
        byte_at((location.column.saturating_sub(1) + location.len.max(1)) as usize).max(start);
    Some((line, start..end))
}
