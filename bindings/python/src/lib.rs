//! The native part of the `chaff` Python package (`chaff._chaff`).
//!
//! Everything here is a thin layer over the `chaff` crate: the engine runs
//! with the GIL released, batches run on rayon's pool, and Arrow data crosses
//! through the C data interface without a Python object per row. The Python
//! package (`python/chaff/`) re-exports these names and adds the pipeline
//! stages.

use arrow_array::builder::{Int32Builder, Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_pyarrow::{PyArrowType, Table};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chaff::provenance::{self, HashKind, Mode, Record};
use chaff::rules::{self, Diagnostic, LoadError};
use chaff::{Document, Scratch};
use pyo3::exceptions::{PyException, PyTypeError, PyUnicodeDecodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use pyo3::{create_exception, intern};
use rayon::prelude::*;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

create_exception!(
    chaff,
    ChaffError,
    PyException,
    "Base class of the errors chaff raises."
);
create_exception!(
    chaff,
    RuleError,
    ChaffError,
    "Rule files did not load. `diagnostics` holds every problem found."
);
create_exception!(
    chaff,
    RestoreError,
    ChaffError,
    "A clean text and a record do not rebuild an original."
);

/// Names of the columns `strip_arrow` adds.
const RECORD_COLUMN: &str = "chaff_record";
const EDITS_COLUMN: &str = "chaff_edits";
const CHARS_COLUMN: &str = "chaff_chars_removed";
const ERROR_COLUMN: &str = "chaff_error";

// ---------------------------------------------------------------------------
// Input checks

/// The text of `obj`: a `str`, or `bytes` holding UTF-8. Anything else is a
/// `TypeError`; bytes that are not UTF-8 a `UnicodeDecodeError`.
fn text_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if obj.is_instance_of::<PyString>() {
        return obj.extract::<String>();
    }
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        return match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(PyErr::from_value(
                PyUnicodeDecodeError::new_utf8(obj.py(), bytes, e)?.into_any(),
            )),
        };
    }
    let kind = if obj.is_none() {
        "None".to_string()
    } else {
        obj.get_type().name()?.to_string()
    };
    Err(PyTypeError::new_err(format!(
        "{what} must be str or UTF-8 bytes, not {kind}"
    )))
}

/// Like [`text_of`], for a batch row: the error becomes the row's message.
fn row_text(obj: &Bound<'_, PyAny>, what: &str) -> Result<String, String> {
    text_of(obj, what).map_err(|e| {
        let py = obj.py();
        let name = e
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        format!("{name}: {}", e.value(py))
    })
}

fn optional_str(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => text_of(o, what).map(Some),
    }
}

fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "strip" => Ok(Mode::Strip),
        "mask" => Ok(Mode::Mask),
        "tag" => Ok(Mode::Tag),
        other => Err(PyValueError::new_err(format!(
            "mode must be \"strip\", \"mask\" or \"tag\", not {other:?}"
        ))),
    }
}

fn parse_hash(hash: &str) -> PyResult<HashKind> {
    HashKind::parse(hash).ok_or_else(|| {
        PyValueError::new_err(format!(
            "hash must be \"blake3\" or \"sha256\", not {hash:?}"
        ))
    })
}

fn record_from_json(json: &str) -> PyResult<Record> {
    serde_json::from_str(json)
        .map_err(|e| PyValueError::new_err(format!("not a chaff provenance record: {e}")))
}

fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(intern!(py, "json"))?
        .call_method1(intern!(py, "loads"), (text,))
}

// ---------------------------------------------------------------------------
// Rules

/// One problem in a rule file.
#[pyclass(
    frozen,
    get_all,
    skip_from_py_object,
    module = "chaff",
    name = "Diagnostic"
)]
#[derive(Clone)]
struct PyDiagnostic {
    /// Stable kebab-case name of the problem (`bad-regex`, `unknown-key`, …).
    kind: String,
    /// The rule file, as named when loaded.
    file: String,
    /// 1-based line (0 when the problem has no position).
    line: usize,
    /// 1-based column in characters.
    column: usize,
    /// The rule id, when known.
    rule: Option<String>,
    /// What is wrong.
    message: String,
    /// What to do about it.
    help: Option<String>,
}

#[pymethods]
impl PyDiagnostic {
    fn __repr__(&self) -> String {
        format!(
            "Diagnostic({}:{}:{}: [{}] {}{})",
            self.file,
            self.line,
            self.column,
            self.kind,
            self.rule
                .as_deref()
                .map(|r| format!("{r}: "))
                .unwrap_or_default(),
            self.message
        )
    }
}

impl From<&Diagnostic> for PyDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        PyDiagnostic {
            kind: d.kind.name().to_string(),
            file: d.file.clone(),
            line: d.line,
            column: d.column,
            rule: d.rule.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }
}

fn rule_error(py: Python<'_>, e: &LoadError) -> PyErr {
    let err = RuleError::new_err(e.to_string());
    let list: Vec<PyDiagnostic> = e.diagnostics.iter().map(PyDiagnostic::from).collect();
    match PyList::new(py, list) {
        Ok(list) => match err.value(py).setattr("diagnostics", list) {
            Ok(()) => err,
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// Loads the built-in packs (unless `builtin` is false) and the packs at
/// `paths`, gathering every problem, as the command line does.
fn load_rules(paths: &[PathBuf], builtin: bool) -> Result<rules::RuleSet, LoadError> {
    rules::RuleSet::load(builtin, paths)
}

/// Paths from `None`, one path, or a sequence of paths.
fn paths_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PathBuf>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    if obj.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(path) = obj.extract::<PathBuf>() {
        return Ok(vec![path]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| {
        PyTypeError::new_err("rules must be a path, a sequence of paths, a RuleSet or None")
    })? {
        out.push(item?.extract::<PathBuf>().map_err(|_| {
            PyTypeError::new_err("rules must be a path, a sequence of paths, a RuleSet or None")
        })?);
    }
    Ok(out)
}

/// A loaded, valid set of rule packs.
#[pyclass(frozen, module = "chaff", name = "RuleSet")]
struct PyRuleSet {
    set: Arc<rules::RuleSet>,
}

#[pymethods]
impl PyRuleSet {
    #[new]
    #[pyo3(signature = (paths = None, *, builtin = true))]
    fn new(py: Python<'_>, paths: Option<&Bound<'_, PyAny>>, builtin: bool) -> PyResult<Self> {
        let paths = paths_of(paths)?;
        let set = py
            .detach(|| load_rules(&paths, builtin))
            .map_err(|e| rule_error(py, &e))?;
        Ok(PyRuleSet { set: Arc::new(set) })
    }

    /// Digest of the rule set, as written in every record.
    #[getter]
    fn digest(&self) -> &str {
        self.set.digest()
    }

    /// Ids of the rules, in load order.
    #[getter]
    fn rule_ids(&self) -> Vec<String> {
        self.set.rules().iter().map(|r| r.id.clone()).collect()
    }

    /// Ids of the packs, in load order.
    #[getter]
    fn pack_ids(&self) -> Vec<String> {
        self.set.packs().iter().map(|p| p.id.clone()).collect()
    }

    /// The rules as dicts: id, pack, category, anchors.
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in self.set.rules() {
            let d = PyDict::new(py);
            d.set_item("id", &r.id)?;
            d.set_item("pack", &self.set.packs()[r.pack].id)?;
            d.set_item("category", r.category.as_str())?;
            d.set_item("anchors", &r.anchors)?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn __len__(&self) -> usize {
        self.set.rules().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "RuleSet({} rules in {} packs, digest {})",
            self.set.rules().len(),
            self.set.packs().len(),
            self.set.digest()
        )
    }

    /// Runs every rule's strip and keep examples (what `chaff test` runs).
    fn test(&self, py: Python<'_>) -> PyTestReport {
        let set = self.set.clone();
        let report = py.detach(move || chaff::selftest::run(&set));
        PyTestReport {
            rules: report.rules,
            examples: report.examples,
            failures: report
                .failures
                .iter()
                .map(|f| PyTestFailure {
                    kind: f.kind.as_str().to_string(),
                    rule: f.rule.clone(),
                    file: f.file.clone(),
                    text: f.text.clone(),
                    expected: f.expected.clone(),
                    got: f.got.clone(),
                    fired: f.fired.clone(),
                })
                .collect(),
        }
    }
}

/// One failed rule example.
#[pyclass(
    frozen,
    get_all,
    skip_from_py_object,
    module = "chaff",
    name = "TestFailure"
)]
#[derive(Clone)]
struct PyTestFailure {
    /// `missing` (kept what it should remove) or `noisy` (removed what it
    /// should keep).
    kind: String,
    rule: String,
    file: String,
    text: String,
    expected: String,
    got: String,
    fired: Vec<String>,
}

#[pymethods]
impl PyTestFailure {
    fn __repr__(&self) -> String {
        format!("TestFailure({} {} in {})", self.kind, self.rule, self.file)
    }
}

/// The outcome of [`PyRuleSet::test`].
#[pyclass(frozen, get_all, module = "chaff", name = "TestReport")]
struct PyTestReport {
    rules: usize,
    examples: usize,
    failures: Vec<PyTestFailure>,
}

#[pymethods]
impl PyTestReport {
    /// Whether every example passed.
    #[getter]
    fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    fn __bool__(&self) -> bool {
        self.failures.is_empty()
    }

    fn __repr__(&self) -> String {
        format!(
            "TestReport({} rules, {} examples, {} failures)",
            self.rules,
            self.examples,
            self.failures.len()
        )
    }
}

// ---------------------------------------------------------------------------
// Stripping

/// One removed span of the original text.
#[pyclass(frozen, get_all, module = "chaff", name = "Edit")]
struct PyEdit {
    rule: String,
    category: String,
    start: usize,
    end: usize,
    char_start: usize,
    char_end: usize,
    text: String,
    captures: std::collections::BTreeMap<String, String>,
}

#[pymethods]
impl PyEdit {
    fn __repr__(&self) -> String {
        format!(
            "Edit({} ({}) {}..{} {:?})",
            self.rule, self.category, self.start, self.end, self.text
        )
    }
}

/// The result of stripping one document.
#[pyclass(frozen, module = "chaff", name = "Result")]
struct PyResult_ {
    clean: String,
    record: Record,
}

#[pymethods]
impl PyResult_ {
    /// The output text: clean (strip), masked (mask) or as it was (tag).
    #[getter]
    fn clean(&self) -> &str {
        &self.clean
    }

    /// The provenance record, as a dict (the JSON schema of the command
    /// line's `provenance.jsonl`). Built anew on each access.
    #[getter]
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.record_json()?)
    }

    /// The provenance record as one line of JSON.
    fn record_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.record).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Every removed span, the white-space tidy-up included.
    #[getter]
    fn edits(&self) -> Vec<PyEdit> {
        self.record
            .edits
            .iter()
            .map(|e| PyEdit {
                rule: e.rule.clone(),
                category: e.category.clone(),
                start: e.start,
                end: e.end,
                char_start: e.char_start,
                char_end: e.char_end,
                text: e.text.clone(),
                captures: e.captures.clone(),
            })
            .collect()
    }

    /// Credits found: `{"agencies", "photographers", "via", "credits"}`.
    #[getter]
    fn attribution<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let a = &self.record.attribution;
        let d = PyDict::new(py);
        d.set_item("agencies", &a.agencies)?;
        d.set_item("photographers", &a.photographers)?;
        d.set_item("via", &a.via)?;
        d.set_item("credits", &a.credits)?;
        Ok(d)
    }

    /// The publisher id the document was attributed to, if any.
    #[getter]
    fn publisher(&self) -> Option<&str> {
        self.record.publisher.id.as_deref()
    }

    /// `strip`, `mask` or `tag`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.record.mode.as_str()
    }

    /// Characters the edits removed from the original.
    #[getter]
    fn chars_removed(&self) -> usize {
        self.record.removed_chars()
    }

    /// Whether anything was removed.
    #[getter]
    fn changed(&self) -> bool {
        !self.record.edits.is_empty()
    }

    /// Rebuilds the original text from this result.
    fn restore(&self) -> PyResult<String> {
        provenance::restore(&self.clean, &self.record)
            .map_err(|e| RestoreError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Result(id={:?}, mode={}, edits={}, chars_removed={})",
            self.record.id,
            self.record.mode.as_str(),
            self.record.edits.len(),
            self.record.removed_chars()
        )
    }
}

/// A row of `strip_batch` that could not be stripped.
#[pyclass(frozen, get_all, module = "chaff", name = "RowError")]
struct PyRowError {
    /// Position of the row in the input.
    index: usize,
    /// What was wrong with it.
    message: String,
}

#[pymethods]
impl PyRowError {
    fn __repr__(&self) -> String {
        format!("RowError(index={}, message={:?})", self.index, self.message)
    }

    fn __bool__(&self) -> bool {
        false
    }
}

/// What one document needs besides its text.
#[derive(Default)]
struct Meta {
    id: String,
    url: Option<String>,
    publisher: Option<String>,
    source: Option<String>,
}

/// A compiled stripper over a rule set: build once, share across threads.
#[pyclass(frozen, module = "chaff", name = "Stripper")]
struct PyStripper {
    engine: Arc<chaff::Stripper>,
    mode: Mode,
}

impl PyStripper {
    fn run(&self, text: &str, meta: &Meta, scratch: &mut Scratch) -> (String, Record) {
        let mut doc = Document::new(&meta.id, text);
        if let Some(url) = &meta.url {
            doc = doc.url(url);
        }
        if let Some(p) = &meta.publisher {
            doc = doc.publisher(p);
        }
        if let Some(s) = &meta.source {
            doc = doc.source(s);
        }
        let out = self.engine.strip_with(&doc, scratch);
        let mut record = out.record;
        let clean = provenance::render(text, out.clean, &mut record, self.mode);
        (clean, record)
    }
}

#[pymethods]
impl PyStripper {
    #[new]
    #[pyo3(signature = (rules = None, builtin = true, mode = "strip", hash = "blake3"))]
    fn new(
        py: Python<'_>,
        rules: Option<&Bound<'_, PyAny>>,
        builtin: bool,
        mode: &str,
        hash: &str,
    ) -> PyResult<Self> {
        let mode = parse_mode(mode)?;
        let hash = parse_hash(hash)?;
        let set = match rules.map(|r| r.cast::<PyRuleSet>()) {
            Some(Ok(set)) => Arc::clone(&set.get().set),
            _ => {
                let paths = paths_of(rules)?;
                Arc::new(
                    py.detach(|| load_rules(&paths, builtin))
                        .map_err(|e| rule_error(py, &e))?,
                )
            }
        };
        let engine = py
            .detach(move || chaff::Stripper::new((*set).clone()))
            .map_err(|e| ChaffError::new_err(format!("the rules do not build: {e}")))?
            .with_hash(hash);
        Ok(PyStripper {
            engine: Arc::new(engine),
            mode,
        })
    }

    /// `strip`, `mask` or `tag`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.mode.as_str()
    }

    /// The rule set this stripper applies.
    #[getter]
    fn rules(&self) -> PyRuleSet {
        PyRuleSet {
            set: Arc::new(self.engine.rules().clone()),
        }
    }

    /// Digest of the rule set, as written in every record.
    #[getter]
    fn rules_digest(&self) -> &str {
        self.engine.rules().digest()
    }

    /// Strips one document.
    #[pyo3(signature = (text, *, id = None, url = None, publisher = None, source = None))]
    fn strip(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        id: Option<&Bound<'_, PyAny>>,
        url: Option<&Bound<'_, PyAny>>,
        publisher: Option<&Bound<'_, PyAny>>,
        source: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyResult_> {
        let text = text_of(text, "text")?;
        let meta = Meta {
            id: optional_str(id, "id")?.unwrap_or_default(),
            url: optional_str(url, "url")?,
            publisher: optional_str(publisher, "publisher")?,
            source: optional_str(source, "source")?,
        };
        let (clean, record) = py.detach(|| self.run(&text, &meta, &mut Scratch::default()));
        Ok(PyResult_ { clean, record })
    }

    /// Strips many documents in parallel. Returns, in input order, a `Result`
    /// for each row or a `RowError` for a row that is not text.
    #[pyo3(signature = (texts, urls = None, ids = None, publishers = None))]
    fn strip_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        urls: Option<&Bound<'py, PyAny>>,
        ids: Option<&Bound<'py, PyAny>>,
        publishers: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let column = |obj: Option<&Bound<'py, PyAny>>| -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
            obj.filter(|o| !o.is_none())
                .map(|o| o.try_iter()?.collect::<PyResult<Vec<_>>>())
                .transpose()
        };
        let texts: Vec<Bound<'py, PyAny>> = texts.try_iter()?.collect::<PyResult<_>>()?;
        let urls = column(urls)?;
        let ids = column(ids)?;
        let publishers = column(publishers)?;
        for (name, col) in [("urls", &urls), ("ids", &ids), ("publishers", &publishers)] {
            if let Some(col) = col
                && col.len() != texts.len()
            {
                return Err(PyValueError::new_err(format!(
                    "{name} has {} items, texts has {}",
                    col.len(),
                    texts.len()
                )));
            }
        }
        let field = |col: &Option<Vec<Bound<'py, PyAny>>>, i: usize, what: &str| match col
            .as_ref()
            .map(|c| &c[i])
        {
            None => Ok(None),
            Some(o) if o.is_none() => Ok(None),
            Some(o) => row_text(o, what).map(Some),
        };
        let mut rows: Vec<Result<(String, Meta), String>> = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            let row = (|| {
                let text = row_text(t, "text")?;
                let meta = Meta {
                    id: field(&ids, i, "id")?.unwrap_or_else(|| i.to_string()),
                    url: field(&urls, i, "url")?,
                    publisher: field(&publishers, i, "publisher")?,
                    source: None,
                };
                Ok((text, meta))
            })();
            rows.push(row);
        }
        drop(texts);
        let results: Vec<Result<(String, Record), String>> = py.detach(|| {
            rows.par_iter()
                .map_init(Scratch::default, |scratch, row| {
                    row.as_ref()
                        .map(|(text, meta)| self.run(text, meta, scratch))
                        .map_err(Clone::clone)
                })
                .collect()
        });
        let list = PyList::empty(py);
        for (index, r) in results.into_iter().enumerate() {
            match r {
                Ok((clean, record)) => list.append(PyResult_ { clean, record })?,
                Err(message) => list.append(PyRowError { index, message })?,
            }
        }
        Ok(list)
    }

    /// Strips the text column of a `pyarrow.RecordBatch` or `pyarrow.Table`
    /// and returns the same kind of object; see `chaff.strip_arrow`.
    #[pyo3(signature = (data, text_column = "text", url_column = None, *, id_column = None, clean_column = None))]
    fn strip_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        text_column: &str,
        url_column: Option<&str>,
        id_column: Option<&str>,
        clean_column: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pa = py.import(intern!(py, "pyarrow"))?;
        if data.is_instance(&pa.getattr(intern!(py, "RecordBatch"))?)? {
            let batch = data.extract::<PyArrowType<RecordBatch>>()?;
            let out = self.strip_arrow_batch(
                py,
                batch,
                text_column,
                url_column,
                id_column,
                clean_column,
            )?;
            return out.into_pyobject(py);
        }
        if data.is_instance(&pa.getattr(intern!(py, "Table"))?)? {
            let table = data.extract::<PyArrowType<Table>>()?;
            let out = self.strip_arrow_table(
                py,
                table,
                text_column,
                url_column,
                id_column,
                clean_column,
            )?;
            return out.into_pyobject(py);
        }
        Err(PyTypeError::new_err(format!(
            "strip_arrow takes a pyarrow.RecordBatch or pyarrow.Table, not {}",
            data.get_type().name()?
        )))
    }

    /// Strips the text column of a `pyarrow.RecordBatch`; see
    /// `chaff.strip_arrow`.
    #[pyo3(signature = (batch, text_column = "text", url_column = None, id_column = None, clean_column = None))]
    fn strip_arrow_batch(
        &self,
        py: Python<'_>,
        batch: PyArrowType<RecordBatch>,
        text_column: &str,
        url_column: Option<&str>,
        id_column: Option<&str>,
        clean_column: Option<&str>,
    ) -> PyResult<PyArrowType<RecordBatch>> {
        let columns = Columns {
            text: text_column,
            url: url_column,
            id: id_column,
            clean: clean_column,
        };
        let out = py.detach(|| self.strip_record_batch(&batch.0, &columns))?;
        Ok(PyArrowType(out))
    }

    /// Strips the text column of a `pyarrow.Table`, batch by batch; see
    /// `chaff.strip_arrow`.
    #[pyo3(signature = (table, text_column = "text", url_column = None, id_column = None, clean_column = None))]
    fn strip_arrow_table(
        &self,
        py: Python<'_>,
        table: PyArrowType<Table>,
        text_column: &str,
        url_column: Option<&str>,
        id_column: Option<&str>,
        clean_column: Option<&str>,
    ) -> PyResult<PyArrowType<Table>> {
        let columns = Columns {
            text: text_column,
            url: url_column,
            id: id_column,
            clean: clean_column,
        };
        let (batches, schema) = table.0.into_inner();
        let schema = output_schema(&schema, &columns)?;
        let out = py.detach(|| {
            batches
                .iter()
                .map(|b| self.strip_record_batch(b, &columns))
                .collect::<PyResult<Vec<_>>>()
        })?;
        let table =
            Table::try_new(out, schema).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyArrowType(table))
    }
}

// ---------------------------------------------------------------------------
// Arrow

struct Columns<'a> {
    text: &'a str,
    url: Option<&'a str>,
    id: Option<&'a str>,
    clean: Option<&'a str>,
}

/// A string column of any Arrow string type, or a dictionary of strings,
/// read by row.
enum Strings<'a> {
    Small(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// A dictionary: each row's key into the values (`None` for a null row).
    Dictionary(Box<Strings<'a>>, Vec<Option<usize>>),
}

impl<'a> Strings<'a> {
    fn of(array: &'a ArrayRef, name: &str) -> PyResult<Strings<'a>> {
        match array.data_type() {
            DataType::Utf8 => Ok(Strings::Small(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Strings::View(array.as_string_view())),
            DataType::Dictionary(_, value) if plain_string(value) => {
                let dictionary = array.as_any_dictionary();
                let keys = dictionary.keys();
                let rows = dictionary
                    .normalized_keys()
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| keys.is_valid(i).then_some(k))
                    .collect();
                Ok(Strings::Dictionary(
                    Box::new(Strings::of(dictionary.values(), name)?),
                    rows,
                ))
            }
            other => Err(PyTypeError::new_err(format!(
                "column {name:?} must hold strings, not {other}"
            ))),
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Small(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Dictionary(values, rows) => rows[i].and_then(|k| values.get(k)),
        }
    }
}

/// Whether `data_type` is one of Arrow's string types.
fn plain_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// The type a text column's output takes: its own, or for a dictionary of
/// strings, the dictionary's string type (the output texts are no longer
/// the dictionary's values).
fn output_text_type(data_type: &DataType) -> Option<DataType> {
    match data_type {
        t if plain_string(t) => Some(t.clone()),
        DataType::Dictionary(_, value) if plain_string(value) => Some(value.as_ref().clone()),
        _ => None,
    }
}

/// Builds a string array of `data_type` from optional strings.
fn string_array<'a>(
    data_type: &DataType,
    values: impl Iterator<Item = Option<&'a str>>,
) -> ArrayRef {
    match data_type {
        DataType::LargeUtf8 => Arc::new(values.collect::<LargeStringArray>()),
        DataType::Utf8View => Arc::new(values.collect::<StringViewArray>()),
        _ => Arc::new(values.collect::<StringArray>()),
    }
}

fn column_index(schema: &Schema, name: &str) -> PyResult<usize> {
    schema.index_of(name).map_err(|_| {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        PyValueError::new_err(format!("no column {name:?} (columns: {names:?})"))
    })
}

/// The schema of `strip_arrow`'s output for an input `schema`.
fn output_schema(schema: &Schema, columns: &Columns<'_>) -> PyResult<SchemaRef> {
    let text = column_index(schema, columns.text)?;
    let input_type = schema.field(text).data_type();
    let Some(text_type) = output_text_type(input_type) else {
        return Err(PyTypeError::new_err(format!(
            "column {:?} must hold strings, not {input_type}",
            columns.text
        )));
    };
    // Records are at least as long as the texts; they take the large type
    // when the text column does.
    let record_type = if text_type == DataType::LargeUtf8 {
        DataType::LargeUtf8
    } else {
        DataType::Utf8
    };
    let mut fields: Vec<Field> = Vec::new();
    let added = [RECORD_COLUMN, EDITS_COLUMN, CHARS_COLUMN, ERROR_COLUMN];
    for (i, f) in schema.fields().iter().enumerate() {
        if added.contains(&f.name().as_str()) || Some(f.name().as_str()) == columns.clean {
            continue;
        }
        if i == text && columns.clean.is_none() {
            fields.push(
                Field::new(f.name(), text_type.clone(), true).with_metadata(f.metadata().clone()),
            );
        } else {
            fields.push(f.as_ref().clone());
        }
    }
    if let Some(clean) = columns.clean {
        fields.push(Field::new(clean, text_type.clone(), true));
    }
    fields.push(Field::new(RECORD_COLUMN, record_type, true));
    fields.push(Field::new(EDITS_COLUMN, DataType::Int32, true));
    fields.push(Field::new(CHARS_COLUMN, DataType::Int64, true));
    fields.push(Field::new(ERROR_COLUMN, DataType::Utf8, true));
    Ok(Arc::new(
        Schema::new(fields).with_metadata(schema.metadata().clone()),
    ))
}

impl PyStripper {
    fn strip_record_batch(
        &self,
        batch: &RecordBatch,
        columns: &Columns<'_>,
    ) -> PyResult<RecordBatch> {
        let schema = batch.schema();
        let out_schema = output_schema(&schema, columns)?;
        let text_index = column_index(&schema, columns.text)?;
        let texts = Strings::of(batch.column(text_index), columns.text)?;
        let urls = match columns.url {
            Some(name) => Some(Strings::of(
                batch.column(column_index(&schema, name)?),
                name,
            )?),
            None => None,
        };
        let ids = match columns.id {
            Some(name) => Some(Strings::of(
                batch.column(column_index(&schema, name)?),
                name,
            )?),
            None => None,
        };
        let rows = batch.num_rows();
        let results: Vec<Option<(String, Record)>> = (0..rows)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, i| {
                let text = texts.get(i)?;
                let meta = Meta {
                    id: ids
                        .as_ref()
                        .and_then(|c| c.get(i))
                        .map_or_else(|| i.to_string(), str::to_string),
                    url: urls.as_ref().and_then(|c| c.get(i)).map(str::to_string),
                    publisher: None,
                    source: None,
                };
                Some(self.run(text, &meta, scratch))
            })
            .collect();

        let text_type = output_text_type(schema.field(text_index).data_type())
            .expect("the output schema took the text column's type");
        let clean = string_array(
            &text_type,
            results.iter().map(|r| r.as_ref().map(|(c, _)| c.as_str())),
        );
        let json: Vec<Option<String>> = results
            .par_iter()
            .map(|r| {
                r.as_ref()
                    .map(|(_, rec)| serde_json::to_string(rec).expect("records serialise"))
            })
            .collect();
        let record_type = if text_type == DataType::LargeUtf8 {
            DataType::LargeUtf8
        } else {
            DataType::Utf8
        };
        let records = string_array(&record_type, json.iter().map(|j| j.as_deref()));
        let mut edits = Int32Builder::with_capacity(rows);
        let mut chars = Int64Builder::with_capacity(rows);
        let mut errors = StringBuilder::new();
        for r in &results {
            match r {
                Some((_, rec)) => {
                    edits.append_value(rec.rule_edits().count() as i32);
                    chars.append_value(rec.removed_chars() as i64);
                    errors.append_null();
                }
                None => {
                    edits.append_null();
                    chars.append_null();
                    errors.append_value(format!("column {:?} is null", columns.text));
                }
            }
        }

        let added = [RECORD_COLUMN, EDITS_COLUMN, CHARS_COLUMN, ERROR_COLUMN];
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(out_schema.fields().len());
        for (i, f) in schema.fields().iter().enumerate() {
            if added.contains(&f.name().as_str()) || Some(f.name().as_str()) == columns.clean {
                continue;
            }
            if i == text_index && columns.clean.is_none() {
                arrays.push(clean.clone());
            } else {
                arrays.push(batch.column(i).clone());
            }
        }
        if columns.clean.is_some() {
            arrays.push(clean);
        }
        arrays.push(records);
        arrays.push(Arc::new(edits.finish()));
        arrays.push(Arc::new(chars.finish()));
        arrays.push(Arc::new(errors.finish()));
        RecordBatch::try_new(out_schema, arrays).map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

// ---------------------------------------------------------------------------
// Records

/// Rebuilds the original text from an output text and its record (as JSON).
#[pyfunction]
fn restore_json(py: Python<'_>, clean: &Bound<'_, PyAny>, record: &str) -> PyResult<String> {
    let clean = text_of(clean, "clean")?;
    let record = record_from_json(record)?;
    py.detach(|| provenance::restore(&clean, &record))
        .map_err(|e| RestoreError::new_err(e.to_string()))
}

/// Checks a record (as JSON) against an output text, and the original when
/// given. Returns `None` when they agree, else the reason.
#[pyfunction]
#[pyo3(signature = (clean, record, original = None))]
fn verify_json(
    py: Python<'_>,
    clean: &Bound<'_, PyAny>,
    record: &str,
    original: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    let clean = text_of(clean, "clean")?;
    let original = optional_str(original, "original")?;
    let record = record_from_json(record)?;
    Ok(py.detach(|| match provenance::restore(&clean, &record) {
        Err(e) => Some(e.to_string()),
        Ok(rebuilt) => match original {
            Some(o) if o != rebuilt => {
                Some("the rebuilt text is not the original given".to_string())
            }
            _ => None,
        },
    }))
}

/// Runs the `chaff` command line with `argv` (the first item is the program
/// name) on the process's standard streams; returns the exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> i32 {
    py.detach(|| {
        let stdout = std::io::stdout();
        let stderr = std::io::stderr();
        let mut out = stdout.lock();
        let mut err = stderr.lock();
        let code = chaff::cli::run(argv, &mut out, &mut err);
        let _ = out.flush();
        let _ = err.flush();
        code
    })
}

#[pymodule]
fn _chaff(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ChaffError", py.get_type::<ChaffError>())?;
    m.add("RuleError", py.get_type::<RuleError>())?;
    m.add("RestoreError", py.get_type::<RestoreError>())?;
    m.add_class::<PyStripper>()?;
    m.add_class::<PyResult_>()?;
    m.add_class::<PyRowError>()?;
    m.add_class::<PyEdit>()?;
    m.add_class::<PyRuleSet>()?;
    m.add_class::<PyDiagnostic>()?;
    m.add_class::<PyTestReport>()?;
    m.add_class::<PyTestFailure>()?;
    m.add_function(wrap_pyfunction!(restore_json, m)?)?;
    m.add_function(wrap_pyfunction!(verify_json, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", provenance::SCHEMA_VERSION)?;
    Ok(())
}
