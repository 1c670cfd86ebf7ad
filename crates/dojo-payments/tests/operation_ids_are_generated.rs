//! Tidy: no operation id is written by hand in the SDK's sources. Each call
//! names its operation by the generated constant
//! (`dojo_payments_api::operations::CAPTURES_CREATE`), whose id, method and
//! path come from Dojo's document; a string that looks like an operation
//! id (`"setup_intents_get"`, which is not one) fails here, whether or not
//! the document has it.
//!
//! Comments (doc examples included) are not code and are skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dojo_payments_api::operations;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of `line` (plain `"…"` ones; escapes kept).
fn literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// Whether `text` looks like an operation id: snake case, at least two
/// words, the first of which begins some operation's id.
fn looks_like_an_operation_id(text: &str, first_words: &BTreeSet<&str>) -> bool {
    let snake = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let mut words = text.split('_');
    let first = words.next().unwrap_or_default();
    snake && words.next().is_some() && first_words.contains(first)
}

#[test]
fn no_operation_id_is_written_by_hand_in_the_sdk() {
    let first_words: BTreeSet<&str> = operations::all()
        .filter_map(|o| o.id.split('_').next())
        .collect();
    assert!(first_words.contains("captures") && first_words.contains("setup"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 20, "the sources were found: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let code = code.split(" // ").next().unwrap_or(code);
            for literal in literals(code) {
                if looks_like_an_operation_id(literal, &first_words) {
                    found.push(format!(
                        "{}:{}: \"{literal}\"",
                        file.strip_prefix(&root).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "operation ids written by hand; use the generated constants of \
         `dojo_payments_api::operations` instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_tidy_check_sees_what_it_looks_for() {
    let first_words: BTreeSet<&str> = operations::all()
        .filter_map(|o| o.id.split('_').next())
        .collect();
    let line = r#"typed("setup_intents_get", x); let y = "payment_intent.status_updated";"#;
    let seen: Vec<_> = literals(line)
        .into_iter()
        .filter(|l| looks_like_an_operation_id(l, &first_words))
        .collect();
    assert_eq!(seen, ["setup_intents_get"]);
    assert!(looks_like_an_operation_id("captures_create", &first_words));
    assert!(!looks_like_an_operation_id("not_applied", &first_words));
}
