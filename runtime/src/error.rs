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
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } | Error::Signal(source) => Some(source),
            Error::DescriptorSet { source, .. } => Some(source),
            Error::Reflection(err) => Some(err),
            Error::Serve(err) => Some(err),
        }
    }
}
