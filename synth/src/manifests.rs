//! orrery.yaml, servlet.yaml, library.yaml and Cargo.toml, written as text in the layout a
//! person would write them.

use crate::labels::Label;
use crate::names::{SERVICE, TEAMS, relative};
use crate::plan::{Call, Dep, Lib, Plan, Servlet, Target};

pub fn orrery_yaml(plan: &Plan) -> String {
    let mut out = format!(
        "# A synthetic monorepo written by orrery-synth (seed {}): {} servlets, {} libraries.\n\n# The only valid `owner` values.\nteams: [{}]\n\n# Like Bazel's package_group; `-` entries exclude and win.\ngroups:\n",
        plan.seed,
        plan.servlets.len(),
        plan.libs.len(),
        TEAMS.join(", ")
    );
    for group in &plan.groups {
        let entries: Vec<String> = group
            .entry_texts()
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect();
        out.push_str(&format!("  {}: [{}]\n", group.name, entries.join(", ")));
    }
    out.push_str(&format!(
        "\n# Large services outside the repository; servlets may list them in `calls`.\nservices:\n  {SERVICE}: {{ address: \"{SERVICE}.internal:443\", proto: proto/services/{SERVICE}.proto }}\n\nenvoy: {{ listen: \"0.0.0.0:8080\", admin: \"127.0.0.1:9901\" }}\n\ndefaults:\n  scaling: {{ min: 2, max: 20, headroom: 0.4 }}\n  resources: {{ cpu: 250m, memory: 256Mi }}\n\ndeploy: {{ engine: argo-rollouts, registry: \"registry.example.com/synth\" }}\n\ncodeowners: {{ org: synth-example }}\n"
    ));
    out
}

fn labels(labels: &[Label]) -> String {
    let texts: Vec<String> = labels.iter().map(|l| format!("\"{}\"", l.text())).collect();
    format!("[{}]", texts.join(", "))
}

pub fn servlet_yaml(plan: &Plan, servlet: &Servlet) -> String {
    let mut out = format!(
        "name: {}\nowner: {}\ndescription: {}.\ntier: {}\n",
        servlet.name, servlet.owner, servlet.description, servlet.tier
    );
    match &servlet.visibility {
        Some(visibility) => out.push_str(&format!("visibility: {}\n", labels(visibility))),
        None => out.push_str("# No visibility: nobody may call this servlet.\n"),
    }
    let calls: Vec<&str> = servlet
        .calls
        .iter()
        .map(|call| match call {
            Call::Servlet(j) => plan.servlets[*j].name.as_str(),
            Call::Service => SERVICE,
        })
        .collect();
    if !calls.is_empty() {
        out.push_str(&format!("calls: [{}]\n", calls.join(", ")));
    }
    for line in &servlet.extra_yaml {
        out.push_str(line);
        out.push('\n');
    }
    if servlet.unknown_key {
        out.push_str(&format!("oncall: \"#{}-oncall\"\n", servlet.name));
    }
    out
}

pub fn library_yaml(lib: &Lib) -> String {
    format!(
        "name: {}\nowner: {}\ndescription: {}.\nvisibility: {}\n",
        lib.name,
        lib.owner,
        lib.description,
        labels(&lib.visibility)
    )
}

fn dep_line(plan: &Plan, from: &str, dep: &Dep) -> String {
    let to = match dep.target {
        Target::Lib(j) => plan.libs[j].dir.clone(),
        Target::Api(j) => format!("{}/api", plan.servlets[j].dir),
        Target::Servlet(j) => plan.servlets[j].dir.clone(),
    };
    let path = relative(from, &to);
    match &dep.package {
        Some(package) => format!(
            "{} = {{ package = \"{package}\", path = \"{path}\" }}\n",
            dep.key
        ),
        None => format!("{} = {{ path = \"{path}\" }}\n", dep.key),
    }
}

fn package(name: &str, description: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\ndescription = \"{description}\"\n\n[dependencies]\n"
    )
}

pub fn lib_cargo(plan: &Plan, lib: &Lib) -> String {
    let mut out = package(&lib.name, lib.description);
    for dep in lib
        .deps
        .iter()
        .chain(lib.injected.iter().map(|injected| &injected.dep))
    {
        out.push_str(&dep_line(plan, &lib.dir, dep));
    }
    out
}

pub fn servlet_cargo(plan: &Plan, servlet: &Servlet) -> String {
    let mut out = package(&servlet.name, servlet.description);
    out.push_str(&format!("{}_api = {{ path = \"api\" }}\n", servlet.name));
    for call in &servlet.calls {
        if let Call::Servlet(j) = call {
            let dep = Dep {
                target: Target::Api(*j),
                key: format!("{}_api", plan.servlets[*j].name),
                package: None,
            };
            out.push_str(&dep_line(plan, &servlet.dir, &dep));
        }
    }
    for dep in servlet
        .libs
        .iter()
        .chain(servlet.injected.iter().map(|injected| &injected.dep))
    {
        out.push_str(&dep_line(plan, &servlet.dir, dep));
    }
    out.push_str(
        "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n",
    );
    out
}
