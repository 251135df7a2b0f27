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
//! recorded scope events. A path with a leading `::` (`::a::b`, `use ::a;`,
//! `use ::{a::b};`) names a crate whatever is in scope, so nothing shadows it.
//!
//! Files are referenced by `#[path]` attributes (also inside `cfg_attr` lists),
//! reported with the inline modules around them so that the caller can compute
//! rustc's base directory, and by `include!`-like macros whose argument is a
//! literal or a `concat!` of literals, optionally relative to the crate root.
//!
//! The scan is linear in the input and never panics, whatever the input.

use std::collections::HashMap;

use orrery_model::RefKind;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRefs {
    pub crates: Vec<CrateRef>,
    pub extern_crates: Vec<ExternCrate>,
    pub files: Vec<FileRef>,
    /// A comment or string that runs to the end of the file. Everything after its start is
    /// text to the lexer, so references there cannot be seen: the file is not valid Rust.
    pub unterminated: Option<Unterminated>,
}

/// Where an unterminated comment or string literal starts, and which it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unterminated {
    pub what: Unclosed,
    pub pos: Pos,
}

/// What runs to the end of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unclosed {
    BlockComment,
    StringLiteral,
    RawStringLiteral,
}

impl std::fmt::Display for Unclosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unclosed::BlockComment => "block comment",
            Unclosed::StringLiteral => "string literal",
            Unclosed::RawStringLiteral => "raw string literal",
        })
    }
}

/// A source position: 1-based line, 1-based column counted in chars, and the
/// token's length in chars. The token is the whole name (`r#a` included) or the
/// whole literal (quotes included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

/// The first segment of a path that may name an external crate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateRef {
    pub name: String,
    pub kind: RefKind,
    pub pos: Pos,
}

/// `extern crate name;` or `extern crate name as alias;` outside macro bodies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternCrate {
    pub name: String,
    pub alias: Option<String>,
    pub pos: Pos,
}

/// A file named by `#[path = "..."]` (also inside `#[cfg_attr(pred, path = "...")]`), or by
/// `include!` and its siblings with a string literal or a `concat!` of literals, optionally
/// led by `env!("CARGO_MANIFEST_DIR")`.
///
/// A `#[path]` on an inline module (`#[path = "d"] mod m { ... }`) is reported too: rustc
/// treats it as the directory of the modules declared inside, so a plain `mod n;` in there
/// loads `d/n.rs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The path as written: the literal's value, or the concatenation of the `concat!` pieces
    /// (after the `env!` for [`FileBase::CrateRoot`], so usually starting with `/`).
    pub literal: String,
    pub kind: RefKind,
    /// What `literal` is relative to.
    pub base: FileBase,
    /// For `PathModule`: the names of the inline modules enclosing the attribute, outermost first
    /// (`mod a { mod b { #[path = "x"] mod m; } }` → ["a", "b"]); empty at file level and for includes.
    ///
    /// Each entry is one more directory below the previous, as rustc computes it:
    /// - An inline module with its own `#[path = "d"]` (outer, the first one if several, else
    ///   an inner `#![path = "d"]`) contributes `d` instead of its name; `d` may hold `/` and `..`.
    /// - In a non-mod-rs file rustc first descends into the directory named after the file's
    ///   stem, unless the outermost inline module has its own `#[path]` or is declared inside
    ///   a block (a fn body, a `const` block, ...). Those two cases are marked by an empty first
    ///   entry (`["", "a"]`): the directories start at the file's directory even in a
    ///   non-mod-rs file. An empty entry is a no-op when joined as a path. (rustc treats a
    ///   file that was itself loaded through `#[path]` like a mod-rs file.)
    /// - Inline modules inside macro bodies (`cfg_if! { ... }`) count, as expanded in place;
    ///   modules named by a macro variable (`mod $m { }`) do not, and blocks inside a macro
    ///   body are not recognised as blocks.
    /// - At most 32 entries and 1 KiB of names are kept, which keeps the output linear in the
    ///   input; deeper inline modules are left out.
    pub inline_modules: Vec<String>,
    /// The literal, or the first literal piece of a `concat!` (after its `env!`).
    pub pos: Pos,
}

/// What a [`FileRef`]'s `literal` is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileBase {
    /// The directory of the file (after `inline_modules` for `#[path]`).
    File,
    /// The crate's manifest directory: `concat!(env!("CARGO_MANIFEST_DIR"), "...")`.
    CrateRoot,
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
    unterminated: Option<(usize, Unclosed)>,
}

fn lex(src: &[u8]) -> (Vec<Token>, Option<(usize, Unclosed)>) {
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
            self.unterminated
                .get_or_insert((start, Unclosed::BlockComment));
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
        self.unterminated
            .get_or_insert((opening, Unclosed::StringLiteral));
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
            .get_or_insert((opening, Unclosed::RawStringLiteral));
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
    /// Inside a block since the nearest module boundary.
    in_block: bool,
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
    /// The index of the opening token.
    open: usize,
    close: Tok,
    /// The frame to return to when this group closes, if it opened one.
    opened_frame: Option<usize>,
    /// Whether this group is an inline module's body, with an entry in `Walker::dirs`.
    module_dir: bool,
    in_macro: bool,
}

/// The value of a `path = "..."` in an attribute.
struct PathAttr {
    literal: String,
    tok: usize,
}

/// An inline module, as a directory for the `#[path]` modules declared inside it.
struct ModDir {
    /// The module's name, or the value of its own `#[path]`.
    dir: String,
    from_attr: bool,
    /// Declared inside a block, where rustc does not descend into a file-stem directory.
    in_block: bool,
    /// The group depth just inside its braces.
    depth: usize,
}

/// A file reference, recorded at token `tok`.
struct FileFound {
    literal: String,
    tok: usize,
    kind: RefKind,
    base: FileBase,
    inline_modules: Vec<String>,
}

/// Limits on [`FileRef::inline_modules`], which is cloned into every `#[path]` report.
const MAX_INLINE_MODULES: usize = 32;
const MAX_INLINE_MODULE_BYTES: usize = 1024;
/// `#[cfg_attr(a, cfg_attr(b, path = "x"))]` nests; deeper lists are not searched.
const MAX_CFG_ATTR_DEPTH: usize = 16;
/// `concat!(concat!(..), ..)` nests; deeper calls are not evaluated.
const MAX_CONCAT_DEPTH: usize = 16;

struct Walker<'a> {
    src: &'a str,
    toks: &'a [Token],
    groups: Vec<Group>,
    frame: usize,
    frames: Vec<Frame<'a>>,
    events: Vec<Event>,
    cands: Vec<Candidate<'a>>,
    externs: Vec<(usize, Option<&'a str>)>,
    files: Vec<FileFound>,
    /// The scope of the next `{` at this group depth, set by `impl`, `trait`, `mod` and `extern`.
    pending: Option<(Scope, usize)>,
    /// `#[path]` values waiting for their `mod`, from attributes at group depth `path_depth`.
    path_attrs: Vec<PathAttr>,
    path_depth: usize,
    /// The enclosing inline modules, outermost first.
    dirs: Vec<ModDir>,
    /// The inline module whose `{` is at this token index.
    pending_dir: Option<(usize, ModDir)>,
    /// For each closed opening delimiter, the index of its closer (`u32::MAX` while open).
    partners: Vec<u32>,
    /// Index of the delimiter that opens the next macro body.
    macro_open: usize,
}

impl<'a> Walker<'a> {
    fn new(src: &'a str, toks: &'a [Token]) -> Self {
        let root = Frame {
            scope: Scope::Module,
            binds_into: Some(0),
            decls: Vec::new(),
            in_block: false,
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
            path_attrs: Vec::new(),
            path_depth: 0,
            dirs: Vec::new(),
            pending_dir: None,
            partners: vec![u32::MAX; toks.len()],
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
        let path_attrs = self.track_path_attrs(i, kind);
        match kind {
            Tok::Ident => return self.ident(i, path_attrs),
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

    /// An identifier or keyword; `path_attrs` are the `#[path]` values just before it.
    fn ident(&mut self, i: usize, path_attrs: Vec<PathAttr>) -> usize {
        let text = self.text(i);
        match text {
            "use" => {
                if let Some(end) = self.use_item(i) {
                    return end;
                }
            }
            "extern" => return self.extern_item(i),
            "mod" => self.mod_item(i, path_attrs),
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
    /// Since Rust 2018 a leading `::` only ever names a crate, so no local name shadows it.
    fn leading_sep(&mut self, i: usize) {
        if let Some(prev) = i.checked_sub(1)
            && self.continues_path(prev)
        {
            return;
        }
        if self.crate_name(i + 1).is_some() {
            self.candidate(i + 1, RefKind::Path, u32::MAX);
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
        if matches!(
            self.crate_name(i),
            Some("include" | "include_str" | "include_bytes")
        ) {
            self.include(i + 2);
        }
    }

    /// `include!(file)` with its delimiter at `open`, where `file` is a string literal or a
    /// `concat!` of literals, optionally led by `env!("CARGO_MANIFEST_DIR")`. Anything else
    /// (`env!("OUT_DIR")`, other macros) names a generated file and is ignored.
    fn include(&mut self, open: usize) {
        let mut value = Concat::default();
        let Some(end) = self.include_arg(open + 1, &mut value) else {
            return;
        };
        let close = end + usize::from(self.kind(end) == Some(Tok::Comma));
        if self.kind(close) == self.kind(open).and_then(Tok::closer)
            && let Some(first) = value.first
        {
            let base = match value.crate_root {
                true => FileBase::CrateRoot,
                false => FileBase::File,
            };
            self.files.push(FileFound {
                literal: value.text,
                tok: first,
                kind: RefKind::Include,
                base,
                inline_modules: Vec::new(),
            });
        }
    }

    /// The single argument of `include!`; returns the index after it.
    fn include_arg(&self, i: usize, out: &mut Concat) -> Option<usize> {
        if let Some(text) = self.str_value(i) {
            out.push(&text, i);
            return Some(i + 1);
        }
        match self.macro_name(i)? {
            ("concat", open) => self.concat_args(open, 0, out),
            _ => None,
        }
    }

    /// A macro call's name and the index of its opening delimiter, for a call written with an
    /// optional path (`concat!`, `std::concat!`, `::core::concat!`).
    fn macro_name(&self, mut i: usize) -> Option<(&'a str, usize)> {
        i += usize::from(self.kind(i) == Some(Tok::PathSep));
        while self.crate_name(i).is_some() && self.kind(i + 1) == Some(Tok::PathSep) {
            i += 2;
        }
        let name = self.crate_name(i)?;
        let opens = self.kind(i + 2).and_then(Tok::closer).is_some();
        (self.kind(i + 1) == Some(Tok::Bang) && opens).then_some((name, i + 2))
    }

    /// The arguments of a `concat!` whose delimiter is at `open`, appended to `out`; returns
    /// the index after its closer. None for anything but literals, nested `concat!` and a
    /// leading `env!("CARGO_MANIFEST_DIR")`.
    fn concat_args(&self, open: usize, depth: usize, out: &mut Concat) -> Option<usize> {
        let close = self.kind(open)?.closer()?;
        if depth > MAX_CONCAT_DEPTH {
            return None;
        }
        let mut i = open + 1;
        loop {
            if self.kind(i)? == close {
                return Some(i + 1);
            }
            i = self.concat_piece(i, depth, out)?;
            match self.kind(i)? {
                Tok::Comma => i += 1,
                kind if kind == close => {}
                _ => return None,
            }
        }
    }

    fn concat_piece(&self, i: usize, depth: usize, out: &mut Concat) -> Option<usize> {
        if let Some(text) = self.literal_text(i) {
            out.push(&text, i);
            return Some(i + 1);
        }
        match self.macro_name(i)? {
            ("concat", open) => self.concat_args(open, depth + 1, out),
            ("env", open) if out.is_empty() => {
                let end = self.manifest_dir_env(open)?;
                out.crate_root = true;
                Some(end)
            }
            _ => None,
        }
    }

    /// `env!("CARGO_MANIFEST_DIR")` (with an optional message) with its delimiter at `open`:
    /// the index after its closer.
    fn manifest_dir_env(&self, open: usize) -> Option<usize> {
        let close = self.kind(open)?.closer()?;
        if self.str_value(open + 1)? != "CARGO_MANIFEST_DIR" {
            return None;
        }
        let mut i = open + 2;
        if self.kind(i) == Some(Tok::Comma) && self.str_value(i + 1).is_some() {
            i += 2;
        }
        i += usize::from(self.kind(i) == Some(Tok::Comma));
        (self.kind(i) == Some(close)).then_some(i + 1)
    }

    /// What `concat!` makes of the literal at `i`: strings, chars, integers and `bool`s.
    fn literal_text(&self, i: usize) -> Option<String> {
        if let Some(text) = self.str_value(i) {
            return Some(text);
        }
        let text = self.text(i);
        match self.kind(i)? {
            Tok::Ident if matches!(text, "true" | "false") => Some(text.to_owned()),
            Tok::Literal if text.starts_with('\'') => {
                let body = text.strip_prefix('\'')?.strip_suffix('\'')?;
                let value = unescape(body)?;
                let mut chars = value.chars();
                let c = chars.next()?;
                chars.next().is_none().then(|| c.to_string())
            }
            Tok::Literal if text.starts_with(|c: char| c.is_ascii_digit()) => int_value(text),
            _ => None,
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
        let module_dir = match self.pending_dir.take_if(|(brace, _)| *brace == i) {
            Some((_, dir)) => {
                self.dirs.push(ModDir {
                    depth: depth + 1,
                    ..dir
                });
                true
            }
            None => false,
        };
        self.groups.push(Group {
            open: i,
            close: kind.closer().unwrap_or(Tok::Other),
            opened_frame,
            module_dir,
            in_macro,
        });
    }

    fn enter_frame(&mut self, scope: Scope) {
        let id = self.frames.len();
        let outer = &self.frames[self.frame];
        let (binds_into, in_block) = match scope {
            Scope::Module => (Some(id), false),
            Scope::Block => (Some(id), true),
            Scope::Assoc => (None, outer.in_block),
            Scope::Foreign => (outer.binds_into, outer.in_block),
        };
        self.frames.push(Frame {
            scope,
            binds_into,
            decls: Vec::new(),
            in_block,
        });
        self.events.push(Event::Enter(id));
        self.frame = id;
    }

    fn close(&mut self, i: usize, kind: Tok) {
        // A stray closer only occurs in invalid input: ignore it.
        if self.groups.last().is_none_or(|g| g.close != kind) {
            return;
        }
        let Some(group) = self.groups.pop() else {
            return;
        };
        if let Some(partner) = self.partners.get_mut(group.open) {
            *partner = u32::try_from(i).unwrap_or(u32::MAX);
        }
        if let Some(outer) = group.opened_frame {
            self.events.push(Event::Exit(self.frame));
            self.frame = outer;
        }
        if group.module_dir {
            self.dirs.pop();
        }
        if self.pending.is_some_and(|(_, d)| d > self.groups.len()) {
            self.pending = None;
        }
        if kind == Tok::CloseBracket {
            self.attribute(group.open, i);
        }
    }

    /// The closer of the (closed) delimiter at `open`.
    fn partner(&self, open: usize) -> Option<usize> {
        let close = *self.partners.get(open)?;
        (close != u32::MAX).then_some(close as usize)
    }

    /// `#[...]` or `#![...]` with its brackets at `open` and `close`: records the values of its
    /// `path = "..."`, directly or in `cfg_attr` lists.
    fn attribute(&mut self, open: usize, close: usize) {
        let before = |k: usize| open.checked_sub(k).and_then(|t| self.kind(t));
        let inner = match (before(1), before(2)) {
            (Some(Tok::Pound), _) => false,
            (Some(Tok::Bang), Some(Tok::Pound)) => true,
            _ => return,
        };
        let mut found = Vec::new();
        self.meta_paths(open + 1, close, 0, &mut found);
        if found.is_empty() {
            return;
        }
        let depth = self.groups.len();
        if inner {
            self.inner_path_attrs(found, depth);
        } else {
            if self.path_depth != depth {
                self.path_attrs.clear();
                self.path_depth = depth;
            }
            self.path_attrs.extend(found);
        }
    }

    /// The `path = "..."` values of the meta item at tokens `start..end`: the item itself, or
    /// the attributes of a `cfg_attr(predicate, attr, ...)`, recursively. Nested delimiters
    /// are skipped through `partners`, so each list's tokens are read once.
    fn meta_paths(&self, start: usize, end: usize, depth: usize, out: &mut Vec<PathAttr>) {
        if end == start + 3
            && self.crate_name(start) == Some("path")
            && self.kind(start + 1) == Some(Tok::Eq)
            && let Some(literal) = self.str_value(start + 2)
        {
            out.push(PathAttr {
                literal,
                tok: start + 2,
            });
            return;
        }
        let list = start + 1;
        let is_cfg_attr = self.crate_name(start) == Some("cfg_attr")
            && self.kind(list) == Some(Tok::OpenParen)
            && self.partner(list) == Some(end.wrapping_sub(1));
        if !is_cfg_attr || depth >= MAX_CFG_ATTR_DEPTH {
            return;
        }
        let list_end = end - 1;
        // The first element is the predicate; the attributes follow.
        let (mut element, mut index, mut i) = (list + 1, 0, list + 1);
        while i < list_end {
            match self.kind(i) {
                Some(Tok::Comma) => {
                    if index > 0 {
                        self.meta_paths(element, i, depth + 1, out);
                    }
                    index += 1;
                    i += 1;
                    element = i;
                }
                Some(kind) if kind.closer().is_some() => match self.partner(i) {
                    Some(close) if close < list_end => i = close + 1,
                    _ => return,
                },
                _ => i += 1,
            }
        }
        if index > 0 && element < list_end {
            self.meta_paths(element, list_end, depth + 1, out);
        }
    }

    /// `#![path = "d"]` directly inside an inline module: rustc merges inner attributes into
    /// the module's own, so it names the module's directory unless an outer one did.
    fn inner_path_attrs(&mut self, found: Vec<PathAttr>, depth: usize) {
        let Some(innermost) = self.dirs.len().checked_sub(1) else {
            return;
        };
        if self.dirs[innermost].depth != depth {
            return;
        }
        let enclosing = self.inline_modules(innermost);
        let dir = &mut self.dirs[innermost];
        if !dir.from_attr
            && let Some(first) = found.first()
        {
            dir.dir = first.literal.clone();
            dir.from_attr = true;
        }
        for attr in found {
            self.path_module(attr, enclosing.clone());
        }
    }

    /// Keeps `#[path]` values alive across further attributes and `pub(..)` until their
    /// `mod`, and returns them there; anything else at their depth drops them.
    fn track_path_attrs(&mut self, i: usize, kind: Tok) -> Vec<PathAttr> {
        if self.path_attrs.is_empty() {
            return Vec::new();
        }
        let depth = self.groups.len() - usize::from(kind.is_close() && !self.groups.is_empty());
        if depth > self.path_depth {
            return Vec::new();
        }
        let keep = depth == self.path_depth
            && match kind {
                Tok::Pound | Tok::OpenBracket | Tok::CloseBracket => true,
                Tok::OpenParen | Tok::CloseParen => true,
                Tok::Ident => self.text(i) == "pub",
                _ => false,
            };
        if keep {
            return Vec::new();
        }
        let attrs = std::mem::take(&mut self.path_attrs);
        if depth == self.path_depth && self.is_word(i, "mod") {
            attrs
        } else {
            Vec::new()
        }
    }

    /// `mod name;` or `mod name { ... }` at token `i`, after the `#[path]` values `path_attrs`.
    fn mod_item(&mut self, i: usize, path_attrs: Vec<PathAttr>) {
        self.declare_name_at(i + 1);
        let own_dir = path_attrs.first().map(|attr| attr.literal.clone());
        if !path_attrs.is_empty() {
            let enclosing = self.inline_modules(self.dirs.len());
            for attr in path_attrs {
                self.path_module(attr, enclosing.clone());
            }
        }
        if self.kind(i + 2) != Some(Tok::OpenBrace) {
            return;
        }
        self.expect_brace(Scope::Module);
        if let Some(name) = self.crate_name(i + 1) {
            let from_attr = own_dir.is_some();
            let dir = own_dir.unwrap_or_else(|| name.to_owned());
            let in_block = self.frames[self.frame].in_block;
            let dir = ModDir {
                dir,
                from_attr,
                in_block,
                depth: 0,
            };
            self.pending_dir = Some((i + 2, dir));
        }
    }

    fn path_module(&mut self, attr: PathAttr, inline_modules: Vec<String>) {
        self.files.push(FileFound {
            literal: attr.literal,
            tok: attr.tok,
            kind: RefKind::PathModule,
            base: FileBase::File,
            inline_modules,
        });
    }

    /// [`FileRef::inline_modules`] for the first `n` entries of `dirs`.
    fn inline_modules(&self, n: usize) -> Vec<String> {
        let dirs = self.dirs.get(..n).unwrap_or_default();
        let mut out = Vec::new();
        if dirs.first().is_some_and(|d| d.in_block || d.from_attr) {
            out.push(String::new());
        }
        let mut bytes = 0;
        for dir in dirs {
            bytes += dir.dir.len();
            if out.len() >= MAX_INLINE_MODULES || bytes > MAX_INLINE_MODULE_BYTES {
                break;
            }
            out.push(dir.dir.clone());
        }
        out
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

/// The value of an integer literal as `concat!` prints it: in decimal, without suffix.
fn int_value(text: &str) -> Option<String> {
    const SUFFIXES: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let (radix, digits) = match text.get(..2) {
        Some("0x") => (16, &text[2..]),
        Some("0o") => (8, &text[2..]),
        Some("0b") => (2, &text[2..]),
        _ => (10, text),
    };
    let digits = SUFFIXES
        .iter()
        .find_map(|suffix| digits.strip_suffix(suffix))
        .unwrap_or(digits);
    let digits = digits.replace('_', "");
    u128::from_str_radix(&digits, radix)
        .ok()
        .map(|n| n.to_string())
}

/// The value of an `include!` argument, built piece by piece.
#[derive(Default)]
struct Concat {
    text: String,
    /// The token of the first literal piece.
    first: Option<usize>,
    /// Led by `env!("CARGO_MANIFEST_DIR")`.
    crate_root: bool,
}

impl Concat {
    fn is_empty(&self) -> bool {
        self.first.is_none() && !self.crate_root
    }

    fn push(&mut self, text: &str, tok: usize) {
        self.text.push_str(text);
        self.first.get_or_insert(tok);
    }
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
    /// Under a leading `::`: roots here are crates whatever is in scope.
    global: bool,
    root: Option<&'a str>,
    len: usize,
    last: Option<&'a str>,
}

const ROOT_PREFIX: Prefix<'static> = Prefix {
    at_root: true,
    global: false,
    root: None,
    len: 0,
    last: None,
};

#[derive(Default)]
struct UseTree<'a> {
    /// Root segments, and whether a leading `::` makes them immune to shadowing.
    roots: Vec<(usize, bool)>,
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
        for (tok, global) in tree.roots {
            let own = self.crate_name(tok).and_then(|name| own.get(name));
            let ignored = if global {
                u32::MAX
            } else {
                own.copied().unwrap_or(0)
            };
            self.candidate(tok, RefKind::Use, ignored);
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
        let leading_sep = self.kind(i) == Some(Tok::PathSep);
        let prefix = Prefix {
            global: prefix.global || (leading_sep && prefix.at_root),
            ..prefix
        };
        let i = i + usize::from(leading_sep);
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
            out.roots.push((at, prefix.global));
        }
        let here = Prefix {
            at_root: false,
            global: prefix.global,
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
        self.files.sort_by_key(|file| file.tok);
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
        let files = (self.files.into_iter())
            .map(|file| FileRef {
                literal: file.literal,
                kind: file.kind,
                base: file.base,
                inline_modules: file.inline_modules,
                pos: at.pos(self.toks[file.tok].span()),
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
        let files = refs.files.iter().map(|f| {
            let base = match f.base {
                FileBase::File => "",
                FileBase::CrateRoot => "$CARGO_MANIFEST_DIR",
            };
            let inline = match f.inline_modules.is_empty() {
                true => String::new(),
                false => format!(" in {}", f.inline_modules.join("/")),
            };
            (&f.pos, format!("{} {base}{}{inline}", f.kind, f.literal))
        });
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

    #[test]
    fn path_modules_report_enclosing_inline_modules() {
        check(
            r#"mod a { mod b { #[path = "x.rs"] mod m; } }"#,
            "path-module x.rs in a/b 1:26",
        );
        check(
            r#"#[path = "x.rs"] mod m; mod a { mod b {} #[path = "y.rs"] mod n; }"#,
            "path-module x.rs 1:10, path-module y.rs in a 1:51",
        );
        check(
            r#"mod a { fn f() { mod b { #[path = "x.rs"] mod m; } } }"#,
            "path-module x.rs in a/b 1:35",
        );
        check(
            r#"mod r#type { #[path = "x.rs"] mod m; }"#,
            "path-module x.rs in type 1:23",
        );
        check(
            r#"cfg_if! { if #[cfg(unix)] { mod a { #[path = "x.rs"] mod m; } } }"#,
            "path-module x.rs in a 1:46",
        );
        check(
            r#"m! { mod $a { #[path = "x.rs"] mod m; } }"#,
            "path-module x.rs 1:24",
        );
    }

    #[test]
    fn inline_modules_without_a_stem_directory_start_with_an_empty_entry() {
        // In a block, rustc does not descend into a non-mod-rs file's stem directory.
        check(
            r#"fn f() { mod a { #[path = "x.rs"] mod m; } }"#,
            "path-module x.rs in /a 1:27",
        );
        check(
            r#"impl S { fn f() { mod a { mod b { #[path = "x.rs"] mod m; } } } }"#,
            "path-module x.rs in /a/b 1:44",
        );
        check(
            r#"fn f() { #[path = "x.rs"] mod m; }"#,
            "path-module x.rs 1:19",
        );
        // Nor under an inline module with its own `#[path]`, which names its directory.
        check(
            r#"#[path = "d"] mod a { #[path = "x.rs"] mod m; }"#,
            "path-module d 1:10, path-module x.rs in /d 1:32",
        );
        check(
            r#"mod a { #[path = "../d"] mod b { mod c { #[path = "x.rs"] mod m; } } }"#,
            "path-module ../d in a 1:18, path-module x.rs in a/../d/c 1:51",
        );
        // An inner `#![path]` names the directory unless an outer one did.
        check(
            r#"mod a { #![path = "d"] #[path = "x.rs"] mod m; }"#,
            "path-module d 1:19, path-module x.rs in /d 1:33",
        );
        check(
            r#"#[path = "o"] mod a { #![path = "i"] #[path = "x.rs"] mod m; }"#,
            "path-module o 1:10, path-module i 1:33, path-module x.rs in /o 1:47",
        );
        check(r#"fn f() { #![path = "d"] } #![path = "e"]"#, "");
    }

    #[test]
    fn inline_modules_are_bounded() {
        let deep = "mod a { ".repeat(40) + r#"#[path = "x.rs"] mod m;"# + &" }".repeat(40);
        let refs = scan(&deep);
        assert_eq!(refs.files[0].inline_modules, vec!["a"; MAX_INLINE_MODULES]);
        let long = "b".repeat(MAX_INLINE_MODULE_BYTES);
        let src = format!(r#"mod a {{ mod {long} {{ mod c {{ #[path = "x.rs"] mod m; }} }} }}"#);
        assert_eq!(scan(&src).files[0].inline_modules, vec!["a"]);
    }

    #[test]
    fn cfg_attr_paths() {
        check(
            r#"#[cfg_attr(unix, path = "u.rs")] mod m;"#,
            "path-module u.rs 1:25",
        );
        check(
            r#"#[cfg_attr(unix, allow(dead_code), path = "u.rs",)] pub mod m;"#,
            "path-module u.rs 1:43",
        );
        check(
            r#"#[cfg_attr(unix, path = "u.rs")] #[cfg_attr(windows, path = "w.rs")] mod m;"#,
            "path-module u.rs 1:25, path-module w.rs 1:61",
        );
        check(
            r#"#[cfg_attr(all(unix, x = "y"), cfg_attr(test, path = "t.rs"))] mod m;"#,
            "path-module t.rs 1:54",
        );
        check(
            r#"#[cfg_attr(unix, path = "d")] mod a { #[path = "x.rs"] mod m; }"#,
            "path-module d 1:25, path-module x.rs in /d 1:48",
        );
        check(
            r#"mod a { #![cfg_attr(unix, path = "d")] #[path = "x.rs"] mod m; }"#,
            "path-module d 1:34, path-module x.rs in /d 1:49",
        );
    }

    #[test]
    fn cfg_attr_look_alikes() {
        check(r#"#[cfg_attr(path = "p.rs", allow(x))] mod m;"#, "");
        check(r#"#[cfg_attr(unix, doc(path = "p.rs"))] mod m;"#, "");
        check(r#"#[cfg_attr(unix, path = "p.rs")] fn f() {}"#, "");
        check(r#"#[cfg_attr(unix, path = "p.rs", x)] struct S;"#, "");
        check(r#"#[cfg_attr(unix, path = "p.rs" x)] mod m;"#, "");
        check(r#"#[cfg_attr(unix)] #[allow(path = "p.rs")] mod m;"#, "");
    }

    #[test]
    fn includes_relative_to_the_crate_root() {
        check(
            r#"include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../libs/vault/src/lib.rs"));"#,
            "include $CARGO_MANIFEST_DIR/../../libs/vault/src/lib.rs 1:46",
        );
        check(
            r#"const S: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../..", "/v.rs",));"#,
            "include $CARGO_MANIFEST_DIR/../../v.rs 1:66",
        );
        check(
            r#"static B: &[u8] = ::core::include_bytes!(std::concat![core::env!("CARGO_MANIFEST_DIR", "msg",), r"/a"]);"#,
            "path core 1:21, macro-body std 1:42, macro-body core 1:55, include $CARGO_MANIFEST_DIR/a 1:97",
        );
        check(
            r#"include!(concat!(concat!(env!("CARGO_MANIFEST_DIR"), "/a"), '/', "v", 2, true, 0x1_0u8, ".rs"));"#,
            "include $CARGO_MANIFEST_DIR/a/v2true16.rs 1:54",
        );
        let refs = scan(r#"include!(concat!(env!("CARGO_MANIFEST_DIR"), "/x.rs"));"#);
        assert_eq!(refs.files[0].base, FileBase::CrateRoot);
        assert_eq!(refs.files[0].literal, "/x.rs");
        assert_eq!(refs.files[0].pos.len, 7);
    }

    #[test]
    fn includes_of_concatenated_literals() {
        check(
            r#"include!(concat!("../../libs/", "vault/src/lib.rs"));"#,
            "include ../../libs/vault/src/lib.rs 1:18",
        );
        check(
            r#"include!{concat!("a", "\x2F", 'b', ".rs")}"#,
            "include a/b.rs 1:18",
        );
        let refs = scan(r#"include!(concat!("x.rs"));"#);
        assert_eq!(refs.files[0].base, FileBase::File);
    }

    #[test]
    fn includes_of_generated_or_unknown_files_are_ignored() {
        check(r#"include!(concat!(env!("OUT_DIR"), "/x.rs"));"#, "");
        check(r#"include!(concat!(env!("HOME"), "/x.rs"));"#, "");
        check(
            r#"include!(concat!("/x", env!("CARGO_MANIFEST_DIR")));"#,
            "",
        );
        check(r#"include!(concat!(env!("CARGO_MANIFEST_DIR")));"#, "");
        check(r#"include!(concat!("a", x, "b"));"#, "");
        check(r#"include!(concat!("a", 1.5, -1, b"b"));"#, "");
        check(r#"include!(concat!("a") "b");"#, "");
        check(r#"include!(concat!("a"), "b");"#, "");
        check(r#"include!(stringify!(a));"#, "");
        check(r#"include!(format!("{}", "a"));"#, "");
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
    fn leading_colons_are_never_shadowed() {
        check(
            "mod vault; fn f() { vault::x(); ::vault::y(); }",
            "path vault 1:35",
        );
        check(
            "fn f() { struct vault; g(::vault::x); } mod vault {}",
            "path vault 1:28",
        );
        check(
            "use x::vault; fn f() -> ::vault::T { <::vault::U>::f() }",
            "use x 1:5, path vault 1:27, path vault 1:41",
        );
        check("mod vault {} use ::vault as v;", "use vault 1:20");
        check("mod vault {} use ::vault::vault;", "use vault 1:20");
        check("struct vault; use ::{vault::x};", "use vault 1:22");
        check(
            "struct vault; use {::vault::x, vault::y};",
            "use vault 1:22",
        );
        check(
            "mod vault; m! { ::vault::x(); vault::y(); use ::vault::z; }",
            "macro-body vault 1:19, macro-body vault 1:49",
        );
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
            "include!(concat!(",
            "include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), ",
            "include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"a\"",
            "include!(concat!('",
            "include!(concat!(0x",
            "#[cfg_attr(",
            "#[cfg_attr(x, path = \"a\"",
            "#[cfg_attr(x, path = \"a\")",
            "#[cfg_attr(x, path = \"a\")] mod",
            "#![path = \"a\"]",
            "mod a { #![path = \"a\"",
            "mod a { #![path = \"a\"] #[path = \"b\"] mod",
            "#[path = \"a\"] mod m { #[path",
            "]]]] #[path = \"a\"] ]]]] mod m;",
            "mod a {{{{ #[path = \"a\"] mod m; }}}}}}}}",
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
            #[cfg_attr(unix, allow(x), path = "u.rs")] mod u { #![path = "d"] #[path = "x"] mod v; }
            include!(::std::concat!(env!("CARGO_MANIFEST_DIR"), "/a", 'b', 0x1u8, true));
        }
        use ::{x::y}; ::z::w();"####;
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
        let n = 100_000;
        let cfg_attrs = "#[".to_owned()
            + &"cfg_attr(x, ".repeat(n)
            + r#"path = "a""#
            + &")".repeat(n)
            + "] mod m;";
        assert!(scan(&cfg_attrs).files.is_empty());
        let attrs = "#[a(".repeat(n) + &")]".repeat(n) + "mod m;";
        scan(&attrs);
        let concats =
            "include!(".to_owned() + &"concat!(".repeat(n) + r#""a""# + &")".repeat(n + 1);
        assert!(scan(&concats).files.is_empty());
        let modules = "mod a { ".repeat(n) + &r#"#[path = "x"] mod m; "#.repeat(n) + &"}".repeat(n);
        let refs = scan(&modules);
        assert_eq!(refs.files.len(), n);
        assert_eq!(refs.files[0].inline_modules.len(), MAX_INLINE_MODULES);
        let inner = "mod a { #![path = \"d\"] ".repeat(n) + &"}".repeat(n);
        assert_eq!(scan(&inner).files.len(), n);
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
