//! Diagnostics are data: a rule, a message, where, and what to do next. Rendering happens at
//! the edge, in each output format, from these same values.

use std::fmt;

use crate::component::ComponentId;
use crate::location::Location;

/// The rule a diagnostic comes from. The id string is the same in the rule's file name, its
/// diagnostics, the docs and the baseline file.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RuleId {
    Manifest,
    Owner,
    Visibility,
    PrivateServlet,
    UndeclaredCall,
    Cycle,
    RouteConflict,
    /// A servlet's handler functions do not match its API (checked by `orrery gen`, which
    /// generates the adapter that calls them).
    Handler,
    /// Not a rule: part of the repository could not be read (unreadable, not UTF-8, too large,
    /// a symlink loop, a malformed Cargo.toml). The check is incomplete, so orrery exits 2.
    Input,
}

impl RuleId {
    pub const ALL: [RuleId; 9] = [
        RuleId::Manifest,
        RuleId::Owner,
        RuleId::Visibility,
        RuleId::PrivateServlet,
        RuleId::UndeclaredCall,
        RuleId::Cycle,
        RuleId::RouteConflict,
        RuleId::Handler,
        RuleId::Input,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Manifest => "manifest",
            RuleId::Owner => "owner",
            RuleId::Visibility => "visibility",
            RuleId::PrivateServlet => "private-servlet",
            RuleId::UndeclaredCall => "undeclared-call",
            RuleId::Cycle => "cycle",
            RuleId::RouteConflict => "route-conflict",
            RuleId::Handler => "handler",
            RuleId::Input => "input",
        }
    }

    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|rule| rule.as_str() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One violation. Every diagnostic is an error: orrery has no warnings to ignore.
// Serialised only into orrery's own cache; the JSON output has its own, documented shape.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub rule: RuleId,
    pub message: String,
    pub location: Location,
    /// What the primary location shows, when it needs saying (the first edge of a cycle).
    pub label: Option<String>,
    /// The depending component, for rules about an edge or a component.
    pub from: Option<ComponentId>,
    /// The component depended upon, for rules about an edge.
    pub to: Option<ComponentId>,
    /// What to do next.
    pub help: Option<String>,
    /// Further places that make up the violation, such as the other edges of a cycle.
    pub related: Vec<Related>,
    pub notes: Vec<String>,
    /// For `cycle`: the components of the cycle shown, first one repeated at the end.
    pub cycle: Vec<ComponentId>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Related {
    pub message: String,
    pub location: Location,
}

impl Diagnostic {
    pub fn new(rule: RuleId, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            message: message.into(),
            location,
            label: None,
            from: None,
            to: None,
            help: None,
            related: Vec::new(),
            notes: Vec::new(),
            cycle: Vec::new(),
        }
    }

    pub fn between(mut self, from: &ComponentId, to: &ComponentId) -> Diagnostic {
        self.from = Some(from.clone());
        self.to = Some(to.clone());
        self
    }

    pub fn about(mut self, component: &ComponentId) -> Diagnostic {
        self.from = Some(component.clone());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            message: message.into(),
            location,
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The stable order in which diagnostics are reported: by file, position, then rule.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (&self.location, self.rule, &self.message)
    }
}
