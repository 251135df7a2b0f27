//! Random repositories for the property test: servlets (some with an API crate) and libraries
//! nested under libs/, with random visibility (packages, `...`, groups with exclusions,
//! public, private) and random dependencies and `calls`, cycles included. A tree prints as a
//! fixture (`//- path` files) and shrinks one component, edge or label at a time.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// SplitMix64: small, fast, and the same sequence on every machine for a given seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Debug)]
pub struct Servlet {
    pub name: String,
    pub api: bool,
    pub visibility: Vec<String>,
    pub calls: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Library {
    /// The directory under libs/: `l3` or `l3/l7`.
    pub path: String,
    pub visibility: Vec<String>,
}

/// A repository's shape: everything that decides the verdicts, nothing else.
#[derive(Clone, Debug)]
pub struct Tree {
    pub groups: Vec<(String, Vec<String>)>,
    pub servlets: Vec<Servlet>,
    pub libraries: Vec<Library>,
    /// Cargo path dependencies between crate directories (`servlets/a`, `servlets/a/api`,
    /// `libs/l3/l7`).
    pub deps: Vec<(String, String)>,
}

impl Tree {
    /// A tree of `20..=60` components (API crates count).
    pub fn random(rng: &mut Rng) -> Tree {
        let target = 20 + rng.below(41);
        let mut tree = Tree {
            groups: Vec::new(),
            servlets: Vec::new(),
            libraries: Vec::new(),
            deps: Vec::new(),
        };
        let mut count = 0;
        while count < target {
            if rng.chance(0.4) {
                let api = rng.chance(0.7);
                tree.servlets.push(Servlet {
                    name: format!("s{}", tree.servlets.len()),
                    api,
                    visibility: Vec::new(),
                    calls: Vec::new(),
                });
                count += 1 + usize::from(api);
            } else {
                // Nested under an earlier library now and then, so `//libs/x/...` means more.
                let name = format!("l{}", tree.libraries.len());
                let path = match tree.libraries.len() {
                    0 => name,
                    n if rng.chance(0.35) => {
                        format!("{}/{name}", tree.libraries[rng.below(n)].path)
                    }
                    _ => name,
                };
                tree.libraries.push(Library {
                    path,
                    visibility: Vec::new(),
                });
                count += 1;
            }
        }
        for g in 0..1 + rng.below(3) {
            let mut specs = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let spec = tree.random_pattern(rng, false);
                specs.push(if rng.chance(0.3) {
                    format!("-{spec}")
                } else {
                    spec
                });
            }
            specs.dedup();
            tree.groups.push((format!("g{g}"), specs));
        }
        for index in 0..tree.servlets.len() {
            tree.servlets[index].visibility = tree.random_visibility(rng);
        }
        for index in 0..tree.libraries.len() {
            tree.libraries[index].visibility = tree.random_visibility(rng);
        }
        // Dependencies mostly go to crates listed earlier, so most trees are acyclic apart
        // from a few back edges; `calls` go anywhere.
        let crates = tree.crates();
        for (i, from) in crates.iter().enumerate() {
            for (j, to) in crates.iter().enumerate() {
                if i == j {
                    continue;
                }
                let p = if j < i { 0.07 } else { 0.004 };
                // API crates link other crates less in practice, but they are where visibility
                // is asked for by another package's name: test them as much as any.
                let p = if from.ends_with("/api") { p * 1.5 } else { p };
                let p = if is_servlet_crate(to) && !is_api_of(from, to) {
                    p / 4.0
                } else {
                    p
                };
                if rng.chance(p) {
                    tree.deps.push((from.clone(), to.clone()));
                }
            }
        }
        let names: Vec<String> = tree.servlets.iter().map(|s| s.name.clone()).collect();
        for servlet in &mut tree.servlets {
            for callee in &names {
                if rng.chance(0.04) {
                    servlet.calls.push(callee.clone());
                }
            }
        }
        tree
    }

    /// Every crate directory: each servlet's crate and API crate, each library.
    pub fn crates(&self) -> Vec<String> {
        let mut crates = Vec::new();
        for servlet in &self.servlets {
            crates.push(format!("servlets/{}", servlet.name));
            if servlet.api {
                crates.push(format!("servlets/{}/api", servlet.name));
            }
        }
        crates.extend(self.libraries.iter().map(|l| format!("libs/{}", l.path)));
        crates
    }

    fn random_pattern(&self, rng: &mut Rng, for_visibility: bool) -> String {
        let crates = self.crates();
        let libraries: Vec<&Library> = self.libraries.iter().collect();
        match rng.below(10) {
            0..=3 => {
                // Servlets half the time: where an API crate acts for its servlet, Bazel and
                // orrery ask as different packages.
                let servlets: Vec<String> = self
                    .servlets
                    .iter()
                    .map(|s| format!("servlets/{}", s.name))
                    .collect();
                let target = if !servlets.is_empty() && rng.chance(0.5) {
                    rng.pick(&servlets)
                } else {
                    rng.pick(&crates)
                };
                if for_visibility && rng.chance(0.3) {
                    format!("//{target}:__pkg__")
                } else {
                    format!("//{target}")
                }
            }
            4..=6 if !libraries.is_empty() => {
                let library = rng.pick(&libraries);
                if for_visibility && rng.chance(0.3) {
                    format!("//libs/{}:__subpackages__", library.path)
                } else {
                    format!("//libs/{}/...", library.path)
                }
            }
            7 => "//servlets/...".to_owned(),
            8 => "//libs/...".to_owned(),
            9 if rng.chance(0.3) => "//...".to_owned(),
            _ if !self.servlets.is_empty() => {
                let servlet = rng.pick(&self.servlets);
                format!("//servlets/{}/...", servlet.name)
            }
            _ => "//libs/...".to_owned(),
        }
    }

    /// Up to three labels, the broad ones (groups, `...`, public) about as often as the
    /// narrow ones, so that trees hold about as many granted edges as refused ones.
    fn random_visibility(&self, rng: &mut Rng) -> Vec<String> {
        let mut labels = Vec::new();
        let count = if rng.chance(0.1) { 0 } else { 1 + rng.below(3) };
        for _ in 0..count {
            let label = match rng.below(20) {
                0..=1 => "//visibility:public".to_owned(),
                2 => "//visibility:private".to_owned(),
                3..=7 if !self.groups.is_empty() => {
                    format!("//:{}", rng.pick(&self.groups).0)
                }
                8..=9 => "//libs/...".to_owned(),
                10 => "//servlets/...".to_owned(),
                _ => self.random_pattern(rng, true),
            };
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        labels
    }

    /// The tree as repository files: orrery.yaml, the manifests and the Cargo.toml files.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let mut config = String::from("teams: [core]\n");
        if !self.groups.is_empty() {
            config.push_str("groups:\n");
            for (name, specs) in &self.groups {
                let _ = writeln!(config, "  {name}: [{}]", quoted(specs));
            }
        }
        files.push(("orrery.yaml".to_owned(), config));
        for servlet in &self.servlets {
            let dir = format!("servlets/{}", servlet.name);
            let mut manifest = format!("name: {}\nowner: core\n", servlet.name);
            if !servlet.visibility.is_empty() {
                let _ = writeln!(manifest, "visibility: [{}]", quoted(&servlet.visibility));
            }
            if !servlet.calls.is_empty() {
                let _ = writeln!(manifest, "calls: [{}]", servlet.calls.join(", "));
            }
            files.push((format!("{dir}/servlet.yaml"), manifest));
            files.push((format!("{dir}/Cargo.toml"), self.cargo_toml(&dir)));
            if servlet.api {
                let api = format!("{dir}/api");
                files.push((format!("{api}/Cargo.toml"), self.cargo_toml(&api)));
            }
        }
        for library in &self.libraries {
            let dir = format!("libs/{}", library.path);
            let name = library.path.rsplit('/').next().unwrap();
            let mut manifest = format!("name: {name}\nowner: core\n");
            if !library.visibility.is_empty() {
                let _ = writeln!(manifest, "visibility: [{}]", quoted(&library.visibility));
            }
            files.push((format!("{dir}/library.yaml"), manifest));
            files.push((format!("{dir}/Cargo.toml"), self.cargo_toml(&dir)));
        }
        files.sort();
        files
    }

    fn cargo_toml(&self, dir: &str) -> String {
        let mut text = format!(
            "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
            package_name(dir)
        );
        let deps: BTreeSet<&String> = self
            .deps
            .iter()
            .filter(|(from, _)| from == dir)
            .map(|(_, to)| to)
            .collect();
        if !deps.is_empty() {
            text.push_str("\n[dependencies]\n");
            let up = "../".repeat(dir.split('/').count());
            for to in deps {
                let _ = writeln!(text, "{} = {{ path = \"{up}{to}\" }}", package_name(to));
            }
        }
        text
    }

    /// The tree as a fixture, the `//- path` format of tests/fixtures/.
    pub fn fixture(&self) -> String {
        let mut text = String::new();
        for (path, contents) in self.files() {
            let _ = write!(text, "//- {path}\n{contents}");
        }
        text
    }

    pub fn size(&self) -> String {
        format!(
            "{} components, {} dependencies, {} calls",
            self.crates().len(),
            self.deps.len(),
            self.servlets.iter().map(|s| s.calls.len()).sum::<usize>()
        )
    }

    /// Smaller trees, each one step away: a component, an edge, a call, a label, a group
    /// entry or a group less. Labels and calls naming what was removed go with it, so each
    /// candidate is a valid repository.
    pub fn shrink(&self) -> Vec<Tree> {
        let mut candidates = Vec::new();
        for index in 0..self.servlets.len() {
            let name = self.servlets[index].name.clone();
            let mut tree = self.without_crates(|dir| {
                dir == format!("servlets/{name}") || dir == format!("servlets/{name}/api")
            });
            tree.servlets.remove(index);
            for servlet in &mut tree.servlets {
                servlet.calls.retain(|callee| *callee != name);
            }
            candidates.push(tree);
        }
        for index in 0..self.libraries.len() {
            let path = format!("libs/{}", self.libraries[index].path);
            let below = format!("{path}/");
            let mut tree = self.without_crates(|dir| dir == path || dir.starts_with(&below));
            tree.libraries.retain(|l| {
                format!("libs/{}", l.path) != path
                    && !format!("libs/{}", l.path).starts_with(&below)
            });
            candidates.push(tree);
        }
        for index in 0..self.servlets.len() {
            if self.servlets[index].api {
                let api = format!("servlets/{}/api", self.servlets[index].name);
                let mut tree = self.without_crates(|dir| dir == api);
                tree.servlets[index].api = false;
                candidates.push(tree);
            }
        }
        for index in 0..self.deps.len() {
            let mut tree = self.clone();
            tree.deps.remove(index);
            candidates.push(tree);
        }
        for index in 0..self.servlets.len() {
            for call in 0..self.servlets[index].calls.len() {
                let mut tree = self.clone();
                tree.servlets[index].calls.remove(call);
                candidates.push(tree);
            }
            for label in 0..self.servlets[index].visibility.len() {
                let mut tree = self.clone();
                tree.servlets[index].visibility.remove(label);
                candidates.push(tree);
            }
        }
        for index in 0..self.libraries.len() {
            for label in 0..self.libraries[index].visibility.len() {
                let mut tree = self.clone();
                tree.libraries[index].visibility.remove(label);
                candidates.push(tree);
            }
        }
        for index in 0..self.groups.len() {
            let group = format!("//:{}", self.groups[index].0);
            let mut tree = self.clone();
            tree.groups.remove(index);
            tree.remove_labels(|label| label == group);
            candidates.push(tree);
            for spec in 0..self.groups[index].1.len() {
                let mut tree = self.clone();
                tree.groups[index].1.remove(spec);
                candidates.push(tree);
            }
        }
        candidates
    }

    /// The tree without the crates `gone` accepts: their edges, and the labels that name them
    /// exactly (orrery's `manifest` rule wants exact labels to name components).
    fn without_crates(&self, gone: impl Fn(&str) -> bool) -> Tree {
        let mut tree = self.clone();
        tree.deps.retain(|(from, to)| !gone(from) && !gone(to));
        tree.remove_labels(|label| {
            let package = label.trim_start_matches("//").trim_end_matches(":__pkg__");
            !label.contains("...") && !label.contains("__subpackages__") && gone(package)
        });
        tree
    }

    fn remove_labels(&mut self, matches: impl Fn(&str) -> bool) {
        for servlet in &mut self.servlets {
            servlet.visibility.retain(|label| !matches(label));
        }
        for library in &mut self.libraries {
            library.visibility.retain(|label| !matches(label));
        }
    }
}

/// A crate's package name, unique in the tree: `servlets/s1/api` is `servlets_s1_api`.
fn package_name(dir: &str) -> String {
    dir.replace('/', "_")
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Is `api` the API crate of the servlet whose crate is `servlet`?
fn is_api_of(api: &str, servlet: &str) -> bool {
    api.strip_suffix("/api") == Some(servlet)
}

fn is_servlet_crate(dir: &str) -> bool {
    dir.starts_with("servlets/") && dir.split('/').count() == 2
}
