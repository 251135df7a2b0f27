//! Per servlet, a server crate at `gen/servers/<name>/`: the adapter that serves the
//! servlet's handler functions as its gRPC services, the `SERVLET` a binary hosts, and the
//! servlet's own server binary. And `gen/monolith/`, one binary that can host them all.
//!
//! The server crate is the only crate that links the servlet's private crate: other servlets
//! reach it through its API crate's typed client.

use std::collections::HashMap;

use orrery_model::{Diagnostic, Repository, Snapshot, SourceText};
use quote::{format_ident, quote};
use rayon::prelude::*;

use crate::api::ApiCrate;
use crate::client::client_name;
use crate::handlers::{self, Contract, Handlers};
use crate::service::Service;
use crate::{GeneratedFile, RUSTFMT_NOTE, header};

/// The server crate of every servlet whose handlers match its API, the monolith over them,
/// and the handler problems of the others.
pub fn server_crates(
    repository: &Repository,
    snapshot: &Snapshot,
    apis: &[ApiCrate],
) -> (Vec<GeneratedFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut hosted = Vec::new();
    let cargo_tomls: HashMap<&str, &SourceText> = snapshot
        .cargo_manifests
        .iter()
        .map(|file| (file.path.as_str(), file))
        .collect();
    // `servlets/<name>/src/...` by servlet name.
    let mut sources: HashMap<&str, Vec<&SourceText>> = HashMap::new();
    for file in &snapshot.rust_files {
        if let ["servlets", name, "src", ..] = file.path.split('/').collect::<Vec<_>>()[..] {
            sources.entry(name).or_default().push(file);
        }
    }
    // The handler check parses each servlet's crate with syn: one servlet per core.
    let servers: Vec<_> = apis
        .par_iter()
        .map(|api| {
            let clients = typed_clients(repository, apis, &api.servlet);
            let contract = Contract {
                servlet: &api.servlet,
                api_crate: &api.crate_name,
                services: &api.services,
                clients: &clients,
            };
            let directory = format!("servlets/{}", api.servlet);
            let cargo_toml = cargo_tomls
                .get(format!("{directory}/Cargo.toml").as_str())
                .copied();
            let rust_files = sources
                .get(api.servlet.as_str())
                .map_or(&[][..], Vec::as_slice);
            handlers::check(&contract, cargo_toml, rust_files)
                .map(|found| server_crate(api, &clients, &found, &directory))
        })
        .collect();
    for (api, server) in apis.iter().zip(servers) {
        match server {
            Ok(server) => {
                files.extend(server);
                hosted.push(api.servlet.clone());
            }
            Err(problems) => diagnostics.extend(problems),
        }
    }
    if !hosted.is_empty() && diagnostics.is_empty() {
        files.extend(monolith(&hosted));
    }
    (files, diagnostics)
}

/// The servlets `servlet` holds typed clients of: its `calls` that are servlets with an API,
/// in the manifest's order, each with its client type as handlers name it.
fn typed_clients(
    repository: &Repository,
    apis: &[ApiCrate],
    servlet: &str,
) -> Vec<(String, String)> {
    let calls = repository.servlet(servlet).map_or(&[][..], |c| c.calls());
    calls
        .iter()
        .filter_map(|call| apis.iter().find(|api| api.servlet == call.value))
        .map(|callee| {
            (
                callee.servlet.clone(),
                format!("{}::{}", callee.crate_name, client_name(&callee.servlet)),
            )
        })
        .collect()
}

fn server_crate(
    api: &ApiCrate,
    clients: &[(String, String)],
    handlers: &Handlers,
    servlet_directory: &str,
) -> Vec<GeneratedFile> {
    let name = &api.servlet;
    let directory = format!("gen/servers/{name}");
    let sources = [
        format!("{servlet_directory}/servlet.yaml"),
        format!("{servlet_directory}/proto"),
    ];
    let header = header(&sources);
    let mut dependencies = vec![
        format!(r#"{name} = {{ path = "../../../{servlet_directory}" }}"#),
        format!(
            r#"{} = {{ path = "../../../{servlet_directory}/api" }}"#,
            api.crate_name
        ),
        "orrery-runtime.workspace = true".to_owned(),
    ];
    dependencies.extend(clients.iter().map(|(callee, client)| {
        let krate = client.split("::").next().unwrap_or_default();
        format!(r#"{krate} = {{ path = "../../../servlets/{callee}/api" }}"#)
    }));
    dependencies.sort();
    let manifest = format!(
        "# {header}\n\
         [package]\n\
         name = \"{name}_server\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         description = \"Serves the {name} servlet: its gRPC adapter and server binary\"\n\
         \n\
         [dependencies]\n\
         {}\n",
        dependencies.join("\n")
    );
    vec![
        GeneratedFile::text(format!("{directory}/Cargo.toml"), manifest),
        GeneratedFile::text(
            format!("{directory}/src/lib.rs"),
            rust_file(&header, adapter(api, clients, handlers)),
        ),
        GeneratedFile::text(
            format!("{directory}/src/main.rs"),
            rust_file(&header, binary(name)),
        ),
    ]
}

/// The adapter: one struct per service implementing tonic's server trait by calling the
/// handlers through `rt::unary`, and `SERVLET`, which hosts them.
fn adapter(api: &ApiCrate, clients: &[(String, String)], handlers: &Handlers) -> syn::File {
    let name = &api.servlet;
    let servlet_crate = format_ident!("{name}");
    let api_crate = format_ident!("{}", api.crate_name);
    let state = format_ident!("{}", handlers.state);
    let docs = format!(
        " Serves the `{name}` servlet's handlers as {}, and the servlet for binaries to host.",
        api.services
            .iter()
            .map(|s| format!("`{}`", s.full_name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let callees: Vec<&str> = clients.iter().map(|(callee, _)| callee.as_str()).collect();
    let client_values = clients.iter().map(|(callee, client)| {
        let krate = format_ident!("{callee}_api");
        let client = format_ident!("{}", client.rsplit("::").next().unwrap_or_default());
        quote!(::#krate::#client::new(clients)?)
    });
    let hosting = api.services.iter().map(|service| {
        let adapter = adapter_name(service);
        let module = format_ident!("{}", service.server_module);
        let server_trait = format_ident!("{}", service.trait_name);
        let server = format_ident!("{}", service.server);
        let full_name = &service.full_name;
        quote! {
            let adapter = ::std::sync::Arc::new(#adapter(::std::sync::Arc::clone(&servlet)));
            clients.host::<dyn ::#api_crate::#module::#server_trait>(#full_name, adapter.clone());
            runtime = runtime.add_service(
                ::#api_crate::#module::#server::from_arc(adapter)
                    .max_decoding_message_size(config.max_request_bytes)
                    .max_encoding_message_size(config.max_response_bytes),
            );
        }
    });
    let adapters = api.services.iter().map(|service| {
        let adapter = adapter_name(service);
        let module = format_ident!("{}", service.server_module);
        let server_trait = format_ident!("{}", service.trait_name);
        let doc = format!(" `{}`, served by the servlet's handlers.", service.full_name);
        let methods = service.rpcs.iter().map(|rpc| {
            let method = format_ident!("{}", rpc.rust_name);
            let request = &rpc.request();
            let response = &rpc.response();
            let path = &rpc.path;
            quote! {
                async fn #method(
                    &self,
                    request: rt::Request<#request>,
                ) -> ::core::result::Result<rt::Response<#response>, rt::Status> {
                    rt::unary(#path, request, |request| ::#servlet_crate::#method(&self.0, request)).await
                }
            }
        });
        quote! {
            #[doc = #doc]
            struct #adapter(::std::sync::Arc<::#servlet_crate::#state>);

            #[rt::async_trait]
            impl ::#api_crate::#module::#server_trait for #adapter {
                #(#methods)*
            }
        }
    });
    syn::parse_quote! {
        #![doc = #docs]

        use ::orrery_runtime::codegen as rt;

        /// The servlet, for its server binary and the monolith.
        pub const SERVLET: rt::Servlet = rt::Servlet {
            name: #name,
            calls: &[#(#callees),*],
            host,
        };

        /// Builds the servlet's state with its typed clients, hosts its adapters (so callers
        /// in this process reach them directly) and adds them to the runtime.
        fn host(
            mut runtime: rt::Runtime,
            clients: &rt::Clients,
        ) -> ::core::result::Result<rt::Runtime, rt::Error> {
            let servlet = ::std::sync::Arc::new(::#servlet_crate::init(#(#client_values),*));
            let config = runtime.config().clone();
            #(#hosting)*
            ::core::result::Result::Ok(runtime.add_descriptor_set(::#api_crate::FILE_DESCRIPTOR_SET))
        }

        #(#adapters)*
    }
}

fn adapter_name(service: &Service) -> syn::Ident {
    format_ident!("{}Adapter", service.trait_name)
}

fn binary(name: &str) -> syn::File {
    let server = format_ident!("{name}_server");
    let doc =
        format!(" The `{name}` servlet's server binary: see `orrery_runtime::main` for its flags.");
    syn::parse_quote! {
        #![doc = #doc]

        fn main() -> ::std::process::ExitCode {
            ::orrery_runtime::codegen::serve_main(&[::#server::SERVLET])
        }
    }
}

/// `gen/monolith/`: one binary that can host every servlet, or those `--servlets` names.
fn monolith(servlets: &[String]) -> Vec<GeneratedFile> {
    let sources: Vec<String> = servlets
        .iter()
        .map(|name| format!("servlets/{name}/servlet.yaml"))
        .collect();
    let header = header(&sources);
    let mut dependencies: Vec<String> = servlets
        .iter()
        .map(|name| format!(r#"{name}_server = {{ path = "../servers/{name}" }}"#))
        .collect();
    dependencies.push("orrery-runtime.workspace = true".to_owned());
    dependencies.sort();
    let manifest = format!(
        "# {header}\n\
         [package]\n\
         name = \"monolith\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         description = \"Hosts any set of the repository's servlets in one process\"\n\
         \n\
         [dependencies]\n\
         {}\n",
        dependencies.join("\n")
    );
    let servers = servlets.iter().map(|name| format_ident!("{name}_server"));
    let main: syn::File = syn::parse_quote! {
        //! Hosts every servlet of the repository in one process, or those `--servlets a,b`
        //! names; calls between hosted servlets stay in-process. See `orrery_runtime::main`
        //! for the other flags.

        fn main() -> ::std::process::ExitCode {
            ::orrery_runtime::codegen::serve_main(&[#(::#servers::SERVLET),*])
        }
    };
    vec![
        GeneratedFile::text("gen/monolith/Cargo.toml".to_owned(), manifest),
        GeneratedFile::text(
            "gen/monolith/src/main.rs".to_owned(),
            rust_file(&header, main),
        ),
        GeneratedFile::text(
            "gen/rustfmt.toml".to_owned(),
            format!(
                "# {}\n{RUSTFMT_NOTE}",
                crate::header(&["orrery.yaml".to_owned()])
            ),
        ),
    ]
}

fn rust_file(header: &str, code: syn::File) -> String {
    format!("// {header}\n{}", prettyplease::unparse(&code))
}
