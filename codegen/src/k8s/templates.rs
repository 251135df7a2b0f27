//! The minijinja templates the manifests are rendered with: embedded in the binary from
//! `codegen/templates/k8s/`, each replaceable by a file of the same name in the repository's
//! `templates/k8s/`. Undefined values are errors, and every error becomes a diagnostic at the
//! template's file and line.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use orrery_model::location::line_column;
use orrery_model::manifest::DeployEngine;
use orrery_model::suggest::{hint, quoted_list};
use orrery_model::{Diagnostic, Location, RuleId, SourceText};

/// Where a repository puts its overrides.
pub const OVERRIDES: &str = "templates/k8s";
/// Where the embedded templates live in orrery's own source, named by diagnostics about them.
pub const EMBEDDED: &str = "codegen/templates/k8s";

/// One embedded template.
pub struct Template {
    /// The file name, the same in `codegen/templates/k8s/` and `templates/k8s/`.
    pub name: &'static str,
    pub source: &'static str,
    /// Which deploy engines it renders a file for; a partial (`_*.j2`) renders none.
    pub renders: Renders,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renders {
    /// A partial: imported by the others, renders no file of its own.
    Nothing,
    /// A file for every servlet, whatever the engine.
    Always,
    /// A file for every servlet, when orrery.yaml's `deploy.engine` is this one.
    With(DeployEngine),
}

impl Template {
    /// The file it renders in `gen/k8s/<servlet>/`: its name without `.j2`.
    pub fn output(&self) -> &'static str {
        self.name.strip_suffix(".j2").unwrap_or(self.name)
    }

    pub fn renders_for(&self, engine: DeployEngine) -> bool {
        match self.renders {
            Renders::Nothing => false,
            Renders::Always => true,
            Renders::With(only) => only == engine,
        }
    }
}

macro_rules! embedded {
    ($name:literal, $renders:expr) => {
        Template {
            name: $name,
            source: include_str!(concat!("../../templates/k8s/", $name)),
            renders: $renders,
        }
    };
}

/// Every embedded template, sorted by name.
pub const TEMPLATES: &[Template] = &[
    embedded!("_macros.j2", Renders::Nothing),
    embedded!(
        "analysis-template.yaml.j2",
        Renders::With(DeployEngine::ArgoRollouts)
    ),
    embedded!("deployments.yaml.j2", Renders::With(DeployEngine::Plain)),
    embedded!("hpa.yaml.j2", Renders::Always),
    embedded!("pdb.yaml.j2", Renders::Always),
    embedded!("prometheus-rule.yaml.j2", Renders::Always),
    embedded!("rollout.yaml.j2", Renders::With(DeployEngine::ArgoRollouts)),
    embedded!("service-monitor.yaml.j2", Renders::Always),
    embedded!("service.yaml.j2", Renders::Always),
];

/// The loaded templates: the embedded ones, with the repository's overrides in their place.
pub struct Templates {
    environment: Environment<'static>,
    /// Template name → the repository file overriding it.
    overrides: BTreeMap<String, SourceText>,
}

impl Templates {
    /// Loads every template, the repository's `templates/k8s/*.j2` (from discovery) in place
    /// of the embedded ones of the same name. An override naming no embedded template, or a
    /// template that does not parse, is a diagnostic.
    pub fn load(repository_templates: &[SourceText]) -> (Templates, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut overrides = BTreeMap::new();
        for file in repository_templates {
            let Some(name) = file
                .path
                .strip_prefix(OVERRIDES)
                .and_then(|rest| rest.strip_prefix('/'))
                .filter(|name| !name.contains('/'))
            else {
                continue;
            };
            if TEMPLATES.iter().any(|template| template.name == name) {
                overrides.insert(name.to_owned(), file.clone());
            } else {
                let names: Vec<&str> = TEMPLATES.iter().map(|template| template.name).collect();
                diagnostics.push(
                    Diagnostic::new(
                        RuleId::Input,
                        Location::file(&file.path),
                        format!(
                            "`{}` overrides no template of orrery{}",
                            file.path,
                            hint(name, names.iter().copied())
                        ),
                    )
                    .with_help(format!(
                        "name an override after the template it replaces: {}",
                        quoted_list(&names)
                    )),
                );
            }
        }
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        // Block tags on their own line leave no trace, as YAML templates need.
        environment.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters"),
        );
        environment.set_auto_escape_callback(|_| AutoEscape::None);
        environment.set_debug(true);
        environment.add_filter("yaml", yaml);
        let mut templates = Templates {
            environment,
            overrides,
        };
        for template in TEMPLATES {
            let source = templates
                .overrides
                .get(template.name)
                .map_or(template.source, |file| file.text.as_str())
                .to_owned();
            let added = templates
                .environment
                .add_template_owned(template.name, source);
            if let Err(error) = added {
                diagnostics.push(templates.diagnostic(&error, None));
            }
        }
        (templates, diagnostics)
    }

    /// The repository files that shape what `template` renders: its own override and those of
    /// the partials it may import, by path.
    pub fn overrides_of(&self, template: &Template) -> Vec<String> {
        TEMPLATES
            .iter()
            .filter(|other| other.name == template.name || other.renders == Renders::Nothing)
            .filter_map(|other| self.overrides.get(other.name))
            .map(|file| file.path.clone())
            .collect()
    }

    /// Renders template `name` with `context`; an error is a diagnostic at the template's line.
    pub fn render(
        &self,
        name: &str,
        context: &Value,
        servlet: &str,
    ) -> Result<String, Box<Diagnostic>> {
        self.environment
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|error| Box::new(self.diagnostic(&error, Some((servlet, context)))))
    }

    /// The path diagnostics name for template `name`: the override, or the embedded file.
    pub fn path(&self, name: &str) -> String {
        self.overrides
            .get(name)
            .map_or_else(|| format!("{EMBEDDED}/{name}"), |file| file.path.clone())
    }

    fn source(&self, name: &str) -> Option<&str> {
        match self.overrides.get(name) {
            Some(file) => Some(file.text.as_str()),
            None => TEMPLATES
                .iter()
                .find(|template| template.name == name)
                .map(|template| template.source),
        }
    }

    /// A minijinja error as a diagnostic at the failing template's line and expression.
    /// `rendering` is the servlet and the context, when the error happened while rendering.
    fn diagnostic(&self, error: &Error, rendering: Option<(&str, &Value)>) -> Diagnostic {
        // The innermost error names the template and line that failed (a macro's, say).
        let mut innermost = error;
        while let Some(cause) =
            std::error::Error::source(innermost).and_then(|cause| cause.downcast_ref::<Error>())
        {
            innermost = cause;
        }
        let name = innermost.name().or(error.name()).unwrap_or("?");
        let path = self.path(name);
        let source = self.source(name).unwrap_or_default();
        let expression = innermost
            .range()
            .filter(|range| range.end <= source.len() && range.start < range.end)
            .map(|range| (range.start, &source[range]));
        let location = match (expression, innermost.line()) {
            (Some((start, text)), _) => {
                let (line, column) = line_column(source, start);
                Location::new(&path, line, column, text.chars().count() as u32)
            }
            (None, Some(line)) => Location::new(&path, line as u32, 1, 0),
            (None, None) => Location::file(&path),
        };
        let what = match innermost.detail() {
            Some(detail) => format!("{}: {detail}", innermost.kind()),
            None => innermost.kind().to_string(),
        };
        let message = match rendering {
            Some((servlet, _)) => {
                format!("`{path}` cannot render the manifests of `{servlet}`: {what}")
            }
            None => format!("`{path}` is not a valid template: {what}"),
        };
        let variables: Vec<String> = rendering
            .and_then(|(_, context)| context.try_iter().ok())
            .map(|keys| keys.map(|key| key.to_string()).collect())
            .unwrap_or_default();
        let variables: Vec<&str> = variables.iter().map(String::as_str).collect();
        let help = match innermost.kind() {
            ErrorKind::UndefinedError => format!(
                "a template sees only the deployment model: {} and their fields, as orrery's own templates in {EMBEDDED}/ use them",
                quoted_list(&variables)
            ),
            ErrorKind::SyntaxError => {
                "fix the template's syntax: minijinja reads Jinja2 templates".to_owned()
            }
            _ => format!(
                "compare the template with orrery's own `{EMBEDDED}/{name}`, which renders every servlet"
            ),
        };
        Diagnostic::new(RuleId::Input, location, message).with_help(help)
    }
}

/// The `yaml` filter: a scalar as YAML writes it. Strings are double-quoted (JSON's escapes,
/// which YAML shares), so no value can break the document.
fn yaml(value: Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(quote(value.as_str().unwrap_or_default())),
        ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
        ValueKind::None => Ok("null".to_owned()),
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`yaml` writes strings, numbers and booleans, not a {kind}"),
        )),
    }
}

/// `text` as a double-quoted YAML (and JSON) string.
pub fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_what_yaml_would_misread() {
        assert_eq!(quote("plain"), r#""plain""#);
        assert_eq!(quote("a \"b\"\\\n"), r#""a \"b\"\\\n""#);
        assert_eq!(quote("bell\u{7}"), r#""bell\u0007""#);
    }

    #[test]
    fn every_embedded_template_parses_and_is_listed_once() {
        let (_, diagnostics) = Templates::load(&[]);
        assert_eq!(diagnostics, []);
        let mut names: Vec<&str> = TEMPLATES.iter().map(|template| template.name).collect();
        let sorted = {
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted
        };
        assert_eq!(names, sorted);
        names.dedup();
        assert_eq!(names.len(), TEMPLATES.len());
    }
}
