//! `route-conflict`: HTTP bindings Envoy would accept and then serve wrongly.
//!
//! Envoy validates a config in which two methods bind the same verb and path (both then answer
//! 404, with no log line) or a path variable names no request field (400 at request time), so
//! orrery checks them before anything reaches Envoy.

use std::collections::BTreeMap;

use orrery_model::proto::template::PathTemplate;
use orrery_model::proto::{Route, ServletApi};
use orrery_model::suggest::hint;
use orrery_model::{DependencyGraph, Diagnostic, Repository, RuleId};
use prost_reflect::{Kind, MessageDescriptor};

use super::Rule;

pub const RULE: Rule = Rule {
    id: RuleId::RouteConflict,
    summary: "two methods binding the same HTTP verb and path template, a malformed template, a path variable naming no field",
    description: "Every google.api.http binding must parse as a path template, every path variable and `body` must \
                  name a field of the request message (and `response_body` one of the response), and no two \
                  bindings in the repository may share a verb and a path shape. Envoy accepts all of these and \
                  then answers 404 or 400 at request time.",
    check,
};

fn check(repository: &Repository, _: &DependencyGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut bound: BTreeMap<(String, String), Vec<(&ServletApi, &Route)>> = BTreeMap::new();
    for api in repository.apis.values() {
        for route in &api.routes {
            match PathTemplate::parse(&route.template) {
                Ok(template) => {
                    diagnostics.extend(check_fields(api, route, &template));
                    bound.entry((route.verb.to_string(), template.shape())).or_default().push((api, route));
                }
                Err(reason) => diagnostics.push(
                    Diagnostic::new(
                        RuleId::RouteConflict,
                        route.location.clone(),
                        format!("malformed path template `{}` on `{}`: {reason}", route.template, method(route)),
                    )
                    .about(&api.servlet)
                    .with_help("a template is `/` then segments (`name`, `*`, `**` last, `{field}` or `{field=pattern}`) and an optional `:verb`"),
                ),
            }
        }
    }
    for ((verb, shape), routes) in bound {
        let (first_api, first) = routes[0];
        for (api, route) in &routes[1..] {
            diagnostics.push(
                Diagnostic::new(
                    RuleId::RouteConflict,
                    route.location.clone(),
                    format!("`{verb} {shape}` is bound by both `{}` and `{}`", method(first), method(route)),
                )
                .between(&api.servlet, &first_api.servlet)
                .with_related(first.location.clone(), format!("`{}` binds it here", method(first)))
                .with_help("change one of the two templates: Envoy would answer 404 on both, without a log line"),
            );
        }
    }
    diagnostics
}

fn method(route: &Route) -> String {
    format!(
        "{}.{}",
        route.service.rsplit('.').next().unwrap_or(&route.service),
        route.method
    )
}

const MISSING_FIELD_HELP: &str =
    "name a field of the message, or add the field; Envoy would answer 400 at request time";

/// The only message type Envoy's transcoder serves as a `response_body`.
const HTTP_BODY: &str = "google.api.HttpBody";

/// Path variables, `body` and `response_body` must each name a field (`response_body` an
/// `HttpBody` one).
fn check_fields(api: &ServletApi, route: &Route, template: &PathTemplate) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let message = |name: &str| api.pool.get_message_by_name(name);
    if let Some(request) = message(&route.request) {
        for path in template.variables() {
            if let Err(problem) = resolve_scalar(&request, path) {
                problems.push((
                    format!("path variable `{{{}}}`", path.join(".")),
                    problem,
                    MISSING_FIELD_HELP,
                ));
            }
        }
        if !matches!(route.body.as_str(), "" | "*")
            && request.get_field_by_name(&route.body).is_none()
        {
            problems.push((
                format!("`body: \"{}\"`", route.body),
                no_field(&request, &route.body),
                MISSING_FIELD_HELP,
            ));
        }
    }
    if let Some(response) = message(&route.response)
        && !route.response_body.is_empty()
    {
        let subject = format!("`response_body: \"{}\"`", route.response_body);
        match response.get_field_by_name(&route.response_body) {
            None => problems.push((
                subject,
                no_field(&response, &route.response_body),
                MISSING_FIELD_HELP,
            )),
            // Envoy refuses the whole config for any other field type.
            Some(field)
                if !matches!(field.kind(), Kind::Message(body) if body.full_name() == HTTP_BODY)
                    || field.is_list() =>
            {
                problems.push((
                    subject,
                    format!(
                        "names `{}`, which is not a `{HTTP_BODY}`; Envoy's transcoder answers with another field only if it is one, and rejects the config otherwise",
                        route.response_body
                    ),
                    "remove `response_body` and answer with the whole response message",
                ));
            }
            Some(_) => {}
        }
    }
    problems
        .into_iter()
        .map(|(subject, problem, help)| {
            let message = format!(
                "{subject} in `{}` on `{}` {problem}",
                route.template,
                method(route)
            );
            Diagnostic::new(RuleId::RouteConflict, route.location.clone(), message)
                .about(&api.servlet)
                .with_help(help)
        })
        .collect()
}

/// Follows `a.b.c` through message fields to a singular scalar field.
fn resolve_scalar(message: &MessageDescriptor, path: &[String]) -> Result<(), String> {
    let mut current = message.clone();
    for (i, name) in path.iter().enumerate() {
        let Some(field) = current.get_field_by_name(name) else {
            return Err(no_field(&current, name));
        };
        let last = i + 1 == path.len();
        match (field.kind(), last) {
            (Kind::Message(inner), false) if !field.is_list() => current = inner,
            (_, false) => {
                return Err(format!(
                    "goes through `{name}`, which is not a singular message field of `{}`",
                    current.name()
                ));
            }
            (Kind::Message(_), true) => {
                return Err(format!(
                    "names `{name}`, a message field; a path variable needs a scalar"
                ));
            }
            (_, true) if field.is_list() || field.is_map() => {
                return Err(format!(
                    "names `{name}`, a repeated field; a path variable needs a single value"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn no_field(message: &MessageDescriptor, name: &str) -> String {
    let fields: Vec<String> = message
        .fields()
        .map(|field| field.name().to_owned())
        .collect();
    format!(
        "names no field of `{}`{}",
        message.full_name(),
        hint(name, fields.iter().map(String::as_str))
    )
}
