//! The binary never echoes a key it refuses: run with refused keys (on the
//! command line, in `DOJO_EMULATOR_API_KEY`, behind a mistyped flag), its
//! stderr holds no part of the key's body; and `--help` says which keys it
//! accepts.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The secret part of every key below: no five characters of it in a row
/// may appear in what the binary prints.
const BODY: &str = "Zq9XwV7kPm3RtY2hJ8nB";

/// Runs the binary with `args` (and `env`), which must exit within 20 s.
fn run(args: &[&str], env: Option<&str>) -> Output {
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
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the binary kept running with {args:?}: it accepted the key");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

fn assert_refused_without_echo(args: &[&str], env: Option<&str>) -> String {
    let output = run(args, env);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "{args:?} was accepted: {stdout}");
    assert!(!stderr.trim().is_empty(), "{args:?}: no reason given");
    let chars: Vec<char> = BODY.chars().collect();
    for window in chars.windows(5) {
        let part: String = window.iter().collect();
        assert!(
            !stderr.contains(&part) && !stdout.contains(&part),
            "{args:?} echoed {part:?}: {stderr}"
        );
    }
    stderr
}

#[test]
fn refused_keys_are_never_echoed() {
    let prod = format!("sk_prod_{BODY}");
    let long = format!("sk_sandbox_{BODY}{}", "x".repeat(300));
    let spaced = format!("sk_sandbox_{BODY} tail");
    let unprefixed = format!("pk_{BODY}");
    for key in [&prod, &long, &spaced, &unprefixed] {
        let at = format!("x={key}");
        let stderr = assert_refused_without_echo(&["--location", &at], None);
        assert!(stderr.contains("--location"), "{stderr}");
        assert_refused_without_echo(&[&format!("--location=cafe={key}")], None);
        assert_refused_without_echo(&["--api-key", key], None);
        let stderr = assert_refused_without_echo(&[], Some(key));
        assert!(stderr.contains("--api-key"), "{stderr}");
    }
    // A name that is not one, with a key after it.
    assert_refused_without_echo(&["--location", &format!("bad name={prod}")], None);
    // clap's own errors quote what they refuse: a mistyped flag.
    assert_refused_without_echo(&[&format!("--locaton=x=sk_sandbox_{BODY}")], None);
    assert_refused_without_echo(&["--locaton", &format!("x=sk_sandbox_{BODY}")], None);
    assert_refused_without_echo(&[&format!("--api-kye=sk_sandbox_{BODY}")], None);
    assert_refused_without_echo(&[&format!("sk_sandbox_{BODY}")], None);
    assert_refused_without_echo(
        &[
            "--api-key",
            &format!("sk_sandbox_{BODY}"),
            "--api-key",
            "sk_sandbox_other",
        ],
        None,
    );
}

#[test]
fn a_prefix_alone_is_no_key() {
    let stderr = assert_refused_without_echo(&["--api-key", "sk_sandbox_"], None);
    assert!(stderr.contains("after"), "{stderr}");
    assert_refused_without_echo(&["--location", "soho=sk_sandbox_"], None);
    assert_refused_without_echo(&[], Some("sk_sandbox_"));
}

#[test]
fn help_says_which_keys_are_accepted() {
    let output = run(&["--help"], None);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for truth in [
        "only it and the locations' keys are accepted",
        "any sk_sandbox_ key is accepted (each its own account) until a location is named",
        "only the named keys and the default key",
        "at most 256",
    ] {
        assert!(help.contains(truth), "--help lost {truth:?}: {help}");
    }
    assert!(!help.contains("only named keys are accepted"), "{help}");
}
