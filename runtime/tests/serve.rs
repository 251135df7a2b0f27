//! The runtime serving on loopback, in-process: health, reflection, the test service,
//! `/metrics`, and errors at bind time.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use orrery_runtime::codegen::tonic::Code;
use orrery_runtime::{BoundRuntime, Config, Error, Runtime};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

const READY: Duration = Duration::from_secs(30);

/// Both listeners on an OS-chosen loopback port.
fn loopback_config() -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        metrics_listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    }
}

struct Running {
    addr: SocketAddr,
    metrics_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), Error>>,
}

impl Running {
    async fn start(bound: BoundRuntime) -> Running {
        let (stop, stopped) = oneshot::channel();
        let addr = bound.local_addr();
        let metrics_addr = bound.metrics_addr();
        let task = tokio::spawn(bound.serve_with_shutdown(async {
            let _ = stopped.await;
        }));
        support::wait_serving(addr, "", READY).await;
        Running {
            addr,
            metrics_addr,
            stop,
            task,
        }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(READY, self.task)
            .await
            .expect("server stops")
            .expect("server task does not panic")
            .expect("server returns Ok");
    }
}

async fn start_slow() -> Running {
    let bound = Runtime::new(loopback_config())
        .add_service(support::SlowServer::default())
        .add_descriptor_set(support::descriptor_set())
        .bind()
        .await
        .expect("binds");
    Running::start(bound).await
}

async fn reflect(addr: SocketAddr, request: MessageRequest) -> MessageResponse {
    let channel = support::channel(addr).await.unwrap();
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut responses = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    responses
        .message()
        .await
        .unwrap()
        .expect("one response")
        .message_response
        .expect("a message response")
}

#[tokio::test]
async fn health_reports_every_service_serving() {
    let server = start_slow().await;
    for service in ["", support::SERVICE] {
        assert_eq!(
            support::health(server.addr, service).await.unwrap(),
            ServingStatus::Serving,
            "health of {service:?}"
        );
    }
    let unknown = support::health(server.addr, "orrery.test.v1.Nope")
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test]
async fn reflection_lists_and_describes_the_services() {
    let server = start_slow().await;

    let MessageResponse::ListServicesResponse(list) =
        reflect(server.addr, MessageRequest::ListServices(String::new())).await
    else {
        panic!("expected a ListServicesResponse");
    };
    let mut names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "orrery.test.v1.Slow",
        ]
    );

    let MessageResponse::FileDescriptorResponse(files) = reflect(
        server.addr,
        MessageRequest::FileContainingSymbol("orrery.test.v1.Slow".to_owned()),
    )
    .await
    else {
        panic!("expected a FileDescriptorResponse");
    };
    assert_eq!(files.file_descriptor_proto.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn the_added_service_answers() {
    let server = start_slow().await;
    let channel = support::channel(server.addr).await.unwrap();
    let response = support::sleep(channel, 5).await.unwrap();
    assert_eq!(response.slept_millis, 5);
    server.stop().await;
}

#[tokio::test]
async fn metrics_are_served_over_http() {
    let server = start_slow().await;
    // The registry is process-wide: a method name of its own keeps this test's lines exact.
    let method = "/orrery.test.v1.Metrics/Served";
    orrery_runtime::metrics::record(method, Code::Ok, 0.004);
    orrery_runtime::metrics::record(method, Code::Ok, 0.2);
    orrery_runtime::metrics::record(method, Code::Unavailable, 1.5);

    let (head, body) = http_get(server.metrics_addr, "/metrics").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    let lines: Vec<&str> = body.lines().collect();
    for expected in [
        "# HELP orrery_grpc_requests_total gRPC calls handled, by method and status code.",
        "# TYPE orrery_grpc_requests_total counter",
        r#"orrery_grpc_requests_total{code="OK",method="/orrery.test.v1.Metrics/Served"} 2"#,
        r#"orrery_grpc_requests_total{code="UNAVAILABLE",method="/orrery.test.v1.Metrics/Served"} 1"#,
        "# TYPE orrery_grpc_request_duration_seconds histogram",
        r#"orrery_grpc_request_duration_seconds_bucket{method="/orrery.test.v1.Metrics/Served",le="0.005"} 1"#,
        r#"orrery_grpc_request_duration_seconds_bucket{method="/orrery.test.v1.Metrics/Served",le="+Inf"} 3"#,
        r#"orrery_grpc_request_duration_seconds_count{method="/orrery.test.v1.Metrics/Served"} 3"#,
    ] {
        assert!(
            lines.contains(&expected),
            "missing {expected:?} in:\n{body}"
        );
    }

    let (head, _) = http_get(server.metrics_addr, "/other").await;
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
    server.stop().await;
}

#[tokio::test]
async fn a_bad_descriptor_set_is_an_error_at_bind() {
    let result = Runtime::new(loopback_config())
        .add_service(support::SlowServer::default())
        .add_descriptor_set(support::descriptor_set())
        .add_descriptor_set(vec![0xff, 0xff, 0xff])
        .bind()
        .await;
    let Err(err) = result else {
        panic!("bind accepted a garbage descriptor set")
    };
    assert!(
        matches!(err, Error::DescriptorSet { index: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("descriptor set #1 is not an encoded FileDescriptorSet"),
        "{err}"
    );
}

#[tokio::test]
async fn an_address_in_use_is_an_error_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let result = Runtime::new(Config {
        listen: addr,
        ..loopback_config()
    })
    .bind()
    .await;
    let Err(err) = result else {
        panic!("bound an address that is in use")
    };
    assert!(matches!(err, Error::Bind { what: "gRPC", .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot listen for gRPC on {addr}: ")),
        "{err}"
    );
}

/// A minimal HTTP/1.1 GET: the response head and body.
async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(READY, stream.read_to_string(&mut response))
        .await
        .expect("response within the timeout")
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    (format!("{head}\r\n"), body.to_owned())
}
