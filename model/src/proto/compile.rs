//! protox over an in-memory file set.

use std::collections::BTreeMap;

use miette::Diagnostic as _;
use prost_reflect::DescriptorPool;
use protox::file::{File, FileResolver, GoogleFileResolver};

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
struct Sources {
    files: BTreeMap<String, String>,
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

/// Compiles the protos under `servlets/<name>/proto/`. `protos` holds every .proto text of the
/// repository, so that imports between them resolve. `None` when the servlet has no protos.
pub fn compile_servlet(
    servlet: &ComponentId,
    protos: &[SourceText],
) -> Option<Result<ServletApi, Diagnostic>> {
    let prefix = format!("{servlet}/proto/");
    let mut files: Vec<&str> = protos
        .iter()
        .map(|p| p.path.as_str())
        .filter(|path| path.starts_with(&prefix))
        .collect();
    if files.is_empty() {
        return None;
    }
    files.sort();
    let sources = Sources {
        files: protos
            .iter()
            .map(|p| (p.path.clone(), p.text.clone()))
            .collect(),
    };
    let mut compiler = protox::Compiler::with_file_resolver(sources);
    compiler.include_imports(true).include_source_info(true);
    if let Err(error) = compiler.open_files(&files) {
        return Some(Err(compile_error(&error, protos, files[0])));
    }
    // Encoded by protox itself: prost's typed FileDescriptorSet drops extension options, and
    // with them every google.api.http rule.
    let descriptor_set = compiler.encode_file_descriptor_set();
    let pool = match DescriptorPool::decode(descriptor_set.as_slice()) {
        Ok(pool) => pool,
        Err(error) => {
            let message = format!("the descriptors of `{servlet}` do not load: {error}");
            return Some(Err(Diagnostic::new(
                RuleId::Input,
                Location::file(files[0]),
                message,
            )));
        }
    };
    let texts: BTreeMap<&str, &str> = protos
        .iter()
        .map(|p| (p.path.as_str(), p.text.as_str()))
        .collect();
    let routes = extract_routes(&pool, &files, &texts);
    Some(Ok(ServletApi {
        servlet: servlet.clone(),
        files: files.iter().map(|f| (*f).to_owned()).collect(),
        descriptor_set,
        pool,
        routes,
    }))
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
