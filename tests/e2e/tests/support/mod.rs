//! Builds the generated binaries once, starts them as real processes on loopback, and reads
//! what they serve.

#![allow(dead_code)]

pub mod envoy;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use orrery_runtime::Clients;

/// Generous bound for anything that should take milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The path of binary `name` of package `package`, built (once per test process) by cargo in
/// this workspace, as `cargo build` would leave it.
pub fn binary(package: &str, name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    // Benchmarks (built without debug assertions) measure optimised servers.
    let profile: &[&str] = if cfg!(debug_assertions) {
        &[]
    } else {
        &["--release"]
    };
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--message-format=json",
            "-p",
            package,
            "--bin",
            name,
        ])
        .args(profile)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p {package} --bin {name} failed"
    );
    let path = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == name)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable `{name}`"));
    built.insert(name.to_owned(), path.clone());
    path
}

/// A server process, killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub grpc: SocketAddr,
    pub metrics: SocketAddr,
    /// Everything the process wrote to stderr so far.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `binary` with `args` and `env` on free loopback ports, with the probe's drills
    /// enabled, and waits until it serves.
    pub fn start(binary: &PathBuf, args: &[&str], env: &[(&str, String)]) -> Server {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
            .args(args)
            .env("ORRERY_PROBE_DRILLS", "1")
            .env("ORRERY_LOG", "info")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (addresses_tx, addresses_rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let (Some(grpc), Some(metrics)) =
                    (field(&line, "grpc_addr="), field(&line, "metrics_addr="))
                {
                    let _ = addresses_tx.send((grpc, metrics));
                }
                let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let Ok((grpc, metrics)) = addresses_rx.recv_timeout(PATIENCE) else {
            let _ = child.kill();
            panic!(
                "{} did not start serving:\n{}",
                binary.display(),
                log.lock().unwrap()
            );
        };
        Server {
            child: Some(child),
            grpc,
            metrics,
            log,
        }
    }

    /// `http://127.0.0.1:PORT`, for `ORRERY_ENDPOINT_<NAME>`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// A client factory that reaches each of `servlets` at this server.
    pub fn clients(&self, servlets: &[&str]) -> Clients {
        let environment = servlets
            .iter()
            .map(|servlet| (orrery_runtime::endpoint_variable(servlet), self.uri()));
        Clients::from_environment(None, environment, 4 << 20, 4 << 20).expect("client factory")
    }

    /// What `/metrics` serves now.
    pub fn metrics(&self) -> String {
        let mut stream = TcpStream::connect(self.metrics).expect("connect to /metrics");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .expect("send GET /metrics");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read /metrics");
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }

    /// The value of the sample `name{labels}` in `/metrics`, 0 when absent.
    pub fn sample(&self, series: &str) -> u64 {
        self.metrics()
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {pid}");
    }

    /// Waits for the process to exit.
    pub fn wait(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().expect("wait for the server") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server did not exit:\n{}", self.log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value after `key` in a log line, up to the next space.
fn field(line: &str, key: &str) -> Option<SocketAddr> {
    let start = line.find(key)? + key.len();
    line[start..].split_whitespace().next()?.parse().ok()
}
