//! An outside tester's attacks that found a promise of issue #36 broken,
//! and the hand notes' cases, kept as regression tests of the fixes.
//! Each test states the promise it checks. (The hints' half is in
//! outsider_breaks_hints.rs.)
//!
//! cargo test -p dojo-payments-cli --test outsider_breaks

mod support;

use std::os::unix::fs::PermissionsExt;

use support::{Running, TempDir};

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

fn refunded_minor(emu: &Running, id: &str) -> i64 {
    emu.json(&["payment-intents", "get", id])["refundedAmount"]
        .as_i64()
        .unwrap_or(0)
}

fn requests(emu: &Running) -> Vec<String> {
    emu.json(&["emulator", "requests"])["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Exit code 5 promises "nothing moved; safe to run again". `dojo api
/// POST …/refunds` answered 500 after the refund was made exits 5 (no
/// hint): a script that trusts the table runs it again and refunds twice.
/// A 5xx to a POST is an unknown outcome: exit 6.
#[test]
fn api_post_answered_5xx_after_acting_is_outcome_unknown() {
    let emu = support::emulator("out-api-5xx");
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
            "1",
        ],
    );
    assert!(armed.status.success(), "{}", text(&armed.stderr));
    let path = format!("/payment-intents/{id}/refunds");
    let out = run(
        &emu,
        &[
            "api",
            "POST",
            &path,
            "--data",
            r#"{"amount": 100, "refundReason": "outsider"}"#,
            "-H",
            "idempotencyKey:outsider-1",
        ],
    );
    let moved = refunded_minor(&emu, &id);
    assert_eq!(moved, 100, "the fault made the refund");
    assert_eq!(
        out.status.code(),
        Some(6),
        "money moved (refundedAmount {moved}) yet exit {:?} (5 = nothing moved, safe to run again); stderr: {}",
        out.status.code(),
        text(&out.stderr)
    );
}

/// A malformed `-H` (a header name with a space) is never sent: nothing
/// reaches the emulator. `dojo api POST` reports it as "the request was
/// sent … it may have taken effect", exit 6, sending the user off to
/// settle a call that never left. It is a usage error (2).
#[test]
fn api_malformed_header_is_a_usage_error_not_an_unknown_outcome() {
    let emu = support::emulator("out-api-header");
    let id = captured(&emu);
    let before = requests(&emu).len();
    let path = format!("/payment-intents/{id}/refunds");
    let out = run(
        &emu,
        &[
            "api",
            "POST",
            &path,
            "--data",
            r#"{"amount": 100, "refundReason": "outsider"}"#,
            "-H",
            "idempotency Key:outsider-2",
        ],
    );
    // `emulator requests` itself is one call, not listed before it answers.
    assert_eq!(requests(&emu).len(), before, "nothing was sent");
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing was sent, yet exit {:?}; stderr: {}",
        out.status.code(),
        text(&out.stderr)
    );
}

/// The same for a DOJO_API_URL that is not a URL: exit 6 ("the request
/// was sent to htp:/bad url and no answer came") for a call that could not
/// be made; `dojo payment-intents create` calls it configuration (3).
#[test]
fn api_post_to_an_unusable_url_is_not_an_unknown_outcome() {
    let emu = support::emulator("out-api-badurl");
    let out = emu
        .process(&["api", "POST", "/payment-intents", "--data", "{}"])
        .env("DOJO_API_URL", "htp:/bad url")
        .output()
        .expect("ran");
    assert_ne!(
        out.status.code(),
        Some(6),
        "nothing could be sent; stderr: {}",
        text(&out.stderr)
    );
}

/// "keys stored with owner-only permissions (0600, its directory 0700)":
/// the config's own directory. With DOJO_CONFIG in a directory that
/// already exists and is shared (a project dir, $HOME, /tmp), `dojo login`
/// chmods that directory to 0700, locking others out of it.
#[test]
fn login_leaves_an_existing_shared_directory_as_it_was() {
    let emu = support::emulator("out-login-dir");
    let dir = TempDir::new("out-shared");
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = dir.0.join("dojo.toml");
    let out = emu
        .process(&["login", "--api-key", "sk_sandbox_outsider_0123456789"])
        .env("DOJO_CONFIG", &config)
        .output()
        .expect("ran");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = std::fs::metadata(&config)
        .expect("written")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(file, 0o600);
    let mode = std::fs::metadata(&dir.0).expect("dir").permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o755,
        "dojo login changed an existing directory it did not create to {mode:o}"
    );
}

/// DOJO_CONFIG=config.toml (a relative path, as in a CI job's workdir):
/// `dojo login` fails, "cannot write config.toml: No such file or
/// directory" (it chmods the empty parent path "").
#[test]
fn login_with_a_relative_config_path_works() {
    let emu = support::emulator("out-login-rel");
    let dir = TempDir::new("out-rel");
    let out = emu
        .process(&["login", "--api-key", "sk_sandbox_outsider_0123456789"])
        .env("DOJO_CONFIG", "config.toml")
        .current_dir(&dir.0)
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    assert!(dir.0.join("config.toml").exists());
}

/// "checked before sending": `dojo trigger --amount 0` is refused before
/// anything is sent (must be more than zero), but `--set amount.value=0`
/// creates a zero-amount intent, and `--set amount.value=-5` is sent to
/// Dojo to be refused there.
#[test]
fn trigger_set_amount_is_held_to_the_amount_rules() {
    let emu = support::emulator("out-trigger-amount");
    let refused = run(
        &emu,
        &["trigger", "payment_intent.created", "--amount", "0"],
    );
    assert_eq!(refused.status.code(), Some(2));
    for value in ["0", "-5"] {
        let before = requests(&emu).len();
        let set = format!("amount.value={value}");
        let out = run(&emu, &["trigger", "payment_intent.created", "--set", &set]);
        let sent = requests(&emu).len() - before;
        assert!(
            !out.status.success() && sent == 0,
            "--set {set}: exit {:?}, {sent} calls sent; stdout: {} stderr: {}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

/// "errors that say what to do next": for a currency with no decimals the
/// hint says "give a decimal in JPY, e.g. 12.50", an amount it refuses.
#[test]
fn amount_hint_fits_the_currency() {
    let emu = support::emulator("out-jpy-hint");
    let out = run(
        &emu,
        &[
            "--json",
            "payment-intents",
            "create",
            "--amount",
            "1.5",
            "--currency",
            "JPY",
            "--reference",
            "r",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON error");
    let hint = error["hint"].as_str().unwrap_or_default();
    assert!(!hint.contains("12.50"), "JPY hint suggests 12.50: {hint}");
}

/// `dojo webhooks create` subscribes, and the subscription's signing
/// secret, the one thing a receiver needs to verify deliveries, is in no
/// output: the line omits it, `--json` replaces it with "…", and a second
/// create is a 409. (`dojo api GET /webhooks` prints it, but only without
/// --json: the same data differs by format.)
#[test]
fn webhooks_create_gives_the_signing_secret() {
    let emu = support::emulator("out-wh-secret");
    let created = emu.json(&[
        "webhooks",
        "create",
        "--url",
        "http://127.0.0.1:9/hooks",
        "--event",
        "payment_intent.created",
    ]);
    let value = created["secrets"][0]["value"].as_str().unwrap_or_default();
    let raw = text(&run(&emu, &["api", "GET", "/webhooks"]).stdout);
    let raw: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
    let real = raw[0]["secrets"][0]["value"].as_str().expect("the secret");
    assert_eq!(value, real, "--json webhooks create hides the secret");
}

/// Exit 4 is "refused … nothing moved", 5 "unavailable: … a 5xx";
/// `whoami`/`check` answered 503 (Dojo down, the key fine) say "refused
/// (HTTP 503)", "a key was not accepted", exit 4, and advise logging in
/// again: a CI health check would send an operator to rotate keys during
/// an outage.
#[test]
fn whoami_on_a_5xx_is_unavailable_not_a_refused_key() {
    let emu = support::emulator("out-whoami-503");
    let armed = run(
        &emu,
        &[
            "emulator",
            "fault",
            "--route",
            "GET /webhooks",
            "--status",
            "503",
            "--times",
            "10",
        ],
    );
    assert!(armed.status.success(), "{}", text(&armed.stderr));
    for command in ["whoami", "check"] {
        let out = run(&emu, &[command]);
        assert_eq!(
            (
                out.status.code(),
                text(&out.stderr).contains("log in again")
            ),
            (Some(5), false),
            "dojo {command} on a 503: stdout {} stderr {}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

/// "`dojo trigger` … against Dojo's sandbox the ones that can be caused
/// from the server side": given a production key (sk_prod_), trigger
/// sends the create (and, for status_updated, the cancel) to the api
/// host: fake "dojo trigger" intents in a live account, and their events
/// delivered to the merchant's live endpoints. Refused before sending.
#[test]
fn trigger_with_a_production_key_sends_nothing() {
    let emu = support::emulator("out-trigger-prod");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let api = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let _ =
                std::io::BufReader::new(stream.try_clone().expect("clone")).read_line(&mut line);
            record.lock().expect("lock").push(line.trim().to_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    for event in ["payment_intent.created", "payment_intent.status_updated"] {
        let out = emu
            .process(&["trigger", event])
            .env("DOJO_API_KEY", "sk_prod_outsider_0123456789abcdef")
            .env("DOJO_API_URL", &api)
            .env("DOJO_EMULATOR", "0")
            .output()
            .expect("ran");
        assert!(!out.status.success());
        let sent = seen.lock().expect("lock").clone();
        assert!(
            sent.is_empty(),
            "trigger {event} with a production key sent {sent:?}; stderr: {}",
            text(&out.stderr)
        );
    }
}

/// A config file that does not parse: the error's hint is "fix it, or
/// write it again with `dojo login --api-key KEY`", and `dojo login`
/// refuses with the same error: the advice cannot be followed.
#[test]
fn the_broken_config_hint_can_be_followed() {
    let emu = support::emulator("out-bad-config");
    std::fs::write(&emu.config, "this is [not toml\n").expect("write");
    let first = run(&emu, &["--json", "whoami"]);
    let error: serde_json::Value = serde_json::from_slice(&first.stderr).expect("JSON error");
    let hint = error["hint"].as_str().unwrap_or_default().to_owned();
    if hint.contains("dojo login") {
        let login = run(
            &emu,
            &["login", "--api-key", "sk_sandbox_outsider_0123456789"],
        );
        assert!(
            login.status.success(),
            "the hint says {hint:?}; dojo login: exit {:?} {}",
            login.status.code(),
            text(&login.stderr)
        );
    }
}

/// Headless/CI: DOJO_API_KEY (and DOJO_API_URL) name everything a
/// command needs, yet a broken config file it never needed (a stale
/// ~/.config/dojo/config.toml on a runner) fails every command, exit 3.
#[test]
fn the_environment_key_does_not_need_the_config_file() {
    let emu = support::emulator("out-env-over-config");
    std::fs::write(&emu.config, "this is [not toml\n").expect("write");
    let out = run(&emu, &["whoami"]);
    assert!(
        out.status.success(),
        "DOJO_API_KEY is set; exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
}

/// The other side of the first test: a read answered 5xx changed nothing
/// and is safe to run again: exit 5, as before.
#[test]
fn api_get_answered_5xx_stays_unavailable() {
    let emu = support::emulator("out-api-get-5xx");
    let id = captured(&emu);
    let armed = run(
        &emu,
        &[
            "emulator",
            "fault",
            "--route",
            "GET /payment-intents/{paymentIntentId}",
            "--status",
            "502",
            "--times",
            "1",
        ],
    );
    assert!(armed.status.success(), "{}", text(&armed.stderr));
    let out = run(&emu, &["api", "GET", &format!("/payment-intents/{id}")]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

/// Hand notes: `webhooks send --to` a URL that cannot be posted to sends
/// nothing: a usage error (2), not "could not deliver" (5).
#[test]
fn webhooks_send_to_an_unusable_url_is_a_usage_error() {
    let emu = support::emulator("out-wh-send-url");
    for to in ["not a url", "ftp://127.0.0.1/hooks", "http://"] {
        let out = run(
            &emu,
            &[
                "webhooks",
                "send",
                "payment_intent.created",
                "--to",
                to,
                "--secret",
                "s3cret",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "--to {to}: {}",
            text(&out.stderr)
        );
    }
}

/// Hand notes: `trigger --set metadata.order=1` (metadata's values are
/// text) is taken as the text "1", not refused as a number.
#[test]
fn trigger_set_takes_text_where_the_field_is_text() {
    let emu = support::emulator("out-trigger-meta");
    let out = emu.json(&[
        "trigger",
        "payment_intent.created",
        "--set",
        "metadata.order=1",
    ]);
    let id = out["paymentIntentId"].as_str().expect("an intent");
    let intent = emu.json(&["payment-intents", "get", id]);
    assert_eq!(intent["metadata"]["order"], "1", "{intent}");
}

/// Hand notes: `journal show` of a name not in the journal asked nothing
/// of Dojo: not exit 4 ("Dojo refused").
#[test]
fn journal_show_of_an_unknown_name_is_not_a_refusal() {
    let emu = support::emulator("out-journal-show");
    let dir = TempDir::new("out-journal-db");
    let url = format!("sqlite://{}?mode=rwc", dir.0.join("j.db").display());
    let out = run(&emu, &["journal", "show", "nope", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}
