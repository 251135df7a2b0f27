//! `gen/k8s/<servlet>/`: each servlet's Kubernetes manifests. [`model`] derives a typed
//! [`Deployment`] per servlet from its manifest and orrery.yaml; [`templates`] renders it
//! through minijinja templates, embedded in the binary and overridable from the repository's
//! `templates/k8s/`.
//!
//! Per servlet: its workloads (an Argo `Rollout` and its `AnalysisTemplate`, or three plain
//! `Deployment`s), the `Service`, `HorizontalPodAutoscaler`, `PodDisruptionBudget`,
//! `PrometheusRule` and `ServiceMonitor`. Every rendered file is checked to be YAML before it
//! is returned, so an override that breaks the document is reported, not written.

pub mod model;
pub mod templates;

use minijinja::Value;
use minijinja::value::Serde;
use orrery_model::{Diagnostic, Location, Repository, RuleId, Snapshot};
use rayon::prelude::*;

pub use model::{Deployment, deployments};
use templates::{TEMPLATES, Template, Templates};

use crate::{GeneratedFile, header};

/// Every servlet's manifests, sorted by path, or why a template could not render them.
pub fn k8s_files(
    repository: &Repository,
    snapshot: &Snapshot,
) -> (Vec<GeneratedFile>, Vec<Diagnostic>) {
    let Some(config) = &repository.config else {
        return (Vec::new(), Vec::new());
    };
    let (templates, mut diagnostics) = Templates::load(&snapshot.templates);
    if !diagnostics.is_empty() {
        return (Vec::new(), diagnostics);
    }
    let mut files = Vec::new();
    let templates = &templates;
    let rendered: Vec<_> = deployments(repository)
        .par_iter()
        .flat_map_iter(|deployment| {
            let context = Value::from(Serde(deployment));
            TEMPLATES
                .iter()
                .filter(|template| template.renders_for(config.deploy.engine))
                .map(move |template| render(templates, template, &context, deployment))
        })
        .collect();
    for file in rendered {
        match file {
            Ok(file) => files.push(file),
            Err(problem) => diagnostics.push(*problem),
        }
    }
    if !diagnostics.is_empty() {
        // A broken template fails alike for every servlet: report it once.
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        diagnostics.dedup_by(|a, b| a.location == b.location && a.help == b.help);
        return (Vec::new(), diagnostics);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, Vec::new())
}

/// `gen/k8s/<servlet>/<file>`: `template` rendered for one servlet, checked to be YAML, under
/// the header that names its sources (the template's override among them).
fn render(
    templates: &Templates,
    template: &Template,
    context: &Value,
    deployment: &Deployment,
) -> Result<GeneratedFile, Box<Diagnostic>> {
    let yaml = templates.render(template.name, context, &deployment.servlet.name)?;
    check_yaml(&yaml, &templates.path(template.name), deployment)?;
    let mut sources = vec![
        "orrery.yaml".to_owned(),
        deployment.servlet.manifest.clone(),
    ];
    sources.extend(templates.overrides_of(template));
    Ok(GeneratedFile::text(
        format!("gen/k8s/{}/{}", deployment.servlet.name, template.output()),
        format!("# {}\n{yaml}", header(&sources)),
    ))
}

/// Is `yaml` (what `path` rendered) a YAML stream? Names the template, since that is what to fix.
fn check_yaml(yaml: &str, path: &str, deployment: &Deployment) -> Result<(), Box<Diagnostic>> {
    use serde::Deserialize as _;
    for document in serde_yaml_ng::Deserializer::from_str(yaml) {
        if let Err(error) = serde_yaml_ng::Value::deserialize(document) {
            return Err(Box::new(
                Diagnostic::new(
                    RuleId::Input,
                    Location::file(path),
                    format!(
                        "`{path}` renders invalid YAML for `{}`: {error}",
                        deployment.servlet.name
                    ),
                )
                .with_help("the rendered text must be YAML: check the template's indentation and quoting (the `yaml` filter quotes a value)"),
            ));
        }
    }
    Ok(())
}
