//! `dojo listen` forwards 1,000 events, each exactly once per route,
//! through faults on both sides: the emulator's deliveries pass a proxy
//! that refuses some (the emulator retries them) and answers 500 after
//! passing others on (the emulator delivers them again: duplicates listen
//! must not forward twice), and the endpoints refuse some first attempts
//! (listen retries them). Counted on the receiving end.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use dojo_payments_emulator::WebhookRetryPolicy;
use futures_util::StreamExt;

const EVENTS: usize = 1_000;

#[derive(Default)]
struct Endpoints {
    /// Deliveries accepted, by (path, event id).
    accepted: Mutex<HashMap<(String, String), u32>>,
    /// Attempts seen, by (path, event id).
    attempts: Mutex<HashMap<(String, String), u32>>,
}

fn event_id(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The first attempt of one event in five is refused; the rest accepted.
async fn endpoint(
    State(state): State<Arc<Endpoints>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    assert!(
        headers
            .get("dojo-signature")
            .is_some_and(|s| s.to_str().unwrap_or("").starts_with("sha256="))
    );
    let key = (uri.to_string(), event_id(&body));
    let attempt = {
        let mut attempts = state.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let n = attempts.entry(key.clone()).or_default();
        *n += 1;
        *n
    };
    let unlucky = key.1.bytes().map(u32::from).sum::<u32>() % 5 == 0;
    if unlucky && attempt == 1 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    *state
        .accepted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default() += 1;
    StatusCode::OK
}

struct Proxy {
    to: String,
    http: reqwest::Client,
    count: AtomicU64,
}

/// Between the emulator and listen: one delivery in ten refused (503),
/// one in ten passed on and then answered 500 (delivered again).
async fn proxy(State(proxy): State<Arc<Proxy>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = proxy.count.fetch_add(1, Ordering::SeqCst);
    if n % 10 == 3 {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut request = proxy
        .http
        .post(&proxy.to)
        .header("content-type", "application/json")
        .body(body);
    if let Some(signature) = headers.get("dojo-signature").and_then(|s| s.to_str().ok()) {
        request = request.header("dojo-signature", signature);
    }
    let status = request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(502);
    if n % 10 == 7 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn listen_forwards_1000_events_once_each_per_route_under_faults() {
    let emu = support::emulator_with(
        "listen",
        WebhookRetryPolicy {
            attempts: 30,
            first_backoff: Duration::from_millis(5),
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let endpoints = Arc::new(Endpoints::default());
    let listen_port = free_port();
    let (endpoint_url, proxy_url, deliveries) = runtime.block_on(async {
        let app = axum::Router::new()
            .fallback(axum::routing::post(endpoint))
            .with_state(endpoints.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let endpoint_url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let state = Arc::new(Proxy {
            to: format!("http://127.0.0.1:{listen_port}/webhooks"),
            http: dojo_payments_api::http_client().expect("client"),
            count: AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .fallback(axum::routing::post(proxy))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let proxy_url = format!("http://{}/webhooks", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (endpoint_url, proxy_url, state)
    });

    let all = format!("{endpoint_url}/all?source=dojo");
    let created = format!("payment_intent.created={endpoint_url}/created");
    let port = listen_port.to_string();
    let max = EVENTS.to_string();
    let args = [
        "listen",
        "--event",
        "payment_intent.created",
        "--port",
        &port,
        "--public-url",
        &proxy_url,
        "--forward-to",
        &all,
        "--forward",
        &created,
        "--max-events",
        &max,
        "--json",
    ];
    let mut child = emu
        .process(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dojo listen");

    let http = dojo_payments_api::http_client().expect("client");
    runtime.block_on(async {
        // Subscribed once `GET /webhooks` shows it.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let subs: serde_json::Value = http
                .get(format!("{}/webhooks", emu.api))
                .header("authorization", format!("Basic {}", support::KEY))
                .header("version", dojo_payments_api::api::API_VERSION)
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("json");
            if subs.as_array().is_some_and(|s| !s.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "listen never subscribed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // 1,000 payment intents: 1,000 payment_intent.created events.
        let creates = (0..EVENTS).map(|i| {
            let http = http.clone();
            let url = format!("{}/payment-intents", emu.api);
            async move {
                http.post(url)
                    .header("authorization", format!("Basic {}", support::KEY))
                    .header("version", dojo_payments_api::api::API_VERSION)
                    .json(&serde_json::json!({"amount": {"value": 100 + i, "currencyCode": "GBP"}, "reference": format!("Order {i}")}))
                    .send()
                    .await
                    .expect("create")
                    .error_for_status()
                    .expect("created");
            }
        });
        futures_util::stream::iter(creates).buffer_unordered(16).collect::<Vec<()>>().await;
    });

    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "listen did not finish: {} accepted",
                endpoints.accepted.lock().map(|a| a.len()).unwrap_or(0)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "listen exited with {status}");

    let accepted = endpoints.accepted.lock().expect("lock").clone();
    for route in ["/all?source=dojo", "/created"] {
        let counts: Vec<u32> = accepted
            .iter()
            .filter(|((path, _), _)| path == route)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(counts.len(), EVENTS, "{route}: distinct events received");
        assert!(counts.iter().all(|n| *n == 1), "{route}: each exactly once");
    }
    let retried = endpoints
        .attempts
        .lock()
        .expect("lock")
        .values()
        .filter(|n| **n > 1)
        .count();
    assert!(retried > 0, "some forwards were retried");
    let delivered = deliveries.count.load(Ordering::SeqCst);
    assert!(
        delivered > EVENTS as u64 + EVENTS as u64 / 10,
        "the emulator delivered again ({delivered} deliveries)"
    );
}

/// The subscriptions of the emulator's account.
fn subscriptions(emu: &support::Running) -> Vec<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        dojo_payments_api::http_client()
            .expect("client")
            .get(format!("{}/webhooks", emu.api))
            .header("authorization", format!("Basic {}", support::KEY))
            .header("version", dojo_payments_api::api::API_VERSION)
            .send()
            .await
            .expect("list")
            .json::<Vec<serde_json::Value>>()
            .await
            .expect("json")
    })
}

#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_temporary_subscription() {
    let emu = support::emulator("listen-ctrl-c");
    let mut child = emu
        .process(&["listen", "--forward-to", "http://127.0.0.1:9/hooks"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dojo listen");
    let deadline = Instant::now() + Duration::from_secs(20);
    while subscriptions(&emu).is_empty() {
        assert!(Instant::now() < deadline, "listen never subscribed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Ctrl-C, to this child only.
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status}");
    assert!(
        subscriptions(&emu).is_empty(),
        "the subscription was removed"
    );
}

/// An api host in front of the emulator that makes it look like Dojo: it
/// passes every call on, except the emulator's control API, which Dojo
/// does not have: those it counts and refuses.
struct LikeDojo {
    emulator: String,
    http: reqwest::Client,
    /// Every call passed on, as `METHOD /path`.
    calls: Mutex<Vec<String>>,
    /// Calls to `/_emulator/…`, refused.
    control: AtomicU64,
}

async fn like_dojo(
    State(state): State<Arc<LikeDojo>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/_emulator") {
        state.control.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_FOUND, "no such operation at Dojo").into_response();
    }
    state
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(format!("{method} {}", uri.path()));
    let mut request = state.http.request(
        reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("method"),
        format!("{}{uri}", state.emulator),
    );
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = request
        .body(body)
        .send()
        .await
        .expect("the emulator answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
    let kind = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let body = answer.bytes().await.expect("body");
    (status, [("content-type", kind)], body).into_response()
}

#[test]
fn against_dojo_listen_subscribes_through_the_api_and_trigger_causes_what_a_server_can() {
    let emu = support::emulator("like-dojo");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let endpoints = Arc::new(Endpoints::default());
    let like = Arc::new(LikeDojo {
        emulator: emu.api.clone(),
        http: dojo_payments_api::http_client().expect("client"),
        calls: Mutex::new(Vec::new()),
        control: AtomicU64::new(0),
    });
    let (endpoint_url, dojo_url) = runtime.block_on(async {
        let app = axum::Router::new()
            .fallback(axum::routing::post(endpoint))
            .with_state(endpoints.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let endpoint_url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let app = axum::Router::new()
            .fallback(like_dojo)
            .with_state(like.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let dojo_url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (endpoint_url, dojo_url)
    });
    let as_dojo = |args: &[&str]| {
        let mut command = emu.process(args);
        command
            .env("DOJO_API_URL", &dojo_url)
            .env("DOJO_EMULATOR", "0");
        command
    };

    // Without an address that reaches this machine, listen cannot start.
    let refused = as_dojo(&["listen", "--forward-to", &endpoint_url])
        .output()
        .expect("ran");
    assert_eq!(refused.status.code(), Some(2));
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("against Dojo, deliveries need an address that reaches this machine")
            && text.contains("give its https URL as --public-url"),
        "{text}"
    );

    let port = free_port();
    let public = format!("http://127.0.0.1:{port}/webhooks");
    let forward = format!("{endpoint_url}/hooks");
    let port = port.to_string();
    let mut child = as_dojo(&[
        "listen",
        "--port",
        &port,
        "--public-url",
        &public,
        "--forward-to",
        &forward,
        "--max-events",
        "2",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("dojo listen");
    let deadline = Instant::now() + Duration::from_secs(20);
    let subscription = loop {
        if let Some(sub) = subscriptions(&emu).pop() {
            break sub;
        }
        assert!(Instant::now() < deadline, "listen never subscribed");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(subscription["url"], public.as_str());
    let secret = subscription["secrets"][0]["value"]
        .as_str()
        .expect("a secret")
        .to_owned();

    // A server can cause these: a payment intent made (created), then
    // canceled (status_updated).
    let triggered = as_dojo(&["--json", "trigger", "payment_intent.status_updated"])
        .output()
        .expect("ran");
    assert!(
        triggered.status.success(),
        "{}",
        String::from_utf8_lossy(&triggered.stderr)
    );
    let triggered: serde_json::Value = serde_json::from_slice(&triggered.stdout).expect("json");
    assert_eq!(triggered["steps"][1], "canceled");

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("listen did not exit after 2 events");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let mut stdout = String::new();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout)
        .expect("stdout");
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");

    // The temporary subscription's secret is printed (the one secret the
    // tool prints), and it is the one the deliveries are signed with.
    assert!(
        stderr.contains(&format!("Your webhook signing secret is {secret} ")),
        "{stderr}"
    );
    assert!(stdout.contains("payment_intent.created"), "{stdout}");
    assert!(stdout.contains("payment_intent.status_updated"), "{stdout}");
    let accepted = endpoints.accepted.lock().expect("lock").clone();
    assert_eq!(accepted.len(), 2, "{accepted:?}");
    assert!(accepted.values().all(|n| *n == 1));

    // Removed on exit: the emulator holds no subscription. Everything went
    // through Dojo's API: the subscription made and deleted there, and not
    // one call to the emulator's control API.
    assert!(
        subscriptions(&emu).is_empty(),
        "the subscription was removed"
    );
    let calls = like.calls.lock().expect("lock").clone();
    assert!(calls.iter().any(|c| c == "POST /webhooks"), "{calls:?}");
    assert!(
        calls.iter().any(|c| c.starts_with("DELETE /webhooks/ws_")),
        "{calls:?}"
    );
    assert_eq!(like.control.load(Ordering::SeqCst), 0, "{calls:?}");

    // What only a customer can cause is explained, not attempted.
    let receipt = as_dojo(&["trigger", "payment_intent.send-receipt"])
        .output()
        .expect("ran");
    assert_eq!(receipt.status.code(), Some(2));
    assert!(receipt.stdout.is_empty());
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&receipt.stderr).into_owned(),
        snapbox::str![[r#"
error: against Dojo, payment_intent.send-receipt needs a paid intent, and only a customer can pay one
  hint: create one (`dojo payment-intents create …`), pay it at its checkout link with a test card, then: dojo api POST /payment-intents/ID/receipt -f 'emails=["you@example.com"]'

"#]]
    );
    let created = as_dojo(&["trigger", "payment_intent.created"])
        .output()
        .expect("ran");
    assert!(created.status.success());
    assert_eq!(like.control.load(Ordering::SeqCst), 0);
}
