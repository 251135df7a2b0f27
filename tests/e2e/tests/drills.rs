//! The generated adapter and the runtime under stress, through the probe servlet's drills,
//! against the real generated `probe_server` binary on loopback: a panicking handler, a
//! deadline, SIGTERM during a slow call, and the message size limits.

mod support;

use std::time::{Duration, Instant};

use probe_api::{Code, EchoRequest, PanicRequest, ProbeClient, SleepRequest};
use support::{Server, binary};

fn probe_server(args: &[&str]) -> Server {
    Server::start(&binary("probe_server", "probe_server"), args, &[])
}

fn client(server: &Server) -> ProbeClient {
    ProbeClient::new(&server.clients(&["probe"])).expect("probe client")
}

#[tokio::test]
async fn a_panicking_handler_answers_internal_and_the_next_call_succeeds() {
    let server = probe_server(&[]);
    let probe = client(&server);
    let status = probe
        .panic(PanicRequest {
            message: "drill".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Internal, "the handler panicked")
    );
    let echoed = probe
        .echo(EchoRequest {
            message: "still here".into(),
        })
        .await
        .unwrap();
    assert_eq!(echoed.message, "still here");
    assert_eq!(
        server.sample(r#"orrery_grpc_panics_total{method="/orrery.probe.v1.ProbeService/Panic"}"#),
        1
    );
    assert_eq!(
        server.sample(
            r#"orrery_grpc_requests_total{code="INTERNAL",method="/orrery.probe.v1.ProbeService/Panic"}"#
        ),
        1
    );
    assert!(
        server.log().contains("probe drill: drill"),
        "the panic is logged:\n{}",
        server.log()
    );
}

#[tokio::test]
async fn a_deadline_ends_a_slow_call_with_deadline_exceeded() {
    let server = probe_server(&[]);
    let probe = client(&server).with_timeout(Duration::from_millis(300));
    // Connect first, so the deadline's clock on both sides starts within transit time.
    probe
        .echo(EchoRequest {
            message: "connect".into(),
        })
        .await
        .unwrap();
    let started = Instant::now();
    let status = probe
        .sleep(SleepRequest { millis: 10_000 })
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(took < Duration::from_secs(5), "the call took {took:?}");
    // The server gave up too: the handler stopped and the call counts as DEADLINE_EXCEEDED.
    let series = r#"orrery_grpc_requests_total{code="DEADLINE_EXCEEDED",method="/orrery.probe.v1.ProbeService/Sleep"}"#;
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.sample(series) != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.sample(series), 1, "{}", server.metrics());
}

#[tokio::test]
async fn sigterm_during_a_slow_call_lets_it_finish_and_exits_0() {
    let server = probe_server(&["--drain-timeout-ms", "10000"]);
    let probe = client(&server);
    let call = tokio::spawn(async move { probe.sleep(SleepRequest { millis: 1500 }).await });
    // Let the call reach the handler, then ask the server to stop.
    let series = r#"orrery_grpc_request_duration_seconds_count{method="/orrery.probe.v1.ProbeService/Sleep"}"#;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.sample(series), 0, "the call is still running");
    server.terminate();
    let answer = call
        .await
        .expect("the call task")
        .expect("the call completes");
    assert_eq!(answer.slept_millis, 1500);
    let log = server.log.clone();
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "{}", log.lock().unwrap());
}

#[tokio::test]
async fn a_request_above_the_limit_is_refused_before_the_handler() {
    let server = probe_server(&["--max-request-bytes", "1024"]);
    let probe = client(&server);
    let status = probe
        .echo(EchoRequest {
            message: "x".repeat(2048),
        })
        .await
        .unwrap_err();
    // tonic's code for a message over the limit.
    assert_eq!(
        (status.code(), status.message()),
        (
            Code::OutOfRange,
            "Error, decoded message length too large: found 2051 bytes, the limit is: 1024 bytes"
        )
    );

    let small = probe
        .echo(EchoRequest {
            message: "x".repeat(512),
        })
        .await
        .unwrap();
    assert_eq!(small.message.len(), 512);
    assert_eq!(
        small.served, 1,
        "the oversized call never reached the handler"
    );
}
