//! Shared by the integration tests: a tiny gRPC service written the way tonic's generated
//! code is (messages from `slow.proto`, a server and a client by hand), its descriptor set
//! compiled with protox, and client helpers.

#![allow(dead_code)] // each test binary uses a different part

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use orrery_runtime::codegen::tonic::codegen::{BoxFuture, Service, http};
use orrery_runtime::codegen::tonic::server::{Grpc, NamedService, UnaryService};
use orrery_runtime::codegen::tonic::transport::Channel;
use orrery_runtime::codegen::tonic::{self, Status, body::Body};
use orrery_runtime::codegen::tonic_prost::ProstCodec;
use prost::Message as _;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

pub const SERVICE: &str = "orrery.test.v1.Slow";
pub const SLEEP: &str = "/orrery.test.v1.Slow/Sleep";
/// What the server prints on stdout when a Sleep call starts, if `announce` is set.
pub const STARTED_LINE: &str = "SLEEP_STARTED";

#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SleepRequest {
    #[prost(uint64, tag = "1")]
    pub millis: u64,
}

#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SleepResponse {
    #[prost(uint64, tag = "1")]
    pub slept_millis: u64,
}

/// The `orrery.test.v1.Slow` server.
#[derive(Clone, Default)]
pub struct SlowServer {
    /// Print [`STARTED_LINE`] to stdout when a call starts, for a parent process to see.
    pub announce: bool,
}

impl NamedService for SlowServer {
    const NAME: &'static str = SERVICE;
}

struct SleepSvc {
    announce: bool,
}

impl UnaryService<SleepRequest> for SleepSvc {
    type Response = SleepResponse;
    type Future = BoxFuture<tonic::Response<SleepResponse>, Status>;

    fn call(&mut self, request: tonic::Request<SleepRequest>) -> Self::Future {
        let announce = self.announce;
        Box::pin(async move {
            let millis = request.into_inner().millis;
            if announce {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{STARTED_LINE}");
                let _ = out.flush();
            }
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok(tonic::Response::new(SleepResponse {
                slept_millis: millis,
            }))
        })
    }
}

impl Service<http::Request<Body>> for SlowServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let announce = self.announce;
        match req.uri().path() {
            SLEEP => Box::pin(async move {
                let mut grpc = Grpc::new(ProstCodec::default());
                Ok(grpc.unary(SleepSvc { announce }, req).await)
            }),
            _ => Box::pin(async move { Ok(Status::unimplemented("no such method").into_http()) }),
        }
    }
}

/// The encoded FileDescriptorSet of `slow.proto`, compiled with protox.
pub fn descriptor_set() -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support");
    protox::compile(["slow.proto"], [dir])
        .expect("slow.proto compiles")
        .encode_to_vec()
}

pub async fn channel(addr: SocketAddr) -> Result<Channel, tonic::transport::Error> {
    Channel::from_shared(format!("http://{addr}"))
        .expect("valid URI")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
}

/// Calls `Sleep(millis)` on `channel`.
pub async fn sleep(channel: Channel, millis: u64) -> Result<SleepResponse, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|err| Status::unavailable(err.to_string()))?;
    let codec = ProstCodec::<SleepRequest, SleepResponse>::default();
    grpc.unary(
        tonic::Request::new(SleepRequest { millis }),
        http::uri::PathAndQuery::from_static(SLEEP),
        codec,
    )
    .await
    .map(tonic::Response::into_inner)
}

/// grpc.health.v1 Check of `service` at `addr`.
pub async fn health(addr: SocketAddr, service: &str) -> Result<ServingStatus, Status> {
    let channel = channel(addr)
        .await
        .map_err(|err| Status::unavailable(err.to_string()))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?;
    Ok(response.into_inner().status())
}

/// Polls health until `service` is SERVING at `addr`; panics after `timeout`.
pub async fn wait_serving(addr: SocketAddr, service: &str, timeout: Duration) {
    let start = Instant::now();
    loop {
        let last = health(addr, service).await;
        if matches!(last, Ok(ServingStatus::Serving)) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "{service} at {addr} not SERVING after {timeout:?}: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
