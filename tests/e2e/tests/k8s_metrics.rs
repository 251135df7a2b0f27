//! The metric names in the generated alerts and canary analysis are the ones the runtime
//! really exports: every `orrery_*` name in a PrometheusRule `expr` or an AnalysisTemplate
//! `query` of the example is read back from a running `probe_server`'s `/metrics`.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use orrery_runtime::codegen::Code;
use probe_api::{EchoRequest, FailRequest, PanicRequest, ProbeClient};
use support::{Server, binary, envoy::root};

/// Every PromQL expression of the example's generated PrometheusRules and AnalysisTemplates.
fn expressions() -> Vec<String> {
    let snapshot = orrery_lint::discover::discover(&root());
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot);
    assert_eq!(diagnostics, [], "the example loads cleanly");
    let graph = orrery_lint::resolve::build_graph(&repository, &snapshot).0;
    let (files, problems) = orrery_codegen::generate(&repository, &snapshot, &graph);
    assert_eq!(problems, [], "the example generates cleanly");
    let mut expressions = Vec::new();
    for file in files
        .iter()
        .filter(|file| file.path.starts_with("gen/k8s/"))
    {
        let document: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&file.as_text()).expect("a generated manifest is YAML");
        let spec = &document["spec"];
        match document["kind"].as_str() {
            Some("PrometheusRule") => {
                for group in spec["groups"].as_sequence().expect("groups") {
                    for rule in group["rules"].as_sequence().expect("rules") {
                        expressions.push(rule["expr"].as_str().expect("expr").to_owned());
                    }
                }
            }
            Some("AnalysisTemplate") => {
                for metric in spec["metrics"].as_sequence().expect("metrics") {
                    let query = &metric["provider"]["prometheus"]["query"];
                    expressions.push(query.as_str().expect("query").to_owned());
                }
            }
            _ => {}
        }
    }
    expressions
}

/// The identifiers starting with `orrery_` in a PromQL expression, outside quoted strings
/// (label values): metric names, since orrery's labels do not start with `orrery_`.
fn orrery_names(expression: &str) -> BTreeSet<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut names = BTreeSet::new();
    let mut chars = expression.char_indices().peekable();
    let mut previous = ' ';
    while let Some((start, c)) = chars.next() {
        if c == '"' || c == '\'' || c == '`' {
            // Skip the string, escapes included.
            while let Some((_, inner)) = chars.next() {
                if inner == '\\' {
                    chars.next();
                } else if inner == c {
                    break;
                }
            }
            previous = c;
            continue;
        }
        if is_name(c) && !is_name(previous) {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if !is_name(next) {
                    break;
                }
                end = at + next.len_utf8();
                chars.next();
            }
            let name = &expression[start..end];
            if name.starts_with("orrery_") {
                names.insert(name.to_owned());
            }
            previous = 'a';
            continue;
        }
        previous = c;
    }
    names
}

#[test]
fn the_scan_finds_metric_names_and_skips_label_values() {
    assert_eq!(
        orrery_names(
            r#"sum(rate(orrery_a_total{job="orrery_not_a_name", x='orrery_\'no'}[5m])) / xorrery_b + orrery:c"#
        ),
        BTreeSet::from(["orrery_a_total".to_owned()])
    );
}

#[tokio::test]
async fn every_metric_the_alerts_and_the_analysis_use_is_exported_by_a_running_server() {
    let referenced: BTreeSet<String> = expressions()
        .iter()
        .flat_map(|expression| orrery_names(expression))
        .collect();
    assert_eq!(
        referenced,
        BTreeSet::from([
            "orrery_grpc_panics_total".to_owned(),
            "orrery_grpc_request_duration_seconds_bucket".to_owned(),
            "orrery_grpc_requests_total".to_owned(),
        ]),
        "the names the generated expressions use"
    );

    // A real server, with a success, an error and a panic recorded.
    let server = Server::start(&binary("probe_server", "probe_server"), &[], &[]);
    let probe = ProbeClient::new(&server.clients(&["probe"])).expect("probe client");
    probe
        .echo(EchoRequest {
            message: "hello".into(),
        })
        .await
        .expect("echo");
    let failed = probe
        .fail(FailRequest {
            code: Code::Unavailable as u32,
            message: "drill".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(failed.code(), Code::Unavailable);
    let panicked = probe
        .panic(PanicRequest {
            message: "drill".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(panicked.code(), Code::Internal);

    let exposition = server.metrics();
    let mut types: BTreeMap<&str, &str> = BTreeMap::new();
    let mut series: BTreeSet<&str> = BTreeSet::new();
    for line in exposition.lines() {
        if let Some(declaration) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declaration.split_once(' ').expect("# TYPE name kind");
            types.insert(name, kind);
        } else if !line.starts_with('#') && !line.is_empty() {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            series.insert(&line[..end]);
        }
    }
    for name in &referenced {
        assert!(
            series.contains(name.as_str()),
            "`{name}` is not in /metrics:\n{exposition}"
        );
        // A histogram's series come as a set: buckets, count and sum.
        let base = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| types.get(base) == Some(&"histogram"));
        if let Some(base) = base {
            for suffix in ["_bucket", "_count", "_sum"] {
                let series_name = format!("{base}{suffix}");
                assert!(
                    series.contains(series_name.as_str()),
                    "`{series_name}` is not in /metrics:\n{exposition}"
                );
            }
        }
    }
    // The codes the alerts count as errors are codes the runtime writes.
    let written: BTreeSet<&str> = (0..=16)
        .map(|code| orrery_runtime::metrics::code_name(Code::from(code)))
        .collect();
    for code in orrery_codegen::k8s::model::ERROR_CODES {
        assert!(written.contains(code), "`{code}` is no gRPC code name");
    }
    assert!(exposition.contains(r#"code="UNAVAILABLE""#), "{exposition}");
}
