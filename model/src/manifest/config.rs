//! orrery.yaml: teams, groups, external services and defaults.

use std::collections::BTreeMap;

use marked_yaml::types::Node;

use super::Parsed;
use super::yaml::{Fields, Reader};
use crate::label::{PackageSpec, is_identifier};
use crate::location::Spanned;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub teams: Vec<Spanned<String>>,
    pub groups: BTreeMap<String, Group>,
    pub services: BTreeMap<String, Service>,
    pub envoy: Envoy,
    pub defaults: Defaults,
    pub deploy: Deploy,
    /// `codeowners: { org: NAME }`: the GitHub organisation whose teams the owners are.
    /// Without it no CODEOWNERS file is generated: GitHub needs `@org/team`.
    pub codeowners_org: Option<Spanned<String>>,
}

/// A named set of packages, like Bazel's package_group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub name: Spanned<String>,
    pub packages: Vec<Spanned<PackageSpec>>,
}

/// A large service outside orrery that servlets may call.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: Spanned<String>,
    pub address: Spanned<String>,
    pub proto: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Envoy {
    pub listen: String,
    pub admin: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    pub scaling: Scaling,
    pub resources: Resources,
    /// How long Envoy waits for a servlet's answer before it gives up: `defaults.timeout_ms`.
    pub timeout_ms: u32,
}

/// The route timeout when neither the servlet nor `defaults` sets one.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            scaling: Scaling::default(),
            resources: Resources::default(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scaling {
    pub min: u32,
    pub max: u32,
    /// The share of capacity kept free: the autoscaler targets (1 − headroom) utilisation.
    pub headroom: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub cpu: String,
    pub memory: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployEngine {
    ArgoRollouts,
    Plain,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Deploy {
    pub engine: DeployEngine,
    pub registry: String,
}

impl Default for Envoy {
    fn default() -> Envoy {
        Envoy {
            listen: "0.0.0.0:8080".into(),
            admin: "127.0.0.1:9901".into(),
        }
    }
}

impl Default for Scaling {
    fn default() -> Scaling {
        Scaling {
            min: 2,
            max: 20,
            headroom: 0.4,
        }
    }
}

impl Default for Resources {
    fn default() -> Resources {
        Resources {
            cpu: "250m".into(),
            memory: "256Mi".into(),
        }
    }
}

impl Default for Deploy {
    fn default() -> Deploy {
        Deploy {
            engine: DeployEngine::ArgoRollouts,
            registry: "registry.example.com/orrery".into(),
        }
    }
}

const KEYS: &[&str] = &[
    "teams",
    "groups",
    "services",
    "envoy",
    "defaults",
    "deploy",
    "codeowners",
];

pub fn parse_config(path: &str, text: &str) -> Parsed<Config> {
    let mut reader = Reader::new(path);
    let value = reader.parse(text).map(|map| {
        let fields = reader.fields(&map, KEYS);
        read_config(&mut reader, &fields)
    });
    Parsed {
        value,
        diagnostics: reader.diagnostics,
    }
}

fn read_config(reader: &mut Reader<'_>, fields: &Fields<'_>) -> Config {
    let teams = match fields.require(reader, "teams", "the list of teams that may own components") {
        Some(node) => reader.strings(node, "`teams`"),
        None => Vec::new(),
    };
    for team in &teams {
        check_name(reader, team, "team");
    }
    Config {
        teams,
        groups: fields
            .get("groups")
            .map(|node| read_groups(reader, node))
            .unwrap_or_default(),
        services: fields
            .get("services")
            .map(|node| read_services(reader, node))
            .unwrap_or_default(),
        envoy: fields
            .get("envoy")
            .map(|node| read_envoy(reader, node))
            .unwrap_or_default(),
        defaults: fields
            .get("defaults")
            .map(|node| read_defaults(reader, node))
            .unwrap_or_default(),
        deploy: fields
            .get("deploy")
            .map(|node| read_deploy(reader, node))
            .unwrap_or_default(),
        codeowners_org: fields
            .get("codeowners")
            .and_then(|node| read_codeowners(reader, node)),
    }
}

fn read_codeowners(reader: &mut Reader<'_>, node: &Node) -> Option<Spanned<String>> {
    let map = reader.mapping(node, "`codeowners`")?;
    let fields = reader.fields(map, &["org"]);
    let org = fields.require(
        reader,
        "org",
        "the GitHub organisation whose teams own the code",
    )?;
    let org = reader.string(org, "`codeowners.org`")?;
    let valid = !org.value.is_empty()
        && !org.value.starts_with('-')
        && org
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        reader.error_with_help(
            org.location.clone(),
            format!(
                "`codeowners.org` is `{}`, not a GitHub organisation name",
                org.value
            ),
            "use the organisation's login: letters, digits and `-`, such as `orrery-example`",
        );
        return None;
    }
    Some(org)
}

/// Reports a name that is not `[a-z][a-z0-9_]*`.
pub(super) fn check_name(reader: &mut Reader<'_>, name: &Spanned<String>, what: &str) -> bool {
    let valid = is_identifier(&name.value);
    if !valid {
        reader.error_with_help(
            name.location.clone(),
            format!("`{}` is not a valid {what} name", name.value),
            format!(
                "{what} names are lowercase ASCII letters, digits and `_`, starting with a letter"
            ),
        );
    }
    valid
}

fn read_groups(reader: &mut Reader<'_>, node: &Node) -> BTreeMap<String, Group> {
    let Some(map) = reader.mapping(node, "`groups`") else {
        return BTreeMap::new();
    };
    let mut groups = BTreeMap::new();
    for (key, value) in map.iter() {
        let name = Spanned::new(key.as_str().to_owned(), reader.scalar_location(key));
        if !check_name(reader, &name, "group") {
            continue;
        }
        let packages = reader
            .strings(value, &format!("group `{}`", name.value))
            .into_iter()
            .filter_map(|entry| match PackageSpec::parse(&entry.value) {
                Ok(spec) => Some(Spanned::new(spec, entry.location)),
                Err(message) => {
                    reader.error_with_help(
                        entry.location,
                        message,
                        "group entries are `//pkg`, `//pkg/...`, or either with a leading `-` to exclude",
                    );
                    None
                }
            })
            .collect();
        groups.insert(name.value.clone(), Group { name, packages });
    }
    groups
}

fn read_services(reader: &mut Reader<'_>, node: &Node) -> BTreeMap<String, Service> {
    let Some(map) = reader.mapping(node, "`services`") else {
        return BTreeMap::new();
    };
    let mut services = BTreeMap::new();
    for (key, value) in map.iter() {
        let name = Spanned::new(key.as_str().to_owned(), reader.scalar_location(key));
        if !check_name(reader, &name, "service") {
            continue;
        }
        let Some(map) = reader.mapping(value, &format!("service `{}`", name.value)) else {
            continue;
        };
        let fields = reader.fields(map, &["address", "proto"]);
        let address = fields
            .require(reader, "address", "the service's `host:port`")
            .and_then(|node| reader.string(node, "`address`"));
        let proto = fields
            .get("proto")
            .and_then(|node| reader.string(node, "`proto`"));
        if let Some(address) = address {
            services.insert(
                name.value.clone(),
                Service {
                    name,
                    address,
                    proto,
                },
            );
        }
    }
    services
}

fn read_envoy(reader: &mut Reader<'_>, node: &Node) -> Envoy {
    let defaults = Envoy::default();
    let Some(map) = reader.mapping(node, "`envoy`") else {
        return defaults;
    };
    let fields = reader.fields(map, &["listen", "admin"]);
    let mut address = |key: &str, default: String| {
        fields
            .get(key)
            .and_then(|node| reader.string(node, &format!("`envoy.{key}`")))
            .map(|s| s.value)
            .unwrap_or(default)
    };
    Envoy {
        listen: address("listen", defaults.listen),
        admin: address("admin", defaults.admin),
    }
}

fn read_defaults(reader: &mut Reader<'_>, node: &Node) -> Defaults {
    let Some(map) = reader.mapping(node, "`defaults`") else {
        return Defaults::default();
    };
    let fields = reader.fields(map, &["scaling", "resources", "timeout_ms"]);
    let timeout_ms = fields
        .get("timeout_ms")
        .and_then(|node| read_timeout(reader, node, "`defaults.timeout_ms`"))
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    Defaults {
        timeout_ms,
        scaling: fields
            .get("scaling")
            .map(|node| read_scaling(reader, node))
            .unwrap_or_default()
            .over(&Scaling::default()),
        resources: fields
            .get("resources")
            .map(|node| read_resources(reader, node))
            .unwrap_or_default()
            .over(&Resources::default()),
    }
}

/// A request timeout in milliseconds: a whole number from 1 to one hour.
pub(crate) fn read_timeout(reader: &mut Reader<'_>, node: &Node, what: &str) -> Option<u32> {
    let timeout = reader.number::<u32>(node, what, "a whole number of milliseconds")?;
    if !(1..=3_600_000).contains(&timeout.value) {
        reader.error_with_help(
            timeout.location.clone(),
            format!(
                "{what} must be from 1 to 3600000 (an hour), found {}",
                timeout.value
            ),
            "use the longest a caller should wait, in milliseconds, such as `2000`",
        );
        return None;
    }
    Some(timeout.value)
}

/// Scaling as a manifest writes it: any key may be left to the defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScalingOverride {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub headroom: Option<f64>,
}

impl ScalingOverride {
    pub fn over(&self, base: &Scaling) -> Scaling {
        Scaling {
            min: self.min.unwrap_or(base.min),
            max: self.max.unwrap_or(base.max),
            headroom: self.headroom.unwrap_or(base.headroom),
        }
    }
}

/// Resources as a manifest writes them: any key may be left to the defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourcesOverride {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

impl ResourcesOverride {
    pub fn over(&self, base: &Resources) -> Resources {
        Resources {
            cpu: self.cpu.clone().unwrap_or_else(|| base.cpu.clone()),
            memory: self.memory.clone().unwrap_or_else(|| base.memory.clone()),
        }
    }
}

/// Reads `{ min, max, headroom }`, checking each value and, where both are given, min <= max.
pub(super) fn read_scaling(reader: &mut Reader<'_>, node: &Node) -> ScalingOverride {
    let Some(map) = reader.mapping(node, "`scaling`") else {
        return ScalingOverride::default();
    };
    let fields = reader.fields(map, &["min", "max", "headroom"]);
    let count = |reader: &mut Reader<'_>, key: &str| {
        fields.get(key).and_then(|node| {
            reader.number::<u32>(
                node,
                &format!("`scaling.{key}`"),
                "a whole number of replicas",
            )
        })
    };
    let min = count(reader, "min");
    let max = count(reader, "max");
    let headroom = fields.get("headroom").and_then(|node| {
        reader.number::<f64>(node, "`scaling.headroom`", "a fraction between 0 and 1")
    });
    if let Some(min) = &min
        && min.value < 1
    {
        reader.error_with_help(
            min.location.clone(),
            "`scaling.min` must be at least 1",
            "run at least one replica: `min: 1` or more",
        );
    }
    if let (Some(min), Some(max)) = (&min, &max)
        && min.value > max.value
    {
        reader.error_with_help(
            max.location.clone(),
            format!(
                "`scaling.max` ({}) is below `scaling.min` ({})",
                max.value, min.value
            ),
            "raise `max` to at least `min`, or lower `min`",
        );
    }
    if let Some(headroom) = &headroom
        && !(0.0..1.0).contains(&headroom.value)
    {
        reader.error_with_help(
            headroom.location.clone(),
            format!(
                "`scaling.headroom` must be at least 0 and below 1, found {}",
                headroom.value
            ),
            "use a fraction such as `0.4`, the share of capacity kept free",
        );
    }
    ScalingOverride {
        min: min.map(|m| m.value),
        max: max.map(|m| m.value),
        headroom: headroom.map(|h| h.value),
    }
}

pub(super) fn read_resources(reader: &mut Reader<'_>, node: &Node) -> ResourcesOverride {
    let Some(map) = reader.mapping(node, "`resources`") else {
        return ResourcesOverride::default();
    };
    let fields = reader.fields(map, &["cpu", "memory"]);
    let mut quantity = |key: &str| {
        fields
            .get(key)
            .and_then(|node| reader.string(node, &format!("`resources.{key}`")))
            .map(|s| s.value)
    };
    ResourcesOverride {
        cpu: quantity("cpu"),
        memory: quantity("memory"),
    }
}

fn read_deploy(reader: &mut Reader<'_>, node: &Node) -> Deploy {
    let defaults = Deploy::default();
    let Some(map) = reader.mapping(node, "`deploy`") else {
        return defaults;
    };
    let fields = reader.fields(map, &["engine", "registry"]);
    let engine = fields
        .get("engine")
        .and_then(|node| reader.choice(node, "`deploy.engine`", &["argo-rollouts", "plain"]))
        .map_or(defaults.engine, |engine| match engine.value.as_str() {
            "plain" => DeployEngine::Plain,
            _ => DeployEngine::ArgoRollouts,
        });
    let registry = fields
        .get("registry")
        .and_then(|node| reader.string(node, "`deploy.registry`"))
        .map_or(defaults.registry, |s| s.value);
    Deploy { engine, registry }
}
