//! google.api.http path templates:
//!
//! ```text
//! Template = "/" Segments [ ":" Verb ] ;
//! Segments = Segment { "/" Segment } ;
//! Segment  = "*" | "**" | LITERAL | Variable ;
//! Variable = "{" FieldPath [ "=" Segments ] "}" ;
//! FieldPath = IDENT { "." IDENT } ;
//! Verb     = LITERAL ;
//! ```
//!
//! `**` matches the rest of the path, so it may only be the last segment.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    pub segments: Vec<Segment>,
    /// The `:verb` suffix of a custom method, such as `revoke` in `/v1/links/{id}:revoke`.
    pub verb: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// `*`: one path segment.
    Any,
    /// `**`: the rest of the path.
    Rest,
    /// `{field.path=pattern}`; a bare `{field}` has the pattern `*`.
    Variable {
        field_path: Vec<String>,
        pattern: Vec<Segment>,
    },
}

impl PathTemplate {
    /// Parses a template; the error says what is wrong and at which character.
    pub fn parse(text: &str) -> Result<PathTemplate, String> {
        let mut parser = Parser { text, at: 0 };
        parser.template()
    }

    /// Every variable's field path, in order.
    pub fn variables(&self) -> impl Iterator<Item = &[String]> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Variable { field_path, .. } => Some(field_path.as_slice()),
            _ => None,
        })
    }

    /// The template with each variable replaced by its pattern: the requests it matches, and
    /// so what two bindings must not share.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            push_shape(&mut out, segment);
        }
        if let Some(verb) = &self.verb {
            out.push(':');
            out.push_str(verb);
        }
        out
    }
}

fn push_shape(out: &mut String, segment: &Segment) {
    match segment {
        Segment::Literal(text) => out.push_str(text),
        Segment::Any => out.push('*'),
        Segment::Rest => out.push_str("**"),
        Segment::Variable { pattern, .. } => {
            for (i, inner) in pattern.iter().enumerate() {
                if i > 0 {
                    out.push('/');
                }
                push_shape(out, inner);
            }
        }
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shape())
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error<T>(&self, message: impl fmt::Display) -> Result<T, String> {
        Err(format!("{message} at character {}", self.at + 1))
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += c.len_utf8();
        }
        found
    }

    fn template(&mut self) -> Result<PathTemplate, String> {
        if !self.eat('/') {
            return self.error("a path template starts with `/`");
        }
        let segments = self.segments(false)?;
        let verb = if self.eat(':') {
            let verb = self.literal();
            if verb.is_empty() {
                return self.error("expected a custom verb after `:`");
            }
            Some(verb)
        } else {
            None
        };
        if self.at < self.text.len() {
            return self.error(format!("unexpected `{}`", self.peek().unwrap_or(' ')));
        }
        check_rest_is_last(&segments).map_err(|message| format!("{message} in `{}`", self.text))?;
        Ok(PathTemplate { segments, verb })
    }

    fn segments(&mut self, in_variable: bool) -> Result<Vec<Segment>, String> {
        let mut segments = vec![self.segment(in_variable)?];
        while self.eat('/') {
            segments.push(self.segment(in_variable)?);
        }
        Ok(segments)
    }

    fn segment(&mut self, in_variable: bool) -> Result<Segment, String> {
        match self.peek() {
            Some('*') => {
                self.at += 1;
                Ok(if self.eat('*') {
                    Segment::Rest
                } else {
                    Segment::Any
                })
            }
            Some('{') if in_variable => self.error("variables cannot nest"),
            Some('{') => self.variable(),
            _ => {
                let literal = self.literal();
                if literal.is_empty() {
                    return self.error("expected a path segment");
                }
                Ok(Segment::Literal(literal))
            }
        }
    }

    fn variable(&mut self) -> Result<Segment, String> {
        self.eat('{');
        let mut field_path = vec![self.identifier()?];
        while self.eat('.') {
            field_path.push(self.identifier()?);
        }
        let pattern = if self.eat('=') {
            self.segments(true)?
        } else {
            vec![Segment::Any]
        };
        if !self.eat('}') {
            return self.error("expected `}` to close the variable");
        }
        Ok(Segment::Variable {
            field_path,
            pattern,
        })
    }

    fn identifier(&mut self) -> Result<String, String> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return self.error("expected a field name");
        }
        self.at += len;
        Ok(name.to_owned())
    }

    /// URL-path-safe characters: RFC 3986 unreserved, sub-delimiters other than the ones the
    /// grammar uses, `@`, and percent-encoded bytes.
    fn literal(&mut self) -> String {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~!$&'()+,;@%".contains(c)))
            .unwrap_or(rest.len());
        self.at += len;
        rest[..len].to_owned()
    }
}

fn check_rest_is_last(segments: &[Segment]) -> Result<(), &'static str> {
    let flat: Vec<&Segment> = segments
        .iter()
        .flat_map(|segment| match segment {
            Segment::Variable { pattern, .. } => pattern.iter().collect(),
            other => vec![other],
        })
        .collect();
    match flat.iter().position(|segment| **segment == Segment::Rest) {
        Some(i) if i + 1 != flat.len() => Err("`**` must be the last segment"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> String {
        PathTemplate::parse(text)
            .map(|t| t.shape())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn parses_every_form_of_the_grammar() {
        assert_eq!(shape("/v1/files"), "/v1/files");
        assert_eq!(shape("/v1/files/{id}"), "/v1/files/*");
        assert_eq!(shape("/v1/files/{path=**}"), "/v1/files/**");
        assert_eq!(
            shape("/v1/{name=shelves/*/books/*}"),
            "/v1/shelves/*/books/*"
        );
        assert_eq!(shape("/v1/links/{link.id}:revoke"), "/v1/links/*:revoke");
        assert_eq!(shape("/v1/*/x/**"), "/v1/*/x/**");
        let template = PathTemplate::parse("/v1/{a.b.c}/{d=x/*}").unwrap();
        let variables: Vec<String> = template.variables().map(|path| path.join(".")).collect();
        assert_eq!(variables, ["a.b.c", "d"]);
    }

    #[test]
    fn rejects_malformed_templates_with_the_place() {
        assert_eq!(
            shape("v1/files"),
            "error: a path template starts with `/` at character 1"
        );
        assert_eq!(
            shape("/v1//files"),
            "error: expected a path segment at character 5"
        );
        assert_eq!(
            shape("/v1/{id"),
            "error: expected `}` to close the variable at character 8"
        );
        assert_eq!(
            shape("/v1/{a={b}}"),
            "error: variables cannot nest at character 8"
        );
        assert_eq!(
            shape("/v1/{9id}"),
            "error: expected a field name at character 6"
        );
        assert_eq!(
            shape("/v1/**/x"),
            "error: `**` must be the last segment in `/v1/**/x`"
        );
        assert_eq!(
            shape("/v1/{p=**}/x"),
            "error: `**` must be the last segment in `/v1/{p=**}/x`"
        );
        assert_eq!(
            shape("/v1/x:"),
            "error: expected a custom verb after `:` at character 7"
        );
        assert_eq!(shape("/v1/x y"), "error: unexpected ` ` at character 6");
    }
}
