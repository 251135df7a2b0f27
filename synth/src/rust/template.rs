//! `@name@` placeholders in Rust templates: the templates stay readable Rust, with no `{{`
//! escaping as `format!` would need.

/// Appends `template` to `out`, replacing each `@name@` with its value in `vars`. An `@` that
/// does not start a known placeholder is copied as is.
pub fn fill(out: &mut String, template: &str, vars: &[(&str, &str)]) {
    let mut rest = template;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let value = after.find('@').and_then(|end| {
            let name = &after[..end];
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('@');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn replaces_known_placeholders_only() {
        let mut out = String::new();
        fill(
            &mut out,
            "fn @name@() { x @ 1..=2 } @other@",
            &[("name", "f")],
        );
        assert_eq!(out, "fn f() { x @ 1..=2 } @other@");
    }
}
