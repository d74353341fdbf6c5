//! The supported-operator tables in the repository's README and on the crate's front page
//! (`core/README.md`, which docs.rs shows) list exactly the operators the compiler runs: adding an
//! operator without documenting it, or documenting one that is not there, fails here.

use std::collections::BTreeSet;

/// Every `UPPER_CASE` name in backticks in the section headed "## Supported operators".
fn documented(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split("\n## Supported operators\n")
        .nth(1)
        .expect("a \"## Supported operators\" section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            word.len() > 1
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

/// Every custom code in backticks in that section: a name starting with `Signal` (the custom
/// operators embedml runs are TFLM's signal library's).
fn documented_custom(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split("\n## Supported operators\n")
        .nth(1)
        .unwrap_or_default()
        .split("\n## ")
        .next()
        .unwrap_or_default();
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            word.starts_with("Signal") && word.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .map(str::to_owned)
        .collect()
}

fn check(path: &str) {
    let readme = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|error| panic!("{path}: {error}"));
    let listed = documented(&readme);
    let supported: BTreeSet<String> = embedml_compiler::ops::supported()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let undocumented: Vec<_> = supported.difference(&listed).collect();
    let not_supported: Vec<_> = listed.difference(&supported).collect();
    assert!(
        undocumented.is_empty() && not_supported.is_empty(),
        "{path}: supported but not in its table: {undocumented:?}; \
         in its table but not supported: {not_supported:?}"
    );
    let custom: BTreeSet<String> = embedml_compiler::ops::supported_custom()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        documented_custom(&readme),
        custom,
        "{path}: its table's custom operators are not the ones embedml runs"
    );
}

#[test]
fn the_readme_lists_every_supported_operator() {
    check("README.md");
}

#[test]
fn the_crate_front_page_lists_every_supported_operator() {
    check("core/README.md");
}
