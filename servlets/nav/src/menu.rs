//! Which entries a user's menu has, and which one is active.

use auth::{Scope, Session};
use nav_api::MenuEntry;

use crate::metadata::Plan;

/// The entries for `session`; `plan` is `None` when the metadata service could not say.
pub fn entries_for(session: &Session, plan: Option<Plan>, current_path: &str) -> Vec<MenuEntry> {
    let mut entries = vec![entry("Home", "/"), entry("Files", "/files")];
    if session.has_scope(Scope::Share) {
        entries.push(entry("Shared", "/shared"));
    }
    match plan {
        Some(Plan::Basic) => entries.push(MenuEntry {
            badge: Some("New".to_owned()),
            ..entry("Upgrade", "/plans")
        }),
        Some(Plan::Business) => entries.push(entry("Team", "/team")),
        Some(Plan::Plus) | None => {}
    }
    if session.has_scope(Scope::Admin) {
        entries.push(entry("Admin", "/admin"));
    }
    if let Some(active) = active_index(&entries, current_path) {
        entries[active].active = true;
    }
    entries
}

fn entry(label: &str, href: &str) -> MenuEntry {
    MenuEntry {
        label: label.to_owned(),
        href: href.to_owned(),
        active: false,
        badge: None,
    }
}

/// The entry whose href is the longest whole-segment prefix of `path`.
pub fn active_index(entries: &[MenuEntry], path: &str) -> Option<usize> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            let href = entry.href.trim_end_matches('/');
            if href.is_empty() {
                // Home is active only on the root page itself.
                path.trim_end_matches('/').is_empty()
            } else {
                path.strip_prefix(href)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            }
        })
        .max_by_key(|(_, entry)| entry.href.len())
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use auth::UserId;

    use super::*;

    fn session(scopes: &[Scope]) -> Session {
        Session::new(UserId(1), scopes, u64::MAX)
    }

    fn labels(entries: &[MenuEntry]) -> Vec<&str> {
        entries.iter().map(|entry| entry.label.as_str()).collect()
    }

    #[test]
    fn basic_plans_see_the_upgrade_prompt() {
        let entries = entries_for(
            &session(&[Scope::Read, Scope::Share]),
            Some(Plan::Basic),
            "/",
        );
        assert_eq!(labels(&entries), ["Home", "Files", "Shared", "Upgrade"]);
        assert_eq!(entries[3].badge.as_deref(), Some("New"));
        assert!(entries[0].active);
    }

    #[test]
    fn unknown_plans_see_no_plan_entries() {
        let entries = entries_for(
            &session(&[Scope::Read, Scope::Admin]),
            None,
            "/admin/users?id=3",
        );
        assert_eq!(labels(&entries), ["Home", "Files", "Admin"]);
        assert_eq!(entries.iter().position(|entry| entry.active), Some(2));
    }

    #[test]
    fn active_entries_match_whole_segments() {
        let entries = entries_for(
            &session(&[Scope::Read]),
            Some(Plan::Business),
            "/files/Docs",
        );
        assert_eq!(entries.iter().position(|entry| entry.active), Some(1));
        assert_eq!(active_index(&entries, "/filesystem"), None);
        assert_eq!(active_index(&entries, "/team/"), Some(2));
    }
}
