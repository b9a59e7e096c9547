//! The bundled sample corpus (`corpus/`), compiled in: five articles on one
//! story from five publishers, and their reviewed clean texts
//! (`tests/golden/*.clean.txt`), which are body text only. `chaff lint`
//! checks anchors against the body text.

macro_rules! article {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/", $name)),
        )
    };
}

/// `(file name, text)` of each bundled article.
pub const BUNDLED: &[(&str, &str)] = &[
    article!("000_167acbc7d62ba54f.txt"),
    article!("001_7f3caeb8daf06a9f.txt"),
    article!("002_300e37ba7f2620e8.txt"),
    article!("003_5ad55822cbf89809.txt"),
    article!("004_baa5daac4b78c353.txt"),
];

/// The bundled articles as owned `(name, text)` pairs.
pub fn bundled() -> Vec<(String, String)> {
    BUNDLED
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

macro_rules! body {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/golden/",
                $name,
                ".clean.txt"
            )),
        )
    };
}

/// `(name, text)` of the body text of each bundled article: what is left
/// once all its boilerplate is gone, as reviewed.
pub const BODY: &[(&str, &str)] = &[
    body!("000_167acbc7d62ba54f"),
    body!("001_7f3caeb8daf06a9f"),
    body!("002_300e37ba7f2620e8"),
    body!("003_5ad55822cbf89809"),
    body!("004_baa5daac4b78c353"),
];

/// The bundled body texts as owned `(name, text)` pairs.
pub fn body() -> Vec<(String, String)> {
    BODY.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}
