//! The runtime's error type.

use std::fmt;
use std::net::SocketAddr;

/// Why the runtime could not start or keep serving.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A listen address could not be bound (in use, not local, no permission).
    Bind {
        /// `"gRPC"` or `"metrics"`.
        what: &'static str,
        /// The address from [`crate::Config`].
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A descriptor set passed to [`crate::Runtime::add_descriptor_set`] is not an encoded
    /// `google.protobuf.FileDescriptorSet`.
    DescriptorSet {
        /// Its position among the added descriptor sets, from 0.
        index: usize,
        /// The decoding error.
        source: prost::DecodeError,
    },
    /// The reflection service rejected the descriptor sets (for example, a file twice with
    /// different contents).
    Reflection(tonic_reflection::server::Error),
    /// The SIGTERM/SIGINT handlers could not be installed.
    Signal(std::io::Error),
    /// The gRPC server failed while serving.
    Serve(tonic::transport::Error),
    /// The Tokio runtime could not start.
    Tokio(std::io::Error),
    /// A typed client of `servlet` could not be built: it is neither hosted here nor has a
    /// usable address.
    Client { servlet: String, problem: String },
    /// The `--discovery` file could not be read or is not the expected JSON.
    Discovery {
        path: std::path::PathBuf,
        problem: String,
    },
    /// `--servlets` names a servlet this binary cannot host.
    UnknownServlet { name: String, known: Vec<String> },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bind { what, addr, source } => {
                write!(f, "cannot listen for {what} on {addr}: {source}")
            }
            Error::DescriptorSet { index, source } => write!(
                f,
                "descriptor set #{index} is not an encoded FileDescriptorSet: {source}"
            ),
            Error::Reflection(err) => write!(f, "cannot build the reflection service: {err}"),
            Error::Signal(err) => write!(f, "cannot install the SIGTERM/SIGINT handlers: {err}"),
            Error::Serve(err) => write!(f, "gRPC server failed: {err}"),
            Error::Tokio(err) => write!(f, "cannot start the Tokio runtime: {err}"),
            Error::Client { servlet, problem } => {
                write!(f, "cannot build a client of servlet `{servlet}`: {problem}")
            }
            Error::Discovery { path, problem } => write!(
                f,
                "cannot read the discovery file {}: {problem}",
                path.display()
            ),
            Error::UnknownServlet { name, known } => write!(
                f,
                "no servlet `{name}` in this binary; it hosts: {}",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } | Error::Signal(source) | Error::Tokio(source) => {
                Some(source)
            }
            Error::DescriptorSet { source, .. } => Some(source),
            Error::Reflection(err) => Some(err),
            Error::Serve(err) => Some(err),
            Error::Client { .. } | Error::Discovery { .. } | Error::UnknownServlet { .. } => None,
        }
    }
}
