//! Server binaries: a generated per-servlet binary and the monolith are both one call to
//! [`main`] with the servlets they can host.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;

use crate::{Clients, Config, Error, Runtime};

/// A servlet a binary can host: what each generated server crate exports as `SERVLET`.
#[derive(Clone, Copy, Debug)]
pub struct Servlet {
    /// The servlet's name, as in `servlets/<name>/`.
    pub name: &'static str,
    /// The servlets it holds typed clients of (its manifest's `calls`, services aside).
    pub calls: &'static [&'static str],
    /// Builds the servlet's state with its clients from the factory, hosts its adapter in
    /// the factory (so callers in this process reach it directly), and adds its gRPC service
    /// and descriptors to the runtime.
    pub host: fn(Runtime, &Clients) -> Result<Runtime, Error>,
}

/// The command line of a server binary.
#[derive(Debug, Parser)]
#[command(
    about = "An orrery server: hosts servlets over gRPC, with health, reflection and /metrics."
)]
struct Command {
    #[command(flatten)]
    config: Config,

    /// The servlets to host, comma-separated; all of this binary's by default. Servlets they
    /// call that are not hosted are reached at ORRERY_ENDPOINT_<NAME> or through --discovery.
    #[arg(
        long,
        env = "ORRERY_SERVLETS",
        value_name = "NAMES",
        value_delimiter = ','
    )]
    servlets: Vec<String>,
}

/// The whole `main` of a server binary: reads flags and environment, logs to stderr
/// (`ORRERY_LOG`, default `info`, in `tracing_subscriber::EnvFilter` syntax), hosts the
/// selected servlets and serves until SIGTERM or SIGINT. Exits 0 after a graceful shutdown,
/// 1 when serving fails, 2 on bad flags.
pub fn main(servlets: &'static [Servlet]) -> ExitCode {
    let command = Command::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORRERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Tokio)
        .and_then(|tokio| {
            tokio.block_on(async {
                let selected = select(servlets, &command.servlets)?;
                let clients = Clients::from_environment(
                    command.config.discovery.as_deref(),
                    std::env::vars(),
                    command.config.max_request_bytes,
                    command.config.max_response_bytes,
                )?;
                host(Runtime::new(command.config), &clients, &selected)?
                    .serve()
                    .await
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Hosts `servlets` in `runtime`, each after the servlets it calls, so that every typed
/// client of a servlet hosted here calls it in-process.
pub fn host(
    mut runtime: Runtime,
    clients: &Clients,
    servlets: &[Servlet],
) -> Result<Runtime, Error> {
    for servlet in callees_first(servlets) {
        runtime = (servlet.host)(runtime, clients)?;
        tracing::info!(servlet = servlet.name, "hosting");
    }
    Ok(runtime)
}

/// The servlets named in `names` (all of them when it is empty), in the binary's order.
pub fn select(servlets: &[Servlet], names: &[String]) -> Result<Vec<Servlet>, Error> {
    if names.is_empty() {
        return Ok(servlets.to_vec());
    }
    let known: BTreeSet<&str> = servlets.iter().map(|s| s.name).collect();
    if let Some(unknown) = names.iter().find(|name| !known.contains(name.as_str())) {
        return Err(Error::UnknownServlet {
            name: unknown.clone(),
            known: known.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    Ok(servlets
        .iter()
        .filter(|servlet| names.iter().any(|name| name == servlet.name))
        .copied()
        .collect())
}

/// `servlets` ordered so that a servlet comes after every other one it calls. `orrery check`
/// rejects cycles among `calls`; should one slip through, its servlets keep their order and
/// the caller's client goes over the network.
fn callees_first(servlets: &[Servlet]) -> Vec<Servlet> {
    fn visit(index: usize, servlets: &[Servlet], state: &mut [u8], order: &mut Vec<Servlet>) {
        // 0 unvisited, 1 on the path, 2 done.
        if state[index] != 0 {
            return;
        }
        state[index] = 1;
        for callee in servlets[index].calls {
            if let Some(next) = servlets.iter().position(|s| s.name == *callee) {
                visit(next, servlets, state, order);
            }
        }
        state[index] = 2;
        order.push(servlets[index]);
    }
    let mut state = vec![0u8; servlets.len()];
    let mut order = Vec::with_capacity(servlets.len());
    for index in 0..servlets.len() {
        visit(index, servlets, &mut state, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servlet(name: &'static str, calls: &'static [&'static str]) -> Servlet {
        Servlet {
            name,
            calls,
            host: |runtime, _| Ok(runtime),
        }
    }

    fn names(servlets: &[Servlet]) -> Vec<&'static str> {
        servlets.iter().map(|s| s.name).collect()
    }

    #[test]
    fn callees_are_hosted_first() {
        let servlets = [
            servlet("admin", &["files"]),
            servlet("files", &["sharing"]),
            servlet("home", &["nav", "files"]),
            servlet("nav", &[]),
            servlet("sharing", &[]),
        ];
        assert_eq!(
            names(&callees_first(&servlets)),
            ["sharing", "files", "admin", "nav", "home"]
        );
    }

    #[test]
    fn select_keeps_the_binary_order_and_rejects_unknown_names() {
        let servlets = [
            servlet("files", &[]),
            servlet("nav", &[]),
            servlet("sharing", &[]),
        ];
        let chosen = select(&servlets, &["sharing".into(), "files".into()]).unwrap();
        assert_eq!(names(&chosen), ["files", "sharing"]);
        assert_eq!(
            names(&select(&servlets, &[]).unwrap()),
            ["files", "nav", "sharing"]
        );
        let err = select(&servlets, &["fles".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no servlet `fles` in this binary; it hosts: files, nav, sharing"
        );
    }
}
