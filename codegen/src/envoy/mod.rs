//! `gen/envoy/`: the Envoy in front of the servlets. `bootstrap.yaml` is built as typed
//! `envoy-types` values and serialised once; `descriptors.pb` is what its gRPC-JSON
//! transcoder reads.
//!
//! The committed bootstrap is for the cluster: each servlet is its Kubernetes Service
//! (`files:50051`), the descriptors are mounted at [`DESCRIPTOR_PATH`]. [`local_bootstrap`]
//! places the same config on one machine, for `orrery dev` and the tests.

mod bootstrap;
mod descriptors;
mod yaml;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use orrery_model::{Diagnostic, Location, Repository, RuleId};
use prost::Message as _;

pub use bootstrap::{DESCRIPTOR_PATH, MAX_BODY_BYTES, SERVLET_GRPC_PORT};
use bootstrap::{Plan, ServletRoutes, Upstream};
pub(crate) use descriptors::with_header;

use crate::{GeneratedFile, header};

/// `gen/envoy/bootstrap.yaml` and `gen/envoy/descriptors.pb`, or why they cannot be built.
pub fn envoy_files(repository: &Repository) -> (Vec<GeneratedFile>, Vec<Diagnostic>) {
    if repository.apis.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let result = cluster_plan(repository).and_then(|plan| {
        let apis: Vec<_> = repository.apis.values().collect();
        let descriptors = descriptors::descriptor_set(&apis)?;
        let yaml = render(&plan, &sources(repository))?;
        Ok(vec![
            GeneratedFile::text("gen/envoy/bootstrap.yaml", yaml),
            GeneratedFile {
                path: "gen/envoy/descriptors.pb".to_owned(),
                contents: descriptors,
            },
        ])
    });
    match result {
        Ok(files) => (files, Vec::new()),
        Err(problem) => (Vec::new(), vec![*problem]),
    }
}

/// The same bootstrap placed on one machine: every servlet at `servlets[name]` (a monolith's
/// address, or each servlet's own process), Envoy on `listen` with admin on `admin`, the
/// descriptor set read from `descriptor_path`.
pub fn local_bootstrap(
    repository: &Repository,
    servlets: &BTreeMap<String, SocketAddr>,
    listen: SocketAddr,
    admin: SocketAddr,
    descriptor_path: &str,
) -> Result<String, Box<Diagnostic>> {
    let mut plan = cluster_plan(repository)?;
    plan.listen = listen;
    plan.admin = admin;
    plan.descriptor_path = descriptor_path.to_owned();
    for upstream in &mut plan.upstreams {
        if let Some(address) = servlets.get(&upstream.name) {
            upstream.host = address.ip().to_string();
            upstream.port = address.port();
            upstream.dns = false;
        }
    }
    render(&plan, &sources(repository))
}

/// The descriptor set `gen/envoy/descriptors.pb` holds, for a local bootstrap to point at.
pub fn descriptor_set(repository: &Repository) -> Result<Vec<u8>, Box<Diagnostic>> {
    let apis: Vec<_> = repository.apis.values().collect();
    descriptors::descriptor_set(&apis)
}

fn render(plan: &Plan, sources: &[String]) -> Result<String, Box<Diagnostic>> {
    let encoded = bootstrap::bootstrap(plan).encode_to_vec();
    let yaml = yaml::to_yaml("envoy.config.bootstrap.v3.Bootstrap", &encoded).map_err(|error| {
        Box::new(
            Diagnostic::new(
                RuleId::Input,
                Location::file("orrery.yaml"),
                format!("cannot write the Envoy bootstrap as YAML: {error}"),
            )
            .with_help("this is a bug in orrery: please report it with orrery.yaml"),
        )
    })?;
    Ok(format!("# {}\n{yaml}", header(sources)))
}

fn sources(repository: &Repository) -> Vec<String> {
    let mut sources = vec!["orrery.yaml".to_owned()];
    sources.extend(
        repository
            .apis
            .keys()
            .map(|servlet| format!("{}/servlet.yaml", servlet.as_str())),
    );
    sources.push("the servlets' protos".to_owned());
    sources
}

/// The cluster placement: listener and admin from orrery.yaml, servlets by DNS.
fn cluster_plan(repository: &Repository) -> Result<Plan, Box<Diagnostic>> {
    let Some(config) = &repository.config else {
        return Err(Box::new(
            Diagnostic::new(
                RuleId::Manifest,
                Location::file("orrery.yaml"),
                "the Envoy config needs orrery.yaml",
            )
            .with_help("create orrery.yaml at the repository root"),
        ));
    };
    let listen = address(&config.envoy.listen, "envoy.listen")?;
    let admin = address(&config.envoy.admin, "envoy.admin")?;
    let mut servlets = BTreeMap::new();
    let mut upstreams = Vec::new();
    for (id, api) in &repository.apis {
        let name = id.as_str().trim_start_matches("servlets/").to_owned();
        let timeout_ms = repository
            .components
            .get(id)
            .and_then(|component| match &component.manifest {
                orrery_model::component::Manifest::Servlet(manifest) => manifest.timeout_ms,
                orrery_model::component::Manifest::Library(_) => None,
            })
            .unwrap_or(config.defaults.timeout_ms);
        let services = api
            .pool
            .files()
            .filter(|file| api.files.iter().any(|own| own == file.name()))
            .flat_map(|file| {
                file.services()
                    .map(|s| s.full_name().to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        servlets.insert(
            name.clone(),
            ServletRoutes {
                services,
                timeout_ms,
            },
        );
        upstreams.push(Upstream {
            // The servlet's Kubernetes Service (gen/k8s), named like every object of it.
            host: crate::k8s::model::object_name(&name),
            name,
            port: SERVLET_GRPC_PORT,
            dns: true,
            tls: false,
            health_checked: true,
        });
    }
    for (name, service) in &config.services {
        let (host, port) = host_port(&service.address.value).ok_or_else(|| {
            Box::new(
                Diagnostic::new(
                    RuleId::Manifest,
                    service.address.location.clone(),
                    format!(
                        "service `{name}` has address `{}`, not HOST:PORT",
                        service.address.value
                    ),
                )
                .with_help("write the address as `host:port`, such as `metadata.internal:443`"),
            )
        })?;
        upstreams.push(Upstream {
            name: name.clone(),
            dns: host.parse::<std::net::IpAddr>().is_err(),
            tls: port == 443,
            host,
            port,
            health_checked: false,
        });
    }
    Ok(Plan {
        listen,
        admin,
        descriptor_path: DESCRIPTOR_PATH.to_owned(),
        servlets,
        upstreams,
    })
}

fn address(text: &str, key: &str) -> Result<SocketAddr, Box<Diagnostic>> {
    text.parse().map_err(|_| {
        Box::new(
            Diagnostic::new(
                RuleId::Manifest,
                Location::file("orrery.yaml"),
                format!("`{key}` is `{text}`, not IP:PORT"),
            )
            .with_help("write an IP address and a port, such as `0.0.0.0:8080`"),
        )
    })
}

fn host_port(address: &str) -> Option<(String, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then_some(())?;
    Some((host.to_owned(), port.parse().ok()?))
}
