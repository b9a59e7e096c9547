//! News-like documents with planted boilerplate, and the corpus writers.

use super::plant::{self, Body, Catalogue, Kind, Place, Placed};
use super::rng::Rng;
use super::text::{TextWriter, push_padded, push_uint};
use super::{Error, Format, Shape};
use crate::rules::RuleSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Quantiles of the body length in bytes (a log-normal with median 4 KB,
/// cut to 1.5–12 KB; mean about 4.5 KB), in 64 equal steps.
const LENGTH_QUANTILES: [u32; 65] = [
    1500, 1635, 1752, 1856, 1952, 2042, 2127, 2208, 2287, 2364, 2439, 2512, 2584, 2655, 2726, 2796,
    2866, 2936, 3005, 3075, 3145, 3215, 3286, 3357, 3429, 3502, 3575, 3649, 3725, 3802, 3879, 3959,
    4040, 4123, 4207, 4294, 4382, 4474, 4567, 4664, 4764, 4867, 4974, 5085, 5201, 5321, 5447, 5580,
    5719, 5866, 6022, 6188, 6366, 6557, 6764, 6990, 7240, 7517, 7830, 8190, 8612, 9122, 9768,
    10645, 12000,
];

/// The shortest body a document has, in bytes.
const MIN_DOC_BYTES: u64 = 1500;

/// Percent of documents written one paragraph per line.
const LINES_PERCENT: u32 = 30;

/// Percent of documents with “curly” rather than "straight" quotes.
const CURLY_PERCENT: u32 = 80;

/// How likely each kind of removal (in the order of [`Kind::ALL`]) is to
/// come first among a document's plants.
const KIND_WEIGHTS: [u32; 5] = [35, 30, 15, 10, 10];

/// Documents per folder of a text corpus.
const FILES_PER_FOLDER: u64 = 1000;

/// The `source` field of JSONL rows.
pub const SOURCE: &str = "chaff-generate";

/// Sites of documents with no publisher (`.example` is a reserved domain).
const SITES: &[&str] = &[
    "harbourtimes.example",
    "valleyherald.example",
    "northstar-news.example",
    "dailyledger.example",
    "coastalpost.example",
    "metroobserver.example",
];

const SECTIONS: &[&str] = &[
    "news", "world", "business", "politics", "europe", "economy", "climate", "local",
];

/// One generated document.
#[derive(Debug, Clone, Default)]
pub struct GeneratedDoc {
    /// Its index in the corpus (0-based).
    pub index: u64,
    /// Its id: `doc-000000042`.
    pub id: String,
    /// Its URL: on its publisher's domain, or on a `.example` site.
    pub url: String,
    /// Its publisher (index into [`Catalogue::publishers`]), if any.
    pub publisher: Option<usize>,
    /// How its paragraphs are separated.
    pub shape: Shape,
    /// The text, ending with a line break.
    pub text: String,
    /// The expected clean text (when asked for): the text with each plant
    /// replaced by its clean text. Stripping the text gives this, up to
    /// white space.
    pub expected: String,
    /// The planted examples (indices into [`Catalogue::plants`]), in
    /// document order.
    pub plants: Vec<usize>,
    body: String,
    ranges: Vec<(usize, usize)>,
    placed: Vec<Placed>,
}

/// Generates documents: document `i` depends only on the seed, the share
/// and the rule set, never on how many documents are made.
#[derive(Debug, Clone)]
pub struct Generator {
    catalogue: Catalogue,
    seed: u64,
    share: u64,
}

impl Generator {
    /// A generator planting the strip examples of `rules` into a `share`
    /// (0 to 1) of the documents.
    pub fn new(rules: &RuleSet, seed: u64, share: f64) -> Result<Generator, Error> {
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::Share(share));
        }
        Ok(Generator {
            catalogue: Catalogue::new(rules)?,
            seed,
            // Exact for 0 and 1: a draw of 32 bits is below 2^32 always.
            share: (share * 4_294_967_296.0).round() as u64,
        })
    }

    /// The examples this generator plants.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Document `index`, with its expected clean text.
    pub fn document(&self, index: u64) -> GeneratedDoc {
        let mut doc = GeneratedDoc::default();
        self.fill(index, &mut doc, true);
        doc
    }

    /// Writes document `index` into `doc`, reusing its buffers; its
    /// `expected` text is written only if `with_expected`.
    pub fn fill(&self, index: u64, doc: &mut GeneratedDoc, with_expected: bool) {
        let catalogue = &self.catalogue;
        let mut rng = Rng::for_item(self.seed, index);
        doc.index = index;
        doc.text.clear();
        doc.expected.clear();
        doc.plants.clear();
        doc.body.clear();
        doc.ranges.clear();
        doc.placed.clear();
        doc.shape = if rng.chance(LINES_PERCENT) {
            Shape::Lines
        } else {
            Shape::Paragraphs
        };
        let curly = rng.chance(CURLY_PERCENT);
        let step = rng.below(64);
        let (lo, hi) = (LENGTH_QUANTILES[step], LENGTH_QUANTILES[step + 1]);
        let target = lo as usize + rng.below((hi - lo) as usize + 1);
        let publishers = catalogue.publishers();
        let pick = rng.below(publishers.len() + 2);
        doc.publisher = publishers
            .get(pick)
            .filter(|p| !p.carriers.is_empty())
            .map(|_| pick);
        let planted = rng.chance_32(self.share);
        let count = 1 + rng.weighted(&[20, 30, 25, 15, 10]);

        {
            let mut writer = TextWriter::new(&mut rng, curly);
            writer.headline(&mut doc.body);
            doc.ranges.push((0, doc.body.len()));
            while doc.body.len() < target {
                let start = doc.body.len();
                writer.paragraph(&mut doc.body);
                doc.ranges.push((start, doc.body.len()));
            }
        }

        if planted {
            self.choose(&mut rng, doc, count);
            self.place(&mut rng, doc);
        }

        let plants = catalogue.plants();
        let lookup = |i: usize| &plants[i];
        let body = Body {
            text: &doc.body,
            ranges: &doc.ranges,
        };
        plant::assemble(
            doc.shape,
            &body,
            &doc.placed,
            &lookup,
            &mut doc.text,
            with_expected.then_some(&mut doc.expected),
        );
        doc.plants.clear();
        doc.plants.extend(doc.placed.iter().map(|p| p.plant));

        doc.id.clear();
        doc.id.push_str("doc-");
        push_padded(&mut doc.id, index, 9);
        self.url(&mut rng, doc);
    }

    /// Picks up to `count` plants of different kinds (one of them a carrier
    /// of the document's publisher) into `doc.plants`.
    fn choose(&self, rng: &mut Rng, doc: &mut GeneratedDoc, count: usize) {
        let catalogue = &self.catalogue;
        let plants = catalogue.plants();
        // Kinds in a random order, lines and captions more often first.
        let mut weights = KIND_WEIGHTS;
        let mut kinds = [0; 5];
        for slot in &mut kinds {
            let k = rng.weighted(&weights);
            *slot = k;
            weights[k] = 0;
        }
        let mut has_end = false;
        if let Some(p) = doc.publisher {
            let carrier = rng.pick(&catalogue.publishers()[p].carriers);
            has_end = plants[carrier].place == Place::End;
            doc.plants.push(carrier);
        }
        for turn in 0..4 * count + 8 {
            if doc.plants.len() >= count {
                break;
            }
            let kind = kinds[turn % kinds.len()];
            let own = match doc.publisher {
                Some(_) => catalogue.pool(doc.publisher, kind),
                None => &[],
            };
            let common = catalogue.pool(None, kind);
            let n = own.len() + common.len();
            if n == 0 {
                continue;
            }
            let r = rng.below(n);
            let p = if r < own.len() {
                own[r]
            } else {
                common[r - own.len()]
            };
            let end = plants[p].place == Place::End;
            if doc.plants.contains(&p)
                || (end && has_end)
                || doc.plants.iter().any(|&q| plants[q].conflicts(&plants[p]))
            {
                continue;
            }
            has_end |= end;
            doc.plants.push(p);
        }
    }

    /// Places the chosen plants, dropping those whose rule would not see
    /// them where they fall (never the carrier).
    fn place(&self, rng: &mut Rng, doc: &mut GeneratedDoc) {
        let plants = self.catalogue.plants();
        let m = doc.ranges.len() - 1;
        for &p in &doc.plants {
            let plant = &plants[p];
            let (gap, key) = match plant.place {
                Place::Early(_) => (1, 0),
                Place::Anywhere => {
                    let lo = 2.min(m + 1);
                    (rng.range(lo, m.max(lo)), 0)
                }
                Place::Late(_) => (m + 1, 1 + u8::from(plant.carrier)),
                Place::End => (m + 1, 3),
            };
            doc.placed.push(Placed { plant: p, gap, key });
        }
        doc.placed.sort_by_key(|p| (p.gap, p.key));
        let lookup = |i: usize| &plants[i];
        while let Some(j) = plant::violation(doc.shape, doc.ranges.len(), &doc.placed, &lookup) {
            let end = doc
                .placed
                .iter()
                .position(|p| plants[p.plant].place == Place::End && !plants[p.plant].carrier);
            match end {
                Some(e) if plants[doc.placed[j].plant].carrier => doc.placed.remove(e),
                _ => doc.placed.remove(j),
            };
        }
    }

    fn url(&self, rng: &mut Rng, doc: &mut GeneratedDoc) {
        let url = &mut doc.url;
        url.clear();
        url.push_str("https://");
        match doc.publisher {
            Some(p) => {
                let domain = &self.catalogue.publishers()[p].domain;
                if domain.matches('.').count() == 1 {
                    url.push_str("www.");
                }
                url.push_str(domain);
            }
            None => {
                url.push_str("www.");
                url.push_str(rng.pick(SITES));
            }
        }
        url.push('/');
        url.push_str(rng.pick(SECTIONS));
        url.push('/');
        push_uint(url, rng.range(2015, 2025) as u64);
        url.push('/');
        push_padded(url, rng.range(1, 12) as u64, 2);
        url.push('/');
        push_padded(url, rng.range(1, 28) as u64, 2);
        url.push('/');
        let headline = doc.ranges.first().map_or("", |&(s, e)| &doc.body[s..e]);
        slug(url, headline);
        url.push('-');
        push_uint(url, doc.index);
    }
}

/// Writes a URL slug of `title`: lower-case ASCII words joined by dashes.
fn slug(out: &mut String, title: &str) {
    let mut words = 0;
    let mut dash = false;
    for c in title.chars() {
        let c = match c.to_lowercase().next().unwrap_or(c) {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ı' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' | 'ń' => 'n',
            'ł' => 'l',
            'ś' | 'ş' => 's',
            'ź' | 'ż' => 'z',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c);
        } else if !out.ends_with('/') && !dash {
            dash = true;
            words += 1;
            if words >= 8 {
                break;
            }
        }
    }
}

/// What `write_corpus` made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Documents written.
    pub documents: u64,
    /// Bytes written into the corpus folder.
    pub bytes: u64,
    /// Files written into the corpus folder.
    pub files: u64,
    /// Documents with planted boilerplate.
    pub planted_documents: u64,
    /// Plants, over all documents.
    pub plants: u64,
    /// Plants per kind of removal, in the order of [`Kind::ALL`].
    pub plants_by_kind: [u64; 5],
    /// Seconds spent.
    pub seconds: f64,
}

/// What corpus to write.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusOptions {
    /// Stop once the corpus holds at least this many bytes (whole documents).
    pub size: u64,
    /// Text files or JSONL shards.
    pub format: Format,
    /// Start a new JSONL shard once one holds at least this many bytes.
    pub shard_size: u64,
    /// Also write the expected clean documents here, in the same layout.
    pub expect: Option<PathBuf>,
}

impl Default for CorpusOptions {
    fn default() -> CorpusOptions {
        CorpusOptions {
            size: 1 << 30,
            format: Format::Jsonl,
            shard_size: 64 << 20,
            expect: None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir`, or checks that it is an empty folder.
fn prepare(dir: &Path) -> Result<(), Error> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::NotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(io_error(dir))
        }
        Err(e) => Err(io_error(dir)(e)),
    }
}

fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// A sequence of JSONL shards, `shard-00000.jsonl`, … in one folder.
struct Shards {
    dir: PathBuf,
    index: u64,
    path: PathBuf,
    file: Option<BufWriter<File>>,
    bytes: u64,
}

impl Shards {
    fn new(dir: &Path) -> Shards {
        Shards {
            dir: dir.to_path_buf(),
            index: 0,
            path: PathBuf::new(),
            file: None,
            bytes: 0,
        }
    }

    /// Writes one row; returns whether it opened a new file.
    fn write(&mut self, row: &[u8]) -> Result<bool, Error> {
        let opened = self.file.is_none();
        if opened {
            let mut name = String::from("shard-");
            push_padded(&mut name, self.index, 5);
            name.push_str(".jsonl");
            self.path = self.dir.join(name);
            let file = File::create(&self.path).map_err(io_error(&self.path))?;
            self.file = Some(BufWriter::with_capacity(1 << 20, file));
            self.index += 1;
            self.bytes = 0;
        }
        if let Some(f) = &mut self.file {
            f.write_all(row).map_err(io_error(&self.path))?;
        }
        self.bytes += row.len() as u64;
        Ok(opened)
    }

    /// Closes the current shard.
    fn close(&mut self) -> Result<(), Error> {
        if let Some(mut f) = self.file.take() {
            f.flush().map_err(io_error(&self.path))?;
        }
        Ok(())
    }
}

/// Writes one JSONL row for `doc` with `text` as its text.
fn row(
    out: &mut Vec<u8>,
    doc: &GeneratedDoc,
    text: &str,
    catalogue: &Catalogue,
) -> Result<(), Error> {
    let json = |e: serde_json::Error| Error::Write(io::Error::other(e));
    out.clear();
    out.extend_from_slice(b"{\"id\":");
    serde_json::to_writer(&mut *out, &doc.id).map_err(json)?;
    out.extend_from_slice(b",\"url\":");
    serde_json::to_writer(&mut *out, &doc.url).map_err(json)?;
    out.extend_from_slice(b",\"text\":");
    serde_json::to_writer(&mut *out, text).map_err(json)?;
    out.extend_from_slice(b",\"source\":\"");
    out.extend_from_slice(SOURCE.as_bytes());
    out.extend_from_slice(b"\",\"metadata\":{\"shape\":\"");
    out.extend_from_slice(doc.shape.as_str().as_bytes());
    out.extend_from_slice(b"\",\"plants\":[");
    for (i, &p) in doc.plants.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, &catalogue.plants()[p].rule).map_err(json)?;
    }
    out.extend_from_slice(b"]}}\n");
    Ok(())
}

/// Writes a corpus of `generator`'s documents into `out` (a new or empty
/// folder): documents `0, 1, …` until the corpus holds `options.size`
/// bytes. `progress` is called now and then with the running totals.
///
/// A text corpus is a tree `out/NNN/NNNNNN.txt`, 1000 files per folder; a
/// JSONL corpus is `out/shard-NNNNN.jsonl`, rows `{"id", "url", "text",
/// "source", "metadata": {"shape", "plants"}}`. Nothing else is written into
/// `out`. The expected clean documents go to `options.expect` (which must
/// not be inside `out`), in the same layout.
pub fn write_corpus(
    generator: &Generator,
    out: &Path,
    options: &CorpusOptions,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary, Error> {
    let started = Instant::now();
    prepare(out)?;
    if let Some(expect) = &options.expect {
        prepare(expect)?;
        let a = fs::canonicalize(out).map_err(io_error(out))?;
        let b = fs::canonicalize(expect).map_err(io_error(expect))?;
        if b.starts_with(&a) || a.starts_with(&b) {
            return Err(Error::ExpectOverlaps {
                expect: expect.clone(),
            });
        }
    }
    let catalogue = generator.catalogue();
    let want_expected = options.expect.is_some();
    let mut summary = Summary::default();
    let mut doc = GeneratedDoc::default();
    let mut buffer = Vec::new();

    // Text trees: widths fit the most documents `size` can hold.
    let max_docs = options.size / MIN_DOC_BYTES + 1;
    let file_width = digits(max_docs).max(6);
    let folder_width = digits(max_docs / FILES_PER_FOLDER).max(3);
    let mut folder = u64::MAX;
    let mut name = String::new();

    let mut shards = Shards::new(out);
    let mut expect_shards = options.expect.as_deref().map(Shards::new);

    let mut index = 0;
    while summary.bytes < options.size {
        generator.fill(index, &mut doc, want_expected);
        match options.format {
            Format::Text => {
                let f = index / FILES_PER_FOLDER;
                if f != folder {
                    folder = f;
                    name.clear();
                    push_padded(&mut name, f, folder_width);
                    for root in std::iter::once(out).chain(options.expect.as_deref()) {
                        let dir = root.join(&name);
                        fs::create_dir(&dir).map_err(io_error(&dir))?;
                    }
                }
                let mut file = String::with_capacity(folder_width + file_width + 5);
                push_padded(&mut file, f, folder_width);
                file.push('/');
                push_padded(&mut file, index, file_width);
                file.push_str(".txt");
                let path = out.join(&file);
                fs::write(&path, &doc.text).map_err(io_error(&path))?;
                if let Some(expect) = &options.expect {
                    let path = expect.join(&file);
                    fs::write(&path, &doc.expected).map_err(io_error(&path))?;
                }
                summary.files += 1;
                summary.bytes += doc.text.len() as u64;
            }
            Format::Jsonl => {
                row(&mut buffer, &doc, &doc.text, catalogue)?;
                if shards.write(&buffer)? {
                    summary.files += 1;
                }
                summary.bytes += buffer.len() as u64;
                if let Some(e) = &mut expect_shards {
                    row(&mut buffer, &doc, &doc.expected, catalogue)?;
                    e.write(&buffer)?;
                }
                if shards.bytes >= options.shard_size {
                    shards.close()?;
                    if let Some(e) = &mut expect_shards {
                        e.close()?;
                    }
                }
            }
        }
        summary.documents += 1;
        if !doc.plants.is_empty() {
            summary.planted_documents += 1;
            summary.plants += doc.plants.len() as u64;
            for &p in &doc.plants {
                let kind = catalogue.plants()[p].kind;
                if let Some(k) = Kind::ALL.iter().position(|&x| x == kind) {
                    summary.plants_by_kind[k] += 1;
                }
            }
        }
        index += 1;
        if index % 512 == 0 {
            summary.seconds = started.elapsed().as_secs_f64();
            progress(&summary);
        }
    }
    shards.close()?;
    if let Some(e) = &mut expect_shards {
        e.close()?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    progress(&summary);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        let mut s = String::new();
        slug(
            &mut s,
            "São Paulo braces for record tax cut — what we know so far",
        );
        assert_eq!(s, "sao-paulo-braces-for-record-tax-cut-what");
    }

    #[test]
    fn length_quantiles_rise() {
        assert!(LENGTH_QUANTILES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(LENGTH_QUANTILES[0] as u64, MIN_DOC_BYTES);
    }
}
