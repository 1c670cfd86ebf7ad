//! An outside tester's attack on `dojo listen` "never dropping an event":
//! the forward target is down, listen is stopped (Ctrl-C) and started
//! again once the target is up. Fails today: listen answered the delivery
//! 200 before forwarding it, so Dojo never delivers it again, and the
//! event is lost (listen says so on stderr, and exits 0).
//!
//! cargo test -p dojo-payments-cli --test outsider_listen_drop

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::Running;

/// A tiny HTTP endpoint on `listener`: records each POST's path and event
/// id, answers 200.
fn endpoint(listener: TcpListener) -> Arc<Mutex<Vec<(String, String)>>> {
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
            let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
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
            record.lock().expect("lock").push((path, id));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    got
}

/// `dojo listen ARGS`, once it says it is ready; its stdout read into
/// lines on a thread.
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

fn interrupt(child: &mut Child) -> Option<i32> {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("listen did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_event_listen_received_while_the_target_was_down_is_not_lost() {
    let emu = support::emulator("out-listen-drop");
    // A port nothing listens on (yet).
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/hooks?site=outsider");
    let (mut first, lines) = listen(&emu, &["--forward-to", &url]);
    let triggered = emu.json(&["trigger", "payment_intent.created"]);
    let pi = triggered["paymentIntentId"]
        .as_str()
        .expect("pi")
        .to_owned();
    let event = {
        let mut id = String::new();
        wait_for("listen printed the event", || {
            let lines = lines.lock().expect("lock");
            if let Some(line) = lines.iter().find(|l| l.contains(&pi)) {
                let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
                id = v["id"].as_str().unwrap_or_default().to_owned();
            }
            !id.is_empty()
        });
        id
    };
    std::thread::sleep(Duration::from_millis(300));
    let code = interrupt(&mut first);

    // The target comes up; listen is started again, as a developer would.
    let got = endpoint(TcpListener::bind(("127.0.0.1", port)).expect("rebind"));
    let (mut second, _) = listen(&emu, &["--forward-to", &url]);
    std::thread::sleep(Duration::from_secs(8));
    let _ = interrupt(&mut second);
    let received = got.lock().expect("lock").clone();
    assert!(
        received.iter().any(|(_, id)| *id == event),
        "event {event} (of {pi}) was verified by listen while its target was down; after \
         Ctrl-C (listen exited {code:?}) and a restart with the target up it never arrived: \
         received {received:?}"
    );
}
