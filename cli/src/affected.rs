//! `orrery affected --since REV`: the servlets whose deployable output changed between REV and
//! the working tree (committed, staged, unstaged and untracked changes, deletions included),
//! each with the reasons, so that a push rebuilds and deploys only those: a change to one
//! servlet must not mark the others.
//!
//! A servlet's deployable output is its server binary and its generated deployment: its own
//! directory, every library it links (transitively), the API crates of the servlets it calls
//! (its binary links their typed clients) and its generated server and Kubernetes directories.
//! Each changed path marks servlets by these rules:
//!
//! | changed path | marks | reason |
//! | --- | --- | --- |
//! | `servlets/<name>/api/**`, `servlets/<name>/proto/**` | `<name>` | `its API changed: <path>` |
//! | the same | every servlet calling `<name>` (`calls`, or linking its API crate) | `calls <name>, whose API changed: <path>` |
//! | any other `servlets/<name>/**` (handlers, servlet.yaml, Cargo.toml) | `<name>` only | `<path> changed` |
//! | a file of a library (the deepest `libs/**` component holding it) | every servlet linking it, through other libraries too | `depends on libs/x (through libs/y): <path>` |
//! | `gen/servers/<name>/**`, `gen/k8s/<name>/**` | `<name>` | `its generated server changed: <path>`, `its generated deployment changed: <path>` |
//! | `orrery.yaml`, `defaults` or `deploy` changed | every servlet | `orrery.yaml: defaults changed` |
//! | `orrery.yaml`, a service in `services` changed, added or removed | the servlets whose `calls` name it | `orrery.yaml: services.<service> changed` |
//! | `orrery.yaml`, only `teams`, `groups`, `envoy` or `codeowners` changed | nobody: visibility and ownership are not deployable output | |
//! | `orrery.yaml` absent or unparsable at REV, or unparsable now | every servlet | `orrery.yaml: not in REV` |
//! | the root `Cargo.toml`, `Cargo.lock`, `runtime/**`, `proto/**`, `templates/k8s/**` | every servlet | `<path> changed (every servlet builds with it)` |
//! | anything else (docs, tests, `gen/envoy/**`, `gen/monolith/**`, CODEOWNERS, orrery's own sources) | nobody | |
//!
//! A servlet that no longer exists in the working tree is not listed. Libraries and callers
//! come from the dependency graph of the working tree (code and build dependencies; an entry
//! of `calls` links only the callee's API crate).
//!
//! Only [`run`] reads git and the tree; [`affected`] is a function of the changed paths, the
//! model and the two orrery.yaml texts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use orrery_lint::{analyze, discover, query};
use orrery_model::manifest::{Config, Service, parse_config};
use orrery_model::{ComponentId, ComponentKind, DependencyGraph, Repository};
use serde_json::json;

use crate::Usage;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The affected servlets by name, each with its reasons in the order of the changed paths.
pub type Affected = BTreeMap<String, Vec<String>>;

/// What changed between REV and the working tree.
pub struct Changes<'a> {
    /// The revision, as the user wrote it.
    pub since: &'a str,
    /// Repository-relative paths of every changed, deleted or untracked file.
    pub paths: &'a BTreeSet<String>,
    /// orrery.yaml at REV; `None` when REV has none.
    pub config_before: Option<&'a str>,
    /// orrery.yaml in the working tree; `None` when it could not be read.
    pub config_now: Option<&'a str>,
}

/// `orrery affected`: asks git what changed, reads the working tree, prints the answer.
/// Exit 0 whether or not a servlet changed; a bad REV or no git repository is a usage error.
pub(crate) fn run(root: &Path, since: &str, format: Format) -> Result<ExitCode, Usage> {
    crate::git(root, &["rev-parse", "--git-dir"])?;
    let paths = crate::changed_files(root, since)?;
    let config_before = if paths.contains(discover::CONFIG) {
        let at_rev = format!("{since}:./{}", discover::CONFIG);
        crate::git(root, &["show", &at_rev])
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    } else {
        None
    };
    let snapshot = discover::discover(root);
    let analysis = analyze(&snapshot);
    let servlets: BTreeSet<String> = snapshot
        .servlet_directories
        .iter()
        .filter_map(|directory| directory.strip_prefix("servlets/"))
        .chain(analysis.repository.servlets().filter_map(servlet_name))
        .map(str::to_owned)
        .collect();
    let changes = Changes {
        since,
        paths: &paths,
        config_before: config_before.as_deref(),
        config_now: snapshot.config.as_ref().map(|config| config.text.as_str()),
    };
    let found = affected(&analysis.repository, &analysis.graph, &servlets, &changes);
    crate::print(&match format {
        Format::Human => human(since, &found),
        Format::Json => json(since, &found),
    });
    Ok(ExitCode::SUCCESS)
}

/// Where a changed path sits, as far as deployable output is concerned.
enum Source<'a> {
    /// `servlets/<name>/api/**` or `servlets/<name>/proto/**`.
    Api(&'a str),
    /// Any other file under `servlets/<name>/`.
    Servlet(&'a str),
    /// A file of this library.
    Library(&'a ComponentId),
    /// `gen/servers/<name>/**` or `gen/k8s/<name>/**`, and what it holds.
    Generated(&'a str, &'static str),
    /// orrery.yaml.
    Config,
    /// A build input of every server binary.
    Shared,
    /// Not part of any servlet's deployable output.
    Other,
}

impl<'a> Source<'a> {
    fn of(path: &'a str, repository: &'a Repository) -> Source<'a> {
        let segments: Vec<&str> = path.split('/').collect();
        match segments.as_slice() {
            ["servlets", name, "api" | "proto", _, ..] => Source::Api(name),
            ["servlets", name, _, ..] => Source::Servlet(name),
            ["libs", _, ..] => match repository.component_of(path) {
                Some(library) if library.kind == ComponentKind::Library => {
                    Source::Library(&library.id)
                }
                _ => Source::Other,
            },
            ["gen", "servers", name, _, ..] => Source::Generated(name, "server"),
            ["gen", "k8s", name, _, ..] => Source::Generated(name, "deployment"),
            [discover::CONFIG] => Source::Config,
            ["Cargo.toml" | "Cargo.lock"]
            | ["runtime" | "proto", _, ..]
            | ["templates", "k8s", _, ..] => Source::Shared,
            _ => Source::Other,
        }
    }
}

/// The servlets among `servlets` (those in the working tree) whose deployable output the
/// changes touch, each with its reasons (see the module documentation for the rules).
pub fn affected(
    repository: &Repository,
    graph: &DependencyGraph,
    servlets: &BTreeSet<String>,
    changes: &Changes<'_>,
) -> Affected {
    let mut found = Affected::new();
    let mut mark = |name: &str, reason: String| {
        if servlets.contains(name) {
            let reasons = found.entry(name.to_owned()).or_default();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    };
    for path in changes.paths {
        match Source::of(path, repository) {
            Source::Api(name) => {
                mark(name, format!("its API changed: {path}"));
                for caller in callers(repository, graph, name) {
                    mark(caller, format!("calls {name}, whose API changed: {path}"));
                }
            }
            Source::Servlet(name) => mark(name, format!("{path} changed")),
            Source::Library(library) => {
                for (dependent, through) in query::dependents(graph, library) {
                    let Some(name) = repository.components.get(dependent).and_then(servlet_name)
                    else {
                        continue;
                    };
                    let through = if through.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<&str> = through.iter().map(|id| id.as_str()).collect();
                        format!(" (through {})", names.join(" → "))
                    };
                    mark(name, format!("depends on {library}{through}: {path}"));
                }
            }
            Source::Generated(name, what) => {
                mark(name, format!("its generated {what} changed: {path}"));
            }
            Source::Config => {
                for effect in config_effects(changes) {
                    match effect {
                        ConfigEffect::Every(reason) => {
                            servlets.iter().for_each(|name| mark(name, reason.clone()));
                        }
                        ConfigEffect::CallersOf(service, reason) => {
                            for servlet in repository.servlets() {
                                if servlet.calls().iter().any(|call| call.value == service) {
                                    servlet_name(servlet)
                                        .into_iter()
                                        .for_each(|name| mark(name, reason.clone()));
                                }
                            }
                        }
                    }
                }
            }
            Source::Shared => {
                let reason = format!("{path} changed (every servlet builds with it)");
                servlets.iter().for_each(|name| mark(name, reason.clone()));
            }
            Source::Other => {}
        }
    }
    found
}

/// The servlets other than `callee` that link its API crate: through `calls` (the generated
/// server hands them its typed client) or a code or build dependency, direct or not.
fn callers<'r>(
    repository: &'r Repository,
    graph: &'r DependencyGraph,
    callee: &str,
) -> BTreeSet<&'r str> {
    let api = ComponentId::new(format!("servlets/{callee}/api"));
    let linking = query::dependents(graph, &api)
        .into_keys()
        .filter_map(|id| repository.components.get(id));
    let calling = repository
        .servlets()
        .filter(|servlet| servlet.calls().iter().any(|call| call.value == callee));
    linking
        .chain(calling)
        .filter_map(servlet_name)
        .filter(|name| *name != callee)
        .collect()
}

/// The name of a servlet's own crate (`files` for `servlets/files`); `None` for anything else.
fn servlet_name(component: &orrery_model::Component) -> Option<&str> {
    match component.kind {
        ComponentKind::Servlet => component.id.as_str().strip_prefix("servlets/"),
        _ => None,
    }
}

/// What a change of orrery.yaml does to the servlets.
#[derive(Debug, PartialEq)]
enum ConfigEffect {
    /// Every servlet changes, for this reason.
    Every(String),
    /// The servlets whose `calls` name this service change, for this reason.
    CallersOf(String, String),
}

/// Compares orrery.yaml at REV with the working tree's, section by section. Changes to
/// `teams`, `groups`, `envoy` and `codeowners` are not deployable output, so they have no effect.
fn config_effects(changes: &Changes<'_>) -> Vec<ConfigEffect> {
    let parse = |text: &str| parse_config(discover::CONFIG, text).value;
    let since = changes.since;
    let before = match changes.config_before.map(parse) {
        None => return vec![ConfigEffect::Every(format!("orrery.yaml: not in {since}"))],
        Some(None) => {
            let reason = format!("orrery.yaml: does not parse at {since}");
            return vec![ConfigEffect::Every(reason)];
        }
        Some(Some(config)) => config,
    };
    let Some(now) = changes.config_now.and_then(parse) else {
        return vec![ConfigEffect::Every(
            "orrery.yaml: does not parse".to_owned(),
        )];
    };
    let mut effects = Vec::new();
    if before.defaults != now.defaults {
        effects.push(ConfigEffect::Every("orrery.yaml: defaults changed".into()));
    }
    if before.deploy != now.deploy {
        effects.push(ConfigEffect::Every("orrery.yaml: deploy changed".into()));
    }
    for service in changed_services(&before, &now) {
        let reason = format!("orrery.yaml: services.{service} changed");
        effects.push(ConfigEffect::CallersOf(service, reason));
    }
    effects
}

/// The services added, removed or changed, by value (where they are written does not count).
fn changed_services(before: &Config, now: &Config) -> BTreeSet<String> {
    let value = |service: &Service| {
        let proto = service.proto.as_ref().map(|proto| proto.value.clone());
        (service.address.value.clone(), proto)
    };
    let names = before.services.keys().chain(now.services.keys());
    names
        .filter(|name| before.services.get(*name).map(value) != now.services.get(*name).map(value))
        .cloned()
        .collect()
}

/// One line per servlet, `name: reason; reason`, sorted by name; or one line saying none.
fn human(since: &str, found: &Affected) -> String {
    if found.is_empty() {
        return format!("orrery affected: no servlet changed since {since}\n");
    }
    let mut out = String::new();
    for (name, reasons) in found {
        let _ = writeln!(out, "{name}: {}", reasons.join("; "));
    }
    out
}

/// `{"servlets": [{"name", "reasons"}], "since", "version": 1}`, keys sorted.
fn json(since: &str, found: &Affected) -> String {
    let document = json!({
        "version": 1,
        "since": since,
        "servlets": found.iter().map(|(name, reasons)| json!({
            "name": name,
            "reasons": reasons,
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects(before: Option<&str>, now: &str) -> Vec<ConfigEffect> {
        let paths = BTreeSet::new();
        config_effects(&Changes {
            since: "HEAD",
            paths: &paths,
            config_before: before,
            config_now: Some(now),
        })
    }

    const BASE: &str = "teams: [core]\nservices:\n  metadata: { address: \"m:443\" }\n";

    #[test]
    fn visibility_and_ownership_sections_change_nothing_deployable() {
        let moved = "teams: [core, web]\ngroups:\n  all: [\"//servlets/...\"]\n\nservices:\n  metadata: { address: \"m:443\" }\nenvoy: { listen: \"0.0.0.0:9000\" }\n";
        assert_eq!(effects(Some(BASE), moved), []);
    }

    #[test]
    fn services_defaults_and_deploy_changes_are_told_apart() {
        let now = "teams: [core]\nservices:\n  search: { address: \"s:443\" }\ndefaults: { timeout_ms: 500 }\ndeploy: { engine: plain }\n";
        assert_eq!(
            effects(Some(BASE), now),
            [
                ConfigEffect::Every("orrery.yaml: defaults changed".into()),
                ConfigEffect::Every("orrery.yaml: deploy changed".into()),
                ConfigEffect::CallersOf(
                    "metadata".into(),
                    "orrery.yaml: services.metadata changed".into()
                ),
                ConfigEffect::CallersOf(
                    "search".into(),
                    "orrery.yaml: services.search changed".into()
                ),
            ]
        );
    }

    #[test]
    fn an_unknown_past_marks_everything() {
        assert_eq!(
            effects(None, BASE),
            [ConfigEffect::Every("orrery.yaml: not in HEAD".into())]
        );
        assert_eq!(
            effects(Some("teams: [core"), BASE),
            [ConfigEffect::Every(
                "orrery.yaml: does not parse at HEAD".into()
            )]
        );
    }
}
