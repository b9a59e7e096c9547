//! The rule-set digest: a hash of everything that decides behaviour.

use super::{Case, Neighbour, Pack, Removal, Rule};
use serde::Serialize;

/// Version of the matching semantics; part of the rule-set digest, so that a
/// change in how rules are applied changes the digest too.
const SEMANTICS_VERSION: u32 = 2;

/// The digest of what decides behaviour: packs' ids, scopes, domains and
/// signatures, and every rule's matching fields, in order.
///
/// It is the SHA-256 of a canonical JSON text: an object with the keys
/// `packs`, `rules` and `semantics`, every object's keys in sorted order, no
/// white space. The text is written straight into the hash, never held whole.
pub(super) fn digest(packs: &[Pack], rules: &[Rule]) -> String {
    use std::io::Write as _;
    let canonical = Canonical {
        packs: Items(packs, pack_key),
        rules: Items(rules, rule_key),
        semantics: SEMANTICS_VERSION,
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, HashWriter::default());
    serde_json::to_writer(&mut out, &canonical).expect("writing to a hash cannot fail");
    out.flush().expect("writing to a hash cannot fail");
    let (hash, _) = out.into_parts();
    format!("sha256:{}", crate::hash::hex(hash.0.finish().as_ref()))
}

fn pack_key(p: &Pack) -> PackKey<'_> {
    PackKey {
        domains: &p.domains,
        id: &p.id,
        scope: p.scope.as_str(),
        signatures: &p.signatures,
        strong_signatures: &p.strong_signatures,
    }
}

fn neighbour_names(list: &[Neighbour]) -> Vec<&str> {
    list.iter()
        .map(|n| match n {
            Neighbour::Rule(id) => id.as_str(),
            Neighbour::Category(c) => c.as_str(),
        })
        .collect()
}

fn rule_key(r: &Rule) -> RuleKey<'_> {
    RuleKey {
        anchors: &r.anchors,
        case_insensitive: r.case_insensitive,
        category: r.category.as_str(),
        end: match &r.removal {
            Removal::Block { end } => Some(end),
            _ => None,
        },
        id: &r.id,
        in_first: r.in_first,
        in_last: r.in_last,
        max_len: r.max_len,
        pack: r.pack,
        regex: r.regex.as_ref().map(|re| re.as_str()),
        remove: r.removal.as_str(),
        unit: r.unit.as_str(),
        where_: r.where_.as_str(),
        whole_lines: r.whole_lines,
        typographic: r.typographic,
        exact_space: r.exact_space,
        every_line: r.every_line,
        dictionary: &r.dictionary,
        max_words: r.shape.max_words,
        max_chars: r.shape.max_chars,
        no_final_punct: r.shape.no_final_punct,
        case: r.shape.case.map(Case::as_str),
        credit: r.shape.credit,
        repeated: r.shape.repeated,
        after: neighbour_names(&r.after),
        before: neighbour_names(&r.before),
        max_run: r.max_run,
    }
}

/// The digest's JSON text. Field order is key order: sorted.
#[derive(Serialize)]
struct Canonical<P, R> {
    packs: P,
    rules: R,
    semantics: u32,
}

#[derive(Serialize)]
struct PackKey<'a> {
    domains: &'a [String],
    id: &'a str,
    scope: &'static str,
    signatures: &'a [String],
    strong_signatures: &'a [String],
}

#[derive(Serialize)]
struct RuleKey<'a> {
    after: Vec<&'a str>,
    anchors: &'a [String],
    before: Vec<&'a str>,
    case: Option<&'static str>,
    case_insensitive: bool,
    category: &'static str,
    credit: bool,
    dictionary: &'a [String],
    end: Option<&'a str>,
    every_line: bool,
    exact_space: bool,
    id: &'a str,
    in_first: Option<usize>,
    in_last: Option<usize>,
    max_chars: Option<usize>,
    max_len: Option<usize>,
    max_run: usize,
    max_words: Option<usize>,
    no_final_punct: bool,
    pack: usize,
    regex: Option<&'a str>,
    remove: &'static str,
    repeated: bool,
    typographic: bool,
    unit: &'static str,
    #[serde(rename = "where")]
    where_: &'static str,
    whole_lines: bool,
}

/// A slice serialized as a JSON array of `f(item)`, one item at a time.
struct Items<'a, T, F>(&'a [T], F);

impl<'a, T, F, S> Serialize for Items<'a, T, F>
where
    F: Fn(&'a T) -> S,
    S: Serialize,
{
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_seq(self.0.iter().map(&self.1))
    }
}

/// An `io::Write` that feeds SHA-256.
struct HashWriter(ring::digest::Context);

impl Default for HashWriter {
    fn default() -> Self {
        HashWriter(ring::digest::Context::new(&ring::digest::SHA256))
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleSet, Source};

    /// The digest as first defined: the SHA-256 of a `serde_json::Value`
    /// tree's text (whose objects keep their keys sorted).
    fn digest_from_values(packs: &[Pack], rules: &[Rule]) -> String {
        let packs: Vec<serde_json::Value> = packs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id,
                    "scope": p.scope.as_str(),
                    "domains": p.domains,
                    "signatures": p.signatures,
                    "strong_signatures": p.strong_signatures,
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
                    "typographic": r.typographic,
                    "exact_space": r.exact_space,
                    "every_line": r.every_line,
                    "dictionary": r.dictionary,
                    "max_words": r.shape.max_words,
                    "max_chars": r.shape.max_chars,
                    "no_final_punct": r.shape.no_final_punct,
                    "case": r.shape.case.map(Case::as_str),
                    "credit": r.shape.credit,
                    "repeated": r.shape.repeated,
                    "after": neighbour_names(&r.after),
                    "before": neighbour_names(&r.before),
                    "max_run": r.max_run,
                })
            })
            .collect();
        let canonical = serde_json::json!({
            "semantics": SEMANTICS_VERSION,
            "packs": packs,
            "rules": rules,
        });
        let bytes = serde_json::to_vec(&canonical).expect("JSON values serialize");
        format!("sha256:{}", crate::hash::sha256_hex(&bytes))
    }

    #[test]
    fn dropping_examples_keeps_the_digest() {
        let set = RuleSet::builtin();
        let mut lean = set.clone();
        lean.drop_examples();
        assert!(set.rules().iter().any(|r| !r.strip.is_empty()));
        assert!(
            lean.rules()
                .iter()
                .all(|r| r.strip.is_empty() && r.keep.is_empty() && r.description.is_none())
        );
        assert_eq!(lean.digest(), set.digest());
    }

    #[test]
    fn digest_is_the_hash_of_the_sorted_json_text() {
        let set = RuleSet::builtin();
        assert_eq!(
            digest(set.packs(), set.rules()),
            digest_from_values(set.packs(), set.rules())
        );
        for i in 0..set.rules().len() {
            let one = set.only(i);
            assert_eq!(one.digest(), digest_from_values(one.packs(), one.rules()));
        }
        // Every optional field set, and text that JSON escapes.
        let text = concat!(
            "[pack]\nid = \"p\"\nscope = \"publisher\"\ndomains = [\"a.com\"]\n",
            "signatures = [\"Sig \\\"q\\\" \\u00e9\\u0001\"]\n",
            "[[rules]]\nid = \"p.block\"\ncategory = \"footer\"\n",
            "anchors = [\"Start\\tx\", \"Begin <b>\"]\nremove = \"block\"\nend = \"End \\\\\"\n",
            "where = \"starts-with\"\nunit = \"paragraph\"\ncase-insensitive = true\n",
            "regex = 'x\\d+'\nmax-len = 10\nin-first = 2\nin-last = 3\nwhole-lines = false\n",
            "strip = [\"Start\"]\nkeep = [\"x\"]\n",
        );
        let sources = [Source::new("p.toml", text)];
        let set = RuleSet::from_sources(&sources).expect("loads");
        assert_eq!(set.rules()[0].max_len, Some(10));
        assert_eq!(set.digest(), digest_from_values(set.packs(), set.rules()));
    }
}
