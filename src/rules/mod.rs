//! Rule packs: the file format, its validation and the compiled rule set.
//!
//! A rule file is read in two steps. First it is deserialized into the raw
//! types of [`raw`], which mirror the TOML; then every rule is checked and
//! compiled into a [`Rule`], which cannot be invalid. Every problem of every
//! file is collected in one pass and reported as a [`LoadError`] whose
//! [`Diagnostic`]s point at `file:line:col` and name the rule.
//!
//! The format is documented key by key in `rules/README.md`.

mod builtin;
mod compile;
mod diag;
mod digest;
pub mod raw;
mod split;

pub use builtin::BUILTIN_RULES;
pub use diag::{Diagnostic, DiagnosticKind, LoadError};

use regex::Regex;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The shortest anchor (in characters) a rule may use. Shorter literals hit
/// body text too often to be worth confirming.
pub const MIN_ANCHOR_CHARS: usize = 4;

/// Whether a pack belongs to one publisher or applies to every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The pack's rules fire only on documents of its publisher.
    Publisher,
    /// The pack's rules fire on every document.
    Common,
}

impl Scope {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Publisher => "publisher",
            Scope::Common => "common",
        }
    }
}

/// A loaded rule pack (one rule file).
#[derive(Debug, Clone)]
pub struct Pack {
    /// Pack id; for a publisher pack, the publisher id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Publisher or common.
    pub scope: Scope,
    /// Web domains (publisher packs).
    pub domains: Vec<String>,
    /// Content signatures (publisher packs). Two distinct ones found in a
    /// text decide its publisher.
    pub signatures: Vec<String>,
    /// Signatures that decide the publisher on their own.
    pub strong_signatures: Vec<String>,
    /// Every rule of the pack matches typographic variants.
    pub typographic: bool,
    /// Where the pack was loaded from.
    pub file: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub file_sha256: String,
    /// Where the pack's `id` is in its file.
    pub location: Location,
}

macro_rules! categories {
    ($($variant:ident => $name:literal,)*) => {
        /// What kind of boilerplate a rule removes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Category {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl Category {
            /// Every category, in documentation order.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            /// The name used in rule files and provenance records.
            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name,)* }
            }

            /// Parses a category name.
            pub fn parse(name: &str) -> Option<Category> {
                match name { $($name => Some(Category::$variant),)* _ => None }
            }
        }
    };
}

categories! {
    DonationAppeal => "donation_appeal",
    Share => "share",
    Navigation => "navigation",
    Caption => "caption",
    Credit => "credit",
    LinkMarker => "link_marker",
    Byline => "byline",
    Dateline => "dateline",
    Newsletter => "newsletter",
    Advertisement => "advertisement",
    Related => "related",
    Footer => "footer",
    CookieNotice => "cookie_notice",
    Copyright => "copyright",
    WireTrailer => "wire_trailer",
    AppPromo => "app_promo",
    Other => "other",
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule removes around its anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// The anchor itself (or the regex match that contains it).
    Anchor,
    /// The line holding the anchor, with its line break.
    Line,
    /// The paragraph holding the anchor, with its line break.
    Paragraph,
    /// From the anchor to the end anchor, at most `max_len` bytes.
    Block {
        /// The literal that closes the block.
        end: String,
    },
    /// From the anchor to the end of the document.
    ToEnd,
}

impl Removal {
    /// The name used in rule files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Removal::Anchor => "anchor",
            Removal::Line => "line",
            Removal::Paragraph => "paragraph",
            Removal::Block { .. } => "block",
            Removal::ToEnd => "to-end",
        }
    }
}

/// Where the anchor must sit in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// Anywhere.
    Contains,
    /// At the start (after leading white space).
    StartsWith,
    /// At the end (before trailing white space).
    EndsWith,
    /// The anchor is the whole unit (white space aside).
    Equals,
}

impl Where {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Where::Contains => "contains",
            Where::StartsWith => "starts-with",
            Where::EndsWith => "ends-with",
            Where::Equals => "equals",
        }
    }
}

/// The stretch of text that `where`, `regex` and `max-len` look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The anchor's line.
    Line,
    /// The anchor's paragraph.
    Paragraph,
}

impl Unit {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Line => "line",
            Unit::Paragraph => "paragraph",
        }
    }
}

/// A strip example: `text` must become `clean`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripExample {
    /// Input.
    pub text: String,
    /// Expected output (empty when the whole text must go).
    pub clean: String,
}

/// A compiled, valid rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable, unique id.
    pub id: String,
    /// Index of the rule's pack in [`RuleSet::packs`].
    pub pack: usize,
    /// What kind of boilerplate this is.
    pub category: Category,
    /// The literal anchors; any of them starts a candidate.
    pub anchors: Vec<String>,
    /// What is removed.
    pub removal: Removal,
    /// Where the anchor must sit in its unit.
    pub where_: Where,
    /// The unit that `where_`, `regex` and `max_len` look at.
    pub unit: Unit,
    /// Anchors match ignoring ASCII case.
    pub case_insensitive: bool,
    /// Confirms (and, for [`Removal::Anchor`], extends) a candidate.
    pub regex: Option<RuleRegex>,
    /// Largest unit, block or footer the rule may remove, in bytes.
    pub max_len: Option<usize>,
    /// Only in the first N paragraphs.
    pub in_first: Option<usize>,
    /// Only in the last N paragraphs.
    pub in_last: Option<usize>,
    /// Block and to-end removals widen to whole lines.
    pub whole_lines: bool,
    /// Anchors also match typographic variants (`’` for `'`, `–` for `-`,
    /// `…` for `...`); without it they match them only as written.
    pub typographic: bool,
    /// Anchors match white space exactly as written, leading and trailing
    /// white space included; without it a space matches any run of white
    /// space and the anchor's ends are trimmed.
    pub exact_space: bool,
    /// The rule looks at every line of at most `max_len` bytes with its
    /// `regex`, without anchors: for shapes such as a date line, whose
    /// literals (years, weekdays) fill body text too.
    pub every_line: bool,
    /// Whole lines (or paragraphs) this rule removes, folded
    /// ([`dictionary_key`]); loaded from the `dictionary` files.
    pub dictionary: Vec<String>,
    /// The `dictionary` files as the rule names them, with where it names
    /// them.
    pub dictionary_files: Vec<(String, Location)>,
    /// Conditions on the shape of the unit.
    pub shape: Shape,
    /// The rule fires on the units right after a unit that one of these
    /// removed.
    pub after: Vec<Neighbour>,
    /// The rule fires on the units right before a unit that one of these
    /// removed.
    pub before: Vec<Neighbour>,
    /// For `after` and `before`: how many units in a row it may take.
    pub max_run: usize,
    /// Reviewer notes.
    pub description: Option<String>,
    /// Texts the rule must strip.
    pub strip: Vec<StripExample>,
    /// Texts the rule must keep.
    pub keep: Vec<String>,
    /// Where the rule's `id` is in its file.
    pub location: Location,
    /// Where each anchor is in the file, in the order of `anchors`.
    pub anchor_locations: Vec<Location>,
}

/// Largest compiled regex of a rule, in bytes.
pub(crate) const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// A rule's regex. Its syntax is checked when the rule loads; it is compiled
/// when first used (it dereferences to the compiled [`Regex`]), so that the
/// large Unicode classes of rules a run never confirms cost nothing. Regexes
/// of rule files other than the built-in ones are compiled at load, so that
/// one too large to compile is a load error; the built-in ones are known to
/// compile. Clones share the compiled regex.
#[derive(Clone)]
pub struct RuleRegex(Arc<LazyRegex>);

struct LazyRegex {
    source: String,
    compiled: OnceLock<Compiled>,
}

struct Compiled {
    regex: Regex,
    /// Whether some group has a name.
    names: bool,
}

impl RuleRegex {
    /// Compiles `source` now (`eager`), or on first use for a regex known to
    /// compile (a built-in rule's); the error is the gist of the problem, as
    /// one line.
    pub(crate) fn new(source: &str, eager: bool) -> Result<RuleRegex, String> {
        let lazy = LazyRegex {
            source: source.to_string(),
            compiled: OnceLock::new(),
        };
        if eager {
            let compiled = compile_regex(source).map_err(|e| regex_problem(&e.to_string()))?;
            let _ = lazy.compiled.set(compiled);
        }
        Ok(RuleRegex(Arc::new(lazy)))
    }

    /// Compiles the regex now, unless it is compiled already; otherwise it
    /// is compiled when first used.
    pub fn prepare(&self) {
        self.compiled();
    }

    /// Whether the regex is compiled already.
    pub fn is_compiled(&self) -> bool {
        self.0.compiled.get().is_some()
    }

    /// The regex as written in the rule.
    pub fn as_str(&self) -> &str {
        &self.0.source
    }

    /// Whether some group of the regex has a name (`(?P<name>…)`).
    pub fn names_groups(&self) -> bool {
        self.compiled().names
    }

    fn compiled(&self) -> &Compiled {
        self.0.compiled.get_or_init(|| {
            compile_regex(&self.0.source).expect("a built-in rule's regex compiles")
        })
    }
}

fn compile_regex(source: &str) -> Result<Compiled, regex::Error> {
    let regex = regex::RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()?;
    let names = regex.capture_names().any(|n| n.is_some());
    Ok(Compiled { regex, names })
}

/// The gist of a regex error: the `error: …` line of a syntax error, or the
/// whole message folded onto one line.
fn regex_problem(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl std::ops::Deref for RuleRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        &self.compiled().regex
    }
}

impl fmt::Debug for RuleRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Regex").field(&self.as_str()).finish()
    }
}

/// A removal that a neighbour rule (`after`, `before`) follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Neighbour {
    /// A removal by the rule with this id.
    Rule(String),
    /// A removal by any rule of this category.
    Category(Category),
}

/// Letter case a unit must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Every word of four letters or more starts with a capital letter.
    Title,
    /// There are letters, and none is lowercase.
    Upper,
}

impl Case {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Case::Title => "title",
            Case::Upper => "upper",
        }
    }
}

/// Conditions on the shape of a candidate's unit (its line or paragraph,
/// trimmed). Each one that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// At most this many words (runs of non-space characters).
    pub max_words: Option<usize>,
    /// At most this many characters.
    pub max_chars: Option<usize>,
    /// The unit does not end like a sentence (`.`, `!`, `?`, `…`, `。`, `؟`,
    /// before any closing quotes or brackets).
    pub no_final_punct: bool,
    /// Title case or all capitals.
    pub case: Option<Case>,
    /// The unit looks like a picture or agency credit.
    pub credit: bool,
    /// The same unit (folded) occurs more than once in the document.
    pub repeated: bool,
}

impl Shape {
    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        *self == Shape::default()
    }
}

/// The form a dictionary entry or a line is compared in: white space and
/// typography folded (see the engine's matching view), trimmed, lowercase.
pub fn dictionary_key(text: &str) -> String {
    let mut key = String::new();
    crate::fold::key_into(text, &mut key);
    key
}

/// A position in a rule file (1-based line and column, in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The rule file, shared by every location in it.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Default limit for a block removal, in bytes.
pub const DEFAULT_BLOCK_MAX_LEN: usize = 6000;
/// Default limit for a to-end removal, in bytes.
pub const DEFAULT_TO_END_MAX_LEN: usize = 3000;

impl Rule {
    /// The byte limit that applies to this rule's removal.
    pub fn effective_max_len(&self) -> Option<usize> {
        match self.removal {
            Removal::Block { .. } => Some(self.max_len.unwrap_or(DEFAULT_BLOCK_MAX_LEN)),
            Removal::ToEnd => Some(self.max_len.unwrap_or(DEFAULT_TO_END_MAX_LEN)),
            _ => self.max_len,
        }
    }
}

/// A rule file's contents, named.
#[derive(Debug, Clone)]
pub struct Source {
    /// How diagnostics name the file.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// Whether this is a built-in rule file as compiled in
    /// ([`builtin_sources`]): its dictionaries are the compiled-in ones. A
    /// rule file read from disk reads its dictionaries from disk, also when
    /// its text is that of a built-in file.
    pub builtin: bool,
}

impl Source {
    /// A rule file that is not built in (read from disk, or written by the
    /// caller), named `name` in diagnostics; its dictionaries are read from
    /// disk, relative to `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
            builtin: false,
        }
    }
}

/// A validated, compiled set of rule packs.
#[derive(Debug, Clone)]
pub struct RuleSet {
    packs: Vec<Pack>,
    rules: Vec<Rule>,
    /// Computed on first use: hashing 100,000 rules takes a while, and
    /// listing or testing them does not need it.
    digest: OnceLock<String>,
}

impl RuleSet {
    /// Compiles rule files, reporting every problem of every file at once.
    pub fn from_sources(sources: &[Source]) -> Result<RuleSet, LoadError> {
        compile::compile(sources)
    }

    /// A set with no packs and no rules.
    pub(crate) fn empty() -> RuleSet {
        RuleSet {
            packs: Vec::new(),
            rules: Vec::new(),
            digest: OnceLock::new(),
        }
    }

    /// The rule packs that ship inside the binary (the `rules/` folder).
    pub fn builtin() -> RuleSet {
        RuleSet::from_sources(&builtin_sources()).expect("the built-in rules are valid")
    }

    /// Reads rule files from disk: each path is a `.toml` file or a folder
    /// searched recursively for `.toml` files (in sorted order).
    pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> Result<RuleSet, LoadError> {
        RuleSet::load(false, paths)
    }

    /// The built-in packs (when `builtin` is true) followed by the rule files
    /// at `paths`, read as [`RuleSet::load_paths`] reads them: what the
    /// command line's `--rules` and `--no-builtin` load. Every problem is
    /// reported, those reading the files first.
    pub fn load<P: AsRef<Path>>(builtin: bool, paths: &[P]) -> Result<RuleSet, LoadError> {
        RuleSet::load_with_sources(builtin, paths).map(|(set, _)| set)
    }

    /// [`RuleSet::load`], with the sources the set was compiled from (in
    /// load order), for checking more rules together with them.
    pub fn load_with_sources<P: AsRef<Path>>(
        builtin: bool,
        paths: &[P],
    ) -> Result<(RuleSet, Vec<Source>), LoadError> {
        let mut sources = if builtin {
            builtin_sources()
        } else {
            Vec::new()
        };
        let (mut read, mut diagnostics) = read_sources(paths);
        sources.append(&mut read);
        match compile::compile(&sources) {
            Ok(set) if diagnostics.is_empty() => Ok((set, sources)),
            Ok(_) => Err(LoadError { diagnostics }),
            Err(mut e) => {
                diagnostics.append(&mut e.diagnostics);
                Err(LoadError { diagnostics })
            }
        }
    }

    /// The packs, in load order.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// The rules, in load order (pack order, then file order).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// `sha256:` digest of everything that decides what the rules remove.
    /// Comments, descriptions and examples do not change it; the order of
    /// packs and rules does.
    pub fn digest(&self) -> &str {
        self.digest
            .get_or_init(|| digest::digest(&self.packs, &self.rules))
    }

    /// Whether the digest has been worked out already.
    #[cfg(test)]
    pub(crate) fn digest_ready(&self) -> bool {
        self.digest.get().is_some()
    }

    /// Drops what only reviewing the rules reads (`chaff test`, `chaff
    /// lint`): each rule's strip and keep examples and its description.
    /// What the rules remove, and so the digest, does not change. A run that
    /// only strips holds 100,000 rules in less memory this way.
    pub fn drop_examples(&mut self) {
        for rule in &mut self.rules {
            rule.strip = Vec::new();
            rule.keep = Vec::new();
            rule.description = None;
        }
    }

    /// The publisher pack with this id.
    pub fn publisher(&self, id: &str) -> Option<&Pack> {
        self.packs
            .iter()
            .find(|p| p.scope == Scope::Publisher && p.id == id)
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// A rule set holding only the rule at `index` (with its pack), for
    /// testing a rule on its own. A neighbour rule (`after`, `before`) comes
    /// with the rules it names, which it cannot fire without; they go
    /// first, in load order.
    pub fn only(&self, index: usize) -> RuleSet {
        let rule = &self.rules[index];
        let named = |r: &Rule| {
            rule.after.iter().chain(&rule.before).any(|n| match n {
                Neighbour::Rule(id) => *id == r.id,
                Neighbour::Category(c) => *c == r.category,
            })
        };
        let mut chosen: Vec<usize> = (0..self.rules.len())
            .filter(|&i| i != index && named(&self.rules[i]))
            .collect();
        chosen.push(index);
        let mut packs: Vec<Pack> = Vec::new();
        let mut pack_of: Vec<Option<usize>> = vec![None; self.packs.len()];
        let rules = chosen
            .into_iter()
            .map(|i| {
                let mut r = self.rules[i].clone();
                r.pack = *pack_of[r.pack].get_or_insert_with(|| {
                    packs.push(self.packs[r.pack].clone());
                    packs.len() - 1
                });
                r
            })
            .collect();
        RuleSet {
            packs,
            rules,
            digest: OnceLock::new(),
        }
    }
}

/// The built-in rule files as sources.
pub fn builtin_sources() -> Vec<Source> {
    BUILTIN_RULES
        .iter()
        .map(|(name, text)| Source {
            name: (*name).to_string(),
            text: (*text).to_string(),
            builtin: true,
        })
        .collect()
}

/// Reads rule files from disk (each path a `.toml` file or a folder searched
/// recursively, in sorted order). Files that cannot be read are reported as
/// diagnostics; the others are returned for [`RuleSet::from_sources`].
pub fn read_sources<P: AsRef<Path>>(paths: &[P]) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        for file in rule_files(path.as_ref(), &mut diagnostics) {
            let name = file.display().to_string();
            match std::fs::read(&file) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => sources.push(Source::new(name, text)),
                    Err(e) => diagnostics.push(io_diag(
                        &name,
                        format!(
                            "not UTF-8 (invalid byte at offset {})",
                            e.utf8_error().valid_up_to()
                        ),
                    )),
                },
                Err(e) => diagnostics.push(io_diag(&name, format!("cannot read: {e}"))),
            }
        }
    }
    (sources, diagnostics)
}

fn io_diag(file: &str, message: String) -> Diagnostic {
    Diagnostic {
        kind: DiagnosticKind::Io,
        file: file.to_string(),
        line: 0,
        column: 0,
        rule: None,
        message,
        help: None,
        source_line: None,
    }
}

fn rule_files(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().extension() == Some("toml".as_ref()) => {
                files.push(e.into_path())
            }
            Ok(_) => {}
            Err(e) => diagnostics.push(io_diag(
                &e.path().unwrap_or(path).display().to_string(),
                format!("cannot read: {e}"),
            )),
        }
    }
    files
}
