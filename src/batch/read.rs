//! Reading a corpus: the one reader of text files, JSONL rows (plain, `.gz`
//! or `.zst`) and Parquet rows, with the checks every input gets and one
//! message for each way an input can be bad.
//!
//! The reader turns each input into [`Doc`]s. `strip` writes what it makes
//! of them (it reads through the same pieces: [`check_text`], [`Lines`],
//! [`Reader::row`], the Parquet rows), while [`super::preview`] (`chaff
//! diff`, `check`, `eval`) and `chaff suggest` only visit them, through
//! [`Reader::visit`] and a [`Visitor`].

use super::walk::{Input, Kind};
use super::{Failure, Fields};
use crate::compress::{self, Compression};
use crate::engine::Document;
use crate::jsonl::{Row, RowError};
use rayon::prelude::*;
use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

/// JSONL rows (and Parquet rows) per block handed to the workers.
pub const BLOCK_ROWS: usize = 1024;
/// JSONL bytes per block at most.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Why a Parquet shard cannot be read by this build.
pub const NO_PARQUET: &str =
    "a Parquet shard, and this chaff was built without the `parquet` feature; skipped";

/// What becomes of a JSONL row that is not a usable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// `strip` (and what previews it) copies it to the output as it was.
    Copied,
    /// `suggest` reads on without it.
    Skipped,
}

impl fmt::Display for Then {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Then::Copied => "copied unchanged",
            Then::Skipped => "skipped",
        })
    }
}

/// Why a JSONL line is not a usable document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowProblem {
    /// The line is not valid UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// The line is not a JSON object, or a field cannot be used.
    #[error("{0}")]
    Row(#[from] RowError),
    /// The row has no text field.
    #[error("no `{0}` field")]
    NoText(String),
}

/// Why an input, or one of its rows, could not be read. Each message names
/// the file (and the line or row, for one row), as [`Failure`] shows it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Open {
        /// The input file.
        file: String,
        /// What the system said.
        source: io::Error,
    },
    /// A JSONL file could not be read at a line (a damaged `.gz`, say).
    #[error("{file}: cannot read (line {line}): {source}")]
    Line {
        /// The input file.
        file: String,
        /// The 1-based line that could not be read.
        line: u64,
        /// What the system or the decompressor said.
        source: io::Error,
    },
    /// A text file holds a NUL byte.
    #[error("{file}: binary file (NUL byte at offset {offset}); skipped")]
    Binary {
        /// The input file.
        file: String,
        /// The byte offset of the first NUL.
        offset: usize,
    },
    /// A text file is not valid UTF-8.
    #[error("{file}: not UTF-8 (invalid byte at offset {offset}); skipped")]
    NotUtf8 {
        /// The input file.
        file: String,
        /// The byte offset of the first invalid byte.
        offset: usize,
    },
    /// A JSONL row is not a usable document.
    #[error("{file}:{line}: {problem}; {then}")]
    Row {
        /// The input file.
        file: String,
        /// The 1-based line.
        line: u64,
        /// What is wrong with it.
        problem: RowProblem,
        /// What became of it.
        then: Then,
    },
    /// A Parquet shard, and this build cannot read one.
    #[error("{file}: {NO_PARQUET}")]
    NoParquet {
        /// The input file.
        file: String,
    },
    /// A file named `.parquet` that the Parquet reader does not take.
    #[error("{file}: not a readable Parquet file: {message}; skipped")]
    NotParquet {
        /// The input file.
        file: String,
        /// What the Parquet reader said.
        message: String,
    },
    /// A Parquet shard with no column of the text field's name.
    #[error("{file}: no column `{column}` (the text field); skipped")]
    NoTextColumn {
        /// The input file.
        file: String,
        /// The text field.
        column: String,
    },
    /// A Parquet shard whose text column is not of strings.
    #[error("{file}: column `{column}` (the text field) holds {found}, not strings; skipped")]
    TextColumnType {
        /// The input file.
        file: String,
        /// The text field.
        column: String,
        /// The column's data type.
        found: String,
    },
    /// A record batch whose text column holds no strings.
    #[error("{file}: column `{column}` holds no strings; skipped")]
    NoStrings {
        /// The input file.
        file: String,
        /// The text field.
        column: String,
    },
    /// A row group of a Parquet shard could not be read.
    #[error("{file}: cannot read row group {group}: {message}; skipped")]
    RowGroup {
        /// The input file.
        file: String,
        /// The 0-based row group.
        group: usize,
        /// What the Parquet reader said.
        message: String,
    },
    /// A Parquet row whose text is null.
    #[error("{file}:{row}: `{column}` is null; kept unchanged")]
    NullText {
        /// The input file.
        file: String,
        /// The 1-based row.
        row: u64,
        /// The text field.
        column: String,
    },
    /// The Parquet reader panicked on a damaged shard.
    #[error("{file}: the Parquet reader failed on it ({message}); skipped")]
    Panicked {
        /// The input file.
        file: String,
        /// What the panic said.
        message: String,
    },
}

impl ReadError {
    /// The input file, as shown.
    pub fn file(&self) -> &str {
        match self {
            ReadError::Open { file, .. }
            | ReadError::Line { file, .. }
            | ReadError::Binary { file, .. }
            | ReadError::NotUtf8 { file, .. }
            | ReadError::Row { file, .. }
            | ReadError::NoParquet { file }
            | ReadError::NotParquet { file, .. }
            | ReadError::NoTextColumn { file, .. }
            | ReadError::TextColumnType { file, .. }
            | ReadError::NoStrings { file, .. }
            | ReadError::RowGroup { file, .. }
            | ReadError::NullText { file, .. }
            | ReadError::Panicked { file, .. } => file,
        }
    }

    /// The row that failed, for a failure of one row (the rest of the file
    /// is read); `None` for a failure of the whole file.
    pub fn row(&self) -> Option<u64> {
        match self {
            ReadError::Row { line, .. } => Some(*line),
            ReadError::NullText { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// The line or row the failure is at, when it names one.
    pub fn position(&self) -> Option<u64> {
        match self {
            ReadError::Line { line, .. } => Some(*line),
            _ => self.row(),
        }
    }

    /// The I/O error of a file that could not be read, and any other
    /// failure as an I/O error with its message.
    pub fn into_io(self) -> io::Error {
        match self {
            ReadError::Open { source, .. } | ReadError::Line { source, .. } => source,
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Failure {
        Failure::from(&e)
    }
}

impl From<&ReadError> for Failure {
    fn from(e: &ReadError) -> Failure {
        let file = e.file().to_string();
        let line = e.row();
        let shown = e.to_string();
        let at = match line {
            Some(line) => format!("{file}:{line}: "),
            None => format!("{file}: "),
        };
        let message = shown.strip_prefix(&at).unwrap_or(&shown).to_string();
        Failure {
            file,
            line,
            message,
        }
    }
}

/// One document as the reader found it.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// The input file it is in.
    pub input: &'a Input,
    /// The 1-based line (JSONL) or row (Parquet); `None` for a text file.
    pub line: Option<u64>,
    /// What the engine strips. Its source is `file` or `file:line`; its id
    /// the id field, else `rel` (a text file) or `rel:line`; its publisher
    /// `--publisher`, else a publisher field.
    pub document: Document<'a>,
    /// The value of the field that groups documents, when one is asked for
    /// (JSONL rows).
    pub group: Option<&'a str>,
}

impl<'a> Doc<'a> {
    /// Where it came from: `file` or `file:line`.
    pub fn source(&self) -> &'a str {
        self.document.source.unwrap_or_default()
    }
}

/// A JSONL line read as a document: the parsed row, and what the document
/// is made of.
pub struct RowDoc<'l> {
    /// The parsed row.
    pub row: Row<'l>,
    /// The line without its ending.
    pub body: &'l str,
    /// The line's ending: `\n`, `\r\n` or nothing.
    pub ending: &'l [u8],
    /// The 1-based line.
    pub line: u64,
    /// `file:line`.
    pub source: String,
    /// The id field, else `rel:line`.
    pub id: String,
    /// The text field, decoded.
    pub text: Cow<'l, str>,
    /// The explicit publisher.
    pub publisher: Option<Cow<'l, str>>,
    /// The first URL field with a value.
    pub url: Option<Cow<'l, str>>,
    /// The grouping field's value.
    pub group: Option<Cow<'l, str>>,
}

impl RowDoc<'_> {
    /// The row as a document of `input`.
    pub fn doc<'s>(&'s self, input: &'s Input) -> Doc<'s> {
        Doc {
            input,
            line: Some(self.line),
            document: Document {
                id: &self.id,
                text: &self.text,
                source: Some(&self.source),
                publisher: self.publisher.as_deref(),
                url: self.url.as_deref(),
            },
            group: self.group.as_deref(),
        }
    }
}

/// A JSONL line that is not a usable document: why, and its id when that
/// was read.
#[derive(Debug)]
pub struct BadRow {
    /// What is wrong with it.
    pub problem: RowProblem,
    /// The row's id, when it has one.
    pub id: Option<String>,
}

/// Splits a line's ending (`\n` or `\r\n`) off.
pub fn split_ending(line: &[u8]) -> (&[u8], &[u8]) {
    let cut = if line.ends_with(b"\r\n") {
        2
    } else {
        usize::from(line.ends_with(b"\n"))
    };
    line.split_at(line.len() - cut)
}

/// Checks that a text file's bytes are text: no NUL byte, valid UTF-8.
/// `file` is the file as shown.
pub fn check_text<'b>(file: &str, bytes: &'b [u8]) -> Result<&'b str, ReadError> {
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(ReadError::Binary {
            file: file.to_string(),
            offset,
        });
    }
    utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        file: file.to_string(),
        offset: e.valid_up_to(),
    })
}

/// `bytes` as a string, when they are UTF-8. Checked with SIMD
/// (`simdutf8`), several times as fast as the standard library's check on
/// text with a non-ASCII character every few dozen bytes; an error is the
/// standard library's, with where the valid part ends.
pub fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Reads a text file's bytes.
pub fn read_file(input: &Input) -> Result<Vec<u8>, ReadError> {
    std::fs::read(&input.path).map_err(|source| ReadError::Open {
        file: input.path.display().to_string(),
        source,
    })
}

/// The lines of a JSONL file, read a block at a time into one buffer.
pub struct Lines<R> {
    reader: R,
    file: String,
    line_no: u64,
    until: Option<u64>,
    done: bool,
    buf: Vec<u8>,
    rows: Vec<(u64, usize, usize)>,
}

impl Lines<Box<dyn BufRead + Send>> {
    /// Opens a JSONL input, decompressed; returns how it was compressed.
    pub fn open(input: &Input) -> Result<(Self, Compression), ReadError> {
        let file = input.path.display().to_string();
        let (reader, compression) =
            compress::open(&input.path).map_err(|source| ReadError::Open {
                file: file.clone(),
                source,
            })?;
        Ok((Lines::new(reader, file), compression))
    }
}

impl<R: BufRead> Lines<R> {
    /// The lines of `reader`; `file` names it in messages.
    pub fn new(reader: R, file: String) -> Self {
        Lines {
            reader,
            file,
            line_no: 0,
            until: None,
            done: false,
            buf: Vec::new(),
            rows: Vec::with_capacity(BLOCK_ROWS),
        }
    }

    /// Stops reading after line `last`.
    pub fn until(mut self, last: u64) -> Self {
        self.until = Some(last);
        self
    }

    /// Reads the next block: up to [`BLOCK_ROWS`] lines, and no more once
    /// [`BLOCK_BYTES`] are read. Returns whether it holds a line. On an
    /// error, the lines read before it are the block, and nothing more is
    /// read.
    pub fn next_block(&mut self) -> Result<bool, ReadError> {
        self.buf.clear();
        self.rows.clear();
        while !self.done && self.rows.len() < BLOCK_ROWS && self.buf.len() < BLOCK_BYTES {
            let start = self.buf.len();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line_no += 1;
                    self.rows.push((self.line_no, start, self.buf.len()));
                    if self.until.is_some_and(|last| self.line_no >= last) {
                        self.done = true;
                    }
                }
                Err(source) => {
                    self.done = true;
                    self.buf.truncate(start);
                    return Err(ReadError::Line {
                        file: self.file.clone(),
                        line: self.line_no + 1,
                        source,
                    });
                }
            }
        }
        Ok(!self.rows.is_empty())
    }

    /// The block's bytes: its lines one after another.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The block's lines, with their 1-based numbers.
    pub fn block(&self) -> Vec<(u64, &[u8])> {
        self.rows
            .iter()
            .map(|&(no, s, e)| (no, &self.buf[s..e]))
            .collect()
    }

    /// How many lines were read.
    pub fn lines_read(&self) -> u64 {
        self.line_no
    }
}

/// Reads documents out of inputs: which fields they are made of, and what
/// becomes of a row that is not one.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// JSONL field names (the text field is also the Parquet text column).
    pub fields: &'a Fields,
    /// Publisher of every document, overriding metadata.
    pub publisher: Option<&'a str>,
    /// The field whose value groups documents, if any.
    pub group_by: Option<&'a str>,
    /// What becomes of a bad row, as its message says.
    pub then: Then,
    /// Where the rows of a block are read; the current pool when `None`.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// What is done with the documents a [`Reader`] visits. Documents are
/// visited on worker threads; what they gather goes into parts, which are
/// merged in input order.
pub trait Visitor: Sync {
    /// What a worker gathers.
    type Part: Default + Send;
    /// Whether the document at a line is wanted (0 for a text file); one
    /// that is not is not read further.
    fn wants(&self, _line: u64) -> bool {
        true
    }
    /// One document.
    fn document(&self, doc: &Doc<'_>, part: &mut Self::Part);
    /// An input, or a row of one, that could not be read.
    fn failure(&self, error: ReadError, part: &mut Self::Part);
    /// `later`, gathered after `part`, added to it.
    fn merge(&self, part: &mut Self::Part, later: Self::Part);
}

impl<'a> Reader<'a> {
    /// Reads the documents of one JSONL line: `Ok(None)` for a blank line.
    pub fn row<'l>(
        &self,
        input: &Input,
        line_no: u64,
        line: &'l [u8],
    ) -> Result<Option<RowDoc<'l>>, BadRow>
    where
        'a: 'l,
    {
        let bad = |problem: RowProblem, id: Option<String>| BadRow { problem, id };
        let (body, ending) = split_ending(line);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let body = utf8(body).map_err(|_| bad(RowProblem::NotUtf8, None))?;
        let row = Row::parse(body).map_err(|e| bad(e.into(), None))?;
        let fields = self.fields;
        let id = match row.string(&fields.id) {
            Ok(Some(id)) => id.into_owned(),
            _ => format!("{}:{line_no}", input.rel),
        };
        let text = match row.text(&fields.text) {
            Ok(Some(text)) => text,
            Ok(None) => return Err(bad(RowProblem::NoText(fields.text.clone()), Some(id))),
            Err(e) => return Err(bad(e.into(), Some(id))),
        };
        let first = |names: &[String]| names.iter().find_map(|n| row.string(n).ok().flatten());
        let publisher = match self.publisher {
            Some(p) => Some(Cow::Borrowed(p)),
            None => first(&fields.publisher),
        };
        let url = first(&fields.url);
        let group = self.group_by.and_then(|f| row.string(f).ok().flatten());
        Ok(Some(RowDoc {
            body,
            ending,
            line: line_no,
            source: format!("{}:{line_no}", input.path.display()),
            id,
            text,
            publisher,
            url,
            group,
            row,
        }))
    }

    /// The failure of a bad row of `input`.
    pub fn bad_row(&self, input: &Input, line_no: u64, problem: RowProblem) -> ReadError {
        ReadError::Row {
            file: input.path.display().to_string(),
            line: line_no,
            problem,
            then: self.then,
        }
    }

    /// A text file's contents as its one document.
    pub fn text_doc<'d>(&self, input: &'d Input, source: &'d str, text: &'d str) -> Doc<'d>
    where
        'a: 'd,
    {
        Doc {
            input,
            line: None,
            document: Document {
                id: &input.rel,
                text,
                source: Some(source),
                publisher: self.publisher,
                url: None,
            },
            group: None,
        }
    }

    /// Reads `input`, handing each document and each failure to `visitor`
    /// (the rows of a block on the workers of the current thread pool), and
    /// each part it gathered to `done`, in input order. JSONL reading stops
    /// after line `until`, when given.
    pub fn visit<V: Visitor>(
        &self,
        input: &Input,
        until: Option<u64>,
        visitor: &V,
        done: &mut dyn FnMut(V::Part),
    ) {
        let mut part = V::Part::default();
        match input.kind {
            Kind::Text => {
                if visitor.wants(0) {
                    self.visit_text(input, visitor, &mut part);
                }
            }
            Kind::Jsonl => return self.visit_jsonl(input, until, visitor, done),
            #[cfg(feature = "parquet")]
            Kind::Parquet => super::parquet::visit(self, input, visitor, &mut part),
            #[cfg(not(feature = "parquet"))]
            Kind::Parquet => visitor.failure(
                ReadError::NoParquet {
                    file: input.path.display().to_string(),
                },
                &mut part,
            ),
        }
        done(part);
    }

    fn visit_text<V: Visitor>(&self, input: &Input, visitor: &V, part: &mut V::Part) {
        let shown = input.path.display().to_string();
        let bytes = match read_file(input) {
            Ok(bytes) => bytes,
            Err(e) => return visitor.failure(e, part),
        };
        match check_text(&shown, &bytes) {
            Ok(text) => visitor.document(&self.text_doc(input, &shown, text), part),
            Err(e) => visitor.failure(e, part),
        }
    }

    fn visit_jsonl<V: Visitor>(
        &self,
        input: &Input,
        until: Option<u64>,
        visitor: &V,
        done: &mut dyn FnMut(V::Part),
    ) {
        let mut lines = match Lines::open(input) {
            Ok((lines, _)) => lines,
            Err(e) => {
                let mut part = V::Part::default();
                visitor.failure(e, &mut part);
                return done(part);
            }
        };
        if let Some(last) = until {
            lines = lines.until(last);
        }
        loop {
            let read = lines.next_block();
            let block = lines.block();
            if !block.is_empty() {
                let read_block = || {
                    block
                        .par_iter()
                        .filter(|(no, _)| visitor.wants(*no))
                        .fold(V::Part::default, |mut part, &(no, line)| {
                            match self.row(input, no, line) {
                                Ok(Some(row)) => visitor.document(&row.doc(input), &mut part),
                                Ok(None) => {}
                                Err(bad) => {
                                    visitor.failure(self.bad_row(input, no, bad.problem), &mut part)
                                }
                            }
                            part
                        })
                        .reduce(V::Part::default, |mut a, b| {
                            visitor.merge(&mut a, b);
                            a
                        })
                };
                done(match self.pool {
                    Some(pool) => pool.install(read_block),
                    None => read_block(),
                });
            }
            match read {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let mut part = V::Part::default();
                    visitor.failure(e, &mut part);
                    done(part);
                    break;
                }
            }
        }
    }
}

impl<'a> Reader<'a> {
    /// The reader of a `strip` run (and of what previews one): its fields
    /// and publisher, bad rows copied unchanged, rows read on the current
    /// thread pool.
    pub fn of(options: &'a super::Options) -> Reader<'a> {
        Reader {
            fields: &options.fields,
            publisher: options.publisher.as_deref(),
            group_by: None,
            then: Then::Copied,
            pool: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utf8_check_agrees_with_the_standard_library() {
        // Long enough for the SIMD loop, with bad bytes of every kind at
        // every place (a stray continuation, a cut character, an overlong
        // form, a surrogate), some of which complete a character cut there.
        let good = "Dear readers, “quotes” – Ваня, Zürich, 東京, 🦀. ".repeat(8);
        assert_eq!(utf8(good.as_bytes()), Ok(good.as_str()));
        let mut errors = 0;
        for bad in [
            &[0x80][..],
            &[0xe2, 0x80],
            &[0xc0, 0xaf],
            &[0xed, 0xa0, 0x80],
        ] {
            for at in (0..good.len()).step_by(7) {
                let mut bytes = good.as_bytes()[..at].to_vec();
                bytes.extend_from_slice(bad);
                bytes.extend_from_slice(good.as_bytes());
                let expected = std::str::from_utf8(&bytes);
                errors += usize::from(expected.is_err());
                assert_eq!(utf8(&bytes), expected, "{bad:?} at {at}");
            }
        }
        assert!(errors > 200, "{errors} errors");
    }
}
