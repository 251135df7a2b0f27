//! Top-level Rust items, one template each, filled with names from the component and its
//! dependencies. Together they cover what orrery's extractor must read (use trees, qualified
//! paths in expressions, types, patterns, trait impls and macro calls, `extern crate` renames)
//! and what it must not (crate names inside strings, raw and byte strings, nested block
//! comments, doc comments, char literals such as `'"'`, lifetimes and loop labels).

use super::template::fill;
use crate::names::{ADJECTIVES, FIELDS, NOUNS, snake};
use crate::rng::Rng;

/// A library dependency as code names it.
#[derive(Clone, Debug)]
pub struct LibRef {
    /// The name in code: the Cargo key, or an `extern crate` alias.
    pub code: String,
    /// The library's camel-case name, prefix of its exported types: `Codec004`.
    pub camel: String,
    /// Its exported logging macro, `codec_004_trace`.
    pub trace: String,
}

/// A callee's API crate as a servlet's code names it.
#[derive(Clone, Debug)]
pub struct ApiRef {
    /// The callee servlet, also the state's field holding its client.
    pub callee: String,
    /// `billing_0001_api`.
    pub code: String,
    /// `Billing0001Client`.
    pub client: String,
    /// (handler name, request type, response type) of each of its RPCs.
    pub rpcs: Vec<(String, String, String)>,
}

/// What one file's generator knows about its crate.
pub struct Gen<'a> {
    pub rng: Rng,
    pub module: &'a str,
    pub libs: &'a [LibRef],
    pub apis: &'a [ApiRef],
    /// Other crates of the repository, for text that only mentions them.
    pub decoys: &'a [String],
    /// Names already defined in this file.
    taken: Vec<String>,
    /// Assertions for the file's test module, about functions defined above it.
    pub checks: Vec<String>,
    traps: bool,
}

impl<'a> Gen<'a> {
    pub fn new(
        rng: Rng,
        module: &'a str,
        libs: &'a [LibRef],
        apis: &'a [ApiRef],
        decoys: &'a [String],
    ) -> Gen<'a> {
        Gen {
            rng,
            module,
            libs,
            apis,
            decoys,
            taken: Vec::new(),
            checks: Vec::new(),
            traps: false,
        }
    }

    /// A name not yet defined in this file: `base`, else `base2`, `base3`...
    fn fresh(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.push(name.clone());
        name
    }

    fn type_name(&mut self, suffix: &str) -> String {
        let base = format!(
            "{}{}{suffix}",
            self.rng.pick(ADJECTIVES),
            self.rng.pick(NOUNS)
        );
        self.fresh(base)
    }

    fn noun(&mut self) -> String {
        snake(self.rng.choose(NOUNS)).replace('_', " ")
    }

    fn fn_name(&mut self, verb: &str, noun: &str) -> String {
        self.fresh(format!("{verb}_{}", noun.replace(' ', "_")))
    }

    fn decoy(&mut self) -> &'a str {
        if self.decoys.is_empty() {
            "other_crate"
        } else {
            self.rng.pick(self.decoys).as_str()
        }
    }

    /// Appends one item, chosen at random among those this file can use.
    pub fn item(&mut self, out: &mut String) {
        let libs = if self.libs.is_empty() { 0 } else { 14 };
        let apis = if self.apis.is_empty() { 0 } else { 8 };
        let traps = if self.traps { 0 } else { 6 };
        let weights = [
            ("struct", 14),
            ("enum", 8),
            ("trait", 5),
            ("iter", 16),
            ("lib", libs),
            ("lib_impl", libs / 3),
            ("api", apis),
            ("traps", traps),
            ("consts", 6),
            ("macro", 5),
            ("error", 5),
            ("scan", 4),
            ("retry", 4),
        ];
        let total: u64 = weights.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.next_u64() % total;
        let kind = weights
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map_or("struct", |(kind, _)| *kind);
        out.push('\n');
        match kind {
            "struct" => self.record_struct(out),
            "enum" => self.state_enum(out),
            "trait" => self.trait_generic(out),
            "iter" => self.iterator_fn(out),
            "lib" => {
                let lib = self.rng.pick(self.libs).clone();
                self.lib_qualified(out, &lib);
            }
            "lib_impl" => {
                let lib = self.rng.pick(self.libs).clone();
                self.lib_source_impl(out, &lib);
            }
            "api" => self.api_call(out),
            "traps" => self.lexer_traps(out),
            "consts" => self.limits_table(out),
            "macro" => self.local_macro(out),
            "error" => self.error_type(out),
            "scan" => self.scan_fn(out),
            _ => self.retry_fn(out),
        }
    }

    pub fn record_struct(&mut self, out: &mut String) {
        let adjective = self.rng.choose(ADJECTIVES);
        let kind = self.rng.choose(NOUNS);
        let ty = self.fresh(format!("{adjective}{kind}"));
        let noun = format!("{} {}", adjective.to_lowercase(), kind.to_lowercase());
        let mut fields = String::new();
        let mut used: Vec<&str> = Vec::new();
        for _ in 0..self.rng.range(1, 4) {
            let dependency = !self.libs.is_empty() && self.rng.chance(12);
            let field = if dependency {
                "config"
            } else {
                self.rng.choose(FIELDS)
            };
            if used.contains(&field) {
                continue;
            }
            used.push(field);
            let ty = match self.rng.below(7) {
                _ if dependency => {
                    let lib = self.rng.pick(self.libs);
                    format!("{}::{}Config", lib.code, lib.camel)
                }
                0 => "u64".to_owned(),
                1 => "u32".to_owned(),
                2 => "Option<u64>".to_owned(),
                3 => "Vec<String>".to_owned(),
                4 => "BTreeMap<String, u64>".to_owned(),
                5 => "bool".to_owned(),
                _ => "Option<String>".to_owned(),
            };
            let words = field.replace('_', " ");
            fields.push_str(&format!(
                "    /// The {words} of this {noun}, as the last writer left it.\n    pub {field}: {ty},\n"
            ));
        }
        fill(
            out,
            r#"/// One @noun@ as the `@module@` module keeps it between requests.
///
/// Built with [`@T@::new`]; the fields are public so that tests can build one by hand.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct @T@ {
    /// What callers and logs call this @noun@.
    pub name: String,
    /// Raw entries, oldest first; trimmed by [`@T@::compact`].
    pub entries: Vec<String>,
@fields@}

impl @T@ {
    pub fn new(name: impl Into<String>) -> @T@ {
        @T@ {
            name: name.into(),
            ..Default::default()
        }
    }

    /// True when the @noun@ holds nothing worth keeping.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|entry| entry.trim().is_empty())
    }

    /// Drops blank and repeated entries, keeping the first occurrence of each.
    pub fn compact(&mut self) -> usize {
        let before = self.entries.len();
        let mut seen = std::collections::BTreeSet::new();
        self.entries
            .retain(|entry| !entry.trim().is_empty() && seen.insert(entry.clone()));
        before - self.entries.len()
    }

    pub fn summary(&self) -> String {
        let bytes: usize = self.entries.iter().map(String::len).sum();
        format!("{} ({} entries, {bytes} bytes)", self.name, self.entries.len())
    }
}
"#,
            &[
                ("T", &ty),
                ("noun", &noun),
                ("module", self.module),
                ("fields", &fields),
            ],
        );
        self.checks.push(format!(
            "let mut value = {ty}::new(\"x\");\n        value.entries = vec![\"a\".into(), \"a\".into(), \" \".into()];\n        assert_eq!(value.compact(), 2);"
        ));
    }

    pub fn state_enum(&mut self, out: &mut String) {
        let ty = self.type_name("State");
        let noun = self.noun();
        fill(
            out,
            r#"/// What happened to a @noun@ after the last `@module@` pass.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum @E@ {
    /// Seen in this pass and unchanged.
    Fresh,
    /// Not seen for a while, in the region that last reported it.
    Stale { age_secs: u64, region: String },
    /// Removed to make room; how many times before.
    Evicted(u32),
    /// Waiting for its first write.
    Pending,
    /// Failed, and kept for inspection.
    Failed { code: u16, reason: String },
}

impl @E@ {
    pub fn label(&self) -> &'static str {
        match self {
            @E@::Fresh => "fresh",
            @E@::Stale { age_secs, .. } if *age_secs > 86_400 => "stale-for-days",
            @E@::Stale { .. } => "stale",
            @E@::Evicted(0) => "evicted-once",
            @E@::Evicted(count) if count % 2 == 0 => "evicted-even",
            @E@::Evicted(_) => "evicted",
            @E@::Pending => "pending",
            @E@::Failed { code: 500..=599, .. } => "failed-server",
            @E@::Failed { .. } => "failed",
        }
    }

    /// How much a @noun@ in this state weighs when `@module@` picks what to drop.
    pub fn weight(&self) -> u32 {
        match self {
            @E@::Fresh | @E@::Pending => 0,
            @E@::Stale { age_secs, .. } => (*age_secs / 60).min(u64::from(u32::MAX)) as u32,
            @E@::Evicted(count) => 10 + count.saturating_mul(3),
            @E@::Failed { code, reason } => u32::from(*code) + reason.len() as u32,
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, @E@::Evicted(_) | @E@::Failed { .. })
    }
}

impl fmt::Display for @E@ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            @E@::Failed { code, reason } => write!(f, "{} ({code}: {reason})", self.label()),
            other => f.write_str(other.label()),
        }
    }
}
"#,
            &[("E", &ty), ("noun", &noun), ("module", self.module)],
        );
        self.checks.push(format!(
            "assert_eq!({ty}::Evicted(0).label(), \"evicted-once\");\n        assert!({ty}::Failed {{ code: 503, reason: String::new() }}.is_terminal());"
        ));
    }

    pub fn trait_generic(&mut self, out: &mut String) {
        let tr = self.type_name("Mapper");
        let holder = self.type_name("Set");
        let noun = self.noun();
        fill(
            out,
            r#"/// Something that turns borrowed @noun@ keys into owned values.
pub trait @Tr@<'a> {
    type Output: Clone + fmt::Debug;

    fn apply(&self, input: &'a [String]) -> Vec<Self::Output>;

    fn apply_one(&self, input: &'a String) -> Option<Self::Output> {
        self.apply(std::slice::from_ref(input)).into_iter().next()
    }
}

/// At most `N` distinct items, in insertion order.
#[derive(Clone, Debug)]
pub struct @G@<T, const N: usize> {
    items: Vec<T>,
}

impl<T, const N: usize> @G@<T, N>
where
    T: Clone + fmt::Debug + PartialEq,
{
    pub fn new() -> Self {
        Self { items: Vec::with_capacity(N) }
    }

    /// False when the set is full or already holds `item`.
    pub fn push(&mut self, item: T) -> bool {
        if self.items.len() >= N || self.items.contains(&item) {
            return false;
        }
        self.items.push(item);
        true
    }

    pub fn drain_sorted_by<K: Ord>(&mut self, key: impl Fn(&T) -> K) -> Vec<T> {
        let mut items = std::mem::take(&mut self.items);
        items.sort_by_key(|item| key(item));
        items
    }
}

impl<'a, T> @Tr@<'a> for @G@<T, 8>
where
    T: Clone + fmt::Debug + PartialEq + From<&'a str>,
{
    type Output = T;

    fn apply(&self, input: &'a [String]) -> Vec<T> {
        input
            .iter()
            .map(|key| T::from(key.as_str()))
            .filter(|item| !self.items.contains(item))
            .collect()
    }
}
"#,
            &[("Tr", &tr), ("G", &holder), ("noun", &noun)],
        );
        self.checks.push(format!(
            "let mut set: {holder}<u32, 2> = {holder}::new();\n        assert!(set.push(1) && set.push(2) && !set.push(3));"
        ));
    }

    pub fn iterator_fn(&mut self, out: &mut String) {
        let noun = self.noun();
        match self.rng.below(5) {
            0 => {
                let f = self.fn_name("group", &format!("{noun}s_by_initial"));
                fill(
                    out,
                    r#"/// Groups @noun@s by their first letter and keeps the `keep` heaviest of each group.
pub fn @f@(entries: &[(String, u64)], keep: usize) -> BTreeMap<char, Vec<(String, u64)>> {
    let mut groups: BTreeMap<char, Vec<(String, u64)>> = BTreeMap::new();
    for (name, weight) in entries.iter().filter(|(name, _)| !name.is_empty()) {
        let initial = name.chars().next().unwrap_or('_').to_ascii_lowercase();
        groups.entry(initial).or_default().push((name.clone(), *weight));
    }
    for group in groups.values_mut() {
        group.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        group.truncate(keep);
    }
    groups
}
"#,
                    &[("f", &f), ("noun", &noun)],
                );
                self.checks.push(format!(
                    "let groups = {f}(&[(\"ab\".into(), 1), (\"ac\".into(), 2)], 1);\n        assert_eq!(groups[&'a'], vec![(\"ac\".to_owned(), 2)]);"
                ));
            }
            1 => {
                let f = self.fn_name("moving_average_of", &noun);
                fill(
                    out,
                    r#"/// Moving averages of @noun@ samples over windows of `width`, for the `@module@` dashboards.
pub fn @f@(samples: &[f64], width: usize) -> Vec<f64> {
    if width == 0 || samples.len() < width {
        return Vec::new();
    }
    samples
        .windows(width)
        .map(|window| window.iter().sum::<f64>() / width as f64)
        .collect()
}
"#,
                    &[("f", &f), ("noun", &noun), ("module", self.module)],
                );
                self.checks.push(format!(
                    "assert_eq!({f}(&[1.0, 2.0, 3.0], 2), vec![1.5, 2.5]);"
                ));
            }
            2 => {
                let f = self.fn_name("merge", &format!("{noun}_ids"));
                fill(
                    out,
                    r#"/// Merges two sorted lists of @noun@ ids, dropping duplicates.
pub fn @f@(left: &[u64], right: &[u64]) -> Vec<u64> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    loop {
        let next = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) if a <= b => l.next(),
            (Some(_), Some(_)) => r.next(),
            (Some(_), None) => l.next(),
            (None, Some(_)) => r.next(),
            (None, None) => break,
        };
        if let Some(&value) = next {
            if merged.last() != Some(&value) {
                merged.push(value);
            }
        }
    }
    merged
}
"#,
                    &[("f", &f), ("noun", &noun)],
                );
                self.checks.push(format!(
                    "assert_eq!({f}(&[1, 3, 5], &[2, 3]), vec![1, 2, 3, 5]);"
                ));
            }
            3 => {
                let f = self.fn_name("top_words_in", &format!("{noun}s"));
                fill(
                    out,
                    r#"/// The `k` most frequent words across the @noun@ texts, ties broken alphabetically.
pub fn @f@<'t>(texts: impl IntoIterator<Item = &'t str>, k: usize) -> Vec<(&'t str, usize)> {
    let mut counts: HashMap<&'t str, usize> = HashMap::new();
    for word in texts.into_iter().flat_map(str::split_whitespace) {
        *counts.entry(word).or_insert(0) += 1;
    }
    let mut ranked: Vec<(&'t str, usize)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|(a, x), (b, y)| y.cmp(x).then(a.cmp(b)));
    ranked.truncate(k);
    ranked
}
"#,
                    &[("f", &f), ("noun", &noun)],
                );
                self.checks.push(format!(
                    "assert_eq!({f}([\"b a\", \"a\"], 1), vec![(\"a\", 2)]);"
                ));
            }
            _ => {
                let f = self.fn_name("first_over_budget", &noun);
                fill(
                    out,
                    r#"/// Pairs each @noun@ with its weight and returns where the running total first passes
/// `budget`, with the name found there.
pub fn @f@(names: &[String], weights: &[u64], budget: u64) -> Option<(usize, String)> {
    let mut running = 0u64;
    names
        .iter()
        .zip(weights.iter().copied())
        .enumerate()
        .find_map(|(index, (name, weight))| {
            running = running.saturating_add(weight);
            (running > budget).then(|| (index, name.clone()))
        })
}
"#,
                    &[("f", &f), ("noun", &noun)],
                );
                self.checks.push(format!(
                    "assert_eq!({f}(&[\"a\".into(), \"b\".into()], &[1, 5], 3), Some((1, \"b\".to_owned())));"
                ));
            }
        }
    }

    /// A dependency used through fully qualified paths: in types, expressions, patterns and a
    /// macro call.
    pub fn lib_qualified(&mut self, out: &mut String, lib: &LibRef) {
        let noun = self.noun();
        let f = self.fn_name("load", &format!("{noun}_settings"));
        fill(
            out,
            r#"/// Loads the @noun@ settings through `@code@`, refusing disabled ones.
pub fn @f@(raw: &str) -> Result<@code@::@C@Config, @code@::@C@Error> {
    let normalized = @code@::util::normalize(raw);
    let digest = @code@::util::checksum(normalized.as_bytes());
    @code@::@trace@!("loading {} bytes of settings, digest {:016x}", normalized.len(), digest);
    match @code@::@C@Config::parse(&normalized) {
        Ok(config) if config.is_enabled() => Ok(config),
        Ok(config) => Err(@code@::@C@Error::Invalid {
            reason: format!("`{}` is disabled", config.name),
        }),
        Err(@code@::@C@Error::NotFound(key)) => {
            Err(@code@::@C@Error::NotFound(format!("{key} (via {})", @code@::version())))
        }
        Err(other) => Err(other),
    }
}
"#,
            &[
                ("f", &f),
                ("noun", &noun),
                ("code", &lib.code),
                ("C", &lib.camel),
                ("trace", &lib.trace),
            ],
        );
    }

    /// A dependency imported by a `use` tree at the top of the file, then named unqualified.
    pub fn lib_imported(&mut self, out: &mut String, lib: &LibRef) {
        let noun = self.noun();
        let f = self.fn_name("rank", &format!("{noun}_records"));
        out.push('\n');
        fill(
            out,
            r#"/// Turns the `@module@` module's @noun@s into `@code@` records, heaviest first.
pub fn @f@(items: &[(String, u64)], config: &@C@Config) -> Result<Vec<@C@Record>, @C@Error> {
    if !config.is_enabled() {
        return Err(@C@Error::Unavailable);
    }
    let cap = config.limit("max_records").unwrap_or(64) as usize;
    let mut records: Vec<@C@Record> = items
        .iter()
        .filter(|(key, _)| !key.is_empty())
        .map(|(key, weight)| @C@Record {
            key: key.clone(),
            weight: *weight,
            labels: vec![config.name.clone()],
        })
        .collect();
    records.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.key.cmp(&b.key)));
    records.truncate(cap);
    Ok(records)
}
"#,
            &[
                ("f", &f),
                ("noun", &noun),
                ("module", self.module),
                ("code", &lib.code),
                ("C", &lib.camel),
            ],
        );
    }

    /// A dependency's trait implemented for a local type: a path in `impl ... for`.
    pub fn lib_source_impl(&mut self, out: &mut String, lib: &LibRef) {
        let ty = self.type_name("Source");
        fill(
            out,
            r#"/// An in-memory `@code@` source, for the `@module@` module's tests and warm-up.
#[derive(Clone, Debug, Default)]
pub struct @T@ {
    records: BTreeMap<String, u64>,
}

impl @code@::@C@Source for @T@ {
    fn fetch(&self, key: &str) -> Option<@code@::model::Record> {
        let weight = *self.records.get(key)?;
        let mut record = @code@::model::Record::new(key);
        record.weight = weight;
        Some(record)
    }
}

impl<S: AsRef<str>> FromIterator<(S, u64)> for @T@ {
    fn from_iter<I: IntoIterator<Item = (S, u64)>>(iter: I) -> Self {
        let records = iter
            .into_iter()
            .map(|(key, weight)| (key.as_ref().to_owned(), weight))
            .collect();
        @T@ { records }
    }
}
"#,
            &[
                ("T", &ty),
                ("code", &lib.code),
                ("C", &lib.camel),
                ("module", self.module),
            ],
        );
    }

    /// A call through a callee's typed client.
    pub fn api_call(&mut self, out: &mut String) {
        let api = self.rng.pick(self.apis);
        let (rpc, request, response) = self.rng.pick(&api.rpcs).clone();
        let f = self.fn_name("fetch", &format!("{}_{rpc}", api.callee));
        let ms = (self.rng.range(1, 20) * 50).to_string();
        fill(
            out,
            r#"/// Asks `@callee@` for the record behind `id`, with a deadline of its own.
pub async fn @f@(client: &@api@::@Client@, id: &str) -> Result<@api@::@Resp@, @api@::Status> {
    if id.is_empty() {
        return Err(@api@::Status::invalid_argument("`id` must not be empty"));
    }
    let request = @api@::@Req@ {
        id: id.to_owned(),
        ..Default::default()
    };
    let client = client.clone().with_timeout(std::time::Duration::from_millis(@ms@));
    client.@rpc@(request).await
}
"#,
            &[
                ("f", &f),
                ("callee", &api.callee),
                ("api", &api.code),
                ("Client", &api.client),
                ("Req", &request),
                ("Resp", &response),
                ("rpc", &rpc),
                ("ms", &ms),
            ],
        );
    }

    /// Text that names other crates without depending on them. None of it is an import.
    pub fn lexer_traps(&mut self, out: &mut String) {
        self.traps = true;
        let (a, b, c) = (self.decoy(), self.decoy(), self.decoy());
        let module = self.fresh(format!("{}_fixtures", self.module));
        fill(
            out,
            r###"/// Text fixtures of the `@module@` module. Mentions of other crates here, such as
/// [`@a@::Client`] or `use @b@::prelude::*;`, are documentation only.
pub mod @m@ {
    //! Inner doc: `@c@::init()` is never called from here.

    /* A block comment /* with a nested one naming @a@::Thing */ that still
       goes on here: extern crate @b@; */

    pub const IMPORT_TEXT: &str = "use @a@::{Config, util::normalize};";
    pub const RAW_TEXT: &str = r#"extern crate @b@ as other; other::run("x")"#;
    pub const DEEPER_RAW: &str = r##"a "# inside: @c@::deep::path()"##;
    pub const BYTES: &[u8] = b"@a@::wire::Frame";
    pub const RAW_BYTES: &[u8] = br#"@b@::bytes "quoted""#;
    pub const QUOTE: char = '"';
    pub const APOSTROPHE: char = '\'';
    pub const BACKSLASH: u8 = b'\\';
    pub const ESCAPED: &str = "a \"quoted\" @c@::name, a \\ backslash and a \' quote";
    pub const MULTILINE: &str = "first line names @a@::one,
        the second @b@::two";

    /// The longer of two borrowed strings; `'a` is a lifetime, not a char literal.
    pub fn longest<'a>(left: &'a str, right: &'a str) -> &'a str {
        if left.len() >= right.len() { left } else { right }
    }

    /// Where the first quote of either kind is.
    pub fn first_quote(text: &str) -> Option<usize> {
        text.char_indices()
            .find(|&(_, c)| c == '"' || c == '\'')
            .map(|(index, _)| index)
    }

    // A line comment: @c@::not_a_path(); and a closing */ that closes nothing.
}
"###,
            &[
                ("module", self.module),
                ("m", &module),
                ("a", a),
                ("b", b),
                ("c", c),
            ],
        );
        self.checks.push(format!(
            "assert_eq!({module}::first_quote(\"ab'c\"), Some(2));\n        assert_eq!({module}::longest(\"ab\", \"c\"), \"ab\");"
        ));
    }

    pub fn limits_table(&mut self, out: &mut String) {
        let noun = self.noun();
        let table = self.fresh(format!("{}_LIMITS", noun.replace(' ', "_").to_uppercase()));
        let f = self.fn_name("limit_for", &noun);
        let numbers: Vec<String> = (0..5)
            .map(|_| (self.rng.range(1, 400) * 25).to_string())
            .collect();
        fill(
            out,
            r#"/// Per-region @noun@ limits of the `@module@` module, in requests per second; the `*`
/// row is the default for regions not listed.
const @K@: &[(&str, u32, bool)] = &[
    ("us-east-1", @n0@, true),
    ("us-west-2", @n1@, true),
    ("eu-west-1", @n2@, false),
    ("ap-south-1", @n3@, false),
    ("*", @n4@, true),
];

/// The limit for `region`, falling back to the `*` row.
pub fn @f@(region: &str) -> u32 {
    @K@.iter()
        .find(|(name, _, _)| *name == region)
        .or_else(|| @K@.iter().find(|(name, _, _)| *name == "*"))
        .map(|(_, limit, _)| *limit)
        .unwrap_or(0)
}
"#,
            &[
                ("K", &table),
                ("f", &f),
                ("noun", &noun),
                ("module", self.module),
                ("n0", &numbers[0]),
                ("n1", &numbers[1]),
                ("n2", &numbers[2]),
                ("n3", &numbers[3]),
                ("n4", &numbers[4]),
            ],
        );
        self.checks
            .push(format!("assert_eq!({f}(\"nowhere\"), {});", numbers[4]));
    }

    pub fn local_macro(&mut self, out: &mut String) {
        let noun = self.noun();
        let m = self.fresh(format!("ensure_{}", noun.replace(' ', "_")));
        let f = self.fn_name("mean", &format!("{noun}_value"));
        fill(
            out,
            r#"/// Returns early with a formatted error when a check of the `@module@` module fails.
macro_rules! @m@ {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// The mean of `values`, refusing empty input and totals that would overflow later sums.
pub fn @f@(values: &[u64]) -> Result<u64, String> {
    @m@!(!values.is_empty(), "no @noun@ values to average");
    let total: u64 = values.iter().copied().fold(0, u64::saturating_add);
    @m@!(total < 1 << 48, "total {} is too large for a @noun@", total);
    Ok(total / values.len() as u64)
}
"#,
            &[
                ("m", &m),
                ("f", &f),
                ("noun", &noun),
                ("module", self.module),
            ],
        );
        self.checks.push(format!(
            "assert!({f}(&[]).is_err());\n        assert_eq!({f}(&[2, 4]), Ok(3));"
        ));
    }

    pub fn error_type(&mut self, out: &mut String) {
        let ty = self.type_name("Error");
        let noun = self.noun();
        fill(
            out,
            r#"/// Why the `@module@` module gave up on a @noun@.
#[derive(Debug)]
pub enum @E@ {
    Missing { key: String },
    TooLarge { size: usize, limit: usize },
    Io(std::io::Error),
}

impl fmt::Display for @E@ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            @E@::Missing { key } => write!(f, "no @noun@ under `{key}`"),
            @E@::TooLarge { size, limit } => write!(f, "{size} bytes is over the limit of {limit}"),
            @E@::Io(error) => write!(f, "i/o error: {error}"),
        }
    }
}

impl std::error::Error for @E@ {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            @E@::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for @E@ {
    fn from(error: std::io::Error) -> Self {
        @E@::Io(error)
    }
}
"#,
            &[("E", &ty), ("noun", &noun), ("module", self.module)],
        );
    }

    pub fn scan_fn(&mut self, out: &mut String) {
        let noun = self.noun();
        let f = self.fn_name("count_words_in", &noun);
        fill(
            out,
            r#"/// Counts words and lines of a @noun@ dump, stopping at a `#!` marker; quotes never start
/// a word.
pub fn @f@(input: &[u8]) -> (usize, usize) {
    let mut words = 0;
    let mut lines = 0;
    let mut in_word = false;
    'scan: for (index, byte) in input.iter().enumerate() {
        match byte {
            b'\n' => {
                lines += 1;
                in_word = false;
            }
            b' ' | b'\t' | b'\r' => in_word = false,
            b'#' if input.get(index + 1) == Some(&b'!') => break 'scan,
            b'\'' | b'"' => continue 'scan,
            _ if !in_word => {
                words += 1;
                in_word = true;
            }
            _ => {}
        }
    }
    (words, lines)
}
"#,
            &[("f", &f), ("noun", &noun)],
        );
        self.checks.push(format!(
            "assert_eq!({f}(b\"one two\\nthree #! four\"), (3, 1));"
        ));
    }

    pub fn retry_fn(&mut self, out: &mut String) {
        let noun = self.noun();
        let f = self.fn_name("retry", &format!("{noun}_fetch"));
        let ms = (self.rng.range(1, 10) * 25).to_string();
        fill(
            out,
            r#"/// Runs `operation` until it succeeds or `attempts` run out, doubling the pause between
/// attempts up to five seconds.
pub async fn @f@<F, Fut>(attempts: u32, mut operation: F) -> Result<u64, String>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<u64, String>>,
{
    let mut last_error = String::from("never ran");
    let mut pause = std::time::Duration::from_millis(@ms@);
    for attempt in 0..attempts {
        match operation(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) if error.contains("permanent") => return Err(error),
            Err(error) => last_error = error,
        }
        pause = pause.saturating_mul(2).min(std::time::Duration::from_secs(5));
    }
    Err(format!("gave up on the @noun@ after {attempts} attempts ({pause:?}): {last_error}"))
}
"#,
            &[("f", &f), ("noun", &noun), ("ms", &ms)],
        );
    }

    /// About how many lines [`Gen::tests`] will add.
    pub fn test_lines(&self) -> usize {
        if self.checks.is_empty() {
            return 0;
        }
        let checks: usize = self
            .checks
            .iter()
            .map(|c| 5 + c.matches('\n').count())
            .sum();
        4 + checks
    }

    /// The file's test module, over what the items above defined.
    pub fn tests(&mut self, out: &mut String) {
        if self.checks.is_empty() {
            return;
        }
        out.push_str("\n#[cfg(test)]\nmod tests {\n    use super::*;\n");
        let checks = std::mem::take(&mut self.checks);
        for (i, check) in checks.iter().enumerate() {
            out.push_str(&format!(
                "\n    #[test]\n    fn behaves_as_documented_{i}() {{\n        {check}\n    }}\n"
            ));
        }
        out.push_str("}\n");
    }
}
