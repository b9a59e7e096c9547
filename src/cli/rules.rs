//! `chaff rules`: the loaded rules, as a table or one JSON array.

use super::EXIT_OK;
use super::plan::ListRules;
use crate::rules;
use std::io::Write;

/// Runs `plan`.
pub(super) fn run(
    plan: ListRules,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let set = plan.rules.load(err)?;
    if plan.json {
        let list: Vec<serde_json::Value> = set
            .rules()
            .iter()
            .map(|r| {
                let pack = &set.packs()[r.pack];
                serde_json::json!({
                    "id": r.id,
                    "pack": pack.id,
                    "publisher": (pack.scope == rules::Scope::Publisher).then_some(&pack.id),
                    "category": r.category.as_str(),
                    "kind": r.removal.as_str(),
                    "anchors": r.anchors,
                    "dictionary": r.dictionary,
                    "every_line": r.every_line,
                    "after": r.after.iter().chain(&r.before).map(|n| match n {
                        rules::Neighbour::Rule(id) => id.clone(),
                        rules::Neighbour::Category(c) => c.as_str().to_string(),
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_writer(&mut *out, &list)?;
        writeln!(out)?;
    } else {
        for r in set.rules() {
            let pack = &set.packs()[r.pack];
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                r.id,
                pack.id,
                r.category,
                r.removal.as_str(),
                if r.anchors.is_empty() && !r.dictionary.is_empty() {
                    format!("({} dictionary lines)", r.dictionary.len())
                } else {
                    r.anchors
                        .iter()
                        .map(|a| a.escape_default().to_string())
                        .collect::<Vec<_>>()
                        .join(" | ")
                }
            )?;
        }
    }
    Ok(EXIT_OK)
}
