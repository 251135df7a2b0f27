//! A reference implementation of `orrery_lint::extract::rust::scan`'s crate
//! references, computed from a full `syn` syntax tree.
//!
//! Paths, `use` trees, `extern crate` and scopes come from syn's own parse;
//! only the token streams syn leaves unparsed (macro bodies, attribute
//! arguments, `Verbatim` syntax) are scanned token by token, with the same
//! rules as the lexer but over proc-macro2's token trees.

use std::collections::HashMap;

use orrery_model::RefKind;
use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::visit::{self, Visit};
use syn::{Item, Path, PathArguments, QSelf, UseTree};

/// A crate reference found by the oracle; `column` is 1-based, in chars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub kind: RefKind,
    pub line: usize,
    pub column: usize,
}

/// Every crate reference in `file`, `extern crate` included.
pub fn crate_refs(file: &syn::File) -> Vec<Found> {
    let mut oracle = Oracle::default();
    oracle.visit_file(file);
    oracle.found
}

/// Declared names, counted: a `use` may bind a name that is also declared elsewhere.
type Names = HashMap<String, usize>;

struct Scope {
    names: Names,
    module: bool,
}

#[derive(Default)]
struct Oracle {
    scopes: Vec<Scope>,
    found: Vec<Found>,
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
        if path.leading_colon.is_some() || own.len() >= 2 || turbofish {
            self.report(&first.ident, RefKind::Path, 0);
        }
    }

    /// Reports the roots of a `use` item, which its own bindings never shadow.
    fn use_roots(&mut self, tree: &UseTree, own: &Names) {
        let report = |v: &mut Self, ident: &Ident| {
            let own = own.get(&ident.unraw().to_string()).copied().unwrap_or(0);
            v.report(ident, RefKind::Use, own);
        };
        match tree {
            UseTree::Path(p) => report(self, &p.ident),
            UseTree::Name(n) => report(self, &n.ident),
            UseTree::Rename(r) => report(self, &r.ident),
            UseTree::Glob(_) => {}
            UseTree::Group(g) => g.items.iter().for_each(|t| self.use_roots(t, own)),
        }
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
        if let Some((_, items)) = &module.content {
            self.in_scope(true, declared(items), |v| {
                items.iter().for_each(|item| v.visit_item(item))
            });
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
        self.use_roots(&item.tree, &own);
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
        let mut i = 0;
        while i < tts.len() {
            i = self.scan_token(&tts, i, kind);
        }
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
                self.scan_tokens(group.stream(), inner);
            }
            TokenTree::Ident(ident) => return self.scan_ident(tts, i, ident, kind),
            TokenTree::Punct(_) if path_sep_at(tts, i) => {
                let leading = i == 0 || !continued_by_sep(tts, i - 1);
                if leading && let Some(next) = crate_ident(tts, i + 2) {
                    self.report(next, kind, 0);
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
            if let Some(end) = use_tree_tokens(tts, i + 1, true, 0, &mut roots) {
                let use_kind = if kind == RefKind::MacroBody {
                    kind
                } else {
                    RefKind::Use
                };
                for root in roots {
                    self.report(&root, use_kind, 0);
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

/// Parses a `use` tree starting at `i`, collecting its crate roots; returns the
/// index after it.
fn use_tree_tokens(
    tts: &[TokenTree],
    i: usize,
    at_root: bool,
    depth: usize,
    roots: &mut Vec<Ident>,
) -> Option<usize> {
    if depth > 64 {
        return None;
    }
    let i = if path_sep_at(tts, i) { i + 2 } else { i };
    let segment_end = match tts.get(i)? {
        TokenTree::Punct(p) if p.as_char() == '*' => return Some(i + 1),
        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            let mut j = 0;
            while j < inner.len() {
                j = use_tree_tokens(&inner, j, at_root, depth + 1, roots)?;
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
                roots.push(id.clone());
            }
            i + 1
        }
        _ => return None,
    };
    if path_sep_at(tts, segment_end) {
        return use_tree_tokens(tts, segment_end + 2, false, depth, roots);
    }
    if ident_at(tts, segment_end).is_some_and(|a| a == "as") {
        return Some(segment_end + 2);
    }
    Some(segment_end)
}
