//! rustc-style text: the message, a source snippet with a caret under the import, notes and
//! the help line.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use orrery_model::{Diagnostic, Location};

use super::{Sources, line_and_span};

pub fn render(diagnostics: &[Diagnostic], sources: &dyn Sources, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&renderer.render(&[group(diagnostic, sources)]));
        out.push_str("\n\n");
    }
    out
}

fn group<'a>(diagnostic: &'a Diagnostic, sources: &'a dyn Sources) -> Group<'a> {
    let mut group = Level::ERROR
        .primary_title(diagnostic.message.as_str())
        .id(diagnostic.rule.as_str())
        .element(snippet(
            sources,
            &diagnostic.location,
            AnnotationKind::Primary,
            diagnostic.label.as_deref(),
        ));
    for related in &diagnostic.related {
        group = group.element(snippet(
            sources,
            &related.location,
            AnnotationKind::Context,
            Some(related.message.as_str()),
        ));
    }
    for note in &diagnostic.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    group
}

/// A one-line snippet of the source at `location`, or just its path:line:column when the
/// source is not at hand (a directory, an unreadable file).
fn snippet<'a>(
    sources: &'a dyn Sources,
    location: &'a Location,
    kind: AnnotationKind,
    label: Option<&'a str>,
) -> annotate_snippets::Element<'a> {
    match line_and_span(sources, location) {
        Some((line, span)) => Snippet::source(line)
            .line_start(location.line as usize)
            .path(location.path.as_str())
            .annotation(kind.span(span).label(label))
            .into(),
        None => Origin::path(location.path.as_str())
            .line(location.line as usize)
            .char_column(location.column as usize)
            .into(),
    }
}
