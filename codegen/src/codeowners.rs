//! `CODEOWNERS` at the repository root: each component's directory, and the generated
//! directories that serve a servlet, owned by the component's team as GitHub names it
//! (`@org/team`). Lines are sorted by path, so a library nested in another's directory comes
//! after it, and GitHub, where the last matching pattern wins, gives its files to its own team.

use orrery_model::Repository;
use orrery_model::component::ComponentKind;

use crate::{GeneratedFile, header};

/// The file, when orrery.yaml names the GitHub organisation (`codeowners: { org: NAME }`).
pub fn codeowners(repository: &Repository) -> Option<GeneratedFile> {
    let org = &repository.config.as_ref()?.codeowners_org.as_ref()?.value;
    let mut lines: Vec<(String, String)> = Vec::new();
    for component in repository.components.values() {
        // An API crate lies inside its servlet's directory and has its owner.
        if component.kind == ComponentKind::Api {
            continue;
        }
        let Some(owner) = component.owner() else {
            continue;
        };
        let team = format!("@{org}/{}", owner.value);
        let directory = component.id.as_str();
        lines.push((format!("/{directory}/"), team.clone()));
        if component.kind == ComponentKind::Servlet {
            let name = component.name();
            for generated in ["gen/servers", "gen/k8s"] {
                lines.push((format!("/{generated}/{name}/"), team.clone()));
            }
        }
    }
    lines.sort();
    let width = lines.iter().map(|(path, _)| path.len()).max().unwrap_or(0);
    let mut text = format!(
        "# {}\n# Each component's directory, and what orrery generates for it, belongs to its owner.\n",
        header(&[
            "orrery.yaml".to_owned(),
            "every servlet.yaml and library.yaml".to_owned()
        ])
    );
    for (path, team) in &lines {
        text.push_str(&format!("{path:width$} {team}\n"));
    }
    Some(GeneratedFile::text("CODEOWNERS", text))
}
