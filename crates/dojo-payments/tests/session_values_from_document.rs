//! Every terminal-session status and every notification event that Dojo's
//! document names is reached, and seen by a till through the SDK.
//!
//! The lists are not written here: they are read from the document the
//! generated code came from (`spec/dojo.lock`: its version and sha256; the
//! file under `$DOJO_SPEC_DIR`, by default `../shared/spec`, as
//! `xtask::spec_dir` finds it). Statuses are `TerminalSessionStatus`'s
//! `enum`; notification types are listed only in the prose of
//! `TerminalSessionNotificationType`'s description (`(Approved, Declined,
//! …)`), read the way the generator's `enums_listed_in_prose` rule reads
//! them. Both are found by following the `$ref`s of `TerminalSession`, so
//! a schema renamed or a value added in a new document is seen.
//!
//! The emulated terminal is then driven, from Rust (`Emulator::terminal`)
//! and over its control API (`/_emulator/terminals/…`), through the
//! sessions a counter meets: chip and PIN, a tap, card problems and a
//! decline, a signature accepted, rejected and left unanswered for 80 s, a
//! cancel, a customer walking away, a terminal offline. Each session is
//! watched as a till watches it (`TerminalSession::updates`, the SDK's
//! polling stream) and read once more at the end (`Counter::session`,
//! whose `statusEvents` and `notificationEvents` are its whole history).
//! The test fails naming every documented value no session reached, every
//! value reached that the document does not name, and every entry of
//! [`NOT_REACHABLE`] that is reached after all or is no longer documented.
//!
//! It also holds the decision on the document's contradiction (the
//! `TerminalSessionStatus` description calls `Captured` the final status
//! of a successful session; the `PUT …/signature` example shows `Captured`
//! followed by `SignatureVerificationAccepted`): the prose wins. An
//! accepted signature is `SignatureVerificationAccepted`, then `Captured`
//! (or `Authorized`), last and final; the SDK reads
//! `SignatureVerificationAccepted` as still in progress.
//!
//! `cargo test -p dojo-payments --test session_values_from_document -- --nocapture`
//! prints which session reached each value first.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{gbp, good_card, quick_retries};
use dojo_payments::Dojo;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus, TerminalSessionStatus as S};
use dojo_payments::counter::{
    Canceling, Counter, Outcome, SessionUpdate, TerminalSession, WaitPolicy,
};
use dojo_payments::counter::{Finished, InProgress};
use dojo_payments::lifecycle::payment_intent::{Created, PaymentIntent};
use dojo_payments::types::{Open, TerminalId};
use dojo_payments_emulator::{Emulator, Presentation};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Documented values no documented cause leads to, so no emulated
/// terminal can reach them honestly: `(value, because …)`. Empty: every
/// status and notification the document names has a described cause (its
/// prose, its examples or Dojo's in-person guides), and the emulator
/// produces each. A value the document adds later fails the test until it
/// is reached, or listed here with its reason.
const NOT_REACHABLE: &[(&str, &str)] = &[];

/// Reads every 20 ms at first: the emulator answers at once.
fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(10))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

/// The emulator's terminal that moves only when told.
fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

// ---------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------

/// `spec/dojo.lock`'s `[api]` table: the document's version and sha256.
fn locked_api() -> (String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(root.join("spec/dojo.lock")).expect("spec/dojo.lock reads");
    let mut in_api = false;
    let (mut version, mut sha256) = (None, None);
    for line in lock.lines().map(str::trim) {
        if line.starts_with('[') {
            in_api = line == "[api]";
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "version" if in_api => version = Some(value),
            "sha256" if in_api => sha256 = Some(value),
            _ => {}
        }
    }
    (
        version.expect("the lock's [api] has a version"),
        sha256.expect("the lock's [api] has a sha256"),
    )
}

/// The folder of Dojo's documents, as `xtask::spec_dir::dir` finds it.
fn spec_dir() -> PathBuf {
    match std::env::var_os("DOJO_SPEC_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec"),
    }
}

/// The locked document, checked against the lock's sha256: the lists come
/// from the very document the generated code came from.
fn locked_document() -> Value {
    let (version, sha256) = locked_api();
    let path = spec_dir().join(format!("dojo-api/{version}.bundled.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "Dojo's OpenAPI document is not at {} ({e}): put the folder with \
             dojo-api/*.bundled.json there, point DOJO_SPEC_DIR at it, or run \
             `cargo xtask fetch-spec`",
            path.display()
        )
    });
    let digest = format!("{:x}", Sha256::digest(&bytes));
    assert_eq!(
        digest,
        sha256,
        "{} is not the document spec/dojo.lock records",
        path.display()
    );
    serde_json::from_slice(&bytes).expect("the document is JSON")
}

/// The schema `#/components/schemas/…` that `schema` refers to (directly,
/// or as the one member of a `oneOf`/`allOf`, as Dojo writes a described
/// reference).
fn referred<'d>(doc: &'d Value, schema: &Value) -> (&'d Value, String) {
    let reference = schema
        .get("$ref")
        .or_else(|| {
            ["oneOf", "allOf", "anyOf"]
                .iter()
                .filter_map(|k| schema.get(*k)?.as_array())
                .find_map(|members| members.first()?.get("$ref"))
        })
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("not a reference: {schema}"));
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("not a component schema: {reference}"));
    let target = doc
        .pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("{reference} is not in the document"));
    (target, name.to_owned())
}

/// The identifiers of a description's closing `(A, B, C)`: how Dojo lists
/// a string's values in prose (the generator's `enums_listed_in_prose`).
fn listed_in_prose(description: &str) -> Option<Vec<String>> {
    let inner = description.trim_end().strip_suffix(')')?;
    let list = &inner[inner.rfind('(')? + 1..];
    let values: Vec<String> = list.split(',').map(|v| v.trim().to_owned()).collect();
    let identifiers = values.iter().all(|v| {
        v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && v.chars().all(|c| c.is_ascii_alphanumeric())
    });
    (values.len() >= 2 && identifiers).then_some(values)
}

/// A string schema's values: its `enum`, else the list in its prose.
fn values_of(schema: &Value, name: &str) -> BTreeSet<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| v.as_str().expect("string values").to_owned())
            .collect();
    }
    let description = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    listed_in_prose(description)
        .unwrap_or_else(|| panic!("{name} lists no values, in an enum or in prose"))
        .into_iter()
        .collect()
}

/// What the document says a session's statuses and notification types
/// are, following `TerminalSession`'s `status`, `statusEvents[].status`
/// and `notificationEvents[].notificationType`.
struct Documented {
    statuses: BTreeSet<String>,
    notifications: BTreeSet<String>,
}

fn documented(doc: &Value) -> Documented {
    let session = doc
        .pointer("/components/schemas/TerminalSession/properties")
        .expect("the document has TerminalSession");
    let property = |schema: &Value, name: &str| -> Value {
        schema
            .pointer(&format!("/properties/{name}"))
            .unwrap_or_else(|| panic!("no property {name}"))
            .clone()
    };
    let (status, status_name) = referred(doc, &session["status"]);
    let mut statuses = values_of(status, &status_name);
    let (event, _) = referred(doc, &session["statusEvents"]["items"]);
    let (event_status, event_status_name) = referred(doc, &property(event, "status"));
    statuses.extend(values_of(event_status, &event_status_name));
    let (notice, _) = referred(doc, &session["notificationEvents"]["items"]);
    let (kind, kind_name) = referred(doc, &property(notice, "notificationType"));
    Documented {
        statuses,
        notifications: values_of(kind, &kind_name),
    }
}

// ---------------------------------------------------------------------
// Sessions at the counter
// ---------------------------------------------------------------------

/// What was seen, each value with the first session that reached it.
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<String, &'static str>,
    notifications: BTreeMap<String, &'static str>,
}

impl Seen {
    fn update(&mut self, scene: &'static str, update: &SessionUpdate) {
        match update {
            SessionUpdate::Status { status, .. } => {
                self.statuses.entry(status.to_string()).or_insert(scene);
            }
            SessionUpdate::Notification { notification, .. } => {
                self.notifications
                    .entry(notification.to_string())
                    .or_insert(scene);
            }
            other => panic!("an update this test does not know: {other:?}"),
        }
    }

    /// The session's whole history, as a read gives it.
    fn read(&mut self, scene: &'static str, outcome: &Outcome) {
        let data = outcome.data();
        for event in &data.status_events {
            self.statuses
                .entry(event.status.to_string())
                .or_insert(scene);
        }
        for event in &data.notification_events {
            self.notifications
                .entry(event.notification_type.to_string())
                .or_insert(scene);
        }
    }
}

struct Counterside {
    emulator: Emulator,
    dojo: Dojo,
    counter: Counter,
    http: reqwest::Client,
    seen: Seen,
}

impl Counterside {
    async fn new() -> Self {
        // A clock that moves only when told: the 80 s and the 10 s are
        // passed, not waited for.
        let emulator = Emulator::builder()
            .seed(34)
            .manual_clock(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap())
            .start()
            .await
            .expect("the emulator starts");
        let dojo = common::client_of(&emulator, quick_retries());
        Self {
            counter: Counter::new(dojo.clone(), "my-epos").reseller("my-reseller"),
            dojo,
            emulator,
            http: dojo_payments::raw::http_client_with(Duration::from_secs(5), None)
                .expect("an HTTP client"),
            seen: Seen::default(),
        }
    }

    async fn intent(&self, minor: i64, mode: CaptureMode) -> PaymentIntent<Created> {
        self.dojo
            .payment_intents()
            .create(gbp(minor), "Counter")
            .capture_mode(mode)
            .created()
            .await
            .expect("created")
    }

    async fn sale(&self, minor: i64, mode: CaptureMode) -> TerminalSession<InProgress> {
        let intent = self.intent(minor, mode).await;
        self.counter
            .sale(&manual(), &intent)
            .await
            .expect("a sale starts")
    }

    /// `POST /_emulator/terminals/{id}/{action}` with `body`, as a test in
    /// any language drives the terminal.
    async fn control(&self, action: &str, body: Value) -> Value {
        let url = format!(
            "{}/_emulator/terminals/{}/{action}",
            self.emulator.api_url(),
            manual()
        );
        let answer = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("the control API answers");
        assert!(
            answer.status().is_success(),
            "{action}: {}",
            answer.status()
        );
        answer.json().await.unwrap_or(Value::Null)
    }

    /// Watches `session` as a till does until the stream ends (finished,
    /// or waiting for the operator), then reads it: the outcome.
    async fn watch(
        &mut self,
        scene: &'static str,
        session: &TerminalSession<InProgress>,
    ) -> Outcome {
        let mut updates = Box::pin(session.updates(quick()));
        while let Some(update) = updates.next().await {
            self.seen.update(scene, &update.expect("an update"));
        }
        let outcome = self.counter.session(session.id()).await.expect("read");
        self.seen.read(scene, &outcome);
        outcome
    }

    fn advance(&self, seconds: i64) {
        self.emulator
            .advance_clock(chrono::Duration::seconds(seconds))
            .expect("the clock moves");
    }

    async fn intent_status(
        &self,
        session: &TerminalSession<Finished>,
    ) -> Open<PaymentIntentStatus> {
        let id = session.payment_intent_id().expect("a sale's intent");
        let intent = self.dojo.payment_intents().get(id).await.expect("read");
        intent.status.expect("a status")
    }
}

fn statuses_of(outcome: &Outcome) -> Vec<String> {
    outcome
        .data()
        .status_events
        .iter()
        .map(|e| e.status.to_string())
        .collect()
}

fn notices_of(outcome: &Outcome) -> Vec<String> {
    outcome
        .data()
        .notification_events
        .iter()
        .map(|e| e.notification_type.to_string())
        .collect()
}

/// Chip and PIN, approved, an `Auto` intent: `Captured`.
async fn chip_and_pin(c: &mut Counterside) {
    let scene = "chip and PIN";
    let session = c.sale(1250, CaptureMode::Auto).await;
    c.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .expect("presented");
    let outcome = c.watch(scene, &session).await;
    assert!(matches!(outcome, Outcome::Captured(_)), "{outcome:?}");
    assert_eq!(
        notices_of(&outcome),
        [
            "PresentCard",
            "PleaseWait",
            "EnterPin",
            "PleaseWait",
            "RemoveCard",
            "Approved"
        ]
    );
}

/// Tapped, a `Manual` intent: `Authorized`, to capture through the intent.
async fn tapped_manual(c: &mut Counterside) {
    let scene = "contactless, Manual intent";
    let session = c.sale(900, CaptureMode::Manual).await;
    c.emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Contactless)
        .expect("tapped");
    let outcome = c.watch(scene, &session).await;
    let Outcome::Authorized(done) = outcome else {
        panic!("expected Authorized, got {outcome:?}");
    };
    assert_eq!(
        c.intent_status(&done).await,
        Open::Known(PaymentIntentStatus::Authorized)
    );
}

/// Over the control API: a card the terminal cannot read, one it does not
/// take, two cards at once, then a declined card tapped over the
/// contactless limit and inserted: `Declined`.
async fn card_problems_then_declined(c: &mut Counterside) {
    let scene = "card problems, then declined (control API)";
    let session = c.sale(3000, CaptureMode::Auto).await;
    for problem in ["CardError", "CardUnsupported", "PresentOnlyOneCard"] {
        c.control("card-problem", json!({ "problem": problem }))
            .await;
    }
    let answer = c
        .control(
            "present-card",
            json!({
                "cardNumber": dojo_payments_emulator::cards::DECLINED_VISA,
                "method": "contactless-over-limit",
            }),
        )
        .await;
    assert_eq!(answer, json!({"outcome": "declined"}));
    let outcome = c.watch(scene, &session).await;
    assert!(matches!(outcome, Outcome::Declined(_)), "{outcome:?}");
    assert_eq!(
        notices_of(&outcome),
        [
            "PresentCard",
            "CardError",
            "ReEnterCard",
            "CardUnsupported",
            "PresentCard",
            "PresentOnlyOneCard",
            "PleaseWait",
            "InsertCard",
            "PleaseWait",
            "EnterPin",
            "PleaseWait",
            "RemoveCard",
            "Declined"
        ]
    );
}

/// Swiped: the operator checks the signature and accepts it. The decision
/// on the document's contradiction: `SignatureVerificationAccepted`, then
/// `Captured`, last and final; never `Captured` first.
async fn signature_accepted(c: &mut Counterside) {
    let scene = "swiped, signature accepted";
    let session = c.sale(4000, CaptureMode::Auto).await;
    c.emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    let outcome = c.watch(scene, &session).await;
    let Outcome::SignatureRequired(check) = outcome else {
        panic!("expected a signature check, got {outcome:?}");
    };
    assert_eq!(
        check.respond_by(),
        Some(c.emulator.now() + chrono::Duration::seconds(80)),
        "the operator's 80 s"
    );
    let accepted = check.accept().await.expect("accepted");
    assert_eq!(
        accepted.status(),
        &Open::Known(S::SignatureVerificationAccepted),
        "the PUT answers SignatureVerificationAccepted"
    );
    // Read at once, it is still in progress to the SDK (not paid yet).
    let now = c.counter.session(accepted.id()).await.expect("read");
    assert!(matches!(now, Outcome::InProgress(_)), "{now:?}");
    assert!(!now.is_final());
    c.advance(1);
    let outcome = c.watch(scene, &accepted).await;
    assert!(matches!(outcome, Outcome::Captured(_)), "{outcome:?}");
    let expected = [
        "InitiateRequested",
        "Initiated",
        "SignatureVerificationRequired",
        "SignatureVerificationAccepted",
        "Captured",
    ];
    assert_eq!(statuses_of(&outcome), expected);
    // Final: nothing follows Captured, however long one waits.
    c.advance(300);
    let later = c.counter.session(accepted.id()).await.expect("read");
    assert_eq!(statuses_of(&later), expected, "Captured stays last");
    assert!(matches!(later, Outcome::Captured(_)));
}

/// Swiped, the signature rejected: final, the payment reversed.
async fn signature_rejected(c: &mut Counterside) {
    let scene = "swiped, signature rejected";
    let session = c.sale(4100, CaptureMode::Manual).await;
    c.emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    let Outcome::SignatureRequired(check) = c.watch(scene, &session).await else {
        panic!("expected a signature check");
    };
    let rejected = check.reject().await.expect("rejected");
    assert_eq!(
        rejected.status(),
        &Open::Known(S::SignatureVerificationRejected)
    );
    assert_eq!(
        c.intent_status(&rejected).await,
        Open::Known(PaymentIntentStatus::Reversed)
    );
    let outcome = c.counter.session(rejected.id()).await.expect("read");
    c.seen.read(scene, &outcome);
    assert!(matches!(outcome, Outcome::SignatureRejected(_)));
}

/// Swiped, nobody answers for 80 s: Dojo accepts the signature.
async fn signature_unanswered(c: &mut Counterside) {
    let scene = "swiped, unanswered for 80 s";
    let session = c.sale(4200, CaptureMode::Auto).await;
    c.emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    assert!(matches!(
        c.watch(scene, &session).await,
        Outcome::SignatureRequired(_)
    ));
    c.advance(81);
    let outcome = c.counter.session(session.id()).await.expect("read");
    c.seen.read(scene, &outcome);
    assert!(matches!(outcome, Outcome::Captured(_)), "{outcome:?}");
    let statuses = statuses_of(&outcome);
    assert_eq!(
        statuses[statuses.len() - 2..],
        ["SignatureVerificationAccepted", "Captured"]
    );
}

/// Canceled before a card: `CancelRequested`, then `Canceled`.
async fn canceled(c: &mut Counterside) {
    let scene = "canceled before a card";
    let session = c.sale(500, CaptureMode::Auto).await;
    let Canceling::Requested(canceling) = session.cancel().await.expect("asked") else {
        panic!("no card was presented");
    };
    assert_eq!(canceling.status(), &Open::Known(S::CancelRequested));
    c.advance(1);
    let outcome = c.watch(scene, &canceling).await;
    assert!(matches!(outcome, Outcome::Canceled(_)), "{outcome:?}");
}

/// The customer walks away from the terminal: `Expired`.
async fn walked_away(c: &mut Counterside) {
    let scene = "customer walked away";
    let session = c.sale(600, CaptureMode::Auto).await;
    c.control("walk-away", json!({})).await;
    let outcome = c.watch(scene, &session).await;
    assert!(matches!(outcome, Outcome::Expired(_)), "{outcome:?}");
    assert_eq!(
        statuses_of(&outcome),
        ["InitiateRequested", "Initiated", "Expired"]
    );
}

/// The terminal is offline: nobody picks the session up, and it expires
/// 10 s on.
async fn terminal_offline(c: &mut Counterside) {
    let scene = "terminal offline";
    let session = c.sale(700, CaptureMode::Auto).await;
    c.control("offline", json!({})).await;
    c.advance(11);
    let outcome = c.watch(scene, &session).await;
    assert!(matches!(outcome, Outcome::Expired(_)), "{outcome:?}");
    assert_eq!(statuses_of(&outcome), ["InitiateRequested", "Expired"]);
    c.control("online", json!({})).await;
}

/// `missing` and `surplus` as one line each, or nothing.
fn differences(
    kind: &str,
    documented: &BTreeSet<String>,
    seen: &BTreeMap<String, &'static str>,
) -> Vec<String> {
    let unreachable: BTreeMap<&str, &str> = NOT_REACHABLE.iter().copied().collect();
    let mut problems = Vec::new();
    for value in documented {
        let reached = seen.contains_key(value);
        match (reached, unreachable.get(value.as_str())) {
            (false, None) => problems.push(format!(
                "{kind} {value}: documented, reached by no session (reach it, or list it in \
                 NOT_REACHABLE with the reason)"
            )),
            (true, Some(_)) => problems.push(format!(
                "{kind} {value}: listed as not reachable, and reached"
            )),
            _ => {}
        }
    }
    for (value, scene) in seen {
        if !documented.contains(value) {
            problems.push(format!(
                "{kind} {value}: reached ({scene}), not in the document"
            ));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_status_and_notification_is_reached_and_seen_by_the_till() {
    let doc = locked_document();
    let documented = documented(&doc);
    // The document has the lists this test is about (a regen that lost
    // them would otherwise pass with nothing to reach).
    assert!(documented.statuses.len() >= 11, "{:?}", documented.statuses);
    assert!(
        documented.notifications.len() >= 11,
        "{:?}",
        documented.notifications
    );
    for (value, _) in NOT_REACHABLE {
        assert!(
            documented.statuses.contains(*value) || documented.notifications.contains(*value),
            "NOT_REACHABLE lists {value}, which the document no longer names"
        );
    }

    let started = std::time::Instant::now();
    let mut c = Counterside::new().await;
    chip_and_pin(&mut c).await;
    tapped_manual(&mut c).await;
    card_problems_then_declined(&mut c).await;
    signature_accepted(&mut c).await;
    signature_rejected(&mut c).await;
    signature_unanswered(&mut c).await;
    canceled(&mut c).await;
    walked_away(&mut c).await;
    terminal_offline(&mut c).await;
    let elapsed = started.elapsed();

    println!("| value | kind | first reached by |\n| --- | --- | --- |");
    for (kind, seen) in [
        ("status", &c.seen.statuses),
        ("notification", &c.seen.notifications),
    ] {
        for (value, scene) in seen {
            println!("| {value} | {kind} | {scene} |");
        }
    }
    println!("\n9 sessions in {:.1} s", elapsed.as_secs_f64());

    let mut problems = differences("status", &documented.statuses, &c.seen.statuses);
    problems.extend(differences(
        "notification",
        &documented.notifications,
        &c.seen.notifications,
    ));
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The contradiction the decision answers is the document's own: its
/// prose calls `Captured` final, its `PUT …/signature` example puts
/// `SignatureVerificationAccepted` after `Captured`. Should a new document
/// agree with itself, this fails, and the decision (the counter module's
/// docs, the emulator's README) is to be looked at again.
#[test]
fn the_document_contradicts_itself_as_the_decision_says() {
    let doc = locked_document();
    let prose = doc
        .pointer("/components/schemas/TerminalSessionStatus/description")
        .and_then(Value::as_str)
        .expect("TerminalSessionStatus is described");
    assert!(
        prose.contains("A finalized, successful session will be `Captured`"),
        "{prose}"
    );
    let example = doc
        .pointer(
            "/paths/~1terminal-sessions~1{terminalSessionId}~1signature/put/responses/200/content/application~1json/example/statusEvents",
        )
        .and_then(Value::as_array)
        .expect("the signature answer's example has statusEvents");
    let order: Vec<&str> = example
        .iter()
        .filter_map(|e| e.get("status")?.as_str())
        .collect();
    let captured = order.iter().position(|s| *s == "Captured");
    let accepted = order
        .iter()
        .position(|s| *s == "SignatureVerificationAccepted");
    assert!(
        matches!((captured, accepted), (Some(c), Some(a)) if c < a),
        "the example's order: {order:?}"
    );
    assert!(
        !order.contains(&"SignatureVerificationRequired"),
        "the example has no SignatureVerificationRequired: {order:?}"
    );
}

#[test]
fn prose_lists_are_read_as_the_generator_reads_them() {
    assert_eq!(
        listed_in_prose("Terminal notifications.\n(Approved, Declined, InsertCard)"),
        Some(vec![
            "Approved".into(),
            "Declined".into(),
            "InsertCard".into()
        ])
    );
    assert_eq!(listed_in_prose("An amount (in minor units)"), None);
    assert_eq!(listed_in_prose("One (Only)"), None);
    assert_eq!(listed_in_prose("(A, B) then more"), None);
}

/// A value a new document adds fails the test by name until a session
/// reaches it; a value reached that no document names fails too.
#[test]
fn a_value_added_or_unknown_is_named() {
    let documented: BTreeSet<String> = ["Captured", "PrintingReceipt"].map(str::to_owned).into();
    let seen: BTreeMap<String, &'static str> = [
        ("Captured".to_owned(), "chip and PIN"),
        ("Refunding".to_owned(), "chip and PIN"),
    ]
    .into();
    let problems = differences("status", &documented, &seen);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("status PrintingReceipt: documented, reached by no session"));
    assert!(
        problems[1].starts_with("status Refunding: reached (chip and PIN), not in the document")
    );
}

/// The SDK's side of the decision when Dojo keeps the example's order: a
/// session left `SignatureVerificationAccepted` after `Captured` (the
/// document's `PUT …/signature` example) is over, read as `Captured`, and
/// waiting on it ends at once, not at the deadline. Served by a stand-in
/// for Dojo answering the example itself; the same session with the
/// `Captured` event taken out is still in progress.
#[tokio::test]
async fn a_session_answered_in_the_examples_order_is_paid() {
    let doc = locked_document();
    let example = doc
        .pointer(
            "/paths/~1terminal-sessions~1{terminalSessionId}~1signature/put/responses/200/content/application~1json/example",
        )
        .expect("the signature answer has an example")
        .clone();
    let (counter, id) = serve(example.clone()).await;

    let read = counter.session(&id).await.expect("read");
    assert_eq!(
        read.status(),
        &Open::Known(S::SignatureVerificationAccepted),
        "the status is kept as Dojo answered it"
    );
    assert!(read.is_final(), "paid, then the signature accepted: over");
    assert!(
        matches!(read, Outcome::Captured(_)),
        "read as the payment status before the acceptance: {read:?}"
    );

    // Without the `Captured` before it, the acceptance is in progress:
    // waiting on it ends at the deadline, never claimed paid.
    let mut unpaid = example.clone();
    unpaid["statusEvents"]
        .as_array_mut()
        .expect("statusEvents")
        .retain(|event| event["status"] != "Captured" && event["status"] != "Authorized");
    let (counter, id) = serve(unpaid).await;
    let read = counter.session(&id).await.expect("read");
    let Outcome::InProgress(session) = read else {
        panic!("expected InProgress, got {read:?}");
    };
    let waited = session
        .outcome(
            WaitPolicy::within(Duration::from_millis(300))
                .polling(Duration::from_millis(20), Duration::from_millis(50)),
        )
        .await
        .expect("read");
    assert!(
        matches!(waited, Outcome::InProgress(_)),
        "at the deadline: {waited:?}"
    );
}

/// A stand-in for Dojo answering every read of a session with `session`:
/// a counter on it, and the session's id.
async fn serve(session: Value) -> (Counter, dojo_payments::types::TerminalSessionId) {
    let id = dojo_payments::types::TerminalSessionId::from_wire(
        session["id"].as_str().expect("the session has an id"),
    );
    let app = axum::Router::new().route(
        "/terminal-sessions/{id}",
        axum::routing::get(move || {
            let session = session.clone();
            async move { axum::Json(session) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let key = dojo_payments::types::ApiKey::new("sk_sandbox_test_0123456789").expect("a key");
    let dojo = Dojo::builder(key)
        .api_url(&url)
        .retry_policy(quick_retries())
        .build()
        .expect("a client");
    (Counter::new(dojo, "my-epos"), id)
}
