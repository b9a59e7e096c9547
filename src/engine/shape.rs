//! Shape conditions on a candidate's unit: how many words or characters it
//! has, how it ends, its letter case, whether it looks like a credit, and
//! whether it recurs in the document. They let generic rules stay safe: a
//! short line in title case with no final full stop is a label, not a
//! sentence.

use super::layout::Layout;
use crate::rules::{Case, Shape, Unit};

/// Whether the unit `ts..te` (trimmed) of `text` has the shape.
pub fn holds(
    shape: &Shape,
    unit: Unit,
    text: &str,
    ts: usize,
    te: usize,
    layout: &mut Layout<'_>,
) -> bool {
    let s = &text[ts..te];
    if let Some(max) = shape.max_words
        && s.split_whitespace().nth(max).is_some()
    {
        return false;
    }
    if let Some(max) = shape.max_chars
        && s.chars().nth(max).is_some()
    {
        return false;
    }
    if shape.no_final_punct && ends_like_a_sentence(s) {
        return false;
    }
    match shape.case {
        Some(Case::Title) if !is_title_case(s) => return false,
        Some(Case::Upper) if !is_upper_case(s) => return false,
        _ => {}
    }
    if shape.credit && !looks_like_credit(s) {
        return false;
    }
    if shape.repeated && layout.occurrences(unit == Unit::Paragraph, ts, te) < 2 {
        return false;
    }
    true
}

/// Whether `s` ends with sentence-final punctuation, before any closing
/// quotes or brackets.
pub fn ends_like_a_sentence(s: &str) -> bool {
    let s = s.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '›')
    });
    s.ends_with(['.', '!', '?', '…', '。', '؟', '！', '？'])
}

/// Every word of four letters or more starts with a capital letter, and
/// there is at least one such word.
pub fn is_title_case(s: &str) -> bool {
    let mut any = false;
    for word in s.split_whitespace() {
        if word.chars().filter(|c| c.is_alphabetic()).count() < 4 {
            continue;
        }
        match word.chars().find(|c| c.is_alphabetic()) {
            Some(c) if c.is_uppercase() => any = true,
            Some(_) => return false,
            None => {}
        }
    }
    any
}

/// There are letters, and none is lowercase.
pub fn is_upper_case(s: &str) -> bool {
    s.chars().any(|c| c.is_alphabetic()) && !s.chars().any(|c| c.is_lowercase())
}

/// Agencies and picture services whose names make up credits, as they are
/// printed.
const AGENCIES: &[&str] = &[
    "AA",
    "AAP",
    "ABACA",
    "Abaca",
    "ABC",
    "AFP",
    "ANA",
    "ANI",
    "ANP",
    "ANSA",
    "AP",
    "APA",
    "Alamy",
    "Anadolu",
    "BELGA",
    "Belga",
    "Bloomberg",
    "CTK",
    "DPA",
    "dpa",
    "EFE",
    "EPA",
    "EPA-EFE",
    "EPA/EFE",
    "Flickr",
    "Getty",
    "GETTY",
    "Handout",
    "HANDOUT",
    "IMAGO",
    "Imago",
    "IRNA",
    "ISNA",
    "ITAR-TASS",
    "iStock",
    "iStockphoto",
    "KCNA",
    "KUNA",
    "Keystone",
    "KEYSTONE",
    "Kyodo",
    "LightRocket",
    "Lusa",
    "MENA",
    "NNA",
    "NTB",
    "NurPhoto",
    "PA",
    "PTI",
    "Pixabay",
    "POOL",
    "Pool",
    "QNA",
    "REUTERS",
    "Reuters",
    "RIA",
    "SANA",
    "SIPA",
    "Sipa",
    "SOPA",
    "SPA",
    "Sputnik",
    "SPUTNIK",
    "Shutterstock",
    "SHUTTERSTOCK",
    "TASS",
    "TT",
    "UNSPLASH",
    "Unsplash",
    "UPI",
    "WAFA",
    "WAM",
    "WANA",
    "Wikimedia",
    "Xinhua",
    "XINHUA",
    "Yonhap",
    "ZUMA",
    "Zuma",
];

/// Words that credits carry besides names and agencies (lowercase).
const CREDIT_WORDS: &[&str] = &[
    "agencies",
    "agency",
    "alliance",
    "and",
    "archive",
    "archives",
    "by",
    "commons",
    "courtesy",
    "credit",
    "credits",
    "de",
    "del",
    "file",
    "foto",
    "fotos",
    "handout",
    "image",
    "images",
    "imagen",
    "imágenes",
    "news",
    "of",
    "photo",
    "photos",
    "photographer",
    "picture",
    "pictures",
    "pool",
    "press",
    "via",
    "y",
    "und",
    "et",
    "e",
    "&",
    "-",
    "–",
    "—",
    "/",
    "|",
    "·",
];

/// Labels that start a credit line (lowercase, without the colon).
const CREDIT_LABELS: &[&str] = &[
    "photo",
    "photos",
    "photo credit",
    "photograph",
    "foto",
    "fotos",
    "fotografía",
    "image",
    "images",
    "picture",
    "bild",
    "bilder",
    "credit",
    "credits",
    "crédit",
    "crédits",
    "crédit photo",
    "crédits photo",
    "source",
    "quelle",
    "fuente",
    "фото",
    "صورة",
];

/// Whether `s` looks like a picture or agency credit: at most 12 words, and
/// either a credit label or `©` starts it, or it is made of agency names,
/// capitalised names and credit words (`via`, `Photo`, `File`, …) split by
/// `/`, `|`, `·`, commas or brackets, with at least one agency.
pub fn looks_like_credit(s: &str) -> bool {
    let t = s
        .trim()
        .trim_matches(|c| matches!(c, '(' | ')' | '[' | ']'))
        .trim();
    if t.is_empty() || t.split_whitespace().nth(12).is_some() {
        return false;
    }
    if t.starts_with('©') || t.starts_with("(c)") || t.starts_with("(C)") {
        return true;
    }
    if let Some((label, rest)) = t.split_once([':', '：'])
        && !rest.trim().is_empty()
        && CREDIT_LABELS.contains(&label.trim().to_lowercase().as_str())
    {
        return true;
    }
    let mut agency = false;
    let mut names = 0;
    for token in t.split(|c: char| {
        c.is_whitespace() || matches!(c, '/' | '|' | '·' | ',' | ';' | '(' | ')' | '[' | ']' | '©')
    }) {
        let token = token.trim_matches(|c: char| matches!(c, '.' | ':' | '"' | '\''));
        if token.is_empty() {
            continue;
        }
        if AGENCIES.contains(&token) {
            agency = true;
        } else if CREDIT_WORDS.contains(&token.to_lowercase().as_str()) {
        } else if token.chars().next().is_some_and(|c| c.is_uppercase()) {
            names += 1;
            if names > 6 {
                return false;
            }
        } else {
            return false;
        }
    }
    agency
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_are_told_from_sentences() {
        for credit in [
            "AFP / MARCO BERTORELLO",
            "(Azov Battalion/Reuters)",
            "© ITAR-TASS/Alexei Nikolsky",
            "(Credits: Getty)",
            "Getty Images",
            "Photo: Anna Smith",
            "Foto: dpa",
            "(REUTERS/Alexander Ermochenko)",
            "Handout via REUTERS",
        ] {
            assert!(looks_like_credit(credit), "{credit}");
        }
        for body in [
            "The ministry confirmed the figures to reporters on Tuesday. (AFP)",
            "Reuters reported the talks had stalled",
            "Photo: ",
            "Anna Smith and John Doe",
            "",
        ] {
            assert!(!looks_like_credit(body), "{body}");
        }
    }

    #[test]
    fn sentence_ends_and_case() {
        assert!(ends_like_a_sentence("He left.”"));
        assert!(ends_like_a_sentence("Was it? "));
        assert!(!ends_like_a_sentence("Most Read in World"));
        assert!(is_title_case("Most Read in World"));
        assert!(!is_title_case("Most read in the world"));
        assert!(!is_title_case("in a"));
        assert!(is_upper_case("NOTAS RELACIONADAS"));
        assert!(!is_upper_case("Notas"));
        assert!(!is_upper_case("2022"));
    }
}
