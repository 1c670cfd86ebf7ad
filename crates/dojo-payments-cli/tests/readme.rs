//! The README's "Command line" section, run as written: the emulator
//! started by `dojo emulator &`, the exports, `dojo listen --forward-to …`
//! and `dojo trigger payment_intent.status_updated`; a verified event must
//! arrive at the endpoint. Only the ports change (free ones, so that tests
//! never collide), and `cargo run … --` is the binary cargo built.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use dojo_payments::types::WebhookSecret;
use dojo_payments::webhook::Verifier;

/// What the endpoint received: (signature, body) per delivery.
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

/// The README's shell block under "## Command line".
fn readme_block() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Command line\n")
        .nth(1)
        .expect("README.md has a \"Command line\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the section has a sh block");
    block
        .lines()
        .map(|line| line.split(" #").next().unwrap_or("").trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Kills the child when dropped, so that a failing test leaves nothing.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first of `lines` for which `wanted` holds.
fn wait_for_line(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    wanted: impl Fn(&str) -> bool,
) -> String {
    for line in lines {
        let line = line.expect("a line");
        if wanted(&line) {
            return line;
        }
    }
    panic!("the line never came");
}

/// Reads the rest of a child's output on a thread of its own, so that the
/// child never blocks on a full pipe, nor dies of a closed one.
fn drain(lines: impl Iterator<Item = std::io::Result<String>> + Send + 'static) {
    std::thread::spawn(move || lines.for_each(drop));
}

async fn endpoint(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("dojo-signature")
        .and_then(|s| s.to_str().ok())
        .unwrap_or("")
        .to_owned();
    received
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((signature, body));
    StatusCode::OK
}

#[test]
fn the_readme_s_command_line_shows_a_verified_event_arriving() {
    let block = readme_block();
    let expected = [
        "cargo run -p dojo-payments-cli -- emulator &",
        "export DOJO_API_URL=http://127.0.0.1:3000",
        "dojo listen --forward-to http://localhost:8080/webhooks",
        "dojo trigger payment_intent.status_updated",
    ];
    for start in expected {
        assert!(
            block.iter().any(|line| line.starts_with(start)),
            "the README's block has a line starting {start:?}: {block:#?}"
        );
    }

    // The endpoint the README forwards to (localhost:8080), on a free port.
    let received: Received = Arc::default();
    let endpoint_port = free_port();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = axum::Router::new()
        .route("/webhooks", axum::routing::post(endpoint))
        .with_state(received.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", endpoint_port)))
        .expect("the endpoint's port");
    runtime.spawn(async move { axum::serve(listener, app).await });

    let (api_port, pci_port) = (free_port(), free_port());
    let dojo = env!("CARGO_BIN_EXE_dojo");
    // No profile of this machine's user: a config file of its own.
    let config = std::env::temp_dir().join(format!("dojo-readme-{}.toml", std::process::id()));
    let mut env: Vec<(String, String)> = vec![("DOJO_CONFIG".into(), config.display().to_string())];
    let mut emulator = None;
    let mut listen = None;
    // What listen printed on stdout, as it prints it.
    let shown: Arc<Mutex<String>> = Arc::default();
    let mut secret = None;
    for line in &block {
        let line = line
            .replace("127.0.0.1:3000", &format!("127.0.0.1:{api_port}"))
            .replace("localhost:8080", &format!("localhost:{endpoint_port}"));
        if let Some(args) = line.strip_prefix("cargo run -p dojo-payments-cli -- ") {
            let args = args
                .trim_end_matches('&')
                .split_whitespace()
                .collect::<Vec<_>>();
            let mut child = Command::new(dojo)
                .args(&args)
                .args([
                    "--api-port",
                    &api_port.to_string(),
                    "--pci-port",
                    &pci_port.to_string(),
                ])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("dojo emulator");
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            // The banner, on stdout, ends with the line to paste.
            wait_for_line(&mut lines, |l| l.contains("export DOJO_API_URL="));
            drain(lines);
            emulator = Some(Killed(child));
        } else if line.starts_with("alias ") {
            // `dojo` is the binary cargo built.
        } else if let Some(vars) = line.strip_prefix("export ") {
            for pair in vars.split_whitespace() {
                let (name, value) = pair.split_once('=').expect("NAME=VALUE");
                env.push((name.into(), value.into()));
            }
        } else if let Some(args) = line.strip_prefix("dojo ") {
            let args: Vec<&str> = args.split_whitespace().collect();
            let mut command = Command::new(dojo);
            command
                .args(&args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if args.first() == Some(&"listen") {
                let mut child = command
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("dojo listen");
                let stdout = child.stdout.take().expect("stdout");
                let collected = shown.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        let mut shown = collected.lock().unwrap_or_else(|e| e.into_inner());
                        shown.push_str(&line);
                        shown.push('\n');
                    }
                });
                let stderr = child.stderr.take().expect("stderr");
                let mut lines = BufReader::new(stderr).lines();
                let said = wait_for_line(&mut lines, |l| l.contains("signing secret is"));
                secret = said
                    .rsplit("signing secret is ")
                    .next()
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned());
                wait_for_line(&mut lines, |l| {
                    l.contains(&format!("localhost:{endpoint_port}"))
                });
                listen = Some(Killed(child));
            } else {
                let out = command.output().expect("dojo");
                assert!(
                    out.status.success(),
                    "`{line}` failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        } else {
            panic!("a line this test cannot run: {line:?}");
        }
    }
    assert!(emulator.is_some(), "the block starts the emulator");
    let listen = listen.expect("the block runs dojo listen");
    let secret = WebhookSecret::new(secret.expect("listen printed the secret")).expect("a secret");

    // The event arrives at the endpoint, its signature verified with the
    // secret listen printed.
    let verifier = Verifier::new([secret]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let event = loop {
        let found = received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|(signature, body)| verifier.verify(Some(signature), body).ok())
            .find(|event| event.kind.name() == "payment_intent.status_updated");
        if let Some(event) = found {
            break event;
        }
        assert!(
            Instant::now() < deadline,
            "no verified status_updated event arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(event);

    // And listen said so on stdout: the event, then the forward's answer.
    let forwarded = format!("localhost:{endpoint_port}/webhooks [200]");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = shown.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if text.contains("payment_intent.status_updated") && text.contains(&forwarded) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "listen showed the event and the endpoint's answer: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(listen);
    drop(emulator);
    let _ = std::fs::remove_file(config);
}
