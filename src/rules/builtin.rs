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
    pack!("common/promos.toml"),
    pack!("publishers/aawsat.toml"),
    pack!("publishers/bbc.toml"),
    pack!("publishers/infobae.toml"),
    pack!("publishers/moscow-times.toml"),
    pack!("publishers/presstv.toml"),
];
