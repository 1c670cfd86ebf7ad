//! `dojo journal …`, one golden session per command, on an empty SQLite
//! journal (tests/journal.rs holds one with an open refund).

use snapbox::{IntoData, str};

use crate::support;

fn database(dir: &support::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.0.join("journal.db").display())
}

#[test]
fn list() {
    let emu = support::emulator("journal-list");
    let dir = support::TempDir::new("journal-list-db");
    let url = database(&dir);
    emu.dojo(&["journal", "list", "--database-url", &url])
        .assert()
        .success()
        .stdout_eq(str![]);
    emu.dojo(&["--json", "journal", "list", "--open"])
        .env("DATABASE_URL", &url)
        .assert()
        .success()
        .stdout_eq(str!["[]"].is_json());
    emu.dojo(&["journal", "list", "--database-url", "mysql://nowhere"])
        .assert()
        .code(3)
        .stdout_eq(str![]);
}

#[test]
fn show() {
    let emu = support::emulator("journal-show");
    let dir = support::TempDir::new("journal-show-db");
    let url = database(&dir);
    emu.dojo(&["journal", "show", "refund-1", "--database-url", &url])
        .assert()
        .code(1)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: no entry named refund-1 in the journal
  hint: list them: dojo journal list

"#]]);
    emu.dojo(&[
        "--json",
        "journal",
        "show",
        "refund-1",
        "--database-url",
        &url,
    ])
    .assert()
    .code(1)
    .stdout_eq(str![])
    .stderr_eq(
        str![[r#"
{
  "error": "no entry named refund-1 in the journal",
  "exitCode": 1,
  "hint": "list them: dojo journal list",
  "idempotencyKey": null
}
"#]]
        .is_json(),
    );
}

#[test]
fn reconcile() {
    let emu = support::emulator("journal-reconcile");
    let dir = support::TempDir::new("journal-reconcile-db");
    let url = database(&dir);
    emu.dojo(&["journal", "reconcile", "--database-url", &url])
        .assert()
        .success()
        .stdout_eq(str![])
        .stderr_eq(str![]);
    emu.dojo(&["--json", "journal", "reconcile", "--database-url", &url])
        .assert()
        .success()
        .stdout_eq(str!["[]"].is_json());
}
