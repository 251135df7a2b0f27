//! The baseline, orrery-todo.yaml: known violations that do not fail the check yet.
//!
//! `--write-todo` records today's edge and cycle violations. Afterwards only violations not in
//! the file fail, and so do entries that no longer occur (stale), so the file only shrinks.
//! `manifest`, `owner` and `input` problems are never recorded: they block everything.

use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::types::Node;
use orrery_model::{Diagnostic, Location, RuleId, SourceText};

/// What identifies a violation across edits: not its line, which moves.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub rule: RuleId,
    pub from: String,
    pub to: String,
    /// The file holding the evidence; for a cycle, the sorted components joined by `,`.
    pub file: String,
}

pub fn key(diagnostic: &Diagnostic) -> Option<Key> {
    let name = |id: &Option<orrery_model::ComponentId>| {
        id.as_ref()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default()
    };
    match diagnostic.rule {
        RuleId::Visibility | RuleId::PrivateServlet | RuleId::UndeclaredCall => Some(Key {
            rule: diagnostic.rule,
            from: name(&diagnostic.from),
            to: name(&diagnostic.to),
            file: diagnostic.location.path.clone(),
        }),
        RuleId::Cycle => {
            let mut members: Vec<&str> = diagnostic.cycle.iter().map(|id| id.as_str()).collect();
            members.sort();
            members.dedup();
            Some(Key {
                rule: RuleId::Cycle,
                from: String::new(),
                to: String::new(),
                file: members.join(","),
            })
        }
        _ => None,
    }
}

const HEADER: &str = "# orrery-todo.yaml: known violations, written by `orrery check --write-todo`.
# `orrery check` fails on any violation not listed here, and on entries that no longer occur.
# Fix a violation, delete its entry; this file only shrinks.
";

/// The baseline text recording every recordable violation in `diagnostics`.
pub fn write(diagnostics: &[Diagnostic]) -> String {
    let mut grouped: BTreeMap<(RuleId, String, String), BTreeSet<String>> = BTreeMap::new();
    for key in diagnostics.iter().filter_map(key) {
        grouped
            .entry((key.rule, key.from, key.to))
            .or_default()
            .insert(key.file);
    }
    let mut text = HEADER.to_owned();
    if grouped.is_empty() {
        text.push_str("[]\n");
    }
    for ((rule, from, to), files) in grouped {
        text.push_str(&format!("- rule: {}\n", rule.as_str()));
        if rule == RuleId::Cycle {
            for members in files {
                let quoted: Vec<String> = members.split(',').map(quote).collect();
                text.push_str(&format!("  components: [{}]\n", quoted.join(", ")));
            }
            continue;
        }
        text.push_str(&format!(
            "  from: {}\n  to: {}\n  files:\n",
            quote(&from),
            quote(&to)
        ));
        for file in files {
            text.push_str(&format!("    - {}\n", quote(&file)));
        }
    }
    text
}

/// A YAML double-quoted scalar: JSON string syntax is valid YAML, and safe for any name.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A parsed baseline: each recorded key with where it is written.
pub struct Baseline {
    entries: Vec<(Key, Location)>,
}

/// Reads orrery-todo.yaml. Problems are `manifest` diagnostics.
pub fn parse(file: &SourceText) -> Result<Baseline, Vec<Diagnostic>> {
    let error = |location: Location, message: String| {
        vec![
            Diagnostic::new(RuleId::Manifest, location, message)
                .with_help("regenerate the file with `orrery check --write-todo`"),
        ]
    };
    let position = |node: &Node| {
        node.span().start().map_or(Location::file(&file.path), |m| {
            Location::new(&file.path, m.line() as u32, m.column() as u32, 1)
        })
    };
    let root = match marked_yaml::parse_yaml_with_options(
        0,
        &file.text,
        marked_yaml::LoaderOptions::default().toplevel_sequence(),
    ) {
        Ok(root) => root,
        Err(problem) => {
            return Err(error(
                Location::file(&file.path),
                format!("orrery-todo.yaml is not valid YAML: {problem}"),
            ));
        }
    };
    let Some(items) = root.as_sequence() else {
        return Err(error(
            position(&root),
            "orrery-todo.yaml must be a list of entries".into(),
        ));
    };
    let mut entries = Vec::new();
    for item in items.iter() {
        let Some(map) = item.as_mapping() else {
            return Err(error(position(item), "each entry must be a mapping".into()));
        };
        let text = |key: &str| map.get_scalar(key).map(|s| s.as_str().to_owned());
        let Some(rule) = text("rule").as_deref().and_then(RuleId::from_id) else {
            return Err(error(position(item), "entry has no valid `rule`".into()));
        };
        let strings = |key: &str| -> Vec<(String, Location)> {
            map.get_sequence(key)
                .map(|list| {
                    list.iter()
                        .filter_map(|n| n.as_scalar().map(|s| (s.as_str().to_owned(), position(n))))
                        .collect()
                })
                .unwrap_or_default()
        };
        if rule == RuleId::Cycle {
            let mut members: Vec<String> = strings("components")
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            members.sort();
            let key = Key {
                rule,
                from: String::new(),
                to: String::new(),
                file: members.join(","),
            };
            entries.push((key, position(item)));
            continue;
        }
        let (Some(from), Some(to)) = (text("from"), text("to")) else {
            return Err(error(position(item), "entry needs `from` and `to`".into()));
        };
        for (file, location) in strings("files") {
            entries.push((
                Key {
                    rule,
                    from: from.clone(),
                    to: to.clone(),
                    file,
                },
                location,
            ));
        }
    }
    Ok(Baseline { entries })
}

impl Baseline {
    /// Splits `diagnostics` into those that still fail (new violations, plus one diagnostic per
    /// stale entry) and the number the baseline covers.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, usize) {
        let recorded: BTreeSet<&Key> = self.entries.iter().map(|(key, _)| key).collect();
        let mut occurring: BTreeSet<Key> = BTreeSet::new();
        let mut failing = Vec::new();
        let mut covered = 0;
        for diagnostic in diagnostics {
            match key(&diagnostic) {
                Some(key) if recorded.contains(&key) => {
                    covered += 1;
                    occurring.insert(key);
                }
                _ => failing.push(diagnostic),
            }
        }
        for (key, location) in &self.entries {
            if !occurring.contains(key) {
                failing.push(stale(key, location.clone()));
            }
        }
        (failing, covered)
    }
}

fn stale(key: &Key, location: Location) -> Diagnostic {
    let what = if key.rule == RuleId::Cycle {
        format!(
            "the `cycle` among {}",
            key.file
                .split(',')
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "`{}` from `{}` to `{}` in `{}`",
            key.rule, key.from, key.to, key.file
        )
    };
    let mut diagnostic = Diagnostic::new(key.rule, location, format!("stale baseline entry: {what} no longer occurs"))
        .with_help("delete this entry from orrery-todo.yaml (or run `orrery check --write-todo`): the violation is fixed");
    if key.rule != RuleId::Cycle {
        diagnostic = diagnostic.with_related(
            Location::file(&key.file),
            "the file the entry was recorded for",
        );
    }
    diagnostic
}
