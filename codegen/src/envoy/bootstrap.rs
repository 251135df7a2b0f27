//! The Envoy bootstrap, as typed values from `envoy-types`: one listener with
//! `buffer` → `grpc_web` → `grpc_json_transcoder` → `router`, a route per servlet service on its gRPC
//! prefix, a cluster per servlet and per external service, JSON access logs, admin on loopback.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use envoy_types::pb::envoy::config::accesslog::v3::{AccessLog, access_log};
use envoy_types::pb::envoy::config::bootstrap::v3::{Admin, Bootstrap, bootstrap};
use envoy_types::pb::envoy::config::cluster::v3::{
    CircuitBreakers, Cluster, OutlierDetection, circuit_breakers, cluster,
};
use envoy_types::pb::envoy::config::core::v3::{
    Address, HealthCheck, Http2ProtocolOptions, RoutingPriority, SocketAddress,
    SubstitutionFormatString, TransportSocket, address, health_check, socket_address,
    substitution_format_string, transport_socket,
};
use envoy_types::pb::envoy::config::endpoint::v3::{
    ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints, lb_endpoint,
};
use envoy_types::pb::envoy::config::listener::v3::{Filter, FilterChain, Listener, filter};
use envoy_types::pb::envoy::config::route::v3::{
    Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost, route, route_action,
    route_match,
};
use envoy_types::pb::envoy::extensions::access_loggers::stream::v3::{
    StdoutAccessLog, stdout_access_log,
};
use envoy_types::pb::envoy::extensions::filters::http::buffer::v3::Buffer;
use envoy_types::pb::envoy::extensions::filters::http::grpc_json_transcoder::v3::{
    GrpcJsonTranscoder, grpc_json_transcoder,
};
use envoy_types::pb::envoy::extensions::filters::http::grpc_web::v3::GrpcWeb;
use envoy_types::pb::envoy::extensions::filters::http::router::v3::Router;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    HttpConnectionManager, HttpFilter, http_connection_manager, http_filter,
};
use envoy_types::pb::envoy::extensions::transport_sockets::tls::v3::{
    CommonTlsContext, UpstreamTlsContext,
};
use envoy_types::pb::envoy::extensions::upstreams::http::v3::{
    HttpProtocolOptions, http_protocol_options,
};
use envoy_types::pb::google::protobuf::{Any, Duration, Struct, UInt32Value, Value, value};
use prost::Name;

/// The port every servlet serves gRPC on in the cluster (the runtime's default).
pub const SERVLET_GRPC_PORT: u16 = 50051;

/// Where the descriptor set is mounted in the cluster.
pub const DESCRIPTOR_PATH: &str = "/etc/orrery/envoy/descriptors.pb";

/// The largest request body the transcoder buffers; a larger one is answered 413. Matches the
/// runtime's default message limit.
pub const MAX_BODY_BYTES: u32 = 4 * 1024 * 1024;

/// One upstream Envoy routes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// The cluster's name: the servlet's or the external service's.
    pub name: String,
    pub host: String,
    pub port: u16,
    /// Resolve `host` by DNS (a Kubernetes Service, an external name) rather than as an IP.
    pub dns: bool,
    /// Speak TLS to it (an external service on port 443).
    pub tls: bool,
    /// Check it with grpc.health.v1 (servlets, which the runtime serves it for).
    pub health_checked: bool,
}

/// What the bootstrap is built from: the model's facts, resolved for one placement.
#[derive(Clone, Debug)]
pub struct Plan {
    pub listen: SocketAddr,
    pub admin: SocketAddr,
    pub descriptor_path: String,
    /// Each servlet's gRPC services (`orrery.files.v1.FilesService`) with its route timeout.
    pub servlets: BTreeMap<String, ServletRoutes>,
    pub upstreams: Vec<Upstream>,
}

#[derive(Clone, Debug)]
pub struct ServletRoutes {
    pub services: Vec<String>,
    pub timeout_ms: u32,
}

/// The bootstrap for `plan`.
pub fn bootstrap(plan: &Plan) -> Bootstrap {
    Bootstrap {
        admin: Some(Admin {
            address: Some(socket(&plan.admin.ip().to_string(), plan.admin.port())),
            ..Default::default()
        }),
        static_resources: Some(bootstrap::StaticResources {
            listeners: vec![listener(plan)],
            clusters: plan.upstreams.iter().map(cluster).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn listener(plan: &Plan) -> Listener {
    let manager = HttpConnectionManager {
        stat_prefix: "ingress".to_owned(),
        route_specifier: Some(http_connection_manager::RouteSpecifier::RouteConfig(
            routes(plan),
        )),
        http_filters: vec![
            // The transcoder streams JSON into protobuf as it arrives, so its
            // `max_request_body_size` only bounds what it holds at once; the buffer filter
            // answers 413 to any body above the limit before the transcoder sees it.
            http_filter(
                "envoy.filters.http.buffer",
                &Buffer {
                    max_request_bytes: Some(UInt32Value {
                        value: MAX_BODY_BYTES,
                    }),
                },
            ),
            http_filter("envoy.filters.http.grpc_web", &GrpcWeb::default()),
            http_filter("envoy.filters.http.grpc_json_transcoder", &transcoder(plan)),
            http_filter("envoy.filters.http.router", &Router::default()),
        ],
        access_log: vec![access_log()],
        ..Default::default()
    };
    Listener {
        name: "ingress".to_owned(),
        address: Some(socket(&plan.listen.ip().to_string(), plan.listen.port())),
        filter_chains: vec![FilterChain {
            filters: vec![Filter {
                name: "envoy.filters.network.http_connection_manager".to_owned(),
                config_type: Some(filter::ConfigType::TypedConfig(any(&manager))),
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// One route per servlet service, on its gRPC prefix: the transcoder has already rewritten a
/// JSON request's path to `/package.Service/Method` when routing happens.
fn routes(plan: &Plan) -> RouteConfiguration {
    let routes = plan
        .servlets
        .iter()
        .flat_map(|(servlet, routes)| {
            routes.services.iter().map(move |service| Route {
                name: service.clone(),
                r#match: Some(RouteMatch {
                    path_specifier: Some(route_match::PathSpecifier::Prefix(format!(
                        "/{service}/"
                    ))),
                    ..Default::default()
                }),
                action: Some(route::Action::Route(RouteAction {
                    cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(
                        servlet.clone(),
                    )),
                    timeout: Some(millis(routes.timeout_ms)),
                    ..Default::default()
                })),
                ..Default::default()
            })
        })
        .collect();
    RouteConfiguration {
        name: "servlets".to_owned(),
        virtual_hosts: vec![VirtualHost {
            name: "servlets".to_owned(),
            domains: vec!["*".to_owned()],
            routes,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn transcoder(plan: &Plan) -> GrpcJsonTranscoder {
    GrpcJsonTranscoder {
        descriptor_set: Some(grpc_json_transcoder::DescriptorSet::ProtoDescriptor(
            plan.descriptor_path.clone(),
        )),
        services: plan
            .servlets
            .values()
            .flat_map(|routes| routes.services.iter().cloned())
            .collect(),
        print_options: Some(grpc_json_transcoder::PrintOptions {
            preserve_proto_field_names: true,
            ..Default::default()
        }),
        convert_grpc_status: true,
        request_validation_options: Some(grpc_json_transcoder::RequestValidationOptions {
            reject_unknown_method: true,
            reject_unknown_query_parameters: true,
            ..Default::default()
        }),
        max_request_body_size: Some(UInt32Value {
            value: MAX_BODY_BYTES,
        }),
        max_response_body_size: Some(UInt32Value {
            value: MAX_BODY_BYTES,
        }),
        ..Default::default()
    }
}

/// JSON lines on stdout, one per request.
fn access_log() -> AccessLog {
    let fields = [
        ("start_time", "%START_TIME%"),
        ("method", "%REQ(:METHOD)%"),
        ("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"),
        ("protocol", "%PROTOCOL%"),
        ("status", "%RESPONSE_CODE%"),
        ("grpc_status", "%GRPC_STATUS%"),
        ("response_flags", "%RESPONSE_FLAGS%"),
        ("duration_ms", "%DURATION%"),
        ("upstream", "%UPSTREAM_CLUSTER%"),
        ("bytes_received", "%BYTES_RECEIVED%"),
        ("bytes_sent", "%BYTES_SENT%"),
        ("request_id", "%REQ(X-REQUEST-ID)%"),
    ];
    let format = Struct {
        fields: fields
            .iter()
            .map(|(key, command)| {
                (
                    (*key).to_owned(),
                    Value {
                        kind: Some(value::Kind::StringValue((*command).to_owned())),
                    },
                )
            })
            .collect(),
    };
    let stdout = StdoutAccessLog {
        access_log_format: Some(stdout_access_log::AccessLogFormat::LogFormat(
            SubstitutionFormatString {
                format: Some(substitution_format_string::Format::JsonFormat(format)),
                ..Default::default()
            },
        )),
    };
    AccessLog {
        name: "envoy.access_loggers.stdout".to_owned(),
        config_type: Some(access_log::ConfigType::TypedConfig(any(&stdout))),
        ..Default::default()
    }
}

fn cluster(upstream: &Upstream) -> Cluster {
    let discovery = if upstream.dns {
        cluster::DiscoveryType::StrictDns
    } else {
        cluster::DiscoveryType::Static
    };
    // Every upstream speaks gRPC, so HTTP/2; without it Envoy answers 502 at run time.
    let http2 = HttpProtocolOptions {
        upstream_protocol_options: Some(
            http_protocol_options::UpstreamProtocolOptions::ExplicitHttpConfig(
                http_protocol_options::ExplicitHttpConfig {
                    protocol_config: Some(
                        http_protocol_options::explicit_http_config::ProtocolConfig::Http2ProtocolOptions(
                            Http2ProtocolOptions::default(),
                        ),
                    ),
                },
            ),
        ),
        ..Default::default()
    };
    Cluster {
        name: upstream.name.clone(),
        cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(discovery as i32)),
        connect_timeout: Some(millis(1000)),
        dns_lookup_family: if upstream.dns {
            cluster::DnsLookupFamily::V4Preferred as i32
        } else {
            cluster::DnsLookupFamily::Auto as i32
        },
        load_assignment: Some(ClusterLoadAssignment {
            cluster_name: upstream.name.clone(),
            endpoints: vec![LocalityLbEndpoints {
                lb_endpoints: vec![LbEndpoint {
                    host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(Endpoint {
                        address: Some(socket(&upstream.host, upstream.port)),
                        ..Default::default()
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }),
        typed_extension_protocol_options: [(HttpProtocolOptions::full_name(), any(&http2))]
            .into_iter()
            .collect(),
        health_checks: if upstream.health_checked {
            vec![health_check()]
        } else {
            Vec::new()
        },
        circuit_breakers: Some(relaxed_circuit_breakers()),
        outlier_detection: Some(OutlierDetection {
            consecutive_5xx: Some(UInt32Value { value: 5 }),
            consecutive_gateway_failure: Some(UInt32Value { value: 5 }),
            interval: Some(millis(10_000)),
            base_ejection_time: Some(millis(30_000)),
            max_ejection_percent: Some(UInt32Value { value: 50 }),
            ..Default::default()
        }),
        transport_socket: upstream.tls.then(|| TransportSocket {
            name: "envoy.transport_sockets.tls".to_owned(),
            config_type: Some(transport_socket::ConfigType::TypedConfig(any(
                &UpstreamTlsContext {
                    sni: upstream.host.clone(),
                    // gRPC over TLS negotiates HTTP/2 by ALPN.
                    common_tls_context: Some(CommonTlsContext {
                        alpn_protocols: vec!["h2".to_owned()],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ))),
        }),
        ..Default::default()
    }
}

/// grpc.health.v1 on the whole server (service ""), which the runtime reports SERVING
/// until it starts draining.
fn health_check() -> HealthCheck {
    HealthCheck {
        timeout: Some(millis(1000)),
        interval: Some(millis(5000)),
        unhealthy_threshold: Some(UInt32Value { value: 2 }),
        healthy_threshold: Some(UInt32Value { value: 1 }),
        health_checker: Some(health_check::HealthChecker::GrpcHealthCheck(
            health_check::GrpcHealthCheck::default(),
        )),
        ..Default::default()
    }
}

/// Envoy's defaults (1024 connections, pending requests and requests) throttle an ingress
/// proxy long before the servlets do; the thresholds are raised on purpose.
fn relaxed_circuit_breakers() -> CircuitBreakers {
    let limit = |value| Some(UInt32Value { value });
    CircuitBreakers {
        thresholds: vec![circuit_breakers::Thresholds {
            priority: RoutingPriority::Default as i32,
            max_connections: limit(100_000),
            max_pending_requests: limit(100_000),
            max_requests: limit(100_000),
            max_retries: limit(100),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn http_filter(name: &str, config: &impl Name) -> HttpFilter {
    HttpFilter {
        name: name.to_owned(),
        config_type: Some(http_filter::ConfigType::TypedConfig(any(config))),
        ..Default::default()
    }
}

fn socket(host: &str, port: u16) -> Address {
    Address {
        address: Some(address::Address::SocketAddress(SocketAddress {
            address: host.to_owned(),
            port_specifier: Some(socket_address::PortSpecifier::PortValue(u32::from(port))),
            ..Default::default()
        })),
    }
}

fn millis(millis: u32) -> Duration {
    Duration {
        seconds: i64::from(millis / 1000),
        nanos: i32::try_from(millis % 1000).unwrap_or(0) * 1_000_000,
    }
}

fn any(message: &impl Name) -> Any {
    Any {
        type_url: format!("type.googleapis.com/{}", message_name(message)),
        value: message.encode_to_vec(),
    }
}

fn message_name<M: Name>(_: &M) -> String {
    M::full_name()
}
