//! One JSONL line as a row of raw JSON fields.
//!
//! A [`Row`] borrows its line and keeps every top-level field as the original
//! JSON text of its value ([`RawValue`]), in source order, duplicates
//! included. No `serde_json::Value` is built for a document: nested objects are
//! only parsed when a dotted path such as `metadata.url` asks for them, and
//! [`Row::render`] copies every field it does not touch byte for byte.
//!
//! ```
//! use chaff::jsonl::{Row, to_json_string};
//!
//! let line = r#"{"id":7,"text":"caf\u00e9 (AFP)","metadata":{"url":"https://x.test/a"}}"#;
//! let row = Row::parse(line).unwrap();
//! assert_eq!(row.string("id").unwrap().as_deref(), Some("7"));
//! assert_eq!(row.string("text").unwrap().as_deref(), Some("café (AFP)"));
//! assert_eq!(row.string("metadata.url").unwrap().as_deref(), Some("https://x.test/a"));
//!
//! let out = row
//!     .render(
//!         &[("text", Some(to_json_string("café")))],
//!         &[("chaff", r#"{"removed":7}"#.to_string())],
//!     )
//!     .unwrap();
//! assert_eq!(
//!     out,
//!     r#"{"id":7,"text":"café","metadata":{"url":"https://x.test/a","chaff":{"removed":7}}}"#
//! );
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The top-level field that [`Row::render`]'s `metadata_additions` go into.
pub const METADATA: &str = "metadata";

/// Why a line could not be read as a row, or a field could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The text is not JSON, has trailing characters, or is JSON but not an
    /// object.
    #[error("malformed JSON row: {message}")]
    Malformed {
        /// serde_json's message, ending in `at line L column C`.
        message: String,
        /// The 1-based line of the error inside the row's text.
        line: usize,
        /// The 1-based column of the error inside the row's text (0 at the
        /// very start of an empty text).
        column: usize,
    },
    /// A field exists but holds the wrong kind of JSON value.
    #[error("field `{field}` is not {expected}")]
    WrongType {
        /// The field's path, as asked for.
        field: String,
        /// What was expected: `"a string"` or `"an object"`.
        expected: &'static str,
    },
    /// A string field's escapes do not decode to valid text (a lone UTF-16
    /// surrogate such as `"\ud800"`).
    #[error("field `{field}` is not a valid string: {message}")]
    BadString {
        /// The field's path, as asked for.
        field: String,
        /// serde_json's message.
        message: String,
    },
}

impl RowError {
    fn malformed(e: &serde_json::Error) -> RowError {
        RowError::Malformed {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }
}

/// One JSON object (a JSONL line, or an object nested in one) whose fields are
/// kept as raw JSON.
///
/// Keys are unescaped (borrowed from the line unless they contain escapes);
/// values are the exact source text of each value. Field order and duplicate
/// keys are kept as they appear. Lookups follow serde_json's rule for
/// duplicate keys: the last occurrence wins.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The text the row was parsed from.
    text: &'a str,
    /// The fields in source order.
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Row<'a> {
    /// Parses one JSONL line (surrounding whitespace, such as a trailing
    /// `\r`, is allowed).
    ///
    /// Fails with [`RowError::Malformed`] when `line` is empty, is not JSON,
    /// has anything after the value, or is JSON but not an object. Values are
    /// checked for JSON syntax but not decoded; nesting depth is unlimited.
    pub fn parse(line: &'a str) -> Result<Row<'a>, RowError> {
        let Fields(fields) = serde_json::from_str(line).map_err(|e| RowError::malformed(&e))?;
        Ok(Row { text: line, fields })
    }

    /// Writes the row back with the fewest byte changes: every byte of the
    /// line is kept but the values replaced, the fields removed and the
    /// fields added. Unlike [`Row::render`], white space between fields is
    /// kept too, so a change made by `splice` can be undone by another
    /// `splice` exactly:
    /// - `(field, Some(raw))` replaces the field's value, or adds the field
    ///   after the last one (`,"field":raw`) when it is missing; a dotted
    ///   `field` that [`Row::get`] finds inside nested objects
    ///   (`metadata.body`) replaces that nested value in place;
    /// - `(field, None)` removes the field with the separator before it
    ///   (after it, for the first field);
    /// - `metadata_additions` replace or add keys inside the `metadata`
    ///   object, adding `,"metadata":{…}` after the last field when the row
    ///   has none, and putting the object in place of a `"metadata":null`.
    ///
    /// Values are raw JSON and are not checked.
    pub fn splice(
        &self,
        replacements: &[(&str, Option<String>)],
        metadata_additions: &[(&str, String)],
    ) -> Result<String, RowError> {
        let base = self.text.as_ptr() as usize;
        let range = |v: &RawValue| {
            let start = v.get().as_ptr() as usize - base;
            (start, start + v.get().len())
        };
        // (start, end, text) edits of the line, applied in order. A
        // replacement is borrowed: a big text is not copied twice.
        let mut edits: Vec<(usize, usize, Cow<'_, str>)> = Vec::new();
        let value_end = |i: usize| range(self.fields[i].1).1;
        let last_end = self
            .fields
            .last()
            .map(|(_, v)| range(v).1)
            .unwrap_or_else(|| self.text.find('{').map_or(0, |i| i + 1));
        let lead = if self.fields.is_empty() { "" } else { "," };
        let mut appended = String::new();
        let mut append = |key: &str, raw: &str| {
            if !appended.is_empty() || !lead.is_empty() {
                appended.push(',');
            }
            push_json_string(&mut appended, key);
            appended.push(':');
            appended.push_str(raw);
        };
        for (key, value) in replacements {
            let found = self.fields.iter().rposition(|(k, _)| k == key);
            match (found, value) {
                (Some(i), Some(raw)) => {
                    let (s, e) = range(self.fields[i].1);
                    edits.push((s, e, Cow::Borrowed(raw)));
                }
                (Some(i), None) => {
                    let key_start = key_start(self.text, &self.fields, i, base);
                    if i > 0 {
                        edits.push((
                            value_end(i - 1),
                            range(self.fields[i].1).1,
                            Cow::Borrowed(""),
                        ));
                    } else if self.fields.len() > 1 {
                        let next = key_start_of(self.text, &self.fields, 1, base);
                        edits.push((key_start, next, Cow::Borrowed("")));
                    } else {
                        edits.push((key_start, range(self.fields[i].1).1, Cow::Borrowed("")));
                    }
                }
                (None, Some(raw)) => match self.nested(key) {
                    Some(value) => {
                        let (s, e) = range(value);
                        edits.push((s, e, Cow::Borrowed(raw)));
                    }
                    None => append(key, raw),
                },
                (None, None) => {}
            }
        }
        if !metadata_additions.is_empty() {
            let found = self.fields.iter().rposition(|(k, _)| k == METADATA);
            match found {
                // `null` is no metadata: it becomes the object, in its place
                // (the record keeps the `null` to restore).
                Some(i) if self.fields[i].1.get() == "null" => {
                    let (s, e) = range(self.fields[i].1);
                    edits.push((s, e, Cow::Owned(object_of(metadata_additions))));
                }
                Some(i) => {
                    let meta = self.fields[i].1;
                    let inner = Row::parse(meta.get()).map_err(|_| RowError::WrongType {
                        field: METADATA.to_string(),
                        expected: "an object",
                    })?;
                    let inner_end =
                        inner
                            .fields
                            .last()
                            .map(|(_, v)| range(v).1)
                            .unwrap_or_else(|| {
                                range(meta).0 + meta.get().find('{').map_or(0, |i| i + 1)
                            });
                    let mut added = String::new();
                    for (key, raw) in metadata_additions {
                        match inner.fields.iter().rposition(|(k, _)| k == key) {
                            Some(j) => {
                                let (s, e) = range(inner.fields[j].1);
                                edits.push((s, e, Cow::Borrowed(raw)));
                            }
                            None => {
                                if !added.is_empty() || !inner.fields.is_empty() {
                                    added.push(',');
                                }
                                push_json_string(&mut added, key);
                                added.push(':');
                                added.push_str(raw);
                            }
                        }
                    }
                    if !added.is_empty() {
                        edits.push((inner_end, inner_end, Cow::Owned(added)));
                    }
                }
                None => append(METADATA, &object_of(metadata_additions)),
            }
        }
        if !appended.is_empty() {
            edits.push((last_end, last_end, Cow::Owned(appended)));
        }
        edits.sort_by_key(|&(s, e, _)| (s, e));
        // Room for the row as it will be, and a line ending: it is never
        // grown by copying.
        let size = edits.iter().fold(self.text.len(), |n, (s, e, t)| {
            (n + t.len()).saturating_sub(e - s)
        });
        let mut out = String::with_capacity(size + 2);
        let mut pos = 0;
        for (s, e, text) in edits {
            if s < pos {
                continue; // overlapping edits of a duplicated key: first wins
            }
            out.push_str(&self.text[pos..s]);
            out.push_str(&text);
            pos = e;
        }
        out.push_str(&self.text[pos..]);
        Ok(out)
    }

    /// The value at a dotted `path` that is not a top-level key, found
    /// inside nested objects as [`Row::get`] finds it.
    fn nested(&self, path: &str) -> Option<&'a RawValue> {
        if !path.contains('.') || self.field(path).is_some() {
            return None;
        }
        self.get(path)
    }

    /// The top-level fields in source order, duplicates included.
    pub fn fields(&self) -> &[(Cow<'a, str>, &'a RawValue)] {
        &self.fields
    }

    /// The raw value at `path`, or `None` if there is none.
    ///
    /// `path` is a top-level key, or a dotted path (`metadata.url`) through
    /// nested objects, which are parsed only now. At each level a key equal to
    /// the whole rest of the path wins (so `{"a.b":1}` answers `a.b`);
    /// otherwise the path descends into the first (shortest) leading part
    /// that names an object. A path through a value that is not an object
    /// finds nothing.
    pub fn get(&self, path: &str) -> Option<&'a RawValue> {
        let mut nested: Option<Row<'a>> = None;
        let mut rest = path;
        loop {
            let row = nested.as_ref().unwrap_or(self);
            if let Some(value) = row.field(rest) {
                return Some(value);
            }
            let (value, dot) = rest.match_indices('.').find_map(|(dot, _)| {
                let value = row.field(&rest[..dot])?;
                value.get().starts_with('{').then_some((value, dot))
            })?;
            rest = &rest[dot + 1..];
            nested = Some(Row::parse(value.get()).ok()?);
        }
    }

    /// The field at `path` (see [`Row::get`]) as text.
    ///
    /// A JSON string is unescaped (borrowed when it has no escapes); a number
    /// is its raw source text, so an integer `id` reads as `"123"`. A missing
    /// field is `Ok(None)`. Any other value, `null` included, is
    /// [`RowError::WrongType`]; a string with a lone surrogate escape is
    /// [`RowError::BadString`].
    pub fn string(&self, path: &str) -> Result<Option<Cow<'a, str>>, RowError> {
        let Some(value) = self.get(path) else {
            return Ok(None);
        };
        let raw = value.get();
        match raw.as_bytes().first() {
            // The row's parse checked the string, so without an escape it
            // is its own value.
            Some(b'"') if memchr::memchr(b'\\', raw.as_bytes()).is_none() => {
                Ok(Some(Cow::Borrowed(&raw[1..raw.len() - 1])))
            }
            Some(b'"') => match serde_json::from_str::<Text<'a>>(raw) {
                Ok(Text(s)) => Ok(Some(s)),
                Err(e) => Err(RowError::BadString {
                    field: path.to_string(),
                    message: e.to_string(),
                }),
            },
            Some(b'-' | b'0'..=b'9') => Ok(Some(Cow::Borrowed(raw))),
            _ => Err(RowError::WrongType {
                field: path.to_string(),
                expected: "a string",
            }),
        }
    }

    /// The string at `path`, for a field that holds a document's text: as
    /// [`Row::string`], but a number (`12345`, `1.5e3`) is
    /// [`RowError::WrongType`] as well, since it is no text.
    pub fn text(&self, path: &str) -> Result<Option<Cow<'a, str>>, RowError> {
        match self.get(path) {
            Some(value) if !value.get().starts_with('"') => Err(RowError::WrongType {
                field: path.to_string(),
                expected: "a string",
            }),
            _ => self.string(path),
        }
    }

    /// Writes the row back as one line of compact JSON (no trailing newline),
    /// with some top-level fields changed.
    ///
    /// Every field that is not touched is copied from the source byte for
    /// byte, key and value, in its original place. Each `(field, Some(raw))`
    /// in `replacements` sets top-level `field` to `raw`, which must be valid
    /// JSON text (for a string, use [`to_json_string`]); an existing field is
    /// replaced where it stands, a new one is appended at the end.
    /// `(field, None)` removes the field. A field named more than once in
    /// `replacements` takes its last entry.
    ///
    /// `metadata_additions` sets keys inside the top-level `metadata` object,
    /// after `replacements` are applied; each value is raw JSON text as above.
    /// Existing metadata keys are replaced in place and the rest of the object
    /// is copied byte for byte; a missing `metadata` is created at the end.
    /// If `metadata` is not an object, nothing is written and the result is
    /// [`RowError::WrongType`]. An empty `metadata_additions` leaves
    /// `metadata` alone, whatever it holds.
    ///
    /// A key that appears more than once in the row and is touched is written
    /// once, at its first position; its current value is the last occurrence.
    pub fn render(
        &self,
        replacements: &[(&str, Option<String>)],
        metadata_additions: &[(&str, String)],
    ) -> Result<String, RowError> {
        let edits: Vec<(&str, Option<&str>)> = replacements
            .iter()
            .map(|(k, v)| (*k, v.as_deref()))
            .collect();
        let extra: usize = replacements
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, String::len) + 4)
            .chain(
                metadata_additions
                    .iter()
                    .map(|(k, v)| k.len() + v.len() + 4),
            )
            .sum();
        let mut out = String::with_capacity(self.text.len() + extra + 16);
        let metadata = (!metadata_additions.is_empty()).then_some(metadata_additions);
        self.render_into(&mut out, &edits, metadata)?;
        Ok(out)
    }

    /// The last top-level field named exactly `key`.
    fn field(&self, key: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }

    /// Writes the object with `edits` applied and, if `metadata` is given,
    /// those keys merged into the `metadata` field.
    fn render_into(
        &self,
        out: &mut String,
        edits: &[(&str, Option<&str>)],
        metadata: Option<&[(&str, String)]>,
    ) -> Result<(), RowError> {
        let edit = |key: &str| edits.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let mut metadata_done = metadata.is_none();
        let mut sep = "";
        out.push('{');

        // Fields of the row, in place.
        let mut cursor = self.text.find('{').map_or(self.text.len(), |i| i + 1);
        for (i, (key, value)) in self.fields.iter().enumerate() {
            let span = raw_field(self.text, cursor, value);
            if let Some((_, end)) = span {
                cursor = end;
            }
            let is_metadata = metadata.is_some() && key == METADATA;
            let change = edit(key);
            if change.is_none() && !is_metadata {
                out.push_str(sep);
                sep = ",";
                match span {
                    Some((start, end)) => out.push_str(&self.text[start..end]),
                    None => push_field(out, key, value.get()),
                }
                continue;
            }
            if self.fields[..i].iter().any(|(k, _)| k == key) {
                continue; // a touched duplicate: written at its first position
            }
            let current = match change {
                Some(Some(raw)) => raw,
                Some(None) => continue, // removed
                None => self.field(key).map_or(value.get(), RawValue::get),
            };
            out.push_str(sep);
            sep = ",";
            match metadata {
                Some(additions) if is_metadata => {
                    push_merged_metadata(out, current, additions)?;
                    metadata_done = true;
                }
                _ => push_field(out, key, current),
            }
        }

        // New fields, in the order first named.
        for (i, (key, _)) in edits.iter().enumerate() {
            if self.field(key).is_some() || edits[..i].iter().any(|(k, _)| k == key) {
                continue;
            }
            let Some(Some(raw)) = edit(key) else {
                continue;
            };
            out.push_str(sep);
            sep = ",";
            match metadata {
                Some(additions) if *key == METADATA => {
                    push_merged_metadata(out, raw, additions)?;
                    metadata_done = true;
                }
                _ => push_field(out, key, raw),
            }
        }

        // A metadata object that did not exist.
        if let (false, Some(additions)) = (metadata_done, metadata) {
            out.push_str(sep);
            push_merged_metadata(out, "{}", additions)?;
        }
        out.push('}');
        Ok(())
    }
}

/// A JSON object of `fields`, raw values, in order.
fn object_of(fields: &[(&str, String)]) -> String {
    let mut object = String::from("{");
    for (n, (key, raw)) in fields.iter().enumerate() {
        if n > 0 {
            object.push(',');
        }
        push_json_string(&mut object, key);
        object.push(':');
        object.push_str(raw);
    }
    object.push('}');
    object
}

/// The offset of field `i`'s key (its opening quote) in `text`.
fn key_start_of(text: &str, fields: &[(Cow<'_, str>, &RawValue)], i: usize, base: usize) -> usize {
    key_start(text, fields, i, base)
}

/// The offset of field `i`'s key: the first `"` after the previous value
/// (or after the opening `{`).
fn key_start(text: &str, fields: &[(Cow<'_, str>, &RawValue)], i: usize, base: usize) -> usize {
    let from = if i == 0 {
        text.find('{').map_or(0, |p| p + 1)
    } else {
        let prev = fields[i - 1].1.get();
        prev.as_ptr() as usize - base + prev.len()
    };
    text[from..].find('"').map_or(from, |p| from + p)
}

/// The JSON text of the original text field of an output `row`, whose text
/// `text` its record restores to `original`: the original encoding kept in
/// `origin`, else the row's own when the text was not changed, else the
/// canonical encoding in the escape style the row was read in.
pub fn original_text_json(
    origin: &crate::provenance::RowOrigin,
    row: &Row<'_>,
    text: &str,
    original: &str,
) -> String {
    if let Some(raw) = &origin.text_raw {
        return raw.clone();
    }
    // An unchanged text was written back as it was read: keep it.
    if original == text
        && let Some(raw) = row.get(&origin.text_field)
    {
        return raw.get().to_string();
    }
    if origin.text_escape.as_deref() == Some("ascii") {
        to_json_ascii(original)
    } else {
        to_json_string(original)
    }
}

/// Encodes `s` as a JSON string literal with every non-ASCII character
/// escaped as `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF), as
/// Python's `json.dumps` writes by default.
pub fn to_json_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8 + 2);
    push_escaped(&mut out, s, ASCII);
    out
}

/// Encodes `s` as a JSON string literal, quotes included, exactly as
/// `serde_json::to_string` does: `"`, `\` and control characters are escaped
/// and everything else, non-ASCII included, is written as is.
pub fn to_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// Whether `raw` is the JSON string literal [`to_json_ascii`] (with `ascii`)
/// or [`to_json_string`] makes of `s`, found without building it whole.
pub fn encodes_as(s: &str, raw: &str, ascii: bool) -> bool {
    let mask = if ascii { ASCII } else { ALWAYS };
    let Some(body) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return false;
    };
    let (mut rest, mut at) = (s, 0);
    let mut chunk = String::new();
    while !rest.is_empty() {
        let mut cut = rest.len().min(1 << 16);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        chunk.clear();
        push_escaped(&mut chunk, &rest[..cut], mask);
        let encoded = &chunk[1..chunk.len() - 1];
        if body.get(at..at + encoded.len()) != Some(encoded) {
            return false;
        }
        at += encoded.len();
        rest = &rest[cut..];
    }
    at == body.len()
}

/// Whether the JSON string literal `raw` (quotes included) escapes non-ASCII
/// characters, as [`to_json_ascii`] writes them, rather than writing them as
/// is: it has no byte above 0x7f and at least one `\u` escape of a code
/// point from U+0080 up. Only then can the two encodings differ.
pub fn escapes_non_ascii(raw: &str) -> bool {
    if !raw.is_ascii() {
        return false;
    }
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(p) = memchr::memchr(b'\\', &bytes[at..]) {
        let i = at + p;
        match bytes.get(i + 1) {
            Some(b'u') => {
                let hex = raw.get(i + 2..i + 6).unwrap_or("");
                if u16::from_str_radix(hex, 16).is_ok_and(|u| u >= 0x80) {
                    return true;
                }
                at = i + 2;
            }
            Some(_) => at = i + 2,
            None => break,
        }
    }
    false
}

/// Bit set in [`ESCAPE`] for a byte every JSON encoder escapes: `"`, `\` and
/// the control characters.
const ALWAYS: u8 = 1;
/// Bit set in [`ESCAPE`] for a byte the ASCII-only encoding escapes as well:
/// the bytes of non-ASCII characters.
const ASCII: u8 = 2;

/// Per byte, which encodings escape it.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = if b < 0x20 || b == b'"' as usize || b == b'\\' as usize {
            ALWAYS | ASCII
        } else if b >= 0x80 {
            ASCII
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Whether any of the eight bytes of `word` needs an escape: a control
/// character, `"` or `\`, or with `non_ascii` a byte above 0x7f. (The
/// classic bit tricks: they never miss a byte and never flag a word with
/// none.)
fn word_needs_escape(word: u64, non_ascii: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
        || (non_ascii && word & HIGH != 0)
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    push_escaped(out, s, ALWAYS);
}

/// Appends `s` as a JSON string literal, escaping the bytes whose
/// [`ESCAPE`] entry has a bit of `mask`: runs of bytes that need no escape
/// are copied whole.
fn push_escaped(out: &mut String, s: &str, mask: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight bytes at a time while none of them needs an escape.
        while let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            if word_needs_escape(word, mask == ASCII) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        if ESCAPE[usize::from(b)] & mask == 0 {
            i += 1;
            continue;
        }
        out.push_str(&s[plain..i]);
        let mut unit = |u: u16| {
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(char::from(HEX[usize::from((u >> shift) & 0xf)]));
            }
        };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0x00..=0x7f => unit(u16::from(b)),
            _ => {
                // `i` is on a character boundary: every byte before it was
                // copied or escaped whole.
                let c = s[i..].chars().next().unwrap_or('\u{fffd}');
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    unit(*u);
                }
                i += c.len_utf8();
                plain = i;
                continue;
            }
        }
        i += 1;
        plain = i;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Appends `"key":raw`.
fn push_field(out: &mut String, key: &str, raw: &str) {
    push_json_string(out, key);
    out.push(':');
    out.push_str(raw);
}

/// Appends `"metadata":{...}`: the object `raw` with `additions` set in it.
fn push_merged_metadata(
    out: &mut String,
    raw: &str,
    additions: &[(&str, String)],
) -> Result<(), RowError> {
    let not_object = || RowError::WrongType {
        field: METADATA.to_string(),
        expected: "an object",
    };
    if !raw.trim_start().starts_with('{') {
        return Err(not_object());
    }
    let inner = Row::parse(raw).map_err(|_| not_object())?;
    let edits: Vec<(&str, Option<&str>)> = additions
        .iter()
        .map(|(k, v)| (*k, Some(v.as_str())))
        .collect();
    push_json_string(out, METADATA);
    out.push(':');
    inner.render_into(out, &edits, None)
}

/// The byte range in `text` of the field whose value is `value`: from its
/// key's opening quote to the end of its value. `cursor` is where the previous
/// field ended (or just after the `{`). `None` if the value does not lie in
/// `text` as expected, in which case the caller re-encodes the key.
fn raw_field(text: &str, cursor: usize, value: &RawValue) -> Option<(usize, usize)> {
    let raw = value.get();
    let base = text.as_ptr() as usize;
    let start_of_value = (raw.as_ptr() as usize).checked_sub(base)?;
    let end = start_of_value.checked_add(raw.len())?;
    if end > text.len() || start_of_value < cursor {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = cursor;
    let skip_ws = |mut i: usize| {
        while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    if bytes.get(i) == Some(&b',') {
        i = skip_ws(i + 1);
    }
    (bytes.get(i) == Some(&b'"') && i < start_of_value).then_some((i, end))
}

/// The fields of a JSON object, collected in source order.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some(Text(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            fields.push((key, value));
        }
        Ok(Fields(fields))
    }
}

/// A JSON string, borrowed from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    const DOLMA: &str = r#"{"id":"a","text":"x","source":"s","added":"2024-01-01","created":"2023-12-31T00:00:00Z","metadata":{"url":"u"}}"#;
    const DATATROVE: &str = r#"{"text":"x","id":"1","metadata":{"url":"https://example.test/news/1","date":"2024-05-01"}}"#;

    fn value(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    fn text(s: &str) -> Option<String> {
        Some(to_json_string(s))
    }

    #[test]
    fn dolma_row() {
        let row = Row::parse(DOLMA).unwrap();
        let keys: Vec<&str> = row.fields().iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(
            keys,
            ["id", "text", "source", "added", "created", "metadata"]
        );
        assert_eq!(row.string("id").unwrap().as_deref(), Some("a"));
        assert_eq!(row.string("text").unwrap().as_deref(), Some("x"));
        assert_eq!(row.string("metadata.url").unwrap().as_deref(), Some("u"));
        assert_eq!(row.get("metadata").unwrap().get(), r#"{"url":"u"}"#);
        assert_eq!(row.render(&[], &[]).unwrap(), DOLMA);

        let out = row
            .render(&[("text", text("clean"))], &[("chaff", "{\"n\":1}".into())])
            .unwrap();
        assert_eq!(
            out,
            r#"{"id":"a","text":"clean","source":"s","added":"2024-01-01","created":"2023-12-31T00:00:00Z","metadata":{"url":"u","chaff":{"n":1}}}"#
        );
        let again = Row::parse(&out).unwrap();
        assert_eq!(again.get("metadata.chaff.n").unwrap().get(), "1");
    }

    #[test]
    fn null_metadata_becomes_the_object_and_splices_back() {
        let line = r#"{"text":"x (AFP)", "metadata": null, "n":1}"#;
        let row = Row::parse(line).unwrap();
        let out = row
            .splice(&[("text", text("x"))], &[("chaff", "{}".into())])
            .unwrap();
        assert_eq!(out, r#"{"text":"x", "metadata": {"chaff":{}}, "n":1}"#);
        let back = Row::parse(&out)
            .unwrap()
            .splice(
                &[("text", text("x (AFP)")), (METADATA, Some("null".into()))],
                &[],
            )
            .unwrap();
        assert_eq!(back, line);
    }

    #[test]
    fn a_number_is_no_text() {
        for raw in ["12345", "1.5e3", "-0"] {
            let line = format!(r#"{{"id":1,"text":{raw}}}"#);
            let row = Row::parse(&line).unwrap();
            assert_eq!(row.string("text").unwrap().as_deref(), Some(raw));
            assert_eq!(
                row.text("text"),
                Err(RowError::WrongType {
                    field: "text".into(),
                    expected: "a string"
                })
            );
            assert_eq!(
                row.text("id").unwrap_err().to_string(),
                "field `id` is not a string"
            );
        }
        let row = Row::parse(r#"{"text":"x"}"#).unwrap();
        assert_eq!(row.text("text").unwrap().as_deref(), Some("x"));
        assert_eq!(row.text("body").unwrap(), None);
    }

    #[test]
    fn splice_replaces_a_dotted_field_inside_its_object() {
        let line = r#"{"id":"a", "metadata": {"body":"x (AFP)", "url":"u"}}"#;
        let row = Row::parse(line).unwrap();
        let out = row
            .splice(&[("metadata.body", text("x"))], &[("chaff", "1".into())])
            .unwrap();
        assert_eq!(
            out,
            r#"{"id":"a", "metadata": {"body":"x", "url":"u","chaff":1}}"#
        );
        let back = Row::parse(&out)
            .unwrap()
            .splice(
                &[
                    ("metadata.body", text("x (AFP)")),
                    (METADATA, Some(row.get(METADATA).unwrap().get().to_string())),
                ],
                &[],
            )
            .unwrap();
        assert_eq!(back, line);
        // A top-level key with the dotted name wins, as it does for `get`.
        let flat = Row::parse(r#"{"a.b":"1","a":{"b":"2"}}"#).unwrap();
        assert_eq!(
            flat.splice(&[("a.b", text("3"))], &[]).unwrap(),
            r#"{"a.b":"3","a":{"b":"2"}}"#
        );
    }

    #[test]
    fn datatrove_row() {
        let row = Row::parse(DATATROVE).unwrap();
        assert_eq!(row.string("id").unwrap().as_deref(), Some("1"));
        assert_eq!(
            row.string("metadata.url").unwrap().as_deref(),
            Some("https://example.test/news/1")
        );
        assert_eq!(
            row.string("metadata.date").unwrap().as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(row.string("metadata.missing").unwrap(), None);
        assert_eq!(row.render(&[], &[]).unwrap(), DATATROVE);
        let out = row
            .render(&[("text", text("y"))], &[("date", "\"2025\"".into())])
            .unwrap();
        assert_eq!(
            out,
            r#"{"text":"y","id":"1","metadata":{"url":"https://example.test/news/1","date":"2025"}}"#
        );
    }

    #[test]
    fn untouched_fields_are_byte_identical() {
        let line = "  {\"id\" :  \"caf\\u00e9\" , \"text\":\"old\",\"n\": 1.50e+3 ,\
                    \"k\\u00e9y\":[ 1 ,{\"a\" : \"\\u00e9\\n\"} ],\"metadata\" : { \"url\" : \"\\u00e9\" ,\"x\":[ ]}}\r";
        let row = Row::parse(line).unwrap();
        assert_eq!(row.string("id").unwrap().as_deref(), Some("café"));
        assert_eq!(row.get("n").unwrap().get(), "1.50e+3");
        assert_eq!(row.string("n").unwrap().as_deref(), Some("1.50e+3"));
        assert!(row.get("k\u{e9}y").is_some());

        let out = row.render(&[("text", text("new"))], &[]).unwrap();
        assert_eq!(
            out,
            "{\"id\" :  \"caf\\u00e9\",\"text\":\"new\",\"n\": 1.50e+3,\
             \"k\\u00e9y\":[ 1 ,{\"a\" : \"\\u00e9\\n\"} ],\"metadata\" : { \"url\" : \"\\u00e9\" ,\"x\":[ ]}}"
        );
        let out = row.render(&[], &[("chaff", "true".into())]).unwrap();
        assert_eq!(
            out,
            "{\"id\" :  \"caf\\u00e9\",\"text\":\"old\",\"n\": 1.50e+3,\
             \"k\\u00e9y\":[ 1 ,{\"a\" : \"\\u00e9\\n\"} ],\"metadata\":{\"url\" : \"\\u00e9\",\"x\":[ ],\"chaff\":true}}"
        );
        let mut expected = value(line);
        expected["metadata"]["chaff"] = Value::Bool(true);
        assert_eq!(value(&out), expected);
    }

    #[test]
    fn numeric_and_other_ids() {
        let row = Row::parse(r#"{"id":12345678901234567890123,"neg":-3,"f":true,"o":{},"z":null}"#)
            .unwrap();
        assert_eq!(
            row.string("id").unwrap().as_deref(),
            Some("12345678901234567890123")
        );
        assert_eq!(row.string("neg").unwrap().as_deref(), Some("-3"));
        for field in ["f", "o", "z"] {
            assert_eq!(
                row.string(field).unwrap_err(),
                RowError::WrongType {
                    field: field.into(),
                    expected: "a string"
                }
            );
        }
        assert_eq!(
            row.string("f").unwrap_err().to_string(),
            "field `f` is not a string"
        );
    }

    #[test]
    fn missing_text_is_none() {
        let row = Row::parse(r#"{"id":"a"}"#).unwrap();
        assert_eq!(row.string("text").unwrap(), None);
        assert!(row.get("text").is_none());
        assert!(row.get("id.x").is_none());
        let row = Row::parse("{}").unwrap();
        assert_eq!(row.string("text").unwrap(), None);
        assert_eq!(row.render(&[], &[]).unwrap(), "{}");
    }

    #[test]
    fn malformed_lines_are_errors() {
        for line in [
            "",
            " ",
            "{",
            "[1,2]",
            "\"str\"",
            "1",
            "null",
            "{\"a\":}",
            "{\"a\":1}x",
            "{\"a\" 1}",
            "{'a':1}",
            "{\"a\":1,}",
            "{\"a\":\"\u{1}\"}",
        ] {
            match Row::parse(line) {
                Err(RowError::Malformed {
                    message,
                    line: l,
                    column,
                }) => {
                    assert!(
                        message.contains(&format!("line {l} column {column}")),
                        "{message}"
                    );
                }
                other => panic!("{line:?}: {other:?}"),
            }
        }
        let err = Row::parse("{\"a\":1} x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed JSON row: trailing characters at line 1 column 9"
        );
        let err = Row::parse("[1,2]").unwrap_err();
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
    }

    #[test]
    fn metadata_not_an_object_is_an_error() {
        for meta in ["\"u\"", "[1]", "null", "3"] {
            let line = format!("{{\"text\":\"x\",\"metadata\":{meta}}}");
            let row = Row::parse(&line).unwrap();
            let err = row.render(&[], &[("a", "1".into())]).unwrap_err();
            assert_eq!(err.to_string(), "field `metadata` is not an object");
            // Untouched, it is fine.
            assert_eq!(
                row.render(&[("text", text("y"))], &[]).unwrap(),
                line.replace("\"x\"", "\"y\"")
            );
        }
        let row = Row::parse("{\"metadata\":{}}").unwrap();
        let err = row
            .render(&[("metadata", Some("[]".into()))], &[("a", "1".into())])
            .unwrap_err();
        assert!(matches!(err, RowError::WrongType { .. }));
    }

    #[test]
    fn replacements_append_remove_and_metadata_creation() {
        let row = Row::parse(r#"{"id":"a","text":"x","junk":1}"#).unwrap();
        let out = row
            .render(
                &[
                    ("junk", None),
                    ("new", Some("[1]".into())),
                    ("text", text("t\"q")),
                ],
                &[("k", "\"v\"".into())],
            )
            .unwrap();
        assert_eq!(
            out,
            r#"{"id":"a","text":"t\"q","new":[1],"metadata":{"k":"v"}}"#
        );
        // Removing something absent changes nothing; the last entry for a field wins.
        let out = row
            .render(
                &[("absent", None), ("id", text("b")), ("id", text("c"))],
                &[],
            )
            .unwrap();
        assert_eq!(out, r#"{"id":"c","text":"x","junk":1}"#);
        // Replacing metadata wholesale, then adding to it.
        let out = row
            .render(
                &[("metadata", Some("{\"a\":1}".into()))],
                &[("b", "2".into())],
            )
            .unwrap();
        assert_eq!(
            out,
            r#"{"id":"a","text":"x","junk":1,"metadata":{"a":1,"b":2}}"#
        );
        // Removing every field.
        let out = row
            .render(&[("id", None), ("text", None), ("junk", None)], &[])
            .unwrap();
        assert_eq!(out, "{}");
    }

    #[test]
    fn duplicate_keys() {
        let line = r#"{"a":1,"text":"first","a":2,"text":"last"}"#;
        let row = Row::parse(line).unwrap();
        assert_eq!(row.fields().len(), 4);
        assert_eq!(row.string("text").unwrap().as_deref(), Some("last"));
        assert_eq!(row.render(&[], &[]).unwrap(), line);
        let out = row.render(&[("text", text("new"))], &[]).unwrap();
        assert_eq!(out, r#"{"a":1,"text":"new","a":2}"#);
        assert_eq!(value(&out), value(r#"{"a":2,"text":"new"}"#));
        let out = row.render(&[], &[("m", "0".into())]).unwrap();
        assert_eq!(
            out,
            r#"{"a":1,"text":"first","a":2,"text":"last","metadata":{"m":0}}"#
        );
    }

    #[test]
    fn dotted_paths() {
        let row = Row::parse(r#"{"a.b":1,"a":{"b":2,"c":{"d":"deep"}},"s":"x.y"}"#).unwrap();
        assert_eq!(row.get("a.b").unwrap().get(), "1");
        assert_eq!(row.string("a.c.d").unwrap().as_deref(), Some("deep"));
        assert!(row.get("a.c.d.e").is_none());
        assert!(row.get("s.x").is_none());
        assert!(row.get("").is_none());
        assert!(row.get(".").is_none());
        assert!(row.get("a.").is_none());
        assert!(row.get("a..b").is_none());
        assert!(row.get(&"a.".repeat(100_000)).is_none());
        let row = Row::parse(r#"{"x.y":{"z":1},"x":{"y.z":2}}"#).unwrap();
        assert_eq!(row.get("x.y.z").unwrap().get(), "2");
        assert_eq!(row.get("x.y").unwrap().get(), r#"{"z":1}"#);
    }

    #[test]
    fn escaped_keys_and_strings() {
        let row = Row::parse(r#"{"t\u0065xt":"a\u00e9\ud83d\ude00\n","plain":"b"}"#).unwrap();
        let t = row.string("text").unwrap().unwrap();
        assert_eq!(t, "a\u{e9}\u{1f600}\n");
        assert!(matches!(t, Cow::Owned(_)));
        assert!(matches!(
            row.string("plain").unwrap().unwrap(),
            Cow::Borrowed("b")
        ));
        // White space around a value is no part of it.
        let spaced = Row::parse("{ \"text\" :\t\"a b\" , \"id\": \"\" }").unwrap();
        assert_eq!(spaced.string("text").unwrap(), Some(Cow::Borrowed("a b")));
        assert_eq!(spaced.string("id").unwrap(), Some(Cow::Borrowed("")));
        // Untouched escaped keys keep their bytes; touched ones are re-encoded.
        assert_eq!(
            row.render(&[], &[]).unwrap(),
            r#"{"t\u0065xt":"a\u00e9\ud83d\ude00\n","plain":"b"}"#
        );
        assert_eq!(
            row.render(&[("text", text("z"))], &[]).unwrap(),
            r#"{"text":"z","plain":"b"}"#
        );
    }

    #[test]
    fn lone_surrogates_are_errors_not_panics() {
        for s in [r#""\ud800""#, r#""\udc00x""#, r#""\ud800\u0041""#] {
            let line = format!("{{\"text\":{s},\"id\":1}}");
            let row = Row::parse(&line).unwrap();
            let err = row.string("text").unwrap_err();
            assert!(matches!(err, RowError::BadString { .. }), "{err:?}");
            assert!(
                err.to_string()
                    .starts_with("field `text` is not a valid string")
            );
            assert_eq!(row.render(&[], &[]).unwrap(), line);
        }
        assert!(Row::parse(r#"{"\ud800":1}"#).is_err());
        assert!(Row::parse(r#"{"a":"\uZZZZ"}"#).is_err());
    }

    #[test]
    fn deep_nesting_and_huge_strings() {
        let depth = 100_000;
        let line = format!(
            "{{\"text\":\"t\",\"deep\":{}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let row = Row::parse(&line).unwrap();
        assert_eq!(row.render(&[], &[]).unwrap(), line);
        let line = format!(
            "{{\"text\":\"t\",\"deep\":{}1{}}}",
            "{\"a\":".repeat(depth / 20),
            "}".repeat(depth / 20)
        );
        let row = Row::parse(&line).unwrap();
        let path = format!("deep{}", ".a".repeat(200));
        assert!(row.get(&path).is_some());
        let unbalanced = format!("{{\"deep\":{}", "[".repeat(depth));
        assert!(Row::parse(&unbalanced).is_err());
        let deep_top = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        // Only the top level is parsed eagerly, so this is just one field.
        assert_eq!(Row::parse(&deep_top).unwrap().fields().len(), 1);

        let big = "é\"\\x".repeat(1 << 18);
        let line = format!("{{\"text\":{}}}", to_json_string(&big));
        let row = Row::parse(&line).unwrap();
        assert_eq!(row.string("text").unwrap().unwrap(), big);
    }

    #[test]
    fn json_string_matches_serde_json() {
        for s in [
            "",
            "a",
            "\"",
            "\\",
            "\u{0}\u{1f}\u{7f}\u{80}",
            "é\n\r\t\u{8}\u{c}",
            "\u{2028}",
        ] {
            assert_eq!(
                to_json_string(s),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
    }

    /// A row line built from `fields` with `ws` between tokens.
    fn build_line(fields: &[(String, String)], metadata: &[(String, String)], ws: &str) -> String {
        let mut line = format!("{ws}{{");
        let mut parts: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{ws}{}{ws}:{ws}{}{ws}",
                    to_json_string(k),
                    to_json_string(v)
                )
            })
            .collect();
        if !metadata.is_empty() {
            let inner: Vec<String> = metadata
                .iter()
                .map(|(k, v)| format!("{}{ws}:{}", to_json_string(k), to_json_string(v)))
                .collect();
            parts.push(format!("\"metadata\":{ws}{{{}}}", inner.join(",")));
        }
        line.push_str(&parts.join(","));
        line.push('}');
        line.push_str(ws);
        line
    }

    #[test]
    fn escapes_are_found_at_every_offset_of_the_word_scan() {
        for special in [
            "\"",
            "\\",
            "\n",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "é",
            "\u{1f600}",
        ] {
            for before in 0..20 {
                for after in [0, 1, 7, 8, 9] {
                    let s = format!("{}{special}{}", "a".repeat(before), "b".repeat(after));
                    assert_eq!(
                        to_json_string(&s),
                        serde_json::to_string(&s).unwrap(),
                        "{s:?}"
                    );
                    let ascii = to_json_ascii(&s);
                    assert!(ascii.is_ascii(), "{ascii}");
                    assert_eq!(serde_json::from_str::<String>(&ascii).unwrap(), s);
                }
            }
        }
    }

    #[test]
    fn escaping_style_is_told_from_the_raw_literal() {
        assert!(escapes_non_ascii(r#""caf\u00e9""#));
        assert!(!escapes_non_ascii("\"café\""));
        assert!(!escapes_non_ascii(r#""plain \u0001 control""#));
        assert!(!escapes_non_ascii(r#""an escaped \\u00e9 backslash""#));
    }

    #[test]
    fn ascii_encoding_is_pythons_default() {
        assert_eq!(
            to_json_ascii("a\u{e9}\"\\\n\u{1}\u{1f600}"),
            r#""a\u00e9\"\\\n\u0001\ud83d\ude00""#
        );
    }

    proptest! {
        #[test]
        fn ascii_encoding_decodes_back(s in "\\PC{0,40}|[\\x00-\\x20\"\\\\]{0,5}") {
            let encoded = to_json_ascii(&s);
            prop_assert!(encoded.is_ascii());
            prop_assert_eq!(serde_json::from_str::<String>(&encoded).unwrap(), s);
        }

        #[test]
        fn render_without_changes_is_the_same_json(
            fields in proptest::collection::vec(("[a-z]{0,3}|\\PC{0,6}", "\\PC{0,20}|[\\x00-\\x20\"\\\\]{0,5}"), 0..6),
            metadata in proptest::collection::vec(("[a-z]{1,3}", "\\PC{0,8}"), 0..3),
            ws in "[ \t]{0,2}",
        ) {
            let fields: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "metadata").collect();
            let line = build_line(&fields, &metadata, &ws);
            let row = Row::parse(&line).unwrap();
            let out = row.render(&[], &[]).unwrap();
            prop_assert_eq!(value(&out), value(&line));
            prop_assert!(!out.contains('\n'));
            if ws.is_empty() {
                prop_assert_eq!(&out, &line);
            }
            for (k, _) in &fields {
                let expected = fields.iter().rev().find(|(k2, _)| k2 == k).map(|(_, v)| v.clone());
                if !k.contains('.') {
                    prop_assert_eq!(row.string(k).unwrap().map(Cow::into_owned), expected);
                }
            }
        }

        #[test]
        fn replaced_text_reads_back(
            fields in proptest::collection::vec(("[a-z]{1,5}", "\\PC{0,20}"), 0..5),
            metadata in proptest::collection::vec(("[a-z]{1,3}", "\\PC{0,8}"), 0..3),
            new_text in "\\PC{0,40}|[\\x00-\\x20\"\\\\]{0,5}",
            tag in "\\PC{0,10}",
            ws in "[ \t\r\n]{0,2}",
        ) {
            let fields: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "metadata").collect();
            let line = build_line(&fields, &metadata, &ws);
            let row = Row::parse(&line).unwrap();
            let out = row
                .render(&[("text", Some(to_json_string(&new_text)))], &[("chaff", to_json_string(&tag))])
                .unwrap();
            let back = Row::parse(&out).unwrap();
            prop_assert_eq!(back.string("text").unwrap().unwrap(), new_text.as_str());
            prop_assert_eq!(back.string("metadata.chaff").unwrap().unwrap(), tag.as_str());
            let mut expected = value(&line);
            expected["text"] = Value::String(new_text.clone());
            expected["metadata"]["chaff"] = Value::String(tag.clone());
            prop_assert_eq!(value(&out), expected);
            for (k, _) in &metadata {
                if k != "chaff" {
                    let found = metadata.iter().rev().find(|(k2, _)| k2 == k).map(|(_, v)| v.as_str());
                    let path = format!("metadata.{k}");
                    let got = back.string(&path).unwrap();
                    prop_assert_eq!(got.as_deref(), found);
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}|[{}\\[\\]\":,\\\\u0-9a-f ]{0,30}") {
            if let Ok(row) = Row::parse(&s) {
                let _ = row.render(&[("text", Some("1".into()))], &[("a", "2".into())]);
                let _ = row.string("text");
                let _ = row.get("a.b.c");
            }
        }

        #[test]
        fn json_string_matches_serde_json_always(s in "\\PC{0,30}|[\\x00-\\x7f]{0,30}") {
            prop_assert_eq!(to_json_string(&s), serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn encodes_as_tells_each_encoding_of_a_text_over_chunk_boundaries() {
        // Multibyte characters and escapes on both sides of the 64 KiB cut.
        let long = format!("{}é\n\"€𝄞 end", "a".repeat((1 << 16) - 1));
        for s in ["", "plain", "é \" \\ \n\t\u{1}", "𝄞", long.as_str()] {
            for ascii in [false, true] {
                let raw = if ascii {
                    to_json_ascii(s)
                } else {
                    to_json_string(s)
                };
                assert!(encodes_as(s, &raw, ascii), "{s:?} {ascii}");
                let other = if ascii {
                    to_json_string(s)
                } else {
                    to_json_ascii(s)
                };
                assert_eq!(encodes_as(s, &other, ascii), other == raw, "{s:?} {ascii}");
                assert!(!encodes_as(s, &raw[..raw.len() - 1], ascii));
                assert!(!encodes_as(&format!("{s}x"), &raw, ascii));
            }
        }
        // Same text, another spelling of it.
        assert!(!encodes_as("é", "\"\\u00E9\"", true));
    }
}
