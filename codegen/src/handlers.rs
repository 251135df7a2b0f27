//! The handler check: before `orrery gen` writes a servlet's adapter, it reads the servlet's own
//! crate with syn and proves the functions the adapter calls are there, so a missing or
//! mismatched handler is a diagnostic that names the RPC and the expected signature instead of
//! a rustc error deep inside generated code.
//!
//! The contract, for servlet `files` calling `sharing`, at the crate root:
//!
//! ```text
//! pub fn init(sharing: sharing_api::SharingClient) -> FilesServlet
//! pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest) -> Result<files_api::ShareFileResponse, files_api::Status>
//! ```
//!
//! with `FilesServlet` public there too. There is no name resolution across crates, so types
//! compare by their last path segment: `ShareFileRequest` after a `use` is
//! `::files_api::ShareFileRequest`. "At the crate root" follows `pub use` (names, lists, globs)
//! through the crate's own modules, inline or in files; an explicit re-export from another
//! crate is taken on trust.

use std::collections::BTreeMap;

use orrery_model::location::line_column;
use orrery_model::{Diagnostic, Location, RuleId, SourceText};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Ident, Item, ItemFn, Meta, PathArguments, ReturnType, Signature, Type,
    UseTree, Visibility,
};
use toml::de::DeTable;

use crate::service::{Rpc, Service};

/// What the adapter needs to know about the servlet's crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handlers {
    /// The state type `init` returns, public at the crate root under this name, so the adapter
    /// can name it `::files::FilesServlet`.
    pub state: String,
}

/// What the servlet's crate must provide.
#[derive(Clone, Copy, Debug)]
pub struct Contract<'a> {
    /// The servlet, which is also the name its crate must have: `files`.
    pub servlet: &'a str,
    /// Its API crate, home of `Status`: `files_api`.
    pub api_crate: &'a str,
    pub services: &'a [Service],
    /// The typed clients `init` takes, in order: (callee servlet, client type as written in
    /// docs), e.g. `("sharing", "sharing_api::SharingClient")`.
    pub clients: &'a [(String, String)],
}

/// Checks the servlet's crate against its contract. `cargo_toml` is
/// `servlets/<name>/Cargo.toml`; `rust_files` the .rs files under `servlets/<name>/src/`.
/// Every problem is reported, sorted by location.
pub fn check(
    contract: &Contract<'_>,
    cargo_toml: Option<&SourceText>,
    rust_files: &[&SourceText],
) -> Result<Handlers, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    check_package(contract.servlet, cargo_toml, &mut diagnostics);
    let rpcs = unary_rpcs(contract, &mut diagnostics);
    let state = parse_crate(contract.servlet, rust_files, &mut diagnostics)
        .and_then(|krate| check_crate(contract, &krate, &rpcs, &mut diagnostics));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    match state {
        Some(state) if diagnostics.is_empty() => Ok(Handlers { state }),
        _ => Err(diagnostics),
    }
}

fn handler_diagnostic(location: Location, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(RuleId::Handler, location, message)
}

/// `FilesService.ShareFile`: how the proto names an RPC.
fn rpc_name(service: &Service, rpc: &Rpc) -> String {
    let short = service.full_name.rsplit('.').next().unwrap_or_default();
    format!("{short}.{}", rpc.proto_name)
}

/// The generated server crate depends on the servlet's crate by the servlet's name.
fn check_package(servlet: &str, cargo_toml: Option<&SourceText>, out: &mut Vec<Diagnostic>) {
    let why = "the generated server crate depends on the servlet's crate by that name";
    let Some(file) = cargo_toml else {
        out.push(
            handler_diagnostic(
                Location::file(format!("servlets/{servlet}/Cargo.toml")),
                format!("servlet `{servlet}` has no `Cargo.toml`"),
            )
            .with_help(format!(
                "create it with `name = \"{servlet}\"` under `[package]`: {why}"
            )),
        );
        return;
    };
    let root = match DeTable::parse(&file.text) {
        Ok(root) => root,
        Err(error) => {
            let start = error.span().map_or(0, |span| span.start);
            let (line, column) = line_column(&file.text, start);
            out.push(handler_diagnostic(
                Location::new(&file.path, line, column, 1),
                format!("`{}` does not parse: {}", file.path, error.message().trim()),
            ));
            return;
        }
    };
    let name = root
        .get_ref()
        .get("package")
        .and_then(|package| package.get_ref().as_table())
        .and_then(|package| package.get("name"))
        .and_then(|name| Some((name.get_ref().as_str()?, name.span())));
    let help = format!("set `name = \"{servlet}\"` under `[package]`: {why}");
    match name {
        Some((name, _)) if name == servlet => {}
        Some((name, span)) => {
            let (line, column) = line_column(&file.text, span.start);
            let len = file.text.get(span).map_or(1, |text| text.chars().count());
            out.push(
                handler_diagnostic(
                    Location::new(&file.path, line, column, len as u32),
                    format!(
                        "the crate of servlet `{servlet}` is named `{name}`, expected `{servlet}`"
                    ),
                )
                .with_help(help),
            );
        }
        None => out.push(
            handler_diagnostic(
                Location::file(&file.path),
                format!("`{}` has no `[package] name`", file.path),
            )
            .with_help(help),
        ),
    }
}

/// The RPCs that get a handler. Streaming RPCs and handler names two RPCs (or an RPC and
/// `init`) would share are reported instead.
fn unary_rpcs<'s>(
    contract: &Contract<'s>,
    out: &mut Vec<Diagnostic>,
) -> Vec<(&'s Service, &'s Rpc)> {
    let mut by_name: BTreeMap<&str, (String, &Location)> = BTreeMap::new();
    let mut rpcs = Vec::new();
    for service in contract.services {
        for rpc in &service.rpcs {
            let name = rpc_name(service, rpc);
            let location = rpc.location.clone();
            if rpc.streaming {
                out.push(
                    handler_diagnostic(
                        location,
                        format!("`{name}` is a streaming RPC, and the generated adapter serves unary calls only"),
                    )
                    .with_help(format!(
                        "make `{}` unary: remove `stream` from its request and response",
                        rpc.proto_name
                    )),
                );
            } else if rpc.rust_name == "init" {
                out.push(
                    handler_diagnostic(
                        location,
                        format!("`{name}` needs a handler named `init`, the name of the servlet's constructor"),
                    )
                    .with_help(format!("rename `{}`", rpc.proto_name)),
                );
            } else if let Some((first, first_location)) = by_name.get(rpc.rust_name.as_str()) {
                out.push(
                    handler_diagnostic(
                        location,
                        format!("`{first}` and `{name}` both need a handler named `{}`", rpc.rust_name),
                    )
                    .with_help("rename one of them: the handlers of all a servlet's services share its crate root")
                    .with_related((*first_location).clone(), format!("`{first}` is declared here")),
                );
            } else {
                by_name.insert(&rpc.rust_name, (name, &rpc.location));
                rpcs.push((service, rpc));
            }
        }
    }
    rpcs
}

/// Parses the crate's files. `None`, with the reasons reported, when one does not parse or
/// there is no lib.rs: the handlers could then be anywhere, and every one would look missing.
fn parse_crate(
    servlet: &str,
    rust_files: &[&SourceText],
    out: &mut Vec<Diagnostic>,
) -> Option<Crate> {
    let src = format!("servlets/{servlet}/src");
    let lib = format!("{src}/lib.rs");
    let prefix = format!("{src}/");
    let mut files = BTreeMap::new();
    let mut parsed = true;
    for file in rust_files
        .iter()
        .filter(|file| file.path.starts_with(&prefix))
    {
        match syn::parse_file(&file.text) {
            Ok(syntax) => {
                files.insert(file.path.clone(), syntax);
            }
            Err(error) => {
                parsed = false;
                out.push(
                    handler_diagnostic(
                        span_location(&file.path, error.span()),
                        format!("`{}` does not parse: {error}", file.path),
                    )
                    .with_note(format!(
                        "the handler check reads the crate of servlet `{servlet}` with syn, so every file under `{src}` must parse"
                    )),
                );
            }
        }
    }
    if parsed && !files.contains_key(&lib) {
        out.push(
            handler_diagnostic(
                Location::file(&lib),
                format!("servlet `{servlet}` has no `src/lib.rs`"),
            )
            .with_help(format!(
                "create {lib} with the servlet's `init` and one `pub async fn` per RPC"
            )),
        );
        return None;
    }
    parsed.then_some(Crate { src, lib, files })
}

/// Checks `init`, the state type and every handler. The state type's name, when `init` says.
fn check_crate(
    contract: &Contract<'_>,
    krate: &Crate,
    rpcs: &[(&Service, &Rpc)],
    out: &mut Vec<Diagnostic>,
) -> Option<String> {
    let state = check_init(contract, krate, out);
    if let Some(state) = &state {
        check_state(contract.servlet, krate, state, out);
    }
    let ident = state.as_ref().map(|state| state.ident);
    for &(service, rpc) in rpcs {
        check_handler(contract, krate, service, rpc, ident, out);
    }
    state.map(|state| state.ident.to_string())
}

/// The servlet's state type, as `init` returns it.
struct State<'c> {
    ident: &'c Ident,
    /// `init`'s return type, where a problem with the state type is reported.
    location: Location,
}

/// A typed client `init` takes: `sharing: sharing_api::SharingClient`.
struct Client<'a> {
    parameter: String,
    written: &'a str,
    ty: Option<Type>,
}

impl<'a> Client<'a> {
    fn new((servlet, written): &'a (String, String)) -> Client<'a> {
        Client {
            parameter: servlet.replace('-', "_"),
            written,
            ty: syn::parse_str(written).ok(),
        }
    }

    fn matches(&self, ty: &Type) -> bool {
        match &self.ty {
            Some(expected) => same_type(ty, expected),
            None => render(ty) == self.written,
        }
    }
}

fn init_signature(clients: &[Client<'_>], state: &str) -> String {
    let parameters: Vec<String> = clients
        .iter()
        .map(|client| format!("{}: {}", client.parameter, client.written))
        .collect();
    format!("pub fn init({}) -> {state}", parameters.join(", "))
}

/// Checks `init`, and reads the state type from it (also from an `init` the root does not
/// re-export, so the handlers' diagnostics can still name it).
fn check_init<'c>(
    contract: &Contract<'_>,
    krate: &'c Crate,
    out: &mut Vec<Diagnostic>,
) -> Option<State<'c>> {
    let clients: Vec<Client<'_>> = contract.clients.iter().map(Client::new).collect();
    let servlet = contract.servlet;
    match krate.lookup_root("init", Namespace::Function) {
        Some(Found::Outside) => {
            out.push(
                handler_diagnostic(
                    Location::file(&krate.lib),
                    format!("`init` of servlet `{servlet}` is re-exported from another crate"),
                )
                .with_help(format!(
                    "define `init` in {}: orrery reads its return type to name the servlet's state",
                    krate.lib
                )),
            );
            None
        }
        Some(Found::Local(definition)) => {
            let function = definition.function()?;
            let mut problems = init_problems(function, &clients);
            let state = match state_type(function, definition.file) {
                Ok(state) => Some(state),
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            };
            if !problems.is_empty() {
                let shown = state
                    .as_ref()
                    .map_or("State".to_owned(), |state| state.ident.to_string());
                out.push(
                    handler_diagnostic(
                        definition.location(),
                        format!("`init` of servlet `{servlet}` {}", problems.join("; ")),
                    )
                    .with_help(format!("change the signature to: {}", init_signature(&clients, &shown)))
                    .with_note(
                        "`init` takes a typed client of each servlet in the manifest's `calls`, in that order",
                    ),
                );
            }
            state
        }
        None => {
            let elsewhere = krate.find_anywhere("init", Namespace::Function);
            let state = elsewhere
                .as_ref()
                .and_then(|definition| state_type(definition.function()?, definition.file).ok());
            let add = format!(
                "add to {}: {}",
                krate.lib,
                init_signature(&clients, "State")
            );
            let mut diagnostic = missing(
                Location::file(&krate.lib),
                format!("servlet `{servlet}` has no `init` function"),
                &krate.lib,
                elsewhere,
                add,
            );
            if diagnostic.related.is_empty() {
                diagnostic = diagnostic.with_note(
                    "`State` stands for the servlet's state: a `pub` type of the crate, which every handler takes as `&State`",
                );
            }
            out.push(diagnostic);
            state
        }
    }
}

fn init_problems(function: &ItemFn, clients: &[Client<'_>]) -> Vec<String> {
    let mut problems = Vec::new();
    if !matches!(function.vis, Visibility::Public(_)) {
        problems.push("is not `pub`".to_owned());
    }
    if function.sig.asyncness.is_some() {
        problems.push("is `async`".to_owned());
    }
    let parameters = parameter_types(&function.sig);
    if parameters.len() != clients.len() {
        problems.push(format!(
            "takes {}, expected {}",
            count(parameters.len(), "parameter"),
            clients.len()
        ));
        return problems;
    }
    for (index, (parameter, client)) in parameters.iter().zip(clients).enumerate() {
        if !client.matches(parameter) {
            problems.push(format!(
                "takes `{}` as parameter {}, expected `{}`",
                render(parameter),
                index + 1,
                client.written
            ));
        }
    }
    problems
}

/// `init`'s return type, which must name the state type itself: a path without generics.
fn state_type<'c>(function: &'c ItemFn, file: &str) -> Result<State<'c>, String> {
    let ReturnType::Type(_, ty) = &function.sig.output else {
        return Err("returns nothing, expected the servlet's state type".to_owned());
    };
    let plain = match ungroup(ty) {
        Type::Path(path)
            if path.qself.is_none() && path.path.segments.iter().all(|s| s.arguments.is_none()) =>
        {
            path.path.segments.last()
        }
        _ => None,
    };
    plain
        .map(|segment| State {
            ident: &segment.ident,
            location: span_location(file, ty.span()),
        })
        .ok_or_else(|| {
            format!(
                "returns `{}`, expected the servlet's state type: a path without generics or `&`",
                render(ty)
            )
        })
}

/// The adapter names the state type `::<servlet>::<State>`.
fn check_state(servlet: &str, krate: &Crate, state: &State<'_>, out: &mut Vec<Diagnostic>) {
    let name = state.ident.to_string();
    let why = format!("the generated adapter names it `::{servlet}::{name}`");
    match krate.lookup_root(&name, Namespace::Type) {
        Some(Found::Outside) => {}
        Some(Found::Local(definition)) if definition.is_pub() => {}
        Some(Found::Local(definition)) => out.push(
            handler_diagnostic(
                definition.location(),
                format!("state type `{name}` of servlet `{servlet}` is not `pub`"),
            )
            .with_help(format!("make it `pub`: {why}")),
        ),
        None => out.push(missing(
            state.location.clone(),
            format!("state type `{name}` is not public at the crate root of servlet `{servlet}`"),
            &krate.lib,
            krate.find_anywhere(&name, Namespace::Type),
            format!(
                "define `pub struct {name}` in {}, or re-export it there with `pub use`: {why}",
                krate.lib
            ),
        )),
    }
}

fn check_handler(
    contract: &Contract<'_>,
    krate: &Crate,
    service: &Service,
    rpc: &Rpc,
    state: Option<&Ident>,
    out: &mut Vec<Diagnostic>,
) {
    let name = rpc_name(service, rpc);
    let signature = handler_signature(contract.api_crate, rpc, state);
    match krate.lookup_root(&rpc.rust_name, Namespace::Function) {
        Some(Found::Outside) => {}
        Some(Found::Local(definition)) => {
            let Some(function) = definition.function() else {
                return;
            };
            let problems = handler_problems(function, rpc, state, contract.api_crate);
            if !problems.is_empty() {
                out.push(
                    handler_diagnostic(
                        definition.location(),
                        format!(
                            "handler `{}` for `{name}` {}",
                            rpc.rust_name,
                            problems.join("; ")
                        ),
                    )
                    .with_help(format!("change the signature to: {signature}"))
                    .with_related(rpc.location.clone(), format!("`{name}` is declared here")),
                );
            }
        }
        None => out.push(missing(
            rpc.location.clone(),
            format!("servlet `{}` has no handler for `{name}`", contract.servlet),
            &krate.lib,
            krate.find_anywhere(&rpc.rust_name, Namespace::Function),
            format!("add to {}: {signature}", krate.lib),
        )),
    }
}

fn state_name(state: Option<&Ident>) -> String {
    state.map_or("State".to_owned(), Ident::to_string)
}

fn expected_return(api_crate: &str, rpc: &Rpc) -> String {
    format!(
        "Result<{}, {api_crate}::Status>",
        render_expected(&rpc.response())
    )
}

fn handler_signature(api_crate: &str, rpc: &Rpc, state: Option<&Ident>) -> String {
    format!(
        "pub async fn {}(servlet: &{}, request: {}) -> {}",
        rpc.rust_name,
        state_name(state),
        render_expected(&rpc.request()),
        expected_return(api_crate, rpc)
    )
}

fn handler_problems(
    function: &ItemFn,
    rpc: &Rpc,
    state: Option<&Ident>,
    api_crate: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !matches!(function.vis, Visibility::Public(_)) {
        problems.push("is not `pub`".to_owned());
    }
    if function.sig.asyncness.is_none() {
        problems.push("is not `async`".to_owned());
    }
    match parameter_types(&function.sig).as_slice() {
        [servlet, request] => {
            if !is_state_reference(servlet, state) {
                problems.push(format!(
                    "takes `{}` as parameter 1, expected `&{}`",
                    render(servlet),
                    state_name(state)
                ));
            }
            if !same_type(request, &rpc.request()) {
                problems.push(format!(
                    "takes `{}` as parameter 2, expected `{}`",
                    render(request),
                    render_expected(&rpc.request())
                ));
            }
        }
        parameters => problems.push(format!(
            "takes {}, expected 2",
            count(parameters.len(), "parameter")
        )),
    }
    let response = &rpc.response();
    // Parsing a fixed template around a type that is already parsed cannot fail.
    let expected: Type = syn::parse_quote!(Result<#response, Status>);
    match &function.sig.output {
        ReturnType::Default => problems.push(format!(
            "returns nothing, expected `{}`",
            expected_return(api_crate, rpc)
        )),
        ReturnType::Type(_, ty) if !same_type(ty, &expected) => problems.push(format!(
            "returns `{}`, expected `{}`",
            render(ty),
            expected_return(api_crate, rpc)
        )),
        ReturnType::Type(..) => {}
    }
    problems
}

/// `&State`; any shared reference to a path while the state type is unknown.
fn is_state_reference(ty: &Type, state: Option<&Ident>) -> bool {
    match state {
        Some(state) => same_type(ty, &syn::parse_quote!(&#state)),
        None => matches!(ungroup(ty), Type::Reference(reference)
            if reference.mutability.is_none() && matches!(ungroup(&reference.elem), Type::Path(_))),
    }
}

fn parameter_types(signature: &Signature) -> Vec<&Type> {
    signature
        .inputs
        .iter()
        .map(|argument| match argument {
            FnArg::Receiver(receiver) => &*receiver.ty,
            FnArg::Typed(typed) => &*typed.ty,
        })
        .collect()
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A diagnostic for an item the crate root lacks. When a module defines it, the help is to
/// re-export it from there; otherwise `add`.
fn missing(
    location: Location,
    message: String,
    lib: &str,
    elsewhere: Option<Definition<'_>>,
    add: String,
) -> Diagnostic {
    let diagnostic = handler_diagnostic(location, message);
    let Some(definition) = elsewhere.filter(|definition| !definition.module.is_empty()) else {
        return diagnostic.with_help(add);
    };
    let module = definition.module.join("::");
    let name = definition.ident;
    let publish = if definition.is_pub() {
        ""
    } else {
        "make it `pub` and "
    };
    diagnostic
        .with_help(format!("{publish}add to {lib}: pub use {module}::{name};"))
        .with_related(
            definition.location(),
            format!("`{name}` is defined here, in module `{module}`, but the crate root does not re-export it"),
        )
}

/// Where a syn span starts. proc-macro2 counts columns from 0, [`Location`] from 1.
fn span_location(path: &str, span: Span) -> Location {
    let (start, end) = (span.start(), span.end());
    let len = if end.line == start.line {
        end.column.saturating_sub(start.column)
    } else {
        1
    };
    Location::new(
        path,
        start.line.max(1) as u32,
        start.column as u32 + 1,
        len as u32,
    )
}

// --- The crate's modules, and what its root exports ---------------------------------------------

/// The servlet's crate, parsed.
struct Crate {
    /// `servlets/files/src`.
    src: String,
    /// `servlets/files/src/lib.rs`.
    lib: String,
    files: BTreeMap<String, syn::File>,
}

/// One module of the crate.
#[derive(Clone)]
struct Module<'c> {
    /// From the crate root: `["handlers"]`.
    path: Vec<String>,
    /// The file holding its items.
    file: &'c str,
    /// Where the files of its `mod x;` children are: `servlets/files/src/handlers`.
    dir: String,
    items: &'c [Item],
}

/// Functions and types live in different namespaces: `init` the function is no `init` type.
#[derive(Clone, Copy)]
enum Namespace {
    Function,
    Type,
}

/// An item the crate defines.
struct Definition<'c> {
    item: &'c Item,
    ident: &'c Ident,
    /// The module defining it, from the crate root.
    module: Vec<String>,
    file: &'c str,
}

impl<'c> Definition<'c> {
    fn location(&self) -> Location {
        span_location(self.file, self.ident.span())
    }

    fn function(&self) -> Option<&'c ItemFn> {
        match self.item {
            Item::Fn(function) => Some(function),
            _ => None,
        }
    }

    fn is_pub(&self) -> bool {
        let visibility = match self.item {
            Item::Fn(item) => &item.vis,
            Item::Struct(item) => &item.vis,
            Item::Enum(item) => &item.vis,
            Item::Type(item) => &item.vis,
            Item::Union(item) => &item.vis,
            _ => return false,
        };
        matches!(visibility, Visibility::Public(_))
    }
}

/// What a name at the crate root is.
enum Found<'c> {
    Local(Definition<'c>),
    /// An explicit re-export from another crate, which the check cannot see into.
    Outside,
}

/// What a `use` path leads to.
enum Target<'c> {
    Module(Module<'c>),
    Outside,
    Missing,
}

/// One name a `use` brings in: `pub use a::b as c;` is path `[a]`, name `b`, alias `c`.
enum Import {
    Name {
        path: Vec<String>,
        name: String,
        alias: String,
    },
    Glob {
        path: Vec<String>,
    },
}

/// How many `use`s a lookup follows: enough for any real chain, and an end to cycles.
const MAX_DEPTH: usize = 16;

impl Crate {
    fn root(&self) -> Option<Module<'_>> {
        let (file, syntax) = self.files.get_key_value(&self.lib)?;
        Some(Module {
            path: Vec::new(),
            file,
            dir: self.src.clone(),
            items: &syntax.items,
        })
    }

    /// The module `parent` declares as `mod name`, inline or in `name.rs` or `name/mod.rs`.
    fn child<'c>(&'c self, parent: &Module<'c>, name: &str) -> Option<Module<'c>> {
        let declared = parent.items.iter().find_map(|item| match item {
            Item::Mod(module) if module.ident == name => Some(module),
            _ => None,
        })?;
        let dir = format!("{}/{name}", parent.dir);
        let (file, items) = match &declared.content {
            Some((_, items)) => (parent.file, items.as_slice()),
            None => {
                let (file, syntax) = self
                    .files
                    .get_key_value(&format!("{dir}.rs"))
                    .or_else(|| self.files.get_key_value(&format!("{dir}/mod.rs")))?;
                (file.as_str(), syntax.items.as_slice())
            }
        };
        let mut path = parent.path.clone();
        path.push(name.to_owned());
        Some(Module {
            path,
            file,
            dir,
            items,
        })
    }

    fn module_at(&self, path: &[String]) -> Option<Module<'_>> {
        path.iter()
            .try_fold(self.root()?, |module, name| self.child(&module, name))
    }

    /// The module a `use` path names, read from `from`. `crate`, `self`, `super` and child
    /// modules are followed; any other first segment is another crate.
    fn resolve<'c>(&'c self, from: &Module<'c>, path: &[String]) -> Target<'c> {
        let (start, rest) = match path.split_first() {
            Some((first, rest)) if first == "crate" => (self.root(), rest),
            Some((first, _))
                if first != "self" && first != "super" && self.child(from, first).is_none() =>
            {
                return Target::Outside;
            }
            _ => (Some(from.clone()), path),
        };
        let module = start.and_then(|start| {
            rest.iter()
                .try_fold(start, |module, segment| match segment.as_str() {
                    "self" => Some(module),
                    "super" => module
                        .path
                        .split_last()
                        .and_then(|(_, parent)| self.module_at(parent)),
                    name => self.child(&module, name),
                })
        });
        module.map_or(Target::Missing, Target::Module)
    }

    /// What `name` is at the crate root, as another crate sees it.
    fn lookup_root(&self, name: &str, namespace: Namespace) -> Option<Found<'_>> {
        self.lookup(&self.root()?, name, namespace, 0)
    }

    /// What `name` is in `module`: an item defined there, else an explicit `use`, else a glob,
    /// as in Rust. Definitions are found whatever their visibility, so that a private one is
    /// reported as not `pub` rather than as missing.
    fn lookup<'c>(
        &'c self,
        module: &Module<'c>,
        name: &str,
        namespace: Namespace,
        depth: usize,
    ) -> Option<Found<'c>> {
        if let Some(definition) = defined_in(module, name, namespace) {
            return Some(Found::Local(definition));
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        let imports = visible_imports(module);
        for (outside, import) in &imports {
            let Import::Name {
                path,
                name: original,
                alias,
            } = import
            else {
                continue;
            };
            if alias != name {
                continue;
            }
            if *outside {
                return Some(Found::Outside);
            }
            match self.resolve(module, path) {
                Target::Outside => return Some(Found::Outside),
                Target::Module(target) => {
                    if let Some(found) = self.lookup(&target, original, namespace, depth + 1) {
                        return Some(found);
                    }
                }
                Target::Missing => {}
            }
        }
        imports
            .iter()
            .find_map(|(outside, import)| match (outside, import) {
                (false, Import::Glob { path }) => match self.resolve(module, path) {
                    Target::Module(target) => self.lookup(&target, name, namespace, depth + 1),
                    Target::Outside | Target::Missing => None,
                },
                _ => None,
            })
    }

    /// The first definition of `name` in any module, for the help of one the root lacks.
    /// Test modules are skipped: their helpers are not what the adapter wants.
    fn find_anywhere(&self, name: &str, namespace: Namespace) -> Option<Definition<'_>> {
        self.find_in(self.root()?, name, namespace)
    }

    fn find_in<'c>(
        &'c self,
        module: Module<'c>,
        name: &str,
        namespace: Namespace,
    ) -> Option<Definition<'c>> {
        if let Some(definition) = defined_in(&module, name, namespace) {
            return Some(definition);
        }
        module
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Mod(child) if !is_cfg_test(&child.attrs) => Some(child.ident.to_string()),
                _ => None,
            })
            .find_map(|child| self.find_in(self.child(&module, &child)?, name, namespace))
    }
}

fn defined_in<'c>(module: &Module<'c>, name: &str, namespace: Namespace) -> Option<Definition<'c>> {
    module.items.iter().find_map(|item| {
        let ident = match (namespace, item) {
            (Namespace::Function, Item::Fn(item)) => &item.sig.ident,
            (Namespace::Type, Item::Struct(item)) => &item.ident,
            (Namespace::Type, Item::Enum(item)) => &item.ident,
            (Namespace::Type, Item::Type(item)) => &item.ident,
            (Namespace::Type, Item::Union(item)) => &item.ident,
            _ => return None,
        };
        (ident == name).then(|| Definition {
            item,
            ident,
            module: module.path.clone(),
            file: module.file,
        })
    })
}

fn is_cfg_test(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        matches!(&attribute.meta, Meta::List(list)
            if list.path.is_ident("cfg") && list.tokens.to_string() == "test")
    })
}

/// The imports of `module` another module can see, each with whether its path starts with
/// `::`. At the crate root only `pub` ones count: the adapter is another crate.
fn visible_imports(module: &Module<'_>) -> Vec<(bool, Import)> {
    let root = module.path.is_empty();
    let mut imports = Vec::new();
    for item in module.items {
        let Item::Use(item) = item else {
            continue;
        };
        let visible = match item.vis {
            Visibility::Public(_) => true,
            Visibility::Restricted(_) => !root,
            Visibility::Inherited => false,
        };
        if visible {
            let mut found = Vec::new();
            flatten(&item.tree, &mut Vec::new(), &mut found);
            imports.extend(
                found
                    .into_iter()
                    .map(|import| (item.leading_colon.is_some(), import)),
            );
        }
    }
    imports
}

fn flatten(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Import>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten(&path.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(name) => out.push(Import::Name {
            path: prefix.clone(),
            name: name.ident.to_string(),
            alias: name.ident.to_string(),
        }),
        UseTree::Rename(rename) => out.push(Import::Name {
            path: prefix.clone(),
            name: rename.ident.to_string(),
            alias: rename.rename.to_string(),
        }),
        UseTree::Glob(_) => out.push(Import::Glob {
            path: prefix.clone(),
        }),
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten(tree, prefix, out);
            }
        }
    }
}

// --- Types: compared by last segment, rendered as people write them ------------------------------

/// Do two types agree, paths compared by their last segment? The check has no name resolution,
/// so `ShareFileRequest` after a `use` and `::files_api::ShareFileRequest` are the same type.
fn same_type(actual: &Type, expected: &Type) -> bool {
    match (ungroup(actual), ungroup(expected)) {
        (Type::Path(actual), Type::Path(expected))
            if actual.qself.is_none() && expected.qself.is_none() =>
        {
            match (actual.path.segments.last(), expected.path.segments.last()) {
                (Some(actual), Some(expected)) => {
                    actual.ident == expected.ident
                        && same_arguments(&actual.arguments, &expected.arguments)
                }
                _ => false,
            }
        }
        (Type::Reference(actual), Type::Reference(expected)) => {
            actual.mutability.is_some() == expected.mutability.is_some()
                && same_type(&actual.elem, &expected.elem)
        }
        (Type::Tuple(actual), Type::Tuple(expected)) => {
            actual.elems.len() == expected.elems.len()
                && actual
                    .elems
                    .iter()
                    .zip(&expected.elems)
                    .all(|(a, e)| same_type(a, e))
        }
        (actual, expected) => tokens(actual) == tokens(expected),
    }
}

/// Generic arguments, lifetimes aside.
fn same_arguments(actual: &PathArguments, expected: &PathArguments) -> bool {
    let (PathArguments::AngleBracketed(actual), PathArguments::AngleBracketed(expected)) =
        (actual, expected)
    else {
        return tokens(actual) == tokens(expected);
    };
    let without_lifetimes =
        |arguments: &'_ syn::AngleBracketedGenericArguments| -> Vec<GenericArgument> {
            arguments
                .args
                .iter()
                .filter(|argument| !matches!(argument, GenericArgument::Lifetime(_)))
                .cloned()
                .collect()
        };
    let (actual, expected) = (without_lifetimes(actual), without_lifetimes(expected));
    actual.len() == expected.len()
        && actual.iter().zip(&expected).all(|pair| match pair {
            (GenericArgument::Type(actual), GenericArgument::Type(expected)) => {
                same_type(actual, expected)
            }
            (actual, expected) => tokens(actual) == tokens(expected),
        })
}

/// `(T)` and invisible groups are `T`.
fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        other => other,
    }
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

/// An expected type as the help spells it: `::files_api::X` is `files_api::X`.
fn render_expected(ty: &Type) -> String {
    let rendered = render(ty);
    match rendered.strip_prefix("::") {
        Some(relative) => relative.to_owned(),
        None => rendered,
    }
}

/// A type as people write it: `Result<ShareFileResponse, Status>`, `&FilesServlet`, `()`.
fn render(ty: &Type) -> String {
    match ty {
        Type::Path(path) if path.qself.is_none() => render_path(&path.path),
        Type::Reference(reference) => {
            let lifetime = reference
                .lifetime
                .as_ref()
                .map_or(String::new(), |lifetime| format!("{lifetime} "));
            let mutability = if reference.mutability.is_some() {
                "mut "
            } else {
                ""
            };
            format!("&{lifetime}{mutability}{}", render(&reference.elem))
        }
        Type::Tuple(tuple) => {
            let elems: Vec<String> = tuple.elems.iter().map(render).collect();
            let trailing = if elems.len() == 1 { "," } else { "" };
            format!("({}{trailing})", elems.join(", "))
        }
        Type::Paren(paren) => format!("({})", render(&paren.elem)),
        Type::Group(group) => render(&group.elem),
        Type::Slice(slice) => format!("[{}]", render(&slice.elem)),
        other => tokens(other),
    }
}

fn render_path(path: &syn::Path) -> String {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| match &segment.arguments {
            PathArguments::None => segment.ident.to_string(),
            PathArguments::AngleBracketed(arguments) => {
                let arguments: Vec<String> = arguments
                    .args
                    .iter()
                    .map(|argument| match argument {
                        GenericArgument::Type(ty) => render(ty),
                        GenericArgument::Lifetime(lifetime) => lifetime.to_string(),
                        other => tokens(other),
                    })
                    .collect();
                format!("{}<{}>", segment.ident, arguments.join(", "))
            }
            PathArguments::Parenthesized(arguments) => {
                format!("{}{}", segment.ident, tokens(arguments))
            }
        })
        .collect();
    let leading = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{leading}{}", segments.join("::"))
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    const PROTO: &str = "servlets/files/proto/files.proto";

    /// The state and `init` most fixtures share.
    const INIT: &str = "pub struct FilesServlet;
pub fn init(sharing: sharing_api::SharingClient, nav: nav_api::NavClient) -> FilesServlet { FilesServlet }";

    fn rpc(proto_name: &str, rust_name: &str, request: Type, response: Type, line: u32) -> Rpc {
        Rpc {
            proto_name: proto_name.to_owned(),
            path: format!("/orrery.files.v1.FilesService/{proto_name}"),
            rust_name: rust_name.to_owned(),
            request: quote::ToTokens::to_token_stream(&request).to_string(),
            response: quote::ToTokens::to_token_stream(&response).to_string(),
            streaming: false,
            location: Location::new(PROTO, line, 7, proto_name.len() as u32),
        }
    }

    fn service(name: &str, rpcs: Vec<Rpc>) -> Service {
        Service {
            full_name: format!("orrery.files.v1.{name}"),
            server_module: String::new(),
            client_module: String::new(),
            trait_name: name.to_owned(),
            server: format!("{name}Server"),
            client: format!("{name}Client"),
            rpcs,
        }
    }

    fn share_file() -> Rpc {
        rpc(
            "ShareFile",
            "share_file",
            parse_quote!(::files_api::ShareFileRequest),
            parse_quote!(::files_api::ShareFileResponse),
            10,
        )
    }

    fn usage() -> Rpc {
        rpc(
            "Usage",
            "usage",
            parse_quote!(()),
            parse_quote!(::files_api::UsageResponse),
            11,
        )
    }

    fn stat_file() -> Rpc {
        rpc(
            "StatFile",
            "stat_file",
            parse_quote!(::files_api::StatFileRequest),
            parse_quote!(::prost_types::Timestamp),
            12,
        )
    }

    /// Removes the indentation the fixture's first non-blank line has.
    fn trim_indent(text: &str) -> String {
        let text = text.trim_start_matches('\n').trim_end();
        let indent = text.len() - text.trim_start_matches(' ').len();
        let lines: Vec<&str> = text
            .lines()
            .map(|line| &line[(line.len() - line.trim_start_matches(' ').len()).min(indent)..])
            .collect();
        lines.join("\n") + "\n"
    }

    /// Multi-file text with `//- path` headers. A fixture without a Cargo.toml gets a right one.
    fn parse_fixture(fixture: &str) -> Vec<SourceText> {
        let mut files: Vec<SourceText> = Vec::new();
        for line in trim_indent(fixture).lines() {
            match line.strip_prefix("//- ") {
                Some(path) => files.push(SourceText {
                    path: path.to_owned(),
                    text: String::new(),
                }),
                None => {
                    let file = files.last_mut().expect("a fixture starts with `//- path`");
                    file.text.push_str(line);
                    file.text.push('\n');
                }
            }
        }
        if !files.iter().any(|file| file.path.ends_with("Cargo.toml")) {
            files.push(SourceText {
                path: "servlets/files/Cargo.toml".to_owned(),
                text: "[package]\nname = \"files\"\n".to_owned(),
            });
        }
        files
    }

    fn run(fixture: &str, services: &[Service]) -> Result<Handlers, Vec<Diagnostic>> {
        let files = parse_fixture(fixture);
        let clients = [
            (
                "sharing".to_owned(),
                "sharing_api::SharingClient".to_owned(),
            ),
            ("nav".to_owned(), "nav_api::NavClient".to_owned()),
        ];
        let contract = Contract {
            servlet: "files",
            api_crate: "files_api",
            services,
            clients: &clients,
        };
        let cargo_toml = files.iter().find(|file| file.path.ends_with("Cargo.toml"));
        let rust_files: Vec<&SourceText> = files
            .iter()
            .filter(|file| file.path.ends_with(".rs"))
            .collect();
        check(&contract, cargo_toml, &rust_files)
    }

    fn show(diagnostics: &[Diagnostic]) -> String {
        let mut shown = String::new();
        for diagnostic in diagnostics {
            assert_eq!(diagnostic.rule, RuleId::Handler);
            let location = &diagnostic.location;
            shown += &format!("{location}+{}: {}\n", location.len, diagnostic.message);
            if let Some(help) = &diagnostic.help {
                shown += &format!("  help: {help}\n");
            }
            for note in &diagnostic.notes {
                shown += &format!("  note: {note}\n");
            }
            for related in &diagnostic.related {
                let location = &related.location;
                shown += &format!(
                    "  related {location}+{}: {}\n",
                    location.len, related.message
                );
            }
        }
        shown
    }

    fn check_ok(fixture: &str, services: &[Service], state: &str) {
        match run(fixture, services) {
            Ok(handlers) => assert_eq!(handlers.state, state),
            Err(diagnostics) => panic!("unexpected diagnostics:\n{}", show(&diagnostics)),
        }
    }

    fn check_errors(fixture: &str, services: &[Service], expect: &str) {
        match run(fixture, services) {
            Ok(handlers) => panic!("expected diagnostics, got {handlers:?}"),
            Err(diagnostics) => assert_eq!(show(&diagnostics), trim_indent(expect)),
        }
    }

    #[test]
    fn accepts_handlers_reexported_by_lists_globs_and_paths() {
        check_ok(
            r#"
            //- servlets/files/src/lib.rs
            mod handlers;
            pub mod extra;
            mod inline {
                pub async fn stat_file(servlet: &crate::FilesServlet, request: files_api::StatFileRequest)
                    -> Result<prost_types::Timestamp, files_api::Status> { todo!() }
            }
            pub use handlers::{FilesServlet, init, share_file as share_file};
            pub use extra::*;
            pub use crate::inline::stat_file;
            //- servlets/files/src/handlers.rs
            use files_api::{ShareFileRequest, ShareFileResponse, Status};
            pub struct FilesServlet;
            pub fn init(_: sharing_api::SharingClient, nav: ::nav_api::NavClient) -> FilesServlet { FilesServlet }
            pub async fn share_file(_: &FilesServlet, request: ShareFileRequest) -> Result<ShareFileResponse, Status> {
                todo!()
            }
            #[cfg(test)]
            mod tests;
            //- servlets/files/src/extra/mod.rs
            mod usage;
            pub use self::usage::*;
            //- servlets/files/src/extra/usage.rs
            pub async fn usage(_: &'static super::super::FilesServlet, _: ())
                -> std::result::Result<files_api::UsageResponse, tonic::Status> { todo!() }
            "#,
            &[service(
                "FilesService",
                vec![share_file(), usage(), stat_file()],
            )],
            "FilesServlet",
        );
    }

    #[test]
    fn trusts_explicit_reexports_from_other_crates() {
        check_ok(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                pub use files_core::handlers::share_file;
                pub use ::files_core::{{usage}};
                "
            ),
            &[service("FilesService", vec![share_file(), usage()])],
            "FilesServlet",
        );
    }

    #[test]
    fn reports_a_missing_handler_with_its_signature() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest)
                    -> Result<files_api::ShareFileResponse, files_api::Status> {{ todo!() }}
                "
            ),
            &[service("FilesService", vec![share_file(), usage()])],
            "
            servlets/files/proto/files.proto:11:7+5: servlet `files` has no handler for `FilesService.Usage`
              help: add to servlets/files/src/lib.rs: pub async fn usage(servlet: &FilesServlet, request: ()) -> Result<files_api::UsageResponse, files_api::Status>
            ",
        );
    }

    #[test]
    fn reports_a_handler_that_is_not_async() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                use files_api::{{ShareFileRequest, ShareFileResponse, Status}};
                pub fn share_file(servlet: &FilesServlet, request: ShareFileRequest) -> Result<ShareFileResponse, Status> {{
                    todo!()
                }}
                "
            ),
            &[service("FilesService", vec![share_file()])],
            "
            servlets/files/src/lib.rs:4:8+10: handler `share_file` for `FilesService.ShareFile` is not `async`
              help: change the signature to: pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest) -> Result<files_api::ShareFileResponse, files_api::Status>
              related servlets/files/proto/files.proto:10:7+9: `FilesService.ShareFile` is declared here
            ",
        );
    }

    #[test]
    fn reports_a_wrong_request_type() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                pub async fn share_file(servlet: &FilesServlet, request: files_api::StatFileRequest)
                    -> Result<files_api::ShareFileResponse, files_api::Status> {{ todo!() }}
                "
            ),
            &[service("FilesService", vec![share_file()])],
            "
            servlets/files/src/lib.rs:3:14+10: handler `share_file` for `FilesService.ShareFile` takes `files_api::StatFileRequest` as parameter 2, expected `files_api::ShareFileRequest`
              help: change the signature to: pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest) -> Result<files_api::ShareFileResponse, files_api::Status>
              related servlets/files/proto/files.proto:10:7+9: `FilesService.ShareFile` is declared here
            ",
        );
    }

    #[test]
    fn reports_a_wrong_return_type_and_every_other_difference() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                async fn share_file(servlet: &mut FilesServlet, request: files_api::ShareFileRequest)
                    -> Result<files_api::ShareFileResponse, String> {{ todo!() }}
                pub async fn usage(servlet: &FilesServlet) -> files_api::UsageResponse {{ todo!() }}
                pub async fn stat_file(servlet: &FilesServlet, request: files_api::StatFileRequest) {{}}
                "
            ),
            &[service("FilesService", vec![share_file(), usage(), stat_file()])],
            "
            servlets/files/src/lib.rs:3:10+10: handler `share_file` for `FilesService.ShareFile` is not `pub`; takes `&mut FilesServlet` as parameter 1, expected `&FilesServlet`; returns `Result<files_api::ShareFileResponse, String>`, expected `Result<files_api::ShareFileResponse, files_api::Status>`
              help: change the signature to: pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest) -> Result<files_api::ShareFileResponse, files_api::Status>
              related servlets/files/proto/files.proto:10:7+9: `FilesService.ShareFile` is declared here
            servlets/files/src/lib.rs:5:14+5: handler `usage` for `FilesService.Usage` takes 1 parameter, expected 2; returns `files_api::UsageResponse`, expected `Result<files_api::UsageResponse, files_api::Status>`
              help: change the signature to: pub async fn usage(servlet: &FilesServlet, request: ()) -> Result<files_api::UsageResponse, files_api::Status>
              related servlets/files/proto/files.proto:11:7+5: `FilesService.Usage` is declared here
            servlets/files/src/lib.rs:6:14+9: handler `stat_file` for `FilesService.StatFile` returns nothing, expected `Result<prost_types::Timestamp, files_api::Status>`
              help: change the signature to: pub async fn stat_file(servlet: &FilesServlet, request: files_api::StatFileRequest) -> Result<prost_types::Timestamp, files_api::Status>
              related servlets/files/proto/files.proto:12:7+8: `FilesService.StatFile` is declared here
            ",
        );
    }

    #[test]
    fn reports_a_handler_its_module_does_not_reexport() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                pub mod handlers;
                mod rpc;
                //- servlets/files/src/handlers.rs
                pub async fn share_file(servlet: &crate::FilesServlet, request: files_api::ShareFileRequest)
                    -> Result<files_api::ShareFileResponse, files_api::Status> {{ todo!() }}
                //- servlets/files/src/rpc/mod.rs
                mod usage {{
                    async fn usage(servlet: &crate::FilesServlet, request: ())
                        -> Result<files_api::UsageResponse, files_api::Status> {{ todo!() }}
                }}
                "
            ),
            &[service("FilesService", vec![share_file(), usage()])],
            "
            servlets/files/proto/files.proto:10:7+9: servlet `files` has no handler for `FilesService.ShareFile`
              help: add to servlets/files/src/lib.rs: pub use handlers::share_file;
              related servlets/files/src/handlers.rs:1:14+10: `share_file` is defined here, in module `handlers`, but the crate root does not re-export it
            servlets/files/proto/files.proto:11:7+5: servlet `files` has no handler for `FilesService.Usage`
              help: make it `pub` and add to servlets/files/src/lib.rs: pub use rpc::usage::usage;
              related servlets/files/src/rpc/mod.rs:2:14+5: `usage` is defined here, in module `rpc::usage`, but the crate root does not re-export it
            ",
        );
    }

    #[test]
    fn without_init_handlers_take_a_placeholder_state() {
        check_errors(
            "
            //- servlets/files/src/lib.rs
            pub struct FilesServlet;
            pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest)
                -> Result<files_api::ShareFileResponse, files_api::Status> { todo!() }
            ",
            &[service("FilesService", vec![share_file(), usage()])],
            "
            servlets/files/proto/files.proto:11:7+5: servlet `files` has no handler for `FilesService.Usage`
              help: add to servlets/files/src/lib.rs: pub async fn usage(servlet: &State, request: ()) -> Result<files_api::UsageResponse, files_api::Status>
            servlets/files/src/lib.rs:1:1+0: servlet `files` has no `init` function
              help: add to servlets/files/src/lib.rs: pub fn init(sharing: sharing_api::SharingClient, nav: nav_api::NavClient) -> State
              note: `State` stands for the servlet's state: a `pub` type of the crate, which every handler takes as `&State`
            ",
        );
    }

    #[test]
    fn reports_init_taking_its_clients_in_the_wrong_order() {
        check_errors(
            "
            //- servlets/files/src/lib.rs
            pub struct FilesServlet;
            pub fn init(nav: nav_api::NavClient, sharing: sharing_api::SharingClient) -> FilesServlet {
                FilesServlet
            }
            ",
            &[],
            "
            servlets/files/src/lib.rs:2:8+4: `init` of servlet `files` takes `nav_api::NavClient` as parameter 1, expected `sharing_api::SharingClient`; takes `sharing_api::SharingClient` as parameter 2, expected `nav_api::NavClient`
              help: change the signature to: pub fn init(sharing: sharing_api::SharingClient, nav: nav_api::NavClient) -> FilesServlet
              note: `init` takes a typed client of each servlet in the manifest's `calls`, in that order
            ",
        );
    }

    #[test]
    fn reports_a_state_type_the_crate_root_does_not_export() {
        check_errors(
            "
            //- servlets/files/src/lib.rs
            mod state;
            pub fn init(sharing: sharing_api::SharingClient, nav: nav_api::NavClient) -> state::FilesServlet {
                state::FilesServlet
            }
            //- servlets/files/src/state.rs
            pub struct FilesServlet;
            ",
            &[],
            "
            servlets/files/src/lib.rs:2:78+19: state type `FilesServlet` is not public at the crate root of servlet `files`
              help: add to servlets/files/src/lib.rs: pub use state::FilesServlet;
              related servlets/files/src/state.rs:1:12+12: `FilesServlet` is defined here, in module `state`, but the crate root does not re-export it
            ",
        );
        check_errors(
            "
            //- servlets/files/src/lib.rs
            struct FilesServlet;
            pub fn init(sharing: sharing_api::SharingClient, nav: nav_api::NavClient) -> FilesServlet {
                FilesServlet
            }
            ",
            &[],
            "
            servlets/files/src/lib.rs:1:8+12: state type `FilesServlet` of servlet `files` is not `pub`
              help: make it `pub`: the generated adapter names it `::files::FilesServlet`
            ",
        );
    }

    #[test]
    fn reports_a_file_that_does_not_parse() {
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                mod handlers;
                //- servlets/files/src/handlers.rs
                pub struct Broken {{ a: u32 b: u32 }}
                "
            ),
            &[service("FilesService", vec![share_file()])],
            "
            servlets/files/src/handlers.rs:1:28+1: `servlets/files/src/handlers.rs` does not parse: expected `,`
              note: the handler check reads the crate of servlet `files` with syn, so every file under `servlets/files/src` must parse
            ",
        );
    }

    #[test]
    fn reports_streaming_rpcs_and_clashing_handler_names() {
        let mut upload = rpc("Upload", "upload", parse_quote!(()), parse_quote!(()), 13);
        upload.streaming = true;
        let mut other = share_file();
        other.location.line = 30;
        check_errors(
            &format!(
                "
                //- servlets/files/src/lib.rs
                {INIT}
                pub async fn share_file(servlet: &FilesServlet, request: files_api::ShareFileRequest)
                    -> Result<files_api::ShareFileResponse, files_api::Status> {{ todo!() }}
                "
            ),
            &[
                service("FilesService", vec![share_file(), upload]),
                service("LinkService", vec![other]),
            ],
            "
            servlets/files/proto/files.proto:13:7+6: `FilesService.Upload` is a streaming RPC, and the generated adapter serves unary calls only
              help: make `Upload` unary: remove `stream` from its request and response
            servlets/files/proto/files.proto:30:7+9: `FilesService.ShareFile` and `LinkService.ShareFile` both need a handler named `share_file`
              help: rename one of them: the handlers of all a servlet's services share its crate root
              related servlets/files/proto/files.proto:10:7+9: `FilesService.ShareFile` is declared here
            ",
        );
    }

    #[test]
    fn reports_a_package_not_named_after_the_servlet() {
        check_errors(
            &format!(
                "
                //- servlets/files/Cargo.toml
                [package]
                name = \"file-store\"
                //- servlets/files/src/lib.rs
                {INIT}
                "
            ),
            &[],
            r#"
            servlets/files/Cargo.toml:2:8+12: the crate of servlet `files` is named `file-store`, expected `files`
              help: set `name = "files"` under `[package]`: the generated server crate depends on the servlet's crate by that name
            "#,
        );
    }

    #[test]
    fn reports_a_missing_cargo_toml() {
        let lib = SourceText {
            path: "servlets/files/src/lib.rs".to_owned(),
            text: trim_indent(INIT),
        };
        let contract = Contract {
            servlet: "files",
            api_crate: "files_api",
            services: &[],
            clients: &[],
        };
        let diagnostics = check(&contract, None, &[&lib]).expect_err("no Cargo.toml");
        assert_eq!(
            show(&diagnostics),
            trim_indent(
                r#"
                servlets/files/Cargo.toml:1:1+0: servlet `files` has no `Cargo.toml`
                  help: create it with `name = "files"` under `[package]`: the generated server crate depends on the servlet's crate by that name
                servlets/files/src/lib.rs:2:8+4: `init` of servlet `files` takes 2 parameters, expected 0
                  help: change the signature to: pub fn init() -> FilesServlet
                  note: `init` takes a typed client of each servlet in the manifest's `calls`, in that order
                "#
            )
        );
    }
}
