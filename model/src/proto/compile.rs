//! protox over an in-memory file set.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use miette::Diagnostic as _;
use prost_reflect::{DescriptorPool, FileDescriptor};
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
struct Sources {
    /// Shared by every compiler of one run, so that compiling servlet by servlet does not
    /// copy every proto text of the repository each time.
    files: Arc<BTreeMap<String, String>>,
}

impl Sources {
    fn new(protos: &[SourceText]) -> Sources {
        let files = protos
            .iter()
            .map(|p| (p.path.clone(), p.text.clone()))
            .collect();
        Sources {
            files: Arc::new(files),
        }
    }
}

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
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
    if let Some(apis) = compile_together(&own_files, &sources, &texts) {
        return apis;
    }
    own_files
        .into_par_iter()
        .map(|(servlet, files)| {
            let api = compile_alone(&servlet, &files, &sources, protos, &texts);
            (servlet, api)
        })
        .collect()
}

/// One compiler for every servlet; `None` when anything fails to compile or link.
fn compile_together(
    own_files: &BTreeMap<ComponentId, Vec<&str>>,
    sources: &Sources,
    texts: &BTreeMap<&str, &str>,
) -> Option<BTreeMap<ComponentId, Result<ServletApi, Diagnostic>>> {
    let mut compiler = protox::Compiler::with_file_resolver(sources.clone());
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(own_files.values().flatten()).ok()?;
    let pool = compiler.descriptor_pool();
    let apis = own_files
        .par_iter()
        .map(|(servlet, files)| {
            let descriptor_set = encode_closure(&pool, files)?;
            let api = ServletApi {
                servlet: (*servlet).clone(),
                files: files.iter().map(|f| (*f).to_owned()).collect(),
                descriptor_set,
                pool: pool.clone(),
                routes: extract_routes(&pool, files, texts),
            };
            Some(((*servlet).clone(), Ok(api)))
        })
        .collect::<Option<_>>()?;
    Some(apis)
}

/// The descriptor set of `files` and everything they import, from a pool holding more, in the
/// order protox writes it for those files alone: each file after its imports (depth first, in
/// declaration order), the files themselves in the order given.
fn encode_closure(pool: &DescriptorPool, files: &[&str]) -> Option<Vec<u8>> {
    fn visit(file: FileDescriptor, seen: &mut BTreeSet<String>, out: &mut Vec<FileDescriptor>) {
        if !seen.insert(file.name().to_owned()) {
            return;
        }
        for import in file.dependencies() {
            visit(import, seen, out);
        }
        out.push(file);
    }
    let (mut seen, mut ordered) = (BTreeSet::new(), Vec::new());
    for name in files {
        visit(pool.get_file_by_name(name)?, &mut seen, &mut ordered);
    }
    let mut set = Vec::new();
    for file in ordered {
        // Raw bytes: a prost-types FileDescriptorProto would drop the google.api.http options.
        let bytes = file.encode_to_vec();
        prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut set);
        prost::encoding::encode_varint(bytes.len() as u64, &mut set);
        set.extend_from_slice(&bytes);
    }
    Some(set)
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
        descriptor_set,
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
