//! The client factory: where each servlet a process calls is served.
//!
//! A generated typed client (`sharing_api::SharingClient`) asks [`Clients::target`] once, when
//! it is built. When the monolith hosts the callee, the answer is the callee's adapter itself,
//! and a call is a plain async function call: no encoding, no socket, yet the same deadline,
//! metrics and panic isolation. Otherwise it is a lazily connected gRPC channel to the address
//! the environment or the discovery file gives. The calling code is the same either way.

use std::any::Any;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use std::future::Future;
use std::time::{Duration, Instant};

use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Response, Status};

use crate::Error;

/// Where a servlet's service is: in this process, or across the network.
pub enum Target<S: ?Sized> {
    /// The servlet is hosted here: call its adapter directly.
    Local(Arc<S>),
    /// The servlet is served elsewhere: call it over this channel, with these limits.
    Remote(Remote),
}

impl<S: ?Sized> Clone for Target<S> {
    fn clone(&self) -> Self {
        match self {
            Target::Local(service) => Target::Local(Arc::clone(service)),
            Target::Remote(remote) => Target::Remote(remote.clone()),
        }
    }
}

/// A channel to a servlet served elsewhere, and the message size limits for calls on it.
#[derive(Clone, Debug)]
pub struct Remote {
    pub channel: Channel,
    /// The largest request message the client will send, in bytes.
    pub max_request_bytes: usize,
    /// The largest response message the client will accept, in bytes.
    pub max_response_bytes: usize,
}

/// Which servlets this process hosts, and the addresses of the others. Cheap to clone; the
/// clones share what is hosted.
#[derive(Clone, Default)]
pub struct Clients {
    hosted: Arc<RwLock<BTreeMap<String, Arc<dyn Any + Send + Sync>>>>,
    addresses: Arc<BTreeMap<String, String>>,
    max_request_bytes: usize,
    max_response_bytes: usize,
}

/// The environment variable naming where `servlet` is served: `ORRERY_ENDPOINT_SHARING`.
pub fn endpoint_variable(servlet: &str) -> String {
    format!("ORRERY_ENDPOINT_{}", servlet.to_ascii_uppercase())
}

impl Clients {
    /// A factory that knows no addresses, with the given message size limits: every target
    /// must be hosted here. What tests of a single servlet start from.
    pub fn new(max_request_bytes: usize, max_response_bytes: usize) -> Self {
        Self {
            max_request_bytes,
            max_response_bytes,
            ..Self::default()
        }
    }

    /// A factory with the addresses in the discovery file, if any, overridden by the
    /// `ORRERY_ENDPOINT_<SERVLET>` variables in `environment`.
    ///
    /// The discovery file is a JSON object from servlet name to URI:
    /// `{"sharing": "http://sharing.orrery.svc:50051"}`.
    pub fn from_environment(
        discovery: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
        max_request_bytes: usize,
        max_response_bytes: usize,
    ) -> Result<Self, Error> {
        let mut addresses = match discovery {
            Some(path) => read_discovery(path)?,
            None => BTreeMap::new(),
        };
        for (variable, value) in environment {
            if let Some(servlet) = variable.strip_prefix("ORRERY_ENDPOINT_") {
                addresses.insert(servlet.to_ascii_lowercase(), value);
            }
        }
        Ok(Self {
            addresses: Arc::new(addresses),
            ..Self::new(max_request_bytes, max_response_bytes)
        })
    }

    /// Hosts `service`, the adapter of the gRPC service named `name`
    /// (`orrery.sharing.v1.SharingService`), in this process: from now on, typed clients built
    /// from this factory call it directly. `S` is the generated server trait object,
    /// `dyn SharingService`.
    pub fn host<S>(&self, name: &str, service: Arc<S>)
    where
        S: ?Sized + Send + Sync + 'static,
    {
        let mut hosted = self.hosted.write().unwrap_or_else(|e| e.into_inner());
        hosted.insert(name.to_owned(), Arc::new(service));
    }

    /// Does this process host the gRPC service named `name`?
    pub fn hosts(&self, name: &str) -> bool {
        let hosted = self.hosted.read().unwrap_or_else(|e| e.into_inner());
        hosted.contains_key(name)
    }

    /// Where the gRPC service `name` of `servlet` is served: its adapter when it is hosted
    /// here (as `S`, the trait object it was hosted as), otherwise a lazily connected channel
    /// to the servlet's address. Must run inside a Tokio runtime, which the channel's
    /// connection task needs.
    pub fn target<S>(&self, servlet: &str, name: &str) -> Result<Target<S>, Error>
    where
        S: ?Sized + Send + Sync + 'static,
    {
        let hosted = self.hosted.read().unwrap_or_else(|e| e.into_inner());
        if let Some(service) = hosted.get(name) {
            let service = service
                .downcast_ref::<Arc<S>>()
                .ok_or_else(|| Error::Client {
                    servlet: servlet.to_owned(),
                    problem: format!(
                        "it is hosted here, but not as `{}`",
                        std::any::type_name::<S>()
                    ),
                })?;
            return Ok(Target::Local(Arc::clone(service)));
        }
        let address = self.addresses.get(servlet).ok_or_else(|| Error::Client {
            servlet: servlet.to_owned(),
            problem: format!(
                "it is not hosted in this process and has no address: set {} (or list it in the --discovery file) to a URI such as http://127.0.0.1:50051",
                endpoint_variable(servlet)
            ),
        })?;
        let endpoint = Endpoint::from_shared(address.clone()).map_err(|err| Error::Client {
            servlet: servlet.to_owned(),
            problem: format!("its address `{address}` is not a URI: {err}"),
        })?;
        Ok(Target::Remote(Remote {
            channel: endpoint.connect_lazy(),
            max_request_bytes: self.max_request_bytes,
            max_response_bytes: self.max_response_bytes,
        }))
    }
}

/// Makes one call through a typed client: sends `message` through `send` (the callee's
/// adapter, or a tonic client on a channel) with `timeout` as the call's deadline
/// (`grpc-timeout`), and answers with the response message. A call that fails after its
/// deadline passed fails with DEADLINE_EXCEEDED, whichever side gave up first (tonic's
/// client reports its own timer as CANCELLED).
pub async fn call<Req, Resp, Send, Sent>(
    timeout: Option<Duration>,
    message: Req,
    send: Send,
) -> Result<Resp, Status>
where
    Send: FnOnce(Request<Req>) -> Sent,
    Sent: Future<Output = Result<Response<Resp>, Status>>,
{
    let mut request = Request::new(message);
    if let Some(timeout) = timeout {
        request.set_timeout(timeout);
    }
    let started = Instant::now();
    match send(request).await {
        Ok(response) => Ok(response.into_inner()),
        Err(status)
            if status.code() != Code::DeadlineExceeded
                && timeout.is_some_and(|timeout| started.elapsed() >= timeout) =>
        {
            Err(Status::deadline_exceeded(format!(
                "the call's deadline of {} ms passed",
                timeout.unwrap_or_default().as_millis()
            )))
        }
        Err(status) => Err(status),
    }
}

fn read_discovery(path: &Path) -> Result<BTreeMap<String, String>, Error> {
    let problem = |problem: String| Error::Discovery {
        path: PathBuf::from(path),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|err| problem(err.to_string()))?;
    serde_json::from_str(&text).map_err(|err| {
        problem(format!(
            "{err}; expected a JSON object from servlet name to URI, such as {{\"sharing\": \"http://127.0.0.1:50051\"}}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    trait Greeter: Send + Sync {
        fn greet(&self) -> &'static str;
    }

    struct Hello;

    impl Greeter for Hello {
        fn greet(&self) -> &'static str {
            "hello"
        }
    }

    #[test]
    fn a_hosted_servlet_is_called_in_process() {
        let clients = Clients::new(1024, 1024);
        clients.host::<dyn Greeter>("test.Greeter", Arc::new(Hello));
        assert!(clients.hosts("test.Greeter"));
        match clients
            .target::<dyn Greeter>("greeter", "test.Greeter")
            .unwrap()
        {
            Target::Local(greeter) => assert_eq!(greeter.greet(), "hello"),
            Target::Remote(_) => panic!("expected the hosted servlet"),
        }
    }

    #[test]
    fn hosted_as_another_type_is_an_error() {
        let clients = Clients::new(1024, 1024);
        clients.host("test.Greeter", Arc::new(Hello));
        let err = clients
            .target::<dyn Greeter>("greeter", "test.Greeter")
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with(
                "cannot build a client of servlet `greeter`: it is hosted here, but not as `dyn "
            ),
            "{err}"
        );
    }

    #[test]
    fn without_an_address_the_error_says_which_variable_to_set() {
        let clients = Clients::new(1024, 1024);
        let err = clients
            .target::<dyn Greeter>("sharing", "test.Greeter")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "cannot build a client of servlet `sharing`: it is not hosted in this process and has no address: set ORRERY_ENDPOINT_SHARING (or list it in the --discovery file) to a URI such as http://127.0.0.1:50051"
        );
    }

    #[tokio::test]
    async fn the_environment_overrides_the_discovery_file() {
        let dir = std::env::temp_dir().join(format!("orrery-discovery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("discovery.json");
        std::fs::write(
            &file,
            r#"{"sharing": "http://10.0.0.1:50051", "files": "http://10.0.0.2:50051"}"#,
        )
        .unwrap();
        let environment = [
            (
                "ORRERY_ENDPOINT_FILES".to_owned(),
                "http://127.0.0.1:1".to_owned(),
            ),
            ("PATH".to_owned(), "/bin".to_owned()),
        ];
        let clients = Clients::from_environment(Some(&file), environment, 10, 20).unwrap();
        assert_eq!(
            clients.addresses.as_ref(),
            &BTreeMap::from([
                ("files".to_owned(), "http://127.0.0.1:1".to_owned()),
                ("sharing".to_owned(), "http://10.0.0.1:50051".to_owned()),
            ])
        );
        match clients
            .target::<dyn Greeter>("files", "test.Greeter")
            .unwrap()
        {
            Target::Remote(remote) => {
                assert_eq!(
                    (remote.max_request_bytes, remote.max_response_bytes),
                    (10, 20)
                )
            }
            Target::Local(_) => panic!("files is not hosted"),
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_malformed_discovery_file_names_the_file_and_the_format() {
        let dir = std::env::temp_dir().join(format!("orrery-bad-discovery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("discovery.json");
        std::fs::write(&file, "sharing: 1").unwrap();
        let err = Clients::from_environment(Some(&file), [], 1, 1)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot read the discovery file {}: expected value at line 1 column 1; expected a JSON object from servlet name to URI, such as {{\"sharing\": \"http://127.0.0.1:50051\"}}",
                file.display()
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
