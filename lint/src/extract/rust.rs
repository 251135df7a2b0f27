//! Where a Rust source file may reference another crate.
//!
//! [`scan`] is a byte-level lexer followed by a small pass over the tokens; it
//! never parses Rust fully. The lexer drops comments and literals, so their text
//! can never look like a reference. The token pass tracks just enough structure
//! (delimiter groups, `use` trees, item keywords, macro bodies) to find every
//! first path segment that may name an external crate, and the local type
//! namespace names that shadow such segments.
//!
//! Shadowing follows rustc's resolver: a name declared anywhere in a block is
//! visible in the whole block and in nested blocks, up to the nearest module
//! boundary (the file root or an inline `mod m { }`). Because declarations may
//! follow their uses, candidates are resolved after the pass, by replaying the
//! recorded scope events.
//!
//! The scan is linear in the input and never panics, whatever the input.

use std::collections::HashMap;

use orrery_model::RefKind;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRefs {
    pub crates: Vec<CrateRef>,
    pub extern_crates: Vec<ExternCrate>,
    pub files: Vec<FileRef>,
    /// A comment or string that runs to the end of the file. Everything after its start is
    /// text to the lexer, so references there cannot be seen: the file is not valid Rust.
    pub unterminated: Option<Unterminated>,
}

/// Where an unterminated comment or string literal starts, and which it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unterminated {
    /// `block comment`, `string literal` or `raw string literal`.
    pub what: &'static str,
    pub pos: Pos,
}

/// A source position: 1-based line, 1-based column counted in chars, and the
/// token's length in chars. The token is the whole name (`r#a` included) or the
/// whole literal (quotes included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

/// The first segment of a path that may name an external crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateRef {
    pub name: String,
    pub kind: RefKind,
    pub pos: Pos,
}

/// `extern crate name;` or `extern crate name as alias;` outside macro bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternCrate {
    pub name: String,
    pub alias: Option<String>,
    pub pos: Pos,
}

/// A file named by `#[path = "..."]` or `include!("...")` and its siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    pub literal: String,
    pub kind: RefKind,
    pub pos: Pos,
}

/// Every place `source` may reference an external crate or another file.
///
/// Like rustc, which keeps source positions in 32 bits, it reads at most the
/// first 4 GiB of `source`.
pub fn scan(source: &str) -> FileRefs {
    let source = within_u32(source);
    let (tokens, unterminated) = lex(source.as_bytes());
    let mut refs = Walker::new(source, &tokens).run().finish(source.as_bytes());
    refs.unterminated = unterminated.map(|(start, what)| Unterminated {
        what,
        pos: Cursor::new(source.as_bytes()).pos(start..start + 1),
    });
    refs
}

/// The longest prefix of `source` whose byte offsets fit in a `u32`.
fn within_u32(source: &str) -> &str {
    let mut end = source.len().min(u32::MAX as usize);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    &source[..end]
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword.
    Ident,
    /// `r#name`.
    RawIdent,
    Lifetime,
    /// A terminated, unprefixed `"..."`.
    Str,
    /// A terminated, unprefixed `r"..."` / `r#"..."#`.
    RawStr,
    /// Every other literal: numbers, chars, byte and C strings, unterminated strings.
    Literal,
    PathSep,
    Colon,
    /// A single `.`, as in field access and method calls.
    Dot,
    /// `..`, `...` or `..=`.
    DotDot,
    Arrow,
    FatArrow,
    Pound,
    Bang,
    Dollar,
    Lt,
    Gt,
    Eq,
    Comma,
    Semi,
    Star,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    OpenBrace,
    CloseBrace,
    Other,
}

impl Tok {
    fn closer(self) -> Option<Tok> {
        match self {
            Tok::OpenParen => Some(Tok::CloseParen),
            Tok::OpenBracket => Some(Tok::CloseBracket),
            Tok::OpenBrace => Some(Tok::CloseBrace),
            _ => None,
        }
    }

    fn is_close(self) -> bool {
        matches!(self, Tok::CloseParen | Tok::CloseBracket | Tok::CloseBrace)
    }
}

/// Offsets fit in `u32` (see [`within_u32`]), which halves the token stream.
#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tok,
    start: u32,
    end: u32,
}

impl Token {
    fn span(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    toks: Vec<Token>,
    /// The start of the first comment or string that runs to the end, and what it is.
    unterminated: Option<(usize, &'static str)>,
}

fn lex(src: &[u8]) -> (Vec<Token>, Option<(usize, &'static str)>) {
    let mut lexer = Lexer {
        src,
        pos: preamble_len(src),
        toks: Vec::with_capacity(src.len() / 6 + 16),
        unterminated: None,
    };
    while lexer.pos < src.len() {
        lexer.next_token();
    }
    (lexer.toks, lexer.unterminated)
}

/// Bytes to skip before the first token: a BOM and a shebang line, as rustc does.
fn preamble_len(src: &[u8]) -> usize {
    let bom = if src.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let rest = &src[bom..];
    if !rest.starts_with(b"#!") {
        return bom;
    }
    // `#![attr]` is an inner attribute, not a shebang.
    let after = rest[2..].iter().find(|b| !b.is_ascii_whitespace());
    if after == Some(&b'[') {
        return bom;
    }
    bom + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
}

impl Lexer<'_> {
    /// The byte at `i`, or 0 past the end (only used for lookahead).
    fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn next_token(&mut self) {
        let start = self.pos;
        let next = self.at(start + 1);
        let kind = match self.at(start) {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => return self.pos += 1,
            b'/' if next == b'/' => return self.skip_line(),
            b'/' if next == b'*' => return self.skip_block_comment(),
            b'"' => self.string(start + 1, Tok::Str),
            b'\'' => self.quote(start + 1),
            b'r' | b'b' | b'c' => self.prefixed(start),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.ident(start),
            b'0'..=b'9' => self.number(start),
            b':' => self.pair(b':', Tok::PathSep, Tok::Colon),
            b'-' => self.pair(b'>', Tok::Arrow, Tok::Other),
            b'=' => self.pair(b'>', Tok::FatArrow, Tok::Eq),
            b'.' => self.dots(),
            0x80.. => match unicode_space_len(self.src, start) {
                Some(n) => return self.pos += n,
                None => self.ident(start),
            },
            b => {
                self.pos += 1;
                single_punct(b)
            }
        };
        self.toks.push(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
        });
    }

    fn skip_line(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    /// Block comments nest: `/* /* */ */` is one comment.
    fn skip_block_comment(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < self.src.len() {
            match (self.src[i], self.at(i + 1)) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                }
                _ => i += 1,
            }
        }
        if depth > 0 {
            self.unterminated.get_or_insert((start, "block comment"));
        }
        self.pos = i.min(self.src.len());
    }

    /// A quoted string whose body starts at `body`; unterminated ones run to the end.
    fn string(&mut self, body: usize, terminated: Tok) -> Tok {
        let mut i = body;
        while i < self.src.len() {
            match self.src[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return terminated;
                }
                _ => i += 1,
            }
        }
        let opening = body.saturating_sub(1 + usize::from(terminated == Tok::Literal));
        self.unterminated.get_or_insert((opening, "string literal"));
        self.pos = self.src.len();
        Tok::Literal
    }

    /// After a `'`: a char literal, a lifetime or label, or a stray quote.
    fn quote(&mut self, p: usize) -> Tok {
        if self.at(p) == b'\\' {
            self.pos = self.escaped_char_end(p + 2);
            return Tok::Literal;
        }
        let width = utf8_width(self.at(p));
        if p < self.src.len() && self.at(p + width) == b'\'' {
            self.pos = p + width + 1;
            return Tok::Literal;
        }
        if is_ident_start(self.at(p)) {
            let name = if self.at(p) == b'r' && self.at(p + 1) == b'#' {
                p + 2
            } else {
                p
            };
            self.pos = ident_end(self.src, name);
            return Tok::Lifetime;
        }
        self.pos = p;
        Tok::Other
    }

    /// End of a char literal whose escape (`\n`, `\'`, `\u{..}`) ends before `i`:
    /// up to the closing quote, never past the line.
    fn escaped_char_end(&self, mut i: usize) -> usize {
        while i < self.src.len() && self.src[i] != b'\'' && self.src[i] != b'\n' {
            i += 1;
        }
        if self.at(i) == b'\'' {
            i + 1
        } else {
            i.min(self.src.len())
        }
    }

    /// Identifiers starting with `r`, `b` or `c` may instead be literal prefixes.
    fn prefixed(&mut self, start: usize) -> Tok {
        let (first, second) = (self.at(start), self.at(start + 1));
        match (first, second) {
            (b'r', b'#') if is_ident_start(self.at(start + 2)) => {
                self.pos = ident_end(self.src, start + 2);
                return Tok::RawIdent;
            }
            (b'r', _) => {
                if let Some(kind) = self.raw_string(start + 1, Tok::RawStr) {
                    return kind;
                }
            }
            (b'b', b'\'') => {
                self.pos = match self.at(start + 2) {
                    b'\\' => self.escaped_char_end(start + 4),
                    _ => self.escaped_char_end(start + 2),
                };
                return Tok::Literal;
            }
            (b'b' | b'c', b'"') => return self.string(start + 2, Tok::Literal),
            (b'b' | b'c', b'r') => {
                if let Some(kind) = self.raw_string(start + 2, Tok::Literal) {
                    return kind;
                }
            }
            _ => {}
        }
        self.ident(start)
    }

    /// A raw string whose hashes start at `p` (just past the `r`), or None if
    /// there is no opening quote.
    fn raw_string(&mut self, p: usize, terminated: Tok) -> Option<Tok> {
        let hashes = self.src[p..].iter().take_while(|&&b| b == b'#').count();
        if self.at(p + hashes) != b'"' {
            return None;
        }
        let mut i = p + hashes + 1;
        while let Some(off) = self.src[i..].iter().position(|&b| b == b'"') {
            let after = i + off + 1;
            let closing = self.src[after..]
                .iter()
                .take(hashes)
                .take_while(|&&b| b == b'#');
            if closing.count() == hashes {
                self.pos = after + hashes;
                return Some(terminated);
            }
            i = after;
        }
        let opening = p - 1 - usize::from(terminated == Tok::Literal);
        self.unterminated
            .get_or_insert((opening, "raw string literal"));
        self.pos = self.src.len();
        Some(Tok::Literal)
    }

    fn ident(&mut self, start: usize) -> Tok {
        self.pos = ident_end(self.src, start + 1);
        Tok::Ident
    }

    /// Numbers only need to be skipped, including a fraction (`1.5`) but not a
    /// range (`1..2`) or a method call (`1.max(2)`).
    fn number(&mut self, start: usize) -> Tok {
        let mut i = ascii_word_end(self.src, start);
        if self.at(i) == b'.' && self.at(i + 1).is_ascii_digit() {
            i = ascii_word_end(self.src, i + 1);
        }
        self.pos = i;
        Tok::Literal
    }

    fn pair(&mut self, second: u8, joined: Tok, single: Tok) -> Tok {
        if self.at(self.pos + 1) == second {
            self.pos += 2;
            joined
        } else {
            self.pos += 1;
            single
        }
    }

    fn dots(&mut self) -> Tok {
        if self.at(self.pos + 1) != b'.' {
            self.pos += 1;
            return Tok::Dot;
        }
        self.pos += 2;
        if matches!(self.at(self.pos), b'.' | b'=') {
            self.pos += 1;
        }
        Tok::DotDot
    }
}

fn single_punct(b: u8) -> Tok {
    match b {
        b'#' => Tok::Pound,
        b'!' => Tok::Bang,
        b'$' => Tok::Dollar,
        b'<' => Tok::Lt,
        b'>' => Tok::Gt,
        b',' => Tok::Comma,
        b';' => Tok::Semi,
        b'*' => Tok::Star,
        b'(' => Tok::OpenParen,
        b')' => Tok::CloseParen,
        b'[' => Tok::OpenBracket,
        b']' => Tok::CloseBracket,
        b'{' => Tok::OpenBrace,
        b'}' => Tok::CloseBrace,
        _ => Tok::Other,
    }
}

/// Non-ASCII chars count as identifier chars, except Rust's non-ASCII whitespace.
fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn ident_end(src: &[u8], mut i: usize) -> usize {
    while let Some(&b) = src.get(i) {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        if !(word || (b >= 0x80 && unicode_space_len(src, i).is_none())) {
            break;
        }
        i += 1;
    }
    i
}

fn ascii_word_end(src: &[u8], mut i: usize) -> usize {
    while src
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        i += 1;
    }
    i
}

/// U+0085, U+200E, U+200F, U+2028 and U+2029 are whitespace to rustc.
fn unicode_space_len(src: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| src.get(i + k).copied().unwrap_or(0);
    match (at(0), at(1), at(2)) {
        (0xC2, 0x85, _) => Some(2),
        (0xE2, 0x80, 0x8E | 0x8F | 0xA8 | 0xA9) => Some(3),
        _ => None,
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------
// Keywords
// ---------------------------------------------------------------------------

/// Strict and reserved keywords (2018+), plus `_`: never a crate name.
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

/// Keywords that start relative paths: segments after them are not crate roots.
fn is_path_keyword(s: &str) -> bool {
    matches!(s, "crate" | "self" | "super" | "Self")
}

// ---------------------------------------------------------------------------
// Token pass
// ---------------------------------------------------------------------------

/// What a `{` opens, which decides where names declared directly inside it go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// The file root or an inline `mod m { }`: lookups stop here.
    Module,
    /// Any other block: fn bodies, closures, `if`, `unsafe`, struct bodies, ...
    Block,
    /// `impl` and `trait` bodies: their items are associated and bind nothing.
    Assoc,
    /// `extern "C" { }`: foreign items belong to the enclosing scope.
    Foreign,
}

struct Frame<'a> {
    scope: Scope,
    /// The frame that names declared directly in this one are added to.
    binds_into: Option<usize>,
    decls: Vec<&'a str>,
}

/// The scan's trace, replayed to resolve shadowing once all declarations are known.
enum Event {
    Enter(usize),
    Exit(usize),
    Ref(usize),
}

struct Candidate<'a> {
    name: &'a str,
    tok: usize,
    kind: RefKind,
    /// How many same-named declarations in scope do not shadow this reference:
    /// a `use` item's own bindings (`use a::a;` still names crate `a`), or all
    /// of them for `extern crate` in a macro body.
    ignored_decls: u32,
}

/// An open delimiter.
struct Group {
    close: Tok,
    /// The frame to return to when this group closes, if it opened one.
    opened_frame: Option<usize>,
    in_macro: bool,
}

/// A `#[path = "..."]` attribute waiting for its `mod`.
struct PathAttr {
    literal: String,
    tok: usize,
    depth: usize,
}

struct Walker<'a> {
    src: &'a str,
    toks: &'a [Token],
    groups: Vec<Group>,
    frame: usize,
    frames: Vec<Frame<'a>>,
    events: Vec<Event>,
    cands: Vec<Candidate<'a>>,
    externs: Vec<(usize, Option<&'a str>)>,
    files: Vec<(String, usize, RefKind)>,
    /// The scope of the next `{` at this group depth, set by `impl`, `trait`, `mod` and `extern`.
    pending: Option<(Scope, usize)>,
    path_attr: Option<PathAttr>,
    /// Index of the delimiter that opens the next macro body.
    macro_open: usize,
}

impl<'a> Walker<'a> {
    fn new(src: &'a str, toks: &'a [Token]) -> Self {
        let root = Frame {
            scope: Scope::Module,
            binds_into: Some(0),
            decls: Vec::new(),
        };
        Walker {
            src,
            toks,
            groups: Vec::new(),
            frame: 0,
            frames: vec![root],
            events: vec![Event::Enter(0)],
            cands: Vec::new(),
            externs: Vec::new(),
            files: Vec::new(),
            pending: None,
            path_attr: None,
            macro_open: usize::MAX,
        }
    }

    fn run(mut self) -> Self {
        let mut i = 0;
        while i < self.toks.len() {
            i = self.step(i);
        }
        self
    }

    fn kind(&self, i: usize) -> Option<Tok> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn text(&self, i: usize) -> &'a str {
        let token = self.toks.get(i);
        token.and_then(|t| self.src.get(t.span())).unwrap_or("")
    }

    fn is_word(&self, i: usize, word: &str) -> bool {
        self.kind(i) == Some(Tok::Ident) && self.text(i) == word
    }

    /// An identifier that may name a crate: not a keyword, `r#` stripped.
    fn crate_name(&self, i: usize) -> Option<&'a str> {
        let name = match self.kind(i)? {
            Tok::RawIdent => self.text(i).get(2..)?,
            Tok::Ident if !is_keyword(self.text(i)) => self.text(i),
            _ => return None,
        };
        Some(name).filter(|name| !name.is_empty())
    }

    fn in_macro(&self) -> bool {
        self.groups.last().is_some_and(|g| g.in_macro)
    }

    /// Processes token `i` and returns the index of the next unprocessed token.
    fn step(&mut self, i: usize) -> usize {
        let kind = self.toks[i].kind;
        self.track_path_attr(i, kind);
        match kind {
            Tok::Ident => return self.ident(i),
            Tok::RawIdent => {
                self.macro_call(i);
                self.path_start(i);
            }
            Tok::PathSep => self.leading_sep(i),
            Tok::OpenParen | Tok::OpenBracket | Tok::OpenBrace => self.open(i, kind),
            Tok::CloseParen | Tok::CloseBracket | Tok::CloseBrace => self.close(i, kind),
            Tok::Semi if self.pending.is_some_and(|(_, d)| d == self.groups.len()) => {
                self.pending = None;
            }
            _ => {}
        }
        i + 1
    }

    fn ident(&mut self, i: usize) -> usize {
        let text = self.text(i);
        match text {
            "use" => {
                if let Some(end) = self.use_item(i) {
                    return end;
                }
            }
            "extern" => return self.extern_item(i),
            "mod" => {
                self.declare_name_at(i + 1);
                if self.kind(i + 2) == Some(Tok::OpenBrace) {
                    self.expect_brace(Scope::Module);
                }
            }
            "struct" | "enum" | "type" | "union" => self.declare_name_at(i + 1),
            "trait" => {
                self.declare_name_at(i + 1);
                self.expect_brace(Scope::Assoc);
            }
            "impl" if self.at_item_start(i) => self.expect_brace(Scope::Assoc),
            "macro_rules" => {
                let named = self.crate_name(i + 2).is_some();
                if self.kind(i + 1) == Some(Tok::Bang) && named {
                    self.macro_open = i + 3;
                }
            }
            _ => {}
        }
        if !is_keyword(text) {
            self.macro_call(i);
            self.path_start(i);
        }
        i + 1
    }

    /// Item-position `impl` (its body is associated items), as opposed to
    /// `impl Trait` in a type.
    fn at_item_start(&self, i: usize) -> bool {
        let Some(prev) = i.checked_sub(1) else {
            return true;
        };
        match self.kind(prev) {
            Some(Tok::Semi | Tok::OpenBrace | Tok::CloseBrace | Tok::CloseBracket) => true,
            Some(Tok::Ident) => matches!(self.text(prev), "unsafe" | "default"),
            _ => false,
        }
    }

    fn expect_brace(&mut self, scope: Scope) {
        if !self.in_macro() {
            self.pending = Some((scope, self.groups.len()));
        }
    }

    /// `a::` starts a path unless it continues one (`x::a::`, `x.a::<T>()`, `$a::`).
    fn path_start(&mut self, i: usize) {
        if self.kind(i + 1) != Some(Tok::PathSep) {
            return;
        }
        let prev = i.checked_sub(1).and_then(|p| self.kind(p));
        if matches!(prev, Some(Tok::PathSep | Tok::Dot | Tok::Dollar)) {
            return;
        }
        if self.crate_name(i).is_some() {
            self.candidate(i, RefKind::Path, 0);
        }
    }

    /// `::a` names crate `a` unless the `::` continues a path (`x::`, `<T>::`).
    fn leading_sep(&mut self, i: usize) {
        if let Some(prev) = i.checked_sub(1)
            && self.continues_path(prev)
        {
            return;
        }
        if self.crate_name(i + 1).is_some() {
            self.candidate(i + 1, RefKind::Path, 0);
        }
    }

    /// Whether token `i` makes the `::` right after it part of its path.
    fn continues_path(&self, i: usize) -> bool {
        match self.kind(i) {
            Some(Tok::Gt) => self.gt_continues_path(i),
            Some(Tok::RawIdent | Tok::CloseParen) => true,
            Some(Tok::Ident) => {
                let text = self.text(i);
                !is_keyword(text) || is_path_keyword(text)
            }
            _ => false,
        }
    }

    /// A generic close is written `>::`, or wrapped with `::` starting a later
    /// line; a `>` spaced from `::` on one line is a comparison (`x > ::a::B`)
    /// or closes `impl<T> ::a::Tr` generics.
    fn gt_continues_path(&self, gt: usize) -> bool {
        let Some(sep) = self.toks.get(gt + 1) else {
            return false;
        };
        let gap = self
            .src
            .as_bytes()
            .get(self.toks[gt].end as usize..sep.start as usize);
        gap.is_some_and(|gap| gap.is_empty() || gap.contains(&b'\n'))
    }

    /// `name!(...)`: marks the delimiter that opens the macro body.
    fn macro_call(&mut self, i: usize) {
        let opens = self.kind(i + 2).and_then(Tok::closer).is_some();
        if self.kind(i + 1) != Some(Tok::Bang) || !opens {
            return;
        }
        self.macro_open = i + 2;
        if matches!(self.text(i), "include" | "include_str" | "include_bytes") {
            self.include(i + 3);
        }
    }

    /// `include!("file")`, with an optional trailing comma; other arguments
    /// (`concat!(...)`) are ignored.
    fn include(&mut self, lit: usize) {
        let close = lit + 1 + usize::from(self.kind(lit + 1) == Some(Tok::Comma));
        if self.kind(close).is_some_and(Tok::is_close)
            && let Some(value) = self.str_value(lit)
        {
            self.files.push((value, lit, RefKind::Include));
        }
    }

    fn open(&mut self, i: usize, kind: Tok) {
        let in_macro = self.in_macro() || self.macro_open == i;
        let depth = self.groups.len();
        let mut opened_frame = None;
        if kind == Tok::OpenBrace && !in_macro {
            let pending = self.pending.take_if(|(_, d)| *d == depth);
            let scope = pending.map_or(Scope::Block, |(s, _)| s);
            opened_frame = Some(self.frame);
            self.enter_frame(scope);
        }
        self.groups.push(Group {
            close: kind.closer().unwrap_or(Tok::Other),
            opened_frame,
            in_macro,
        });
    }

    fn enter_frame(&mut self, scope: Scope) {
        let id = self.frames.len();
        let binds_into = match scope {
            Scope::Module | Scope::Block => Some(id),
            Scope::Assoc => None,
            Scope::Foreign => self.frames[self.frame].binds_into,
        };
        self.frames.push(Frame {
            scope,
            binds_into,
            decls: Vec::new(),
        });
        self.events.push(Event::Enter(id));
        self.frame = id;
    }

    fn close(&mut self, i: usize, kind: Tok) {
        // A stray closer only occurs in invalid input: ignore it.
        if self.groups.last().is_none_or(|g| g.close != kind) {
            return;
        }
        if let Some(group) = self.groups.pop()
            && let Some(outer) = group.opened_frame
        {
            self.events.push(Event::Exit(self.frame));
            self.frame = outer;
        }
        if self.pending.is_some_and(|(_, d)| d > self.groups.len()) {
            self.pending = None;
        }
        if kind == Tok::CloseBracket {
            self.path_attribute(i);
        }
    }

    /// `#[path = "file.rs"]`, matched backwards from its `]`.
    fn path_attribute(&mut self, close: usize) {
        let Some(start) = close.checked_sub(5) else {
            return;
        };
        let shape = [Tok::Pound, Tok::OpenBracket, Tok::Ident, Tok::Eq];
        let matches = (0..4).all(|k| self.kind(start + k) == Some(shape[k]));
        if matches
            && self.text(start + 2) == "path"
            && let Some(literal) = self.str_value(close - 1)
        {
            let (tok, depth) = (close - 1, self.groups.len());
            self.path_attr = Some(PathAttr {
                literal,
                tok,
                depth,
            });
        }
    }

    /// Keeps a `#[path]` attribute alive across further attributes and `pub(..)`
    /// until its `mod`; anything else at its depth drops it.
    fn track_path_attr(&mut self, i: usize, kind: Tok) {
        let Some(attr) = &self.path_attr else {
            return;
        };
        let depth = self.groups.len() - usize::from(kind.is_close() && !self.groups.is_empty());
        if depth > attr.depth {
            return;
        }
        let keep = depth == attr.depth
            && match kind {
                Tok::Pound | Tok::OpenBracket | Tok::CloseBracket => true,
                Tok::OpenParen | Tok::CloseParen => true,
                Tok::Ident => self.text(i) == "pub",
                _ => false,
            };
        if keep {
            return;
        }
        if let Some(attr) = self.path_attr.take()
            && depth == attr.depth
            && self.is_word(i, "mod")
        {
            self.files
                .push((attr.literal, attr.tok, RefKind::PathModule));
        }
    }

    fn candidate(&mut self, tok: usize, kind: RefKind, ignored_decls: u32) {
        let Some(name) = self.crate_name(tok) else {
            return;
        };
        let kind = if self.in_macro() {
            RefKind::MacroBody
        } else {
            kind
        };
        self.events.push(Event::Ref(self.cands.len()));
        self.cands.push(Candidate {
            name,
            tok,
            kind,
            ignored_decls,
        });
    }

    /// Declares the type-namespace name at token `i`, if there is one.
    fn declare_name_at(&mut self, i: usize) {
        if let Some(name) = self.crate_name(i) {
            self.declare(name);
        }
    }

    fn declare(&mut self, name: &'a str) {
        if let Some(target) = self.binding_frame() {
            self.frames[target].decls.push(name);
        }
    }

    /// The frame that declarations made here bind into, if they bind at all.
    fn binding_frame(&self) -> Option<usize> {
        if self.in_macro() {
            return None;
        }
        self.frames[self.frame].binds_into
    }

    fn extern_item(&mut self, i: usize) -> usize {
        if self.is_word(i + 1, "crate") {
            return self.extern_crate(i + 2);
        }
        let brace = i + 1 + usize::from(matches!(self.kind(i + 1), Some(Tok::Str | Tok::RawStr)));
        if self.kind(brace) == Some(Tok::OpenBrace) {
            self.expect_brace(Scope::Foreign);
        }
        i + 1
    }

    /// `extern crate name [as alias]`, with `name` at token `n`.
    fn extern_crate(&mut self, n: usize) -> usize {
        let Some(_) = self.crate_name(n) else {
            return n; // `extern crate self as x;` or invalid input.
        };
        let alias = self
            .is_word(n + 1, "as")
            .then(|| match self.kind(n + 2) {
                Some(Tok::RawIdent) => self.text(n + 2).get(2..),
                Some(Tok::Ident) => Some(self.text(n + 2)),
                _ => None,
            })
            .flatten();
        if self.in_macro() {
            self.candidate(n, RefKind::MacroBody, u32::MAX);
        } else {
            self.externs.push((n, alias));
        }
        if alias.is_some() { n + 3 } else { n + 1 }
    }

    /// The value of a plain string literal token.
    fn str_value(&self, i: usize) -> Option<String> {
        let text = self.text(i);
        match self.kind(i)? {
            Tok::Str => unescape(text.strip_prefix('"')?.strip_suffix('"')?),
            Tok::RawStr => {
                let body = text.strip_prefix('r')?;
                let hashes = body.len() - body.trim_start_matches('#').len();
                let body = body.get(hashes..)?.strip_prefix('"')?;
                let body = body.get(..body.len().checked_sub(hashes + 1)?)?;
                Some(body.to_owned())
            }
            _ => None,
        }
    }
}

/// Cooks a string literal's body; None on an invalid escape.
fn unescape(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            c @ ('\\' | '\'' | '"') => out.push(c),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                let rest = chars.as_str().strip_prefix('{')?;
                let (hex, after) = rest.split_once('}')?;
                let code = u32::from_str_radix(&hex.replace('_', ""), 16).ok()?;
                out.push(char::from_u32(code)?);
                chars = after.chars();
            }
            // A line continuation also skips the next line's indentation.
            '\n' | '\r' => chars = chars.as_str().trim_start().chars(),
            _ => return None,
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// `use` trees
// ---------------------------------------------------------------------------

/// Deeper `use` groups are given up on, which keeps the recursion bounded.
const MAX_USE_DEPTH: usize = 64;

/// The path leading to a `use` subtree.
#[derive(Clone, Copy)]
struct Prefix<'a> {
    /// Segments here are roots: `use a`, `use {a, b}`, `use ::{a}`.
    at_root: bool,
    root: Option<&'a str>,
    len: usize,
    last: Option<&'a str>,
}

const ROOT_PREFIX: Prefix<'static> = Prefix {
    at_root: true,
    root: None,
    len: 0,
    last: None,
};

#[derive(Default)]
struct UseTree<'a> {
    roots: Vec<usize>,
    binds: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    /// Parses the tree after the `use` at `i`; returns the index after it, or
    /// None (the tokens are then scanned like any others).
    fn use_item(&mut self, i: usize) -> Option<usize> {
        if self.kind(i + 1) == Some(Tok::Lt) {
            return None; // `impl Trait + use<'a>`
        }
        let mut tree = UseTree::default();
        let end = self.use_tree(i + 1, ROOT_PREFIX, 0, &mut tree)?;
        let mut own: HashMap<&str, u32> = HashMap::new();
        if self.binding_frame().is_some() {
            for name in &tree.binds {
                *own.entry(name).or_default() += 1;
            }
        }
        for tok in tree.roots {
            let own = self.crate_name(tok).and_then(|name| own.get(name));
            self.candidate(tok, RefKind::Use, own.copied().unwrap_or(0));
        }
        for name in tree.binds {
            self.declare(name);
        }
        Some(end)
    }

    fn use_tree(
        &self,
        i: usize,
        prefix: Prefix<'a>,
        depth: usize,
        out: &mut UseTree<'a>,
    ) -> Option<usize> {
        if depth > MAX_USE_DEPTH {
            return None;
        }
        let i = i + usize::from(self.kind(i) == Some(Tok::PathSep));
        match self.kind(i)? {
            Tok::Star => Some(i + 1),
            Tok::OpenBrace => self.use_group(i + 1, prefix, depth, out),
            _ => self.use_segment(i, prefix, depth, out),
        }
    }

    fn use_group(
        &self,
        mut i: usize,
        prefix: Prefix<'a>,
        depth: usize,
        out: &mut UseTree<'a>,
    ) -> Option<usize> {
        loop {
            if self.kind(i)? == Tok::CloseBrace {
                return Some(i + 1);
            }
            i = self.use_tree(i, prefix, depth + 1, out)?;
            match self.kind(i)? {
                Tok::Comma => i += 1,
                Tok::CloseBrace => {}
                _ => return None,
            }
        }
    }

    fn use_segment(
        &self,
        i: usize,
        prefix: Prefix<'a>,
        depth: usize,
        out: &mut UseTree<'a>,
    ) -> Option<usize> {
        // `$crate::x` and `$m::x` in macro bodies: segments that are never crates.
        let metavar = self.kind(i) == Some(Tok::Dollar);
        let at = i + usize::from(metavar);
        let crate_name = self.crate_name(at);
        let relative = self.kind(at) == Some(Tok::Ident) && is_path_keyword(self.text(at));
        let name = match crate_name {
            Some(name) => name,
            None if relative || (metavar && self.kind(at) == Some(Tok::Ident)) => self.text(at),
            None => return None,
        };
        if prefix.at_root && crate_name.is_some() && !metavar {
            out.roots.push(at);
        }
        let here = Prefix {
            at_root: false,
            root: prefix.root.or(Some(name)),
            len: prefix.len + 1,
            last: Some(name),
        };
        if self.kind(at + 1) == Some(Tok::PathSep) {
            return self.use_tree(at + 2, here, depth, out);
        }
        let is_self = name == "self" && self.kind(at) == Some(Tok::Ident);
        let (bind, end) = match self.is_word(at + 1, "as") {
            true => (self.crate_name(at + 2), at + 3),
            false if is_self => (prefix.last, at + 1),
            false => (Some(name), at + 1),
        };
        // `use a;` and `use a::{self}` bind the crate itself: not a local name.
        let names_root = here.len == 1 || (is_self && prefix.len == 1);
        if let Some(bind) = bind
            && !(names_root && Some(bind) == here.root)
        {
            out.binds.push(bind);
        }
        Some(end)
    }
}

// ---------------------------------------------------------------------------
// Resolution and positions
// ---------------------------------------------------------------------------

impl Walker<'_> {
    /// Which candidates survive shadowing: replays the scope events with the
    /// declarations of every frame now known.
    fn unshadowed(&self) -> Vec<bool> {
        let mut keep = vec![false; self.cands.len()];
        // One name count map per enclosing module; lookups only see the last.
        let mut modules: Vec<HashMap<&str, u32>> = Vec::new();
        for event in &self.events {
            match *event {
                Event::Enter(f) => {
                    let frame = &self.frames[f];
                    if frame.scope == Scope::Module {
                        modules.push(HashMap::new());
                    }
                    if let Some(names) = modules.last_mut() {
                        for name in &frame.decls {
                            *names.entry(*name).or_default() += 1;
                        }
                    }
                }
                Event::Exit(f) => {
                    let frame = &self.frames[f];
                    if frame.scope == Scope::Module {
                        modules.pop();
                    } else if let Some(names) = modules.last_mut() {
                        for name in &frame.decls {
                            forget(names, name);
                        }
                    }
                }
                Event::Ref(r) => {
                    let cand = &self.cands[r];
                    let names = modules.last().and_then(|m| m.get(cand.name));
                    keep[r] = names.copied().unwrap_or(0) <= cand.ignored_decls;
                }
            }
        }
        keep
    }

    fn finish(mut self, src: &[u8]) -> FileRefs {
        let keep = self.unshadowed();
        // A `#[path]` file is recorded at its `mod`, after includes in between.
        self.files.sort_by_key(|(_, tok, _)| *tok);
        let mut at = Cursor::new(src);
        let crates = (self.cands.iter().zip(keep))
            .filter(|(_, keep)| *keep)
            .map(|(c, _)| CrateRef {
                name: c.name.to_owned(),
                kind: c.kind,
                pos: at.pos(self.toks[c.tok].span()),
            })
            .collect();
        let mut at = Cursor::new(src);
        let extern_crates = (self.externs.iter())
            .map(|(tok, alias)| ExternCrate {
                name: self.crate_name(*tok).unwrap_or_default().to_owned(),
                alias: alias.map(str::to_owned),
                pos: at.pos(self.toks[*tok].span()),
            })
            .collect();
        let mut at = Cursor::new(src);
        let files = (self.files.iter())
            .map(|(literal, tok, kind)| FileRef {
                literal: literal.clone(),
                kind: *kind,
                pos: at.pos(self.toks[*tok].span()),
            })
            .collect();
        FileRefs {
            crates,
            extern_crates,
            files,
            unterminated: None,
        }
    }
}

fn forget(names: &mut HashMap<&str, u32>, name: &str) {
    if let Some(count) = names.get_mut(name) {
        *count -= 1;
        if *count == 0 {
            names.remove(name);
        }
    }
}

/// Turns byte spans into positions, sweeping forward through the source so
/// that spans in source order cost one pass in total.
struct Cursor<'s> {
    src: &'s [u8],
    offset: usize,
    line: u32,
    column: u32,
}

impl<'s> Cursor<'s> {
    fn new(src: &'s [u8]) -> Self {
        // Editors do not count a BOM as a column.
        let bom = if src.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Cursor {
            src,
            offset: bom,
            line: 1,
            column: 1,
        }
    }

    fn pos(&mut self, span: std::ops::Range<usize>) -> Pos {
        if span.start < self.offset {
            *self = Cursor::new(self.src); // Out of order: only on invalid input.
        }
        for &b in self.src.get(self.offset..span.start).unwrap_or_default() {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if !is_utf8_continuation(b) {
                self.column = self.column.saturating_add(1);
            }
        }
        self.offset = self.offset.max(span.start);
        let token = self.src.get(span).unwrap_or_default();
        let len = token.iter().filter(|b| !is_utf8_continuation(**b)).count();
        Pos {
            line: self.line,
            column: self.column,
            len: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }
}

fn is_utf8_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders refs as `kind name line:column`, in source order.
    fn render(refs: &FileRefs) -> String {
        let crates = refs
            .crates
            .iter()
            .map(|c| (&c.pos, format!("{} {}", c.kind, c.name)));
        let externs = refs.extern_crates.iter().map(|e| {
            let alias = e
                .alias
                .as_ref()
                .map(|a| format!(" as {a}"))
                .unwrap_or_default();
            (&e.pos, format!("extern-crate {}{alias}", e.name))
        });
        let files = refs
            .files
            .iter()
            .map(|f| (&f.pos, format!("{} {}", f.kind, f.literal)));
        let mut all: Vec<_> = crates.chain(externs).chain(files).collect();
        all.sort_by_key(|(pos, _)| (pos.line, pos.column));
        let all: Vec<String> = all
            .into_iter()
            .map(|(pos, what)| format!("{what} {}:{}", pos.line, pos.column))
            .collect();
        all.join(", ")
    }

    #[track_caller]
    fn check(src: &str, expect: &str) {
        assert_eq!(render(&scan(src)), expect, "source:\n{src}");
    }

    // --- use trees -------------------------------------------------------

    #[test]
    fn use_simple_forms() {
        check("use a::b;", "use a 1:5");
        check("use ::a::b;", "use a 1:7");
        check("use a;", "use a 1:5");
        check("use a as x;", "use a 1:5");
        check("pub(crate) use a::b;", "use a 1:16");
        check("use r#a::b;", "use a 1:5");
    }

    #[test]
    fn use_groups() {
        check("use a::{b, c as d, e::*};", "use a 1:5");
        check("use {a::b, c::d, e};", "use a 1:6, use c 1:12, use e 1:18");
        check("use {a::{b}, ::c};", "use a 1:6, use c 1:16");
        check("use ::{a, b::c};", "use a 1:8, use b 1:11");
    }

    #[test]
    fn use_relative_roots_are_not_crates() {
        check("use crate::a; use self::b; use super::c; use Self::D;", "");
        check("use {crate::a, self::b};", "");
    }

    #[test]
    fn use_in_any_scope() {
        check("fn f() { use a::b; }", "use a 1:14");
        check("mod m { use a::b; }", "use a 1:13");
        check("fn f() { if x { unsafe { use a::b; } } }", "use a 1:30");
    }

    #[test]
    fn use_bound_is_not_a_use_item() {
        check(
            "fn f<'a>() -> impl Sized + use<'a> { a::b() }",
            "path a 1:38",
        );
    }

    // --- paths -----------------------------------------------------------

    #[test]
    fn paths_in_expressions_types_and_patterns() {
        check("fn f() { a::b(); }", "path a 1:10");
        check("struct S(a::T);", "path a 1:10");
        check("fn f() { match x { a::B => {} } }", "path a 1:20");
        check("fn f(x: Vec<a::T>) {}", "path a 1:13");
        check("fn f() { let s = S { ..a::d() }; }", "path a 1:24");
        check("fn f() { for x in 0..a::MAX {} }", "path a 1:22");
        check("fn f() { x::y::z(); }", "path x 1:10");
    }

    #[test]
    fn paths_in_attributes() {
        check("#[a::attr] fn f() {}", "path a 1:3");
        check("#[derive(a::D)] struct S;", "path a 1:10");
        check("#[cfg_attr(x, a::attr)] struct S;", "path a 1:15");
    }

    #[test]
    fn paths_in_bounds_and_impls() {
        check("fn f<T: a::Tr>() {}", "path a 1:9");
        check("fn f() { <T as a::Tr>::f(); }", "path a 1:16");
        check("impl a::Tr for S {}", "path a 1:6");
        check("fn f(x: &dyn a::Tr) {}", "path a 1:14");
        check("fn f() { a::mac!(); }", "path a 1:10");
    }

    #[test]
    fn leading_colons() {
        check("fn f() { ::a::b(); }", "path a 1:12");
        check("fn f() { g(::a::b); }", "path a 1:14");
        check("const X: u8 = ::a::B;", "path a 1:17");
        check("fn f() -> ::a::T {}", "path a 1:13");
        check("fn f() { x as ::a::T; }", "path a 1:17");
    }

    #[test]
    fn raw_identifiers_are_normalised() {
        check("fn f() { r#a::b(); }", "path a 1:10");
        let refs = scan("fn f() { r#a::b(); }");
        assert_eq!(refs.crates[0].pos.len, 3);
    }

    #[test]
    fn path_continuations_are_not_crates() {
        check("fn f() { <T>::f(); }", "");
        check("fn f() { x.collect::<Vec<u8>>(); }", "");
        check("fn f() { Vec::<u8>::new(); }", "path Vec 1:10");
        check(
            "fn f() { crate::a::b(); self::a(); super::a(); Self::a(); }",
            "",
        );
        check("fn f() { a; a.b; a(); }", "");
    }

    // --- macro bodies ----------------------------------------------------

    #[test]
    fn macro_bodies() {
        check(
            "cfg_if! { if #[cfg(unix)] { use a::X; } }",
            "macro-body a 1:33",
        );
        check(
            "lazy_static! { static ref X: a::T = b::f(); }",
            "macro-body a 1:30, macro-body b 1:37",
        );
        check(r#"fn f() { println!("{}", a::f()); }"#, "macro-body a 1:25");
        check(
            "m![a::b]; m!(a::b); m! { a::b }",
            "macro-body a 1:4, macro-body a 1:14, macro-body a 1:26",
        );
        check("macro_rules! m { () => { a::f() } }", "macro-body a 1:26");
        check("m! { extern crate a; }", "macro-body a 1:19");
    }

    #[test]
    fn macro_variables_are_not_crates() {
        check(
            "macro_rules! m { ($x:ident) => { $crate::a::f(); $x::g(); use $crate::b; } }",
            "",
        );
    }

    #[test]
    fn declarations_in_macro_bodies_bind_nothing() {
        check(
            "m! { mod files; } fn f() { files::x(); }",
            "path files 1:28",
        );
    }

    #[test]
    fn macro_bodies_see_enclosing_declarations() {
        check("mod files; m! { files::x(); }", "");
    }

    // --- extern crate and files -----------------------------------------

    #[test]
    fn extern_crates() {
        check("extern crate a;", "extern-crate a 1:14");
        check("extern crate a as b;", "extern-crate a as b 1:14");
        check("pub extern crate a;", "extern-crate a 1:18");
        check("extern crate self as x;", "");
        check("fn f() { extern crate a; }", "extern-crate a 1:23");
    }

    #[test]
    fn extern_crate_aliases_do_not_shadow() {
        check(
            "extern crate a as b; fn f() { b::x(); }",
            "extern-crate a as b 1:14, path b 1:31",
        );
    }

    #[test]
    fn path_modules() {
        check(r#"#[path = "x.rs"] mod m;"#, "path-module x.rs 1:10");
        check(
            r#"#[path = "x.rs"] #[cfg(unix)] pub(crate) mod m;"#,
            "path-module x.rs 1:10",
        );
        check(r##"#[path = r#"x.rs"#] mod m {}"##, "path-module x.rs 1:10");
        check(r#"#[path = "x.rs"] fn f() {}"#, "");
    }

    #[test]
    fn includes() {
        check(r#"include!("a.rs");"#, "include a.rs 1:10");
        check(
            r#"const S: &str = include_str!("b.txt");"#,
            "include b.txt 1:30",
        );
        check(
            r#"const B: &[u8] = std::include_bytes!(r"c.bin",);"#,
            "path std 1:18, include c.bin 1:38",
        );
        check(r#"include!(concat!(env!("OUT_DIR"), "/x.rs"));"#, "");
        check(r#"include_str!("a\\b.txt");"#, r"include a\b.txt 1:14");
    }

    // --- look-alikes ------------------------------------------------------

    #[test]
    fn strings_are_not_references() {
        check(r#"fn f() { "a::b"; b::c(); }"#, "path b 1:18");
        check(r##"fn f() { r#"a::b "x" "#; b::c(); }"##, "path b 1:26");
        check(r###"fn f() { br##"a::b"#"##; b::c(); }"###, "path b 1:26");
        check(
            r#"fn f() { c"a::b"; b"a::b"; cr"a::b"; b::c(); }"#,
            "path b 1:38",
        );
        check(r#"fn f() { "\"a::b\\"; b::c(); }"#, "path b 1:22");
    }

    #[test]
    fn chars_and_lifetimes() {
        check(r"fn f() { '\''; a::b(); }", "path a 1:16");
        check(
            r"fn f() { '\u{1F600}'; '😀'; '\\'; a::b(); }",
            "path a 1:34",
        );
        check(
            "fn f<'a>(x: &'a a::T) -> &'static b::U {}",
            "path a 1:17, path b 1:35",
        );
        check(
            "fn f() { 'outer: loop { break 'outer; } a::b(); }",
            "path a 1:41",
        );
        check("fn f() { b'\\''; b'x'; a::b(); }", "path a 1:23");
    }

    #[test]
    fn comments_are_not_references() {
        check("// a::b\nfn f() {}", "");
        check("/* a::b */ fn f() {}", "");
        check("/* /* */ a::b */ b::c();", "path b 1:18");
        check("/// a::b\n//! a::b\n/** a::b */ fn f() {}", "");
        check("/*/ a::b */ b::c();", "path b 1:13");
    }

    // --- shadowing --------------------------------------------------------

    #[test]
    fn local_type_names_shadow() {
        check("mod files; fn f() { files::x(); }", "");
        check("fn f() { files::x(); } struct files;", "");
        check(
            "enum files {} union u8s { x: u8 } fn f() { files::x(); u8s::y(); }",
            "",
        );
        check(
            "trait files {} type t = u8; fn f() { files::x(); t::y(); }",
            "",
        );
        check("use x::files; fn f() { files::y(); }", "use x 1:5");
        check("use x::{y as files}; fn f() { files::y(); }", "use x 1:5");
        check("use x::files::{self}; fn f() { files::y(); }", "use x 1:5");
        check("mod ui; use ui::Button;", "");
    }

    #[test]
    fn a_use_never_shadows_its_own_root() {
        check("use a::a; fn f() { a::x(); }", "use a 1:5");
        check("use a::{b, a as c, d::a};", "use a 1:5");
        check("use log::log; use log::info;", "use log 1:5");
    }

    #[test]
    fn value_names_do_not_shadow() {
        check(
            "fn files() {} const c: u8 = 0; static s: u8 = 0; fn f() { files::x(); c::y(); s::z(); }",
            "path files 1:59, path c 1:71, path s 1:79",
        );
    }

    #[test]
    fn non_binding_uses_do_not_shadow() {
        check("use a::*; fn f() { a::x(); }", "use a 1:5, path a 1:20");
        check(
            "use x::a as _; fn f() { a::y(); }",
            "use x 1:5, path a 1:25",
        );
        check(
            "use a; use a::{self}; fn f() { a::x(); }",
            "use a 1:5, use a 1:12, path a 1:32",
        );
    }

    #[test]
    fn block_scopes() {
        check(
            "fn f() { struct a; a::x(); } fn g() { a::y(); }",
            "path a 1:39",
        );
        check("fn f() { { a::x(); } mod a {} }", "");
        check(
            "fn f() { let c = || { a::x(); }; if y { struct a; } }",
            "path a 1:23",
        );
        check("fn f() -> impl Fn() { struct a; a::x(); || () }", "");
    }

    #[test]
    fn module_boundaries_stop_lookup() {
        check("struct a; mod m { fn f() { a::x(); } }", "path a 1:28");
        check("mod m { struct a; } fn f() { a::x(); }", "path a 1:30");
        check(
            "mod m { use x::a; mod n { use a::y; } }",
            "use x 1:13, use a 1:31",
        );
    }

    #[test]
    fn associated_items_bind_nothing() {
        check("impl S { type a = u8; } fn f() { a::x(); }", "path a 1:34");
        check("trait T { type a; } fn f() { a::x(); }", "path a 1:30");
        check("impl S { fn f() { struct a; a::x(); } }", "");
        check(
            "impl<T> X for [T; 3] { type a = u8; } fn f() { a::x(); }",
            "path a 1:48",
        );
    }

    #[test]
    fn foreign_items_belong_to_the_enclosing_scope() {
        check(r#"extern "C" { type a; } fn f() { a::x(); }"#, "");
    }

    // --- positions and robustness ------------------------------------------

    #[test]
    fn columns_count_chars() {
        check(
            "fn é() { /* ü */ a::b(); }\n\tc::d();",
            "path a 1:18, path c 2:2",
        );
        check("\u{feff}use a;", "use a 1:5");
        check("#!/usr/bin/env run\nuse a;", "use a 2:5");
        check("#![allow(x)] use a;", "use a 1:18");
    }

    #[test]
    fn literal_positions_include_quotes() {
        let refs = scan(r#"include!("a.rs");"#);
        let pos = &refs.files[0].pos;
        assert_eq!((pos.line, pos.column, pos.len), (1, 10, 6));
    }

    #[test]
    fn invalid_input_does_not_panic() {
        let nasty = [
            "\"unterminated a::b",
            "/* unterminated /* a::b */",
            "r##\"unterminated",
            "'",
            "b'",
            "'\\",
            "use {{{{{{{{",
            "use a::{b",
            "}}}} a::b )))",
            "extern crate",
            "#[path = ",
            "\0a::b\0::\0",
            "r#",
            "include!(\"",
        ];
        for src in nasty {
            scan(src);
        }
        check("}}}} a::b", "path a 1:6");
        check("\0a::b", "path a 1:2");
    }

    #[test]
    fn every_prefix_of_tricky_source_scans() {
        let src = r####"#![a] use {a::{b, self as c}, ::d}; /* /* */ */ fn f<'a>() -> &'a str {
            let s = br##"x"#"##; 'l: loop { '\u{1}'; b'\''; } x.y::<z>(); $crate::a!{ r#k::m }
            #[path = "p.rs"] mod m { include_str!("é.rs"); extern "C" { type T; } }
        }"####;
        for end in (0..=src.len()).filter(|&e| src.is_char_boundary(e)) {
            scan(&src[..end]);
        }
    }

    #[test]
    fn deep_nesting_is_linear_and_safe() {
        let deep = "{".repeat(100_000) + "a::b();" + &"}".repeat(100_000);
        assert_eq!(scan(&deep).crates.len(), 1);
        let groups = "use ".to_owned() + &"{".repeat(100_000);
        scan(&groups);
    }

    #[test]
    fn reports_where_an_unterminated_comment_or_string_starts() {
        let unterminated = |src: &str| {
            scan(src)
                .unterminated
                .map(|u| format!("{} {}:{}", u.what, u.pos.line, u.pos.column))
        };
        assert_eq!(
            unterminated("use a::b;\n/* open /* nested */ a::c"),
            Some("block comment 2:1".into())
        );
        assert_eq!(
            unterminated("fn f() {\n    let s = \"open;\n}"),
            Some("string literal 2:13".into())
        );
        assert_eq!(
            unterminated("const B: &[u8] = b\"open"),
            Some("string literal 1:18".into())
        );
        assert_eq!(
            unterminated("const R: &str = r#\"open\"; a::b"),
            Some("raw string literal 1:17".into())
        );
        assert_eq!(
            unterminated("const R: &[u8] = br\"open"),
            Some("raw string literal 1:18".into())
        );
        assert_eq!(
            unterminated("/* closed */ const S: &str = \"closed\"; r#\"x\"#;"),
            None
        );
    }
}
