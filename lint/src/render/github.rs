//! `--format github`: workflow commands, which GitHub Actions shows as annotations on the diff.

use orrery_model::Diagnostic;

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let location = &diagnostic.location;
        let mut text = diagnostic.message.clone();
        for note in &diagnostic.notes {
            text.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &diagnostic.help {
            text.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::error file={},line={},col={},endColumn={},title={}::{}\n",
            property(&location.path),
            location.line,
            location.column,
            location.column + location.len.max(1),
            property(&format!("orrery {}", diagnostic.rule)),
            data(&text)
        ));
    }
    out
}

/// Escapes a command's message, as the Actions runner decodes it.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property, which also may not hold `:` or `,` unescaped.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use orrery_model::{Diagnostic, Location, RuleId};

    #[test]
    fn escapes_separators_in_properties_and_newlines_in_messages() {
        let diagnostic = Diagnostic::new(
            RuleId::Visibility,
            Location::new("a,b:c.rs", 3, 5, 2),
            "50% done",
        )
        .with_help("do this\nthen that");
        assert_eq!(
            super::render(&[diagnostic]),
            "::error file=a%2Cb%3Ac.rs,line=3,col=5,endColumn=7,title=orrery visibility::50%25 done%0Ahelp: do this%0Athen that\n"
        );
    }
}
