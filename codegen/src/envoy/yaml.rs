//! Envoy's configuration as YAML, in the protobuf JSON mapping Envoy reads: proto field names,
//! fields at their default left out, enums by name, durations as `1.5s`, and each `Any`
//! inline, as `'@type': type.googleapis.com/...` followed by its message's fields.
//!
//! Messages are decoded against `envoy.fds`, the descriptor set compiled from the .proto files
//! of the `envoy-types` package (`tests/envoy_descriptors.rs` keeps it in step). prost-reflect's
//! serde support writes fields in field-number order and proto maps in `HashMap` order, so this
//! module walks the message itself: fields in declaration order, as Envoy's documentation lists
//! them, and the keys of proto maps and `Struct`s sorted, so the same config is the same text.
//! Timestamp, FieldMask and Empty are written by prost-reflect.
//!
//! The YAML crate is `serde_yaml_ng`. `serde_yaml` is archived; its maintained forks
//! (`serde_yaml_ng`, `serde_norway`) keep its emitter and write the same text, and
//! `serde_yaml_ng` builds on the upstream `unsafe-libyaml` where `serde_norway` carries its own
//! fork of it. Both quote strings by YAML 1.2's rules, while Envoy parses YAML with yaml-cpp,
//! which also reads `y`, `n`, `yes`, `no`, `on` and `off` as booleans and then rejects the
//! config ("expected '\"'"). Neither crate can be told to quote a string, so such a string is an
//! error here rather than a config Envoy misreads.

use std::borrow::Cow;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage,
    SerializeOptions, Value,
};
use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(include_bytes!("envoy.fds").as_slice())
        .expect("envoy.fds is the descriptor set tests/envoy_descriptors.rs compiles")
});

/// How prost-reflect writes the well-known types handed to it.
const WELL_KNOWN: SerializeOptions = SerializeOptions::new()
    .use_proto_field_name(true)
    .skip_default_fields(true);

/// The descriptors of Envoy's configuration: the bootstrap, and every extension orrery puts in
/// an `Any` (HTTP connection manager, gRPC-JSON transcoder, gRPC-Web, router, upstream HTTP
/// protocol options, stream access loggers, TLS), with their imports.
pub(crate) fn pool() -> &'static DescriptorPool {
    &POOL
}

/// The message `encoded` (of the fully qualified proto type `type_name`, e.g.
/// `envoy.config.bootstrap.v3.Bootstrap`) as YAML in the protobuf JSON mapping, with fields in
/// declaration order and map keys sorted. 64-bit integers are written as numbers, which Envoy
/// reads as well as strings. Fails on a type, an `Any` type URL or a field number the
/// descriptor set does not know, and on a string Envoy would read as a boolean.
pub(crate) fn to_yaml(type_name: &str, encoded: &[u8]) -> Result<String, String> {
    let descriptor = pool()
        .get_message_by_name(type_name)
        .ok_or_else(|| format!("`{type_name}` is not a message of the Envoy descriptor set"))?;
    let message = DynamicMessage::decode(descriptor, encoded)
        .map_err(|error| format!("`{type_name}` does not decode: {error}"))?;
    serde_yaml_ng::to_string(&Message(&message))
        .map_err(|error| format!("`{type_name}` cannot be written as YAML: {error}"))
}

/// A message in the JSON mapping.
struct Message<'a>(&'a DynamicMessage);

impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let message = self.0;
        match message.descriptor().full_name() {
            "google.protobuf.Any" => any(message, serializer),
            "google.protobuf.Duration" => {
                let duration: prost_types::Duration =
                    message.transcode_to().map_err(S::Error::custom)?;
                serializer.serialize_str(&seconds(&duration).map_err(S::Error::custom)?)
            }
            // The map of its `fields`, the list of its `values`, a wrapper's `value`.
            "google.protobuf.Struct" => only_field(message, "fields", serializer),
            "google.protobuf.ListValue" => only_field(message, "values", serializer),
            name if is_wrapper(name) => only_field(message, "value", serializer),
            // Whichever member of its oneof `kind` is set.
            "google.protobuf.Value" => match message.fields().next() {
                Some((field, value)) => {
                    FieldValue::new(value, &field.kind(), &field).serialize(serializer)
                }
                None => serializer.serialize_unit(),
            },
            name if has_own_json_form(name) => {
                message.serialize_with_options(serializer, &WELL_KNOWN)
            }
            _ => {
                let mut map = serializer.serialize_map(None)?;
                fields(&mut map, message)?;
                map.end()
            }
        }
    }
}

/// The well-known types whose JSON form is not an object of their fields. Inside an `Any` that
/// form goes under `value`.
fn has_own_json_form(full_name: &str) -> bool {
    is_wrapper(full_name)
        || matches!(
            full_name,
            "google.protobuf.Any"
                | "google.protobuf.Duration"
                | "google.protobuf.Timestamp"
                | "google.protobuf.FieldMask"
                | "google.protobuf.Empty"
                | "google.protobuf.Struct"
                | "google.protobuf.ListValue"
                | "google.protobuf.Value"
        )
}

fn is_wrapper(full_name: &str) -> bool {
    matches!(
        full_name,
        "google.protobuf.BoolValue"
            | "google.protobuf.Int32Value"
            | "google.protobuf.Int64Value"
            | "google.protobuf.UInt32Value"
            | "google.protobuf.UInt64Value"
            | "google.protobuf.FloatValue"
            | "google.protobuf.DoubleValue"
            | "google.protobuf.StringValue"
            | "google.protobuf.BytesValue"
    )
}

/// The fields of `message` that are set, in declaration order, into `map`.
fn fields<M: SerializeMap>(map: &mut M, message: &DynamicMessage) -> Result<(), M::Error> {
    let descriptor = message.descriptor();
    if let Some(unknown) = message.unknown_fields().next() {
        return Err(M::Error::custom(format!(
            "`{}` has a field numbered {} that the Envoy descriptor set does not declare",
            descriptor.full_name(),
            unknown.number()
        )));
    }
    for declared in &descriptor.descriptor_proto().field {
        let field = descriptor
            .get_field_by_name(declared.name())
            .expect("a message descriptor has every field it declares");
        if message.has_field(&field) {
            let value = message.get_field(&field);
            map.serialize_entry(
                field.name(),
                &FieldValue::new(&value, &field.kind(), &field),
            )?;
        }
    }
    Ok(())
}

/// A well-known type written as its one field.
fn only_field<S: Serializer>(
    message: &DynamicMessage,
    name: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let descriptor = message.descriptor();
    let field = descriptor.get_field_by_name(name).ok_or_else(|| {
        S::Error::custom(format!(
            "`{}` has no field `{name}`",
            descriptor.full_name()
        ))
    })?;
    FieldValue::new(&message.get_field(&field), &field.kind(), &field).serialize(serializer)
}

/// `'@type'`, then the packed message's fields, or its own JSON form under `value`.
fn any<S: Serializer>(any: &DynamicMessage, serializer: S) -> Result<S::Ok, S::Error> {
    let any: prost_types::Any = any.transcode_to().map_err(S::Error::custom)?;
    let name = any.type_url.rsplit_once('/').map_or("", |(_, name)| name);
    let descriptor = pool().get_message_by_name(name).ok_or_else(|| {
        S::Error::custom(format!(
            "`{}` names no message of the Envoy descriptor set",
            any.type_url
        ))
    })?;
    let packed = DynamicMessage::decode(descriptor, any.value.as_slice()).map_err(|error| {
        S::Error::custom(format!("`{}` does not decode: {error}", any.type_url))
    })?;
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("@type", &any.type_url)?;
    if has_own_json_form(name) {
        map.serialize_entry("value", &Message(&packed))?;
    } else {
        fields(&mut map, &packed)?;
    }
    map.end()
}

/// A value of `field`, of type `kind`: the field's type, or a map field's value type.
struct FieldValue<'a> {
    value: &'a Value,
    kind: &'a Kind,
    field: &'a FieldDescriptor,
}

impl<'a> FieldValue<'a> {
    fn new(value: &'a Value, kind: &'a Kind, field: &'a FieldDescriptor) -> Self {
        FieldValue { value, kind, field }
    }
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Bool(value) => serializer.serialize_bool(*value),
            Value::I32(value) => serializer.serialize_i32(*value),
            Value::I64(value) => serializer.serialize_i64(*value),
            Value::U32(value) => serializer.serialize_u32(*value),
            Value::U64(value) => serializer.serialize_u64(*value),
            Value::F32(value) if value.is_finite() => serializer.serialize_f32(*value),
            Value::F64(value) if value.is_finite() => serializer.serialize_f64(*value),
            Value::F32(value) => serializer.serialize_str(non_finite(f64::from(*value))),
            Value::F64(value) => serializer.serialize_str(non_finite(*value)),
            Value::String(value) if yaml_cpp_boolean(value) => Err(S::Error::custom(format!(
                "`{}` is `{value}`, which Envoy's YAML parser reads as a boolean; choose \
                 another value",
                self.field.full_name()
            ))),
            Value::String(value) => serializer.serialize_str(value),
            Value::Bytes(value) => serializer.serialize_str(&BASE64_STANDARD.encode(value)),
            Value::EnumNumber(number) => {
                let Kind::Enum(enumeration) = self.kind else {
                    return Err(S::Error::custom(format!(
                        "`{}` holds an enum value but is not an enum",
                        self.field.full_name()
                    )));
                };
                if enumeration.full_name() == "google.protobuf.NullValue" {
                    serializer.serialize_unit()
                } else if let Some(value) = enumeration.get_value(*number) {
                    serializer.serialize_str(value.name())
                } else {
                    serializer.serialize_i32(*number)
                }
            }
            Value::Message(message) => Message(message).serialize(serializer),
            Value::List(values) => serializer.collect_seq(
                values
                    .iter()
                    .map(|value| FieldValue::new(value, self.kind, self.field)),
            ),
            Value::Map(entries) => {
                let Kind::Message(entry) = self.kind else {
                    return Err(S::Error::custom(format!(
                        "`{}` holds a map but is not one",
                        self.field.full_name()
                    )));
                };
                let kind = entry.map_entry_value_field().kind();
                let mut sorted: Vec<(&MapKey, &Value)> = entries.iter().collect();
                sorted.sort_unstable_by_key(|&(key, _)| key);
                // No length: serde_yaml_ng takes a one-entry map for a possible YAML tag.
                let mut map = serializer.serialize_map(None)?;
                for (key, value) in sorted {
                    map.serialize_entry(&map_key(key), &FieldValue::new(value, &kind, self.field))?;
                }
                map.end()
            }
        }
    }
}

/// JSON object keys are strings, whatever the map's key type.
fn map_key(key: &MapKey) -> Cow<'_, str> {
    match key {
        MapKey::String(key) => Cow::Borrowed(key),
        MapKey::Bool(key) => Cow::Owned(key.to_string()),
        MapKey::I32(key) => Cow::Owned(key.to_string()),
        MapKey::I64(key) => Cow::Owned(key.to_string()),
        MapKey::U32(key) => Cow::Owned(key.to_string()),
        MapKey::U64(key) => Cow::Owned(key.to_string()),
    }
}

/// The plain scalars yaml-cpp's `convert<bool>` reads as booleans that `serde_yaml_ng` leaves
/// unquoted (it quotes `true` and `false` in every case already).
fn yaml_cpp_boolean(value: &str) -> bool {
    matches!(
        value,
        "y" | "Y"
            | "n"
            | "N"
            | "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// A Duration as Envoy's documentation writes it: `5s`, `0.25s`, `-1.5s`.
fn seconds(duration: &prost_types::Duration) -> Result<String, String> {
    let prost_types::Duration { seconds, nanos } = *duration;
    if seconds.unsigned_abs() > 315_576_000_000
        || nanos.unsigned_abs() > 999_999_999
        || (seconds > 0 && nanos < 0)
        || (seconds < 0 && nanos > 0)
    {
        return Err(format!("{seconds}s and {nanos}ns is not a valid Duration"));
    }
    let sign = if seconds < 0 || nanos < 0 { "-" } else { "" };
    let whole = seconds.unsigned_abs();
    if nanos == 0 {
        return Ok(format!("{sign}{whole}s"));
    }
    let fraction = format!("{:09}", nanos.unsigned_abs());
    Ok(format!("{sign}{whole}.{}s", fraction.trim_end_matches('0')))
}

/// The JSON mapping's names for the floats JSON has no number for.
fn non_finite(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

#[cfg(test)]
mod tests {
    use envoy_types::pb::envoy::config::accesslog::v3::{AccessLog, access_log};
    use envoy_types::pb::envoy::config::bootstrap::v3::{Admin, Bootstrap, bootstrap};
    use envoy_types::pb::envoy::config::cluster::v3::{Cluster, cluster};
    use envoy_types::pb::envoy::config::core::v3::{
        Address, Http2ProtocolOptions, SocketAddress, SubstitutionFormatString, address,
        socket_address, substitution_format_string,
    };
    use envoy_types::pb::envoy::config::endpoint::v3::{
        ClusterLoadAssignment, Endpoint, LbEndpoint, LocalityLbEndpoints, lb_endpoint,
    };
    use envoy_types::pb::envoy::config::listener::v3::{
        Filter, FilterChain, Listener, ListenerFilter, filter, listener_filter,
    };
    use envoy_types::pb::envoy::config::route::v3::{
        Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost, route, route_action,
        route_match,
    };
    use envoy_types::pb::envoy::extensions::access_loggers::stream::v3::{
        StdoutAccessLog, stdout_access_log,
    };
    use envoy_types::pb::envoy::extensions::filters::http::router::v3::Router;
    use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
        HttpConnectionManager, HttpFilter, http_connection_manager, http_filter,
    };
    use envoy_types::pb::envoy::extensions::upstreams::http::v3::{
        HttpProtocolOptions, http_protocol_options,
    };
    use envoy_types::pb::google::protobuf::{Any, Duration, Struct, UInt32Value, value};
    use prost::{Message, Name};

    use super::to_yaml;

    const BOOTSTRAP: &str = "envoy.config.bootstrap.v3.Bootstrap";

    fn any<M: Message + Name>(message: &M) -> Any {
        Any {
            type_url: format!("type.googleapis.com/{}", M::full_name()),
            value: message.encode_to_vec(),
        }
    }

    fn socket(host: &str, port: u32) -> Address {
        Address {
            address: Some(address::Address::SocketAddress(SocketAddress {
                address: host.to_owned(),
                port_specifier: Some(socket_address::PortSpecifier::PortValue(port)),
                ..Default::default()
            })),
        }
    }

    /// Admin, one listener whose connection manager (an `Any`) holds a router and an access log
    /// (`Any`s inside it, the log's format a `Struct`), one cluster with HTTP/2 protocol options
    /// (an `Any` in a map).
    fn bootstrap() -> Bootstrap {
        let format = Struct {
            fields: [
                ("status", "%RESPONSE_CODE%"),
                ("method", "%REQ(:METHOD)%"),
                ("path", "%REQ(:PATH)%"),
                ("duration_ms", "%DURATION%"),
            ]
            .into_iter()
            .map(|(key, command)| {
                let kind = value::Kind::StringValue(command.to_owned());
                (
                    key.to_owned(),
                    envoy_types::pb::google::protobuf::Value { kind: Some(kind) },
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
        let route = Route {
            r#match: Some(RouteMatch {
                path_specifier: Some(route_match::PathSpecifier::Prefix("/".to_owned())),
                ..Default::default()
            }),
            action: Some(route::Action::Route(RouteAction {
                cluster_specifier: Some(route_action::ClusterSpecifier::Cluster(
                    "files".to_owned(),
                )),
                timeout: Some(Duration {
                    seconds: 1,
                    nanos: 500_000_000,
                }),
                ..Default::default()
            })),
            ..Default::default()
        };
        let manager = HttpConnectionManager {
            stat_prefix: "ingress".to_owned(),
            route_specifier: Some(http_connection_manager::RouteSpecifier::RouteConfig(
                RouteConfiguration {
                    name: "local".to_owned(),
                    virtual_hosts: vec![VirtualHost {
                        name: "all".to_owned(),
                        domains: vec!["*".to_owned()],
                        routes: vec![route],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            )),
            http_filters: vec![HttpFilter {
                name: "envoy.filters.http.router".to_owned(),
                config_type: Some(http_filter::ConfigType::TypedConfig(any(&Router {
                    suppress_envoy_headers: true,
                    ..Default::default()
                }))),
                ..Default::default()
            }],
            access_log: vec![AccessLog {
                name: "envoy.access_loggers.stdout".to_owned(),
                config_type: Some(access_log::ConfigType::TypedConfig(any(&stdout))),
                ..Default::default()
            }],
            ..Default::default()
        };
        let listener = Listener {
            name: "ingress".to_owned(),
            address: Some(socket("0.0.0.0", 8080)),
            filter_chains: vec![FilterChain {
                filters: vec![Filter {
                    name: "envoy.filters.network.http_connection_manager".to_owned(),
                    config_type: Some(filter::ConfigType::TypedConfig(any(&manager))),
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
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
        let cluster = Cluster {
            name: "files".to_owned(),
            // Declared second, numbered 28: written before `type` (2), not after `lb_policy` (6).
            alt_stat_name: "files_upstream".to_owned(),
            // STATIC is the enum's default, written all the same: the field is in a oneof.
            cluster_discovery_type: Some(cluster::ClusterDiscoveryType::Type(
                cluster::DiscoveryType::Static as i32,
            )),
            connect_timeout: Some(Duration {
                seconds: 5,
                nanos: 0,
            }),
            per_connection_buffer_limit_bytes: Some(UInt32Value { value: 32768 }),
            lb_policy: cluster::LbPolicy::LeastRequest as i32,
            load_assignment: Some(ClusterLoadAssignment {
                cluster_name: "files".to_owned(),
                endpoints: vec![LocalityLbEndpoints {
                    lb_endpoints: vec![LbEndpoint {
                        host_identifier: Some(lb_endpoint::HostIdentifier::Endpoint(Endpoint {
                            address: Some(socket("127.0.0.1", 50051)),
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
            ..Default::default()
        };
        Bootstrap {
            admin: Some(Admin {
                address: Some(socket("127.0.0.1", 9901)),
                ..Default::default()
            }),
            static_resources: Some(bootstrap::StaticResources {
                listeners: vec![listener],
                clusters: vec![cluster],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn bootstrap_in_declaration_order_with_any_inline() {
        let yaml = to_yaml(BOOTSTRAP, &bootstrap().encode_to_vec()).unwrap();
        assert_eq!(yaml, BOOTSTRAP_YAML);
    }

    /// `envoy --mode validate` accepts it (Envoy 1.40).
    const BOOTSTRAP_YAML: &str = r#"static_resources:
  listeners:
  - name: ingress
    address:
      socket_address:
        address: 0.0.0.0
        port_value: 8080
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress
          route_config:
            name: local
            virtual_hosts:
            - name: all
              domains:
              - '*'
              routes:
              - match:
                  prefix: /
                route:
                  cluster: files
                  timeout: 1.5s
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              '@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              suppress_envoy_headers: true
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              '@type': type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
              log_format:
                json_format:
                  duration_ms: '%DURATION%'
                  method: '%REQ(:METHOD)%'
                  path: '%REQ(:PATH)%'
                  status: '%RESPONSE_CODE%'
  clusters:
  - name: files
    alt_stat_name: files_upstream
    type: STATIC
    connect_timeout: 5s
    per_connection_buffer_limit_bytes: 32768
    lb_policy: LEAST_REQUEST
    load_assignment:
      cluster_name: files
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: 127.0.0.1
                port_value: 50051
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        '@type': type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config:
          http2_protocol_options: {}
admin:
  address:
    socket_address:
      address: 127.0.0.1
      port_value: 9901
"#;

    #[test]
    fn unknown_type_is_an_error() {
        assert_eq!(
            to_yaml("envoy.config.bootstrap.v3.Bootstrapp", &[]),
            Err(
                "`envoy.config.bootstrap.v3.Bootstrapp` is not a message of the Envoy descriptor set"
                    .to_owned()
            )
        );
    }

    #[test]
    fn any_of_an_unknown_type_is_an_error() {
        // Not among the descriptor set's roots or their imports.
        const TLS_INSPECTOR: &str =
            "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";
        let listener = Listener {
            listener_filters: vec![ListenerFilter {
                name: "envoy.filters.listener.tls_inspector".to_owned(),
                config_type: Some(listener_filter::ConfigType::TypedConfig(Any {
                    type_url: TLS_INSPECTOR.to_owned(),
                    value: Vec::new(),
                })),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            to_yaml(
                "envoy.config.listener.v3.Listener",
                &listener.encode_to_vec()
            ),
            Err(format!(
                "`envoy.config.listener.v3.Listener` cannot be written as YAML: \
                 `{TLS_INSPECTOR}` names no message of the Envoy descriptor set"
            ))
        );
    }

    /// yaml-cpp would read `on` as `true`, and Envoy would reject the config.
    #[test]
    fn string_envoy_reads_as_boolean_is_an_error() {
        let cluster = Cluster {
            name: "on".to_owned(),
            ..Default::default()
        };
        assert_eq!(
            to_yaml("envoy.config.cluster.v3.Cluster", &cluster.encode_to_vec()),
            Err(
                "`envoy.config.cluster.v3.Cluster` cannot be written as YAML: \
                 `envoy.config.cluster.v3.Cluster.name` is `on`, which Envoy's YAML parser reads \
                 as a boolean; choose another value"
                    .to_owned()
            )
        );
    }

    #[test]
    fn durations_as_envoy_writes_them() {
        let written: Vec<String> = [(5, 0), (0, 250_000_000), (-1, -500_000_000), (0, 1), (0, 0)]
            .into_iter()
            .map(|(seconds, nanos)| {
                super::seconds(&prost_types::Duration { seconds, nanos }).unwrap()
            })
            .collect();
        assert_eq!(written, ["5s", "0.25s", "-1.5s", "0.000000001s", "0s"]);
        assert_eq!(
            super::seconds(&prost_types::Duration {
                seconds: 1,
                nanos: -1
            }),
            Err("1s and -1ns is not a valid Duration".to_owned())
        );
    }
}
