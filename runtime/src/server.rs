//! The gRPC server: the servlet's services plus health and reflection, `/metrics`, and
//! graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use prost::Message as _;
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::{Config, Error};

/// A server under construction: the configuration, the services to serve and the
/// descriptor sets that reflection describes them with.
///
/// ```no_run
/// # async fn example<S>(svc: S, descriptor_set: &'static [u8]) -> Result<(), orrery_runtime::Error>
/// # where S: orrery_runtime::codegen::GrpcService {
/// use orrery_runtime::{Config, Runtime};
///
/// Runtime::new(Config::parse())
///     .add_service(svc) // e.g. FilesServiceServer::new(adapter)
///     .add_descriptor_set(descriptor_set)
///     .serve() // until SIGTERM or SIGINT, then drains
///     .await
/// # }
/// ```
pub struct Runtime {
    config: Config,
    routes: Routes,
    service_names: Vec<&'static str>,
    descriptor_sets: Vec<Vec<u8>>,
}

impl Runtime {
    /// A runtime that will serve nothing but health and reflection until services are added.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            routes: Routes::default(),
            service_names: Vec::new(),
            descriptor_sets: Vec::new(),
        }
    }

    /// The configuration this runtime was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Serves `svc` (any tonic-generated `XxxServer<T>`, or anything else that is a
    /// [`GrpcService`](crate::codegen::GrpcService)) at `/{S::NAME}/*`, and reports
    /// `S::NAME` as SERVING on grpc.health.v1.
    pub fn add_service<S>(mut self, svc: S) -> Self
    where
        S: crate::codegen::GrpcService,
    {
        self.routes = self.routes.add_service(svc);
        self.service_names.push(S::NAME);
        self
    }

    /// Adds an encoded `google.protobuf.FileDescriptorSet` (as `ServletApi` carries it) to
    /// what server reflection describes. It is decoded when the runtime is bound; a set that
    /// does not decode is an [`Error::DescriptorSet`] then.
    pub fn add_descriptor_set(mut self, encoded: impl Into<Vec<u8>>) -> Self {
        self.descriptor_sets.push(encoded.into());
        self
    }

    /// Binds the gRPC and metrics listeners, so their addresses (with the port the OS chose
    /// for a port of 0) are known before serving. Builds the reflection service here, so a
    /// bad descriptor set is an error before anything is served.
    pub async fn bind(self) -> Result<BoundRuntime, Error> {
        let reflection = reflection_service(&self.descriptor_sets)?;
        let grpc = bind("gRPC", self.config.listen).await?;
        let metrics = bind("metrics", self.config.metrics_listen).await?;
        let grpc_addr = local_addr("gRPC", &grpc, self.config.listen)?;
        let metrics_addr = local_addr("metrics", &metrics, self.config.metrics_listen)?;
        let (reporter, health) = tonic_health::server::health_reporter();
        Ok(BoundRuntime {
            config: self.config,
            routes: self.routes.add_service(health).add_service(reflection),
            service_names: self.service_names,
            reporter,
            grpc,
            metrics,
            grpc_addr,
            metrics_addr,
        })
    }

    /// Binds and serves until SIGTERM or SIGINT, then drains: see [`BoundRuntime::serve`].
    pub async fn serve(self) -> Result<(), Error> {
        self.bind().await?.serve().await
    }
}

/// A runtime whose listeners are bound; nothing is accepted until it serves.
pub struct BoundRuntime {
    config: Config,
    routes: Routes,
    service_names: Vec<&'static str>,
    reporter: HealthReporter,
    grpc: TcpListener,
    metrics: TcpListener,
    grpc_addr: SocketAddr,
    metrics_addr: SocketAddr,
}

impl BoundRuntime {
    /// The address the gRPC server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The address `/metrics` is served on.
    pub fn metrics_addr(&self) -> SocketAddr {
        self.metrics_addr
    }

    /// Serves until the process gets SIGTERM or SIGINT (Ctrl-C), then shuts down gracefully
    /// (see [`BoundRuntime::serve_with_shutdown`]) and returns `Ok(())`, so that a binary
    /// returning it from `main` exits 0.
    pub async fn serve(self) -> Result<(), Error> {
        let signal = shutdown_signal().map_err(Error::Signal)?;
        self.serve_with_shutdown(signal).await
    }

    /// Serves until `signal` completes, then shuts down gracefully:
    ///
    /// 1. every service, and the server as a whole (`""`), turns NOT_SERVING on health;
    /// 2. the gRPC listener closes, so new connections are refused, and open HTTP/2
    ///    connections get GOAWAY, so clients stop sending new calls on them;
    /// 3. calls in flight run to completion, for at most [`Config::drain_timeout`]; calls
    ///    still running then are dropped (their clients see the connection close);
    /// 4. `/metrics` stops, and this returns `Ok(())`.
    pub async fn serve_with_shutdown<F>(self, signal: F) -> Result<(), Error>
    where
        F: Future<Output = ()> + Send,
    {
        let BoundRuntime {
            config,
            routes,
            service_names,
            reporter,
            grpc,
            metrics,
            grpc_addr,
            metrics_addr,
        } = self;

        reporter
            .set_service_status("", ServingStatus::Serving)
            .await;
        for name in &service_names {
            reporter
                .set_service_status(*name, ServingStatus::Serving)
                .await;
        }

        let metrics_task = tokio::spawn(crate::metrics::serve(metrics));

        let (draining_tx, draining_rx) = tokio::sync::oneshot::channel::<()>();
        let on_signal = async move {
            signal.await;
            tracing::info!(drain_timeout = ?config.drain_timeout, "shutting down: draining in-flight calls");
            reporter
                .set_service_status("", ServingStatus::NotServing)
                .await;
            for name in &service_names {
                reporter
                    .set_service_status(*name, ServingStatus::NotServing)
                    .await;
            }
            let _ = draining_tx.send(());
        };
        let incoming = TcpIncoming::from(grpc).with_nodelay(Some(true));
        let server = tonic::transport::Server::builder()
            .add_routes(routes.prepare())
            .serve_with_incoming_shutdown(incoming, on_signal);
        let deadline = async move {
            match draining_rx.await {
                Ok(()) => tokio::time::sleep(config.drain_timeout).await,
                // The server ended without a shutdown signal: let its result win.
                Err(_) => std::future::pending().await,
            }
        };

        tracing::info!(%grpc_addr, %metrics_addr, "serving");
        let result = tokio::select! {
            result = server => result.map_err(Error::Serve),
            () = deadline => {
                tracing::warn!(drain_timeout = ?config.drain_timeout, "drain deadline passed; dropping the calls still in flight");
                Ok(())
            }
        };
        metrics_task.abort();
        result
    }
}

/// A future that completes on the first SIGTERM or SIGINT (on non-Unix: Ctrl-C). The
/// handlers are installed when this is called, not when the future is first polled, so a
/// signal arriving in between is not lost.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("got SIGTERM"),
                _ = int.recv() => tracing::info!("got SIGINT"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

async fn bind(what: &'static str, addr: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { what, addr, source })
}

fn local_addr(
    what: &'static str,
    listener: &TcpListener,
    addr: SocketAddr,
) -> Result<SocketAddr, Error> {
    listener
        .local_addr()
        .map_err(|source| Error::Bind { what, addr, source })
}

/// The v1 reflection service over the health service's descriptors and the given sets.
fn reflection_service(
    descriptor_sets: &[Vec<u8>],
) -> Result<
    impl tonic::codegen::Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = Infallible,
        Future = impl Send + 'static,
    > + NamedService
    + Clone
    + Send
    + Sync
    + 'static,
    Error,
> {
    let mut builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    for (index, encoded) in descriptor_sets.iter().enumerate() {
        let set = prost_types::FileDescriptorSet::decode(encoded.as_slice())
            .map_err(|source| Error::DescriptorSet { index, source })?;
        builder = builder.register_file_descriptor_set(set);
    }
    builder.build_v1().map_err(Error::Reflection)
}
