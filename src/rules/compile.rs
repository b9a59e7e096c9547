//! Raw rule files → validated [`RuleSet`], collecting every problem.

use super::diag::{Diagnostic, DiagnosticKind as K, LoadError};
use super::raw::{RawPack, RawRule, RawStripExample};
use super::{
    Category, MIN_ANCHOR_CHARS, Pack, Removal, Rule, RuleSet, Scope, Source, StripExample, Unit,
    Where,
};
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Version of the matching semantics; part of the rule-set digest, so that a
/// change in how rules are applied changes the digest too.
const SEMANTICS_VERSION: u32 = 1;

/// Largest compiled regex, in bytes.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
    /// Offsets where each line starts, computed on first use, so that
    /// locating every rule and anchor of a large file stays linear.
    line_starts: Option<Vec<usize>>,
}

impl Ctx<'_> {
    fn location(&mut self, at: usize) -> super::Location {
        let text = self.text;
        let starts = self.line_starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let at = at.min(text.len());
        let line = starts.partition_point(|&s| s <= at);
        let start = starts[line - 1];
        let mut column_text = text.get(start..at).unwrap_or("");
        if line == 1 {
            column_text = column_text.trim_start_matches('\u{feff}');
        }
        super::Location {
            file: self.file.to_string(),
            line,
            column: column_text.chars().count() + 1,
        }
    }

    fn push(&mut self, kind: K, at: usize, rule: Option<&str>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::at(
            kind, self.file, self.text, at, rule, message,
        ));
    }

    fn push_help(
        &mut self,
        kind: K,
        at: usize,
        rule: Option<&str>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::at(kind, self.file, self.text, at, rule, message).help(help));
    }

    fn serde_error(&mut self, e: &toml::de::Error, fallback: usize, rule: Option<&str>) {
        let at = e.span().map_or(fallback, |s| s.start);
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

pub(super) fn compile(sources: &[Source]) -> Result<RuleSet, LoadError> {
    let mut diagnostics = Vec::new();
    let mut packs: Vec<Pack> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    // id -> (file, offset) of first definition, for duplicate reports.
    let mut pack_ids: HashMap<String, String> = HashMap::new();
    let mut rule_ids: HashMap<String, String> = HashMap::new();

    for source in sources {
        let mut ctx = Ctx {
            file: &source.name,
            text: &source.text,
            diagnostics: Vec::new(),
            line_starts: None,
        };
        let (pack, file_rules) = compile_file(&mut ctx);
        for (rule, id, at) in file_rules {
            if let Some(first) = rule_ids.get(&id) {
                let msg = format!("rule id `{id}` is already used in {first}");
                ctx.push_help(
                    K::DuplicateId,
                    at,
                    Some(&id),
                    msg,
                    "rule ids are global: prefix them with the pack id",
                );
                continue;
            }
            rule_ids.insert(id, source.name.clone());
            if let (Some(mut rule), true) = (rule, pack.is_some()) {
                rule.pack = packs.len();
                rules.push(rule);
            }
        }
        if let Some(pack) = pack {
            if let Some(first) = pack_ids.get(&pack.id.0) {
                let msg = format!("pack id `{}` is already used by {first}", pack.id.0);
                ctx.push_help(
                    K::DuplicateId,
                    pack.id.1,
                    None,
                    msg,
                    "give every pack its own id",
                );
            } else {
                pack_ids.insert(pack.id.0.clone(), source.name.clone());
            }
            packs.push(Pack {
                id: pack.id.0,
                name: pack.name,
                scope: pack.scope,
                domains: pack.domains,
                signatures: pack.signatures,
                file: source.name.clone(),
                file_sha256: crate::provenance::sha256_hex(source.text.as_bytes()),
                location: ctx.location(pack.id.1),
            });
        }
        ctx.diagnostics.sort_by_key(|d| (d.line, d.column));
        diagnostics.append(&mut ctx.diagnostics);
    }
    if !diagnostics.is_empty() {
        return Err(LoadError { diagnostics });
    }
    let digest = digest(&packs, &rules);
    Ok(RuleSet {
        packs,
        rules,
        digest,
    })
}

struct PackHead {
    id: (String, usize),
    name: String,
    scope: Scope,
    domains: Vec<String>,
    signatures: Vec<String>,
}

/// A rule's id and position, and the rule when it is valid.
type FileRule = (Option<Rule>, String, usize);

fn compile_file(ctx: &mut Ctx<'_>) -> (Option<PackHead>, Vec<FileRule>) {
    let text = ctx.text;
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            ctx.push(K::Syntax, at, None, e.message().trim().to_string());
            return (None, Vec::new());
        }
    };
    let mut pack_value = None;
    let mut rule_values = Vec::new();
    for (key, value) in root.into_inner() {
        match key.get_ref().as_ref() {
            "pack" => pack_value = Some(value),
            "rules" => match value.get_ref() {
                DeValue::Array(items) => rule_values.extend(items.iter().cloned()),
                _ => ctx.push(
                    K::InvalidValue,
                    value.span().start,
                    None,
                    "`rules` must be an array of tables ([[rules]])",
                ),
            },
            other => {
                let msg = format!("unknown top-level key `{other}`");
                ctx.push_help(
                    K::UnknownKey,
                    key.span().start,
                    None,
                    msg,
                    "a rule file has a [pack] table and [[rules]] entries",
                )
            }
        }
    }
    let head = match pack_value {
        None => {
            ctx.push_help(
                K::InvalidValue,
                0,
                None,
                "missing [pack] table",
                "start the file with [pack] and its id and scope",
            );
            None
        }
        Some(value) => {
            let at = value.span().start;
            let value = drop_unknown_keys(ctx, value, PACK_KEYS, None);
            match RawPack::deserialize(ValueDeserializer::from(value)) {
                Ok(raw) => compile_pack(ctx, raw),
                Err(e) => {
                    ctx.serde_error(&e, at, None);
                    None
                }
            }
        }
    };
    let mut rules = Vec::new();
    for value in rule_values {
        let at = value.span().start;
        let id = value.get_ref().get("id").and_then(|v| {
            v.get_ref()
                .as_str()
                .map(|s| (s.to_string(), v.span().start))
        });
        let value = drop_unknown_keys(ctx, value, RULE_KEYS, id.as_ref().map(|(s, _)| s.as_str()));
        let rule = match RawRule::deserialize(ValueDeserializer::from(value)) {
            Ok(raw) => compile_rule(ctx, raw),
            Err(e) => {
                ctx.serde_error(&e, at, id.as_ref().map(|(s, _)| s.as_str()));
                None
            }
        };
        if let Some((id, id_at)) = id {
            rules.push((rule, id, id_at));
        }
    }
    (head, rules)
}

/// Keys a `[pack]` table may have.
const PACK_KEYS: &[&str] = &[
    "id",
    "scope",
    "name",
    "description",
    "domains",
    "signatures",
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
            key.span().start,
            rule,
            format!("unknown key `{name}`"),
            help,
        );
    }
    Spanned::new(span, DeValue::Table(kept))
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
            raw.id.span().start,
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
                raw.scope.span().start,
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
            ctx.push(
                K::EmptyAnchor,
                v.span().start,
                None,
                format!("empty {what}"),
            );
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
    for s in &raw.signatures {
        match literal(s, "signature", ctx) {
            Some(sig) if sig.chars().count() < MIN_ANCHOR_CHARS => {
                ok = false;
                ctx.push(
                    K::ShortAnchor,
                    s.span().start,
                    None,
                    format!("signature `{sig}` is shorter than {MIN_ANCHOR_CHARS} characters"),
                );
            }
            Some(sig) => signatures.push(sig),
            None => ok = false,
        }
    }
    if scope == Scope::Common && (!domains.is_empty() || !signatures.is_empty()) {
        ok = false;
        ctx.push_help(
            K::InvalidValue,
            raw.scope.span().start,
            None,
            "a common pack has no domains or signatures",
            "set scope = \"publisher\", or drop domains and signatures",
        );
    }
    ok.then(|| PackHead {
        id: (id.clone(), raw.id.span().start),
        name: raw.name.unwrap_or(id),
        scope,
        domains,
        signatures,
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
        v.span().start,
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
                v.span().start,
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
    let id = raw.id.get_ref().clone();
    let id_at = raw.id.span().start;
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
                raw.category.span().start,
                Some(r),
                format!("unknown category `{}`", raw.category.get_ref()),
                format!("category is one of {}", names.join(", ")),
            );
            Category::Other
        }
    };
    let mut anchors = Vec::new();
    let mut anchor_locations = Vec::new();
    for a in raw.anchor.iter().chain(raw.anchors.iter()) {
        let s = a.get_ref();
        if s.trim().is_empty() {
            ctx.push_help(
                K::EmptyAnchor,
                a.span().start,
                Some(r),
                "empty anchor",
                "an anchor is the literal text that starts a match",
            );
        } else if s.chars().count() < MIN_ANCHOR_CHARS {
            ctx.push_help(
                K::ShortAnchor,
                a.span().start,
                Some(r),
                format!("anchor `{s}` is shorter than {MIN_ANCHOR_CHARS} characters"),
                "use a longer literal and confirm it with `regex`",
            );
        } else if anchors.contains(s) {
            ctx.push(
                K::InvalidValue,
                a.span().start,
                Some(r),
                format!("anchor `{s}` is listed twice"),
            );
        } else {
            anchors.push(s.clone());
            anchor_locations.push(ctx.location(string_content_start(ctx.text, a.span().start)));
        }
    }
    if raw.anchor.is_none() && raw.anchors.is_empty() {
        ctx.push_help(
            K::MissingAnchor,
            id_at,
            Some(r),
            "rule has no anchor",
            "add `anchor = \"...\"` or `anchors = [...]`",
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
            ctx.push(
                K::EmptyAnchor,
                end.span().start,
                Some(r),
                "empty end anchor",
            );
            None
        }
        (Some(RK::Block), Some(end)) => Some(Removal::Block {
            end: end.get_ref().clone(),
        }),
        (Some(RK::Block), None) => {
            ctx.push_help(
                K::InvalidValue,
                raw.remove.as_ref().map_or(id_at, |v| v.span().start),
                Some(r),
                "a block rule needs an `end` anchor",
                "add `end = \"...\"`: the literal that closes the block",
            );
            None
        }
        (Some(_), Some(end)) => {
            ctx.push_help(
                K::InvalidValue,
                end.span().start,
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
        Some(src) => match regex::RegexBuilder::new(src.get_ref())
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(re) => Some(re),
            Err(e) => {
                ctx.push_help(
                    K::BadRegex,
                    string_content_start(ctx.text, src.span().start),
                    Some(r),
                    format!("regex does not compile: {}", regex_problem(&e)),
                    "regex syntax is Rust's `regex` crate; escape literal ( ) [ ] . ? * + with \\",
                );
                None
            }
        },
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

/// The gist of a regex error: the `error: …` line of a syntax error, or the
/// whole message folded onto one line.
fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Lowercase hex of a byte string.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The digest of what decides behaviour: packs' ids, scopes, domains and
/// signatures, and every rule's matching fields, in order.
pub(super) fn digest(packs: &[Pack], rules: &[Rule]) -> String {
    let packs: Vec<serde_json::Value> = packs
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "scope": p.scope.as_str(),
                "domains": p.domains,
                "signatures": p.signatures,
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let end = match &r.removal {
                Removal::Block { end } => Some(end.as_str()),
                _ => None,
            };
            serde_json::json!({
                "id": r.id,
                "pack": r.pack,
                "category": r.category.as_str(),
                "anchors": r.anchors,
                "remove": r.removal.as_str(),
                "end": end,
                "where": r.where_.as_str(),
                "unit": r.unit.as_str(),
                "case_insensitive": r.case_insensitive,
                "regex": r.regex.as_ref().map(|re| re.as_str()),
                "max_len": r.max_len,
                "in_first": r.in_first,
                "in_last": r.in_last,
                "whole_lines": r.whole_lines,
            })
        })
        .collect();
    let canonical = serde_json::json!({
        "semantics": SEMANTICS_VERSION,
        "packs": packs,
        "rules": rules,
    });
    let bytes = serde_json::to_vec(&canonical).expect("JSON values serialize");
    format!("sha256:{}", crate::provenance::sha256_hex(&bytes))
}
