//! The boilerplate a generated corpus plants: the strip examples of a rule
//! set, each with the place its rule allows (`in-first`, `in-last`, `to-end`)
//! and its expected clean text, checked once inside a sample document.

use super::{Error, Shape};
use crate::engine::{Document, Stripper};
use crate::rules::{Category, Removal, Rule, RuleSet, Scope};

/// How a planted example's rule removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The anchor's line (`remove = "line"`).
    Line,
    /// The anchor's paragraph (`remove = "paragraph"`): mostly captions.
    Paragraph,
    /// The anchor itself, inside a sentence (`remove = "anchor"`).
    Anchor,
    /// From the anchor to an end literal (`remove = "block"`).
    Block,
    /// From the anchor to the end of the document (`remove = "to-end"`).
    ToEnd,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 5] = [
        Kind::Line,
        Kind::Paragraph,
        Kind::Anchor,
        Kind::Block,
        Kind::ToEnd,
    ];

    fn of(removal: &Removal) -> Kind {
        match removal {
            Removal::Line => Kind::Line,
            Removal::Paragraph => Kind::Paragraph,
            Removal::Anchor => Kind::Anchor,
            Removal::Block { .. } => Kind::Block,
            Removal::ToEnd => Kind::ToEnd,
        }
    }

    /// The `remove` value of rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::Paragraph => "paragraph",
            Kind::Anchor => "anchor",
            Kind::Block => "block",
            Kind::ToEnd => "to-end",
        }
    }
}

/// Where in a document an example may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Right after the headline, its anchor within the first N paragraphs.
    Early(usize),
    /// After the body, its anchor within the last N paragraphs.
    Late(usize),
    /// Last in the document.
    End,
    /// Between body paragraphs.
    Anywhere,
}

/// An example in one document shape: its text and clean text, and how its
/// paragraphs count there.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) text: String,
    pub(crate) clean: String,
    /// Paragraphs the text spans in a document of this shape.
    pub(crate) paragraphs: usize,
    /// Paragraph (from the text's first) of the first anchor occurrence.
    pub(crate) first_anchor: usize,
    /// Paragraph of the last anchor occurrence.
    pub(crate) last_anchor: usize,
}

/// A strip example that can be planted.
#[derive(Debug, Clone)]
pub struct Plant {
    /// The rule whose example this is.
    pub rule: String,
    /// The rule's category.
    pub category: Category,
    /// How the rule removes it.
    pub kind: Kind,
    /// Index of the example in the rule's `strip` list.
    pub example: usize,
    /// The publisher it belongs to (index into [`Catalogue::publishers`]),
    /// or `None` for a common pack's example.
    pub publisher: Option<usize>,
    /// Whether its text carries a signature that resolves its publisher.
    pub carrier: bool,
    pub(crate) place: Place,
    pub(crate) forms: [Form; 2],
    /// Block rules (by index) with an anchor in the text.
    pub(crate) opens: Vec<usize>,
    /// Block rules (by index) whose end literal is in the text.
    pub(crate) closes: Vec<usize>,
}

impl Plant {
    /// Whether a block rule could run from one plant into the other: one
    /// holds its anchor and the other its end. Such plants are not put in
    /// one document.
    pub(crate) fn conflicts(&self, other: &Plant) -> bool {
        self.opens.iter().any(|r| other.closes.contains(r))
            || other.opens.iter().any(|r| self.closes.contains(r))
    }

    /// The planted text in a document of `shape`.
    pub fn text(&self, shape: Shape) -> &str {
        &self.forms[shape.index()].text
    }

    /// What must remain of it once stripped (empty when all of it goes).
    pub fn clean(&self, shape: Shape) -> &str {
        &self.forms[shape.index()].clean
    }

    pub(crate) fn form(&self, shape: Shape) -> &Form {
        &self.forms[shape.index()]
    }
}

/// A publisher whose examples can be planted.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The publisher (pack) id.
    pub id: String,
    /// The domain its documents' URLs use.
    pub domain: String,
    /// Plants whose text resolves the publisher on its own.
    pub carriers: Vec<usize>,
}

/// A strip example that is not planted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The rule whose example it is.
    pub rule: String,
    /// Index of the example in the rule's `strip` list.
    pub example: usize,
    /// Why it is not planted.
    pub reason: String,
}

/// The plantable strip examples of a rule set.
#[derive(Debug, Clone)]
pub struct Catalogue {
    plants: Vec<Plant>,
    publishers: Vec<Publisher>,
    skipped: Vec<Skipped>,
    examples: usize,
    /// `pools[g][k]`: plants of group `g` (a publisher index, or
    /// `publishers.len()` for common packs) whose kind is `Kind::ALL[k]`.
    pools: Vec<[Vec<usize>; 5]>,
}

/// A document of body text to plant examples into while checking them.
struct Frame {
    text: String,
    ranges: Vec<(usize, usize)>,
}

/// What checking an example in sample documents found.
enum Outcome {
    Pass,
    Fail(String),
}

impl Catalogue {
    /// Collects the strip examples of `rules` that can be planted.
    ///
    /// Each example is planted, on its own (and with a signature-carrying
    /// example of its publisher, for text documents), into sample documents
    /// of both shapes at the first and last places its rule allows, and
    /// stripped with the whole rule set. An example is kept only if every
    /// sample comes out as the body plus the example's `clean` text (white
    /// space aside); the others are listed in [`Catalogue::skipped`] with the
    /// reason.
    pub fn new(rules: &RuleSet) -> Result<Catalogue, Error> {
        let stripper = Stripper::new(rules.clone())?;
        let packs = rules.packs();
        let mut publishers: Vec<Publisher> = Vec::new();
        let mut pack_publisher: Vec<Option<usize>> = vec![None; packs.len()];
        for (i, pack) in packs.iter().enumerate() {
            if pack.scope == Scope::Publisher
                && let Some(domain) = pack.domains.first()
            {
                pack_publisher[i] = Some(publishers.len());
                publishers.push(Publisher {
                    id: pack.id.clone(),
                    domain: domain.clone(),
                    carriers: Vec::new(),
                });
            }
        }
        let mut catalogue = Catalogue {
            plants: Vec::new(),
            publishers,
            skipped: Vec::new(),
            examples: 0,
            pools: Vec::new(),
        };
        let frame = Frame::new();

        // The examples that pass the checks that need no stripping.
        let mut candidates: Vec<Plant> = Vec::new();
        for rule in rules.rules() {
            let pack = &packs[rule.pack];
            for (index, example) in rule.strip.iter().enumerate() {
                catalogue.examples += 1;
                let publisher = pack_publisher[rule.pack];
                let result = if pack.scope == Scope::Publisher && publisher.is_none() {
                    Err(Unplantable::NoDomain)
                } else {
                    candidate(rules, rule, publisher, index, &example.text, &example.clean)
                };
                match result {
                    Ok(plant) => candidates.push(plant),
                    Err(reason) => catalogue.skip(rule, index, reason.to_string()),
                }
            }
        }

        // Carriers first: each must resolve its publisher on its own.
        let mut primary: Vec<Option<Plant>> = vec![None; catalogue.publishers.len()];
        let mut rest = Vec::new();
        for mut plant in candidates {
            if plant.carrier
                && let Outcome::Pass = frame.check(&stripper, &catalogue, &plant, None)
            {
                let p = plant.publisher.unwrap_or(0);
                catalogue.publishers[p]
                    .carriers
                    .push(catalogue.plants.len());
                let better = primary[p]
                    .as_ref()
                    .is_none_or(|c| c.place != Place::Anywhere && plant.place == Place::Anywhere);
                if better {
                    primary[p] = Some(plant.clone());
                }
                catalogue.plants.push(plant);
                continue;
            }
            plant.carrier = false;
            rest.push(plant);
        }
        for plant in rest {
            let carrier = match plant.publisher {
                Some(p) => match &primary[p] {
                    Some(c) => Some(c),
                    None => {
                        let reason = format!(
                            "no strip example of `{}` carries a signature that resolves the publisher in a text document",
                            catalogue.publishers[p].id
                        );
                        catalogue.skipped.push(Skipped {
                            rule: plant.rule.clone(),
                            example: plant.example,
                            reason,
                        });
                        continue;
                    }
                },
                None => None,
            };
            match frame.check(&stripper, &catalogue, &plant, carrier) {
                Outcome::Pass => catalogue.plants.push(plant),
                Outcome::Fail(reason) => catalogue.skipped.push(Skipped {
                    rule: plant.rule.clone(),
                    example: plant.example,
                    reason,
                }),
            }
        }
        catalogue.pools = vec![Default::default(); catalogue.publishers.len() + 1];
        for (i, plant) in catalogue.plants.iter().enumerate() {
            let group = plant.publisher.unwrap_or(catalogue.publishers.len());
            let k = Kind::ALL.iter().position(|&k| k == plant.kind).unwrap_or(0);
            catalogue.pools[group][k].push(i);
        }
        // A publisher with no carrier cannot be told in a text document.
        for p in 0..catalogue.publishers.len() {
            if catalogue.publishers[p].carriers.is_empty() {
                catalogue.pools[p] = Default::default();
            }
        }
        catalogue.skipped.sort_by(|a, b| {
            (rules.rules().iter().position(|r| r.id == a.rule), a.example)
                .cmp(&(rules.rules().iter().position(|r| r.id == b.rule), b.example))
        });
        if catalogue.plants.is_empty() {
            return Err(Error::NothingToPlant);
        }
        Ok(catalogue)
    }

    fn skip(&mut self, rule: &Rule, example: usize, reason: String) {
        self.skipped.push(Skipped {
            rule: rule.id.clone(),
            example,
            reason,
        });
    }

    /// Every plantable example.
    pub fn plants(&self) -> &[Plant] {
        &self.plants
    }

    /// The publishers whose examples can be planted.
    pub fn publishers(&self) -> &[Publisher] {
        &self.publishers
    }

    /// The strip examples that are not planted, with the reason.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// How many strip examples the rule set has.
    pub fn examples(&self) -> usize {
        self.examples
    }

    /// Plants of publisher `publisher` (or of common packs, for `None`) of
    /// kind `Kind::ALL[kind]`.
    pub(crate) fn pool(&self, publisher: Option<usize>, kind: usize) -> &[usize] {
        let group = publisher.unwrap_or(self.publishers.len());
        &self.pools[group][kind]
    }
}

/// Why a strip example cannot be planted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Unplantable {
    #[error("its publisher pack has no domain to give documents a URL")]
    NoDomain,
    #[error("its rule has both `in-first` and `in-last`")]
    FirstAndLast,
    #[error(
        "it holds {signature:?}, a signature of `{pack}`, which would make that the document's publisher"
    )]
    Signature { signature: String, pack: String },
    #[error("none of its rule's anchors is in its text")]
    NoAnchor,
    #[error(
        "its anchor is in its paragraph {paragraph} but the rule looks only in the first {first} paragraphs, after the headline"
    )]
    TooLate { paragraph: usize, first: usize },
    #[error(
        "its anchor is {from_end} paragraphs from its end but the rule looks only in the last {last}"
    )]
    TooEarly { from_end: usize, last: usize },
}

/// Builds a candidate plant, or says why the example cannot be one.
fn candidate(
    rules: &RuleSet,
    rule: &Rule,
    publisher: Option<usize>,
    example: usize,
    text: &str,
    clean: &str,
) -> Result<Plant, Unplantable> {
    if rule.in_first.is_some() && rule.in_last.is_some() {
        return Err(Unplantable::FirstAndLast);
    }
    // A signature of another publisher would change the document's
    // publisher in a text document.
    let own = rule.pack;
    let mut carrier = false;
    for (i, pack) in rules.packs().iter().enumerate() {
        for signature in pack.signatures.iter().chain(&pack.strong_signatures) {
            if text.contains(signature.as_str()) {
                if i == own {
                    carrier = true;
                } else {
                    return Err(Unplantable::Signature {
                        signature: signature.clone(),
                        pack: pack.id.clone(),
                    });
                }
            }
        }
    }
    let forms = [Shape::Paragraphs, Shape::Lines].map(|shape| form(rule, shape, text, clean));
    let [Some(a), Some(b)] = forms else {
        return Err(Unplantable::NoAnchor);
    };
    let place = match (&rule.removal, rule.in_first, rule.in_last) {
        (Removal::ToEnd, _, _) => Place::End,
        (_, Some(n), _) => Place::Early(n),
        (_, _, Some(n)) => Place::Late(n),
        _ => Place::Anywhere,
    };
    for f in [&a, &b] {
        match place {
            // One paragraph (the headline) comes first.
            Place::Early(n) if 1 + f.last_anchor >= n => {
                return Err(Unplantable::TooLate {
                    paragraph: f.last_anchor + 1,
                    first: n,
                });
            }
            Place::Late(n) if f.paragraphs - f.first_anchor > n => {
                return Err(Unplantable::TooEarly {
                    from_end: f.paragraphs - f.first_anchor,
                    last: n,
                });
            }
            _ => {}
        }
    }
    let mut opens = Vec::new();
    let mut closes = Vec::new();
    for (i, r) in rules.rules().iter().enumerate() {
        if let Removal::Block { end } = &r.removal {
            if r.anchors
                .iter()
                .any(|a| contains(text, a, r.case_insensitive))
            {
                opens.push(i);
            }
            if contains(text, end, r.case_insensitive) {
                closes.push(i);
            }
        }
    }
    Ok(Plant {
        opens,
        closes,
        rule: rule.id.clone(),
        category: rule.category,
        kind: Kind::of(&rule.removal),
        example,
        publisher,
        carrier,
        place,
        forms: [a, b],
    })
}

/// Whether `text` holds `needle`, ignoring ASCII case if asked.
fn contains(text: &str, needle: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        text.to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    } else {
        text.contains(needle)
    }
}

/// Whether a line holds only spaces, tabs or carriage returns.
fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The lines of `text` for a document of `shape`: no blank line at either
/// end, and none at all in the one-paragraph-per-line shape.
fn shaped(shape: Shape, text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let first = lines.iter().position(|l| !is_blank(l));
    let last = lines.iter().rposition(|l| !is_blank(l));
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let kept = lines[first..=last]
        .iter()
        .filter(|l| shape == Shape::Paragraphs || !is_blank(l));
    let mut out = String::with_capacity(text.len());
    for (i, line) in kept.enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Paragraph index (within `text`, for `shape`) of each byte offset.
fn paragraph_of(shape: Shape, text: &str, at: usize) -> usize {
    let before = &text[..at];
    match shape {
        Shape::Lines => before.matches('\n').count(),
        Shape::Paragraphs => {
            let mut index = 0;
            let mut blank_run = false;
            let mut lines = before.split('\n').peekable();
            while let Some(line) = lines.next() {
                // The last piece starts the line holding `at`: text, not blank.
                if lines.peek().is_some() && is_blank(line) {
                    blank_run = true;
                } else if blank_run {
                    index += 1;
                    blank_run = false;
                }
            }
            index
        }
    }
}

fn form(rule: &Rule, shape: Shape, text: &str, clean: &str) -> Option<Form> {
    let text = shaped(shape, text);
    let clean = shaped(shape, clean);
    // Anchors are found as the stripper finds them: in the folded view.
    let view = crate::fold::View::of(&text);
    let haystack = if rule.case_insensitive {
        view.as_str().to_ascii_lowercase()
    } else {
        view.as_str().to_string()
    };
    let mut first: Option<usize> = None;
    let mut last: Option<usize> = None;
    let mut seen = |at: usize| {
        first = Some(first.map_or(at, |f| f.min(at)));
        last = Some(last.map_or(at, |l| l.max(at)));
    };
    for anchor in &rule.anchors {
        let needle = crate::engine::anchor_key(rule, anchor);
        for (at, _) in haystack.match_indices(needle.as_str()) {
            seen(view.original(at));
        }
    }
    // An `every-line` rule's anchor is a short line its regex matches.
    if rule.every_line
        && let Some(re) = &rule.regex
    {
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let unit = line.trim_end_matches(['\n', '\r']);
            if unit.trim().len() <= rule.max_len.unwrap_or(0) && re.is_match(unit) {
                seen(at + (line.len() - line.trim_start().len()));
            }
            at += line.len();
        }
    }
    // A dictionary rule's anchor is the whole line it knows.
    if !rule.dictionary.is_empty() {
        let mut key = String::new();
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            crate::fold::key_into(line, &mut key);
            if rule.dictionary.contains(&key) {
                seen(at + (line.len() - line.trim_start().len()));
            }
            at += line.len();
        }
    }
    let (first, last) = (first?, last?);
    let paragraphs = paragraph_of(shape, &text, text.len()) + 1;
    Some(Form {
        first_anchor: paragraph_of(shape, &text, first),
        last_anchor: paragraph_of(shape, &text, last),
        paragraphs,
        text,
        clean,
    })
}

/// Collapses white-space runs to one space and trims the ends: planted and
/// stripped texts are compared this way, since the tidy-up decides how much
/// white space stays where something was removed.
pub fn collapse_whitespace(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut word: Option<usize> = None;
    let mut i = 0;
    while i <= bytes.len() {
        // White space as `char::is_whitespace` has it; ASCII bytes decided
        // without decoding.
        let (space, len) = match bytes.get(i) {
            None => (true, 1),
            Some(&b) if b < 0x80 => (matches!(b, b' ' | b'\t'..=b'\r'), 1),
            Some(_) => {
                let c = text[i..].chars().next().unwrap_or(' ');
                (c.is_whitespace(), c.len_utf8())
            }
        };
        match (space, word) {
            (true, Some(start)) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&text[start..i]);
                word = None;
            }
            (false, None) => word = Some(i),
            _ => {}
        }
        i += len;
    }
    out
}

/// The first place where `a` and `b` differ, with some context.
fn difference(expected: &str, got: &str) -> String {
    let prefix = expected
        .char_indices()
        .zip(got.chars())
        .find(|((_, a), b)| a != b)
        .map_or(expected.len().min(got.len()), |((i, _), _)| i);
    let start = expected[..prefix]
        .char_indices()
        .rev()
        .nth(30)
        .map_or(0, |(i, _)| i);
    let excerpt = |s: &str| -> String { s[start.min(s.len())..].chars().take(90).collect() };
    format!(
        "expected …{:?} but got …{:?}",
        excerpt(expected),
        excerpt(got)
    )
}

impl Frame {
    fn new() -> Frame {
        let mut rng = super::rng::Rng::new(0x00F4_A3E5);
        let mut writer = super::text::TextWriter::new(&mut rng, true);
        let mut text = String::new();
        writer.headline(&mut text);
        let mut ranges = vec![(0, text.len())];
        for _ in 0..10 {
            let start = text.len();
            writer.sentence(&mut text);
            ranges.push((start, text.len()));
        }
        Frame { text, ranges }
    }

    /// Plants `plant` (with `carrier`, in text documents) into the frame, in
    /// both shapes, at the first and last places its rule allows, and strips
    /// each sample, resolving the publisher by URL and then by text.
    fn check(
        &self,
        stripper: &Stripper,
        catalogue: &Catalogue,
        plant: &Plant,
        carrier: Option<&Plant>,
    ) -> Outcome {
        let m = self.ranges.len() - 1;
        let body = Body {
            text: &self.text,
            ranges: &self.ranges,
        };
        for shape in [Shape::Paragraphs, Shape::Lines] {
            let f = plant.form(shape);
            let gaps: Vec<usize> = match plant.place {
                Place::Early(n) => vec![1, (n - 1 - f.last_anchor).clamp(1, m)],
                Place::Late(n) => {
                    let trailing = n - (f.paragraphs - f.first_anchor);
                    vec![m + 1, m + 1 - trailing.min(m - 1)]
                }
                Place::End => vec![m + 1],
                Place::Anywhere => vec![2, m],
            };
            // Without a publisher, the URL (of no publisher's domain)
            // changes nothing.
            let modes: &[bool] = if plant.publisher.is_some() {
                &[true, false]
            } else {
                &[true]
            };
            for &by_url in modes {
                for &gap in &gaps {
                    let mut plants = vec![plant];
                    let mut placed = vec![Placed {
                        plant: 0,
                        gap,
                        key: 0,
                    }];
                    let with_carrier = !by_url && plant.publisher.is_some() && !plant.carrier;
                    if with_carrier {
                        let Some(c) = carrier else {
                            return Outcome::Fail("no carrier".into());
                        };
                        plants.push(c);
                        let gap = match c.place {
                            Place::Early(_) => 1,
                            Place::Anywhere => m / 2,
                            Place::Late(_) | Place::End => m + 1,
                        };
                        // The carrier goes after the plant at the end, and
                        // before it at the start.
                        placed.insert(
                            usize::from(gap > 1),
                            Placed {
                                plant: 1,
                                gap,
                                key: 0,
                            },
                        );
                        if c.place == Place::End && plant.place == Place::End {
                            continue;
                        }
                    }
                    placed.sort_by_key(|p| p.gap);
                    let lookup = |i: usize| plants[i];
                    if violation(shape, self.ranges.len(), &placed, &lookup).is_some() {
                        continue;
                    }
                    let mut text = String::new();
                    let mut expected = String::new();
                    assemble(
                        shape,
                        &body,
                        &placed,
                        &lookup,
                        &mut text,
                        Some(&mut expected),
                    );
                    let publisher = plant.publisher.map(|p| &catalogue.publishers[p]);
                    let url = publisher.map(|p| format!("https://{}/news/sample", p.domain));
                    let mut doc = Document::new("sample", &text);
                    if by_url {
                        doc.url = Some(
                            url.as_deref()
                                .unwrap_or("https://harbourtimes.example/news/sample"),
                        );
                    }
                    let out = stripper.strip(&doc);
                    let got = collapse_whitespace(&out.clean);
                    let want = collapse_whitespace(&expected);
                    let how = format!(
                        "{} document, publisher {}",
                        shape.as_str(),
                        if by_url {
                            "from the URL"
                        } else {
                            "from the text"
                        }
                    );
                    if got != want {
                        return Outcome::Fail(format!("in a {how}: {}", difference(&want, &got)));
                    }
                    let resolved = out.record.publisher.id.as_deref();
                    let wanted = publisher.map(|p| p.id.as_str());
                    if resolved != wanted {
                        return Outcome::Fail(format!(
                            "in a {how}, the publisher resolves to {resolved:?}, not {wanted:?}"
                        ));
                    }
                }
            }
        }
        Outcome::Pass
    }
}

/// A plant's position: before body block `gap` (the headline is block 0,
/// so `gap` 1 is right after it and `body.len()` is the end). Plants with
/// the same gap go by `key`, then in their order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed {
    pub(crate) plant: usize,
    pub(crate) gap: usize,
    pub(crate) key: u8,
}

/// Body blocks (headline first, then paragraphs) as ranges of one string.
pub(crate) struct Body<'a> {
    pub(crate) text: &'a str,
    pub(crate) ranges: &'a [(usize, usize)],
}

enum Block {
    Body(usize),
    Plant(usize),
}

/// Visits body blocks and plants in document order.
fn for_each_block(body_len: usize, placed: &[Placed], mut f: impl FnMut(Block)) {
    let mut j = 0;
    for g in 0..=body_len {
        while j < placed.len() && placed[j].gap <= g {
            f(Block::Plant(j));
            j += 1;
        }
        if g < body_len {
            f(Block::Body(g));
        }
    }
    while j < placed.len() {
        f(Block::Plant(j));
        j += 1;
    }
}

/// The first plant (index into `placed`, which is sorted) whose rule would
/// not see its anchor where it is, or `None` when all are placed well.
pub(crate) fn violation<'p>(
    shape: Shape,
    body_len: usize,
    placed: &[Placed],
    plant: &dyn Fn(usize) -> &'p Plant,
) -> Option<usize> {
    let total: usize = body_len
        + placed
            .iter()
            .map(|p| plant(p.plant).form(shape).paragraphs)
            .sum::<usize>();
    let mut index = 0;
    let mut found = None;
    let mut blocks = 0;
    let count = body_len + placed.len();
    for_each_block(body_len, placed, |block| {
        blocks += 1;
        match block {
            Block::Body(_) => index += 1,
            Block::Plant(j) => {
                let p = plant(placed[j].plant);
                let f = p.form(shape);
                let ok = match p.place {
                    Place::Early(n) => index + f.last_anchor < n,
                    Place::Late(n) => total - (index + f.first_anchor) <= n,
                    Place::End => blocks == count,
                    Place::Anywhere => true,
                };
                if !ok && found.is_none() {
                    found = Some(j);
                }
                index += f.paragraphs;
            }
        }
    });
    found
}

/// Writes the document (and, if asked, its expected clean text: each plant
/// replaced by its clean text) with a line break at the end.
pub(crate) fn assemble<'p>(
    shape: Shape,
    body: &Body<'_>,
    placed: &[Placed],
    plant: &dyn Fn(usize) -> &'p Plant,
    text: &mut String,
    mut expected: Option<&mut String>,
) {
    let separator = match shape {
        Shape::Paragraphs => "\n\n",
        Shape::Lines => "\n",
    };
    let push = |out: &mut String, piece: &str| {
        if !out.is_empty() {
            out.push_str(separator);
        }
        out.push_str(piece);
    };
    for_each_block(body.ranges.len(), placed, |block| match block {
        Block::Body(i) => {
            let (s, e) = body.ranges[i];
            let piece = &body.text[s..e];
            push(text, piece);
            if let Some(x) = expected.as_deref_mut() {
                push(x, piece);
            }
        }
        Block::Plant(j) => {
            let f = plant(placed[j].plant).form(shape);
            push(text, &f.text);
            if let Some(x) = expected.as_deref_mut()
                && !f.clean.is_empty()
            {
                push(x, &f.clean);
            }
        }
    });
    text.push('\n');
    if let Some(x) = expected {
        x.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_drop_blank_lines_and_count_paragraphs() {
        let text = "\nTalks went on.\n\nA caption (AFP)\n\nThey ended.\n";
        assert_eq!(
            shaped(Shape::Paragraphs, text),
            "Talks went on.\n\nA caption (AFP)\n\nThey ended."
        );
        let lines = shaped(Shape::Lines, text);
        assert_eq!(lines, "Talks went on.\nA caption (AFP)\nThey ended.");
        let para = shaped(Shape::Paragraphs, text);
        let at = para.find("A caption").unwrap();
        assert_eq!(paragraph_of(Shape::Paragraphs, &para, at), 1);
        assert_eq!(paragraph_of(Shape::Paragraphs, &para, para.len()), 2);
        assert_eq!(paragraph_of(Shape::Lines, &lines, lines.len()), 2);
        assert_eq!(paragraph_of(Shape::Paragraphs, "a\nb", 3), 0);
    }

    #[test]
    fn collapsing_keeps_words_only() {
        assert_eq!(collapse_whitespace("  a \n\n b\u{a0}c\t"), "a b c");
        let text = "“Zoë,” he said —\r\n\x0b São\u{2003}Paulo\u{a0}\u{a0}x ";
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(collapse_whitespace(text), words.join(" "));
        assert_eq!(collapse_whitespace(""), "");
    }
}
