//! protox over an in-memory file set.

use std::collections::{BTreeMap, BTreeSet};

use std::sync::{Arc, OnceLock};

use miette::Diagnostic as _;
use prost_reflect::DescriptorPool;
use protox::file::{File, FileResolver, GoogleFileResolver};
use rayon::prelude::*;

use super::ServletApi;
use super::routes::extract_routes;
use crate::component::ComponentId;
use crate::diagnostic::{Diagnostic, RuleId};
use crate::location::{Location, line_column};
use crate::snapshot::SourceText;

/// The google.api protos orrery ships (written for this project; see proto/google/).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "google/api/http.proto",
        include_str!("../../../proto/google/api/http.proto"),
    ),
    (
        "google/api/annotations.proto",
        include_str!("../../../proto/google/api/annotations.proto"),
    ),
    (
        "google/rpc/status.proto",
        include_str!("../../../proto/google/rpc/status.proto"),
    ),
];

/// The full name of the method option that carries an HTTP rule.
pub const GOOGLE_API_HTTP: &str = "google.api.http";

/// Resolves imports by repository-relative name, then under the repository's `proto/`, then
/// orrery's embedded google.api protos, then protox's google.protobuf ones.
#[derive(Clone)]
pub(super) struct Sources {
    /// Shared by every compiler of one run, so that compiling servlet by servlet does not
    /// copy every proto text of the repository each time.
    files: Arc<BTreeMap<String, String>>,
    /// Keep only the source info routes need (where each method's options start): the rest
    /// (every element's span and comments) is most of a compiled pool's memory, and only the
    /// descriptor sets `orrery gen` writes carry it.
    lean: bool,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sources({} files)", self.files.len())
    }
}

impl Sources {
    fn new(protos: &[SourceText]) -> Sources {
        let files = protos
            .iter()
            .map(|p| (p.path.clone(), p.text.clone()))
            .collect();
        Sources {
            files: Arc::new(files),
            lean: false,
        }
    }

    fn lean(&self) -> Sources {
        Sources {
            lean: true,
            ..self.clone()
        }
    }

    fn open(&self, name: &str) -> Result<File, protox::Error> {
        let in_repository = self
            .files
            .get(name)
            .or_else(|| self.files.get(&format!("proto/{name}")));
        if let Some(text) = in_repository {
            return File::from_source(name, text);
        }
        if let Some((_, text)) = EMBEDDED.iter().find(|(embedded, _)| *embedded == name) {
            return File::from_source(name, text);
        }
        GoogleFileResolver::new().open_file(name)
    }
}

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let file = self.open(name)?;
        if !self.lean {
            return Ok(file);
        }
        let mut descriptor = file.file_descriptor_proto().clone();
        if let Some(info) = &mut descriptor.source_code_info {
            // `[6, service, 2, method, 4]`: a method's options (FileDescriptorProto.service,
            // ServiceDescriptorProto.method, MethodDescriptorProto.options).
            info.location
                .retain(|location| matches!(location.path.as_slice(), [6, _, 2, _, 4]));
            for location in &mut info.location {
                location.leading_comments = None;
                location.trailing_comments = None;
                location.leading_detached_comments = Vec::new();
            }
        }
        Ok(File::from_file_descriptor_proto(descriptor))
    }
}

/// Compiles the protos under `servlets/<name>/proto/` of one servlet. `protos` holds every
/// .proto text of the repository, so that imports between them resolve. `None` when the
/// servlet has no protos.
pub fn compile_servlet(
    servlet: &ComponentId,
    protos: &[SourceText],
) -> Option<Result<ServletApi, Diagnostic>> {
    let mut apis = compile_servlets(std::slice::from_ref(servlet), protos);
    apis.remove(servlet)
}

/// Compiles the protos of every servlet in `servlets` that has some, as [`compile_servlet`]
/// would one by one.
///
/// The common case, where every proto compiles and no two servlets declare the same name,
/// takes one compiler for all: the shared imports (google/api, descriptor.proto) are parsed and
/// linked once instead of once per servlet. Each servlet's descriptor set is then cut out of
/// the shared pool in the order its own compiler would have written it, so the bytes do not
/// depend on which other servlets exist. Anything else falls back to one compiler per servlet,
/// in parallel, which gives each problem to the servlet that has it.
pub fn compile_servlets(
    servlets: &[ComponentId],
    protos: &[SourceText],
) -> BTreeMap<ComponentId, Result<ServletApi, Diagnostic>> {
    let wanted: BTreeSet<&str> = servlets.iter().map(ComponentId::as_str).collect();
    let mut own_files: BTreeMap<ComponentId, Vec<&str>> = BTreeMap::new();
    for proto in protos {
        // `servlets/<name>/proto/...` belongs to `servlets/<name>`.
        let servlet = proto
            .path
            .match_indices('/')
            .nth(1)
            .map(|(end, _)| &proto.path[..end])
            .filter(|servlet| proto.path[servlet.len()..].starts_with("/proto/"));
        if let Some(servlet) = servlet.filter(|servlet| wanted.contains(servlet)) {
            own_files
                .entry(ComponentId::new(servlet))
                .or_default()
                .push(proto.path.as_str());
        }
    }
    for files in own_files.values_mut() {
        files.sort_unstable();
    }
    let sources = Sources::new(protos);
    let texts: BTreeMap<&str, &str> = protos
        .iter()
        .map(|p| (p.path.as_str(), p.text.as_str()))
        .collect();
    let own_files: Vec<(ComponentId, Vec<&str>)> = own_files.into_iter().collect();
    own_files
        .par_chunks(SERVLETS_PER_COMPILER)
        .flat_map_iter(|chunk| {
            compile_together(chunk, &sources, &texts).unwrap_or_else(|| {
                chunk
                    .iter()
                    .map(|(servlet, files)| {
                        let api = compile_alone(servlet, files, &sources, protos, &texts);
                        (servlet.clone(), api)
                    })
                    .collect()
            })
        })
        .collect()
}

/// How many servlets share one compiler: enough that the shared imports are parsed and linked
/// rarely, few enough that the compilers keep every core busy.
const SERVLETS_PER_COMPILER: usize = 32;

/// One compiler for several servlets; `None` when anything fails to compile or link.
fn compile_together(
    own_files: &[(ComponentId, Vec<&str>)],
    sources: &Sources,
    texts: &BTreeMap<&str, &str>,
) -> Option<Vec<(ComponentId, Result<ServletApi, Diagnostic>)>> {
    let mut compiler = protox::Compiler::with_file_resolver(sources.lean());
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_files(own_files.iter().flat_map(|(_, files)| files))
        .ok()?;
    let pool = compiler.descriptor_pool();
    let apis = own_files
        .iter()
        .map(|(servlet, files)| {
            let api = ServletApi {
                servlet: servlet.clone(),
                files: files.iter().map(|f| (*f).to_owned()).collect(),
                descriptor_set: DescriptorSet::Later(sources.clone()),
                made: OnceLock::new(),
                pool: pool.clone(),
                routes: extract_routes(&pool, files, texts),
            };
            (servlet.clone(), Ok(api))
        })
        .collect();
    Some(apis)
}

/// A servlet's encoded descriptor set: already made, or made on first use by compiling the
/// servlet alone with full source info, exactly as [`compile_servlet`] would.
#[derive(Clone, Debug)]
pub(super) enum DescriptorSet {
    Made(Vec<u8>),
    Later(Sources),
}

pub(super) fn encode_alone(files: &[String], sources: &Sources) -> Vec<u8> {
    let mut compiler = protox::Compiler::with_file_resolver(sources.clone());
    compiler.include_imports(true).include_source_info(true);
    match compiler.open_files(files) {
        Ok(_) => compiler.encode_file_descriptor_set(),
        // The lean compile of the same files succeeded, so this does not happen; an empty set
        // would fail loudly where it is decoded.
        Err(_) => Vec::new(),
    }
}

/// One servlet's own compiler: what [`compile_together`] falls back to.
// The diagnostic is what every caller keeps; boxing it would only add an indirection.
#[allow(clippy::result_large_err)]
fn compile_alone(
    servlet: &ComponentId,
    files: &[&str],
    sources: &Sources,
    protos: &[SourceText],
    texts: &BTreeMap<&str, &str>,
) -> Result<ServletApi, Diagnostic> {
    let mut compiler = protox::Compiler::with_file_resolver(sources.clone());
    compiler.include_imports(true).include_source_info(true);
    if let Err(error) = compiler.open_files(files) {
        return Err(compile_error(&error, protos, files[0]));
    }
    // Encoded by protox itself: prost's typed FileDescriptorSet drops extension options, and
    // with them every google.api.http rule.
    let descriptor_set = compiler.encode_file_descriptor_set();
    let pool = match DescriptorPool::decode(descriptor_set.as_slice()) {
        Ok(pool) => pool,
        Err(error) => {
            let message = format!("the descriptors of `{servlet}` do not load: {error}");
            return Err(Diagnostic::new(
                RuleId::Input,
                Location::file(files[0]),
                message,
            ));
        }
    };
    let routes = extract_routes(&pool, files, texts);
    Ok(ServletApi {
        servlet: servlet.clone(),
        files: files.iter().map(|f| (*f).to_owned()).collect(),
        descriptor_set: DescriptorSet::Made(descriptor_set),
        made: OnceLock::new(),
        pool,
        routes,
    })
}

/// A protox error as an `input` diagnostic at its first labelled span.
fn compile_error(error: &protox::Error, protos: &[SourceText], fallback: &str) -> Diagnostic {
    let path = error.file().unwrap_or(fallback).to_owned();
    let text = protos
        .iter()
        .find(|p| p.path == path)
        .map(|p| p.text.as_str());
    let span = error
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| (label.offset(), label.len()));
    let location = match (text, span) {
        (Some(text), Some((offset, len))) => {
            let (line, column) = line_column(text, offset);
            Location::new(&path, line, column, len.max(1) as u32)
        }
        _ => Location::file(&path),
    };
    Diagnostic::new(RuleId::Input, location, format!("`{path}` does not compile: {error}"))
        .with_help("fix the proto; imports resolve from the repository root, from proto/, and google/api, google/rpc and google/protobuf")
}
