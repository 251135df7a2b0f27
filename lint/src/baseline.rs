//! The baseline, orrery-todo.yaml: known violations that do not fail the check yet.
//!
//! `--write-todo` records today's edge and cycle violations, counted per file. Afterwards a
//! violation fails when its file holds more of its kind than recorded, and an entry fails as
//! stale when its file holds fewer, so the file only shrinks. `manifest`, `owner`,
//! `route-conflict` and `input` problems are never recorded: they block everything.

use std::collections::BTreeMap;

use marked_yaml::types::Node;
use orrery_model::{ComponentId, Diagnostic, Location, RuleId, SourceText};

/// What identifies a violation across edits: not its line, which moves.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A violation on an edge, counted per file holding its evidence.
    Edge {
        rule: RuleId,
        from: String,
        to: String,
        file: String,
    },
    /// A cycle, by its sorted components.
    Cycle { components: Vec<String> },
}

pub fn key(diagnostic: &Diagnostic) -> Option<Key> {
    let name = |id: &Option<ComponentId>| {
        id.as_ref()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default()
    };
    match diagnostic.rule {
        RuleId::Visibility | RuleId::PrivateServlet | RuleId::UndeclaredCall => Some(Key::Edge {
            rule: diagnostic.rule,
            from: name(&diagnostic.from),
            to: name(&diagnostic.to),
            file: diagnostic.location.path.clone(),
        }),
        RuleId::Cycle => Some(Key::Cycle {
            components: cycle_members(&diagnostic.cycle),
        }),
        _ => None,
    }
}

fn cycle_members(cycle: &[ComponentId]) -> Vec<String> {
    let mut members: Vec<String> = cycle.iter().map(|id| id.as_str().to_owned()).collect();
    members.sort();
    members.dedup();
    members
}

const HEADER: &str = "# orrery-todo.yaml: known violations, written by `orrery check --write-todo`.
# `orrery check` fails when a file holds more violations than counted here, and on entries
# that no longer occur as counted. Fix a violation, lower its count; this file only shrinks.
";

/// Each (rule, from, to) with the count of its violations per file.
type EdgeCounts<'a> = BTreeMap<(RuleId, &'a str, &'a str), Vec<(&'a str, usize)>>;

/// The baseline text recording every recordable violation in `diagnostics`.
pub fn write(diagnostics: &[Diagnostic]) -> String {
    let counts = count(diagnostics);
    let mut edges: EdgeCounts<'_> = BTreeMap::new();
    let mut text = HEADER.to_owned();
    for (key, n) in &counts {
        match key {
            Key::Edge {
                rule,
                from,
                to,
                file,
            } => edges.entry((*rule, from, to)).or_default().push((file, *n)),
            Key::Cycle { components } => {
                let quoted: Vec<String> = components.iter().map(|c| quote(c)).collect();
                text.push_str(&format!(
                    "- rule: cycle\n  components: [{}]\n",
                    quoted.join(", ")
                ));
            }
        }
    }
    for ((rule, from, to), files) in edges {
        text.push_str(&format!(
            "- rule: {}\n  from: {}\n  to: {}\n  files:\n",
            rule.as_str(),
            quote(from),
            quote(to)
        ));
        for (file, n) in files {
            text.push_str(&format!("    {}: {n}\n", quote(file)));
        }
    }
    if counts.is_empty() {
        text.push_str("[]\n");
    }
    text
}

fn count(diagnostics: &[Diagnostic]) -> BTreeMap<Key, usize> {
    let mut counts = BTreeMap::new();
    for key in diagnostics.iter().filter_map(key) {
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// A YAML double-quoted scalar: JSON string syntax is valid YAML, and safe for any name.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A parsed baseline: each recorded key with its count and where it is written.
pub struct Baseline {
    entries: Vec<(Key, usize, Location)>,
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
    let options = marked_yaml::LoaderOptions::default().toplevel_sequence();
    let root = match marked_yaml::parse_yaml_with_options(
        0,
        file.text.trim_start_matches('\u{feff}'),
        options,
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
        if rule == RuleId::Cycle {
            let components = map
                .get_sequence("components")
                .map(|list| {
                    list.iter()
                        .filter_map(|n| n.as_scalar().map(|s| s.as_str().to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let components = cycle_members(
                &components
                    .into_iter()
                    .map(ComponentId::new)
                    .collect::<Vec<_>>(),
            );
            entries.push((Key::Cycle { components }, 1, position(item)));
            continue;
        }
        let (Some(from), Some(to), Some(files)) =
            (text("from"), text("to"), map.get_mapping("files"))
        else {
            return Err(error(
                position(item),
                "entry needs `from`, `to` and `files` (a mapping of file to count)".into(),
            ));
        };
        for (counted, n) in files.iter() {
            let Some(n) = n.as_scalar().and_then(|n| n.as_str().parse::<usize>().ok()) else {
                return Err(error(
                    position(n),
                    format!(
                        "the count for `{}` must be a whole number",
                        counted.as_str()
                    ),
                ));
            };
            let key = Key::Edge {
                rule,
                from: from.clone(),
                to: to.clone(),
                file: counted.as_str().to_owned(),
            };
            let location = counted
                .span()
                .start()
                .map_or(Location::file(&file.path), |m| {
                    Location::new(
                        &file.path,
                        m.line() as u32,
                        m.column() as u32,
                        counted.as_str().chars().count() as u32 + 2,
                    )
                });
            entries.push((key, n, location));
        }
    }
    Ok(Baseline { entries })
}

impl Baseline {
    /// Splits `diagnostics` into those that still fail, plus one diagnostic per stale entry,
    /// and the number the baseline covers.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, usize) {
        let now = count(&diagnostics);
        let recorded: BTreeMap<&Key, usize> =
            self.entries.iter().map(|(key, n, _)| (key, *n)).collect();
        let mut failing = Vec::new();
        let mut covered = 0;
        for diagnostic in diagnostics {
            let Some(key) = key(&diagnostic) else {
                failing.push(diagnostic);
                continue;
            };
            match (recorded.get(&key), now.get(&key)) {
                (Some(&allowed), Some(&found)) if found <= allowed => covered += 1,
                (Some(&allowed), Some(&found)) => failing.push(diagnostic.with_note(format!(
                    "orrery-todo.yaml allows {allowed} of these in this file, and there are now {found}: the new ones must be fixed"
                ))),
                _ => failing.push(diagnostic),
            }
        }
        for (key, allowed, location) in &self.entries {
            let found = now.get(key).copied().unwrap_or(0);
            if found < *allowed {
                failing.push(stale(key, *allowed, found, location.clone()));
            }
        }
        (failing, covered)
    }
}

fn stale(key: &Key, allowed: usize, found: usize, location: Location) -> Diagnostic {
    match key {
        Key::Cycle { components } => {
            let names = components
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut diagnostic = Diagnostic::new(RuleId::Cycle, location, format!("stale baseline entry: the cycle among {names} no longer occurs"))
                .with_help("delete this entry from orrery-todo.yaml (or run `orrery check --write-todo`): the cycle is broken");
            diagnostic.cycle = components.iter().map(ComponentId::new).collect();
            diagnostic
        }
        Key::Edge {
            rule,
            from,
            to,
            file,
        } => {
            let (message, help) = if found == 0 {
                (format!("stale baseline entry: `{rule}` from `{from}` to `{to}` in `{file}` no longer occurs"), "delete this line from orrery-todo.yaml (or run `orrery check --write-todo`): the violation is fixed".to_owned())
            } else {
                (
                    format!(
                        "stale baseline entry: `{file}` now holds {found} `{rule}` violation(s) from `{from}` to `{to}`, not {allowed}"
                    ),
                    format!(
                        "lower the count to {found} in orrery-todo.yaml (or run `orrery check --write-todo`)"
                    ),
                )
            };
            Diagnostic::new(*rule, location, message)
                .between(&ComponentId::new(from), &ComponentId::new(to))
                .with_related(Location::file(file), "the file the entry counts")
                .with_help(help)
        }
    }
}

/// The diagnostics that still fail once the baseline file (if any) sets its known violations
/// aside, in the reporting order, and how many it covered. A malformed baseline file adds its
/// own problems and covers nothing.
pub fn narrow(file: Option<&SourceText>, diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, usize) {
    let Some(file) = file else {
        return (diagnostics, 0);
    };
    let (mut failing, covered) = match parse(file) {
        Ok(known) => known.apply(diagnostics),
        Err(problems) => (diagnostics.into_iter().chain(problems).collect(), 0),
    };
    failing.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (failing, covered)
}
