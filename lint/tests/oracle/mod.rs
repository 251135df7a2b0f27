//! A reference implementation of `orrery_lint::extract::rust::scan`'s crate
//! and file references, computed from a full `syn` syntax tree.
//!
//! Paths, `use` trees, `extern crate`, scopes, modules and their attributes come
//! from syn's own parse; only the token streams syn leaves unparsed (macro
//! bodies, attribute arguments, `Verbatim` syntax) are scanned token by token,
//! with the same rules as the lexer but over proc-macro2's token trees.

use std::collections::HashMap;

use orrery_lint::extract::rust::FileBase;
use orrery_model::RefKind;
use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::visit::{self, Visit};
use syn::{Item, Lit, Path, PathArguments, QSelf, UseTree};

/// A crate reference found by the oracle; `column` is 1-based, in chars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub kind: RefKind,
    pub line: usize,
    pub column: usize,
}

/// A file reference found by the oracle, at its (first) literal; `column` is 1-based, in chars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFile {
    pub line: usize,
    pub column: usize,
    pub literal: String,
    pub kind: RefKind,
    pub base: FileBase,
    pub inline_modules: Vec<String>,
}

/// Sorts file references by position, then by content.
pub fn sort_files(files: &mut [FoundFile]) {
    files.sort_by(|a, b| {
        let key = |f: &FoundFile| {
            let base = f.base == FileBase::CrateRoot;
            (
                f.line,
                f.column,
                f.kind,
                base,
                f.literal.clone(),
                f.inline_modules.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

pub struct Refs {
    /// Every crate reference, `extern crate` included.
    pub crates: Vec<Found>,
    pub files: Vec<FoundFile>,
}

/// Every crate and file reference in `file`.
pub fn refs(file: &syn::File) -> Refs {
    let mut oracle = Oracle::default();
    oracle.visit_file(file);
    Refs {
        crates: oracle.found,
        files: oracle.files,
    }
}

/// Declared names, counted: a `use` may bind a name that is also declared elsewhere.
type Names = HashMap<String, usize>;

struct Scope {
    names: Names,
    module: bool,
}

/// An enclosing inline module, as a directory for the `#[path]` modules inside it.
struct ModDir {
    /// Its name, or the value of its first `path` attribute.
    dir: String,
    from_attr: bool,
    /// Declared in a block: rustc then does not descend into the file-stem directory.
    in_block: bool,
}

#[derive(Default)]
struct Oracle {
    scopes: Vec<Scope>,
    found: Vec<Found>,
    files: Vec<FoundFile>,
    dirs: Vec<ModDir>,
    /// Set by `visit_qself` for the path that follows it.
    qself_position: Option<usize>,
}

impl Oracle {
    /// How many declarations of `name` are in scope, up to the module boundary.
    fn declarations(&self, name: &str) -> usize {
        let mut count = 0;
        for scope in self.scopes.iter().rev() {
            count += scope.names.get(name).copied().unwrap_or(0);
            if scope.module {
                break;
            }
        }
        count
    }

    /// Reports `ident` unless more than `ignored_decls` declarations shadow it.
    fn report(&mut self, ident: &Ident, kind: RefKind, ignored_decls: usize) {
        let name = ident.unraw().to_string();
        if matches!(name.as_str(), "crate" | "self" | "super" | "Self") {
            return;
        }
        if self.declarations(&name) > ignored_decls {
            return;
        }
        let start = ident.span().start();
        self.found.push(Found {
            name,
            kind,
            line: start.line,
            column: start.column + 1,
        });
    }

    fn in_scope(&mut self, module: bool, names: Names, body: impl FnOnce(&mut Self)) {
        self.scopes.push(Scope { names, module });
        body(self);
        self.scopes.pop();
    }

    /// A path names a crate by its first segment when that segment is followed
    /// by `::` or preceded by a leading `::`. With a qualified self type only
    /// the trait path (`<T as a::Tr>::f`) counts.
    fn path_root(&mut self, path: &Path, qself_position: Option<usize>) {
        let segments: Vec<_> = path.segments.iter().collect();
        let own = match qself_position {
            None => &segments[..],
            Some(0) => return,
            Some(n) => &segments[..n.min(segments.len())],
        };
        let Some(first) = own.first() else {
            return;
        };
        let turbofish = matches!(&first.arguments,
            PathArguments::AngleBracketed(args) if args.colon2_token.is_some());
        // A leading `::` names a crate whatever is in scope (Rust 2018+).
        if path.leading_colon.is_some() {
            self.report(&first.ident, RefKind::Path, usize::MAX);
        } else if own.len() >= 2 || turbofish {
            self.report(&first.ident, RefKind::Path, 0);
        }
    }

    /// Reports the roots of a `use` item, which its own bindings never shadow,
    /// and nothing shadows under a leading `::`.
    fn use_roots(&mut self, tree: &UseTree, own: &Names, global: bool) {
        let report = |v: &mut Self, ident: &Ident| {
            let own = own.get(&ident.unraw().to_string()).copied().unwrap_or(0);
            v.report(ident, RefKind::Use, if global { usize::MAX } else { own });
        };
        match tree {
            UseTree::Path(p) => report(self, &p.ident),
            UseTree::Name(n) => report(self, &n.ident),
            UseTree::Rename(r) => report(self, &r.ident),
            UseTree::Glob(_) => {}
            UseTree::Group(g) => g.items.iter().for_each(|t| self.use_roots(t, own, global)),
        }
    }

    fn in_block(&self) -> bool {
        self.scopes.last().is_some_and(|scope| !scope.module)
    }

    /// The lexer's `FileRef::inline_modules` for the enclosing inline modules.
    fn inline_modules(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.dirs.first().is_some_and(|d| d.in_block || d.from_attr) {
            out.push(String::new());
        }
        let mut bytes = 0;
        for dir in &self.dirs {
            bytes += dir.dir.len();
            if out.len() >= 32 || bytes > 1024 {
                break;
            }
            out.push(dir.dir.clone());
        }
        out
    }

    fn report_file(
        &mut self,
        value: PathValue,
        kind: RefKind,
        base: FileBase,
        inline: Vec<String>,
    ) {
        let start = value.span.start();
        self.files.push(FoundFile {
            line: start.line,
            column: start.column + 1,
            literal: value.text,
            kind,
            base,
            inline_modules: inline,
        });
    }

    /// Reports the `#[path]` values of a module, and returns the directory its body gives
    /// the modules inside: its first `path` value, else its name.
    fn module_paths(&mut self, name: &Ident, values: Vec<PathValue>) -> ModDir {
        let inline = self.inline_modules();
        let dir = match values.first() {
            Some(first) => first.text.clone(),
            None => name.unraw().to_string(),
        };
        let from_attr = !values.is_empty();
        for value in values {
            self.report_file(value, RefKind::PathModule, FileBase::File, inline.clone());
        }
        ModDir {
            dir,
            from_attr,
            in_block: self.in_block(),
        }
    }

    /// `include!(...)`'s arguments: a string literal, or a `concat!` of literals optionally
    /// led by `env!("CARGO_MANIFEST_DIR")`.
    fn include(&mut self, tts: &[TokenTree]) {
        let mut value = Concat::default();
        let Some(end) = include_arg(tts, 0, &mut value) else {
            return;
        };
        let end = end + usize::from(punct_at(tts, end, ','));
        if end != tts.len() {
            return;
        }
        let Some(span) = value.first else {
            return;
        };
        let base = match value.crate_root {
            true => FileBase::CrateRoot,
            false => FileBase::File,
        };
        let text = value.text;
        self.report_file(PathValue { text, span }, RefKind::Include, base, Vec::new());
    }
}

// ---------------------------------------------------------------------------
// Declarations that shadow crate names
// ---------------------------------------------------------------------------

/// The type-namespace names that `items` declare in their scope.
fn declared<'a>(items: impl IntoIterator<Item = &'a Item>) -> Names {
    let mut names = Names::new();
    for item in items {
        let ident = match item {
            Item::Mod(i) => &i.ident,
            Item::Struct(i) => &i.ident,
            Item::Enum(i) => &i.ident,
            Item::Union(i) => &i.ident,
            Item::Trait(i) => &i.ident,
            Item::TraitAlias(i) => &i.ident,
            Item::Type(i) => &i.ident,
            Item::Use(u) => {
                use_bindings(&u.tree, &mut Vec::new(), &mut names);
                continue;
            }
            Item::ForeignMod(f) => {
                for foreign in &f.items {
                    if let syn::ForeignItem::Type(t) = foreign {
                        *names.entry(t.ident.unraw().to_string()).or_default() += 1;
                    }
                }
                continue;
            }
            _ => continue,
        };
        *names.entry(ident.unraw().to_string()).or_default() += 1;
    }
    names
}

fn use_bindings(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Names) {
    let mut leaf = |ident: &Ident, rename: Option<&Ident>, prefix: &[String]| {
        let name = ident.unraw().to_string();
        let mut path = prefix.to_vec();
        if name != "self" {
            path.push(name);
        }
        let bound = match rename {
            Some(r) => r.unraw().to_string(),
            None => match path.last() {
                Some(last) => last.clone(),
                None => return,
            },
        };
        // `use a;` and `use a::{self}` bind the crate itself, not a local name.
        let names_root = path.len() == 1 && path[0] == bound;
        if bound != "_" && !names_root {
            *out.entry(bound).or_default() += 1;
        }
    };
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.unraw().to_string());
            use_bindings(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => leaf(&n.ident, None, prefix),
        UseTree::Rename(r) => leaf(&r.ident, Some(&r.rename), prefix),
        UseTree::Glob(_) => {}
        UseTree::Group(g) => g.items.iter().for_each(|t| use_bindings(t, prefix, out)),
    }
}

// ---------------------------------------------------------------------------
// The syntax visit
// ---------------------------------------------------------------------------

impl<'ast> Visit<'ast> for Oracle {
    fn visit_file(&mut self, file: &'ast syn::File) {
        self.in_scope(true, declared(&file.items), |v| visit::visit_file(v, file));
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        for attr in &module.attrs {
            self.visit_attribute(attr);
        }
        self.visit_visibility(&module.vis);
        // syn keeps an inline module's inner attributes after its outer ones, in `attrs`.
        let values = module.attrs.iter().flat_map(|attr| attr_paths(&attr.meta));
        let dir = self.module_paths(&module.ident, values.collect());
        if let Some((_, items)) = &module.content {
            self.dirs.push(dir);
            self.in_scope(true, declared(items), |v| {
                items.iter().for_each(|item| v.visit_item(item))
            });
            self.dirs.pop();
        }
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        let items = block.stmts.iter().filter_map(|stmt| match stmt {
            syn::Stmt::Item(item) => Some(item),
            _ => None,
        });
        self.in_scope(false, declared(items), |v| visit::visit_block(v, block));
    }

    fn visit_qself(&mut self, qself: &'ast QSelf) {
        visit::visit_qself(self, qself);
        // syn visits a qualified path's `QSelf` right before its `Path`.
        self.qself_position = Some(qself.position);
    }

    fn visit_path(&mut self, path: &'ast Path) {
        let qself_position = self.qself_position.take();
        self.path_root(path, qself_position);
        visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.visit_visibility(&item.vis);
        let mut own = Names::new();
        use_bindings(&item.tree, &mut Vec::new(), &mut own);
        self.use_roots(&item.tree, &own, item.leading_colon.is_some());
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        if item.ident != "self" {
            self.report(&item.ident, RefKind::ExternCrate, usize::MAX);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.unraw().to_string());
        if is_include(name.as_deref()) {
            let tts: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
            self.include(&tts);
        }
        self.scan_tokens(mac.tokens.clone(), RefKind::MacroBody);
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        self.visit_path(&list.path);
        self.scan_tokens(list.tokens.clone(), RefKind::Path);
    }

    fn visit_item(&mut self, item: &'ast Item) {
        match item {
            Item::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_item(self, item),
        }
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        match expr {
            syn::Expr::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_type(&mut self, ty: &'ast syn::Type) {
        match ty {
            syn::Type::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_type(self, ty),
        }
    }

    fn visit_pat(&mut self, pat: &'ast syn::Pat) {
        match pat {
            syn::Pat::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_pat(self, pat),
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        match item {
            syn::ImplItem::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_impl_item(self, item),
        }
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        match item {
            syn::TraitItem::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_trait_item(self, item),
        }
    }

    fn visit_foreign_item(&mut self, item: &'ast syn::ForeignItem) {
        match item {
            syn::ForeignItem::Verbatim(tokens) => self.scan_tokens(tokens.clone(), RefKind::Path),
            _ => visit::visit_foreign_item(self, item),
        }
    }
}

// ---------------------------------------------------------------------------
// Token streams syn does not parse
// ---------------------------------------------------------------------------

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "_" | "as"
            | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
    )
}

fn ident_at(tts: &[TokenTree], i: usize) -> Option<&Ident> {
    match tts.get(i)? {
        TokenTree::Ident(ident) => Some(ident),
        _ => None,
    }
}

fn is_raw(ident: &Ident) -> bool {
    ident.to_string().starts_with("r#")
}

/// An identifier that may name a crate.
fn crate_ident(tts: &[TokenTree], i: usize) -> Option<&Ident> {
    ident_at(tts, i).filter(|id| is_raw(id) || !is_keyword(&id.to_string()))
}

fn punct_at(tts: &[TokenTree], i: usize, ch: char) -> bool {
    matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn joint_punct_at(tts: &[TokenTree], i: usize, ch: char) -> bool {
    matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ch && p.spacing() == Spacing::Joint)
}

/// `::` starting at `i`.
fn path_sep_at(tts: &[TokenTree], i: usize) -> bool {
    joint_punct_at(tts, i, ':') && punct_at(tts, i + 1, ':')
}

/// Whether the ident at `i` continues a path: after `::`, a single `.`, or `$`.
fn continues_before(tts: &[TokenTree], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1) else {
        return false;
    };
    let after_sep = prev >= 1 && path_sep_at(tts, prev - 1);
    let single_dot = punct_at(tts, prev, '.') && !(prev >= 1 && joint_punct_at(tts, prev - 1, '.'));
    after_sep || single_dot || punct_at(tts, prev, '$')
}

/// The `>` of `->` or `=>`.
fn is_arrow_head(tts: &[TokenTree], i: usize) -> bool {
    i >= 1 && (joint_punct_at(tts, i - 1, '-') || joint_punct_at(tts, i - 1, '='))
}

/// Whether the token at `i` makes a following `::` part of its path.
fn continued_by_sep(tts: &[TokenTree], i: usize) -> bool {
    match &tts[i] {
        // The name of a lifetime or label: `'a ::b::C`.
        TokenTree::Ident(_) if i >= 1 && punct_at(tts, i - 1, '\'') => false,
        TokenTree::Ident(id) => {
            let s = id.to_string();
            is_raw(id)
                || !is_keyword(&s)
                || matches!(s.as_str(), "crate" | "self" | "super" | "Self")
        }
        // A generic close is written `>::` or wrapped before the `::`; a `>`
        // spaced on one line is a comparison or closes `impl<T>` generics.
        TokenTree::Punct(p) if p.as_char() == '>' => {
            let wrapped = tts
                .get(i + 1)
                .is_some_and(|sep| sep.span().start().line > p.span().end().line);
            (p.spacing() == Spacing::Joint || wrapped) && !is_arrow_head(tts, i)
        }
        TokenTree::Group(g) => g.delimiter() == Delimiter::Parenthesis,
        _ => false,
    }
}

impl Oracle {
    fn scan_tokens(&mut self, stream: TokenStream, kind: RefKind) {
        let tts: Vec<TokenTree> = stream.into_iter().collect();
        self.scan_level(&tts, kind, false);
    }

    /// One level of a token stream; `module_body` when it is the body of the innermost
    /// entry of `dirs`, whose inner `#![path]` attributes it may hold.
    fn scan_level(&mut self, tts: &[TokenTree], kind: RefKind, module_body: bool) {
        // `#[path]` values waiting for their `mod`, kept across attributes and `pub(..)`.
        let mut pending: Vec<PathValue> = Vec::new();
        let mut i = 0;
        while i < tts.len() {
            let keep = match &tts[i] {
                TokenTree::Punct(p) => p.as_char() == '#',
                TokenTree::Group(g) => {
                    matches!(g.delimiter(), Delimiter::Bracket | Delimiter::Parenthesis)
                }
                TokenTree::Ident(id) => *id == "pub",
                TokenTree::Literal(_) => false,
            };
            let attrs = match keep {
                true => Vec::new(),
                false => std::mem::take(&mut pending),
            };
            if let Some(end) = self.scan_mod(tts, i, kind, attrs) {
                i = end;
                continue;
            }
            if let TokenTree::Group(g) = &tts[i]
                && g.delimiter() == Delimiter::Bracket
                && let Some(inner) = attribute_style(tts, i)
            {
                let stream: Vec<TokenTree> = g.stream().into_iter().collect();
                let values = meta_paths(&stream, 0);
                if !inner {
                    pending.extend(values);
                } else if module_body && !values.is_empty() {
                    self.inner_path_attrs(values);
                }
            }
            i = self.scan_token(tts, i, kind);
        }
    }

    /// `mod name;` or `mod name { ... }` at `i`, after the `#[path]` values `attrs`; returns
    /// the index after an inline module's body, which it scans.
    fn scan_mod(
        &mut self,
        tts: &[TokenTree],
        i: usize,
        kind: RefKind,
        attrs: Vec<PathValue>,
    ) -> Option<usize> {
        let is_mod = matches!(&tts[i], TokenTree::Ident(id) if *id == "mod");
        if !is_mod {
            return None;
        }
        let name = crate_ident(tts, i + 1);
        let body = match tts.get(i + 2) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => Some(g),
            _ => None,
        };
        let (Some(name), Some(body)) = (name, body) else {
            let inline = self.inline_modules();
            for value in attrs {
                self.report_file(value, RefKind::PathModule, FileBase::File, inline.clone());
            }
            return None;
        };
        let dir = self.module_paths(name, attrs);
        self.dirs.push(dir);
        let stream: Vec<TokenTree> = body.stream().into_iter().collect();
        self.scan_level(&stream, kind, true);
        self.dirs.pop();
        Some(i + 3)
    }

    /// `#![path = "d"]` in a module body: reported, and the module's directory unless an
    /// outer attribute named it.
    fn inner_path_attrs(&mut self, values: Vec<PathValue>) {
        let Some(innermost) = self.dirs.pop() else {
            return;
        };
        let inline = self.inline_modules();
        let mut dir = innermost;
        if !dir.from_attr {
            dir.dir = values[0].text.clone();
            dir.from_attr = true;
        }
        for value in values {
            self.report_file(value, RefKind::PathModule, FileBase::File, inline.clone());
        }
        self.dirs.push(dir);
    }

    fn scan_token(&mut self, tts: &[TokenTree], i: usize, kind: RefKind) -> usize {
        match &tts[i] {
            TokenTree::Group(group) => {
                let is_macro_body =
                    i >= 2 && punct_at(tts, i - 1, '!') && crate_ident(tts, i - 2).is_some()
                        || i >= 3
                            && punct_at(tts, i - 2, '!')
                            && ident_at(tts, i - 3).is_some_and(|m| m == "macro_rules");
                let inner = if is_macro_body {
                    RefKind::MacroBody
                } else {
                    kind
                };
                let stream: Vec<TokenTree> = group.stream().into_iter().collect();
                let name = i.checked_sub(2).and_then(|m| crate_ident(tts, m));
                let name = name.map(|m| m.unraw().to_string());
                if is_macro_body && is_include(name.as_deref()) {
                    self.include(&stream);
                }
                self.scan_level(&stream, inner, false);
            }
            TokenTree::Ident(ident) => return self.scan_ident(tts, i, ident, kind),
            TokenTree::Punct(_) if path_sep_at(tts, i) => {
                let leading = i == 0 || !continued_by_sep(tts, i - 1);
                if leading && let Some(next) = crate_ident(tts, i + 2) {
                    self.report(next, kind, usize::MAX);
                }
                return i + 2;
            }
            _ => {}
        }
        i + 1
    }

    fn scan_ident(&mut self, tts: &[TokenTree], i: usize, ident: &Ident, kind: RefKind) -> usize {
        if !is_raw(ident) && *ident == "use" && !punct_at(tts, i + 1, '<') {
            let mut roots = Vec::new();
            if let Some(end) = use_tree_tokens(tts, i + 1, true, false, 0, &mut roots) {
                let use_kind = if kind == RefKind::MacroBody {
                    kind
                } else {
                    RefKind::Use
                };
                for (root, global) in roots {
                    self.report(&root, use_kind, if global { usize::MAX } else { 0 });
                }
                return end;
            }
        }
        if !is_raw(ident)
            && *ident == "extern"
            && ident_at(tts, i + 1).is_some_and(|c| c == "crate")
        {
            if let Some(name) = crate_ident(tts, i + 2) {
                self.report(name, kind, usize::MAX);
                return i + 3;
            }
            return i + 2;
        }
        let lifetime = i >= 1 && punct_at(tts, i - 1, '\'');
        let starts_path = path_sep_at(tts, i + 1) && !continues_before(tts, i) && !lifetime;
        if starts_path && crate_ident(tts, i).is_some() {
            self.report(ident, kind, 0);
        }
        i + 1
    }
}

/// Parses a `use` tree starting at `i`, collecting its crate roots and whether a leading
/// `::` puts them beyond shadowing; returns the index after it.
fn use_tree_tokens(
    tts: &[TokenTree],
    i: usize,
    at_root: bool,
    global: bool,
    depth: usize,
    roots: &mut Vec<(Ident, bool)>,
) -> Option<usize> {
    if depth > 64 {
        return None;
    }
    let leading_sep = path_sep_at(tts, i);
    let global = global || (leading_sep && at_root);
    let i = if leading_sep { i + 2 } else { i };
    let segment_end = match tts.get(i)? {
        TokenTree::Punct(p) if p.as_char() == '*' => return Some(i + 1),
        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            let mut j = 0;
            while j < inner.len() {
                j = use_tree_tokens(&inner, j, at_root, global, depth + 1, roots)?;
                if j < inner.len() {
                    j = if punct_at(&inner, j, ',') {
                        j + 1
                    } else {
                        return None;
                    };
                }
            }
            return Some(i + 1);
        }
        TokenTree::Punct(p) if p.as_char() == '$' => {
            ident_at(tts, i + 1)?;
            i + 2
        }
        TokenTree::Ident(id) => {
            let s = id.to_string();
            let relative = matches!(s.as_str(), "crate" | "self" | "super" | "Self");
            if !is_raw(id) && is_keyword(&s) && !relative {
                return None;
            }
            if at_root && !relative {
                roots.push((id.clone(), global));
            }
            i + 1
        }
        _ => return None,
    };
    if path_sep_at(tts, segment_end) {
        return use_tree_tokens(tts, segment_end + 2, false, global, depth, roots);
    }
    if ident_at(tts, segment_end).is_some_and(|a| a == "as") {
        return Some(segment_end + 2);
    }
    Some(segment_end)
}

// ---------------------------------------------------------------------------
// File references: `#[path]`, `#[cfg_attr(.., path)]`, `include!`
// ---------------------------------------------------------------------------

/// A literal's value and where it starts.
struct PathValue {
    text: String,
    span: Span,
}

/// Whether the bracket group at `i` is an attribute: Some(false) for `#[..]`, Some(true)
/// for `#![..]`.
fn attribute_style(tts: &[TokenTree], i: usize) -> Option<bool> {
    if i >= 1 && punct_at(tts, i - 1, '#') {
        return Some(false);
    }
    (i >= 2 && punct_at(tts, i - 1, '!') && punct_at(tts, i - 2, '#')).then_some(true)
}

fn is_name(path: &Path, name: &str) -> bool {
    path.leading_colon.is_none()
        && path.segments.len() == 1
        && path.segments[0].arguments.is_none()
        && path.segments[0].ident.unraw() == name
}

/// The `path` values of a syn-parsed attribute.
fn attr_paths(meta: &syn::Meta) -> Vec<PathValue> {
    match meta {
        syn::Meta::NameValue(nv) if is_name(&nv.path, "path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s),
                attrs,
            }) if attrs.is_empty() && s.suffix().is_empty() => vec![PathValue {
                text: s.value(),
                span: s.span(),
            }],
            _ => Vec::new(),
        },
        syn::Meta::List(list)
            if is_name(&list.path, "cfg_attr")
                && matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) =>
        {
            let tts: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
            let mut out = Vec::new();
            cfg_attr_elements(&tts, 0, &mut out);
            out
        }
        _ => Vec::new(),
    }
}

/// The `path` values of the meta item `tts`: `path = "..."`, or in a `cfg_attr` list.
fn meta_paths(tts: &[TokenTree], depth: usize) -> Vec<PathValue> {
    let mut out = Vec::new();
    meta_paths_into(tts, depth, &mut out);
    out
}

fn meta_paths_into(tts: &[TokenTree], depth: usize, out: &mut Vec<PathValue>) {
    let name = crate_ident(tts, 0).map(|id| id.unraw().to_string());
    if tts.len() == 3
        && name.as_deref() == Some("path")
        && punct_at(tts, 1, '=')
        && let Some(value) = str_lit(tts, 2)
    {
        out.push(value);
        return;
    }
    if tts.len() == 2
        && name.as_deref() == Some("cfg_attr")
        && let TokenTree::Group(g) = &tts[1]
        && g.delimiter() == Delimiter::Parenthesis
    {
        let list: Vec<TokenTree> = g.stream().into_iter().collect();
        cfg_attr_elements(&list, depth, out);
    }
}

/// The attributes of a `cfg_attr(predicate, attr, ...)` list at nesting `depth`.
fn cfg_attr_elements(list: &[TokenTree], depth: usize, out: &mut Vec<PathValue>) {
    if depth >= 16 {
        return;
    }
    for element in list
        .split(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == ','))
        .skip(1)
    {
        if !element.is_empty() {
            meta_paths_into(element, depth + 1, out);
        }
    }
}

fn is_include(name: Option<&str>) -> bool {
    matches!(name, Some("include" | "include_str" | "include_bytes"))
}

/// The value of an `include!` argument, built piece by piece.
#[derive(Default)]
struct Concat {
    text: String,
    first: Option<Span>,
    crate_root: bool,
}

impl Concat {
    fn is_empty(&self) -> bool {
        self.first.is_none() && !self.crate_root
    }

    fn push(&mut self, value: PathValue) {
        self.text.push_str(&value.text);
        self.first.get_or_insert(value.span);
    }
}

fn include_arg(tts: &[TokenTree], i: usize, out: &mut Concat) -> Option<usize> {
    if let Some(value) = str_lit(tts, i) {
        out.push(value);
        return Some(i + 1);
    }
    let (name, group, end) = macro_call(tts, i)?;
    if name != "concat" {
        return None;
    }
    let args: Vec<TokenTree> = group.stream().into_iter().collect();
    concat_args(&args, 0, out)?;
    Some(end)
}

/// A macro call at `i`, optionally behind a path: its name, its group, and the index after it.
fn macro_call(tts: &[TokenTree], mut i: usize) -> Option<(String, &Group, usize)> {
    if path_sep_at(tts, i) {
        i += 2;
    }
    while crate_ident(tts, i).is_some() && path_sep_at(tts, i + 1) {
        i += 3;
    }
    let name = crate_ident(tts, i)?.unraw().to_string();
    if !punct_at(tts, i + 1, '!') {
        return None;
    }
    match tts.get(i + 2)? {
        TokenTree::Group(g) if g.delimiter() != Delimiter::None => Some((name, g, i + 3)),
        _ => None,
    }
}

fn concat_args(args: &[TokenTree], depth: usize, out: &mut Concat) -> Option<()> {
    if depth > 16 {
        return None;
    }
    let mut i = 0;
    loop {
        if i == args.len() {
            return Some(());
        }
        i = concat_piece(args, i, depth, out)?;
        if i == args.len() {
            return Some(());
        }
        if !punct_at(args, i, ',') {
            return None;
        }
        i += 1;
    }
}

fn concat_piece(args: &[TokenTree], i: usize, depth: usize, out: &mut Concat) -> Option<usize> {
    if let Some(value) = literal_text(args, i) {
        out.push(value);
        return Some(i + 1);
    }
    let (name, group, end) = macro_call(args, i)?;
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    match name.as_str() {
        "concat" => concat_args(&inner, depth + 1, out)?,
        "env" if out.is_empty() => {
            let value = str_lit(&inner, 0)?;
            let mut j = 1;
            if punct_at(&inner, j, ',') && str_lit(&inner, j + 1).is_some() {
                j += 2;
            }
            j += usize::from(punct_at(&inner, j, ','));
            if value.text != "CARGO_MANIFEST_DIR" || j != inner.len() {
                return None;
            }
            out.crate_root = true;
        }
        _ => return None,
    }
    Some(end)
}

/// An unsuffixed string literal (raw or not) at `i`.
fn str_lit(tts: &[TokenTree], i: usize) -> Option<PathValue> {
    let TokenTree::Literal(lit) = tts.get(i)? else {
        return None;
    };
    match Lit::new(lit.clone()) {
        Lit::Str(s) if s.suffix().is_empty() => Some(PathValue {
            text: s.value(),
            span: lit.span(),
        }),
        _ => None,
    }
}

/// What `concat!` makes of the literal at `i`: strings, chars, integers and `bool`s.
fn literal_text(tts: &[TokenTree], i: usize) -> Option<PathValue> {
    const INT_SUFFIXES: [&str; 13] = [
        "", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let (text, span) = match tts.get(i)? {
        TokenTree::Ident(id) if *id == "true" || *id == "false" => (id.to_string(), id.span()),
        TokenTree::Literal(lit) => {
            let text = match Lit::new(lit.clone()) {
                Lit::Str(s) if s.suffix().is_empty() => s.value(),
                Lit::Char(c) if c.suffix().is_empty() => c.value().to_string(),
                Lit::Int(n) if INT_SUFFIXES.contains(&n.suffix()) => {
                    n.base10_parse::<u128>().ok()?.to_string()
                }
                _ => return None,
            };
            (text, lit.span())
        }
        _ => return None,
    };
    Some(PathValue { text, span })
}
