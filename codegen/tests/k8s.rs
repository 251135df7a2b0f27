//! The Kubernetes manifests `orrery gen` writes under gen/k8s/. Real validators judge them:
//! every custom resource of the example against its CRD's openAPIV3Schema
//! (tests/schemas/crds/, with the `jsonschema` crate), every core kind with PyPI's
//! kubernetes-validate at a pinned Kubernetes version. Snapshots show the YAML; fixtures show
//! what the templates do with overrides and undefined names, and that the autoscaler follows
//! the headroom.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use orrery_codegen::GeneratedFile;
use orrery_model::Snapshot;
use serde::Deserialize as _;
use serde_json::{Value as Json, json};
use support::{contents, generate, snapshot};

/// The Kubernetes version the core kinds are validated against: one whose schemas
/// kubernetes-validate (pinned in scripts/install-tools) bundles.
const KUBERNETES_VERSION: &str = "1.32.0";

const GREETER: &str = include_str!("fixtures/greeter.txt");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The gen/k8s/ files of the example repository as discovery reads it, after `edit`.
fn example(edit: impl FnOnce(&mut Snapshot)) -> Vec<GeneratedFile> {
    let mut snapshot = orrery_lint::discover::discover(&root());
    edit(&mut snapshot);
    let (repository, diagnostics) = orrery_model::repository::load(&snapshot);
    assert_eq!(diagnostics, [], "the example loads cleanly");
    let graph = orrery_lint::resolve::build_graph(&repository, &snapshot).0;
    let (files, problems) = orrery_codegen::generate(&repository, &snapshot, &graph);
    assert_eq!(problems, [], "the example generates cleanly");
    k8s(files)
}

/// The example with `deploy.engine: plain`.
fn plain_example() -> Vec<GeneratedFile> {
    example(|snapshot| {
        let config = snapshot.config.as_mut().expect("orrery.yaml");
        assert!(config.text.contains("engine: argo-rollouts"));
        config.text = config
            .text
            .replace("engine: argo-rollouts", "engine: plain");
    })
}

fn k8s(files: Vec<GeneratedFile>) -> Vec<GeneratedFile> {
    files
        .into_iter()
        .filter(|file| file.path.starts_with("gen/k8s/"))
        .collect()
}

/// Every YAML document of a generated file, as JSON.
fn documents(file: &GeneratedFile) -> Vec<Json> {
    serde_yaml_ng::Deserializer::from_str(&file.as_text())
        .map(|document| {
            Json::deserialize(document)
                .unwrap_or_else(|error| panic!("`{}` is not YAML: {error}", file.path))
        })
        .collect()
}

/// Every generated document with its file's path.
fn all_documents(files: &[GeneratedFile]) -> Vec<(String, Json)> {
    files
        .iter()
        .flat_map(|file| {
            documents(file)
                .into_iter()
                .map(|document| (file.path.clone(), document))
        })
        .collect()
}

/// A servlet's files as one text, each after a `//- path` line, for a snapshot.
fn servlet_files(files: &[GeneratedFile], servlet: &str) -> String {
    let prefix = format!("gen/k8s/{servlet}/");
    let listed: Vec<String> = files
        .iter()
        .filter(|file| file.path.starts_with(&prefix))
        .map(|file| format!("//- {}\n{}", file.path, file.as_text()))
        .collect();
    assert!(!listed.is_empty(), "no files for `{servlet}`");
    listed.join("")
}

// ---------------------------------------------------------------------------------------------
// Custom resources against their CRDs.

/// The CRDs of tests/schemas/crds/, by kind: the group and the (closed) schema per version.
struct Crds {
    by_kind: BTreeMap<String, (String, BTreeMap<String, jsonschema::Validator>)>,
}

impl Crds {
    fn load() -> Crds {
        let directory = root().join("tests/schemas/crds");
        let mut by_kind = BTreeMap::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&directory)
            .expect("tests/schemas/crds")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "yaml")
            })
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).expect("a CRD");
            let crd: Json = serde_yaml_ng::from_str(&text).expect("a CRD is YAML");
            let group = crd["spec"]["group"]
                .as_str()
                .expect("spec.group")
                .to_owned();
            let kind = crd["spec"]["names"]["kind"]
                .as_str()
                .expect("spec.names.kind")
                .to_owned();
            let versions = crd["spec"]["versions"]
                .as_array()
                .expect("spec.versions")
                .iter()
                .map(|version| {
                    let mut schema = version["schema"]["openAPIV3Schema"].clone();
                    close(&mut schema);
                    let validator = jsonschema::options()
                        // OpenAPI v3's schema object is a subset of JSON Schema; 2020-12 reads it
                        // alike and treats `format` as an annotation, as the API server mostly
                        // does, so its meta-schema does not judge `pattern`s as ECMA 262.
                        .with_draft(jsonschema::Draft::Draft202012)
                        // The API server matches `pattern` with Go's RE2, as the `regex`
                        // crate does (`(?i)` and all).
                        .with_pattern_options(jsonschema::PatternOptions::regex())
                        .build(&schema)
                        .unwrap_or_else(|error| panic!("{kind}'s schema compiles: {error}"));
                    (
                        version["name"].as_str().expect("a version name").to_owned(),
                        validator,
                    )
                })
                .collect();
            by_kind.insert(kind, (group, versions));
        }
        Crds { by_kind }
    }

    /// The schema violations of `document`, `None` when its kind has no CRD here.
    fn violations(&self, document: &Json) -> Option<Vec<String>> {
        let kind = document["kind"].as_str()?;
        let (group, versions) = self.by_kind.get(kind)?;
        let api_version = document["apiVersion"].as_str().expect("apiVersion");
        let (document_group, version) = api_version.split_once('/').expect("group/version");
        assert_eq!(document_group, group, "the API group of a {kind}");
        let validator = versions
            .get(version)
            .unwrap_or_else(|| panic!("{kind} has no version `{version}` in its CRD"));
        Some(
            validator
                .iter_errors(document)
                .map(|error| format!("{}: {error}", error.instance_path()))
                .collect(),
        )
    }
}

/// Closes every object schema that lists `properties`, as the API server's strict field
/// validation does: unknown fields are errors, not values it would silently prune.
fn close(schema: &mut Json) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let preserves = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if object.contains_key("properties")
        && !object.contains_key("additionalProperties")
        && !preserves
    {
        object.insert("additionalProperties".to_owned(), json!(false));
    }
    if let Some(properties) = object.get_mut("properties").and_then(Json::as_object_mut) {
        properties.values_mut().for_each(close);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get_mut(key) {
            close(inner);
        }
    }
    for key in ["anyOf", "allOf", "oneOf"] {
        if let Some(Json::Array(inner)) = object.get_mut(key) {
            inner.iter_mut().for_each(close);
        }
    }
}

fn assert_custom_resources_validate(files: &[GeneratedFile], expected: &[(&str, usize)]) {
    let crds = Crds::load();
    let mut validated: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, document) in all_documents(files) {
        let Some(violations) = crds.violations(&document) else {
            continue;
        };
        *validated
            .entry(document["kind"].as_str().unwrap().to_owned())
            .or_default() += 1;
        failures.extend(violations.into_iter().map(|v| format!("{path}: {v}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let expected: BTreeMap<String, usize> = expected
        .iter()
        .map(|(kind, count)| ((*kind).to_owned(), *count))
        .collect();
    assert_eq!(validated, expected, "the custom resources validated");
}

#[test]
fn every_custom_resource_of_the_example_validates_against_its_crd() {
    assert_custom_resources_validate(
        &example(|_| {}),
        &[
            ("AnalysisTemplate", 6),
            ("PrometheusRule", 6),
            ("Rollout", 6),
            ("ServiceMonitor", 6),
        ],
    );
    assert_custom_resources_validate(
        &plain_example(),
        &[("PrometheusRule", 6), ("ServiceMonitor", 6)],
    );
}

#[test]
fn a_custom_resource_that_breaks_its_crd_is_rejected() {
    let files = example(|_| {});
    let rollout = documents(
        files
            .iter()
            .find(|file| file.path == "gen/k8s/files/rollout.yaml")
            .expect("the files Rollout"),
    )
    .remove(0);
    let crds = Crds::load();
    assert_eq!(crds.violations(&rollout), Some(Vec::new()));

    let mut misspelled = rollout.clone();
    misspelled["spec"]["strategy"]["canary"]["stepz"] = json!([]);
    let mut mistyped = rollout.clone();
    mistyped["spec"]["strategy"]["canary"]["steps"][1]["setWeight"] = json!("ten");
    let mut incomplete = rollout;
    incomplete["spec"]["strategy"]["canary"]["steps"][0]["experiment"]["templates"][0]
        .as_object_mut()
        .unwrap()
        .remove("specRef");
    assert_eq!(
        [misspelled, mistyped, incomplete].map(|document| crds.violations(&document).unwrap()),
        [
            vec![
                "/spec/strategy/canary: Additional properties are not allowed ('stepz' was unexpected)"
                    .to_owned()
            ],
            vec![r#"/spec/strategy/canary/steps/1/setWeight: "ten" is not of type "integer""#.to_owned()],
            vec![
                r#"/spec/strategy/canary/steps/0/experiment/templates/0: "specRef" is a required property"#
                    .to_owned()
            ],
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Core kinds with kubernetes-validate.

/// `kubernetes-validate` as scripts/install-tools installs it, or `$KUBERNETES_VALIDATE`.
/// `None` when neither is there and this is not CI; in CI (`CI=true`) a missing tool fails.
fn kubernetes_validate() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KUBERNETES_VALIDATE").map(PathBuf::from),
        Some(root().join(".tools/venv/bin/kubernetes-validate")),
    ];
    let found = candidates.into_iter().flatten().find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kubernetes-validate is not installed: run scripts/install-tools (it installs PyPI's kubernetes-validate into .tools/venv)"
        );
        eprintln!("skipped: kubernetes-validate is not installed; run scripts/install-tools");
    }
    found
}

const CORE_KINDS: [&str; 4] = [
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Deployment",
];

/// Runs `kubernetes-validate --strict` on `documents` (one file each), returning whether it
/// passed and what it printed.
fn run_kubernetes_validate(tool: &Path, documents: &[(String, Json)]) -> (bool, String) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut paths = Vec::new();
    for (index, (path, document)) in documents.iter().enumerate() {
        let name = format!("{index:03}-{}", path.replace('/', "_"));
        let file = directory.path().join(name);
        std::fs::write(&file, serde_yaml_ng::to_string(document).unwrap()).unwrap();
        paths.push(file);
    }
    let output = Command::new(tool)
        .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
        .args(&paths)
        .output()
        .expect("run kubernetes-validate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn every_core_kind_validates_with_kubernetes_validate() {
    let Some(tool) = kubernetes_validate() else {
        return;
    };
    let mut core: Vec<(String, Json)> = all_documents(&example(|_| {}))
        .into_iter()
        .chain(all_documents(&plain_example()))
        .filter(|(_, document)| CORE_KINDS.contains(&document["kind"].as_str().unwrap_or("")))
        .collect();
    core.dedup();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, document) in &core {
        *kinds.entry(document["kind"].as_str().unwrap()).or_default() += 1;
    }
    // Service, HPA and PDB of six servlets under each engine; 3 Deployments each under plain.
    assert_eq!(
        kinds,
        BTreeMap::from([
            ("Deployment", 18),
            ("HorizontalPodAutoscaler", 12),
            ("PodDisruptionBudget", 12),
            ("Service", 12),
        ])
    );
    let (passed, output) = run_kubernetes_validate(&tool, &core);
    assert!(passed, "kubernetes-validate failed:\n{output}");
    let passes = output
        .lines()
        .filter(|line| line.starts_with("INFO") && line.contains(" passed for resource "))
        .count();
    assert_eq!(
        passes,
        core.len(),
        "every document was validated:\n{output}"
    );
    assert!(
        !output.contains("WARN") && !output.contains("ERROR"),
        "{output}"
    );
}

#[test]
fn kubernetes_validate_rejects_a_broken_core_manifest() {
    let Some(tool) = kubernetes_validate() else {
        return;
    };
    let files = example(|_| {});
    let mut service = documents(
        files
            .iter()
            .find(|file| file.path == "gen/k8s/files/service.yaml")
            .expect("the files Service"),
    )
    .remove(0);
    service["spec"]["clusterIp"] = json!("None");
    let (passed, output) = run_kubernetes_validate(&tool, &[("service.yaml".into(), service)]);
    assert!(!passed, "{output}");
    assert!(
        output.contains("'clusterIp' was unexpected"),
        "the error names the field:\n{output}"
    );
}

// ---------------------------------------------------------------------------------------------
// What the manifests say.

#[test]
fn the_files_servlet() {
    let files = example(|_| {});
    for file in &files {
        assert!(
            orrery_codegen::is_generated(&file.contents),
            "{}",
            file.path
        );
    }
    insta::assert_snapshot!(servlet_files(&files, "files"));
}

#[test]
fn the_plain_engine_deploys_canary_control_and_production_behind_one_service() {
    let fixture = GREETER.replace(
        "teams: [demo]\n",
        "teams: [demo]\ndeploy: { engine: plain, registry: \"registry.test/demo/\" }\n",
    );
    let (files, problems) = generate(&fixture);
    assert_eq!(problems, Vec::<String>::new());
    insta::assert_snapshot!(servlet_files(&k8s(files), "greeter"));
}

#[test]
fn every_envoy_cluster_and_every_endpoint_reaches_a_generated_service() {
    let root = root();
    let files = example(|_| {});
    let services: BTreeMap<String, Vec<u64>> = all_documents(&files)
        .into_iter()
        .filter(|(_, document)| document["kind"] == "Service")
        .map(|(_, service)| {
            let ports = service["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|port| port["port"].as_u64().unwrap())
                .collect();
            (
                service["metadata"]["name"].as_str().unwrap().to_owned(),
                ports,
            )
        })
        .collect();
    let reaches = |host: &str, port: u64| {
        services
            .get(host)
            .is_some_and(|ports| ports.contains(&port))
    };

    let bootstrap: Json = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root.join("gen/envoy/bootstrap.yaml")).unwrap(),
    )
    .unwrap();
    let mut clusters = 0;
    for cluster in bootstrap["static_resources"]["clusters"]
        .as_array()
        .unwrap()
    {
        let name = cluster["name"].as_str().unwrap();
        let endpoint = &cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"];
        let socket = &endpoint["address"]["socket_address"];
        if services.contains_key(name) {
            clusters += 1;
            assert!(
                reaches(
                    socket["address"].as_str().unwrap(),
                    socket["port_value"].as_u64().unwrap()
                ),
                "Envoy's cluster `{name}` goes to {socket}"
            );
        }
    }
    assert_eq!(clusters, services.len(), "a cluster per servlet");

    let mut endpoints = 0;
    for (path, document) in all_documents(&files) {
        if document["kind"] != "Rollout" {
            continue;
        }
        for variable in document["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
        {
            let name = variable["name"].as_str().unwrap();
            if name.starts_with("ORRERY_ENDPOINT_") {
                endpoints += 1;
                let value = variable["value"].as_str().unwrap();
                let (host, port) = value
                    .strip_prefix("http://")
                    .and_then(|address| address.split_once(':'))
                    .unwrap_or_else(|| panic!("{path}: {name}={value}"));
                assert!(
                    reaches(host, port.parse().unwrap()),
                    "{path}: {name}={value}"
                );
            }
        }
    }
    // files → sharing, home → nav and files, admin → files.
    assert_eq!(endpoints, 4);
}

#[test]
fn the_autoscaler_targets_the_utilisation_the_headroom_leaves() {
    let target = |servlet_yaml_extra: &str| {
        let fixture = GREETER.replace(
            "description: Greets people.\n",
            &format!("description: Greets people.\n{servlet_yaml_extra}"),
        );
        let (files, problems) = generate(&fixture);
        assert_eq!(problems, Vec::<String>::new());
        let hpa: Json =
            serde_yaml_ng::from_str(contents(&files, "gen/k8s/greeter/hpa.yaml")).unwrap();
        (
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
                .as_u64()
                .unwrap(),
            hpa["spec"]["minReplicas"].as_u64().unwrap(),
            hpa["spec"]["maxReplicas"].as_u64().unwrap(),
        )
    };
    // orrery.yaml's defaults: min 2, max 20, headroom 0.4.
    assert_eq!(target(""), (60, 2, 20));
    assert_eq!(target("scaling: { headroom: 0.3 }\n"), (70, 2, 20));
    assert_eq!(
        target("scaling: { min: 3, max: 9, headroom: 0.5 }\n"),
        (50, 3, 9)
    );
}

// ---------------------------------------------------------------------------------------------
// Templates.

/// A PDB that keeps a fixed number of pods instead of orrery's tier rule.
const PDB_OVERRIDE: &str = r#"//- templates/k8s/pdb.yaml.j2
{% import "_macros.j2" as m %}
apiVersion: policy/v1
kind: PodDisruptionBudget
{{ m.metadata(name, metadata) }}
spec:
  minAvailable: {{ replicas.min }}
  selector:
    matchLabels:
      {{ m.map(selector)|indent(6) }}
"#;

#[test]
fn a_repository_template_overrides_the_embedded_one() {
    let (before, problems) = generate(GREETER);
    assert_eq!(problems, Vec::<String>::new());
    let (after, problems) = generate(&format!("{GREETER}{PDB_OVERRIDE}"));
    assert_eq!(problems, Vec::<String>::new());
    assert!(contents(&before, "gen/k8s/greeter/pdb.yaml").contains("maxUnavailable: \"25%\""));
    let pdb = contents(&after, "gen/k8s/greeter/pdb.yaml");
    assert!(pdb.starts_with("# @generated by orrery from orrery.yaml, servlets/greeter/servlet.yaml, templates/k8s/pdb.yaml.j2. Do not edit: run `orrery gen`.\n"), "{pdb}");
    assert!(pdb.contains("\nspec:\n  minAvailable: 2\n"), "{pdb}");
    assert!(!pdb.contains("maxUnavailable"), "{pdb}");
    // Everything else is as before.
    let others = |files: &[GeneratedFile]| -> Vec<GeneratedFile> {
        files
            .iter()
            .filter(|file| file.path != "gen/k8s/greeter/pdb.yaml")
            .cloned()
            .collect()
    };
    assert_eq!(others(&before), others(&after));
}

#[test]
fn an_override_of_the_shared_macros_changes_every_file() {
    let macros = include_str!("../templates/k8s/_macros.j2").replace(
        "metadata:\n  name: {{ name|yaml }}\n",
        "metadata:\n  name: {{ name|yaml }}\n  namespace: \"greetings\"\n",
    );
    let (files, problems) = generate(&format!("{GREETER}//- templates/k8s/_macros.j2\n{macros}"));
    assert_eq!(problems, Vec::<String>::new());
    let files = k8s(files);
    assert_eq!(files.len(), 7);
    for file in &files {
        let text = file.as_text();
        assert!(text.contains("\n  namespace: \"greetings\"\n"), "{text}");
        assert!(
            text.lines()
                .next()
                .unwrap()
                .contains("templates/k8s/_macros.j2")
        );
    }
}

/// `orrery gen`'s diagnostics for the greeter with `extra` files, as `location: message (help)`.
fn diagnostics(extra: &str) -> Vec<String> {
    let snapshot = snapshot(&format!("{GREETER}{extra}"));
    let (repository, problems) = orrery_model::repository::load(&snapshot);
    assert_eq!(problems, []);
    let graph = orrery_lint::resolve::build_graph(&repository, &snapshot).0;
    let (files, diagnostics) = orrery_codegen::generate(&repository, &snapshot, &graph);
    assert!(
        k8s(files).is_empty(),
        "no manifest is generated while a template fails"
    );
    diagnostics
        .iter()
        .map(|diagnostic| {
            format!(
                "{}: {} ({})",
                diagnostic.location,
                diagnostic.message,
                diagnostic.help.as_deref().unwrap_or("no help")
            )
        })
        .collect()
}

#[test]
fn a_template_naming_an_undefined_value_fails_at_its_file_and_line() {
    let service = r#"//- templates/k8s/service.yaml.j2
{% import "_macros.j2" as m %}
apiVersion: v1
kind: Service
{{ m.metadata(name, metadata) }}
spec:
  clusterIP: {{ service.cluster_ip }}
"#;
    assert_eq!(
        diagnostics(service),
        [
            "templates/k8s/service.yaml.j2:6:17: `templates/k8s/service.yaml.j2` cannot render the manifests of `greeter`: undefined value: `service` is undefined (a template sees only the deployment model: `name`, `servlet`, `engine`, `metadata`, `selector`, `pod`, `replicas`, `autoscaling`, `workload`, `disruption`, `slo`, `monitoring`, `canary` and their fields, as orrery's own templates in codegen/templates/k8s/ use them)"
        ]
    );
}

#[test]
fn an_undefined_value_in_an_imported_macro_names_the_macro_file() {
    let macros = include_str!("../templates/k8s/_macros.j2").replace(
        "{{ pod.termination.grace_period_seconds }}",
        "{{ pod.grace }}",
    );
    let line = macros
        .lines()
        .position(|line| line.contains("{{ pod.grace }}"))
        .unwrap()
        + 1;
    assert_eq!(
        diagnostics(&format!("//- templates/k8s/_macros.j2\n{macros}")),
        [format!(
            "templates/k8s/_macros.j2:{line}:37: `templates/k8s/_macros.j2` cannot render the manifests of `greeter`: undefined value: `pod.grace` is undefined (a template sees only the deployment model: `name`, `servlet`, `engine`, `metadata`, `selector`, `pod`, `replicas`, `autoscaling`, `workload`, `disruption`, `slo`, `monitoring`, `canary` and their fields, as orrery's own templates in codegen/templates/k8s/ use them)"
        )]
    );
}

#[test]
fn a_template_that_does_not_parse_or_overrides_nothing_is_reported() {
    assert_eq!(
        diagnostics("//- templates/k8s/hpa.yaml.j2\napiVersion: autoscaling/v2\n{% if %}\n"),
        [
            "templates/k8s/hpa.yaml.j2:2:7: `templates/k8s/hpa.yaml.j2` is not a valid template: syntax error: unexpected end of block (fix the template's syntax: minijinja reads Jinja2 templates)"
        ]
    );
    assert_eq!(
        diagnostics("//- templates/k8s/services.yaml.j2\nkind: Service\n"),
        [
            "templates/k8s/services.yaml.j2:1:1: `templates/k8s/services.yaml.j2` overrides no template of orrery; did you mean `service.yaml.j2`? (name an override after the template it replaces: `_macros.j2`, `analysis-template.yaml.j2`, `deployments.yaml.j2`, `hpa.yaml.j2`, `pdb.yaml.j2`, `prometheus-rule.yaml.j2`, `rollout.yaml.j2`, `service-monitor.yaml.j2`, `service.yaml.j2`)"
        ]
    );
}

#[test]
fn a_template_that_renders_invalid_yaml_is_reported() {
    assert_eq!(
        diagnostics("//- templates/k8s/pdb.yaml.j2\nspec: [\n"),
        [
            "templates/k8s/pdb.yaml.j2:1:1: `templates/k8s/pdb.yaml.j2` renders invalid YAML for `greeter`: did not find expected node content at line 2 column 1, while parsing a flow node (the rendered text must be YAML: check the template's indentation and quoting (the `yaml` filter quotes a value))"
        ]
    );
}

#[test]
fn discovery_reads_the_template_overrides_and_nothing_else_there() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let write = |path: &str, text: &str| {
        let path = directory.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("orrery.yaml", "teams: [demo]\n");
    write("templates/k8s/pdb.yaml.j2", "kind: PodDisruptionBudget\n");
    write("templates/k8s/README.md", "not a template\n");
    write("templates/k8s/old/pdb.yaml.j2", "not read\n");
    write("templates/bazel/BUILD.j2", "not read\n");
    let snapshot = orrery_lint::discover::discover(directory.path());
    let paths: Vec<&str> = snapshot
        .templates
        .iter()
        .map(|file| file.path.as_str())
        .collect();
    assert_eq!(paths, ["templates/k8s/pdb.yaml.j2"]);
    assert_eq!(
        snapshot.text("templates/k8s/pdb.yaml.j2"),
        Some("kind: PodDisruptionBudget\n")
    );
    assert_eq!(snapshot.problems, []);
}
