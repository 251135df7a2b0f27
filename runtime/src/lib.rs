//! The thin runtime that orrery-generated servlet code links.
//!
//! `orrery gen` writes, per servlet, an `api` crate (messages, client, server trait), an
//! adapter serving the servlet's handler functions as that gRPC service, and a server binary.
//! The adapter and the binary import everything they need from one module,
//! [`codegen`]; this crate supplies:
//!
//! - [`Config`]: listen addresses and drain deadline, from flags and env (flags win);
//! - [`Runtime`]: a tonic server for the servlet's services, with grpc.health.v1 health
//!   (each added service, and `""` for the whole server, SERVING) and v1 server reflection
//!   over the servlets' descriptor sets;
//! - [`metrics`]: `orrery_grpc_requests_total` and `orrery_grpc_request_duration_seconds`,
//!   served in the Prometheus text format at `/metrics` on a separate listener;
//! - graceful shutdown on SIGTERM/SIGINT: stop accepting, drain in-flight calls up to the
//!   deadline, then return `Ok(())` so the binary exits 0.
//!
//! A generated server binary is, in full:
//!
//! ```no_run
//! use orrery_runtime::codegen as rt;
//! # mod files_api { pub const FILE_DESCRIPTOR_SET: &[u8] = &[]; }
//! # fn files_server() -> impl rt::GrpcService { tonic_health::server::health_reporter().1 }
//!
//! #[rt::main(crate = "rt::tokio")]
//! async fn main() -> Result<(), rt::Error> {
//!     rt::Runtime::new(rt::Config::parse())
//!         .add_service(files_server()) // FilesServiceServer::new(adapter)
//!         .add_descriptor_set(files_api::FILE_DESCRIPTOR_SET)
//!         .serve()
//!         .await
//! }
//! ```

mod adapter;
mod clients;
pub mod codegen;
mod config;
mod error;
mod host;
pub mod metrics;
mod server;

pub use adapter::{parse_grpc_timeout, unary};
pub use clients::{Clients, Remote, Target, call, endpoint_variable};
pub use config::{Config, DEFAULT_MESSAGE_BYTES};
pub use error::Error;
pub use host::{Servlet, host, main, select};
pub use server::{BoundRuntime, Runtime, shutdown_signal};
