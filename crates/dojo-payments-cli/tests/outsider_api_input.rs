//! An outside tester's attacks on `dojo api`'s body and header input:
//! every bad `--data`/`-f`/`-H` is a usage error (2) naming what to fix,
//! and nothing reaches the api host.
//!
//! cargo test -p dojo-payments-cli --test outsider_api_input

mod support;

use std::io::Write;
use std::process::Stdio;

fn requests(emu: &support::Running) -> usize {
    emu.json(&["emulator", "requests"])["requests"]
        .as_array()
        .expect("requests")
        .len()
}

#[test]
fn bad_bodies_and_headers_are_usage_errors_and_send_nothing() {
    let emu = support::emulator("out-api-input");
    let dir = support::TempDir::new("out-api-input");
    let before = requests(&emu);
    let missing = format!("@{}", dir.0.join("missing.json").display());
    let directory = format!("@{}", dir.0.display());
    for (args, stdin) in [
        (vec!["--data", missing.as_str()], None),
        (vec!["--data", directory.as_str()], None),
        (vec!["--data", "@"], None),
        (vec!["--data", "{not json"], None),
        (vec!["--data", "@-"], Some(&b"garbage{"[..])),
        (vec!["--data", "@-"], Some(&b""[..])),
        (vec!["--data", "@-"], Some(&b"\xff\xfe{}"[..])),
        (vec!["-f", "a..b=1"], None),
        (vec!["-f", "noequals"], None),
        (vec!["-f", "=1"], None),
        (vec!["--data", "{}", "-f", "a=1"], None),
        (vec!["-H", "Authorization: Basic sk_sandbox_x"], None),
        (vec!["-H", " authorization :x"], None),
        (vec!["-H", "no-colon"], None),
    ] {
        let mut all = vec!["api", "POST", "/payment-intents"];
        all.extend(args.iter().copied());
        let mut child = emu
            .process(&all)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ran");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            input.write_all(bytes).expect("write");
        }
        drop(input);
        let out = child.wait_with_output().expect("output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: data on stdout");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert_eq!(requests(&emu), before, "nothing was sent");
}
