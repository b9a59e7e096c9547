//! The bundled sample corpus (`corpus/`), compiled in: five articles on one
//! story from five publishers. `chaff lint` checks anchors against it.

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
