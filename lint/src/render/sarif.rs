//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it: rule metadata with
//! short and full descriptions and help, 1-based regions, repository-relative URIs and a
//! `primaryLocationLineHash` fingerprint per result.

use orrery_model::{Diagnostic, Location, RuleId};
use serde_json::{Value, json};

use crate::rules::{INPUT, RULES};

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let rules: Vec<_> = RULES.iter().chain([&INPUT]).collect();
    let rule_ids: Vec<RuleId> = rules.iter().map(|rule| rule.id).collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "orrery",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/orrery/orrery",
                "rules": rules.iter().map(|rule| json!({
                    "id": rule.id.as_str(),
                    "name": rule.id.as_str(),
                    "shortDescription": { "text": rule.summary },
                    "fullDescription": { "text": rule.description },
                    "help": { "text": rule.description },
                    "defaultConfiguration": { "level": "error" },
                })).collect::<Vec<_>>(),
            }},
            "results": diagnostics.iter().map(|d| result(d, &rule_ids)).collect::<Vec<_>>(),
        }],
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn result(diagnostic: &Diagnostic, rule_ids: &[RuleId]) -> Value {
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let mut result = json!({
        "ruleId": diagnostic.rule.as_str(),
        "level": "error",
        "message": { "text": text },
        "locations": [location(&diagnostic.location, diagnostic.label.as_deref())],
        "partialFingerprints": { "primaryLocationLineHash": fingerprint(diagnostic) },
    });
    if let Some(index) = rule_ids.iter().position(|id| *id == diagnostic.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !diagnostic.related.is_empty() {
        result["relatedLocations"] = diagnostic
            .related
            .iter()
            .enumerate()
            .map(|(id, related)| {
                let mut location = location(&related.location, Some(&related.message));
                location["id"] = json!(id + 1);
                location
            })
            .collect();
    }
    result
}

fn location(location: &Location, message: Option<&str>) -> Value {
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&location.path) },
            "region": {
                "startLine": location.line.max(1),
                "startColumn": location.column.max(1),
                "endLine": location.line.max(1),
                "endColumn": location.column.max(1) + location.len.max(1),
            },
        },
    });
    if let Some(message) = message {
        value["message"] = json!({ "text": message });
    }
    value
}

/// A repository-relative URI reference: every byte outside RFC 3986's unreserved set (and `/`)
/// is percent-encoded, so hostile file names still make a valid `uri-reference`.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Stable across runs and line moves: it hashes what the violation is, not where it is.
fn fingerprint(diagnostic: &Diagnostic) -> String {
    let key = format!(
        "{}|{}|{}|{}|{}",
        diagnostic.rule,
        diagnostic.from.as_ref().map_or("", |id| id.as_str()),
        diagnostic.to.as_ref().map_or("", |id| id.as_str()),
        diagnostic.location.path,
        diagnostic.message
    );
    // FNV-1a: tiny, and stable across Rust versions, unlike `DefaultHasher`.
    let hash = key.bytes().fold(0xcbf29ce484222325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
    });
    format!("{hash:016x}:1")
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_hostile_paths_as_uri_references() {
        assert_eq!(
            super::uri("servlets/a b/ü#?.rs"),
            "servlets/a%20b/%C3%BC%23%3F.rs"
        );
    }
}
