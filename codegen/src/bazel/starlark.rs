//! Bazel files as typed values, printed once in the form buildifier prints: attributes in its
//! order (`name`, `srcs`, the rest alphabetically, `deps` last), string lists sorted with its
//! label order, a list of two or more items one item per line, and blank lines between
//! blocks. A file printed here passes `buildifier --mode=check` unchanged.

use std::cmp::Ordering;
use std::fmt::Write as _;

/// An expression on the right of `=` or in a call's argument list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(String),
    /// A list of strings, kept in buildifier's order.
    List(Vec<String>),
    /// A dict from string to string, kept sorted by key.
    Dict(Vec<(String, String)>),
    /// A name bound earlier in the file, such as a module extension's proxy.
    Ident(String),
    /// A call inside an expression: `glob(["src/**/*.rs"])`.
    Call(Box<Call>),
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    /// A sorted list without duplicates, as buildifier sorts `srcs`, `deps` and `visibility`.
    pub fn list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        let mut items: Vec<String> = items.into_iter().map(Into::into).collect();
        items.sort_by(|a, b| compare_strings(a, b));
        items.dedup();
        Value::List(items)
    }

    pub fn dict(entries: impl IntoIterator<Item = (String, String)>) -> Value {
        let mut entries: Vec<(String, String)> = entries.into_iter().collect();
        entries.sort_by(|a, b| compare_strings(&a.0, &b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        Value::Dict(entries)
    }

    pub fn glob(patterns: &[&str]) -> Value {
        Value::Call(Box::new(
            Call::new("glob").positional(Value::list(patterns.iter().copied())),
        ))
    }

    fn is_empty_collection(&self) -> bool {
        matches!(self, Value::List(items) if items.is_empty())
            || matches!(self, Value::Dict(entries) if entries.is_empty())
    }
}

/// A function call: a rule, a macro, `load`, a module extension's tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    function: String,
    positional: Vec<Value>,
    keywords: Vec<(String, Value)>,
    /// Printed on one line (`load`, `bazel_dep`, `use_repo`) rather than one argument per line.
    inline: bool,
}

impl Call {
    pub fn new(function: impl Into<String>) -> Call {
        Call {
            function: function.into(),
            positional: Vec::new(),
            keywords: Vec::new(),
            inline: false,
        }
    }

    pub fn positional(mut self, value: Value) -> Call {
        self.positional.push(value);
        self
    }

    /// A keyword argument; an empty list or dict is left out, as a BUILD file would leave it.
    pub fn arg(mut self, name: &str, value: Value) -> Call {
        if !value.is_empty_collection() {
            self.keywords.push((name.to_owned(), value));
        }
        self
    }

    pub fn arg_if(self, name: &str, value: Option<Value>) -> Call {
        match value {
            Some(value) => self.arg(name, value),
            None => self,
        }
    }

    pub fn inline(mut self) -> Call {
        self.inline = true;
        self
    }

    fn print(&self, indent: usize, out: &mut String) {
        let mut keywords: Vec<&(String, Value)> = self.keywords.iter().collect();
        keywords.sort_by(|a, b| compare_attributes(&self.function, &a.0, &b.0));
        if self.inline || (self.keywords.is_empty() && self.positional.len() <= 1) {
            out.push_str(&self.function);
            out.push('(');
            let mut first = true;
            for value in &self.positional {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                print_value(value, indent, out);
            }
            for (name, value) in keywords {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                let _ = write!(out, "{name} = ");
                print_value(value, indent, out);
            }
            out.push(')');
            return;
        }
        let inner = indent + 4;
        let _ = writeln!(out, "{}(", self.function);
        for value in &self.positional {
            out.push_str(&" ".repeat(inner));
            print_value(value, inner, out);
            out.push_str(",\n");
        }
        for (name, value) in keywords {
            let _ = write!(out, "{}{name} = ", " ".repeat(inner));
            print_value(value, inner, out);
            out.push_str(",\n");
        }
        out.push_str(&" ".repeat(indent));
        out.push(')');
    }
}

/// One top-level statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    Call(Call),
    /// `name = call(...)`.
    Assign(String, Call),
}

/// A whole file: its comment lines, then blocks of statements separated by blank lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    comments: Vec<String>,
    blocks: Vec<Vec<Statement>>,
}

impl File {
    /// Starts a file whose first lines are these comments (without the `# `).
    pub fn new(comments: impl IntoIterator<Item = String>) -> File {
        File {
            comments: comments.into_iter().collect(),
            blocks: Vec::new(),
        }
    }

    /// Adds statements printed one after another, with a blank line before them.
    pub fn block(&mut self, statements: impl IntoIterator<Item = Statement>) {
        let statements: Vec<Statement> = statements.into_iter().collect();
        if !statements.is_empty() {
            self.blocks.push(statements);
        }
    }

    /// Adds each call as a block of its own, the way rules stand in a BUILD file.
    pub fn rules(&mut self, calls: impl IntoIterator<Item = Call>) {
        for call in calls {
            self.block([Statement::Call(call)]);
        }
    }

    /// `load` statements, one per file, sorted by file and symbol, in one block.
    pub fn loads<'a>(&mut self, loads: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>) {
        let mut loads: Vec<(&str, Vec<&str>)> = loads.into_iter().collect();
        loads.sort();
        self.block(
            loads
                .into_iter()
                .map(|(module, symbols)| load(module, &symbols)),
        );
    }

    pub fn print(&self) -> String {
        let mut out = String::new();
        for comment in &self.comments {
            if comment.is_empty() {
                out.push_str("#\n");
            } else {
                let _ = writeln!(out, "# {comment}");
            }
        }
        for block in &self.blocks {
            if !out.is_empty() {
                out.push('\n');
            }
            for statement in block {
                match statement {
                    Statement::Call(call) => call.print(0, &mut out),
                    Statement::Assign(name, call) => {
                        let _ = write!(out, "{name} = ");
                        call.print(0, &mut out);
                    }
                }
                out.push('\n');
            }
        }
        out
    }
}

/// `load("module", "symbol", ...)`, its symbols sorted.
pub fn load(module: &str, symbols: &[&str]) -> Statement {
    let mut symbols = symbols.to_vec();
    symbols.sort_unstable();
    symbols.dedup();
    let mut call = Call::new("load").positional(Value::str(module)).inline();
    for symbol in symbols {
        call = call.positional(Value::str(symbol));
    }
    Statement::Call(call)
}

fn print_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Str(text) => quote(text, out),
        Value::Ident(name) => out.push_str(name),
        Value::Call(call) => call.print(indent, out),
        Value::List(items) if items.len() <= 1 => {
            out.push('[');
            if let Some(item) = items.first() {
                quote(item, out);
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&" ".repeat(indent + 4));
                quote(item, out);
                out.push_str(",\n");
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        Value::Dict(entries) => {
            out.push_str("{\n");
            for (key, value) in entries {
                out.push_str(&" ".repeat(indent + 4));
                quote(key, out);
                out.push_str(": ");
                quote(value, out);
                out.push_str(",\n");
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
    }
}

fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// buildifier's order of a call's arguments: `name` first, then `srcs`, the others
/// alphabetically, and `deps` last (its `NamePriority` table, the entries a generated file
/// uses; in MODULE.bazel, `version` follows `bazel_dep`'s `name`).
fn compare_attributes(function: &str, a: &str, b: &str) -> Ordering {
    let priority = |name: &str| match (function, name) {
        (_, "name") => -99,
        ("bazel_dep" | "module", "version") => -98,
        (_, "srcs") => -90,
        (_, "deps") => 4,
        _ => 0,
    };
    priority(a).cmp(&priority(b)).then_with(|| a.cmp(b))
}

/// buildifier's order of strings in a sorted list: plain strings, then local labels (`:x`),
/// then `//` labels, then `@` labels; within each, by the parts between `.` and `:`, then by
/// the whole string.
pub fn compare_strings(a: &str, b: &str) -> Ordering {
    let key = |text: &str| {
        let phase = if text.starts_with(':') {
            1
        } else if text.starts_with("//") {
            2
        } else if text.starts_with('@') {
            3
        } else {
            0
        };
        let parts: Vec<String> = text
            .replace(':', ".")
            .split('.')
            .map(str::to_owned)
            .collect();
        (phase, parts)
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_the_way_buildifier_sorts_them() {
        let Value::List(items) = Value::list([
            "@crates//:tokio",
            "//libs/a_b",
            "//libs/a-b",
            "//libs/a:b",
            "//libs/a",
            ":x",
            "-//servlets/admin",
            "//libs/a",
        ]) else {
            unreachable!()
        };
        assert_eq!(
            items,
            [
                "-//servlets/admin",
                ":x",
                "//libs/a",
                "//libs/a:b",
                "//libs/a-b",
                "//libs/a_b",
                "@crates//:tokio",
            ]
        );
    }

    #[test]
    fn rules_print_one_attribute_per_line_in_buildifier_order() {
        let mut file = File::new(["a comment".to_owned()]);
        file.loads([("@rules_rust//rust:defs.bzl", vec!["rust_library"])]);
        file.rules([Call::new("rust_library")
            .arg("visibility", Value::list(["//visibility:public"]))
            .arg("deps", Value::list(["//libs/b", "//libs/a"]))
            .arg("data", Value::list(Vec::<String>::new()))
            .arg("srcs", Value::glob(&["src/**/*.rs"]))
            .arg("name", Value::str("a"))]);
        assert_eq!(
            file.print(),
            "# a comment\n\
             \n\
             load(\"@rules_rust//rust:defs.bzl\", \"rust_library\")\n\
             \n\
             rust_library(\n    \
                 name = \"a\",\n    \
                 srcs = glob([\"src/**/*.rs\"]),\n    \
                 visibility = [\"//visibility:public\"],\n    \
                 deps = [\n        \
                     \"//libs/a\",\n        \
                     \"//libs/b\",\n    \
                 ],\n\
             )\n"
        );
    }
}
