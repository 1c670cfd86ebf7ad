//! An outside tester's attacks on `dojo listen`'s receiver, straight at
//! its port: unsigned, mis-signed, malformed and huge deliveries are
//! refused and never forwarded; a delivery signed with its secret is
//! forwarded once, and the same delivery replayed is not forwarded again;
//! listen keeps running through all of it.
//!
//! cargo test -p dojo-payments-cli --test outsider_listen_receiver

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::Running;

/// A tiny HTTP endpoint: records each POST's request target (path and
/// query, as sent) and event id, answers 200.
/// Each POST seen: its request target and event id.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

fn endpoint() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let record = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            record.lock().expect("lock").push((target, id));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (port, got)
}

/// `dojo --json listen ARGS` once ready: the child, its receiver's URL,
/// the signing secret it printed, and its stdout lines.
fn listen(emu: &Running, args: &[&str]) -> (Child, String, String, Arc<Mutex<Vec<String>>>) {
    let mut all = vec!["--json", "listen"];
    all.extend_from_slice(args);
    let mut child = emu
        .process(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut receiver = String::new();
    let mut secret = String::new();
    let mut line = String::new();
    while secret.is_empty() {
        line.clear();
        assert!(
            err.read_line(&mut line).expect("stderr") > 0,
            "listen ended"
        );
        if let Some((_, url)) = line.trim().split_once(" delivers to ") {
            receiver = url.to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix("Your webhook signing secret is ") {
            secret = rest.split(' ').next().unwrap_or_default().to_owned();
        }
    }
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
    });
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            sink.lock().expect("lock").push(line);
        }
    });
    (child, receiver, secret, lines)
}

fn interrupt(child: &mut Child) {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("listen did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn post(url: &str, signature: Option<&str>, body: Vec<u8>) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut request = dojo_payments_api::http_client()
            .expect("client")
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("dojo-signature", signature);
        }
        match request.send().await {
            Ok(answer) => answer.status().as_u16(),
            Err(_) => 0,
        }
    })
}

#[test]
fn listen_refuses_what_is_not_signed_and_forwards_a_replay_once() {
    let emu = support::emulator("out-listen-receiver");
    let (port, got) = endpoint();
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (mut child, receiver, secret, _lines) = listen(&emu, &["--forward-to", &url]);
    assert!(receiver.starts_with("http://127.0.0.1:"), "{receiver}");
    let secret = dojo_payments_types::WebhookSecret::new(secret).expect("secret");
    let event = serde_json::json!({
        "id": "evt_sandbox_outsider_1",
        "event": "payment_intent.created",
        "accountId": "acc_sandbox_emulator",
        "createdAt": "2026-01-01T09:00:00.000Z",
        "data": {"paymentIntentId": "pi_sandbox_outsider", "paymentStatus": "Created", "captureMode": "Auto"},
    });
    let body = serde_json::to_vec(&event).expect("json");
    let good = dojo_payments_types::WebhookSignature::sign(&secret, &body).to_string();
    let other = dojo_payments_types::WebhookSecret::new("not-the-secret").expect("secret");
    let wrong = dojo_payments_types::WebhookSignature::sign(&other, &body).to_string();
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let huge = [
        &body[..body.len() - 1],
        b",\"pad\":\"",
        &vec![b'a'; 5_000_000][..],
        b"\"}",
    ]
    .concat();
    let huge_signed = dojo_payments_types::WebhookSignature::sign(&secret, &huge).to_string();
    let zeros = format!("sha256={}", "0".repeat(64));
    for (signature, body, what) in [
        (None, body.clone(), "unsigned"),
        (
            Some(wrong.as_str()),
            body.clone(),
            "signed with another secret",
        ),
        (Some(good.as_str()), tampered, "a byte added"),
        (Some("sha256="), body.clone(), "empty"),
        (Some(zeros.as_str()), body.clone(), "zeros"),
        (Some("garbage"), b"not json".to_vec(), "garbage"),
        (Some(huge_signed.as_str()), huge, "5 MB, signed"),
    ] {
        let status = post(&receiver, signature, body);
        assert!((400..500).contains(&status), "{what}: answered {status}");
    }
    // Still running, and a genuine delivery, twice (a redelivery), is
    // forwarded once.
    assert!(child.try_wait().expect("wait").is_none(), "listen died");
    assert_eq!(post(&receiver, Some(&good), body.clone()), 200);
    assert_eq!(post(&receiver, Some(&good), body.clone()), 200);
    let start = Instant::now();
    while got.lock().expect("lock").is_empty() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    interrupt(&mut child);
    let received = got.lock().expect("lock").clone();
    assert_eq!(
        received,
        vec![("/hooks".to_owned(), "evt_sandbox_outsider_1".to_owned())],
        "only the genuine delivery, once"
    );
}
