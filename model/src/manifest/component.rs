//! servlet.yaml and library.yaml.

use marked_yaml::types::Node;

use super::Parsed;
use super::config::{ResourcesOverride, ScalingOverride, check_name, read_resources, read_scaling};
use super::yaml::{Fields, Reader};
use crate::diagnostic::{Diagnostic, RuleId};
use crate::label::Label;
use crate::location::{Location, Spanned};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Critical,
    #[default]
    Standard,
    Background,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::Standard => "standard",
            Tier::Background => "background",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Percent of requests that succeed, e.g. 99.9.
    pub availability: f64,
    pub latency_p99_ms: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServletManifest {
    pub name: Spanned<String>,
    /// `None` when missing; the `owner` rule reports that.
    pub owner: Option<Spanned<String>>,
    pub description: Option<String>,
    pub tier: Tier,
    /// Who may call this servlet's API. Empty means nobody.
    pub visibility: Vec<Spanned<Label>>,
    /// Servlets and services this servlet calls over RPC.
    pub calls: Vec<Spanned<String>>,
    pub scaling: ScalingOverride,
    pub resources: ResourcesOverride,
    pub slo: Option<Slo>,
    /// How long Envoy waits for this servlet's answer; `defaults.timeout_ms` when unset.
    pub timeout_ms: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LibraryManifest {
    pub name: Spanned<String>,
    /// `None` when missing; the `owner` rule reports that.
    pub owner: Option<Spanned<String>>,
    pub description: Option<String>,
    pub visibility: Vec<Spanned<Label>>,
}

const SERVLET_KEYS: &[&str] = &[
    "name",
    "owner",
    "description",
    "tier",
    "visibility",
    "calls",
    "scaling",
    "resources",
    "slo",
    "timeout_ms",
];
const LIBRARY_KEYS: &[&str] = &["name", "owner", "description", "visibility"];

/// Parses a servlet.yaml. `directory` is the name the manifest's `name` must equal.
pub fn parse_servlet(path: &str, directory: &str, text: &str) -> Parsed<ServletManifest> {
    let mut reader = Reader::new(path);
    let value = reader.parse(text).and_then(|map| {
        let fields = reader.fields(&map, SERVLET_KEYS);
        let common = read_common(&mut reader, &fields, directory, "servlet");
        let tier = fields
            .get("tier")
            .and_then(|node| reader.choice(node, "`tier`", &["critical", "standard", "background"]))
            .map_or(Tier::default(), |tier| match tier.value.as_str() {
                "critical" => Tier::Critical,
                "background" => Tier::Background,
                _ => Tier::Standard,
            });
        let calls = fields
            .get("calls")
            .map(|node| reader.strings(node, "`calls`"))
            .unwrap_or_default();
        let scaling = fields
            .get("scaling")
            .map(|node| read_scaling(&mut reader, node))
            .unwrap_or_default();
        let resources = fields
            .get("resources")
            .map(|node| read_resources(&mut reader, node))
            .unwrap_or_default();
        let slo = fields
            .get("slo")
            .and_then(|node| read_slo(&mut reader, node));
        let timeout_ms = fields
            .get("timeout_ms")
            .and_then(|node| super::config::read_timeout(&mut reader, node, "`timeout_ms`"));
        let Common {
            name,
            owner,
            description,
            visibility,
        } = common?;
        Some(ServletManifest {
            name,
            owner,
            description,
            tier,
            visibility,
            calls,
            scaling,
            resources,
            slo,
            timeout_ms,
        })
    });
    Parsed {
        value,
        diagnostics: reader.diagnostics,
    }
}

/// Parses a library.yaml. `directory` is the name the manifest's `name` must equal.
pub fn parse_library(path: &str, directory: &str, text: &str) -> Parsed<LibraryManifest> {
    let mut reader = Reader::new(path);
    let value = reader.parse(text).and_then(|map| {
        let fields = reader.fields(&map, LIBRARY_KEYS);
        let Common {
            name,
            owner,
            description,
            visibility,
        } = read_common(&mut reader, &fields, directory, "library")?;
        Some(LibraryManifest {
            name,
            owner,
            description,
            visibility,
        })
    });
    Parsed {
        value,
        diagnostics: reader.diagnostics,
    }
}

struct Common {
    name: Spanned<String>,
    owner: Option<Spanned<String>>,
    description: Option<String>,
    visibility: Vec<Spanned<Label>>,
}

fn read_common(
    reader: &mut Reader<'_>,
    fields: &Fields<'_>,
    directory: &str,
    kind: &str,
) -> Option<Common> {
    let name = fields
        .require(reader, "name", "the directory's name")
        .and_then(|node| reader.string(node, "`name`"));
    if let Some(name) = &name
        && check_name(reader, name, kind)
        && name.value != directory
    {
        reader.error_with_help(
            name.location.clone(),
            format!("`name` is `{}` but the directory is `{directory}`", name.value),
            format!("a {kind}'s name equals its directory name: write `name: {directory}` or rename the directory"),
        );
    }
    let owner = match fields.get("owner") {
        Some(node) => reader.string(node, "`owner`"),
        None => {
            let location = Location::file(reader.path);
            reader.diagnostics.push(
                Diagnostic::new(
                    RuleId::Owner,
                    location,
                    format!("the {kind} has no `owner`"),
                )
                .with_help("add `owner:` with one team from `teams` in orrery.yaml"),
            );
            None
        }
    };
    let description = fields
        .get("description")
        .and_then(|node| reader.string(node, "`description`"))
        .map(|d| d.value);
    let visibility = fields
        .get("visibility")
        .map(|node| read_visibility(reader, node))
        .unwrap_or_default();
    Some(Common {
        name: name?,
        owner,
        description,
        visibility,
    })
}

fn read_visibility(reader: &mut Reader<'_>, node: &Node) -> Vec<Spanned<Label>> {
    reader
        .strings(node, "`visibility`")
        .into_iter()
        .filter_map(|entry| match Label::parse(&entry.value) {
            Ok(label) => Some(Spanned::new(label, entry.location)),
            Err(message) => {
                reader.error_with_help(
                    entry.location,
                    message,
                    "visibility labels are `//visibility:public`, `//visibility:private`, `//pkg`, `//pkg/...` or `//:group`",
                );
                None
            }
        })
        .collect()
}

fn read_slo(reader: &mut Reader<'_>, node: &Node) -> Option<Slo> {
    let map = reader.mapping(node, "`slo`")?;
    let fields = reader.fields(map, &["availability", "latency_p99_ms"]);
    let availability = fields
        .require(
            reader,
            "availability",
            "the percent of requests that must succeed, e.g. 99.9",
        )
        .and_then(|node| {
            reader.number::<f64>(node, "`slo.availability`", "a percentage such as 99.9")
        });
    if let Some(availability) = &availability
        && !(availability.value > 0.0 && availability.value < 100.0)
    {
        reader.error_with_help(
            availability.location.clone(),
            format!(
                "`slo.availability` must be above 0 and below 100, found {}",
                availability.value
            ),
            "use a percentage such as `99.9`",
        );
    }
    let latency = fields.get("latency_p99_ms").and_then(|node| {
        reader.number::<u32>(
            node,
            "`slo.latency_p99_ms`",
            "a whole number of milliseconds",
        )
    });
    Some(Slo {
        availability: availability?.value,
        latency_p99_ms: latency.map(|l| l.value),
    })
}
