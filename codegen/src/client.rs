//! The typed client in each API crate (`sharing_api::SharingClient`): one async method per RPC
//! taking and returning plain messages. Built from the runtime's client factory, it calls the
//! servlet's adapter directly when this process hosts the servlet and goes over gRPC
//! otherwise, so the calling code never knows which.

use quote::{format_ident, quote};

use crate::service::{Docs, Service};

/// `sharing` → `SharingClient`; `storage_keys` → `StorageKeysClient`.
pub fn client_name(servlet: &str) -> String {
    let mut name: String = servlet
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    name.push_str("Client");
    name
}

/// The client's items, for the API crate's root: the struct and its methods, and the
/// `Status` and `Code` re-exports that handlers and callers name.
pub(crate) fn items(
    servlet: &str,
    api_crate: &str,
    services: &[Service],
    docs: &Docs,
) -> Vec<syn::Item> {
    // A service with a streaming RPC has no adapter (the handler check refuses it), and its
    // trait, with a stream type per streaming method, cannot be a trait object: no client.
    let services: Vec<&Service> = services
        .iter()
        .filter(|service| service.rpcs.iter().all(|rpc| !rpc.streaming))
        .collect();
    if services.is_empty() {
        return vec![syn::parse_quote!(
            pub use ::tonic::{Code, Status};
        )];
    }
    let client = format_ident!("{}", client_name(servlet));
    let fields: Vec<syn::Ident> = services.iter().copied().map(field).collect();
    let traits: Vec<syn::Path> = services.iter().copied().map(server_trait).collect();
    let names: Vec<&str> = services.iter().map(|s| s.full_name.as_str()).collect();
    let methods = services.iter().flat_map(|service| {
        let field = field(service);
        let server_trait = server_trait(service);
        let client_module = format_ident!("{}", service.client_module);
        let tonic_client = format_ident!("{}", service.client);
        service
            .rpcs
            .iter()
            .map(move |rpc| {
                let method = format_ident!("{}", rpc.rust_name);
                let request = inside(&rpc.request(), api_crate);
                let response = inside(&rpc.response(), api_crate);
                let doc = docs.get(&rpc.path).into_iter().flatten();
                quote! {
                    #(#[doc = #doc])*
                    pub async fn #method(&self, request: #request) -> ::core::result::Result<#response, Status> {
                        ::orrery_runtime::codegen::call(self.timeout, request, |request| async move {
                            match &self.#field {
                                ::orrery_runtime::codegen::Target::Local(service) => {
                                    #server_trait::#method(&**service, request).await
                                }
                                ::orrery_runtime::codegen::Target::Remote(remote) => {
                                    #client_module::#tonic_client::new(remote.channel.clone())
                                        .max_encoding_message_size(remote.max_request_bytes)
                                        .max_decoding_message_size(remote.max_response_bytes)
                                        .#method(request)
                                        .await
                                }
                            }
                        })
                        .await
                    }
                }
            })
    });
    let struct_doc = [
        format!(" A client of the `{servlet}` servlet, for the servlets that list it in `calls`."),
        String::new(),
        format!(
            " Built from the runtime's client factory, it calls `{servlet}` in-process when this"
        ),
        " process hosts it, and over gRPC otherwise; the calling code is the same either way."
            .to_owned(),
    ];
    let file: syn::File = syn::parse_quote! {
        pub use ::tonic::{Code, Status};

        #(#[doc = #struct_doc])*
        #[derive(Clone)]
        pub struct #client {
            #(#fields: ::orrery_runtime::codegen::Target<dyn #traits>,)*
            timeout: ::core::option::Option<::core::time::Duration>,
        }

        impl #client {
            /// The servlet this client calls, as `calls` lists it.
            pub const SERVLET: &'static str = #servlet;

            /// A client of the servlet, wherever `clients` says it is served.
            pub fn new(
                clients: &::orrery_runtime::codegen::Clients,
            ) -> ::core::result::Result<Self, ::orrery_runtime::codegen::Error> {
                ::core::result::Result::Ok(Self {
                    #(#fields: clients.target(Self::SERVLET, #names)?,)*
                    timeout: ::core::option::Option::None,
                })
            }

            /// The same client with a deadline on every call: the servlet sees it as
            /// `grpc-timeout`, and a call still running when it passes fails with
            /// DEADLINE_EXCEEDED.
            pub fn with_timeout(mut self, timeout: ::core::time::Duration) -> Self {
                self.timeout = ::core::option::Option::Some(timeout);
                self
            }

            #(#methods)*
        }
    };
    file.items
}

/// `ty` as the API crate itself names it: `crate::Request` for `::files_api::Request`.
fn inside(ty: &syn::Type, api_crate: &str) -> syn::Type {
    let mut ty = ty.clone();
    if let syn::Type::Path(path) = &mut ty
        && path
            .path
            .segments
            .first()
            .is_some_and(|s| s.ident == api_crate)
    {
        path.path.leading_colon = None;
        if let Some(first) = path.path.segments.first_mut() {
            first.ident = format_ident!("crate");
        }
    }
    ty
}

fn field(service: &Service) -> syn::Ident {
    format_ident!(
        "{}",
        service
            .server_module
            .strip_suffix("_server")
            .unwrap_or(&service.server_module)
    )
}

fn server_trait(service: &Service) -> syn::Path {
    let module = format_ident!("{}", service.server_module);
    let name = format_ident!("{}", service.trait_name);
    syn::parse_quote!(#module::#name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_are_upper_camel() {
        assert_eq!(client_name("sharing"), "SharingClient");
        assert_eq!(client_name("storage_keys"), "StorageKeysClient");
        assert_eq!(client_name("v2"), "V2Client");
    }
}
