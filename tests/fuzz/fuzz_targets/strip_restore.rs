//! Arbitrary text through the built-in rules.
//!
//! The first byte picks the document's URL (or none, or a publisher given
//! outright) and the output mode; the rest, read as UTF-8 with bad bytes
//! replaced, is the text. Then:
//! - the edits are sorted, disjoint, not empty, on character boundaries, and
//!   hold exactly the bytes (and character offsets) they removed;
//! - the clean text is the original minus the edits;
//! - `restore(clean, record) == text`, also for the masked and tagged
//!   outputs, and also from the record as written to and read back from JSON;
//! - stripping the clean text again changes nothing, unless the record says
//!   it is `unsettled`.

#![no_main]

use chaff::provenance::{self, Mode, Record};
use chaff::{Document, Stripper, restore};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn stripper() -> &'static Stripper {
    static S: OnceLock<Stripper> = OnceLock::new();
    S.get_or_init(Stripper::builtin)
}

/// A document's URL: none, each built-in publisher's domain, one of no
/// known publisher, and some that are not URLs.
const URLS: [Option<&str>; 10] = [
    None,
    Some("https://www.themoscowtimes.com/2024/05/01/a-story-a1"),
    Some("https://www.bbc.com/news/world-europe-1"),
    Some("https://www.bbc.co.uk/news/uk-2"),
    Some("https://www.presstv.ir/Detail/2024/05/01/1/story"),
    Some("https://english.aawsat.com/node/1"),
    Some("https://www.infobae.com/america/mundo/2024/05/01/nota/"),
    Some("https://example.com/a"),
    Some("not a url"),
    Some(""),
];

/// A publisher given outright (as `--publisher` does), or none.
const PUBLISHERS: [Option<&str>; 7] = [
    None,
    Some("moscow-times"),
    Some("bbc"),
    Some("presstv"),
    Some("aawsat"),
    Some("infobae"),
    Some("no-such-publisher"),
];

fn check_edits(original: &str, clean: &str, record: &Record) {
    let mut pos = 0;
    let mut minus = String::with_capacity(original.len());
    for e in &record.edits {
        assert!(
            e.start >= pos,
            "edits out of order or overlapping: {:?}",
            record.edits
        );
        assert!(e.start < e.end, "an empty edit: {e:?}");
        assert!(
            original.is_char_boundary(e.start) && original.is_char_boundary(e.end),
            "an edit off a character boundary: {e:?}"
        );
        assert_eq!(&original[e.start..e.end], e.text, "an edit's text");
        assert_eq!(original[..e.start].chars().count(), e.char_start, "{e:?}");
        assert_eq!(e.char_end - e.char_start, e.text.chars().count(), "{e:?}");
        minus.push_str(&original[pos..e.start]);
        pos = e.end;
    }
    minus.push_str(&original[pos..]);
    assert_eq!(
        minus, clean,
        "the clean text is not the original minus the edits"
    );
    assert_eq!(record.input_bytes, original.len());
    assert_eq!(record.output_bytes, clean.len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let text: &str = &text;
    // `pick` is `url + 10 * publisher + 70 * mode`, each taken modulo its
    // list's length.
    let pick = usize::from(pick);
    let url = URLS[pick % 10];
    let publisher = PUBLISHERS[(pick / 10) % 7];
    let mode = [Mode::Strip, Mode::Mask, Mode::Tag][(pick / 70) % 3];

    let doc = |t| {
        let mut d = Document::new("fuzz", t);
        d.url = url;
        d.publisher = publisher;
        d
    };
    let once = stripper().strip(&doc(text));
    check_edits(text, &once.clean, &once.record);
    assert_eq!(
        restore(&once.clean, &once.record).as_deref(),
        Ok(text),
        "restore(clean, record) is not the text"
    );

    if !once.record.unsettled {
        let twice = stripper().strip(&doc(&once.clean));
        assert_eq!(
            twice.clean, once.clean,
            "stripping the clean text again changed it"
        );
    }

    // The other output modes, and the record as a file holds it.
    let mut record = once.record.clone();
    let output = provenance::render(text, once.clean.clone(), &mut record, mode);
    let json = serde_json::to_string(&record).expect("records serialize");
    let read: Record = serde_json::from_str(&json).expect("records read back");
    assert_eq!(read, record, "a record changed through JSON");
    assert_eq!(
        restore(&output, &read).as_deref(),
        Ok(text),
        "restore of the {mode:?} output is not the text"
    );
});
