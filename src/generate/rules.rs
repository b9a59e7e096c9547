//! Synthetic rule packs: many line rules whose anchors read like promotional
//! lines ("Catch up with the weekly digest 056126"), for timing the engine
//! with packs of up to a million rules.

use super::Error;
use super::rng::Rng;
use std::io::{self, Write};

/// The most rules a synthetic pack can hold: each anchor ends with a
/// six-digit code that is unique below this count.
pub const MAX_RULES: usize = 1_000_000;

/// The default seed of `chaff generate rules` and of the engine benchmark.
pub const DEFAULT_RULES_SEED: u64 = 0x5EED_C4A5_F00D_2024;

/// The id of the synthetic pack.
pub const SYNTHETIC_PACK_ID: &str = "synthetic";

/// The keep example every synthetic rule carries.
pub const SYNTHETIC_KEEP: &str = "Officials said the talks would resume next week.";

const LEADS: &[&str] = &[
    "Get the",
    "Try the",
    "Listen to the",
    "Download the",
    "Join the",
    "Explore the",
    "Catch up with the",
    "Stay informed with the",
    "Follow the",
    "Never miss the",
    "Discover the",
    "Register for the",
    "Sign up for the",
    "Subscribe to the",
    "Tune in to the",
    "Watch the",
    "Unlock the",
    "Browse the",
    "Check out the",
    "Enjoy the",
    "Claim your",
    "Start your",
    "Upgrade to the",
    "Become a member of the",
    "Support the",
    "Donate to the",
    "Back the",
    "Help fund the",
    "Install the",
    "Open the",
    "Switch to the",
    "Renew your",
    "Activate your",
    "Manage your",
    "Share the",
    "Print the",
];

const ADJECTIVES: &[&str] = &[
    "weekly",
    "daily",
    "morning",
    "evening",
    "free",
    "premium",
    "regional",
    "breaking",
    "monthly",
    "weekend",
    "exclusive",
    "official",
    "essential",
    "insider",
    "local",
    "global",
    "business",
    "science",
    "climate",
    "sports",
    "culture",
    "travel",
    "health",
    "tech",
    "food",
    "opinion",
    "investigative",
    "award-winning",
    "ad-free",
    "members-only",
    "late-night",
    "lunchtime",
    "midweek",
    "quarterly",
    "digital",
    "interactive",
    "live",
    "audio",
    "student",
    "family",
];

const NOUNS: &[&str] = &[
    "digest",
    "newsletter",
    "briefing",
    "podcast",
    "bulletin",
    "roundup",
    "app",
    "edition",
    "magazine",
    "e-paper",
    "report",
    "review",
    "dispatch",
    "guide",
    "almanac",
    "quiz",
    "crossword",
    "puzzle",
    "newscast",
    "livestream",
    "alerts",
    "highlights",
    "column",
    "supplement",
    "archive",
    "subscription",
    "membership",
    "notebook",
    "explainer",
    "series",
    "documentary",
    "webinar",
    "masterclass",
    "forum",
    "tracker",
    "calendar",
    "playlist",
    "channel",
    "radio show",
    "events list",
];

fn check_count(count: usize) -> Result<(), Error> {
    if count > MAX_RULES {
        Err(Error::TooManyRules { count })
    } else {
        Ok(())
    }
}

/// Calls `f` with the index and anchor of each of the first `count`
/// synthetic rules, reusing one buffer.
fn each_anchor(
    count: usize,
    seed: u64,
    mut f: impl FnMut(usize, &str) -> io::Result<()>,
) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut anchor = String::with_capacity(64);
    for i in 0..count {
        anchor.clear();
        anchor.push_str(rng.pick(LEADS));
        anchor.push(' ');
        anchor.push_str(rng.pick(ADJECTIVES));
        anchor.push(' ');
        anchor.push_str(rng.pick(NOUNS));
        anchor.push(' ');
        // 7,919 is prime and coprime with 10^6, so the code is a bijection
        // of the index below a million: every anchor is unique, and none is
        // inside another (codes are the only digits, always at the end).
        let code = (i as u64 * 7_919 + 48_213) % MAX_RULES as u64;
        super::text::push_padded(&mut anchor, code, 6);
        f(i, &anchor)?;
    }
    Ok(())
}

/// The anchors of the first `count` synthetic rules, e.g.
/// `"Catch up with the weekly digest 056126"`.
///
/// Rule `i` is the same for every `count`: the rules are drawn in sequence
/// from `seed`, so a small pack is a prefix of a bigger one.
pub fn synthetic_anchors(count: usize, seed: u64) -> Result<Vec<String>, Error> {
    check_count(count)?;
    let mut anchors = Vec::with_capacity(count);
    let _ = each_anchor(count, seed, |_, a| {
        anchors.push(a.to_string());
        Ok(())
    });
    Ok(anchors)
}

/// Writes a common pack of `count` synthetic rules in chaff's TOML format.
///
/// Rule `i` (`synthetic.r000042`) removes a line that equals its anchor
/// (see [`synthetic_anchors`]), and carries one strip example (its anchor) and
/// one keep example ([`SYNTHETIC_KEEP`]).
pub fn write_synthetic_pack<W: Write>(out: &mut W, count: usize, seed: u64) -> Result<(), Error> {
    check_count(count)?;
    writeln!(
        out,
        "# A synthetic pack of {count} rules (seed {seed:#x}), written by `chaff generate rules`.\n\n\
         [pack]\nid = \"{SYNTHETIC_PACK_ID}\"\nscope = \"common\"\nname = \"Synthetic promotional lines\""
    )
    .map_err(Error::write)?;
    each_anchor(count, seed, |i, anchor| {
        write!(
            out,
            "\n[[rules]]\n\
             id = \"{SYNTHETIC_PACK_ID}.r{i:06}\"\n\
             category = \"other\"\n\
             anchor = \"{anchor}\"\n\
             remove = \"line\"\n\
             where = \"equals\"\n\
             strip = [\"{anchor}\"]\n\
             keep = [\"{SYNTHETIC_KEEP}\"]\n"
        )
    })
    .map_err(Error::write)
}

/// The TOML text of a common pack of `count` synthetic rules; see
/// [`write_synthetic_pack`].
pub fn synthetic_pack(count: usize, seed: u64) -> Result<String, Error> {
    let mut bytes = Vec::with_capacity(count.min(MAX_RULES) * 240 + 160);
    write_synthetic_pack(&mut bytes, count, seed)?;
    // Every piece written is ASCII.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_prefix_stable_and_unique() {
        let small = synthetic_anchors(50, DEFAULT_RULES_SEED).unwrap();
        let big = synthetic_anchors(5_000, DEFAULT_RULES_SEED).unwrap();
        assert_eq!(small[..], big[..50]);
        let mut sorted = big.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), big.len());
        assert_ne!(synthetic_anchors(50, 1).unwrap(), small);
    }

    #[test]
    fn too_many_rules_is_an_error() {
        assert!(matches!(
            synthetic_anchors(MAX_RULES + 1, 0),
            Err(Error::TooManyRules { .. })
        ));
    }

    #[test]
    fn vocabulary_is_plain_and_varied() {
        for word in LEADS.iter().chain(ADJECTIVES).chain(NOUNS) {
            assert!(
                word.bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b' ' || b == b'-'),
                "{word:?} must need no escaping in TOML"
            );
        }
        assert!(LEADS.len() >= 30 && ADJECTIVES.len() >= 30 && NOUNS.len() >= 30);
    }
}
