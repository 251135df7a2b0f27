//! Visibility labels and groups, with the Bazel semantics orrery applies.
//!
//! The generator decides every dependency with [`grants`], the same rule `orrery check`
//! enforces, so a clean repository is clean by construction and each injected violation is the
//! only one.

/// A package pattern: `//servlets/x` or `//libs/web/...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    Exact(String),
    Subtree(String),
}

impl Pattern {
    fn matches(&self, directory: &str) -> bool {
        match self {
            Pattern::Exact(package) => directory == package,
            // Whole path segments only: `//servlets/web/...` does not hold `servlets/webhooks`.
            Pattern::Subtree(package) => {
                directory == package
                    || directory
                        .strip_prefix(package.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }

    fn text(&self) -> String {
        match self {
            Pattern::Exact(package) => format!("//{package}"),
            Pattern::Subtree(package) => format!("//{package}/..."),
        }
    }
}

/// A visibility label as a manifest writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    /// `//visibility:public`, or its short spelling `public` when `short`.
    Public {
        short: bool,
    },
    Private,
    Packages(Pattern),
    /// `//:NAME`.
    Group(String),
}

impl Label {
    pub fn text(&self) -> String {
        match self {
            Label::Public { short: true } => "public".to_owned(),
            Label::Public { short: false } => "//visibility:public".to_owned(),
            Label::Private => "//visibility:private".to_owned(),
            Label::Packages(pattern) => pattern.text(),
            Label::Group(name) => format!("//:{name}"),
        }
    }
}

/// A `package_group`: entries in order, `-` ones excluding.
#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub entries: Vec<(bool, Pattern)>,
}

impl Group {
    pub fn entry_texts(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(exclude, pattern)| {
                let text = pattern.text();
                if *exclude { format!("-{text}") } else { text }
            })
            .collect()
    }

    /// Exclusions win over inclusions, whatever their order.
    fn contains(&self, directory: &str) -> bool {
        let matching = |exclude: bool| {
            self.entries
                .iter()
                .any(|(e, pattern)| *e == exclude && pattern.matches(directory))
        };
        matching(false) && !matching(true)
    }
}

/// Does a component at `target` with visibility `labels` grant `requester`?
pub fn grants(labels: &[Label], target: &str, requester: &str, groups: &[Group]) -> bool {
    labels.iter().any(|label| match label {
        Label::Public { .. } => true,
        Label::Private => requester == target,
        Label::Packages(pattern) => pattern.matches(requester),
        Label::Group(name) => groups
            .iter()
            .any(|group| &group.name == name && group.contains(requester)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bazel_semantics() {
        let groups = [Group {
            name: "web".into(),
            entries: vec![
                (false, Pattern::Subtree("servlets".into())),
                (true, Pattern::Exact("servlets/admin".into())),
            ],
        }];
        let web = [Label::Group("web".into())];
        assert!(grants(&web, "libs/ui", "servlets/home", &groups));
        assert!(!grants(&web, "libs/ui", "servlets/admin", &groups));
        assert!(!grants(&web, "libs/ui", "libs/other", &groups));
        let subtree = [Label::Packages(Pattern::Subtree("servlets/web".into()))];
        assert!(!grants(&subtree, "libs/x", "servlets/webhooks", &groups));
        assert!(grants(&subtree, "libs/x", "servlets/web", &groups));
        assert!(!grants(&[Label::Private], "libs/x", "libs/y", &groups));
        assert!(grants(
            &[Label::Public { short: true }],
            "libs/x",
            "libs/y",
            &groups
        ));
    }
}
