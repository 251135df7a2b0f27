//! Per servlet, an API crate at `servlets/<name>/api/`: the prost messages and the tonic client
//! and server of the servlet's proto package, compiled in memory from the descriptors protox
//! produced. No build.rs, no protoc, no OUT_DIR: the crate is committed and built by plain cargo.
//!
//! A servlet's protos declare exactly one package, and its items sit at the crate root
//! (`files_api::Entry`, `files_api::files_service_client::FilesServiceClient`). That keeps paths
//! short and makes another servlet's package a plain `extern_path` to its crate; a second
//! package is reported instead of being nested in modules.

mod manifest;
mod rust;

use std::collections::{BTreeMap, BTreeSet};

use orrery_model::proto::ServletApi;
use orrery_model::{Diagnostic, Location, Repository, RuleId};
use prost::Message as _;
use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};
use rayon::prelude::*;

use crate::service::{self, Service};
use crate::{GeneratedFile, RUSTFMT_NOTE, client, header};
pub(crate) use rust::DESCRIPTOR_SET_FILE;

/// The package prost maps to `prost-types` (some of its types to Rust primitives).
const WELL_KNOWN: &str = "google.protobuf";

/// A servlet's generated API crate.
pub struct ApiCrate {
    /// The servlet's name: `files`.
    pub servlet: String,
    /// The crate's name: `files_api`.
    pub crate_name: String,
    pub services: Vec<Service>,
    pub files: Vec<GeneratedFile>,
}

/// The API crates of every servlet with protos, sorted by path, and why any servlet has none.
pub fn api_crates(repository: &Repository) -> (Vec<GeneratedFile>, Vec<Diagnostic>) {
    let (crates, diagnostics) = apis(repository);
    let mut files: Vec<GeneratedFile> = crates.into_iter().flat_map(|c| c.files).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, diagnostics)
}

/// The API crate of every servlet with protos, by servlet name, and why any servlet has none.
pub fn apis(repository: &Repository) -> (Vec<ApiCrate>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut servlets = Vec::new();
    // Each servlet's crate is independent of the others': one per core.
    let apis: Vec<&ServletApi> = repository.apis.values().collect();
    for servlet in apis.into_par_iter().map(Servlet::new).collect::<Vec<_>>() {
        match servlet {
            Ok(servlet) => servlets.push(servlet),
            Err(problem) => diagnostics.push(*problem),
        }
    }
    let crates = crates_by_package(&mut servlets, &mut diagnostics);
    let mut generated = Vec::new();
    let made: Vec<_> = servlets
        .par_iter()
        .map(|servlet| api_crate(servlet, &crates))
        .collect();
    for api in made {
        match api {
            Ok(api) => generated.push(api),
            Err(problem) => diagnostics.push(*problem),
        }
    }
    generated.sort_by(|a, b| a.servlet.cmp(&b.servlet));
    (generated, diagnostics)
}

/// A servlet whose API can be generated: its descriptors decoded and its one package known.
struct Servlet<'a> {
    api: &'a ServletApi,
    /// The directory's name, which the manifest's `name` equals.
    name: &'a str,
    descriptors: FileDescriptorSet,
    package: String,
}

impl<'a> Servlet<'a> {
    fn new(api: &'a ServletApi) -> Result<Servlet<'a>, Box<Diagnostic>> {
        let first = api.files.first().map_or("", String::as_str);
        let name = api
            .servlet
            .as_str()
            .strip_prefix("servlets/")
            .filter(|name| is_identifier(name))
            .ok_or_else(|| {
                problem(
                    first,
                    format!("`{}` cannot name a Rust crate", api.servlet),
                    "servlets live in `servlets/<name>/`, named with lowercase ASCII letters, digits and `_`",
                )
            })?;
        let descriptors = FileDescriptorSet::decode(api.descriptor_set()).map_err(|error| {
            problem(
                first,
                format!(
                    "the descriptors of `{}` do not decode: {error}",
                    api.servlet
                ),
                "this is a bug in orrery: please report it with the servlet's protos",
            )
        })?;
        let mut servlet = Servlet {
            api,
            name,
            descriptors,
            package: String::new(),
        };
        servlet.package = servlet.own_package()?;
        Ok(servlet)
    }

    /// The servlet's own files, in the order of `ServletApi::files` (sorted by path).
    fn own_files(&self) -> impl Iterator<Item = &FileDescriptorProto> {
        self.api.files.iter().filter_map(|path| {
            self.descriptors
                .file
                .iter()
                .find(|file| file.name() == path)
        })
    }

    fn own_package(&self) -> Result<String, Box<Diagnostic>> {
        let mut packages: BTreeMap<&str, &str> = BTreeMap::new();
        for file in self.own_files() {
            packages.entry(file.package()).or_insert(file.name());
        }
        let declared: Vec<&str> = packages.keys().copied().collect();
        match declared.as_slice() {
            [package] if !package.is_empty() => Ok((*package).to_owned()),
            [""] => Err(problem(
                packages[""],
                format!("`{}` declares no package", packages[""]),
                format!(
                    "start the file with `package orrery.{}.v1;`: the API crate needs one package to map to Rust",
                    self.name
                ),
            )),
            _ => {
                let listed: Vec<String> = declared.iter().map(|p| format!("`{p}`")).collect();
                let second = declared.get(1).map_or("", |p| packages[p]);
                Err(problem(
                    second,
                    format!(
                        "the protos of `{}` declare {} packages: {}",
                        self.api.servlet,
                        declared.len(),
                        listed.join(", ")
                    ),
                    "put all of a servlet's protos in one package: its API crate is that package",
                ))
            }
        }
    }
}

/// Which API crate holds each package. A package two servlets declare stays with the first
/// (by path); the second gets a diagnostic and no crate, so no type has two Rust paths.
fn crates_by_package(
    servlets: &mut Vec<Servlet<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut crates: BTreeMap<String, String> = BTreeMap::new();
    servlets.retain(|servlet| {
        if let Some(owner) = crates.get(&servlet.package) {
            diagnostics.push(*problem(
                servlet.api.files.first().map_or("", String::as_str),
                format!(
                    "`{}` declares package `{}`, which is `{owner}`'s",
                    servlet.api.servlet, servlet.package
                ),
                "give every servlet its own package, such as `orrery.<name>.v1`",
            ));
            return false;
        }
        crates.insert(servlet.package.clone(), crate_name(servlet.name));
        true
    });
    crates
}

fn api_crate(
    servlet: &Servlet<'_>,
    crates: &BTreeMap<String, String>,
) -> Result<ApiCrate, Box<Diagnostic>> {
    check_imported_types(servlet, crates)?;
    let externs: Vec<(&str, &str)> = crates
        .iter()
        .filter(|(package, _)| **package != servlet.package)
        .map(|(package, name)| (package.as_str(), name.as_str()))
        .collect();
    let crate_name = crate_name(servlet.name);
    let mut code = rust::generate(servlet, &externs)?;
    let (services, docs) = service::services(&code, &crate_name, servlet.own_files());
    code.items
        .extend(client::items(servlet.name, &crate_name, &services, &docs));
    let used = rust::crates_used(&code);
    let header = header(&servlet.api.files);
    let directory = format!("{}/api", servlet.api.servlet);
    let files = vec![
        GeneratedFile::text(
            format!("{directory}/Cargo.toml"),
            manifest::render(&header, &crate_name, &used, crates),
        ),
        GeneratedFile::text(
            format!("{directory}/rustfmt.toml"),
            format!("# {header}\n{RUSTFMT_NOTE}"),
        ),
        GeneratedFile::text(
            format!("{directory}/src/lib.rs"),
            rust::lib_rs(&header, servlet, code),
        ),
        GeneratedFile {
            path: format!("{directory}/src/{}", rust::DESCRIPTOR_SET_FILE),
            contents: crate::envoy::with_header(servlet.api.descriptor_set()),
        },
    ];
    Ok(ApiCrate {
        servlet: servlet.name.to_owned(),
        crate_name,
        services,
        files,
    })
}

/// Every type the servlet's files use must have a Rust path: its own package, another
/// servlet's API crate, or prost-types. Anything else (a shared proto under `proto/`, say)
/// would generate a path to nowhere, so it is reported here rather than by rustc.
fn check_imported_types(
    servlet: &Servlet<'_>,
    crates: &BTreeMap<String, String>,
) -> Result<(), Box<Diagnostic>> {
    let mut declared: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for file in &servlet.descriptors.file {
        for name in declared_types(file) {
            declared.insert(name, (file.name(), file.package()));
        }
    }
    for file in servlet.own_files() {
        for used in used_types(file) {
            let Some((origin, package)) = declared.get(used) else {
                continue;
            };
            if *package != servlet.package
                && *package != WELL_KNOWN
                && !crates.contains_key(*package)
            {
                return Err(problem(
                    file.name(),
                    format!(
                        "`{}` uses `{}` from `{origin}`, which no servlet's API crate provides",
                        file.name(),
                        used.trim_start_matches('.')
                    ),
                    "declare the type in a servlet's proto and import it from there: API crates are generated for servlet protos and google.protobuf only",
                ));
            }
        }
    }
    Ok(())
}

/// The fully qualified names (`.pkg.Message.Nested`) of the messages and enums a file declares.
fn declared_types(file: &FileDescriptorProto) -> Vec<String> {
    let scope = match file.package() {
        "" => String::new(),
        package => format!(".{package}"),
    };
    let mut names: Vec<String> = file
        .enum_type
        .iter()
        .map(|e| format!("{scope}.{}", e.name()))
        .collect();
    for message in &file.message_type {
        declared_in_message(&scope, message, &mut names);
    }
    names
}

fn declared_in_message(scope: &str, message: &DescriptorProto, names: &mut Vec<String>) {
    let name = format!("{scope}.{}", message.name());
    names.extend(
        message
            .enum_type
            .iter()
            .map(|e| format!("{name}.{}", e.name())),
    );
    for nested in &message.nested_type {
        declared_in_message(&name, nested, names);
    }
    names.push(name);
}

/// The fully qualified type names a file's fields, extensions and methods refer to.
fn used_types(file: &FileDescriptorProto) -> BTreeSet<&str> {
    let mut used = BTreeSet::new();
    for message in &file.message_type {
        used_in_message(message, &mut used);
    }
    used.extend(file.extension.iter().map(|field| field.type_name()));
    for method in file.service.iter().flat_map(|service| &service.method) {
        used.extend([method.input_type(), method.output_type()]);
    }
    used.remove("");
    used
}

fn used_in_message<'a>(message: &'a DescriptorProto, used: &mut BTreeSet<&'a str>) {
    let fields = message.field.iter().chain(&message.extension);
    used.extend(fields.map(|field| field.type_name()));
    for nested in &message.nested_type {
        used_in_message(nested, used);
    }
}

fn crate_name(servlet: &str) -> String {
    format!("{servlet}_api")
}

/// Lowercase ASCII letters, digits and `_`, starting with a letter: what manifests allow.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Boxed, as the error of a `Result`, to keep the `Ok` path small.
fn problem(path: &str, message: String, help: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(RuleId::Input, Location::file(path), message).with_help(help))
}
