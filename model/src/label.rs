//! Bazel visibility labels and package_group specifications, with Bazel's matching semantics.

use std::fmt;

/// One entry of a `visibility` list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    /// `//visibility:public` or `public`: everyone.
    Public,
    /// `//visibility:private` or `private`: the component's own package only.
    Private,
    /// `//pkg`, `//pkg:__pkg__`, `//pkg/...` or `//pkg:__subpackages__`.
    Packages(PackagePattern),
    /// `//:NAME`: the members of a group declared in orrery.yaml.
    Group(String),
}

/// A package, or a package and everything below it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackagePattern {
    /// Exactly this package (`//servlets/nav`).
    Exact(String),
    /// This package and every package below it, by whole path segment (`//servlets/...`).
    /// The empty path is the root, so `//...` matches everything.
    Recursive(String),
}

/// One entry of a group in orrery.yaml: a package pattern, possibly negated with `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageSpec {
    pub exclude: bool,
    pub pattern: PackagePattern,
}

impl PackagePattern {
    /// Does this pattern match the package at `package` (a path like `servlets/home`)?
    pub fn matches(&self, package: &str) -> bool {
        match self {
            PackagePattern::Exact(path) => path == package,
            PackagePattern::Recursive(path) => {
                path.is_empty()
                    || package == path
                    || (package.starts_with(path.as_str())
                        && package[path.len()..].starts_with('/'))
            }
        }
    }

    fn parse(text: &str) -> Result<PackagePattern, String> {
        let Some(rest) = text.strip_prefix("//") else {
            return Err(format!(
                "`{text}` is not a label; labels start with `//`, as in `//servlets/nav`"
            ));
        };
        let (path, target) = match rest.split_once(':') {
            Some((path, target)) => (path, Some(target)),
            None => (rest, None),
        };
        let (path, recursive) = match (path.strip_suffix("/..."), path, target) {
            (_, "...", None) => ("", true),
            (_, "...", Some(_)) => return Err(format!("`{text}` mixes `...` with a target")),
            (Some(prefix), _, None) => (prefix, true),
            (None, path, None | Some("__pkg__")) => (path, false),
            (None, path, Some("__subpackages__")) => (path, true),
            (None, _, Some(other)) => {
                return Err(format!(
                    "`{text}` names the target `{other}`; visibility takes packages \
                     (`//pkg`, `//pkg/...`) or groups (`//:{other}`)"
                ));
            }
            (Some(_), _, Some(_)) => return Err(format!("`{text}` mixes `...` with a target")),
        };
        check_package_path(text, path)?;
        Ok(if recursive {
            PackagePattern::Recursive(path.to_owned())
        } else {
            PackagePattern::Exact(path.to_owned())
        })
    }
}

fn check_package_path(text: &str, path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Ok(());
    }
    for segment in path.split('/') {
        let valid = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            return Err(format!(
                "`{text}` has an invalid package path segment `{segment}`"
            ));
        }
    }
    Ok(())
}

impl Label {
    /// Parses a visibility label the way Bazel spells them.
    pub fn parse(text: &str) -> Result<Label, String> {
        match text {
            "public" | "//visibility:public" => return Ok(Label::Public),
            "private" | "//visibility:private" => return Ok(Label::Private),
            _ => {}
        }
        if let Some(group) = text.strip_prefix("//:") {
            return match group {
                "__pkg__" | "__subpackages__" => PackagePattern::parse(text).map(Label::Packages),
                _ if is_identifier(group) => Ok(Label::Group(group.to_owned())),
                _ => Err(format!(
                    "`{text}` is not a valid group name; groups are [a-z][a-z0-9_]*"
                )),
            };
        }
        if text.starts_with("//visibility:") {
            return Err(format!(
                "`{text}` is not a visibility; use `//visibility:public` or `//visibility:private`"
            ));
        }
        PackagePattern::parse(text).map(Label::Packages)
    }
}

impl PackageSpec {
    /// Parses a group entry: `//pkg`, `//pkg/...`, `//...`, each optionally prefixed with `-`.
    pub fn parse(text: &str) -> Result<PackageSpec, String> {
        let (exclude, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if rest.contains(':') {
            return Err(format!(
                "`{text}` is not a package; group entries are `//pkg`, `//pkg/...` or `-//pkg`"
            ));
        }
        Ok(PackageSpec {
            exclude,
            pattern: PackagePattern::parse(rest)?,
        })
    }
}

/// `[a-z][a-z0-9_]*`: the shape of servlet, library, group and team names.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl fmt::Display for PackagePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackagePattern::Exact(path) => write!(f, "//{path}"),
            PackagePattern::Recursive(path) if path.is_empty() => write!(f, "//..."),
            PackagePattern::Recursive(path) => write!(f, "//{path}/..."),
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Public => f.write_str("//visibility:public"),
            Label::Private => f.write_str("//visibility:private"),
            Label::Packages(pattern) => pattern.fmt(f),
            Label::Group(name) => write!(f, "//:{name}"),
        }
    }
}

impl fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exclude {
            f.write_str("-")?;
        }
        self.pattern.fmt(f)
    }
}

/// Does a group with these entries contain `package`? As in Bazel's package_group, an
/// exclusion wins over any inclusion.
pub fn group_contains<'a>(
    specs: impl IntoIterator<Item = &'a PackageSpec> + Clone,
    package: &str,
) -> bool {
    let matching = |exclude: bool| {
        specs
            .clone()
            .into_iter()
            .any(|spec| spec.exclude == exclude && spec.pattern.matches(package))
    };
    matching(false) && !matching(true)
}

/// Does a `visibility` list that belongs to the package `owner` grant `requester`? As in
/// Bazel, a package always sees itself. Groups are looked up in `groups`; an unknown group
/// grants nothing (the `manifest` rule reports it).
pub fn grants<'a>(
    labels: impl IntoIterator<Item = &'a Label>,
    owner: &str,
    requester: &str,
    groups: &std::collections::BTreeMap<String, crate::manifest::Group>,
) -> bool {
    owner == requester
        || labels.into_iter().any(|label| match label {
            Label::Public => true,
            Label::Private => false,
            Label::Packages(pattern) => pattern.matches(requester),
            Label::Group(name) => groups.get(name).is_some_and(|group| {
                group_contains(group.packages.iter().map(|spec| &spec.value), requester)
            }),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> Label {
        Label::parse(text).unwrap()
    }

    #[test]
    fn parses_every_bazel_spelling() {
        assert_eq!(label("public"), Label::Public);
        assert_eq!(label("//visibility:private"), Label::Private);
        assert_eq!(label("//servlets/nav"), label("//servlets/nav:__pkg__"));
        assert_eq!(label("//servlets/..."), label("//servlets:__subpackages__"));
        assert_eq!(
            label("//..."),
            Label::Packages(PackagePattern::Recursive(String::new()))
        );
        assert_eq!(label("//:web"), Label::Group("web".into()));
        assert_eq!(
            label("//servlets/web/...").to_string(),
            "//servlets/web/..."
        );
    }

    #[test]
    fn rejects_malformed_labels_with_a_reason() {
        assert_eq!(
            Label::parse("servlets/nav").unwrap_err(),
            "`servlets/nav` is not a label; labels start with `//`, as in `//servlets/nav`"
        );
        assert_eq!(
            Label::parse("//servlets/nav:web").unwrap_err(),
            "`//servlets/nav:web` names the target `web`; visibility takes packages (`//pkg`, `//pkg/...`) or groups (`//:web`)"
        );
        assert_eq!(
            Label::parse("//servlets//nav").unwrap_err(),
            "`//servlets//nav` has an invalid package path segment ``"
        );
        assert!(Label::parse("//visibility:friends").is_err());
        assert!(Label::parse("//:Web").is_err());
    }

    #[test]
    fn recursive_patterns_match_whole_segments_not_string_prefixes() {
        let servlets_web = PackagePattern::Recursive("servlets/web".into());
        assert!(servlets_web.matches("servlets/web"));
        assert!(servlets_web.matches("servlets/web/api"));
        assert!(!servlets_web.matches("servlets/webhooks"));
        assert!(!servlets_web.matches("servlets"));
        assert!(PackagePattern::Recursive(String::new()).matches("libs/ui"));
        assert!(!PackagePattern::Exact("servlets/web".into()).matches("servlets/web/api"));
    }

    #[test]
    fn exclusions_win_in_groups() {
        let specs: Vec<_> = ["//servlets/...", "-//servlets/admin", "//libs/ui/..."]
            .iter()
            .map(|text| PackageSpec::parse(text).unwrap())
            .collect();
        assert!(group_contains(&specs, "servlets/home"));
        assert!(!group_contains(&specs, "servlets/admin"));
        assert!(group_contains(&specs, "servlets/admin/api"));
        assert!(group_contains(&specs, "libs/ui/widgets"));
        assert!(!group_contains(&specs, "libs/auth"));
        assert!(Label::parse("//...:__pkg__").is_err());
        assert!(PackageSpec::parse("-//servlets:admin").is_err());
    }
}
