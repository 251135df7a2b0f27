//! A servlet's gRPC services as the generated Rust names them: what the adapter implements,
//! the typed client wraps, and the handler check expects.
//!
//! The names come from tonic's own generated server trait (parsed, not re-derived), so the
//! adapter, the client and the handlers can never disagree with it.

use orrery_model::Location;

/// One service of a servlet's proto.
#[derive(Clone, Debug)]
pub struct Service {
    /// `orrery.files.v1.FilesService`.
    pub full_name: String,
    /// tonic's server module in the API crate: `files_service_server`.
    pub server_module: String,
    /// tonic's client module in the API crate: `files_service_client`.
    pub client_module: String,
    /// The server trait, the server and the client: `FilesService`, `FilesServiceServer`,
    /// `FilesServiceClient`.
    pub trait_name: String,
    pub server: String,
    pub client: String,
    pub rpcs: Vec<Rpc>,
}

/// One RPC.
#[derive(Clone, Debug)]
pub struct Rpc {
    /// The method's name in the proto: `ShareFile`.
    pub proto_name: String,
    /// The gRPC path, also the metrics' `method` label: `/orrery.files.v1.FilesService/ShareFile`.
    pub path: String,
    /// The method of tonic's trait and client, and the handler function's name: `share_file`.
    pub rust_name: String,
    /// The request and response messages as paths from outside the API crate:
    /// `::files_api::ShareFileRequest`, `::sharing_api::Link`, `::prost_types::Timestamp`, `()`.
    /// Kept as tokens' text, so that services can be made on any thread (syn's types cannot
    /// cross threads); [`Rpc::request`] and [`Rpc::response`] parse them back.
    pub(crate) request: String,
    pub(crate) response: String,
    /// Client or server streaming: the adapter serves unary calls only.
    pub streaming: bool,
    /// The `rpc` declaration in the proto.
    pub location: Location,
}

impl Rpc {
    pub fn request(&self) -> syn::Type {
        parse_type(&self.request)
    }

    pub fn response(&self) -> syn::Type {
        parse_type(&self.response)
    }
}

/// A type printed from a `syn::Type` parses back to it; anything else is a bug in orrery.
fn parse_type(text: &str) -> syn::Type {
    syn::parse_str(text).expect("a printed syn::Type parses back")
}

/// Each RPC's doc comment lines, by gRPC path.
pub(crate) type Docs = std::collections::BTreeMap<String, Vec<String>>;

/// The services tonic generated into `code` (an API crate's items), each paired with its
/// declaration in `files`, the servlet's own descriptors, in the same order, and the RPCs'
/// doc comments. `api_crate` names the crate, so that `super::Request` becomes
/// `::files_api::Request`.
pub(crate) fn services<'a>(
    code: &syn::File,
    api_crate: &str,
    files: impl IntoIterator<Item = &'a prost_types::FileDescriptorProto>,
) -> (Vec<Service>, Docs) {
    let mut docs = Docs::new();
    let declared = files.into_iter().flat_map(|file| {
        file.service
            .iter()
            .enumerate()
            .map(move |(index, service)| (file, index, service))
    });
    let traits = code.items.iter().filter_map(server_trait);
    let services = declared
        .zip(traits)
        .map(|((file, index, service), (module, item))| {
            let full_name = match file.package() {
                "" => service.name().to_owned(),
                package => format!("{package}.{}", service.name()),
            };
            let trait_name = item.ident.to_string();
            let methods = item.items.iter().filter_map(|item| match item {
                syn::TraitItem::Fn(method) => Some(&method.sig),
                _ => None,
            });
            let rpcs = service
                .method
                .iter()
                .enumerate()
                .zip(methods)
                .map(|((method_index, method), signature)| {
                    let path = format!("/{full_name}/{}", method.name());
                    docs.insert(path.clone(), doc_lines(signature_attrs(item, signature)));
                    let (request, request_streams) = message(request_type(signature), api_crate);
                    let (response, response_streams) = message(response_type(signature), api_crate);
                    Rpc {
                        proto_name: method.name().to_owned(),
                        path,
                        rust_name: signature.ident.to_string(),
                        request: quote::ToTokens::to_token_stream(&request).to_string(),
                        response: quote::ToTokens::to_token_stream(&response).to_string(),
                        streaming: method.client_streaming()
                            || method.server_streaming()
                            || request_streams
                            || response_streams,
                        location: declaration(file, &[6, index as i32, 2, method_index as i32]),
                    }
                })
                .collect();
            Service {
                full_name,
                client_module: module.replace("_server", "_client"),
                server_module: module,
                server: format!("{trait_name}Server"),
                client: format!("{trait_name}Client"),
                trait_name,
                rpcs,
            }
        })
        .collect();
    (services, docs)
}

/// The attributes of the trait method with `signature`.
fn signature_attrs<'a>(
    item: &'a syn::ItemTrait,
    signature: &syn::Signature,
) -> &'a [syn::Attribute] {
    item.items
        .iter()
        .find_map(|member| match member {
            syn::TraitItem::Fn(method) if method.sig.ident == signature.ident => {
                Some(method.attrs.as_slice())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The text of `#[doc = "..."]` attributes, one per line.
fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}

/// `pub mod files_service_server { pub trait FilesService { .. } .. }`: the module's name and
/// its trait.
fn server_trait(item: &syn::Item) -> Option<(String, &syn::ItemTrait)> {
    let syn::Item::Mod(module) = item else {
        return None;
    };
    let name = module.ident.to_string();
    if !name.ends_with("_server") {
        return None;
    }
    let (_, items) = module.content.as_ref()?;
    items.iter().find_map(|item| match item {
        syn::Item::Trait(item) => Some((name.clone(), item)),
        _ => None,
    })
}

/// `T` in the method's `request: tonic::Request<T>` parameter.
fn request_type(signature: &syn::Signature) -> Option<&syn::Type> {
    signature.inputs.iter().find_map(|input| match input {
        syn::FnArg::Typed(typed) => generic_argument(&typed.ty, 0),
        syn::FnArg::Receiver(_) => None,
    })
}

/// `T` in the method's `Result<tonic::Response<T>, tonic::Status>`.
fn response_type(signature: &syn::Signature) -> Option<&syn::Type> {
    match &signature.output {
        syn::ReturnType::Type(_, result) => generic_argument(generic_argument(result, 0)?, 0),
        syn::ReturnType::Default => None,
    }
}

/// The `index`th type argument of the last segment of a path type.
fn generic_argument(ty: &syn::Type, index: usize) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments
    else {
        return None;
    };
    arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .nth(index)
}

/// The message type as a path from outside the API crate, and whether it is a stream
/// (`tonic::Streaming<T>`, or the trait's associated `Self::FooStream`).
fn message(ty: Option<&syn::Type>, api_crate: &str) -> (syn::Type, bool) {
    let Some(ty) = ty else {
        return (syn::parse_quote!(()), true);
    };
    let syn::Type::Path(path) = ty else {
        return (ty.clone(), false);
    };
    let first = path.path.segments.first().map(|s| s.ident.to_string());
    let last = path.path.segments.last().map(|s| s.ident.to_string());
    if first.as_deref() == Some("Self") || last.as_deref() == Some("Streaming") {
        return (ty.clone(), true);
    }
    if first.as_deref() != Some("super") {
        return (ty.clone(), false);
    }
    let mut absolute = path.clone();
    let crate_ident = syn::Ident::new(api_crate, proc_macro2::Span::call_site());
    absolute.path.leading_colon = Some(Default::default());
    if let Some(first) = absolute.path.segments.first_mut() {
        first.ident = crate_ident;
    }
    (syn::Type::Path(absolute), false)
}

/// Where the element at `path` in `file`'s source info starts; the file's start without it.
fn declaration(file: &prost_types::FileDescriptorProto, path: &[i32]) -> Location {
    let span = file
        .source_code_info
        .as_ref()
        .and_then(|info| info.location.iter().find(|l| l.path == path))
        .map(|l| l.span.clone());
    match span.as_deref() {
        Some([line, column, ..]) => Location::new(
            file.name(),
            u32::try_from(*line + 1).unwrap_or(1),
            u32::try_from(*column + 1).unwrap_or(1),
            3,
        ),
        _ => Location::file(file.name()),
    }
}
