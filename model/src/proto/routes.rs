//! The HTTP bindings declared with `option (google.api.http)`.

use std::collections::BTreeMap;
use std::fmt;

use prost_reflect::{DescriptorPool, DynamicMessage, MethodDescriptor, Value};

use super::compile::GOOGLE_API_HTTP;
use crate::location::{Location, line_column};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    /// `custom { kind: "HEAD" path: "..." }`.
    Custom(String),
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Get => "GET",
            Verb::Put => "PUT",
            Verb::Post => "POST",
            Verb::Delete => "DELETE",
            Verb::Patch => "PATCH",
            Verb::Custom(kind) => kind,
        })
    }
}

/// One HTTP binding of one method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The service's full name, `orrery.files.v1.FilesService`.
    pub service: String,
    pub method: String,
    /// The request and response messages' full names.
    pub request: String,
    pub response: String,
    pub verb: Verb,
    /// The path template as written.
    pub template: String,
    /// `""` (no body), `"*"` or a request field.
    pub body: String,
    /// `""` (the whole response) or a response field.
    pub response_body: String,
    /// Where the template is written (the option, when the literal cannot be found).
    pub location: Location,
}

pub(super) fn extract_routes(
    pool: &DescriptorPool,
    files: &[&str],
    texts: &BTreeMap<&str, &str>,
) -> Vec<Route> {
    let Some(http) = pool.get_extension_by_name(GOOGLE_API_HTTP) else {
        return Vec::new();
    };
    let mut routes = Vec::new();
    for file in files.iter().filter_map(|name| pool.get_file_by_name(name)) {
        let text = texts.get(file.name()).copied().unwrap_or_default();
        for service in file.services() {
            for method in service.methods() {
                let options = method.options();
                if !options.has_extension(&http) {
                    continue;
                }
                if let Value::Message(rule) = options.get_extension(&http).as_ref() {
                    let option_span = option_start(&method, text);
                    collect(&method, rule, file.name(), text, option_span, &mut routes);
                }
            }
        }
    }
    routes
}

/// The byte offset of the method's `option` statement, from the source info.
fn option_start(method: &MethodDescriptor, text: &str) -> Option<usize> {
    let mut options_path = method.path().to_vec();
    options_path.push(4); // MethodDescriptorProto.options
    let file = method.parent_file();
    let location = file
        .file_descriptor_proto()
        .source_code_info
        .as_ref()?
        .location
        .iter()
        .find(|l| l.path == options_path)?;
    let (line, column) = (
        *location.span.first()? as usize,
        *location.span.get(1)? as usize,
    );
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let column_bytes: usize = text[line_start..]
        .chars()
        .take(column)
        .map(char::len_utf8)
        .sum();
    Some(line_start + column_bytes)
}

fn collect(
    method: &MethodDescriptor,
    rule: &DynamicMessage,
    path: &str,
    text: &str,
    option: Option<usize>,
    into: &mut Vec<Route>,
) {
    let field = |name: &str| match rule.get_field_by_name(name).as_deref() {
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    };
    let pattern = ["get", "put", "post", "delete", "patch"]
        .iter()
        .find(|verb| rule.has_field_by_name(verb))
        .map(|verb| (verb_of(verb), field(verb)))
        .or_else(|| match rule.get_field_by_name("custom").as_deref() {
            Some(Value::Message(custom)) if rule.has_field_by_name("custom") => {
                let text = |name: &str| {
                    custom
                        .get_field_by_name(name)
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                };
                Some((Verb::Custom(text("kind")), text("path")))
            }
            _ => None,
        });
    if let Some((verb, template)) = pattern {
        let location = template_location(path, text, option, &template, into);
        into.push(Route {
            service: method.parent_service().full_name().to_owned(),
            method: method.name().to_owned(),
            request: method.input().full_name().to_owned(),
            response: method.output().full_name().to_owned(),
            verb,
            template,
            body: field("body"),
            response_body: field("response_body"),
            location,
        });
    }
    if let Some(Value::List(bindings)) = rule.get_field_by_name("additional_bindings").as_deref() {
        for binding in bindings {
            if let Value::Message(binding) = binding {
                collect(method, binding, path, text, option, into);
            }
        }
    }
}

fn verb_of(name: &str) -> Verb {
    match name {
        "get" => Verb::Get,
        "put" => Verb::Put,
        "post" => Verb::Post,
        "delete" => Verb::Delete,
        _ => Verb::Patch,
    }
}

/// The template's string literal after the method's `option`, skipping the ones earlier
/// bindings of the same option already claimed; else the option itself.
fn template_location(
    path: &str,
    text: &str,
    option: Option<usize>,
    template: &str,
    earlier: &[Route],
) -> Location {
    let Some(start) = option else {
        return Location::file(path);
    };
    let quoted = format!("\"{template}\"");
    let mut from = start;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(&quoted)) {
        let offset = from + found;
        let (line, column) = line_column(text, offset);
        let location = Location::new(path, line, column, quoted.chars().count() as u32);
        if !earlier.iter().any(|route| route.location == location) {
            return location;
        }
        from = offset + quoted.len();
    }
    let (line, column) = line_column(text, start);
    Location::new(path, line, column, "option".len() as u32)
}
