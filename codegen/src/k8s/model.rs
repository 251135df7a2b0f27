//! The typed deployment model: everything the templates know about one servlet's deployment,
//! derived from its servlet.yaml, orrery.yaml's defaults and the runtime's contract. Each
//! policy orrery applies (PDB, limits, default SLO, canary margins) is decided here, in one
//! place, so the templates only lay values out.

use std::collections::BTreeMap;

use orrery_model::component::Manifest;
use orrery_model::manifest::{Config, DeployEngine, ServletManifest, Tier};
use orrery_model::{ComponentId, Repository};
use serde::Serialize;

use crate::envoy::SERVLET_GRPC_PORT;

/// The port every servlet serves `/metrics` on (`ORRERY_METRICS_LISTEN`).
pub const METRICS_PORT: u16 = 9090;
/// The path of the runtime's Prometheus endpoint.
pub const METRICS_PATH: &str = "/metrics";
/// The runtime's default drain after SIGTERM (`ORRERY_DRAIN_TIMEOUT_MS`), set explicitly.
pub const DRAIN_TIMEOUT_MS: u32 = 10_000;
/// How long a terminating pod keeps serving before the runtime sees SIGTERM, so that the
/// endpoints controller and every proxy stop sending it new calls first.
pub const PRE_STOP_SLEEP_SECONDS: u32 = 5;
/// Slack between the end of the drain and the kubelet's SIGKILL.
pub const TERMINATION_MARGIN_SECONDS: u32 = 15;
/// The tag of every image: the CD system pins the pushed version (see the README).
pub const IMAGE_TAG: &str = "latest";
/// The availability objective of a servlet whose manifest sets no `slo`, in percent.
pub const DEFAULT_AVAILABILITY: f64 = 99.9;
/// The prefix of orrery's own labels and annotations.
pub const LABEL_PREFIX: &str = "orrery.dev";
/// The pod label that tells the canary, the control and production apart, and the
/// Prometheus label it becomes (`podTargetLabels` in the ServiceMonitor).
pub const TRACK_LABEL: &str = "track";
/// Where the AnalysisTemplate asks Prometheus: the `prometheus-operated` Service that the
/// Prometheus Operator creates, in the `monitoring` namespace of kube-prometheus.
pub const PROMETHEUS_ADDRESS: &str = "http://prometheus-operated.monitoring.svc:9090";

/// gRPC codes that count against a servlet's availability: the server failed or gave up.
/// The others (`CANCELLED`, `INVALID_ARGUMENT`, `NOT_FOUND`, `ALREADY_EXISTS`,
/// `PERMISSION_DENIED`, `FAILED_PRECONDITION`, `ABORTED`, `OUT_OF_RANGE`, `UNAUTHENTICATED`)
/// are answers about the caller's request, and `OK` is success.
pub const ERROR_CODES: [&str; 7] = [
    "UNKNOWN",
    "DEADLINE_EXCEEDED",
    "RESOURCE_EXHAUSTED",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
];

/// One servlet's deployment. Its fields are the templates' variables.
#[derive(Clone, Debug, Serialize)]
pub struct Deployment {
    /// The name of every Kubernetes object of the servlet, and of its Service: the servlet's
    /// name with `_` written `-` (object names are DNS labels).
    pub name: String,
    pub servlet: Servlet,
    /// `argo-rollouts` or `plain`, from `deploy.engine`.
    pub engine: &'static str,
    /// Labels and annotations of every object.
    pub metadata: Metadata,
    /// The labels that select the servlet's pods, whatever their track.
    pub selector: BTreeMap<String, String>,
    pub pod: Pod,
    pub replicas: Replicas,
    pub autoscaling: Autoscaling,
    /// What the HorizontalPodAutoscaler scales: the Rollout, or the production Deployment.
    pub workload: Workload,
    pub disruption: Disruption,
    pub slo: Slo,
    pub monitoring: Monitoring,
    pub canary: Canary,
}

#[derive(Clone, Debug, Serialize)]
pub struct Servlet {
    /// As in `servlets/<name>/`.
    pub name: String,
    pub owner: String,
    /// `critical`, `standard` or `background`.
    pub tier: &'static str,
    pub description: Option<String>,
    /// The servlet.yaml it comes from.
    pub manifest: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Metadata {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// The pod template shared by every workload of the servlet.
#[derive(Clone, Debug, Serialize)]
pub struct Pod {
    pub container: Container,
    pub termination: Termination,
    pub probes: Probes,
}

#[derive(Clone, Debug, Serialize)]
pub struct Container {
    pub name: String,
    /// `<deploy.registry>/<servlet>:<tag>`.
    pub image: String,
    /// The servlet's server binary, `<servlet>_server`, on the image's PATH.
    pub command: String,
    pub ports: Ports,
    /// Sorted by name.
    pub env: Vec<EnvVar>,
    pub resources: Resources,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ports {
    pub grpc: u16,
    pub metrics: u16,
    pub metrics_path: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// Requests from the manifest; the memory limit equals the request, and there is no CPU limit.
#[derive(Clone, Debug, Serialize)]
pub struct Resources {
    pub requests: Quantities,
    pub limits: MemoryLimit,
}

#[derive(Clone, Debug, Serialize)]
pub struct Quantities {
    pub cpu: String,
    pub memory: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemoryLimit {
    pub memory: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Termination {
    pub drain_timeout_ms: u32,
    pub pre_stop_sleep_seconds: u32,
    /// The pre-stop sleep, the drain and a margin: the kubelet never kills a draining server.
    pub grace_period_seconds: u32,
}

/// gRPC health probes (grpc.health.v1, service `""`: the whole server) on the gRPC port.
#[derive(Clone, Debug, Serialize)]
pub struct Probes {
    pub startup: Probe,
    pub readiness: Probe,
    pub liveness: Probe,
}

#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failure_threshold: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Replicas {
    pub min: u32,
    pub max: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Autoscaling {
    /// The share of capacity kept free, from the manifest.
    pub headroom: f64,
    /// round((1 − headroom) × 100).
    pub target_cpu_utilization: u32,
    pub scale_down: ScalingRules,
    pub scale_up: ScalingRules,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalingRules {
    pub stabilization_window_seconds: u32,
    /// `Max` or `Min`, Kubernetes' `selectPolicy`.
    pub select_policy: &'static str,
    pub policies: Vec<ScalingPolicy>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalingPolicy {
    /// `Percent` or `Pods`.
    pub kind: &'static str,
    pub value: u32,
    pub period_seconds: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Workload {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub name: String,
}

/// The PodDisruptionBudget's `maxUnavailable`: a count or a percentage (rounded up by
/// Kubernetes, so never 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(u32),
    Percent(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct Disruption {
    pub max_unavailable: IntOrPercent,
}

#[derive(Clone, Debug, Serialize)]
pub struct Slo {
    /// Percent of calls that succeed, e.g. `99.95`.
    pub availability: String,
    /// The share of calls allowed to fail: 1 − availability / 100.
    pub error_budget: String,
    pub latency_p99_ms: Option<u32>,
    pub latency_p99_seconds: Option<String>,
    /// The latency alert pages for a critical servlet, and opens a ticket otherwise.
    pub latency_severity: &'static str,
    /// The multi-window, multi-burn-rate alerts.
    pub burn_rates: Vec<BurnRate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BurnRate {
    /// `page` or `ticket`.
    pub severity: &'static str,
    pub factor: String,
    pub long_window: &'static str,
    pub short_window: &'static str,
    /// factor × error budget: the error ratio both windows must exceed.
    pub threshold: String,
    /// The same, in percent.
    pub threshold_percent: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Monitoring {
    pub scrape_interval: &'static str,
    pub track_label: &'static str,
    /// [`ERROR_CODES`].
    pub error_codes: Vec<&'static str>,
    /// The same, as a PromQL regular expression (`UNKNOWN|DEADLINE_EXCEEDED|...`).
    pub error_codes_regex: String,
}

/// The Atlas push: canary and control at equal size, analysed against each other, then
/// traffic steps to production.
#[derive(Clone, Debug, Serialize)]
pub struct Canary {
    /// Pods of the canary, and as many of the control.
    pub replicas: u32,
    /// Traffic steps after a successful analysis; the Rollout then goes to 100%.
    pub steps: Vec<TrafficStep>,
    pub analysis: Analysis,
    pub abort_scale_down_delay_seconds: u32,
    pub progress_deadline_seconds: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrafficStep {
    pub weight: u32,
    pub pause: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// The AnalysisTemplate's name.
    pub template: String,
    pub prometheus_address: &'static str,
    pub initial_delay: &'static str,
    pub interval: &'static str,
    pub count: u32,
    pub failure_limit: u32,
    pub inconclusive_limit: u32,
    /// The `rate()` window of every query.
    pub rate_window: &'static str,
    /// How much worse than the control the canary may be; each is an argument of the
    /// AnalysisTemplate with this default.
    pub margins: Margins,
}

#[derive(Clone, Debug, Serialize)]
pub struct Margins {
    /// Canary error ratio minus control error ratio, absolute: the servlet's error budget.
    pub error_ratio: String,
    /// Canary p99 latency over control p99 latency, minus 1.
    pub latency_p99: String,
    /// Canary CPU per pod over control CPU per pod, minus 1.
    pub cpu: String,
}

/// The relative margins of latency and CPU: 25% worse than the control fails.
pub const RELATIVE_MARGIN: &str = "0.25";

/// The deployment of every servlet with an API (the servlets that have a server binary),
/// sorted by name. Nothing without orrery.yaml.
pub fn deployments(repository: &Repository) -> Vec<Deployment> {
    let Some(config) = &repository.config else {
        return Vec::new();
    };
    repository
        .apis
        .keys()
        .filter_map(|id| {
            let component = repository.components.get(id)?;
            match &component.manifest {
                Manifest::Servlet(manifest) => Some(deployment(
                    repository,
                    config,
                    manifest,
                    &component.manifest_path,
                )),
                Manifest::Library(_) => None,
            }
        })
        .collect()
}

/// The Kubernetes name of a servlet's objects and Service: `_` becomes `-`.
pub fn object_name(servlet: &str) -> String {
    servlet.replace('_', "-")
}

fn deployment(
    repository: &Repository,
    config: &Config,
    manifest: &ServletManifest,
    manifest_path: &str,
) -> Deployment {
    let servlet = manifest.name.value.clone();
    let name = object_name(&servlet);
    let owner = manifest
        .owner
        .as_ref()
        .map_or_else(String::new, |owner| owner.value.clone());
    let tier = manifest.tier;
    let scaling = manifest.scaling.over(&config.defaults.scaling);
    let resources = manifest.resources.over(&config.defaults.resources);
    let (argo, workload) = match config.deploy.engine {
        DeployEngine::ArgoRollouts => (
            true,
            Workload {
                api_version: "argoproj.io/v1alpha1",
                kind: "Rollout",
                name: name.clone(),
            },
        ),
        DeployEngine::Plain => (
            false,
            Workload {
                api_version: "apps/v1",
                kind: "Deployment",
                name: format!("{name}-production"),
            },
        ),
    };
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), name.clone()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "orrery".to_owned(),
        ),
        (format!("{LABEL_PREFIX}/servlet"), servlet.clone()),
        (format!("{LABEL_PREFIX}/owner"), owner.clone()),
        (format!("{LABEL_PREFIX}/tier"), tier.as_str().to_owned()),
    ]);
    let mut annotations = BTreeMap::from([
        (format!("{LABEL_PREFIX}/servlet"), servlet.clone()),
        (format!("{LABEL_PREFIX}/owner"), owner.clone()),
        (format!("{LABEL_PREFIX}/tier"), tier.as_str().to_owned()),
        (format!("{LABEL_PREFIX}/manifest"), manifest_path.to_owned()),
    ]);
    if let Some(description) = &manifest.description {
        annotations.insert(format!("{LABEL_PREFIX}/description"), description.clone());
    }
    let slo = slo(manifest, tier);
    let error_budget = slo.error_budget.clone();
    Deployment {
        servlet: Servlet {
            name: servlet.clone(),
            owner,
            tier: tier.as_str(),
            description: manifest.description.clone(),
            manifest: manifest_path.to_owned(),
        },
        engine: if argo { "argo-rollouts" } else { "plain" },
        metadata: Metadata {
            labels,
            annotations,
        },
        selector: BTreeMap::from([(format!("{LABEL_PREFIX}/servlet"), servlet.clone())]),
        pod: Pod {
            container: Container {
                name: name.clone(),
                image: format!(
                    "{}/{servlet}:{IMAGE_TAG}",
                    config.deploy.registry.trim_end_matches('/')
                ),
                command: format!("{servlet}_server"),
                ports: Ports {
                    grpc: SERVLET_GRPC_PORT,
                    metrics: METRICS_PORT,
                    metrics_path: METRICS_PATH,
                },
                env: environment(repository, manifest),
                resources: Resources {
                    requests: Quantities {
                        cpu: resources.cpu,
                        memory: resources.memory.clone(),
                    },
                    limits: MemoryLimit {
                        memory: resources.memory,
                    },
                },
            },
            termination: Termination {
                drain_timeout_ms: DRAIN_TIMEOUT_MS,
                pre_stop_sleep_seconds: PRE_STOP_SLEEP_SECONDS,
                grace_period_seconds: grace_period_seconds(),
            },
            probes: Probes {
                startup: Probe {
                    period_seconds: 2,
                    timeout_seconds: 1,
                    failure_threshold: 30,
                },
                readiness: Probe {
                    period_seconds: 5,
                    timeout_seconds: 1,
                    failure_threshold: 2,
                },
                liveness: Probe {
                    period_seconds: 10,
                    timeout_seconds: 5,
                    failure_threshold: 3,
                },
            },
        },
        replicas: Replicas {
            min: scaling.min,
            max: scaling.max,
        },
        autoscaling: Autoscaling {
            headroom: scaling.headroom,
            target_cpu_utilization: target_utilization(scaling.headroom),
            scale_down: ScalingRules {
                stabilization_window_seconds: 300,
                select_policy: "Min",
                policies: vec![ScalingPolicy {
                    kind: "Percent",
                    value: 20,
                    period_seconds: 60,
                }],
            },
            scale_up: ScalingRules {
                stabilization_window_seconds: 0,
                select_policy: "Max",
                policies: vec![
                    ScalingPolicy {
                        kind: "Percent",
                        value: 100,
                        period_seconds: 30,
                    },
                    ScalingPolicy {
                        kind: "Pods",
                        value: 4,
                        period_seconds: 30,
                    },
                ],
            },
        },
        workload,
        disruption: Disruption {
            max_unavailable: max_unavailable(tier, scaling.min),
        },
        slo,
        monitoring: Monitoring {
            scrape_interval: "15s",
            track_label: TRACK_LABEL,
            error_codes: ERROR_CODES.to_vec(),
            error_codes_regex: ERROR_CODES.join("|"),
        },
        canary: Canary {
            replicas: 1,
            steps: [10, 25, 50]
                .into_iter()
                .map(|weight| TrafficStep {
                    weight,
                    pause: "5m",
                })
                .collect(),
            analysis: Analysis {
                template: format!("{name}-canary-vs-control"),
                prometheus_address: PROMETHEUS_ADDRESS,
                initial_delay: "5m",
                interval: "5m",
                count: 3,
                failure_limit: 0,
                inconclusive_limit: 1,
                rate_window: "5m",
                margins: Margins {
                    error_ratio: error_budget,
                    latency_p99: RELATIVE_MARGIN.to_owned(),
                    cpu: RELATIVE_MARGIN.to_owned(),
                },
            },
            abort_scale_down_delay_seconds: 30,
            progress_deadline_seconds: 600,
        },
        name,
    }
}

/// The runtime's listeners and drain, and where each called servlet is served: its Service.
fn environment(repository: &Repository, manifest: &ServletManifest) -> Vec<EnvVar> {
    let listen = |port: u16| format!("0.0.0.0:{port}");
    let mut env = vec![
        EnvVar {
            name: "ORRERY_LISTEN".to_owned(),
            value: listen(SERVLET_GRPC_PORT),
        },
        EnvVar {
            name: "ORRERY_METRICS_LISTEN".to_owned(),
            value: listen(METRICS_PORT),
        },
        EnvVar {
            name: "ORRERY_DRAIN_TIMEOUT_MS".to_owned(),
            value: DRAIN_TIMEOUT_MS.to_string(),
        },
    ];
    // Services outside orrery (orrery.yaml's `services`) get no typed client, so no endpoint.
    for callee in &manifest.calls {
        let id = ComponentId::new(format!("servlets/{}", callee.value));
        if repository.apis.contains_key(&id) {
            env.push(EnvVar {
                name: format!("ORRERY_ENDPOINT_{}", callee.value.to_ascii_uppercase()),
                value: format!("http://{}:{SERVLET_GRPC_PORT}", object_name(&callee.value)),
            });
        }
    }
    env.sort_by(|a, b| a.name.cmp(&b.name));
    env.dedup_by(|a, b| a.name == b.name);
    env
}

/// How long the kubelet waits for a terminating pod before SIGKILL: the pre-stop sleep, the
/// drain, and a margin.
pub fn grace_period_seconds() -> u32 {
    PRE_STOP_SLEEP_SECONDS + DRAIN_TIMEOUT_MS.div_ceil(1000) + TERMINATION_MARGIN_SECONDS
}

/// The HorizontalPodAutoscaler's CPU target: what is left once the headroom is kept free.
pub fn target_utilization(headroom: f64) -> u32 {
    ((1.0 - headroom) * 100.0).round().clamp(1.0, 100.0) as u32
}

/// How many of a servlet's pods a voluntary disruption (a node drain) may take at once:
/// a critical servlet loses one pod at a time, or 10% once it runs more than ten; a standard
/// one 25%, a background one 50%. Percentages round up, so a drain is never blocked.
pub fn max_unavailable(tier: Tier, min_replicas: u32) -> IntOrPercent {
    match tier {
        Tier::Critical if min_replicas > 10 => IntOrPercent::Percent("10%".to_owned()),
        Tier::Critical => IntOrPercent::Int(1),
        Tier::Standard => IntOrPercent::Percent("25%".to_owned()),
        Tier::Background => IntOrPercent::Percent("50%".to_owned()),
    }
}

/// The objective (the manifest's, else [`DEFAULT_AVAILABILITY`]) and the alerts it drives:
/// page at 14.4× the budget's burn over 1h and 5m, and at 6× over 6h and 30m; ticket at 1×
/// over 3d and 6h (the Google SRE workbook's multi-window, multi-burn-rate alerts).
fn slo(manifest: &ServletManifest, tier: Tier) -> Slo {
    let availability = manifest
        .slo
        .as_ref()
        .map_or(DEFAULT_AVAILABILITY, |slo| slo.availability);
    let budget = (100.0 - availability) / 100.0;
    let latency = manifest.slo.as_ref().and_then(|slo| slo.latency_p99_ms);
    let burn = |severity, factor: f64, long_window, short_window| BurnRate {
        severity,
        factor: decimal(factor),
        long_window,
        short_window,
        threshold: decimal(factor * budget),
        threshold_percent: decimal(factor * budget * 100.0),
    };
    Slo {
        availability: decimal(availability),
        error_budget: decimal(budget),
        latency_p99_ms: latency,
        latency_p99_seconds: latency.map(|ms| decimal(f64::from(ms) / 1000.0)),
        latency_severity: if tier == Tier::Critical {
            "page"
        } else {
            "ticket"
        },
        burn_rates: vec![
            burn("page", 14.4, "1h", "5m"),
            burn("page", 6.0, "6h", "30m"),
            burn("ticket", 1.0, "3d", "6h"),
        ],
    }
}

/// A number as PromQL and YAML read it: at most ten decimals, no trailing zeros, so the
/// floating-point noise of `(100 - 99.95) / 100` does not show.
pub fn decimal(value: f64) -> String {
    let text = format!("{value:.10}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_drop_floating_point_noise() {
        assert_eq!(decimal((100.0 - 99.95) / 100.0), "0.0005");
        assert_eq!(decimal(14.4 * (100.0 - 99.9) / 100.0), "0.0144");
        assert_eq!(decimal(99.0), "99");
        assert_eq!(decimal(6.0), "6");
        assert_eq!(decimal(0.15), "0.15");
    }

    #[test]
    fn the_autoscaler_keeps_the_headroom_free() {
        assert_eq!(target_utilization(0.3), 70);
        assert_eq!(target_utilization(0.4), 60);
        assert_eq!(target_utilization(0.5), 50);
        assert_eq!(target_utilization(0.0), 100);
    }

    #[test]
    fn disruption_budgets_follow_tier_and_replicas() {
        assert_eq!(max_unavailable(Tier::Critical, 4), IntOrPercent::Int(1));
        assert_eq!(
            max_unavailable(Tier::Critical, 12),
            IntOrPercent::Percent("10%".into())
        );
        assert_eq!(
            max_unavailable(Tier::Standard, 2),
            IntOrPercent::Percent("25%".into())
        );
        assert_eq!(
            max_unavailable(Tier::Background, 1),
            IntOrPercent::Percent("50%".into())
        );
    }

    #[test]
    fn the_grace_period_outlasts_the_pre_stop_sleep_and_the_drain() {
        let needed_ms = PRE_STOP_SLEEP_SECONDS * 1000 + DRAIN_TIMEOUT_MS;
        assert!(grace_period_seconds() * 1000 > needed_ms);
        assert_eq!(grace_period_seconds(), 30);
    }
}
