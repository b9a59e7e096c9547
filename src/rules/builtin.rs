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
    pack!("common/captions.toml"),
    pack!("common/credits.toml"),
    pack!("common/notices.toml"),
    pack!("common/promos.toml"),
    pack!("publishers/aawsat.toml"),
    pack!("publishers/bbc.toml"),
    pack!("publishers/infobae.toml"),
    pack!("publishers/moscow-times.toml"),
    pack!("publishers/presstv.toml"),
];

/// `(name, text)` of every built-in data file (the dictionaries that rule
/// files name), sorted by name.
pub const BUILTIN_DATA: &[(&str, &str)] = &[];

/// The text of built-in data file `name`.
pub fn data(name: &str) -> Option<&'static str> {
    BUILTIN_DATA
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Whether `name` and `text` are a built-in rule file as compiled in.
pub fn is_builtin(name: &str, text: &str) -> bool {
    BUILTIN_RULES.iter().any(|(n, t)| *n == name && *t == text)
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
}
