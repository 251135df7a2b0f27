//! Prometheus metrics: a process-wide registry, the per-method gRPC metrics the generated
//! adapter records, and the `/metrics` HTTP endpoint.
//!
//! Built on the [`prometheus`] crate (the TiKV-maintained client, default features off, so no
//! protobuf): it gives an explicit [`Registry`] and an exact text encoder, needs no global
//! recorder to be installed first (unlike `metrics` + `metrics-exporter-prometheus`, whose
//! recorder can be installed once per process, which makes in-process tests awkward), and
//! lets the runtime serve `/metrics` on its own small hyper listener.
//!
//! The metrics:
//!
//! - `orrery_grpc_requests_total{method, code}`: a counter of finished calls, where `method`
//!   is the full gRPC path (`/orrery.files.v1.FilesService/ListFiles`) and `code` the
//!   canonical upper-case status name (`OK`, `NOT_FOUND`, ...; see [`code_name`]);
//! - `orrery_grpc_request_duration_seconds{method}`: a histogram of call latency, over
//!   [`prometheus::DEFAULT_BUCKETS`] (5 ms to 10 s);
//! - `orrery_grpc_panics_total{method}`: calls whose handler panicked.

use std::convert::Infallible;
use std::sync::LazyLock;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use tokio::net::TcpListener;
use tonic::Code;

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    panics: IntCounterVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new(
            "orrery_grpc_requests_total",
            "gRPC calls handled, by method and status code.",
        ),
        &["method", "code"],
    )
    .expect("static metric definition is valid");
    let duration = HistogramVec::new(
        HistogramOpts::new(
            "orrery_grpc_request_duration_seconds",
            "gRPC call latency in seconds, by method.",
        ),
        &["method"],
    )
    .expect("static metric definition is valid");
    let panics = IntCounterVec::new(
        Opts::new(
            "orrery_grpc_panics_total",
            "gRPC calls whose handler panicked (each also counted as INTERNAL), by method.",
        ),
        &["method"],
    )
    .expect("static metric definition is valid");
    for collector in [&requests, &panics] {
        registry
            .register(Box::new(collector.clone()))
            .expect("first registration of a fresh name");
    }
    registry
        .register(Box::new(duration.clone()))
        .expect("first registration of a fresh name");
    Metrics {
        registry,
        requests,
        duration,
        panics,
    }
});

/// Records one finished call of `method` (the full gRPC path, `/package.Service/Method`)
/// that ended with `code` after `seconds`.
pub fn record(method: &str, code: Code, seconds: f64) {
    let metrics = &*METRICS;
    metrics
        .requests
        .with_label_values(&[method, code_name(code)])
        .inc();
    metrics
        .duration
        .with_label_values(&[method])
        .observe(seconds);
}

/// Records that a handler of `method` panicked. The call itself is recorded by [`record`],
/// as INTERNAL.
pub fn record_panic(method: &str) {
    METRICS.panics.with_label_values(&[method]).inc();
}

/// The process-wide registry that `/metrics` serves; register further collectors here.
pub fn registry() -> &'static Registry {
    &METRICS.registry
}

/// Every metric in [`registry`], in the Prometheus text exposition format (version 0.0.4).
pub fn render() -> String {
    let mut out = Vec::new();
    // Encoding into a Vec fails only on a malformed metric family, which the registry rejects
    // at registration; render what was encoded either way.
    if let Err(err) = TextEncoder::new().encode(&registry().gather(), &mut out) {
        tracing::warn!(%err, "encoding metrics");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The canonical name of a gRPC status code, as in the gRPC spec and grpc-go's `codes`:
/// `OK`, `CANCELLED`, `UNKNOWN`, `INVALID_ARGUMENT`, ..., `UNAUTHENTICATED`.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Serves `GET /metrics` (HTTP/1.1) on `listener` until the returned future is dropped.
/// Any other path is 404; any other method on `/metrics` is 405.
pub(crate) async fn serve(listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Per-connection errors (the peer reset before accept, too many open files):
                // keep serving, but do not spin.
                tracing::warn!(%err, "accepting a /metrics connection");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            if let Err(err) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%err, "/metrics connection");
            }
        });
    }
}

async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            render(),
        ),
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET /metrics\n".to_owned(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found; metrics are at /metrics\n".to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_renders_counter_and_histogram() {
        let method = "/orrery.test.v1.Unit/Render";
        record(method, Code::NotFound, 0.02);
        record(method, Code::NotFound, 0.03);
        let text = render();
        assert!(
            text.lines().any(|l| l
                == r#"orrery_grpc_requests_total{code="NOT_FOUND",method="/orrery.test.v1.Unit/Render"} 2"#),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l
                == r#"orrery_grpc_request_duration_seconds_count{method="/orrery.test.v1.Unit/Render"} 2"#),
            "{text}"
        );
        assert!(
            text.contains("# TYPE orrery_grpc_request_duration_seconds histogram"),
            "{text}"
        );
    }

    #[test]
    fn every_code_has_a_distinct_name() {
        let names: std::collections::BTreeSet<_> =
            (0..=16).map(|i| code_name(Code::from_i32(i))).collect();
        assert_eq!(names.len(), 17);
    }
}
