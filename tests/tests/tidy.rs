//! The docs agree with the tree (after rust-analyzer's `tidy` tests): every
//! path that ARCHITECTURE.md or a README names exists, and the counts they
//! state are the counts of the sources of truth.
//!
//! A path is a code span or a link target that looks like one: a file name
//! with an extension (`hooks.rs`, `spec/dojo.lock`), a directory with a
//! trailing slash (`xtask/src/repair/`), anything under one of the
//! repository's top-level directories (`examples/shop`, `.ci/run`), with
//! `{a,b}` expanded. It resolves against the document's directory or the
//! repository's root; a path that does not start at a top-level directory
//! (`store/refusal.rs`, `journal/behind.rs`, `tls.rs`) may also name a file
//! by its last components anywhere in the repository, as the map does inside
//! a crate it has just named. Placeholders (`<resource>.rs`, `*.sql`, `…`)
//! and anything outside the repository (`../shared/spec`, URLs) are not
//! checked.
//!
//! The counts checked: "N publishable crates", "packages the N crates" and
//! "packages all N" (the workspace members without `publish = false`), the
//! crates `.ci/run` packages (the same set), "N operations" (the generated
//! operation tables: the api host's, or both hosts'), "N operation(s) on
//! `pci-api…`" / "on `api.dojo.tech`" (that host's table).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace-tests crate lives in the workspace")
        .to_path_buf()
}

/// Directories never searched: build output, VCS data, hidden tool state.
fn skipped(name: &str) -> bool {
    name == "target" || name == "node_modules" || (name.starts_with('.') && name != ".ci")
}

/// Every file under `dir`, relative to `root`, with `/` separators.
fn files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if skipped(&name) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            files(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// ARCHITECTURE.md and every README.md, relative to the root.
fn documents(all: &[String]) -> Vec<String> {
    let mut docs: Vec<String> = all
        .iter()
        .filter(|f| *f == "ARCHITECTURE.md" || *f == "README.md" || f.ends_with("/README.md"))
        .cloned()
        .collect();
    docs.sort();
    docs
}

/// The text outside fenced code blocks (commands and code, not claims).
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if !fenced {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Code spans (a span broken over lines is joined: markdown renders the
/// break as a space, and the map breaks long paths so) and link targets.
fn mentions(prose: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = prose;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        let span = &after[..end];
        if !span.contains("\n\n") {
            let joined: String = span.split('\n').map(str::trim).collect::<Vec<_>>().join("");
            found.push(joined);
        }
        rest = &after[end + 1..];
    }
    let mut rest = prose;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split('#').next().unwrap_or_default();
        if !target.is_empty() {
            found.push(target.to_owned());
        }
        rest = &after[end + 1..];
    }
    found
}

/// `a/{b,c/d}.rs` as `a/b.rs` and `a/c/d.rs`.
fn expand(path: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (path.find('{'), path.find('}')) else {
        return vec![path.to_owned()];
    };
    if close < open {
        return vec![path.to_owned()];
    }
    path[open + 1..close]
        .split(',')
        .flat_map(|choice| expand(&format!("{}{choice}{}", &path[..open], &path[close + 1..])))
        .collect()
}

const EXTENSIONS: &[&str] = &[
    "rs", "toml", "md", "json", "sql", "sh", "yaml", "yml", "html", "lock", "txt", "css", "js",
];

/// Whether `mention` is meant as a path in this repository, and which
/// top-level directories there are to tell.
fn as_path(mention: &str, top_level: &BTreeSet<String>) -> bool {
    let placeholder =
        |c: char| c.is_whitespace() || "<>*…$@%?|&;=\"'()[]:!^~".contains(c) || !c.is_ascii();
    if mention.is_empty()
        || mention.chars().any(placeholder)
        || mention.starts_with('/')
        || mention.starts_with("..")
        || mention.starts_with('-')
        || mention.starts_with('.') && !mention.starts_with(".ci/")
        || mention.contains("//")
    {
        return false;
    }
    let first = mention.split('/').next().unwrap_or_default();
    if mention.contains('/') && top_level.contains(first) {
        return true;
    }
    if mention.contains('/') && mention.ends_with('/') {
        return true;
    }
    let last = mention.rsplit('/').next().unwrap_or_default();
    last.rsplit_once('.')
        .is_some_and(|(stem, extension)| !stem.is_empty() && EXTENSIONS.contains(&extension))
}

/// Whether `path`, named in the document at `doc`, exists.
fn resolves(
    path: &str,
    doc: &str,
    root: &Path,
    all: &[String],
    top_level: &BTreeSet<String>,
) -> bool {
    let trimmed = path.trim_end_matches('/');
    let doc_dir = Path::new(doc).parent().unwrap_or(Path::new(""));
    if root.join(doc_dir).join(trimmed).exists() || root.join(trimmed).exists() {
        return true;
    }
    let first = trimmed.split('/').next().unwrap_or_default();
    if top_level.contains(first) && trimmed.contains('/') {
        // Under a top-level directory: named from the root, or nothing.
        return false;
    }
    // Inside a crate the text has named: any file (or directory) whose last
    // components these are.
    let suffix = format!("/{trimmed}");
    all.iter().any(|file| {
        let file = format!("/{file}");
        file.ends_with(&suffix) || file.contains(&format!("{suffix}/"))
    })
}

#[test]
fn every_path_the_docs_name_exists() {
    let root = root();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    let top_level: BTreeSet<String> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !skipped(name))
        .collect();
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in documents(&all) {
        let text = fs::read_to_string(root.join(&doc)).unwrap();
        for mention in mentions(&prose(&text)) {
            for path in expand(&mention) {
                // What a build or a test writes (`target/shop-screenshots/`)
                // is not in the tree, and exists only after they ran.
                if !as_path(&path, &top_level) || path.starts_with("target/") {
                    continue;
                }
                checked += 1;
                if !resolves(&path, &doc, &root, &all, &top_level) {
                    missing.push(format!("{doc}: `{path}`"));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} paths found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "the docs name paths that do not exist:\n  {}",
        missing.join("\n  ")
    );
}

/// The workspace members' names, each with whether it is published.
fn members(root: &Path) -> Vec<(String, bool)> {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("the workspace lists its members");
    let patterns: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    let mut dirs = Vec::new();
    for pattern in patterns {
        match pattern.strip_suffix("/*") {
            Some(parent) => {
                for entry in fs::read_dir(root.join(parent)).unwrap().flatten() {
                    if entry.path().join("Cargo.toml").exists() {
                        dirs.push(entry.path());
                    }
                }
            }
            None => dirs.push(root.join(pattern)),
        }
    }
    dirs.iter()
        .map(|dir| {
            let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            let name = manifest
                .lines()
                .find_map(|l| l.strip_prefix("name = \""))
                .and_then(|rest| rest.strip_suffix('"'))
                .expect("a member names its package")
                .to_owned();
            let published = !manifest.lines().any(|l| l.trim() == "publish = false");
            (name, published)
        })
        .collect()
}

fn number(word: &str) -> Option<usize> {
    const WORDS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    word.parse()
        .ok()
        .or_else(|| WORDS.iter().position(|w| *w == word))
}

/// A document's prose as lower-case words, markdown's punctuation trimmed.
fn words(prose: &str) -> Vec<String> {
    prose
        .replace('`', "")
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| "()[]*,.:;!?\"'".contains(c))
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn the_counts_the_docs_state_are_the_sources_counts() {
    let root = root();
    let publishable: BTreeSet<String> = members(&root)
        .into_iter()
        .filter_map(|(name, published)| published.then_some(name))
        .collect();
    let api = dojo_payments_api::api::OPERATIONS.len();
    let pci = dojo_payments_api::pci::OPERATIONS.len();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    let mut wrong = Vec::new();
    let mut claims = 0;
    for doc in documents(&all) {
        let words = words(&prose(&fs::read_to_string(root.join(&doc)).unwrap()));
        for (i, word) in words.iter().enumerate() {
            let Some(n) = number(word) else { continue };
            let next = |k: usize| words.get(i + k).map(String::as_str).unwrap_or_default();
            let before = |k: usize| {
                i.checked_sub(k)
                    .and_then(|j| words.get(j))
                    .map(String::as_str)
                    .unwrap_or_default()
            };
            let (claim, truth) = if next(1) == "publishable" && next(2).starts_with("crate") {
                ("publishable crates", publishable.len())
            } else if before(1) == "the" && before(2) == "packages" && next(1) == "crates"
                || before(1) == "all" && before(2) == "packages"
            {
                ("crates packaged", publishable.len())
            } else if next(1).starts_with("operation") && next(2) == "on" {
                match next(3) {
                    host if host.starts_with("pci-api") => ("operations on the PCI host", pci),
                    host if host.starts_with("api.dojo.tech") => {
                        ("operations on the api host", api)
                    }
                    _ => continue,
                }
            } else if next(1) == "operations" && word.parse::<usize>().is_ok() {
                if n == api || n == api + pci {
                    claims += 1;
                    continue;
                }
                ("operations (the api host's, or both hosts')", api + pci)
            } else {
                continue;
            };
            claims += 1;
            if n != truth {
                let context = words[i.saturating_sub(4)..(i + 5).min(words.len())].join(" ");
                wrong.push(format!(
                    "{doc}: \"{context}\": {n} {claim}, the source says {truth}"
                ));
            }
        }
    }
    assert!(
        claims >= 4,
        "only {claims} counted claims found: is the scan broken?"
    );
    assert!(
        wrong.is_empty(),
        "the docs state counts that are wrong:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn ci_packages_every_publishable_crate() {
    let root = root();
    let publishable: BTreeSet<String> = members(&root)
        .into_iter()
        .filter_map(|(name, published)| published.then_some(name))
        .collect();
    let run = fs::read_to_string(root.join(".ci/run")).unwrap();
    // `publishable=(a b\n  c)`: the crates `cargo package` is given.
    let list = run
        .split_once("\npublishable=(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| list)
        .expect(".ci/run names the crates it packages in `publishable=(…)`");
    let packaged: BTreeSet<String> = list.split_whitespace().map(str::to_owned).collect();
    assert!(
        run.contains(r#"cargo package --locked --no-verify "${publishable[@]/#/--package=}""#),
        ".ci/run packages `publishable`"
    );
    assert_eq!(
        packaged, publishable,
        ".ci/run's `cargo package` and the workspace's publishable crates differ"
    );
}

/// The checker itself: it takes what it should for a path, resolves as the
/// map writes, and reads a count in the words docs use.
#[test]
fn the_checker_finds_what_it_should() {
    let root = root();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    let top: BTreeSet<String> = ["crates", "tests", "xtask", "examples", "spec", ".ci"]
        .map(str::to_owned)
        .into();
    assert_eq!(
        expand("store/{checkout,charge}.rs"),
        ["store/checkout.rs", "store/charge.rs"]
    );
    for path in [
        "crates/dojo-payments/src/lib.rs",
        "tests/readme_curl.rs",
        "xtask/src/repair/",
        "examples/shop",
        ".ci/run",
        "hooks.rs",
        "spec/dojo.lock",
    ] {
        assert!(as_path(path, &top), "{path} is a path");
    }
    for text in [
        "application/json",
        "dojo_payments::lifecycle",
        "resources/<resource>.rs",
        "migrations/*.sql",
        "POST /payment-intents",
        "api.dojo.tech",
        "../shared/spec",
        "https://dojo.tech",
    ] {
        assert!(!as_path(text, &top), "{text} is not a path");
    }
    let resolves = |path: &str, doc: &str| resolves(path, doc, &root, &all, &top);
    // A workspace-level path, named from the root: the emulator's test is
    // not the workspace's.
    assert!(!resolves("tests/readme_curl.rs", "ARCHITECTURE.md"));
    assert!(resolves(
        "tests/readme_curl.rs",
        "crates/dojo-payments-emulator/README.md"
    ));
    // Inside a crate the map has named.
    assert!(resolves("store/refusal.rs", "ARCHITECTURE.md"));
    assert!(resolves("hooks.rs", "ARCHITECTURE.md"));
    assert!(!resolves("src/no_such_file.rs", "ARCHITECTURE.md"));
    let prose = prose(
        "a `crates/x/\n  y.rs` span\n```\n`not/in/prose.rs`\n```\n[link](spec/README.md#top)\n",
    );
    assert_eq!(mentions(&prose), ["crates/x/y.rs", "spec/README.md"]);
    assert_eq!(
        words("It packages the four crates, (five)."),
        ["it", "packages", "the", "four", "crates", "five"]
    );
}
