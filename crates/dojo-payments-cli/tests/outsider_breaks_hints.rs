//! An outside tester's attacks that found a promise of issue #36 broken:
//! the hints of payment-intents/setup-intents (split out of
//! outsider_breaks.rs so each half has one owner).
//! Each test states the promise it checks; each fails today.
//!
//! cargo test -p dojo-payments-cli --test outsider_breaks_hints

mod support;

use support::Running;

fn run(emu: &Running, args: &[&str]) -> std::process::Output {
    emu.process(args).output().expect("dojo ran")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A captured payment intent of 10.00 GBP.
fn captured(emu: &Running) -> String {
    let id = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "10.00",
        "--reference",
        "outsider",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let paid = run(emu, &["emulator", "pay", &id]);
    assert!(paid.status.success(), "{}", text(&paid.stderr));
    id
}

/// An unknown-outcome refund's hint is "the command that sends it again":
/// given `--reason`, the command it prints has none, so run as told it
/// sends a different request (no refundReason) under the same
/// idempotency key.
#[test]
fn refund_resend_hint_is_the_same_request() {
    let emu = support::emulator("out-refund-hint");
    let id = captured(&emu);
    let armed = run(
        &emu,
        &[
            "emulator",
            "fault",
            "--route",
            "POST /payment-intents/{paymentIntentId}/refunds",
            "--status",
            "500",
            "--acted",
            "--times",
            "20",
        ],
    );
    assert!(armed.status.success());
    let out = run(
        &emu,
        &[
            "--json",
            "payment-intents",
            "refund",
            &id,
            "--amount",
            "1.00",
            "--reason",
            "damaged goods",
        ],
    );
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON error");
    let hint = error["hint"].as_str().expect("hint");
    assert!(
        hint.contains("--reason"),
        "the resend command drops --reason: {hint}"
    );
}

/// "errors that say what to do next": a create answered 503 is reported
/// as "money may have moved" with the hint "Read it … (`dojo
/// payment-intents get ID`)": there is no id, the create's answer was
/// the one lost. The hint should name a way to find it (the reference).
#[test]
fn an_unknown_create_says_how_to_find_it() {
    let emu = support::emulator("out-create-503");
    let armed = run(
        &emu,
        &[
            "emulator",
            "fault",
            "--route",
            "POST /payment-intents",
            "--status",
            "503",
            "--times",
            "10",
        ],
    );
    assert!(armed.status.success());
    let out = run(
        &emu,
        &[
            "--json",
            "payment-intents",
            "create",
            "--amount",
            "1.00",
            "--reference",
            "order-77",
        ],
    );
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON error");
    let hint = error["hint"].as_str().unwrap_or_default();
    assert!(
        !hint.contains("get ID"),
        "exit {:?}; the hint names an id nobody has: {hint}",
        out.status.code()
    );
}

/// A setup intent's charge whose answer is lost (the connection hung up
/// after the charge was made), which the SDK's read shows applied: `dojo
/// payment-intents capture/refund/…` report such a call done (exit 0, the
/// loss noted); `dojo setup-intents charge` exits 1 "failed" ("it was
/// done, but answered otherwise"), naming no payment intent. A script
/// reading exit 1 as "not charged" charges the customer another way.
#[test]
fn a_charge_made_but_answered_otherwise_is_done() {
    let emu = support::emulator("out-si-charge");
    let si = emu.json(&[
        "setup-intents",
        "create",
        "--amount",
        "80.00",
        "--reference",
        "outsider",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(run(&emu, &["emulator", "authorize", &si]).status.success());
    let armed = run(
        &emu,
        &[
            "emulator",
            "fault",
            "--route",
            "POST /payment-intents/{paymentIntentId}/charge",
            "--answer",
            "hang-up",
            "--acted",
            "--times",
            "10",
        ],
    );
    assert!(armed.status.success());
    let out = run(&emu, &["setup-intents", "charge", &si]);
    let state = emu.json(&["setup-intents", "get", &si]);
    assert_eq!(state["status"], "Completed", "the charge was made");
    assert_eq!(
        out.status.code(),
        Some(0),
        "charged, yet: stdout {} stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
