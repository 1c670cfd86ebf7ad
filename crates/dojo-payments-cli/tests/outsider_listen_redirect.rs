//! An outside tester's attack on `dojo listen` "showing the endpoint's
//! answer … never dropping an event": the local endpoint answers the
//! forwarded POST with a redirect (302 to /login, as an app's auth
//! middleware does). listen follows it as a GET without the body, gets
//! the login page's 200, prints `[200]` and counts the event forwarded:
//! the endpoint never took it, and it is never sent again. Fails today.
//!
//! cargo test -p dojo-payments-cli --test outsider_listen_redirect

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::Running;

/// POST → 302 Location: /login; GET → 200 (a login page). Records each
/// request line.
fn redirecting_endpoint() -> (u16, Arc<Mutex<Vec<String>>>) {
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
            record.lock().expect("lock").push(line.trim().to_owned());
            let answer: &[u8] = if line.starts_with("POST") {
                b"HTTP/1.1 302 Found\r\nlocation: /login\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            } else {
                b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nlogin"
            };
            let _ = stream.write_all(answer);
        }
    });
    (port, got)
}

fn listen(emu: &Running, args: &[&str]) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut all = vec!["--json", "listen"];
    all.extend_from_slice(args);
    let mut child = emu
        .process(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.starts_with("Ready") {
        line.clear();
        assert!(
            err.read_line(&mut line).expect("stderr") > 0,
            "listen ended"
        );
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
    (child, lines)
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

#[test]
fn a_redirect_is_not_an_accepted_event() {
    let emu = support::emulator("out-listen-redirect");
    let (port, got) = redirecting_endpoint();
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (mut child, lines) = listen(&emu, &["--forward-to", &url]);
    emu.json(&["trigger", "payment_intent.created"]);
    let start = Instant::now();
    while got.lock().expect("lock").is_empty() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(2));
    interrupt(&mut child);
    let requests = got.lock().expect("lock").clone();
    let forwarded: Vec<serde_json::Value> = lines
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "forwarded")
        .collect();
    assert!(
        forwarded.iter().all(|f| f["status"] != 200),
        "the endpoint answered every POST 302 (requests it saw: {requests:?}), yet listen \
         reported the event forwarded: {forwarded:?}"
    );
}
