//! The shape of the repository: every component, its visibility, dependencies, `calls` and
//! RPCs, and the violations to inject. Rendering (manifests, protos, Rust) reads only this, so
//! [`crate::generate`] and [`crate::injected`] cannot disagree.

use crate::Spec;
use crate::labels::{Group, Label, Pattern, grants};
use crate::names::{
    DESCRIPTIONS, LIB_AREAS, LIB_WORDS, RPC_NOUNS, RPC_VERBS, SERVLET_WORDS, TEAMS, camel, snake,
};
use crate::rng::Rng;

pub struct Plan {
    pub seed: u64,
    pub lines: usize,
    pub groups: Vec<Group>,
    pub libs: Vec<Lib>,
    pub servlets: Vec<Servlet>,
    /// (rule, path) for every diagnostic the injected violations cause.
    pub injected: Vec<(&'static str, String)>,
}

/// What a dependency points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Lib(usize),
    /// A servlet's generated API crate, `servlets/<name>/api`.
    Api(usize),
    /// A servlet's own, private crate.
    Servlet(usize),
}

/// A Cargo.toml dependency on another component.
#[derive(Clone, Debug)]
pub struct Dep {
    pub target: Target,
    /// The table key; also the name code uses, unless `extern crate ... as` renames it.
    pub key: String,
    /// `package = "..."` when the key differs from the package name.
    pub package: Option<String>,
}

/// A dependency only an injected violation uses: one Cargo.toml entry and one reference in
/// `src/lib.rs`, so it causes exactly one diagnostic in each of the two files.
#[derive(Clone, Debug)]
pub struct Injected {
    pub rule: &'static str,
    pub dep: Dep,
}

pub struct Lib {
    pub name: String,
    pub dir: String,
    pub owner: String,
    pub description: &'static str,
    pub visibility: Vec<Label>,
    pub deps: Vec<Dep>,
    /// The dependency lib.rs names through `extern crate <key> as <key>_ext;`.
    pub extern_alias: Option<usize>,
    pub injected: Vec<Injected>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Servlet(usize),
    /// The external service of orrery.yaml, which gets no typed client.
    Service,
}

#[derive(Clone, Debug)]
pub struct Rpc {
    /// `GetInvoice`.
    pub name: String,
    /// `get_invoice`: the handler's name.
    pub snake: String,
    pub noun: &'static str,
    /// What it does, for doc comments: `archives`.
    pub phrase: &'static str,
    pub post: bool,
    pub path: String,
    /// Extra fields of the request after `string id = 1`, as (proto type, name).
    pub request_fields: Vec<(&'static str, &'static str)>,
    pub response_fields: Vec<(&'static str, &'static str)>,
}

pub struct Servlet {
    pub name: String,
    pub dir: String,
    pub owner: String,
    pub description: &'static str,
    pub tier: &'static str,
    /// `None`: no `visibility` key, so nobody may call it.
    pub visibility: Option<Vec<Label>>,
    pub calls: Vec<Call>,
    pub libs: Vec<Dep>,
    pub rpcs: Vec<Rpc>,
    /// Optional servlet.yaml lines (`scaling`, `resources`, `slo`, `timeout_ms`).
    pub extra_yaml: Vec<String>,
    pub injected: Vec<Injected>,
    /// Inject an unknown key into servlet.yaml (`manifest`).
    pub unknown_key: bool,
}

impl Servlet {
    pub fn camel(&self) -> String {
        camel(&self.name)
    }
}

/// Owners of the `owner` violation: not a team of orrery.yaml.
pub const UNKNOWN_TEAM: &str = "qa";

/// May `requester` (a component's directory) depend on `lib`?
fn lib_grants(groups: &[Group], lib: &Lib, requester: &str) -> bool {
    grants(&lib.visibility, &lib.dir, requester, groups)
}

/// May `requester` call `servlet`, or use its API crate?
fn servlet_grants(groups: &[Group], servlet: &Servlet, requester: &str) -> bool {
    servlet
        .visibility
        .as_ref()
        .is_some_and(|labels| grants(labels, &servlet.dir, requester, groups))
}

pub fn build(spec: &Spec) -> Plan {
    let mut rng = Rng::fork(spec.seed, 0);
    let mut libs = lib_skeletons(spec);
    let mut servlets = servlet_skeletons(spec);
    let groups = make_groups(&mut rng, &libs, &servlets);
    for (i, lib) in libs.iter_mut().enumerate() {
        let mut rng = Rng::fork(spec.seed, 1 << 32 | i as u64);
        lib.visibility = lib_visibility(&mut rng, lib, &groups);
    }
    let servlet_names: Vec<String> = servlets.iter().map(|s| s.name.clone()).collect();
    for (i, servlet) in servlets.iter_mut().enumerate() {
        let mut rng = Rng::fork(spec.seed, 2 << 32 | i as u64);
        servlet.visibility = servlet_visibility(&mut rng, i, &servlet_names, &groups);
    }

    // Violations that need particular visibility are chosen before any dependency, so the
    // clean dependencies respect it.
    let mut picks = Picks::default();
    if spec.violations && libs.len() >= 4 {
        let mut order: Vec<usize> = (0..libs.len()).collect();
        shuffle(&mut rng, &mut order);
        let (a, b) = (order[0].max(order[1]), order[0].min(order[1]));
        // `b` grants servlets only, so library `a` may not use it.
        libs[b].visibility = vec![Label::Packages(Pattern::Subtree("servlets".into()))];
        picks.visibility = Some((a, b));
        let (p, q) = (order[2].max(order[3]), order[2].min(order[3]));
        // Both public: the cycle must be the only problem with the pair.
        libs[p].visibility = vec![Label::Public { short: false }];
        libs[q].visibility = vec![Label::Public { short: false }];
        picks.cycle = Some((p, q));
    }

    for i in 0..libs.len() {
        let mut rng = Rng::fork(spec.seed, 3 << 32 | i as u64);
        let deps = lib_deps(&mut rng, i, &libs, &groups, &picks);
        libs[i].deps = deps;
        if !libs[i].deps.is_empty() && rng.chance(15) {
            libs[i].extern_alias = Some(rng.below(libs[i].deps.len()));
        }
    }
    for i in 0..servlets.len() {
        let mut rng = Rng::fork(spec.seed, 4 << 32 | i as u64);
        let (calls, deps) = servlet_deps(&mut rng, i, &servlets, &libs, &groups);
        servlets[i].calls = calls;
        servlets[i].libs = deps;
        servlets[i].rpcs = rpcs(&mut rng, &servlets[i].name);
        servlets[i].extra_yaml = extra_yaml(&mut rng);
    }

    let mut plan = Plan {
        seed: spec.seed,
        lines: spec.lines,
        groups,
        libs,
        servlets,
        injected: Vec::new(),
    };
    if spec.violations {
        inject(&mut plan, &mut rng, &picks);
    }
    plan.injected.sort();
    plan
}

#[derive(Default)]
struct Picks {
    /// (library, library that does not grant it)
    visibility: Option<(usize, usize)>,
    /// (p, q): p depends on q cleanly; q depends on p, closing the cycle.
    cycle: Option<(usize, usize)>,
}

fn shuffle(rng: &mut Rng, items: &mut [usize]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
}

fn lib_skeletons(spec: &Spec) -> Vec<Lib> {
    (0..spec.libs)
        .map(|i| {
            let mut rng = Rng::fork(spec.seed, 5 << 32 | i as u64);
            let name = format!("{}_{i:03}", rng.pick(LIB_WORDS));
            let area = rng.choose(LIB_AREAS);
            let dir = if area.is_empty() {
                format!("libs/{name}")
            } else {
                format!("libs/{area}/{name}")
            };
            let owner = match area {
                "web" => "web",
                "platform" => "platform",
                "data" if rng.chance(50) => "infra",
                _ => rng.choose(TEAMS),
            };
            Lib {
                name,
                dir,
                owner: owner.to_owned(),
                description: rng.choose(DESCRIPTIONS),
                visibility: Vec::new(),
                deps: Vec::new(),
                extern_alias: None,
                injected: Vec::new(),
            }
        })
        .collect()
}

fn servlet_skeletons(spec: &Spec) -> Vec<Servlet> {
    (0..spec.servlets)
        .map(|i| {
            let mut rng = Rng::fork(spec.seed, 6 << 32 | i as u64);
            let name = format!("{}_{i:04}", rng.pick(SERVLET_WORDS));
            Servlet {
                dir: format!("servlets/{name}"),
                name,
                owner: rng.choose(TEAMS).to_owned(),
                description: rng.choose(DESCRIPTIONS),
                tier: rng.choose(&["critical", "standard", "standard", "background"]),
                visibility: None,
                calls: Vec::new(),
                libs: Vec::new(),
                rpcs: Vec::new(),
                extra_yaml: Vec::new(),
                injected: Vec::new(),
                unknown_key: false,
            }
        })
        .collect()
}

/// 2–4 groups: `web` (every servlet but one, and the web libraries), `core_libs`, and
/// sometimes a team's servlets and an `internal` group excluding a subtree.
fn make_groups(rng: &mut Rng, libs: &[Lib], servlets: &[Servlet]) -> Vec<Group> {
    let subtree = |path: &str| Pattern::Subtree(path.to_owned());
    let mut web = vec![(false, subtree("servlets")), (false, subtree("libs/web"))];
    if !servlets.is_empty() {
        let excluded = &servlets[rng.below(servlets.len())];
        web.push((true, Pattern::Exact(excluded.dir.clone())));
    }
    let mut groups = vec![
        Group {
            name: "web".into(),
            entries: web,
        },
        Group {
            name: "core_libs".into(),
            entries: vec![
                (false, subtree("libs/platform")),
                (false, subtree("libs/data")),
            ],
        },
    ];
    if servlets.len() >= 3 && rng.chance(70) {
        let members = rng.range(2, 6.min(servlets.len()));
        let mut entries: Vec<(bool, Pattern)> = Vec::new();
        for _ in 0..members {
            let dir = &servlets[rng.below(servlets.len())].dir;
            let entry = (false, Pattern::Exact(dir.clone()));
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        groups.push(Group {
            name: "payments_team".into(),
            entries,
        });
    }
    if !libs.is_empty() && rng.chance(60) {
        groups.push(Group {
            name: "internal".into(),
            entries: vec![
                (false, subtree("servlets")),
                (false, subtree("libs")),
                (true, subtree("libs/web")),
            ],
        });
    }
    groups
}

fn has_group(groups: &[Group], name: &str) -> bool {
    groups.iter().any(|group| group.name == name)
}

fn lib_visibility(rng: &mut Rng, lib: &Lib, groups: &[Group]) -> Vec<Label> {
    let public = |short| vec![Label::Public { short }];
    let group = |name: &str| Label::Group(name.to_owned());
    let subtree = |path: &str| Label::Packages(Pattern::Subtree(path.to_owned()));
    let area = lib.dir.split('/').nth(1).unwrap_or_default();
    let roll = rng.below(100);
    match area {
        "web" if roll < 80 => vec![group("web")],
        "web" => vec![group("web"), subtree("libs/web")],
        "platform" if roll < 50 => public(false),
        "platform" if roll < 80 => public(true),
        "platform" | "data" if roll < 90 => vec![group("core_libs"), subtree("servlets")],
        "data" => vec![subtree("servlets"), subtree("libs/data")],
        _ if roll < 35 => public(roll < 15),
        _ if roll < 65 => vec![subtree("servlets"), subtree("libs")],
        _ if roll < 80 && has_group(groups, "internal") => vec![group("internal")],
        _ => vec![subtree("libs"), group("web")],
    }
}

fn servlet_visibility(
    rng: &mut Rng,
    index: usize,
    names: &[String],
    groups: &[Group],
) -> Option<Vec<Label>> {
    let servlet = |name: &String| Label::Packages(Pattern::Exact(format!("servlets/{name}")));
    let roll = rng.below(100);
    let later = index + 1..names.len();
    Some(match roll {
        0..35 => vec![Label::Packages(Pattern::Subtree("servlets".into()))],
        35..55 => {
            let mut labels = vec![Label::Group("web".into())];
            if !names.is_empty() && rng.chance(40) {
                labels.push(servlet(rng.pick(names)));
            }
            labels
        }
        55..65 => vec![Label::Public { short: roll < 60 }],
        65..80 if !later.is_empty() => {
            // Named callers: only later servlets can call this one.
            let mut labels: Vec<Label> = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let label = servlet(&names[later.start + rng.below(later.len())]);
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
            labels
        }
        80..90 if has_group(groups, "payments_team") => {
            vec![
                Label::Group("payments_team".into()),
                Label::Packages(Pattern::Subtree("servlets".into())),
            ]
        }
        90..95 => vec![Label::Private],
        95..100 => return None,
        _ => vec![Label::Packages(Pattern::Subtree("servlets".into()))],
    })
}

/// Up to `count` distinct picks from `0..bound` that `accept`s, by bounded random probing.
fn probe(
    rng: &mut Rng,
    bound: usize,
    count: usize,
    mut accept: impl FnMut(usize) -> bool,
) -> Vec<usize> {
    let mut chosen = Vec::new();
    if bound == 0 {
        return chosen;
    }
    for _ in 0..count * 8 {
        if chosen.len() == count {
            break;
        }
        let candidate = rng.below(bound);
        if !chosen.contains(&candidate) && accept(candidate) {
            chosen.push(candidate);
        }
    }
    chosen
}

fn lib_dep(rng: &mut Rng, target: usize, libs: &[Lib], taken: &[String]) -> Dep {
    let lib = &libs[target];
    // Now and then renamed with `package =`: code then uses the key.
    let word = lib.name.rsplit_once('_').map_or("dep", |(word, _)| word);
    let renamed = format!("{word}_v{target}");
    if rng.chance(10) && !taken.contains(&renamed) {
        Dep {
            target: Target::Lib(target),
            key: renamed,
            package: Some(lib.name.clone()),
        }
    } else {
        Dep {
            target: Target::Lib(target),
            key: lib.name.clone(),
            package: None,
        }
    }
}

fn lib_deps(rng: &mut Rng, i: usize, libs: &[Lib], groups: &[Group], picks: &Picks) -> Vec<Dep> {
    let me = &libs[i];
    let count = rng.range(0, 3);
    // Libraries depend on earlier ones only, so their graph is acyclic.
    let mut targets = probe(rng, i, count, |j| lib_grants(groups, &libs[j], &me.dir));
    // The injected cycle's pair: `p` depends on `q` cleanly, `q` on `p` by injection.
    if let Some((p, q)) = picks.cycle
        && i == p
        && !targets.contains(&q)
    {
        targets.push(q);
    }
    let mut deps: Vec<Dep> = Vec::new();
    for target in targets {
        let taken: Vec<String> = deps.iter().map(|d| d.key.clone()).collect();
        deps.push(lib_dep(rng, target, libs, &taken));
    }
    deps
}

fn servlet_deps(
    rng: &mut Rng,
    i: usize,
    servlets: &[Servlet],
    libs: &[Lib],
    groups: &[Group],
) -> (Vec<Call>, Vec<Dep>) {
    let me = &servlets[i];
    let count = rng.range(1, 4);
    let targets = probe(rng, libs.len(), count, |j| {
        lib_grants(groups, &libs[j], &me.dir)
    });
    let mut deps: Vec<Dep> = Vec::new();
    for target in targets {
        let taken: Vec<String> = deps.iter().map(|d| d.key.clone()).collect();
        deps.push(lib_dep(rng, target, libs, &taken));
    }
    let count = rng.range(0, 3);
    let mut calls: Vec<Call> = probe(rng, i, count, |j| {
        servlet_grants(groups, &servlets[j], &me.dir)
    })
    .into_iter()
    .map(Call::Servlet)
    .collect();
    if rng.chance(10) {
        let at = rng.below(calls.len() + 1);
        calls.insert(at, Call::Service);
    }
    (calls, deps)
}

/// 2–5 unary RPCs, each bound to a path that holds the servlet's name, so no two servlets
/// share one.
fn rpcs(rng: &mut Rng, servlet: &str) -> Vec<Rpc> {
    let count = rng.range(2, 5);
    let mut rpcs: Vec<Rpc> = Vec::new();
    for _ in 0..count * 8 {
        if rpcs.len() == count {
            break;
        }
        let (verb, phrase, post) = rng.choose(RPC_VERBS);
        let noun = rng.choose(RPC_NOUNS);
        let name = format!("{verb}{noun}");
        if rpcs.iter().any(|rpc| rpc.name == name) {
            continue;
        }
        let collection = format!("{}s", snake(noun));
        let path = if verb == "Get" {
            format!("/v1/{servlet}/{collection}/{{id}}")
        } else {
            format!("/v1/{servlet}/{collection}/{{id}}:{}", verb.to_lowercase())
        };
        let mut request_fields = Vec::new();
        for field in [
            ("uint32", "page_size"),
            ("string", "page_token"),
            ("bool", "include_archived"),
            ("string", "locale"),
        ] {
            if rng.chance(40) {
                request_fields.push(field);
            }
        }
        let mut response_fields = Vec::new();
        for field in [
            ("string", "display_name"),
            ("uint64", "updated_at"),
            ("repeated string", "labels"),
            ("Summary", "summary"),
            ("repeated Item", "items"),
        ] {
            if rng.chance(45) {
                response_fields.push(field);
            }
        }
        rpcs.push(Rpc {
            snake: snake(&name),
            name,
            noun,
            phrase,
            post,
            path,
            request_fields,
            response_fields,
        });
    }
    rpcs
}

fn extra_yaml(rng: &mut Rng) -> Vec<String> {
    let mut lines = Vec::new();
    if rng.chance(40) {
        let min = rng.range(1, 4);
        let max = min * rng.range(3, 10);
        let headroom = rng.pick(&["0.3", "0.4", "0.5"]);
        lines.push(format!(
            "scaling: {{ min: {min}, max: {max}, headroom: {headroom} }}"
        ));
    }
    if rng.chance(30) {
        let (cpu, memory) = rng.choose(&[("250m", "256Mi"), ("500m", "512Mi"), ("1000m", "1Gi")]);
        lines.push(format!("resources: {{ cpu: {cpu}, memory: {memory} }}"));
    }
    if rng.chance(50) {
        let availability = rng.pick(&["99.0", "99.5", "99.9", "99.95"]);
        let latency = rng.range(2, 40) * 25;
        lines.push(format!(
            "slo: {{ availability: {availability}, latency_p99_ms: {latency} }}"
        ));
    }
    if rng.chance(15) {
        lines.push(format!("timeout_ms: {}", rng.range(1, 30) * 1000));
    }
    lines
}

/// The component index space of [`reaches`]: libraries first, then servlets.
fn successors(plan: &Plan, node: usize) -> Vec<usize> {
    let libs = plan.libs.len();
    let target = |dep: &Dep| match dep.target {
        Target::Lib(j) => Some(j),
        Target::Servlet(j) => Some(libs + j),
        // An API crate depends on nothing before `orrery gen`, and on no component after.
        Target::Api(_) => None,
    };
    if node < libs {
        let lib = &plan.libs[node];
        lib.deps
            .iter()
            .chain(lib.injected.iter().map(|i| &i.dep))
            .filter_map(target)
            .collect()
    } else {
        let servlet = &plan.servlets[node - libs];
        let calls = servlet.calls.iter().filter_map(|call| match call {
            Call::Servlet(j) => Some(libs + j),
            Call::Service => None,
        });
        servlet
            .libs
            .iter()
            .chain(servlet.injected.iter().map(|i| &i.dep))
            .filter_map(target)
            .chain(calls)
            .collect()
    }
}

fn reaches(plan: &Plan, from: usize, to: usize) -> bool {
    let mut seen = vec![false; plan.libs.len() + plan.servlets.len()];
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if !std::mem::replace(&mut seen[node], true) {
            stack.extend(successors(plan, node));
        }
    }
    false
}

/// Injects one violation of each rule that the sizes allow, recording where each diagnostic
/// will point.
fn inject(plan: &mut Plan, rng: &mut Rng, picks: &Picks) {
    let lib_count = plan.libs.len();
    let servlet_count = plan.servlets.len();
    let record = |plan: &mut Plan, rule: &'static str, path: String| {
        plan.injected.push((rule, path));
    };

    if let Some((a, b)) = picks.visibility {
        let key = plan.libs[b].name.clone();
        plan.libs[a].injected.push(Injected {
            rule: "visibility",
            dep: Dep {
                target: Target::Lib(b),
                key,
                package: None,
            },
        });
        let dir = plan.libs[a].dir.clone();
        record(plan, "visibility", format!("{dir}/Cargo.toml"));
        record(plan, "visibility", format!("{dir}/src/lib.rs"));
    }

    if servlet_count >= 2 {
        // A servlet using the API of an earlier one that grants it, without `calls`.
        let start = rng.below(servlet_count);
        let found = (0..servlet_count)
            .map(|k| (start + k) % servlet_count)
            .find_map(|u| {
                let me = &plan.servlets[u];
                (0..u)
                    .find(|&t| {
                        servlet_grants(&plan.groups, &plan.servlets[t], &me.dir)
                            && !me.calls.contains(&Call::Servlet(t))
                    })
                    .map(|t| (u, t))
            });
        if let Some((u, t)) = found {
            let key = format!("{}_api", plan.servlets[t].name);
            plan.servlets[u].injected.push(Injected {
                rule: "undeclared-call",
                dep: Dep {
                    target: Target::Api(t),
                    key,
                    package: None,
                },
            });
            let dir = plan.servlets[u].dir.clone();
            record(plan, "undeclared-call", format!("{dir}/Cargo.toml"));
            record(plan, "undeclared-call", format!("{dir}/src/lib.rs"));
        }
    }

    if servlet_count >= 1 && lib_count >= 1 {
        // A library linking a servlet's own crate; the servlet must not reach the library,
        // or the edge would close a cycle too.
        // Not one of the cycle's pair: its diagnostic must stay the cycle's only one.
        let in_cycle = |l: usize| picks.cycle.is_some_and(|(p, q)| l == p || l == q);
        let (first_servlet, first_lib) = (rng.below(servlet_count), rng.below(lib_count));
        let found = (0..servlet_count)
            .map(|k| (first_servlet + k) % servlet_count)
            .find_map(|s| {
                (0..lib_count)
                    .map(|k| (first_lib + k) % lib_count)
                    .find(|&l| !in_cycle(l) && !reaches(plan, lib_count + s, l))
                    .map(|l| (l, s))
            });
        if let Some((l, s)) = found {
            let key = plan.servlets[s].name.clone();
            plan.libs[l].injected.push(Injected {
                rule: "private-servlet",
                dep: Dep {
                    target: Target::Servlet(s),
                    key,
                    package: None,
                },
            });
            let dir = plan.libs[l].dir.clone();
            record(plan, "private-servlet", format!("{dir}/Cargo.toml"));
            record(plan, "private-servlet", format!("{dir}/src/lib.rs"));
        }
    }

    if let Some((p, q)) = picks.cycle {
        let key = plan.libs[p].name.clone();
        plan.libs[q].injected.push(Injected {
            rule: "cycle",
            dep: Dep {
                target: Target::Lib(p),
                key,
                package: None,
            },
        });
        // Reported once, at the first edge of the cycle from the component that sorts first.
        let first = plan.libs[p].dir.clone().min(plan.libs[q].dir.clone());
        record(plan, "cycle", format!("{first}/Cargo.toml"));
    }

    if servlet_count >= 1 {
        let m = rng.below(servlet_count);
        plan.servlets[m].unknown_key = true;
        let dir = plan.servlets[m].dir.clone();
        record(plan, "manifest", format!("{dir}/servlet.yaml"));
    }

    if lib_count >= 1 {
        let o = rng.below(lib_count);
        plan.libs[o].owner = UNKNOWN_TEAM.to_owned();
        let dir = plan.libs[o].dir.clone();
        record(plan, "owner", format!("{dir}/library.yaml"));
    }

    if servlet_count >= 2 {
        // The servlet that sorts later rebinds the first route of the one that sorts earlier;
        // orrery reports the second binding it meets.
        let one = rng.below(servlet_count);
        let other = (one + 1 + rng.below(servlet_count - 1)) % servlet_count;
        let (x, y) = if plan.servlets[one].dir > plan.servlets[other].dir {
            (one, other)
        } else {
            (other, one)
        };
        let (post, path) = {
            let taken = &plan.servlets[y].rpcs[0];
            (taken.post, taken.path.clone())
        };
        if let Some(rpc) = plan.servlets[x].rpcs.last_mut() {
            rpc.post = post;
            rpc.path = path;
        }
        let servlet = &plan.servlets[x];
        let path = format!("{}/proto/{}.proto", servlet.dir, servlet.name);
        record(plan, "route-conflict", path);
    }
}
