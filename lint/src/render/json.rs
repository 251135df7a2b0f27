//! `--format json`: a stable, documented schema (see docs/json-output.md). Keys are sorted and
//! diagnostics come in the same order as every other format.

use orrery_model::{Diagnostic, Location};
use serde_json::{Value, json};

/// The schema version; bumped on any incompatible change.
pub const VERSION: u32 = 1;

pub fn render(diagnostics: &[Diagnostic], baselined: usize) -> String {
    let document = json!({
        "version": VERSION,
        "summary": { "violations": diagnostics.len(), "baselined": baselined },
        "diagnostics": diagnostics.iter().map(diagnostic).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn diagnostic(diagnostic: &Diagnostic) -> Value {
    json!({
        "rule": diagnostic.rule.as_str(),
        "message": diagnostic.message,
        "location": location(&diagnostic.location),
        "label": diagnostic.label,
        "from": diagnostic.from.as_ref().map(|id| id.as_str()),
        "to": diagnostic.to.as_ref().map(|id| id.as_str()),
        "help": diagnostic.help,
        "notes": diagnostic.notes,
        "related": diagnostic.related.iter().map(|r| json!({ "message": r.message, "location": location(&r.location) })).collect::<Vec<_>>(),
        "cycle": diagnostic.cycle.iter().map(|id| id.as_str()).collect::<Vec<_>>(),
    })
}

fn location(location: &Location) -> Value {
    json!({ "path": location.path, "line": location.line, "column": location.column, "length": location.len })
}
