//! A strict reader over marked YAML: every key is checked against the schema, every value keeps
//! its position, and every problem becomes a `manifest` diagnostic with file:line:column.
//!
//! serde's derived deserializers lose positions on unknown keys and wrong types, and accept
//! duplicate keys; reading the marked node tree by hand keeps all three exact.

use marked_yaml::Span;
use marked_yaml::loader::{LoadError, LoaderOptions};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Node};

use crate::diagnostic::{Diagnostic, RuleId};
use crate::location::{Location, Spanned};
use crate::suggest::{self, quoted_list};

/// Collects the diagnostics for one manifest file.
pub struct Reader<'a> {
    pub path: &'a str,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    pub fn new(path: &'a str) -> Reader<'a> {
        Reader {
            path,
            diagnostics: Vec::new(),
        }
    }

    /// Parses `text` into its top-level mapping, reporting syntax errors.
    pub fn parse(&mut self, text: &str) -> Option<MarkedMappingNode> {
        let options = LoaderOptions::default()
            .error_on_duplicate_keys(true)
            .prevent_coercion(true);
        // A byte-order mark is allowed in YAML and common from Windows editors.
        match marked_yaml::parse_yaml_with_options(0, text.trim_start_matches('\u{feff}'), options)
        {
            Ok(Node::Mapping(map)) => Some(map),
            Ok(_) => {
                self.error_with_help(
                    Location::file(self.path),
                    "the manifest must be a mapping of keys to values",
                    "write the manifest as `key: value` lines, such as `name: home`",
                );
                None
            }
            Err(error) => {
                self.load_error(error);
                None
            }
        }
    }

    fn load_error(&mut self, error: LoadError) {
        let (marker, message) = match &error {
            LoadError::TopLevelMustBeMapping(m) => (
                Some(*m),
                "the manifest must be a mapping of keys to values".into(),
            ),
            LoadError::TopLevelMustBeSequence(m) => (
                Some(*m),
                "the manifest must be a mapping of keys to values".into(),
            ),
            LoadError::UnexpectedAnchor(m) => (
                Some(*m),
                "YAML anchors and aliases are not supported in manifests".into(),
            ),
            LoadError::MappingKeyMustBeScalar(m) => {
                (Some(*m), "mapping keys must be plain strings".into())
            }
            LoadError::UnexpectedTag(m) => {
                (Some(*m), "YAML tags are not supported in manifests".into())
            }
            LoadError::ScanError(m, scan) => (Some(*m), format!("invalid YAML: {}", scan.info())),
            LoadError::DuplicateKey(inner) => {
                let first = inner.prev_key.span().start().map(|m| m.line()).unwrap_or(0);
                (
                    inner.key.span().start().copied(),
                    format!(
                        "duplicate key `{}` (first given on line {first})",
                        inner.key.as_str()
                    ),
                )
            }
        };
        let location = match marker {
            Some(marker) => self.location_at(marker.line(), marker.column(), 1),
            None => Location::file(self.path),
        };
        let help = match error {
            LoadError::DuplicateKey(_) => "keep one of the two entries",
            _ => "fix the YAML here: a manifest is a plain mapping of keys to values",
        };
        self.error_with_help(location, message, help);
    }

    pub fn error_with_help(
        &mut self,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(RuleId::Manifest, location, message).with_help(help));
    }

    fn location_at(&self, line: usize, column: usize, len: usize) -> Location {
        Location::new(self.path, line as u32, column as u32, len as u32)
    }

    pub fn location(&self, span: &Span, len: usize) -> Location {
        match span.start() {
            Some(marker) => self.location_at(marker.line(), marker.column(), len),
            None => Location::file(self.path),
        }
    }

    /// A scalar's place, underlining its quotes too when it is quoted (quoted scalars are the
    /// ones YAML may not coerce).
    pub fn scalar_location(&self, scalar: &MarkedScalarNode) -> Location {
        let quotes = if scalar.may_coerce() { 0 } else { 2 };
        self.location(scalar.span(), scalar.as_str().chars().count() + quotes)
    }

    pub fn node_location(&self, node: &Node) -> Location {
        match node {
            Node::Scalar(scalar) => self.scalar_location(scalar),
            other => self.location(other.span(), 1),
        }
    }

    /// Opens a mapping for reading: reports every key not in `allowed`, with a suggestion.
    pub fn fields<'n>(
        &mut self,
        map: &'n MarkedMappingNode,
        allowed: &'static [&'static str],
    ) -> Fields<'n> {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let location = self.scalar_location(key);
                let hint = suggest::hint(key.as_str(), allowed.iter().copied());
                self.error_with_help(
                    location,
                    format!("unknown key `{}`{hint}", key.as_str()),
                    format!("the keys allowed here are {}", quoted_list(allowed)),
                );
            }
        }
        Fields { map }
    }

    /// Reads a string value.
    pub fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match node {
            Node::Scalar(scalar) => Some(Spanned::new(
                scalar.as_str().to_owned(),
                self.scalar_location(scalar),
            )),
            other => {
                let location = self.node_location(other);
                self.error_with_help(
                    location,
                    format!("{what} must be a string, found {}", kind_of(other)),
                    "write one value here, not a list or a mapping",
                );
                None
            }
        }
    }

    /// Reads a list of strings. A single string is an error, not a one-element list.
    pub fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        match node {
            Node::Sequence(items) => items
                .iter()
                .filter_map(|item| self.string(item, &format!("each entry of {what}")))
                .collect(),
            other => {
                let location = self.node_location(other);
                self.error_with_help(
                    location,
                    format!("{what} must be a list, found {}", kind_of(other)),
                    "write a list such as `[a, b]`, or one `- entry` per line",
                );
                Vec::new()
            }
        }
    }

    pub fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedMappingNode> {
        match node {
            Node::Mapping(map) => Some(map),
            other => {
                let location = self.node_location(other);
                self.error_with_help(
                    location,
                    format!("{what} must be a mapping, found {}", kind_of(other)),
                    "write a mapping such as `{ key: value }`, or indented `key: value` lines",
                );
                None
            }
        }
    }

    /// Reads a number within `range`, as `T`.
    pub fn number<T: std::str::FromStr>(
        &mut self,
        node: &Node,
        what: &str,
        expected: &str,
    ) -> Option<Spanned<T>> {
        let scalar = match node {
            Node::Scalar(scalar) if scalar.may_coerce() => scalar,
            other => {
                let location = self.node_location(other);
                self.error_with_help(
                    location,
                    format!("{what} must be {expected}, found {}", kind_of(other)),
                    format!("write {expected} here"),
                );
                return None;
            }
        };
        let location = self.scalar_location(scalar);
        match scalar.as_str().parse::<T>() {
            Ok(value) => Some(Spanned::new(value, location)),
            Err(_) => {
                self.error_with_help(
                    location,
                    format!("{what} must be {expected}, found `{}`", scalar.as_str()),
                    format!("write {expected} here"),
                );
                None
            }
        }
    }

    /// Reads one of a fixed set of words.
    pub fn choice(&mut self, node: &Node, what: &str, choices: &[&str]) -> Option<Spanned<String>> {
        let value = self.string(node, what)?;
        if choices.contains(&value.value.as_str()) {
            return Some(value);
        }
        let hint = suggest::hint(&value.value, choices.iter().copied());
        self.error_with_help(
            value.location.clone(),
            format!(
                "{what} `{}` is not one of {}{hint}",
                value.value,
                quoted_list(choices)
            ),
            format!("use one of {}", quoted_list(choices)),
        );
        None
    }
}

/// The keys of one mapping, read one at a time.
pub struct Fields<'n> {
    map: &'n MarkedMappingNode,
}

impl<'n> Fields<'n> {
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.map.get_node(key)
    }

    /// The value of a key that must be present; reports its absence at the mapping.
    pub fn require(&self, reader: &mut Reader<'_>, key: &str, what: &str) -> Option<&'n Node> {
        let node = self.get(key);
        if node.is_none() {
            let location = Location::file(reader.path);
            reader.error_with_help(
                location,
                format!("missing key `{key}`"),
                format!("add `{key}:` with {what}"),
            );
        }
        node
    }
}

fn kind_of(node: &Node) -> &'static str {
    match node {
        Node::Scalar(scalar) if !scalar.may_coerce() => "a quoted string",
        Node::Scalar(_) => "a scalar",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}
