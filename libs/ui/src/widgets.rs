//! The recurring pieces of a page: navigation menus, cards and the page shell.

use crate::html::{Element, escape};

/// One link of a menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub href: String,
    /// The link to the page being shown.
    pub active: bool,
    /// A short highlight shown next to the label ("New", "3").
    pub badge: Option<String>,
}

impl Link {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Link {
        Link {
            label: label.into(),
            href: href.into(),
            active: false,
            badge: None,
        }
    }

    pub fn element(&self) -> Element {
        let mut anchor = Element::new("a")
            .attr("href", self.href.as_str())
            .text(self.label.as_str());
        if self.active {
            anchor = anchor.class("active").attr("aria-current", "page");
        }
        if let Some(badge) = &self.badge {
            anchor = anchor.child(Element::new("span").class("badge").text(badge.as_str()));
        }
        anchor
    }
}

/// A navigation bar: `<nav><ul><li><a …>` for each link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Menu {
    pub links: Vec<Link>,
}

impl Menu {
    pub fn element(&self) -> Element {
        let items = self
            .links
            .iter()
            .map(|link| Element::new("li").child(link.element()));
        Element::new("nav")
            .class("menu")
            .child(Element::new("ul").children(items))
    }
}

/// A titled box with a list of lines, or a placeholder text when there are none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub lines: Vec<String>,
    pub empty_text: String,
}

impl Card {
    pub fn new(title: impl Into<String>, empty_text: impl Into<String>) -> Card {
        Card {
            title: title.into(),
            lines: Vec::new(),
            empty_text: empty_text.into(),
        }
    }

    pub fn element(&self) -> Element {
        let section = Element::new("section")
            .class("card")
            .child(Element::new("h2").text(self.title.as_str()));
        if self.lines.is_empty() {
            section.child(
                Element::new("p")
                    .class("empty")
                    .text(self.empty_text.as_str()),
            )
        } else {
            let items = self
                .lines
                .iter()
                .map(|line| Element::new("li").text(line.as_str()));
            section.child(Element::new("ul").children(items))
        }
    }
}

/// Wraps body elements into a complete HTML document.
pub fn page(title: &str, body: impl IntoIterator<Item = Element>) -> String {
    let mut html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body>",
        escape(title)
    );
    for element in body {
        html.push_str(&element.render());
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_marks_the_active_link_and_badges() {
        let mut files = Link::new("Files", "/files");
        files.active = true;
        let mut upgrade = Link::new("Upgrade", "/plans");
        upgrade.badge = Some("New".into());
        let menu = Menu {
            links: vec![files, upgrade],
        };
        assert_eq!(
            menu.element().render(),
            "<nav class=\"menu\"><ul>\
             <li><a href=\"/files\" class=\"active\" aria-current=\"page\">Files</a></li>\
             <li><a href=\"/plans\">Upgrade<span class=\"badge\">New</span></a></li>\
             </ul></nav>"
        );
    }

    #[test]
    fn empty_cards_show_their_placeholder() {
        let mut card = Card::new("Recent files", "Nothing yet");
        assert_eq!(
            card.element().render(),
            r#"<section class="card"><h2>Recent files</h2><p class="empty">Nothing yet</p></section>"#
        );
        card.lines.push("a.txt".into());
        assert!(card.element().render().contains("<ul><li>a.txt</li></ul>"));
    }

    #[test]
    fn pages_escape_their_title() {
        let html = page("Tom & Jerry", [Element::new("p").text("hi")]);
        assert!(html.contains("<title>Tom &amp; Jerry</title>"));
        assert!(html.ends_with("<body><p>hi</p></body></html>"));
    }
}
