//! Graceful shutdown, against a real process.
//!
//! This binary has its own `main` (`harness = false`). Run normally it is the test driver;
//! with `ORRERY_RUNTIME_TEST_ROLE=server` in its environment it is a server binary like the
//! ones orrery generates: `Config::parse()` from its arguments, the test `Slow` service, and
//! `Runtime::serve()` until a signal, with `main`'s exit status being the runtime's verdict.
//! The driver starts it, calls it, signals it with `kill`, and checks what happens.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use orrery_runtime::codegen::tonic::Code;
use orrery_runtime::{Config, Runtime};
use tokio::sync::mpsc;

const ROLE: &str = "ORRERY_RUNTIME_TEST_ROLE";
const LISTENING: &str = "LISTENING ";
/// Generous bound for anything that should take milliseconds.
const PATIENCE: Duration = Duration::from_secs(30);

/// A test's name and body.
type Test = (&'static str, fn() -> Pin<Box<dyn Future<Output = ()>>>);

fn main() {
    if std::env::var_os(ROLE).is_some() {
        std::process::exit(server());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tests: [Test; 3] = [
        ("sigterm_lets_the_call_in_flight_finish_and_exits_0", || {
            Box::pin(sigterm_lets_the_call_in_flight_finish_and_exits_0())
        }),
        ("drain_deadline_cuts_off_a_call_and_still_exits_0", || {
            Box::pin(drain_deadline_cuts_off_a_call_and_still_exits_0())
        }),
        ("sigint_exits_0", || Box::pin(sigint_exits_0())),
    ];
    let selected: Vec<_> = tests
        .iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    for (name, test) in &selected {
        let start = Instant::now();
        rt.block_on(test());
        println!("test {name} ... ok ({:.2?})", start.elapsed());
    }
    println!("\ntest result: ok. {} passed", selected.len());
}

/// The server role: what a generated server binary does, plus a line telling the driver the
/// address it got.
fn server() -> i32 {
    let config = Config::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async {
        let bound = Runtime::new(config)
            .add_service(support::SlowServer { announce: true })
            .add_descriptor_set(support::descriptor_set())
            .bind()
            .await?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{LISTENING}{}", bound.local_addr());
            let _ = out.flush();
        }
        bound.serve().await
    });
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("server: {err}");
            1
        }
    }
}

/// A server child process; killed if the test fails before it exits.
struct Server {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    addr: SocketAddr,
}

impl Server {
    async fn start(drain_timeout_ms: u64) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, "server")
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
            .arg(format!("--drain-timeout-ms={drain_timeout_ms}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            lines,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let line = server.next_line().await;
        server.addr = line
            .strip_prefix(LISTENING)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("expected `{LISTENING}ADDR`, got {line:?}"));
        support::wait_serving(server.addr, support::SERVICE, PATIENCE).await;
        server
    }

    async fn next_line(&mut self) -> String {
        tokio::time::timeout(PATIENCE, self.lines.recv())
            .await
            .expect("a line from the server in time")
            .expect("the server's stdout is open")
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal}: {status}");
    }

    async fn exit_status(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "the server did not exit within {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls until a new TCP connection to `addr` is refused.
async fn wait_refused(addr: SocketAddr) {
    let start = Instant::now();
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => return,
            other => {
                assert!(
                    start.elapsed() < PATIENCE,
                    "connections to {addr} still not refused after {PATIENCE:?}: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn sigterm_lets_the_call_in_flight_finish_and_exits_0() {
    let mut server = Server::start(30_000).await;
    let channel = support::channel(server.addr).await.unwrap();
    let started = Instant::now();
    let call = tokio::spawn(support::sleep(channel, 2_000));
    assert_eq!(server.next_line().await, support::STARTED_LINE);

    server.signal("TERM");
    wait_refused(server.addr).await;
    assert!(
        !call.is_finished(),
        "new connections must be refused while the call is still in flight"
    );

    let response = tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the call finishes")
        .unwrap()
        .expect("the call in flight completes OK");
    assert_eq!(response.slept_millis, 2_000);
    assert!(started.elapsed() >= Duration::from_millis(2_000));

    let status = server.exit_status().await;
    assert_eq!(status.code(), Some(0), "{status}");
}

async fn drain_deadline_cuts_off_a_call_and_still_exits_0() {
    let mut server = Server::start(300).await;
    let channel = support::channel(server.addr).await.unwrap();
    let started = Instant::now();
    let call = tokio::spawn(support::sleep(channel, 120_000));
    assert_eq!(server.next_line().await, support::STARTED_LINE);

    server.signal("TERM");
    let status = server.exit_status().await;
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(started.elapsed() < Duration::from_secs(60));

    let err = tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the call ends when the server exits")
        .unwrap()
        .expect_err("a call cut off by the drain deadline fails");
    assert!(
        matches!(
            err.code(),
            Code::Unavailable | Code::Unknown | Code::Internal
        ),
        "{err:?}"
    );
}

async fn sigint_exits_0() {
    let mut server = Server::start(30_000).await;
    server.signal("INT");
    let status = server.exit_status().await;
    assert_eq!(status.code(), Some(0), "{status}");
}
