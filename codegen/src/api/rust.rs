//! The API crate's `lib.rs`: prost and tonic's generators run in memory, then one syn parse and
//! one prettyplease pass.

use std::collections::BTreeSet;

use orrery_model::Diagnostic;
use prost_build::Module;
use syn::visit::Visit;

use super::{Servlet, problem};

/// The messages, client and server of the servlet's package, as Rust items.
///
/// The client is generic over its transport (`FooClient::new(channel)`), without tonic's
/// `connect` helper: that helper needs tonic's `transport` feature, which would pull hyper
/// and tokio into every crate that only wants the messages. A `tonic::transport::Channel`
/// still serves as the transport wherever the caller enables that feature.
pub(super) fn generate(
    servlet: &Servlet<'_>,
    externs: &[(&str, &str)],
) -> Result<syn::File, Box<Diagnostic>> {
    let services = tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .service_generator();
    let mut config = prost_build::Config::new();
    // Formatted once, with the crate's attributes, in `lib_rs`.
    config.format(false).service_generator(services);
    for (package, crate_name) in externs {
        config.extern_path(format!(".{package}"), format!("::{crate_name}"));
    }
    let module = Module::from_protobuf_package_name(&servlet.package);
    let requests = servlet
        .own_files()
        .map(|file| (module.clone(), file.clone()))
        .collect();
    let first = servlet.api.files.first().map_or("", String::as_str);
    let mut modules = config.generate(requests).map_err(|error| {
        problem(
            first,
            format!("prost cannot generate `{}`: {error}", servlet.api.servlet),
            "check the servlet's protos; if they compile with protoc, this is a bug in orrery",
        )
    })?;
    let code = modules.remove(&module).unwrap_or_default();
    syn::parse_file(&code).map_err(|error| {
        problem(
            first,
            format!(
                "prost generated Rust for `{}` that does not parse: {error}",
                servlet.api.servlet
            ),
            "this is a bug in orrery: please report it with the servlet's protos",
        )
    })
}

/// The file beside `src/lib.rs` holding the servlet's descriptor set.
pub(crate) const DESCRIPTOR_SET_FILE: &str = "file_descriptor_set.pb";

/// The whole file: the header line, the crate's docs and lint allowances, then the items.
pub(super) fn lib_rs(header: &str, servlet: &Servlet<'_>, mut code: syn::File) -> String {
    let docs = format!(
        " The gRPC API of the `{}` servlet: the messages, client and server of `{}`.",
        servlet.name, servlet.package
    );
    // Server reflection needs the descriptors: the compiled protos, options kept. They are a
    // binary file beside this one, not a byte string here, which would be larger than the
    // rest of the crate and which every reader of the code (orrery check among them) would
    // have to wade through.
    let descriptors = DESCRIPTOR_SET_FILE;
    code.items.push(syn::parse_quote! {
        /// The servlet's encoded `FileDescriptorSet`, imports included and every option (the
        /// google.api.http rules among them) kept: for server reflection and the transcoder.
        /// It starts with orrery's header as an unknown field, which protobuf skips.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(#descriptors);
    });
    code.attrs = vec![
        syn::parse_quote!(#![doc = #docs]),
        // Proto comments become docs verbatim and prost's items are not clippy-clean; neither
        // is anything a reader of this crate could fix.
        syn::parse_quote!(#![allow(clippy::all, missing_docs)]),
    ];
    format!("// {header}\n{}", prettyplease::unparse(&code))
}

/// The first segment of every path and `use` in the code: the crates it names are among them.
pub(super) fn crates_used(code: &syn::File) -> BTreeSet<String> {
    let mut found = FirstSegments::default();
    found.visit_file(code);
    found.0
}

#[derive(Default)]
struct FirstSegments(BTreeSet<String>);

impl<'ast> Visit<'ast> for FirstSegments {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(first) = path.segments.first() {
            self.0.insert(first.ident.to_string());
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                self.0.insert(path.ident.to_string());
            }
            syn::UseTree::Name(name) => {
                self.0.insert(name.ident.to_string());
            }
            _ => {}
        }
    }
}
