//! The generated adapter's overhead: the probe servlet's `echo` handler served by
//! orrery's runtime through the generated adapter (deadline, panic isolation, tracing span,
//! metrics, health and reflection beside it), against the same handler in a hand-written
//! tonic service on a bare tonic server. Both run on loopback in this process, loaded by the
//! same client, in alternating rounds, so the ratio comes from one run on one machine.
//!
//! `cargo bench -p orrery-e2e --bench adapter` prints a table; `-- --seconds N --rounds R
//! --concurrency C` changes the load.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orrery_runtime::codegen::{Request, Response, Status, async_trait, tonic};
use orrery_runtime::{Clients, Config, Runtime};
use probe_api::probe_service_client::ProbeServiceClient;
use probe_api::probe_service_server::{ProbeService, ProbeServiceServer};
use probe_api::{
    EchoRequest, EchoResponse, FailRequest, FailResponse, PanicRequest, PanicResponse,
    SleepRequest, SleepResponse,
};
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic::transport::server::TcpIncoming;

/// The baseline: what a team would write by hand with tonic, calling the same handlers.
struct HandWritten(Arc<probe::Probe>);

#[async_trait]
impl ProbeService for HandWritten {
    async fn echo(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        probe::echo(&self.0, request.into_inner())
            .await
            .map(Response::new)
    }
    async fn sleep(
        &self,
        request: Request<SleepRequest>,
    ) -> Result<Response<SleepResponse>, Status> {
        probe::sleep(&self.0, request.into_inner())
            .await
            .map(Response::new)
    }
    async fn fail(&self, request: Request<FailRequest>) -> Result<Response<FailResponse>, Status> {
        probe::fail(&self.0, request.into_inner())
            .await
            .map(Response::new)
    }
    async fn panic(
        &self,
        request: Request<PanicRequest>,
    ) -> Result<Response<PanicResponse>, Status> {
        probe::panic(&self.0, request.into_inner())
            .await
            .map(Response::new)
    }
}

struct Options {
    seconds: f64,
    rounds: usize,
    concurrency: usize,
}

fn options() -> Options {
    let mut options = Options {
        seconds: 2.0,
        rounds: 5,
        concurrency: 32,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--seconds" => options.seconds = pair[1].parse().expect("--seconds N"),
            "--rounds" => options.rounds = pair[1].parse().expect("--rounds N"),
            "--concurrency" => options.concurrency = pair[1].parse().expect("--concurrency N"),
            _ => {}
        }
    }
    options
}

/// One round's result.
struct Round {
    calls_per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(address: SocketAddr, options: &Options) -> Round {
    let channel = Channel::from_shared(format!("http://{address}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let until = Instant::now() + Duration::from_secs_f64(options.seconds);
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let mut client = ProbeServiceClient::new(channel.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let started = Instant::now();
                    client
                        .echo(EchoRequest {
                            message: "bench".into(),
                        })
                        .await
                        .expect("echo");
                    latencies.push(started.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Round {
        calls_per_second: latencies.len() as f64 / options.seconds,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let options = options();

    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        metrics_listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    let clients = Clients::new(config.max_request_bytes, config.max_response_bytes);
    let generated = orrery_runtime::host(Runtime::new(config), &clients, &[probe_server::SERVLET])
        .expect("host probe")
        .bind()
        .await
        .expect("bind");
    let generated_address = generated.local_addr();
    tokio::spawn(generated.serve_with_shutdown(std::future::pending()));

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hand_written_address = listener.local_addr().expect("address");
    let service = ProbeServiceServer::new(HandWritten(Arc::new(probe::Probe::new(false))));
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(TcpIncoming::from(listener).with_nodelay(Some(true))),
    );

    // Warm both up: connections, allocator, branch predictors.
    let warm_up = Options {
        seconds: 0.5,
        ..options
    };
    load(generated_address, &warm_up).await;
    load(hand_written_address, &warm_up).await;

    let mut generated_rounds = Vec::new();
    let mut hand_written_rounds = Vec::new();
    for _ in 0..options.rounds {
        hand_written_rounds.push(load(hand_written_address, &options).await);
        generated_rounds.push(load(generated_address, &options).await);
    }

    let summary = |rounds: &[Round]| {
        (
            median(rounds.iter().map(|r| r.calls_per_second).collect()),
            median(rounds.iter().map(|r| r.p50.as_secs_f64() * 1e3).collect()),
            median(rounds.iter().map(|r| r.p99.as_secs_f64() * 1e3).collect()),
        )
    };
    let (hand_rate, hand_p50, hand_p99) = summary(&hand_written_rounds);
    let (gen_rate, gen_p50, gen_p99) = summary(&generated_rounds);
    println!(
        "probe.Echo on loopback: {} rounds of {} s each, {} concurrent calls, medians of the rounds\n",
        options.rounds, options.seconds, options.concurrency
    );
    println!("| server | calls/s | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| hand-written tonic | {hand_rate:.0} | {hand_p50:.3} | {hand_p99:.3} |");
    println!("| orrery adapter + runtime | {gen_rate:.0} | {gen_p50:.3} | {gen_p99:.3} |");
    println!(
        "| **overhead** | **{:+.1}%** | {:+.1}% | **{:+.1}%** |",
        (hand_rate / gen_rate - 1.0) * 100.0,
        (gen_p50 / hand_p50 - 1.0) * 100.0,
        (gen_p99 / hand_p99 - 1.0) * 100.0,
    );
}
