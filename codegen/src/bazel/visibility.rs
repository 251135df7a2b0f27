//! orrery's visibility labels as Bazel's, label for label.
//!
//! The two share their semantics (`//pkg`, `//pkg/...`, groups whose `-` entries win), with one
//! difference the translation spells out: in orrery a servlet's API crate asks for visibility
//! as its servlet ("it acts for its servlet"), while in Bazel every target asks as its own
//! package. So wherever a label grants `servlets/<name>` exactly, the translation grants
//! `servlets/<name>/api` too, and a label at or below an API package, which grants nobody in
//! orrery (no component asks as that package), is left out. With that, Bazel grants a package
//! exactly when orrery grants the component asking from it.

use std::collections::BTreeSet;

use orrery_model::label::{Label, PackagePattern, PackageSpec};

pub const PUBLIC: &str = "//visibility:public";
pub const PRIVATE: &str = "//visibility:private";

/// The packages of the repository's API crates (`servlets/<name>/api`).
pub struct ApiPackages(pub BTreeSet<String>);

impl ApiPackages {
    /// The API package of the servlet at `package`, if it has one.
    fn api_of(&self, package: &str) -> Option<&String> {
        self.0.get(&format!("{package}/api"))
    }

    /// Is `package` an API package or below one? No component asks for visibility there.
    fn at_or_below_api(&self, package: &str) -> bool {
        self.0.iter().any(|api| {
            package
                .strip_prefix(api.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// The packages one `visibility` or group pattern stands for in Bazel.
    fn patterns(&self, pattern: &PackagePattern) -> Vec<PackagePattern> {
        match pattern {
            PackagePattern::Exact(path) | PackagePattern::Recursive(path)
                if !path.is_empty() && self.at_or_below_api(path) =>
            {
                Vec::new()
            }
            PackagePattern::Exact(path) => {
                let mut patterns = vec![pattern.clone()];
                patterns.extend(
                    self.api_of(path)
                        .map(|api| PackagePattern::Exact(api.clone())),
                );
                patterns
            }
            PackagePattern::Recursive(_) => vec![pattern.clone()],
        }
    }
}

/// A `visibility` list: the translated labels plus `extra` (packages that always see the
/// target, such as the generated servers that link it), normalised as Bazel requires:
/// `//visibility:public` alone, `//visibility:private` only when nothing else is granted.
pub fn visibility<'a>(
    labels: impl IntoIterator<Item = &'a Label>,
    extra: impl IntoIterator<Item = String>,
    apis: &ApiPackages,
) -> Vec<String> {
    let mut out: Vec<String> = extra.into_iter().collect();
    for label in labels {
        match label {
            Label::Public => return vec![PUBLIC.to_owned()],
            Label::Private => {}
            Label::Group(name) => out.push(format!("//:{name}")),
            Label::Packages(pattern) => {
                out.extend(apis.patterns(pattern).iter().map(visibility_label));
            }
        }
    }
    if out.is_empty() {
        out.push(PRIVATE.to_owned());
    }
    out
}

/// A group's entries as a `package_group`'s `packages`: `//pkg`, `//pkg/...`, `-//pkg`.
pub fn packages<'a>(
    specs: impl IntoIterator<Item = &'a PackageSpec>,
    apis: &ApiPackages,
) -> Vec<String> {
    specs
        .into_iter()
        .flat_map(|spec| {
            apis.patterns(&spec.pattern).into_iter().map(|pattern| {
                let sign = if spec.exclude { "-" } else { "" };
                format!("{sign}{pattern}")
            })
        })
        .collect()
}

/// `//pkg:__pkg__` or `//pkg:__subpackages__`, the spelling `visibility` takes.
fn visibility_label(pattern: &PackagePattern) -> String {
    match pattern {
        PackagePattern::Exact(path) => format!("//{path}:__pkg__"),
        PackagePattern::Recursive(path) => format!("//{path}:__subpackages__"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apis() -> ApiPackages {
        ApiPackages(["servlets/files/api".to_owned()].into())
    }

    fn translate(labels: &[&str]) -> Vec<String> {
        let labels: Vec<Label> = labels.iter().map(|l| Label::parse(l).unwrap()).collect();
        visibility(&labels, [], &apis())
    }

    #[test]
    fn a_servlet_package_brings_its_api_package_along() {
        assert_eq!(
            translate(&["//servlets/files", "//libs/...", "//:web"]),
            [
                "//servlets/files:__pkg__",
                "//servlets/files/api:__pkg__",
                "//libs:__subpackages__",
                "//:web",
            ]
        );
        assert_eq!(translate(&["//..."]), ["//:__subpackages__"]);
    }

    #[test]
    fn labels_inside_an_api_package_grant_nobody() {
        assert_eq!(
            translate(&["//servlets/files/api", "//servlets/files/api/..."]),
            [PRIVATE]
        );
    }

    #[test]
    fn public_stands_alone_and_private_only_when_nothing_else_is_granted() {
        assert_eq!(translate(&["//servlets/home", "public"]), [PUBLIC]);
        assert_eq!(translate(&["private"]), [PRIVATE]);
        assert_eq!(
            translate(&["private", "//servlets/home"]),
            ["//servlets/home:__pkg__"]
        );
    }

    #[test]
    fn group_exclusions_exclude_the_api_package_too() {
        let specs: Vec<PackageSpec> = [
            "//servlets/...",
            "-//servlets/files",
            "-//servlets/files/api/...",
        ]
        .iter()
        .map(|s| PackageSpec::parse(s).unwrap())
        .collect();
        assert_eq!(
            packages(&specs, &apis()),
            [
                "//servlets/...",
                "-//servlets/files",
                "-//servlets/files/api"
            ]
        );
    }
}
