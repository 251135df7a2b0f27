//! Turns the pieces of the homepage into HTML with the ui library.

use files_api::Entry;
use nav_api::MenuEntry;
use ui::format::{human_bytes, time_ago};
use ui::html::Element;
use ui::widgets::{Card, Link, Menu};

/// What the homepage shows; `None` where a callee was unavailable.
pub struct Homepage<'a> {
    pub display_name: Option<&'a str>,
    /// The menu, from nav.
    pub menu: Option<&'a [MenuEntry]>,
    /// The recent files, from files.
    pub recent: Option<&'a [Entry]>,
    pub now: u64,
}

/// The menu shown when nav is unavailable: enough to move on from the homepage.
const FALLBACK_MENU: [(&str, &str); 2] = [("Home", "/"), ("Files", "/files")];

pub fn title(display_name: Option<&str>) -> String {
    match display_name {
        Some(name) => format!("Home – {name}"),
        None => "Home".to_owned(),
    }
}

pub fn render(page: &Homepage<'_>) -> String {
    let menu = match page.menu {
        Some(items) => Menu {
            links: items
                .iter()
                .map(|item| Link {
                    label: item.label.clone(),
                    href: item.href.clone(),
                    active: item.active,
                    badge: item.badge.clone(),
                })
                .collect(),
        },
        None => Menu {
            links: FALLBACK_MENU
                .iter()
                .map(|&(label, href)| Link {
                    active: href == "/",
                    ..Link::new(label, href)
                })
                .collect(),
        },
    };

    let greeting = match page.display_name {
        Some(name) => format!("Welcome back, {name}"),
        None => "Welcome back".to_owned(),
    };

    let mut recent = Card::new("Recent files", "Files you change will show up here.");
    match page.recent {
        Some(files) => {
            recent.lines = files
                .iter()
                .map(|file| {
                    format!(
                        "{} · {} · {}",
                        file.path,
                        human_bytes(file.size),
                        time_ago(file.modified_at, page.now)
                    )
                })
                .collect();
        }
        None => recent.empty_text = "Recent files are unavailable right now.".to_owned(),
    }

    let main = Element::new("main")
        .child(Element::new("h1").text(greeting))
        .child(recent.element());
    ui::widgets::page(&title(page.display_name), [menu.element(), main])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_live_data() {
        let menu = [MenuEntry {
            label: "Home".into(),
            href: "/".into(),
            active: true,
            badge: None,
        }];
        let recent = [Entry {
            name: "plan.pdf".into(),
            path: "Docs/plan.pdf".into(),
            kind: files_api::EntryKind::File as i32,
            size: 2048,
            modified_at: 0,
        }];
        let html = render(&Homepage {
            display_name: Some("Ada <3"),
            menu: Some(&menu),
            recent: Some(&recent),
            now: 120,
        });
        assert!(html.contains("<title>Home – Ada &lt;3</title>"));
        assert!(html.contains("<h1>Welcome back, Ada &lt;3</h1>"));
        assert!(html.contains("<li>Docs/plan.pdf · 2.0 KB · 2 min ago</li>"));
    }

    #[test]
    fn falls_back_where_callees_were_unavailable() {
        let html = render(&Homepage {
            display_name: None,
            menu: None,
            recent: None,
            now: 0,
        });
        assert!(html.contains("<title>Home</title>"));
        assert!(html.contains(r#"<a href="/" class="active" aria-current="page">Home</a>"#));
        assert!(html.contains(r#"<a href="/files">Files</a>"#));
        assert!(html.contains("Recent files are unavailable right now."));
    }
}
