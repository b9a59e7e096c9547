//! Raw rule files → validated [`RuleSet`], collecting every problem.

use super::diag::{self, Diagnostic, DiagnosticKind as K, LoadError};
use super::raw::{RawPack, RawRule, RawStripExample};
use super::split;
use super::{
    Case, Category, MIN_ANCHOR_CHARS, Neighbour, Pack, Removal, Rule, RuleSet, Scope, Shape,
    Source, StripExample, Unit, Where,
};
use foldhash::{HashMap, HashMapExt};
use serde::Deserialize;
use std::collections::hash_map::Entry;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, OnceLock};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// One rule file being compiled: its text, its diagnostics, and where in
/// the file the values being read come from.
struct Ctx<'a> {
    file: Arc<str>,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
    /// Offset in `text` of the piece being read: spans of parsed values are
    /// relative to it.
    base: usize,
    /// Finds the line of an offset in time proportional to the distance from
    /// the last offset looked up, so that locating every rule of a large file
    /// in order stays linear.
    lines: LineCursor,
    /// Whether the file is a built-in rule file as compiled in, whose
    /// regexes are known to compile and are compiled on first use.
    compiled_in: bool,
}

impl<'a> Ctx<'a> {
    fn new(file: Arc<str>, text: &'a str, compiled_in: bool) -> Ctx<'a> {
        Ctx {
            file,
            text,
            diagnostics: Vec::new(),
            base: 0,
            lines: LineCursor::default(),
            compiled_in,
        }
    }

    /// The offset in the file of a value parsed from the current piece.
    fn pos<T>(&self, value: &Spanned<T>) -> usize {
        self.base + value.span().start
    }

    fn location(&mut self, at: usize) -> super::Location {
        let text = self.text;
        let at = at.min(text.len());
        let (line, start) = self.lines.seek(text, at);
        let mut column_text = text.get(start..at).unwrap_or("");
        if line == 1 {
            column_text = column_text.trim_start_matches('\u{feff}');
        }
        super::Location {
            file: Arc::clone(&self.file),
            line,
            column: column_text.chars().count() + 1,
        }
    }

    /// A diagnostic at offset `at` of the file.
    fn diagnostic(
        &mut self,
        kind: K,
        at: usize,
        rule: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let at = floor_char_boundary(self.text, at);
        let (line, line_start) = self.lines.seek(self.text, at);
        let position = diag::locate_on_line(self.text, at, line, line_start);
        Diagnostic::located(kind, &self.file, position, rule, message)
    }

    fn push(&mut self, kind: K, at: usize, rule: Option<&str>, message: impl Into<String>) {
        let d = self.diagnostic(kind, at, rule, message);
        self.diagnostics.push(d);
    }

    fn push_help(
        &mut self,
        kind: K,
        at: usize,
        rule: Option<&str>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let d = self.diagnostic(kind, at, rule, message).help(help);
        self.diagnostics.push(d);
    }

    /// Reports a deserialization error; `fallback` (an offset in the file)
    /// is used when the error has no span.
    fn serde_error(&mut self, e: &toml::de::Error, fallback: usize, rule: Option<&str>) {
        let at = e.span().map_or(fallback, |s| self.base + s.start);
        let message = e.message().trim().to_string();
        let kind = if message.starts_with("unknown field") {
            K::UnknownKey
        } else {
            K::InvalidValue
        };
        let help = if kind == K::UnknownKey {
            Some("see rules/README.md for the keys a rule file may use")
        } else {
            None
        };
        match help {
            Some(h) => self.push_help(kind, at, rule, message, h),
            None => self.push(kind, at, rule, message),
        }
    }
}

/// The largest offset at or before `at` that is a character boundary of
/// `text` (and at most its length).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A line number and the offset where that line starts, moved from lookup
/// to lookup by counting the line breaks in between.
#[derive(Debug, Clone, Copy)]
struct LineCursor {
    /// 1-based line.
    line: usize,
    /// Offset where `line` starts.
    start: usize,
}

impl Default for LineCursor {
    fn default() -> Self {
        LineCursor { line: 1, start: 0 }
    }
}

impl LineCursor {
    /// The 1-based line holding offset `at` of `text`, and where it starts.
    fn seek(&mut self, text: &str, at: usize) -> (usize, usize) {
        let bytes = text.as_bytes();
        let at = at.min(bytes.len());
        if at >= self.start {
            let from = self.start;
            for i in memchr::memchr_iter(b'\n', &bytes[from..at]) {
                self.line += 1;
                self.start = from + i + 1;
            }
        } else {
            self.line -= memchr::memchr_iter(b'\n', &bytes[at..self.start]).count();
            self.start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        }
        (self.line, self.start)
    }
}

/// What has been compiled so far, across files.
struct Loader<'s> {
    sources: &'s [Source],
    packs: Vec<Pack>,
    /// Index in `sources` of each pack's file, in the order of `packs`.
    pack_sources: Vec<usize>,
    rules: Vec<Rule>,
    /// Pack id → index in `sources` of the file that first used it.
    pack_ids: HashMap<String, usize>,
    /// Rule id → index in `sources` of the file that first used it.
    rule_ids: HashMap<Box<str>, usize>,
    reading: Reading,
}

/// How rule files are read. The result is the same; only time and memory
/// differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A piece at a time when a file allows it, on several threads for a
    /// large file.
    Auto,
    /// As one document.
    #[cfg(test)]
    Whole,
    /// A piece at a time when a file allows it, on this many threads.
    #[cfg(test)]
    Pieces(usize),
}

pub(super) fn compile(sources: &[Source]) -> Result<RuleSet, LoadError> {
    compile_with(sources, Reading::Auto)
}

fn compile_with(sources: &[Source], reading: Reading) -> Result<RuleSet, LoadError> {
    let mut diagnostics = Vec::new();
    let mut loader = Loader {
        reading,
        sources,
        packs: Vec::new(),
        pack_sources: Vec::new(),
        rules: Vec::new(),
        pack_ids: HashMap::new(),
        rule_ids: HashMap::default(),
    };
    for (index, source) in sources.iter().enumerate() {
        let compiled_in =
            source.builtin && super::builtin::is_compiled_in(&source.name, &source.text);
        let mut ctx = Ctx::new(source.name.as_str().into(), &source.text, compiled_in);
        loader.compile_file(&mut ctx, index);
        ctx.diagnostics.sort_by_key(|d| (d.line, d.column));
        diagnostics.append(&mut ctx.diagnostics);
    }
    let Loader {
        packs,
        pack_sources,
        mut rules,
        ..
    } = loader;
    finish_rules(sources, &packs, &pack_sources, &mut rules, &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(LoadError { diagnostics });
    }
    rules.shrink_to_fit();
    Ok(RuleSet {
        packs,
        rules,
        digest: OnceLock::new(),
    })
}

/// What needs every file loaded: the packs' settings that apply to their
/// rules, the dictionaries, and the rules that `after` and `before` name.
fn finish_rules(
    sources: &[Source],
    packs: &[Pack],
    pack_sources: &[usize],
    rules: &mut [Rule],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let ids: std::collections::HashSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let mut unknown = Vec::new();
    for r in rules.iter() {
        for n in r.after.iter().chain(&r.before) {
            if let super::Neighbour::Rule(id) = n
                && !ids.contains(id.as_str())
            {
                unknown.push(
                    location_diagnostic(
                        K::InvalidValue,
                        &r.location,
                        &r.id,
                        format!("`after`/`before` names `{id}`, which is neither a rule id nor a category"),
                    )
                    .help("name a loaded rule's id, or a category such as \"caption\""),
                );
            }
        }
    }
    diagnostics.append(&mut unknown);
    for r in rules.iter_mut() {
        r.typographic |= packs[r.pack].typographic;
        if r.dictionary_files.is_empty() {
            continue;
        }
        let pack_file = &packs[r.pack].file;
        let builtin = sources[pack_sources[r.pack]].builtin;
        let mut seen = std::collections::HashSet::new();
        for (name, at) in &r.dictionary_files {
            let path = std::path::Path::new(pack_file)
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .join(name);
            let shown = path.display().to_string().replace('\\', "/");
            let text = if builtin {
                super::builtin::data(&shown)
                    .map(str::to_string)
                    .ok_or_else(|| "not a built-in data file".to_string())
            } else if std::path::Path::new(name).is_absolute()
                || std::path::Path::new(name)
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                Err(
                    "a dictionary path must be relative and stay inside the rule file's folder"
                        .to_string(),
                )
            } else if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                Err("not a regular file".to_string())
            } else {
                std::fs::read(&path)
                    .map_err(|e| format!("cannot read: {e}"))
                    .and_then(|b| {
                        String::from_utf8(b).map_err(|e| {
                            format!(
                                "not UTF-8 (invalid byte at offset {})",
                                e.utf8_error().valid_up_to()
                            )
                        })
                    })
            };
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(
                        location_diagnostic(K::Io, at, &r.id, format!("dictionary `{shown}`: {e}"))
                            .help("a dictionary path is relative to the rule file's folder"),
                    );
                    continue;
                }
            };
            for (i, line) in text.lines().enumerate() {
                let entry = line.trim();
                if entry.is_empty() || entry.starts_with('#') {
                    continue;
                }
                let key = super::dictionary_key(entry);
                if key.chars().count() < MIN_ANCHOR_CHARS {
                    let column = line.len() - line.trim_start().len();
                    diagnostics.push(
                        Diagnostic::located(
                            K::ShortAnchor,
                            &shown,
                            (i + 1, line[..column].chars().count() + 1, line.to_string()),
                            Some(&r.id),
                            format!("dictionary entry `{entry}` is shorter than {MIN_ANCHOR_CHARS} characters"),
                        )
                        .help("drop it, or write it as a longer line"),
                    );
                    continue;
                }
                if seen.insert(key.clone()) {
                    r.dictionary.push(key);
                }
            }
        }
        if r.dictionary.is_empty() && !diagnostics.iter().any(|d| d.rule.as_deref() == Some(&r.id))
        {
            diagnostics.push(location_diagnostic(
                K::MissingAnchor,
                &r.location,
                &r.id,
                "the rule's dictionaries hold no entry".to_string(),
            ));
        }
    }
}

/// A diagnostic at a location already resolved (file, line, column).
fn location_diagnostic(kind: K, at: &super::Location, rule: &str, message: String) -> Diagnostic {
    Diagnostic {
        kind,
        file: at.file.to_string(),
        line: at.line,
        column: at.column,
        rule: Some(rule.to_string()),
        message,
        help: None,
        source_line: None,
    }
}

struct PackHead {
    id: (String, usize),
    name: String,
    scope: Scope,
    domains: Vec<String>,
    signatures: Vec<String>,
    strong_signatures: Vec<String>,
    typographic: bool,
}

/// Why a file is parsed again as a whole.
struct ParseWhole;

/// How many bytes of `[[rules]]` tables are parsed at once, at least (a
/// piece ends before a `[[rules]]` line): enough to make the cost of a parse
/// small, small enough that the syntax trees of a piece take little memory.
const PIECE_BYTES: usize = 4 * 1024;

/// Files at least this large are read on several threads.
const PARALLEL_BYTES: usize = 1 << 20;

/// The most threads that read one file.
const MAX_WORKERS: usize = 8;

/// Files at least this large are hashed on a thread of their own.
const HASH_ASIDE_BYTES: usize = 1 << 20;

/// How many times a piece that does not parse is tried again with the next
/// piece joined to it, before the file is parsed whole.
const MAX_JOINS: usize = 8;

impl Loader<'_> {
    /// Compiles source `index`, reporting into `ctx`.
    fn compile_file(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        let text = ctx.text;
        // A large file is hashed on another thread while it is parsed.
        let (head, file_sha256) = if text.len() >= HASH_ASIDE_BYTES {
            std::thread::scope(|scope| {
                let hash = scope.spawn(|| crate::hash::sha256_hex(text.as_bytes()));
                let head = self.read_file(ctx, index);
                let hash = hash.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                (head, Some(hash))
            })
        } else {
            (self.read_file(ctx, index), None)
        };
        let Some(pack) = head else {
            return;
        };
        if let Some(&first) = self.pack_ids.get(&pack.id.0) {
            let first = &self.sources[first].name;
            let msg = format!("pack id `{}` is already used by {first}", pack.id.0);
            ctx.push_help(
                K::DuplicateId,
                pack.id.1,
                None,
                msg,
                "give every pack its own id",
            );
        } else {
            self.pack_ids.insert(pack.id.0.clone(), index);
        }
        let source = &self.sources[index];
        let location = ctx.location(pack.id.1);
        self.pack_sources.push(index);
        self.packs.push(Pack {
            id: pack.id.0,
            name: pack.name,
            scope: pack.scope,
            domains: pack.domains,
            signatures: pack.signatures,
            strong_signatures: pack.strong_signatures,
            typographic: pack.typographic,
            file: source.name.clone(),
            file_sha256: file_sha256
                .unwrap_or_else(|| crate::hash::sha256_hex(source.text.as_bytes())),
            location,
        });
    }

    /// Reads the `[pack]` table and the rules of source `index`: a piece at
    /// a time when it can, else as one document.
    fn read_file(&mut self, ctx: &mut Ctx<'_>, index: usize) -> Option<PackHead> {
        #[cfg(test)]
        if self.reading == Reading::Whole {
            return self.compile_whole(ctx, index);
        }
        let starts = split::rule_header_lines(ctx.text);
        if starts.is_empty() {
            return self.compile_whole(ctx, index);
        }
        let rules_before = self.rules.len();
        match self.compile_pieces(ctx, index, &starts) {
            Ok(head) => head,
            Err(ParseWhole) => {
                // Forget what the pieces gave and start over.
                self.rules.truncate(rules_before);
                self.rule_ids.retain(|_, file| *file != index);
                *ctx = Ctx::new(Arc::clone(&ctx.file), ctx.text, ctx.compiled_in);
                self.compile_whole(ctx, index)
            }
        }
    }

    /// Parses the file as one document.
    fn compile_whole(&mut self, ctx: &mut Ctx<'_>, index: usize) -> Option<PackHead> {
        let root = match DeTable::parse(ctx.text) {
            Ok(root) => root,
            Err(e) => {
                let at = e.span().map_or(0, |s| s.start);
                ctx.push(K::Syntax, at, None, e.message().trim().to_string());
                return None;
            }
        };
        let mut pack_value = None;
        let mut rule_values = Vec::new();
        for (key, value) in root.into_inner() {
            let at = ctx.pos(&value);
            match key.get_ref().as_ref() {
                "pack" => pack_value = Some(value),
                "rules" => match value.into_inner() {
                    DeValue::Array(items) => rule_values = items.into_iter().collect(),
                    _ => ctx.push(
                        K::InvalidValue,
                        at,
                        None,
                        "`rules` must be an array of tables ([[rules]])",
                    ),
                },
                other => unknown_top_level_key(ctx, ctx.pos(&key), other),
            }
        }
        let head = compile_head(ctx, pack_value);
        let pack = head.is_some().then_some(self.packs.len());
        self.rules.reserve(rule_values.len());
        self.rule_ids.reserve(rule_values.len());
        for value in rule_values {
            let (rule, id) = read_rule(ctx, value);
            self.add_rule(ctx, index, pack, rule, id);
        }
        head
    }

    /// Parses the head of the file and then its `[[rules]]` tables a piece
    /// at a time (see [`split`]), on several threads for a large file. What
    /// is read is what [`Loader::compile_whole`] would read; when that cannot
    /// be shown (a piece does not parse, the head holds `rules` too, a piece
    /// holds more than `rules`), the file must be parsed whole.
    fn compile_pieces(
        &mut self,
        ctx: &mut Ctx<'_>,
        index: usize,
        starts: &[usize],
    ) -> Result<Option<PackHead>, ParseWhole> {
        let (file, text, compiled_in) = (Arc::clone(&ctx.file), ctx.text, ctx.compiled_in);
        let root = DeTable::parse(&text[..starts[0]]).map_err(|_| ParseWhole)?;
        let mut pack_value = None;
        for (key, value) in root.into_inner() {
            match key.get_ref().as_ref() {
                "pack" => pack_value = Some(value),
                "rules" => return Err(ParseWhole),
                other => unknown_top_level_key(ctx, ctx.pos(&key), other),
            }
        }
        let head = compile_head(ctx, pack_value);
        let pack = head.is_some().then_some(self.packs.len());
        self.rules.reserve(starts.len());
        self.rule_ids.reserve(starts.len());

        // Piece `k` is `text[bounds[k]..bounds[k + 1]]`: whole `[[rules]]`
        // tables, at least PIECE_BYTES of them. It starts on line `lines[k]`.
        let mut bounds = Vec::with_capacity(starts.len() / 8 + 2);
        for &start in starts {
            if bounds
                .last()
                .is_none_or(|&last| start - last >= PIECE_BYTES)
            {
                bounds.push(start);
            }
        }
        let mut lines = Vec::with_capacity(bounds.len());
        let mut cursor = LineCursor::default();
        for &start in &bounds {
            lines.push(cursor.seek(text, start).0);
        }
        bounds.push(text.len());
        let count = bounds.len() - 1;
        let read = |from: usize, to: usize| {
            read_piece(
                &file,
                text,
                compiled_in,
                bounds[from],
                bounds[to],
                lines[from],
            )
        };

        let workers = match self.reading {
            Reading::Auto if text.len() >= PARALLEL_BYTES => {
                std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS))
            }
            Reading::Auto => 1,
            #[cfg(test)]
            Reading::Whole => unreachable!("a whole file is not read in pieces"),
            #[cfg(test)]
            Reading::Pieces(workers) => workers,
        };
        if workers <= 1 {
            self.merge_pieces(ctx, index, pack, count, |k| read(k, k + 1), &read)?;
            return Ok(head);
        }
        // Worker `w` reads pieces w, w + workers, w + 2 * workers…; they are
        // taken back in order. A worker stops when its piece is not wanted.
        std::thread::scope(|scope| {
            let results: Vec<Receiver<Result<Piece, PieceError>>> = (0..workers)
                .map(|w| {
                    let (send, receive) = mpsc::sync_channel(4);
                    let read = &read;
                    scope.spawn(move || {
                        for k in (w..count).step_by(workers) {
                            if send.send(read(k, k + 1)).is_err() {
                                break;
                            }
                        }
                    });
                    receive
                })
                .collect();
            let next = |k: usize| {
                results[k % workers]
                    .recv()
                    .expect("a piece reader sends every piece it is given")
            };
            self.merge_pieces(ctx, index, pack, count, next, &read)
        })?;
        Ok(head)
    }

    /// Takes pieces `0..count` in order from `next` and records their rules.
    /// A piece that does not parse is read again with the following pieces
    /// joined to it (`read(from, to)`), since a `[[rules]]` line in a
    /// multi-line string cuts it short.
    fn merge_pieces(
        &mut self,
        ctx: &mut Ctx<'_>,
        index: usize,
        pack: Option<usize>,
        count: usize,
        mut next: impl FnMut(usize) -> Result<Piece, PieceError>,
        read: &impl Fn(usize, usize) -> Result<Piece, PieceError>,
    ) -> Result<(), ParseWhole> {
        let mut k = 0;
        while k < count {
            let mut piece = next(k);
            let mut to = k + 1;
            while let Err(PieceError::Syntax) = piece {
                if to == count || to - k > MAX_JOINS {
                    return Err(ParseWhole);
                }
                to += 1;
                piece = read(k, to);
            }
            let piece = piece.map_err(|_| ParseWhole)?;
            for joined in k + 1..to {
                let _ = next(joined);
            }
            ctx.diagnostics.extend(piece.diagnostics);
            for (rule, id) in piece.rules {
                self.add_rule(ctx, index, pack, rule, id);
            }
            k = to;
        }
        Ok(())
    }

    /// Records a rule read from file `index`: its id (even when the rule is
    /// invalid, so that a later rule with the same id is reported) and, when
    /// it is valid and its file has a valid pack (`pack`), the rule.
    fn add_rule(
        &mut self,
        ctx: &mut Ctx<'_>,
        index: usize,
        pack: Option<usize>,
        rule: Option<Rule>,
        id: Option<(String, usize)>,
    ) {
        let Some((id, id_at)) = id else {
            return;
        };
        match self.rule_ids.entry(id.into_boxed_str()) {
            Entry::Vacant(entry) => {
                entry.insert(index);
            }
            Entry::Occupied(entry) => {
                let id = entry.key();
                let first = &self.sources[*entry.get()].name;
                let msg = format!("rule id `{id}` is already used in {first}");
                ctx.push_help(
                    K::DuplicateId,
                    id_at,
                    Some(id),
                    msg,
                    "rule ids are global: prefix them with the pack id",
                );
                return;
            }
        }
        if let (Some(mut rule), Some(pack)) = (rule, pack) {
            rule.pack = pack;
            self.rules.push(rule);
        }
    }
}

/// An entry of `rules` as read: the rule when it is valid, and its id and
/// the id's offset when it has one.
type ReadRule = (Option<Rule>, Option<(String, usize)>);

/// The rules of a piece of a rule file, read on their own.
struct Piece {
    rules: Vec<ReadRule>,
    diagnostics: Vec<Diagnostic>,
}

/// Why a piece could not be read.
enum PieceError {
    /// It is not TOML (perhaps because it was cut short).
    Syntax,
    /// It holds something besides `rules`.
    NotRules,
}

/// Reads `text[from..to]`, which starts on line `line`, as a piece of rule
/// file `file`.
fn read_piece(
    file: &Arc<str>,
    text: &str,
    compiled_in: bool,
    from: usize,
    to: usize,
    line: usize,
) -> Result<Piece, PieceError> {
    let root = DeTable::parse(&text[from..to]).map_err(|_| PieceError::Syntax)?;
    let mut ctx = Ctx::new(Arc::clone(file), text, compiled_in);
    ctx.base = from;
    ctx.lines = LineCursor { line, start: from };
    let mut rules = Vec::new();
    for (key, value) in root.into_inner() {
        if key.get_ref().as_ref() != "rules" {
            return Err(PieceError::NotRules);
        }
        let DeValue::Array(items) = value.into_inner() else {
            return Err(PieceError::NotRules);
        };
        rules.reserve(items.len());
        for item in items {
            rules.push(read_rule(&mut ctx, item));
        }
    }
    Ok(Piece {
        rules,
        diagnostics: ctx.diagnostics,
    })
}

/// Checks and compiles one entry of `rules`.
fn read_rule(ctx: &mut Ctx<'_>, value: Spanned<DeValue<'_>>) -> ReadRule {
    let at = ctx.pos(&value);
    if !matches!(value.get_ref(), DeValue::Table(_)) {
        ctx.push(
            K::InvalidValue,
            at,
            None,
            "an entry of `rules` must be a table ([[rules]] or { ... })",
        );
        return (None, None);
    }
    let id = value
        .get_ref()
        .get("id")
        .and_then(|v| v.get_ref().as_str().map(|s| (s.to_string(), ctx.pos(v))));
    let rule_id = id.as_ref().map(|(s, _)| s.as_str());
    let value = drop_unknown_keys(ctx, value, RULE_KEYS, rule_id);
    let rule = match RawRule::deserialize(ValueDeserializer::from(value)) {
        Ok(raw) => compile_rule(ctx, raw),
        Err(e) => {
            ctx.serde_error(&e, at, rule_id);
            None
        }
    };
    (rule, id)
}

/// Checks and compiles the `[pack]` table, or reports that there is none.
fn compile_head(ctx: &mut Ctx<'_>, value: Option<Spanned<DeValue<'_>>>) -> Option<PackHead> {
    let Some(value) = value else {
        ctx.push_help(
            K::InvalidValue,
            0,
            None,
            "missing [pack] table",
            "start the file with [pack] and its id and scope",
        );
        return None;
    };
    let at = ctx.pos(&value);
    if !matches!(value.get_ref(), DeValue::Table(_)) {
        ctx.push_help(
            K::InvalidValue,
            at,
            None,
            "`pack` must be a table",
            "start the file with [pack] and its id and scope",
        );
        return None;
    }
    let value = drop_unknown_keys(ctx, value, PACK_KEYS, None);
    match RawPack::deserialize(ValueDeserializer::from(value)) {
        Ok(raw) => compile_pack(ctx, raw),
        Err(e) => {
            ctx.serde_error(&e, at, None);
            None
        }
    }
}

/// Keys a `[pack]` table may have.
const PACK_KEYS: &[&str] = &[
    "id",
    "scope",
    "name",
    "description",
    "domains",
    "signatures",
    "strong-signatures",
    "typographic",
];

/// Keys a `[[rules]]` entry may have.
const RULE_KEYS: &[&str] = &[
    "id",
    "category",
    "anchor",
    "anchors",
    "remove",
    "where",
    "unit",
    "case-insensitive",
    "regex",
    "end",
    "max-len",
    "in-first",
    "in-last",
    "whole-lines",
    "typographic",
    "exact-space",
    "every-line",
    "dictionary",
    "max-words",
    "max-chars",
    "no-final-punct",
    "case",
    "credit",
    "repeated",
    "after",
    "before",
    "max-run",
    "description",
    "strip",
    "keep",
];

/// Reports every key of a table that the format does not know (with the
/// closest known key as a hint) and returns the table without them, so the
/// rest of it is still checked.
fn drop_unknown_keys<'i>(
    ctx: &mut Ctx<'_>,
    value: Spanned<DeValue<'i>>,
    known: &[&str],
    rule: Option<&str>,
) -> Spanned<DeValue<'i>> {
    let span = value.span();
    let DeValue::Table(table) = value.into_inner() else {
        unreachable!("callers pass tables")
    };
    if table
        .keys()
        .all(|key| known.contains(&key.get_ref().as_ref()))
    {
        return Spanned::new(span, DeValue::Table(table));
    }
    let mut kept = DeTable::new();
    for (key, v) in table {
        let name: &str = key.get_ref();
        if known.contains(&name) {
            kept.insert(key, v);
            continue;
        }
        let closest = known
            .iter()
            .map(|k| (strsim::levenshtein(k, name), *k))
            .min()
            .filter(|(d, _)| *d <= 2);
        let help = match closest {
            Some((_, k)) => format!("did you mean `{k}`?"),
            None => format!("known keys: {}", known.join(", ")),
        };
        ctx.push_help(
            K::UnknownKey,
            ctx.pos(&key),
            rule,
            format!("unknown key `{name}`"),
            help,
        );
    }
    Spanned::new(span, DeValue::Table(kept))
}

/// Reports a top-level key other than `pack` and `rules` at `at`.
fn unknown_top_level_key(ctx: &mut Ctx<'_>, at: usize, key: &str) {
    ctx.push_help(
        K::UnknownKey,
        at,
        None,
        format!("unknown top-level key `{key}`"),
        "a rule file has a [pack] table and [[rules]] entries",
    );
}

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

fn compile_pack(ctx: &mut Ctx<'_>, raw: RawPack) -> Option<PackHead> {
    let mut ok = true;
    let id = raw.id.get_ref().clone();
    if !is_valid_id(&id) {
        ok = false;
        ctx.push_help(
            K::InvalidValue,
            ctx.pos(&raw.id),
            None,
            format!("pack id `{id}` is not a valid id"),
            "use lowercase letters, digits, `.`, `_` and `-`",
        );
    }
    let scope = match raw.scope.get_ref().as_str() {
        "publisher" => Scope::Publisher,
        "common" => Scope::Common,
        other => {
            ok = false;
            ctx.push_help(
                K::InvalidValue,
                ctx.pos(&raw.scope),
                None,
                format!("unknown scope `{other}`"),
                "scope is \"publisher\" or \"common\"",
            );
            Scope::Common
        }
    };
    let literal = |v: &Spanned<String>, what: &str, ctx: &mut Ctx<'_>| -> Option<String> {
        let s = v.get_ref().trim();
        if s.is_empty() {
            ctx.push(K::EmptyAnchor, ctx.pos(v), None, format!("empty {what}"));
            return None;
        }
        Some(v.get_ref().clone())
    };
    let mut domains = Vec::new();
    for d in &raw.domains {
        match literal(d, "domain", ctx) {
            Some(s) => domains.push(s.trim().trim_start_matches("www.").to_ascii_lowercase()),
            None => ok = false,
        }
    }
    let mut signatures = Vec::new();
    let mut strong_signatures = Vec::new();
    for (list, into) in [
        (&raw.signatures, &mut signatures),
        (&raw.strong_signatures, &mut strong_signatures),
    ] {
        for s in list {
            match literal(s, "signature", ctx) {
                Some(sig) if sig.trim().chars().count() < MIN_ANCHOR_CHARS => {
                    ok = false;
                    ctx.push(
                        K::ShortAnchor,
                        ctx.pos(s),
                        None,
                        format!("signature `{sig}` is shorter than {MIN_ANCHOR_CHARS} characters"),
                    );
                }
                Some(sig) => into.push(sig),
                None => ok = false,
            }
        }
    }
    if scope == Scope::Common
        && (!domains.is_empty() || !signatures.is_empty() || !strong_signatures.is_empty())
    {
        ok = false;
        ctx.push_help(
            K::InvalidValue,
            ctx.pos(&raw.scope),
            None,
            "a common pack has no domains or signatures",
            "set scope = \"publisher\", or drop domains and signatures",
        );
    }
    ok.then(|| PackHead {
        id: (id.clone(), ctx.pos(&raw.id)),
        name: raw.name.unwrap_or(id),
        scope,
        domains,
        signatures,
        strong_signatures,
        typographic: raw.typographic,
    })
}

fn enum_value<T: Copy>(
    ctx: &mut Ctx<'_>,
    value: &Option<Spanned<String>>,
    rule: &str,
    key: &str,
    choices: &[(&str, T)],
    default: T,
) -> Option<T> {
    let Some(v) = value else {
        return Some(default);
    };
    if let Some((_, t)) = choices.iter().find(|(name, _)| *name == v.get_ref()) {
        return Some(*t);
    }
    let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    ctx.push_help(
        K::InvalidValue,
        ctx.pos(v),
        Some(rule),
        format!("unknown {key} `{}`", v.get_ref()),
        format!("{key} is one of {}", names.join(", ")),
    );
    None
}

fn positive(
    ctx: &mut Ctx<'_>,
    value: &Option<Spanned<i64>>,
    rule: &str,
    key: &str,
) -> Result<Option<usize>, ()> {
    match value {
        None => Ok(None),
        Some(v) if *v.get_ref() > 0 => Ok(Some(*v.get_ref() as usize)),
        Some(v) => {
            ctx.push(
                K::InvalidValue,
                ctx.pos(v),
                Some(rule),
                format!("{key} must be a positive number, not {}", v.get_ref()),
            );
            Err(())
        }
    }
}

#[derive(Clone, Copy)]
enum RemovalKind {
    Anchor,
    Line,
    Paragraph,
    Block,
    ToEnd,
}

fn compile_rule(ctx: &mut Ctx<'_>, raw: RawRule) -> Option<Rule> {
    let id_at = ctx.pos(&raw.id);
    let id = raw.id.into_inner();
    let r = id.as_str();
    let before = ctx.diagnostics.len();
    if !is_valid_id(r) {
        ctx.push_help(
            K::InvalidValue,
            id_at,
            Some(r),
            format!("rule id `{r}` is not a valid id"),
            "use lowercase letters, digits, `.`, `_` and `-`, e.g. \"bbc.published-stamp\"",
        );
    }
    let category = match Category::parse(raw.category.get_ref()) {
        Some(c) => c,
        None => {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            ctx.push_help(
                K::InvalidValue,
                ctx.pos(&raw.category),
                Some(r),
                format!("unknown category `{}`", raw.category.get_ref()),
                format!("category is one of {}", names.join(", ")),
            );
            Category::Other
        }
    };
    let no_anchor = raw.anchor.is_none() && raw.anchors.is_empty();
    let count = usize::from(raw.anchor.is_some()) + raw.anchors.len();
    let mut anchors: Vec<String> = Vec::with_capacity(count);
    let mut anchor_locations = Vec::with_capacity(count);
    for a in raw.anchor.into_iter().chain(raw.anchors) {
        let at = ctx.pos(&a);
        let s = a.get_ref();
        if s.trim().is_empty() {
            ctx.push_help(
                K::EmptyAnchor,
                at,
                Some(r),
                "empty anchor",
                "an anchor is the literal text that starts a match",
            );
        } else if (if raw.exact_space { s } else { s.trim() }).chars().count() < MIN_ANCHOR_CHARS {
            ctx.push_help(
                K::ShortAnchor,
                at,
                Some(r),
                format!("anchor `{s}` is shorter than {MIN_ANCHOR_CHARS} characters"),
                "use a longer literal and confirm it with `regex`",
            );
        } else if anchors.contains(s) {
            ctx.push(
                K::InvalidValue,
                at,
                Some(r),
                format!("anchor `{s}` is listed twice"),
            );
        } else {
            anchor_locations.push(ctx.location(string_content_start(ctx.text, at)));
            anchors.push(a.into_inner());
        }
    }
    let mut dictionary_files = Vec::new();
    for d in &raw.dictionary {
        let at = ctx.pos(d);
        if d.get_ref().trim().is_empty() {
            ctx.push(K::EmptyAnchor, at, Some(r), "empty dictionary file name");
        } else {
            let location = ctx.location(string_content_start(ctx.text, at));
            dictionary_files.push((d.get_ref().trim().to_string(), location));
        }
    }
    let neighbours = |ctx: &mut Ctx<'_>, list: &[Spanned<String>]| -> Vec<Neighbour> {
        let mut out = Vec::new();
        for n in list {
            let name = n.get_ref().trim();
            if name.is_empty() {
                ctx.push(
                    K::EmptyAnchor,
                    ctx.pos(n),
                    Some(r),
                    "empty rule id or category",
                );
            } else if let Some(c) = Category::parse(name) {
                out.push(Neighbour::Category(c));
            } else {
                out.push(Neighbour::Rule(name.to_string()));
            }
        }
        out
    };
    let after = neighbours(ctx, &raw.after);
    let before_rules = neighbours(ctx, &raw.before);
    let is_neighbour = !raw.after.is_empty() || !raw.before.is_empty();
    if is_neighbour && (!no_anchor || !raw.dictionary.is_empty()) {
        ctx.push_help(
            K::InvalidValue,
            id_at,
            Some(r),
            "a rule with `after` or `before` has no anchors and no dictionary",
            "it fires next to other rules' removals; split it into two rules",
        );
    }
    if raw.every_line
        && (!no_anchor
            || !raw.dictionary.is_empty()
            || is_neighbour
            || raw.regex.is_none()
            || raw.max_len.is_none())
    {
        ctx.push_help(
            K::InvalidValue,
            id_at,
            Some(r),
            "an `every-line` rule has a `regex` and a `max-len`, and no anchors, dictionary or neighbours",
            "it checks every line up to `max-len` bytes with its regex",
        );
    }
    if no_anchor && raw.dictionary.is_empty() && !is_neighbour && !raw.every_line {
        ctx.push_help(
            K::MissingAnchor,
            id_at,
            Some(r),
            "rule has no anchor",
            "add `anchor = \"...\"`, `anchors = [...]`, `dictionary = [\"FILE.txt\"]`, or `after = [\"RULE\"]`",
        );
    }
    use RemovalKind as RK;
    let removal = enum_value(
        ctx,
        &raw.remove,
        r,
        "remove",
        &[
            ("anchor", RK::Anchor),
            ("line", RK::Line),
            ("paragraph", RK::Paragraph),
            ("block", RK::Block),
            ("to-end", RK::ToEnd),
        ],
        RK::Line,
    );
    let where_ = enum_value(
        ctx,
        &raw.where_,
        r,
        "where",
        &[
            ("contains", Where::Contains),
            ("starts-with", Where::StartsWith),
            ("ends-with", Where::EndsWith),
            ("equals", Where::Equals),
        ],
        Where::Contains,
    );
    let default_unit = match removal {
        Some(RK::Paragraph) => Unit::Paragraph,
        _ => Unit::Line,
    };
    let unit = enum_value(
        ctx,
        &raw.unit,
        r,
        "unit",
        &[("line", Unit::Line), ("paragraph", Unit::Paragraph)],
        default_unit,
    );
    let removal = match (removal, &raw.end) {
        (Some(RK::Block), Some(end)) if end.get_ref().trim().is_empty() => {
            ctx.push(K::EmptyAnchor, ctx.pos(end), Some(r), "empty end anchor");
            None
        }
        (Some(RK::Block), Some(end)) => Some(Removal::Block {
            end: end.get_ref().clone(),
        }),
        (Some(RK::Block), None) => {
            ctx.push_help(
                K::InvalidValue,
                raw.remove.as_ref().map_or(id_at, |v| ctx.pos(v)),
                Some(r),
                "a block rule needs an `end` anchor",
                "add `end = \"...\"`: the literal that closes the block",
            );
            None
        }
        (Some(_), Some(end)) => {
            ctx.push_help(
                K::InvalidValue,
                ctx.pos(end),
                Some(r),
                "`end` is only used with remove = \"block\"",
                "drop `end`, or set remove = \"block\"",
            );
            None
        }
        (Some(RK::Anchor), None) => Some(Removal::Anchor),
        (Some(RK::Line), None) => Some(Removal::Line),
        (Some(RK::Paragraph), None) => Some(Removal::Paragraph),
        (Some(RK::ToEnd), None) => Some(Removal::ToEnd),
        (None, _) => None,
    };
    let regex = match &raw.regex {
        None => None,
        Some(src) => match super::RuleRegex::new(src.get_ref(), !ctx.compiled_in) {
            Ok(re) => Some(re),
            Err(problem) => {
                ctx.push_help(
                    K::BadRegex,
                    string_content_start(ctx.text, ctx.pos(src)),
                    Some(r),
                    format!("regex does not compile: {problem}"),
                    "regex syntax is Rust's `regex` crate; escape literal ( ) [ ] . ? * + with \\",
                );
                None
            }
        },
    };
    if (!raw.dictionary.is_empty() || is_neighbour || raw.every_line)
        && !matches!(
            removal,
            Some(Removal::Line) | Some(Removal::Paragraph) | None
        )
    {
        ctx.push_help(
            K::InvalidValue,
            raw.remove.as_ref().map_or(id_at, |v| ctx.pos(v)),
            Some(r),
            "a dictionary or neighbour rule removes whole units",
            "set remove = \"line\" or \"paragraph\"",
        );
    }
    let max_words = positive(ctx, &raw.max_words, r, "max-words");
    let max_chars = positive(ctx, &raw.max_chars, r, "max-chars");
    let max_run = positive(ctx, &raw.max_run, r, "max-run");
    let case = match &raw.case {
        None => Ok(None),
        Some(_) => enum_value(
            ctx,
            &raw.case,
            r,
            "case",
            &[("title", Case::Title), ("upper", Case::Upper)],
            Case::Title,
        )
        .map(Some)
        .ok_or(()),
    };
    let max_len = positive(ctx, &raw.max_len, r, "max-len");
    let in_first = positive(ctx, &raw.in_first, r, "in-first");
    let in_last = positive(ctx, &raw.in_last, r, "in-last");
    if raw.strip.is_empty() || raw.keep.is_empty() {
        let missing = match (raw.strip.is_empty(), raw.keep.is_empty()) {
            (true, true) => "no strip and no keep examples",
            (true, false) => "no strip example",
            _ => "no keep example",
        };
        ctx.push_help(
            K::MissingExamples,
            id_at,
            Some(r),
            format!("rule has {missing}"),
            "add `strip = [\"text the rule removes\"]` and `keep = [\"body text it must leave\"]`",
        );
    }
    let strip = raw
        .strip
        .into_iter()
        .map(|e| match e {
            RawStripExample::Whole(text) => StripExample {
                text,
                clean: String::new(),
            },
            RawStripExample::Pair { text, clean } => StripExample { text, clean },
        })
        .collect();
    if ctx.diagnostics.len() != before {
        return None;
    }
    let rule = Rule {
        id,
        pack: 0,
        category,
        anchors,
        removal: removal?,
        where_: where_?,
        unit: unit?,
        case_insensitive: raw.case_insensitive,
        regex,
        max_len: max_len.ok()?,
        in_first: in_first.ok()?,
        in_last: in_last.ok()?,
        whole_lines: raw.whole_lines.unwrap_or(true),
        typographic: raw.typographic.unwrap_or(false),
        exact_space: raw.exact_space,
        every_line: raw.every_line,
        dictionary: Vec::new(),
        dictionary_files,
        shape: Shape {
            max_words: max_words.ok()?,
            max_chars: max_chars.ok()?,
            no_final_punct: raw.no_final_punct,
            case: case.ok()?,
            credit: raw.credit,
            repeated: raw.repeated,
        },
        after,
        before: before_rules,
        max_run: max_run.ok()?.unwrap_or(1),
        description: raw.description,
        strip,
        keep: raw.keep,
        location: ctx.location(id_at),
        anchor_locations,
    };
    Some(rule)
}

/// The offset of a TOML string's first character, past its opening quote(s)
/// and, for a multi-line string, the line break that may follow them.
fn string_content_start(text: &str, at: usize) -> usize {
    let rest = &text[at.min(text.len())..];
    for quote in ["\"\"\"", "'''"] {
        if let Some(after) = rest.strip_prefix(quote) {
            let skip = if after.starts_with("\r\n") {
                2
            } else {
                usize::from(after.starts_with('\n'))
            };
            return at + 3 + skip;
        }
    }
    if rest.starts_with(['"', '\'']) {
        at + 1
    } else {
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What loading gave, in a form that compares every field.
    fn outcome(sources: &[Source], reading: Reading) -> Result<String, Vec<Diagnostic>> {
        match compile_with(sources, reading) {
            Ok(set) => Ok(format!(
                "{:#?}\n{:#?}\n{}",
                set.packs(),
                set.rules(),
                set.digest()
            )),
            Err(e) => Err(e.diagnostics),
        }
    }

    /// Loads `sources` whole and in pieces (on one thread and on several)
    /// and checks that every way gives the same.
    fn same_every_way(sources: &[Source]) -> Result<String, Vec<Diagnostic>> {
        let whole = outcome(sources, Reading::Whole);
        for reading in [Reading::Auto, Reading::Pieces(1), Reading::Pieces(3)] {
            let other = outcome(sources, reading);
            if other != whole {
                let name = &sources[0].name;
                if let (Err(a), Err(b)) = (&whole, &other) {
                    let a: Vec<String> = a.iter().map(|d| format!("{d:?}")).collect();
                    let b: Vec<String> = b.iter().map(|d| format!("{d:?}")).collect();
                    assert_eq!(a, b, "{name}: {reading:?}");
                }
                assert_eq!(whole, other, "{name}: {reading:?}");
            }
        }
        whole
    }

    fn with_crlf(sources: &[Source]) -> Vec<Source> {
        sources
            .iter()
            .map(|s| {
                Source::new(
                    s.name.clone(),
                    s.text.replace("\r\n", "\n").replace('\n', "\r\n"),
                )
            })
            .collect()
    }

    /// Whether the rules of `text` are read in pieces, without falling back
    /// to reading the file whole.
    fn read_in_pieces(text: &str) -> bool {
        let sources = [Source::new("t.toml", text)];
        let mut loader = Loader {
            reading: Reading::Pieces(3),
            sources: &sources,
            packs: Vec::new(),
            pack_sources: Vec::new(),
            rules: Vec::new(),
            pack_ids: HashMap::new(),
            rule_ids: HashMap::default(),
        };
        let starts = split::rule_header_lines(text);
        let mut ctx = Ctx::new("t.toml".into(), text, false);
        !starts.is_empty() && loader.compile_pieces(&mut ctx, 0, &starts).is_ok()
    }

    #[test]
    fn the_error_cases_and_built_in_rules_read_the_same_in_pieces() {
        let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rule_errors");
        let mut loads: Vec<Vec<Source>> = vec![super::super::builtin_sources()];
        for entry in std::fs::read_dir(cases).expect("the cases folder") {
            let path = entry.expect("an entry").path();
            let (sources, _) = super::super::read_sources(&[&path]);
            loads.push(sources);
        }
        assert!(loads.len() > 20);
        for sources in loads {
            let _ = same_every_way(&sources);
            let _ = same_every_way(&with_crlf(&sources));
        }
    }

    /// A rule file of `count` rules; `extra(i)` adds lines to rule `i`.
    fn rule_file(count: usize, extra: impl Fn(usize) -> String) -> String {
        let mut text =
            String::from("# A generated pack.\n[pack]\nid = \"gen\"\nscope = \"common\"\n");
        for i in 0..count {
            text.push_str(&format!(
                "\n[[rules]]\nid = \"gen.r{i:05}\"\ncategory = \"other\"\n\
                 anchor = \"Subscribe to digest {i:05}\"\n{}\
                 strip = [\"Subscribe to digest {i:05}\"]\nkeep = [\"Body text.\"]\n",
                extra(i)
            ));
        }
        text
    }

    /// `count` times a `[[rules]]` line and a line longer than a piece.
    fn long_lines(count: usize) -> String {
        format!("[[rules]]\n{}\n", "x".repeat(PIECE_BYTES)).repeat(count)
    }

    fn one(text: String) -> Vec<Source> {
        vec![Source::new("gen.toml", text)]
    }

    #[test]
    fn a_large_file_reads_the_same_in_pieces() {
        // Problems of several kinds all along the file, and a `[[rules]]`
        // line in a multi-line string.
        let mut text = rule_file(1500, |i| match i % 250 {
            7 => "colour = \"red\"\n".into(),
            11 => "regex = '(unclosed'\n".into(),
            13 => "description = '''\n[[rules]]\n  [[rules]]\nid = \"x\"\n'''\n".into(),
            17 => "remove = \"sideways\"\n".into(),
            19 => "[rules.sub]\nkey = 1\n".into(),
            23 => "max-len = \"big\"\n".into(),
            29 => "anchors = [\n  \"Second anchor é\",\n  \"Third anchor\",\n]\n".into(),
            _ => String::new(),
        });
        // Three ids used again.
        let again = rule_file(3, |_| String::new());
        text.push_str(&again[again.find("[[rules]]").expect("a rule")..]);
        assert!(read_in_pieces(&text));
        let Err(diagnostics) = same_every_way(&one(text.clone())) else {
            panic!("the file has problems");
        };
        let kinds = |kind| diagnostics.iter().filter(|d| d.kind == kind).count();
        assert_eq!(kinds(K::UnknownKey), 12);
        assert_eq!(kinds(K::BadRegex), 6);
        assert_eq!(kinds(K::DuplicateId), 3);
        assert_eq!(kinds(K::InvalidValue), 12);
        let _ = same_every_way(&with_crlf(&one(text)));

        let good = rule_file(1500, |i| match i % 100 {
            13 => "description = '''\n[[rules]]\n'''\n".into(),
            17 => format!("description = '''\n{}'''\n", long_lines(3)),
            29 => "anchors = [\n  \"Second anchor é\",\n  \"Third anchor\",\n]\n".into(),
            31 => "\n# [[rules]]\n\n".into(),
            _ => String::new(),
        });
        assert!(read_in_pieces(&good));
        let set = same_every_way(&one(good.clone())).expect("loads");
        assert!(set.contains("gen.r01499"));
        let _ = same_every_way(&with_crlf(&one(good)));
    }

    #[test]
    fn files_the_pieces_cannot_read_are_read_whole() {
        let broken = rule_file(300, |i| match i {
            150 => "anchor = \"Twice\"\n".into(),
            _ => String::new(),
        });
        let pack_at_end = rule_file(300, |_| String::new()) + "[pack]\nname = \"x\"\n";
        let rules_in_head = rule_file(300, |_| String::new())
            .replace("[pack]\n", "rules = [{ id = \"head\" }]\n[pack]\n");
        let unclosed = rule_file(300, |i| match i {
            150 => "description = \"\"\"\n".into(),
            _ => String::new(),
        });
        let many_headers_in_a_string = rule_file(300, |i| match i {
            150 => format!("description = '''\n{}'''\n", long_lines(MAX_JOINS + 2)),
            _ => String::new(),
        });
        for (i, text) in [
            broken,
            pack_at_end,
            rules_in_head,
            unclosed,
            many_headers_in_a_string,
        ]
        .into_iter()
        .enumerate()
        {
            assert!(!read_in_pieces(&text), "case {i}");
            let _ = same_every_way(&one(text.clone()));
            let _ = same_every_way(&with_crlf(&one(text)));
        }
    }

    #[test]
    fn the_line_cursor_finds_lines_in_any_order() {
        let text = "ab\n\ncd\r\nefg\n\nh";
        let naive = |at: usize| {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            (text[..at].matches('\n').count() + 1, start)
        };
        let mut cursor = LineCursor::default();
        for at in [5, 0, 14, 14, 3, 2, 9, 8, 13, 1, 12, 4, 7, 6, 10, 11] {
            assert_eq!(cursor.seek(text, at), naive(at), "at {at}");
        }
    }

    #[test]
    fn a_source_marked_built_in_but_not_compiled_in_has_its_regexes_checked() {
        let (name, text) = crate::rules::BUILTIN_RULES[0];
        let bad = "\n[[rules]]\nid = \"zz.bad\"\ncategory = \"other\"\nanchor = \"Read more\"\nregex = \"Read (more\"\nremove = \"line\"\n";
        let source = |text: String| Source {
            name: name.to_string(),
            text,
            builtin: true,
        };
        assert!(compile(&[source(text.to_string())]).is_ok());
        let err = compile(&[source(format!("{text}{bad}"))]).expect_err("the regex is checked");
        assert!(
            err.diagnostics.iter().any(
                |d| d.rule.as_deref() == Some("zz.bad") && d.message.contains("unclosed group")
            ),
            "{:?}",
            err.diagnostics
        );
    }

    #[test]
    fn after_and_before_must_name_a_loaded_rule() {
        let anchored = |id: &str, extra: &str| {
            format!(
                "\n[[rules]]\nid = \"{id}\"\ncategory = \"other\"\nanchor = \"Read more\"\nremove = \"line\"\nstrip = [\"Read more\"]\nkeep = [\"Body text.\"]\n{extra}"
            )
        };
        let next_to = |id: &str, key: &str, name: &str| {
            format!(
                "\n[[rules]]\nid = \"{id}\"\ncategory = \"other\"\n{key} = [\"{name}\"]\nmax-words = 3\nremove = \"line\"\nstrip = [\"Read more\\nAP\"]\nkeep = [\"Body text.\"]\n"
            )
        };
        let load = |rules: [String; 2]| {
            let text = format!("[pack]\nid = \"t\"\nscope = \"common\"\n{}", rules.concat());
            compile(&[Source::new("t.toml", text)])
        };
        let unknown = |e: &LoadError, name: &str| {
            e.diagnostics
                .iter()
                .filter(|d| d.message.contains(&format!("names `{name}`")))
                .count()
        };
        if let Err(e) = load([anchored("t.a", ""), next_to("t.b", "after", "t.a")]) {
            panic!("{:?}", e.diagnostics);
        }
        let e = load([anchored("t.a", ""), next_to("t.b", "after", "t.zz")])
            .expect_err("t.zz is no rule");
        assert_eq!(unknown(&e, "t.zz"), 1, "{:?}", e.diagnostics);
        // A rule that did not load is no name to follow either.
        let broken = [
            anchored("t.a", "regex = \"(\""),
            next_to("t.b", "before", "t.a"),
        ];
        let e = load(broken).expect_err("t.a does not load");
        assert_eq!(unknown(&e, "t.a"), 1, "{:?}", e.diagnostics);
    }
}
