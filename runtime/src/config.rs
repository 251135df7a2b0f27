//! Process configuration: where to listen and how long to drain, from flags and env.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser};

/// The runtime's configuration, read from command-line flags and environment variables.
///
/// Every setting has a flag, an environment variable and a default; a flag wins over the
/// variable, and the variable wins over the default:
///
/// | flag | variable | default |
/// | --- | --- | --- |
/// | `--listen ADDR` | `ORRERY_LISTEN` | `127.0.0.1:50051` |
/// | `--metrics-listen ADDR` | `ORRERY_METRICS_LISTEN` | `127.0.0.1:9090` |
/// | `--drain-timeout-ms MS` | `ORRERY_DRAIN_TIMEOUT_MS` | `10000` |
/// | `--discovery FILE` | `ORRERY_DISCOVERY` | none |
/// | `--max-request-bytes BYTES` | `ORRERY_MAX_REQUEST_BYTES` | `4194304` |
/// | `--max-response-bytes BYTES` | `ORRERY_MAX_RESPONSE_BYTES` | `4194304` |
///
/// Addresses are `IP:PORT` (`0.0.0.0:50051`, `[::]:50051`), not host names. A port of `0` asks the OS for a free port; [`crate::BoundRuntime`] reports the one it got.
///
/// `Config` is a [`clap::Args`], so a binary with flags of its own (the monolith's
/// `--servlets`) embeds it with `#[command(flatten)]`; a binary without any uses
/// [`Config::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct Config {
    /// The address the gRPC server listens on.
    #[arg(
        long = "listen",
        env = "ORRERY_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:50051"
    )]
    pub listen: SocketAddr,

    /// The address the Prometheus `/metrics` endpoint listens on.
    #[arg(
        long = "metrics-listen",
        env = "ORRERY_METRICS_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:9090"
    )]
    pub metrics_listen: SocketAddr,

    /// After SIGTERM or SIGINT, how long in-flight calls may run before the server stops
    /// anyway, in milliseconds.
    #[arg(
        long = "drain-timeout-ms",
        env = "ORRERY_DRAIN_TIMEOUT_MS",
        value_name = "MS",
        default_value = "10000",
        value_parser = parse_millis
    )]
    pub drain_timeout: Duration,

    /// A JSON file from servlet name to URI, saying where the servlets this process calls
    /// but does not host are served; `ORRERY_ENDPOINT_<NAME>` variables override it.
    #[arg(long = "discovery", env = "ORRERY_DISCOVERY", value_name = "FILE")]
    pub discovery: Option<PathBuf>,

    /// The largest request message served or sent, in bytes; larger ones fail with
    /// OUT_OF_RANGE (tonic's code for a message over the limit) before any handler runs.
    #[arg(
        long = "max-request-bytes",
        env = "ORRERY_MAX_REQUEST_BYTES",
        value_name = "BYTES",
        default_value_t = DEFAULT_MESSAGE_BYTES
    )]
    pub max_request_bytes: usize,

    /// The largest response message served or accepted, in bytes; larger ones fail with
    /// OUT_OF_RANGE.
    #[arg(
        long = "max-response-bytes",
        env = "ORRERY_MAX_RESPONSE_BYTES",
        value_name = "BYTES",
        default_value_t = DEFAULT_MESSAGE_BYTES
    )]
    pub max_response_bytes: usize,
}

/// gRPC's customary limit, 4 MiB, for requests and responses alike.
pub const DEFAULT_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// A command line holding only [`Config`].
#[derive(Debug, Parser)]
#[command(about = "An orrery servlet server.")]
struct ConfigOnly {
    #[command(flatten)]
    config: Config,
}

impl Config {
    /// Reads the configuration from the process's arguments and environment. On a bad value,
    /// or on `--help`, prints clap's message and exits (status 2 for a bad value, 0 for help).
    pub fn parse() -> Self {
        ConfigOnly::parse().config
    }

    /// Reads the configuration from `args` (the first item is the program name) and the
    /// process's environment. A bad or unknown value is a [`clap::Error`] naming the flag or
    /// variable and the value; print it with `Display`, or call [`clap::Error::exit`].
    pub fn try_parse_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        ConfigOnly::try_parse_from(args).map(|c| c.config)
    }
}

impl Default for Config {
    /// The documented defaults, ignoring flags and environment.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            drain_timeout: Duration::from_millis(10_000),
            discovery: None,
            max_request_bytes: DEFAULT_MESSAGE_BYTES,
            max_response_bytes: DEFAULT_MESSAGE_BYTES,
        }
    }
}

fn parse_millis(value: &str) -> Result<Duration, String> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| format!("expected a whole number of milliseconds, got `{value}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // These tests never set environment variables (that would race with other tests in this
    // binary); env handling and precedence are tested in `tests/config.rs`, one test per binary.

    #[test]
    fn flags_parse() {
        let config = Config::try_parse_from([
            "server",
            "--listen",
            "0.0.0.0:7000",
            "--metrics-listen=[::1]:7001",
            "--drain-timeout-ms",
            "250",
        ])
        .unwrap();
        assert_eq!(config.listen, "0.0.0.0:7000".parse().unwrap());
        assert_eq!(config.metrics_listen, "[::1]:7001".parse().unwrap());
        assert_eq!(config.drain_timeout, Duration::from_millis(250));
    }

    #[test]
    fn bad_address_is_an_error_naming_the_flag() {
        let err = Config::try_parse_from(["server", "--listen", "nowhere"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
        let text = err.to_string();
        assert!(text.contains("--listen"), "{text}");
        assert!(text.contains("nowhere"), "{text}");
    }

    #[test]
    fn bad_drain_timeout_is_an_error_naming_the_value() {
        let err = Config::try_parse_from(["server", "--drain-timeout-ms", "soon"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("--drain-timeout-ms"), "{text}");
        assert!(text.contains("milliseconds"), "{text}");
    }

    #[test]
    fn unknown_flag_is_an_error() {
        let err = Config::try_parse_from(["server", "--bogus"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
    }

    #[test]
    fn default_matches_the_documented_defaults() {
        assert_eq!(Config::default().listen, "127.0.0.1:50051".parse().unwrap());
        assert_eq!(
            Config::default().metrics_listen,
            "127.0.0.1:9090".parse().unwrap()
        );
        assert_eq!(Config::default().drain_timeout, Duration::from_secs(10));
    }
}
