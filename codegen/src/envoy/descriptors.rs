//! `gen/envoy/descriptors.pb`: the descriptor set the gRPC-JSON transcoder reads.
//!
//! Every servlet's compiled protos, imports included and every option kept (the transcoder
//! finds its routes in the google.api.http options; a set without them validates and then
//! answers 404 to every REST path). Each file appears once, after the files it imports, as
//! Envoy builds its pool in order.
//!
//! The file is binary, yet starts with orrery's header like every generated file: the header
//! is an unknown length-delimited field (number 15) in front of the set. Protobuf parsers,
//! Envoy's among them, skip unknown fields, and `orrery gen` finds the mark on the first line.

use std::collections::BTreeMap;

use orrery_model::proto::{GOOGLE_API_HTTP, ServletApi};
use orrery_model::{Diagnostic, Location, RuleId};
use prost::Message as _;
use prost_reflect::DescriptorPool;
use prost_types::FileDescriptorProto;

use crate::HEADER_MARK;

/// The header field: number 15, wire type 2 (length-delimited).
const HEADER_TAG: u8 = (15 << 3) | 2;

/// The merged set, with the header in front, checked by decoding it again.
///
/// Files are moved as raw bytes, never re-encoded: prost-types' `FileDescriptorProto` drops the
/// extension options (google.api.http among them) on a decode/encode round trip.
pub(crate) fn descriptor_set(apis: &[&ServletApi]) -> Result<Vec<u8>, Box<Diagnostic>> {
    let mut set = Vec::new();
    let mut seen: BTreeMap<String, (&[u8], &str)> = BTreeMap::new();
    for api in apis {
        let first = api.files.first().map_or("", String::as_str);
        let files = raw_files(api.descriptor_set())
            .ok_or_else(|| bug(first, "its descriptors do not decode"))?;
        for raw in files {
            let name = FileDescriptorProto::decode(raw)
                .map_err(|error| bug(first, &format!("its descriptors do not decode: {error}")))?
                .name()
                .to_owned();
            match seen.get(&name) {
                None => {
                    seen.insert(name, (raw, first));
                    set.push(FILE_TAG);
                    prost::encoding::encode_varint(raw.len() as u64, &mut set);
                    set.extend_from_slice(raw);
                }
                Some((known, _)) if *known == raw => {}
                Some((_, other)) => {
                    return Err(Box::new(
                        Diagnostic::new(
                            RuleId::Input,
                            Location::file(first),
                            format!("`{name}` compiles differently for `{first}` and `{other}`"),
                        )
                        .with_help(
                            "Envoy needs one version of every proto file: import shared protos by the same path everywhere",
                        ),
                    ));
                }
            }
        }
    }
    check_routes_survive(&set, apis)?;
    let header =
        format!("{HEADER_MARK}. Binary: a FileDescriptorSet. Do not edit: run `orrery gen`.\n");
    let mut bytes = Vec::with_capacity(2 + header.len() + set.len());
    bytes.push(HEADER_TAG);
    // One length byte: the header is short, and a length of 10 would be a newline before
    // the mark.
    let length = u8::try_from(header.len())
        .ok()
        .filter(|length| *length < 0x80 && *length != b'\n')
        .ok_or_else(|| {
            bug(
                "",
                "the descriptor set's header does not fit one length byte",
            )
        })?;
    bytes.push(length);
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&set);
    Ok(bytes)
}

/// `FileDescriptorSet.file`: field 1, length-delimited.
const FILE_TAG: u8 = (1 << 3) | 2;

/// The encoded `FileDescriptorProto`s of an encoded `FileDescriptorSet`, in order, as they
/// are. `None` if the bytes are not a set.
fn raw_files(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut files = Vec::new();
    while !bytes.is_empty() {
        if bytes[0] != FILE_TAG {
            return None;
        }
        bytes = &bytes[1..];
        let length = usize::try_from(prost::encoding::decode_varint(&mut bytes).ok()?).ok()?;
        files.push(bytes.get(..length)?);
        bytes = &bytes[length..];
    }
    Some(files)
}

/// Reloads the encoded set as Envoy will, and checks that every route the model found is
/// still there: the method exists and carries its google.api.http option.
fn check_routes_survive(set: &[u8], apis: &[&ServletApi]) -> Result<(), Box<Diagnostic>> {
    let pool = DescriptorPool::decode(set).map_err(|error| {
        bug(
            "",
            &format!("the merged descriptor set does not load: {error}"),
        )
    })?;
    let http = pool.get_extension_by_name(GOOGLE_API_HTTP);
    for route in apis.iter().flat_map(|api| &api.routes) {
        let carried = pool
            .get_service_by_name(&route.service)
            .and_then(|service| service.methods().find(|m| m.name() == route.method))
            .zip(http.as_ref())
            .is_some_and(|(method, http)| method.options().has_extension(http));
        if !carried {
            return Err(bug(
                &route.location.path,
                &format!(
                    "`{}.{}` lost its google.api.http option in the merged descriptor set",
                    route.service, route.method
                ),
            ));
        }
    }
    Ok(())
}

fn bug(path: &str, problem: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(
            RuleId::Input,
            Location::file(path),
            format!("cannot build gen/envoy/descriptors.pb: {problem}"),
        )
        .with_help("this is a bug in orrery: please report it with the servlets' protos"),
    )
}

#[cfg(test)]
mod tests {
    use orrery_model::component::ComponentId;
    use orrery_model::proto::compile_servlet;
    use orrery_model::snapshot::SourceText;
    use prost_types::FileDescriptorSet;

    use super::*;

    fn api(name: &str) -> ServletApi {
        let proto = SourceText {
            path: format!("servlets/{name}/proto/{name}.proto"),
            text: format!(
                "syntax = \"proto3\";\npackage orrery.{name}.v1;\nimport \"google/api/annotations.proto\";\n\
                 service Api {{ rpc Get(Thing) returns (Thing) {{ option (google.api.http) = {{ get: \"/v1/{name}\" }}; }} }}\n\
                 message Thing {{ string id = 1; }}\n"
            ),
        };
        compile_servlet(&ComponentId::new(format!("servlets/{name}")), &[proto])
            .expect("has protos")
            .expect("compiles")
    }

    #[test]
    fn the_set_starts_with_the_header_and_protobuf_skips_it() {
        let (a, b) = (api("a"), api("b"));
        let bytes = descriptor_set(&[&a, &b]).unwrap();
        assert!(crate::is_generated(&bytes));
        let set = FileDescriptorSet::decode(bytes.as_slice()).unwrap();
        let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
        // Shared imports once, each before the files importing them.
        assert_eq!(
            names,
            [
                "google/api/http.proto",
                "google/protobuf/descriptor.proto",
                "google/api/annotations.proto",
                "servlets/a/proto/a.proto",
                "servlets/b/proto/b.proto",
            ]
        );
        // The options survive: the pool still sees both routes.
        let pool = DescriptorPool::decode(bytes.as_slice()).unwrap();
        let http = pool.get_extension_by_name(GOOGLE_API_HTTP).unwrap();
        for service in ["orrery.a.v1.Api", "orrery.b.v1.Api"] {
            let method = pool
                .get_service_by_name(service)
                .unwrap()
                .methods()
                .next()
                .unwrap();
            assert!(method.options().has_extension(&http), "{service}");
        }
    }
}
