//! An outsider's odd keys on the emulator binary's command line and
//! environment: each is refused (or accepted) without any part of the
//! key's body on stdout or stderr.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BODY: &str = "SECRETBODY123456";

/// Runs the binary with `args` and `env`: its output, once it exits, or
/// after `for_` (killed: it started).
fn run(args: &[&str], env: Option<&str>, for_: Duration) -> (Output, bool) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dojo-payments-emulator"));
    command
        .args(args)
        .args(["--api-port", "0", "--pci-port", "0"])
        .env_remove("DOJO_EMULATOR_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = env {
        command.env("DOJO_EMULATOR_API_KEY", key);
    }
    let mut child = command.spawn().expect("the binary starts");
    let started = Instant::now();
    let mut killed = false;
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > for_ {
            let _ = child.kill();
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().expect("its output"), killed)
}

fn no_body(output: &Output, what: &str) {
    for text in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(text);
        for window in BODY.as_bytes().windows(6) {
            let part = std::str::from_utf8(window).unwrap();
            assert!(!text.contains(part), "{what}: {part} in {text}");
        }
    }
}

#[test]
fn odd_keys_are_refused_without_echo() {
    let long = format!("sk_sandbox_{BODY}{}", "A".repeat(100_000));
    let cases: Vec<Vec<String>> = vec![
        vec!["--api-key".into(), format!("SK_SANDBOX_{BODY}")],
        vec!["--api-key".into(), format!("pk_sandbox_{BODY}")],
        vec!["--api-key".into(), format!("sk_prod_{BODY}")],
        vec!["--api-key".into(), format!("sk_sandbox_{BODY}\u{1b}[31m")],
        vec!["--api-key".into(), long.clone()],
        vec!["--location".into(), format!("soho={long}")],
        vec!["--location".into(), format!("soho=sk_prod_{BODY}")],
        vec!["--location".into(), format!("so ho=sk_sandbox_{BODY}")],
        vec!["--location".into(), format!("sk_sandbox_{BODY}")],
        vec!["--location=soho=sk_sandbox_".into()],
        vec![
            "--api-key".into(),
            format!("sk_sandbox_{BODY}"),
            "--bogus".into(),
        ],
        vec!["--apikey".into(), format!("sk_sandbox_{BODY}")],
        vec!["--api-port".into(), format!("sk_sandbox_{BODY}")],
        vec!["--terminal".into(), format!("sk_sandbox_{BODY}")],
        vec!["--terminal".into(), format!("x=tm_1:sk_sandbox_{BODY}")],
        // One key at two locations.
        vec![
            "--location".into(),
            format!("soho=sk_sandbox_{BODY}"),
            "--location".into(),
            format!("camden=sk_sandbox_{BODY}"),
        ],
        vec![
            "--location".into(),
            format!("soho=sk_sandbox_{BODY}"),
            "--api-key".into(),
            format!("sk_sandbox_{BODY}"),
        ],
    ];
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (output, killed) = run(&args, None, Duration::from_secs(20));
        assert!(!killed, "accepted: {:?}", &args[..1]);
        assert!(!output.status.success());
        no_body(&output, args[0]);
    }
    for env in [
        format!("pk_sandbox_{BODY}"),
        format!("sk_prod_{BODY}"),
        "sk_sandbox_".to_owned(),
        long,
    ] {
        let (output, killed) = run(&[], Some(&env), Duration::from_secs(20));
        assert!(!killed && !output.status.success());
        no_body(&output, "env");
    }
    // A good key in the environment, and a clap error elsewhere.
    let (output, _) = run(
        &["--api-port", "nope"],
        Some(&format!("sk_sandbox_{BODY}")),
        Duration::from_secs(20),
    );
    assert!(!output.status.success());
    no_body(&output, "env with a bad flag");
}

#[test]
fn an_accepted_key_is_not_shown_in_the_banner() {
    let (output, killed) = run(
        &[
            "--api-key",
            &format!("sk_sandbox_{BODY}"),
            "--location",
            &format!("soho=sk_sandbox_{BODY}x"),
        ],
        None,
        Duration::from_secs(3),
    );
    assert!(killed, "it should have been running");
    no_body(&output, "banner");
}

/// A key given where the name goes (`--location KEY=NAME`, swapped) is
/// refused without being quoted. (It broke: a key is a valid name, and the
/// refusal of the right-hand side quoted it.)
#[test]
fn a_key_given_where_the_name_goes_is_not_echoed() {
    let (output, killed) = run(
        &["--location", &format!("sk_sandbox_{BODY}=soho")],
        None,
        Duration::from_secs(20),
    );
    assert!(!killed && !output.status.success());
    no_body(&output, "--location KEY=NAME");
}
