//! The rule packs compiled into the binary: every file under `rules/`.
//!
//! A test checks that this list and the folder agree, so a new pack cannot be
//! forgotten here.

macro_rules! pack {
    ($path:literal) => {
        (
            concat!("rules/", $path),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $path)),
        )
    };
}

/// `(name, text)` of every built-in rule file, in load order: common packs,
/// then publisher packs, each sorted by file name.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    pack!("common/bylines.toml"),
    pack!("common/captions.toml"),
    pack!("common/credits.toml"),
    pack!("common/embeds.toml"),
    pack!("common/labels.toml"),
    pack!("common/notices.toml"),
    pack!("common/photo-credits.toml"),
    pack!("common/promos.toml"),
    pack!("common/prompts.toml"),
    pack!("common/teasers.toml"),
    pack!("publishers/20minutes.toml"),
    pack!("publishers/aawsat.toml"),
    pack!("publishers/advanced-television.toml"),
    pack!("publishers/aljazeera.toml"),
    pack!("publishers/almayadeen.toml"),
    pack!("publishers/anadolu.toml"),
    pack!("publishers/apnews.toml"),
    pack!("publishers/arabnews.toml"),
    pack!("publishers/bbc.toml"),
    pack!("publishers/businessinsider.toml"),
    pack!("publishers/clarin.toml"),
    pack!("publishers/cnn.toml"),
    pack!("publishers/dailysabah.toml"),
    pack!("publishers/deutschlandfunk.toml"),
    pack!("publishers/ellitoral.toml"),
    pack!("publishers/elpais.toml"),
    pack!("publishers/faz.toml"),
    pack!("publishers/foxnews.toml"),
    pack!("publishers/france24.toml"),
    pack!("publishers/gmx.toml"),
    pack!("publishers/guardian.toml"),
    pack!("publishers/hurriyetdailynews.toml"),
    pack!("publishers/imlebanon.toml"),
    pack!("publishers/independent.toml"),
    pack!("publishers/indyturk.toml"),
    pack!("publishers/inews.toml"),
    pack!("publishers/infobae.toml"),
    pack!("publishers/iranpress.toml"),
    pack!("publishers/iwpr.toml"),
    pack!("publishers/lanacion.toml"),
    pack!("publishers/lefigaro.toml"),
    pack!("publishers/lemonde.toml"),
    pack!("publishers/meduza.toml"),
    pack!("publishers/mehrnews.toml"),
    pack!("publishers/moscow-times.toml"),
    pack!("publishers/naharnet.toml"),
    pack!("publishers/ntv.toml"),
    pack!("publishers/nytimes.toml"),
    pack!("publishers/observador.toml"),
    pack!("publishers/presstv.toml"),
    pack!("publishers/reuters.toml"),
    pack!("publishers/rodina-news.toml"),
    pack!("publishers/rt.toml"),
    pack!("publishers/ru24.toml"),
    pack!("publishers/skynews.toml"),
    pack!("publishers/spiegel.toml"),
    pack!("publishers/tagesschau.toml"),
    pack!("publishers/tass.toml"),
    pack!("publishers/theconversation.toml"),
    pack!("publishers/thenewsaudiarabia.toml"),
    pack!("publishers/timesofisrael.toml"),
    pack!("publishers/vz.toml"),
    pack!("publishers/xinhua.toml"),
    pack!("publishers/yenimesaj.toml"),
];

/// `(name, text)` of every built-in data file (the dictionaries that rule
/// files name), sorted by name.
pub const BUILTIN_DATA: &[(&str, &str)] = &[
    pack!("common/lines/ad-labels.txt"),
    pack!("common/lines/agency-names.txt"),
    pack!("common/lines/comment-widgets.txt"),
    pack!("common/lines/cookie-buttons.txt"),
    pack!("common/lines/desk-bylines.txt"),
    pack!("common/lines/embed-load-buttons.txt"),
    pack!("common/lines/live-blog-chrome.txt"),
    pack!("common/lines/navigation-links.txt"),
    pack!("common/lines/photo-labels.txt"),
    pack!("common/lines/related-headings.txt"),
    pack!("common/lines/share-buttons.txt"),
    pack!("common/lines/stamp-labels.txt"),
    pack!("common/lines/subscribe-buttons.txt"),
];

/// The text of built-in data file `name`.
pub fn data(name: &str) -> Option<&'static str> {
    BUILTIN_DATA
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Whether `text` is built-in rule file `name` as compiled in: its regexes
/// are known to compile (a test compiles every one), so loading it need not
/// check them again.
pub(crate) fn is_compiled_in(name: &str, text: &str) -> bool {
    BUILTIN_RULES.iter().any(|&(n, t)| n == name && t == text)
}

#[cfg(test)]
mod tests {
    use super::BUILTIN_RULES;
    use std::path::Path;

    #[test]
    fn every_rule_file_in_the_folder_is_built_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(root.join("rules"))
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("readable rules folder"))
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "toml" || x == "txt")
            })
            .map(|e| {
                let rel = e.path().strip_prefix(root).expect("under the crate");
                rel.to_string_lossy().replace('\\', "/")
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN_RULES
            .iter()
            .chain(super::BUILTIN_DATA)
            .map(|(n, _)| n.to_string())
            .collect();
        listed.sort();
        assert_eq!(
            listed, on_disk,
            "list every rules/**/*.toml in BUILTIN_RULES and every rules/**/*.txt in BUILTIN_DATA"
        );
    }

    #[test]
    fn built_in_rules_load_and_pass_their_examples() {
        let set = crate::RuleSet::builtin();
        assert!(set.rules().len() >= 15);
        let report = crate::selftest::run(&set);
        assert!(report.passed(), "{:#?}", report.failures);
    }

    #[test]
    fn built_in_regexes_compile_within_the_size_limit() {
        // They are compiled on first use, so a run must never meet one that
        // does not compile.
        let set = crate::RuleSet::builtin();
        for rule in set.rules() {
            if let Some(re) = &rule.regex {
                regex::RegexBuilder::new(re.as_str())
                    .size_limit(crate::rules::REGEX_SIZE_LIMIT)
                    .build()
                    .unwrap_or_else(|e| panic!("{}: {e}", rule.id));
            }
        }
    }
}
