//! Escaping and a small element builder that escapes everything it is given.

use std::fmt;

/// Escapes text for use in HTML content and in double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Text(String),
    Element(Element),
}

/// An HTML element under construction:
/// `Element::new("a").attr("href", "/files").text("Files")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    tag: &'static str,
    attrs: Vec<(&'static str, String)>,
    children: Vec<Node>,
}

impl Element {
    pub fn new(tag: &'static str) -> Element {
        Element {
            tag,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Element {
        self.attrs.push((name, value.into()));
        self
    }

    pub fn class(self, value: impl Into<String>) -> Element {
        self.attr("class", value)
    }

    /// Appends text, escaped when rendered.
    pub fn text(mut self, text: impl Into<String>) -> Element {
        self.children.push(Node::Text(text.into()));
        self
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(Node::Element(child));
        self
    }

    pub fn children(mut self, children: impl IntoIterator<Item = Element>) -> Element {
        self.children
            .extend(children.into_iter().map(Node::Element));
        self
    }

    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}", self.tag)?;
        for (name, value) in &self.attrs {
            write!(f, " {name}=\"{}\"", escape(value))?;
        }
        f.write_str(">")?;
        for child in &self.children {
            match child {
                Node::Text(text) => f.write_str(&escape(text))?,
                Node::Element(element) => element.fmt(f)?,
            }
        }
        write!(f, "</{}>", self.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn renders_nested_elements_with_escaped_text_and_attributes() {
        let link = Element::new("a")
            .attr("href", "/search?q=a&b")
            .text("<Search>");
        let item = Element::new("li").class("entry").child(link);
        assert_eq!(
            item.render(),
            r#"<li class="entry"><a href="/search?q=a&amp;b">&lt;Search&gt;</a></li>"#
        );
    }
}
