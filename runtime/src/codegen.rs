//! Everything orrery-generated adapters and binaries use, in one module.
//!
//! Generated code writes `use ::orrery_runtime::codegen as rt;` (or `::orrery_runtime::codegen::*`)
//! and names everything through it, so a servlet's crate needs `orrery-runtime` and its `api`
//! crate as its only dependencies for serving, and the versions of tonic, prost and tokio are
//! chosen here, once, for the whole repository.
//!
//! What is here:
//!
//! - the crates themselves: [`tonic`], [`tonic_prost`], [`prost`], [`tokio`], [`tracing`];
//! - the names an adapter implementing a generated `XxxService` trait needs:
//!   [`Request`], [`Response`], [`Status`], [`Code`], [`Streaming`], [`async_trait`] (tonic's
//!   re-export of `async-trait`, which the generated traits use);
//! - the names a server binary needs: [`Runtime`], [`Config`], [`BoundRuntime`], [`Error`],
//!   [`NamedService`], [`Routes`], the [`GrpcService`] bound that every generated
//!   `XxxServer<T>` meets, and the [`main`] attribute;
//! - for the adapter: [`unary`], which wraps each handler call with the deadline, panic
//!   isolation, tracing span and metrics;
//! - for typed clients: [`Clients`] (the factory), [`Target`] and [`Remote`], and
//!   [`Channel`] and [`Endpoint`];
//! - for binaries: [`Servlet`] (what a server crate exports) and [`serve_main`];
//! - [`metrics`], whose [`metrics::record`] the adapter calls once per finished call.

pub use ::prost;
pub use ::tokio;
pub use ::tonic;
pub use ::tonic_prost;
pub use ::tracing;

pub use ::tokio::main;
pub use ::tonic::async_trait;
pub use ::tonic::codegen::http;
pub use ::tonic::server::NamedService;
pub use ::tonic::service::Routes;
pub use ::tonic::transport::{Channel, Endpoint};
pub use ::tonic::{Code, Request, Response, Status, Streaming};

pub use crate::metrics;
pub use crate::{
    BoundRuntime, Clients, Config, Error, Remote, Runtime, Servlet, Target, call,
    main as serve_main, shutdown_signal, unary,
};

/// A gRPC service the runtime can serve: what every tonic-generated `XxxServer<T>` is.
///
/// It is an HTTP service over tonic's body type that never fails at the HTTP level (gRPC
/// errors travel in the response's trailers), is cheap to clone (one clone per connection)
/// and knows its fully qualified gRPC name ([`NamedService::NAME`]), which the runtime routes
/// `/{NAME}/*` to and reports on health.
pub trait GrpcService:
    tonic::codegen::Service<
        http::Request<tonic::body::Body>,
        Response = http::Response<tonic::body::Body>,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + NamedService
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> GrpcService for S where
    S: tonic::codegen::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static
{
}
