//! `dojo listen`: subscribes itself to webhook events, receives each
//! delivery, verifies it, prints one line per event and forwards it, with
//! its original body and `dojo-signature`, to every route that wants it,
//! retrying until the endpoint accepts it. A delivery is answered 200 only
//! once its event is forwarded to every route (a 503 when that takes
//! longer than `HOLD` (5 s), so Dojo delivers it again), and an event is
//! forwarded once per route however often it is delivered. Against Dojo
//! it needs `--public-url`; the temporary subscription is removed on exit
//! and on Ctrl-C, unless events are left unforwarded: then it is kept,
//! and the next `listen` to the same address takes it over and receives
//! Dojo's redeliveries of them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;
use dojo_payments::webhook::Verifier;
use dojo_payments_types::{WebhookEventName, WebhookSecret, WebhookSubscriptionId};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::commands::webhooks::event_name;
use crate::context::{self, Choice};
use crate::errors;
use crate::exit::{self, CliError};
use crate::output::{self, Output};

/// `dojo listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Forward every event here (a URL; its query string is kept).
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// Forward one event to its own URL (repeat): payment_intent.created=http://localhost:8080/hooks.
    /// `*=URL` is every event.
    #[arg(long = "forward", value_name = "EVENT=URL")]
    pub forward: Vec<String>,
    /// Subscribe to this event only (repeat; default: every one).
    #[arg(long = "event", value_name = "EVENT")]
    pub events: Vec<String>,
    /// Port of the local receiver (on 127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The https address that reaches the local receiver (a tunnel):
    /// required against Dojo; against the emulator the receiver's own.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Exit once this many events have been forwarded to every route.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
}

/// How long a delivery is held while its event is forwarded: well within
/// the time Dojo (and the emulator, 10 s) waits for an answer. Past it the
/// delivery is answered 503 and Dojo delivers it again later; the
/// forwarding goes on meanwhile, and the redelivery finds it done.
const HOLD: Duration = Duration::from_secs(5);

/// The description of the subscription `listen` makes, removed on exit.
const TEMPORARY: &str = "dojo listen (temporary)";

/// The description of one kept on exit for the events it has not yet
/// forwarded: the next `listen` to the same address takes it over.
const KEPT: &str = "dojo listen (kept: events not yet forwarded)";

/// A forwarding route.
#[derive(Debug, Clone)]
struct Route {
    /// An event name, or `*`.
    event: String,
    url: String,
}

struct Shared {
    verifier: Verifier,
    routes: Vec<Route>,
    /// Every event received, by id: whether it is forwarded to every
    /// route yet (`true` once it is). One forwarding per event, however
    /// often it is delivered.
    seen: Mutex<HashMap<String, watch::Receiver<bool>>>,
    /// `true` once listen stops: held deliveries are answered at once.
    stopping: watch::Sender<bool>,
    done: AtomicU64,
    max: Option<u64>,
    finished: Notify,
    http: reqwest::Client,
    output: Output,
}

fn routes(args: &ListenArgs) -> Result<Vec<Route>, CliError> {
    let mut routes = Vec::new();
    if let Some(url) = &args.forward_to {
        routes.push(Route {
            event: "*".to_owned(),
            url: checked_url(url)?,
        });
    }
    for item in &args.forward {
        let (event, url) = item
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--forward {item:?}: give EVENT=URL")))?;
        if event != "*" {
            event_name(event)?;
        }
        routes.push(Route {
            event: event.to_owned(),
            url: checked_url(url)?,
        });
    }
    if routes.is_empty() {
        return Err(CliError::usage("nowhere to forward to")
            .hint("give --forward-to http://localhost:8080/webhooks, or --forward EVENT=URL"));
    }
    Ok(routes)
}

fn checked_url(url: &str) -> Result<String, CliError> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(url.to_owned()),
        _ => Err(CliError::usage(format!("{url:?} is not an http(s) URL"))),
    }
}

/// Whether `url`'s host is this machine: then it is the emulator.
pub fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|host| host == "localhost" || host.starts_with("127.") || host == "[::1]")
}

/// Runs it.
pub async fn run(args: ListenArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let routes = routes(&args)?;
    let events: Vec<String> = if args.events.is_empty() {
        WebhookEventName::DOCUMENTED
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect()
    } else {
        args.events
            .iter()
            .map(|e| event_name(e).map(|n| n.as_str().to_owned()))
            .collect::<Result<_, _>>()?
    };
    let target = context::target(choice)?;
    let dojo = context::dojo(&target)?;
    // Listened for before anything is made at Dojo: a Ctrl-C from here on
    // removes the subscription rather than ending the process.
    let interrupt = Interrupt::new()?;
    let emulator = context::is_emulator(&target.api_url);
    if args.public_url.is_none() && !emulator {
        return Err(CliError::usage(
            "against Dojo, deliveries need an address that reaches this machine",
        )
        .hint(match args.port {
            0 => "choose a --port, run a tunnel to 127.0.0.1:PORT and give its https URL as --public-url".to_owned(),
            port => format!("run a tunnel to 127.0.0.1:{port} and give its https URL as --public-url"),
        }));
    }
    let public = args.public_url.as_deref().map(checked_url).transpose()?;
    let kept = kept(&dojo).await;
    let (listener, adopted) = bind(args.port, public.as_deref(), &kept).await?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::failure(e.to_string()))?;
    let receiver = public.unwrap_or_else(|| format!("http://{local}/webhooks"));
    for (other, url) in kept.iter().filter(|(id, _)| Some(id) != adopted.as_ref()) {
        output.say(&format!(
            "note: subscription {other}, kept by an earlier `dojo listen` for events it had not \
             forwarded, delivers to {url}: a listen there receives them; \
             `dojo webhooks delete {other}` drops them"
        ));
    }
    let names: Vec<WebhookEventName> = events.iter().filter_map(|e| event_name(e).ok()).collect();
    let taken = match &adopted {
        Some(id) => {
            output.progress(&format!("taking over subscription {id}"));
            let change = dojo_payments::api_types::SubscriptionUpdateRequest {
                description: Some(TEMPORARY.to_owned()),
                events: Some(events.clone()),
                ..Default::default()
            };
            // Gone since it was listed (removed by hand): subscribed anew.
            dojo.webhooks().update(id, change).await.ok()
        }
        None => None,
    };
    let subscription = match taken {
        Some(subscription) => {
            output.say(&format!(
                "Taking over subscription {} kept by an earlier listen: Dojo's redeliveries of the events it did not forward arrive now",
                output::field(&serde_json::to_value(&subscription).unwrap_or(Value::Null), "/id")
            ));
            subscription
        }
        None => {
            output.progress(&format!("subscribing {receiver}"));
            dojo.webhooks()
                .subscribe(receiver.as_str(), names)
                .description(TEMPORARY)
                .send()
                .await
                .map_err(|e| errors::sdk(&e, None))?
        }
    };
    let subscription = serde_json::to_value(&subscription).unwrap_or(Value::Null);
    let id = output::field(&subscription, "/id");
    let secrets: Vec<WebhookSecret> = subscription["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["value"].as_str())
        .filter_map(|s| WebhookSecret::new(s).ok())
        .collect();
    let (result, pending) = serve(
        &args,
        routes,
        &secrets,
        listener,
        (&receiver, &id),
        interrupt,
        output,
    )
    .await;
    let Ok(subscription) = id.parse::<WebhookSubscriptionId>() else {
        output.error(&format!(
            "warning: the subscription's id {id:?} could not be read; remove it with `dojo webhooks list` and `dojo webhooks delete`"
        ));
        return result;
    };
    if pending > 0 {
        return result.and(Err(
            keep(&dojo, &subscription, pending, &receiver, output).await
        ));
    }
    output.progress(&format!("removing subscription {id}"));
    if let Err(error) = dojo.webhooks().delete(&subscription).await {
        output.error(&format!(
            "warning: {}; remove it with `dojo webhooks delete {id}`",
            errors::sdk(&error, None).message
        ));
    }
    result
}

/// The subscriptions an earlier `listen` kept for events it had not
/// forwarded: (id, url). None when they cannot be listed (subscribing
/// then says why).
async fn kept(dojo: &dojo_payments::Dojo) -> Vec<(WebhookSubscriptionId, String)> {
    let Ok(all) = dojo.webhooks().list().await else {
        return Vec::new();
    };
    all.into_iter()
        .filter(|s| s.description.as_deref() == Some(KEPT))
        .filter_map(|s| Some((s.id?, s.url?)))
        .collect()
}

/// The receiver's socket, and the kept subscription it takes over: the
/// one delivering to `public` (its address), or, without one (the
/// emulator), to this machine's port `port` (any, when 0) that is free.
async fn bind(
    port: u16,
    public: Option<&str>,
    kept: &[(WebhookSubscriptionId, String)],
) -> Result<(tokio::net::TcpListener, Option<WebhookSubscriptionId>), CliError> {
    let at = |port: u16| tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)));
    match public {
        Some(public) => {
            if let Some((id, _)) = kept.iter().find(|(_, url)| url == public)
                && let Ok(listener) = at(port).await
            {
                return Ok((listener, Some(id.clone())));
            }
        }
        None => {
            for (id, url) in kept {
                let Some(theirs) = local_port(url) else {
                    continue;
                };
                if port != 0 && port != theirs {
                    continue;
                }
                if let Ok(listener) = at(theirs).await {
                    return Ok((listener, Some(id.clone())));
                }
            }
        }
    }
    let listener = at(port).await.map_err(|e| {
        CliError::failure(format!("cannot listen on port {port}: {e}"))
            .hint("choose another --port")
    })?;
    Ok((listener, None))
}

/// The port of `url` when it is a receiver `listen` made on this machine
/// (`http://127.0.0.1:PORT/webhooks`).
fn local_port(url: &str) -> Option<u16> {
    let parsed = reqwest::Url::parse(url).ok()?;
    (parsed.scheme() == "http"
        && parsed.host_str() == Some("127.0.0.1")
        && parsed.path() == "/webhooks")
        .then(|| parsed.port())
        .flatten()
}

/// Keeps `subscription` for the `pending` events received and not yet
/// forwarded (not acknowledged: Dojo delivers them again), marked for the
/// next `listen` to take over: the error that says so.
async fn keep(
    dojo: &dojo_payments::Dojo,
    subscription: &WebhookSubscriptionId,
    pending: u64,
    receiver: &str,
    output: Output,
) -> CliError {
    let change = dojo_payments::api_types::SubscriptionUpdateRequest {
        description: Some(KEPT.to_owned()),
        ..Default::default()
    };
    if let Err(error) = dojo.webhooks().update(subscription, change).await {
        output.error(&format!(
            "warning: could not mark subscription {subscription} as kept ({}): a new listen \
             will not take it over",
            errors::sdk(&error, None).message
        ));
    }
    let again = match local_port(receiver) {
        Some(port) => format!("it takes port {port} and the subscription over"),
        None => format!("with --public-url {receiver}"),
    };
    CliError::failure(format!(
        "stopped with {pending} event(s) received and not yet forwarded to every route: not \
         acknowledged, so Dojo delivers them again; subscription {subscription} is kept for them"
    ))
    .hint(format!(
        "run the same `dojo listen` again ({again}) to receive them; or drop them: dojo webhooks delete {subscription}"
    ))
}

/// Receives and forwards until Ctrl-C or `--max-events`: how it ended,
/// and how many events received are not yet forwarded to every route.
async fn serve(
    args: &ListenArgs,
    routes: Vec<Route>,
    secrets: &[WebhookSecret],
    listener: tokio::net::TcpListener,
    (receiver, id): (&str, &str),
    interrupt: Interrupt,
    output: Output,
) -> (Result<(), CliError>, u64) {
    let Some(secret) = secrets.last() else {
        let error = CliError::failure(
            "the subscription came with no secret: deliveries could not be verified",
        );
        return (Err(error), 0);
    };
    let http = match forwarding_http() {
        Ok(http) => http,
        Err(error) => return (Err(error), 0),
    };
    let shared = Arc::new(Shared {
        verifier: Verifier::new(secrets.iter().cloned()),
        routes,
        seen: Mutex::new(HashMap::new()),
        stopping: watch::Sender::new(false),
        done: AtomicU64::new(0),
        max: args.max_events,
        finished: Notify::new(),
        http,
        output,
    });
    // The secret the forward targets verify with: the one secret this
    // tool prints, on stderr, as the user needs it.
    output.say(&format!(
        "Ready: subscription {id} delivers to {receiver}\nYour webhook signing secret is {} (forwarded events keep Dojo's signature)",
        secret.expose()
    ));
    for route in &shared.routes {
        output.say(&format!("  {} → {}", route.event, route.url));
    }
    output.progress("waiting for events (Ctrl-C stops, and removes the subscription)");
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        // The size is checked as the body is read (`read_body`), so that
        // an oversized delivery is answered 413, not cut off mid-upload.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(shared.clone());
    let finished = shared.clone();
    let stop = async move {
        tokio::select! {
            () = interrupt.wait() => {}
            () = finished.finished.notified() => {}
        }
        // Held deliveries are answered now (503 for those not forwarded):
        // the server's graceful end waits for them.
        finished.stopping.send_replace(true);
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| CliError::new(exit::FAILURE, format!("the receiver failed: {e}")));
    let pending = shared
        .seen
        .lock()
        .map(|seen| seen.values().filter(|done| !*done.borrow()).count() as u64)
        .unwrap_or(0);
    (served, pending)
}

/// The client that forwards: it follows no redirect. A 3xx is the
/// endpoint not taking the event (an app's login redirect), and following
/// it would send a GET without the body, or the signature to another URL.
pub fn forwarding_http() -> Result<reqwest::Client, CliError> {
    dojo_payments_api::http_client_builder()
        .map_err(|e| CliError::failure(format!("cannot make an HTTP client: {e}")))?
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::failure(format!("cannot make an HTTP client: {e}")))
}

/// Ctrl-C (and, on Unix, SIGTERM), listened for from its creation on:
/// one that comes before the wait begins is not lost (and does not kill
/// the process before its cleanup).
pub struct Interrupt {
    #[cfg(unix)]
    signals: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
}

impl Interrupt {
    /// Starts listening.
    pub fn new() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind| {
                signal(kind)
                    .map_err(|e| CliError::failure(format!("cannot listen for Ctrl-C: {e}")))
            };
            Ok(Self {
                signals: (
                    listen(SignalKind::interrupt())?,
                    listen(SignalKind::terminate())?,
                ),
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Until one comes.
    pub async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.signals.0.recv() => {}
            _ = self.signals.1.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The largest delivery taken: Dojo's events are a few hundred bytes.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// How much of an oversized delivery is read (and dropped) before it is
/// answered: the sender then reads the 413 rather than a connection reset
/// mid-upload. Past it, the connection is cut.
const DRAIN: usize = 16 * 1024 * 1024;

/// The body, or `None` when it is larger than [`MAX_BODY`] (or cannot be
/// read): then read on up to [`DRAIN`] and dropped.
async fn read_body(body: axum::body::Body) -> Option<Bytes> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        total = total.saturating_add(chunk.len());
        if total > DRAIN {
            return None;
        }
        if total <= MAX_BODY {
            kept.extend_from_slice(&chunk);
        }
    }
    (total <= MAX_BODY).then(|| Bytes::from(kept))
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> StatusCode {
    let Some(body) = read_body(body).await else {
        shared.output.error(&format!(
            "rejected a delivery: larger than {} MB",
            MAX_BODY / (1024 * 1024)
        ));
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let signature = headers
        .get("dojo-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let event = match shared.verifier.verify(signature.as_deref(), &body) {
        Ok(event) => event,
        Err(error) => {
            shared
                .output
                .error(&format!("rejected a delivery: {error}"));
            return StatusCode::BAD_REQUEST;
        }
    };
    let mut stopping = shared.stopping.subscribe();
    if *stopping.borrow() {
        // Not taken: Dojo delivers it again, to the next listen.
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let id = event.id.to_string();
    // The first delivery of an event starts its forwarding; every one
    // waits for that forwarding to end.
    let (mut forwarded, start) = {
        let Ok(mut seen) = shared.seen.lock() else {
            return StatusCode::SERVICE_UNAVAILABLE;
        };
        match seen.get(&id) {
            Some(done) => (done.clone(), None),
            None => {
                let (tx, rx) = watch::channel(false);
                seen.insert(id.clone(), rx.clone());
                (rx, Some(tx))
            }
        }
    };
    match start {
        Some(tx) => start_forwarding(&shared, tx, &id, event.kind.name(), signature, body),
        None if *forwarded.borrow() => {
            shared
                .output
                .progress(&format!("{id} delivered again: already forwarded"));
        }
        None => {}
    }
    tokio::select! {
        _ = tokio::time::timeout(HOLD, forwarded.wait_for(|done| *done)) => {}
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    // Acknowledged only once forwarded to every route: until then Dojo
    // keeps it, and delivers it again.
    if *forwarded.borrow() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Prints the event's line and forwards it to every route that wants it,
/// in the background (a held delivery answered 503 does not stop it):
/// `done` says when every route took it.
fn start_forwarding(
    shared: &Arc<Shared>,
    done: watch::Sender<bool>,
    id: &str,
    name: &str,
    signature: Option<String>,
    body: Bytes,
) {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let line = json!({
        "type": "event",
        "id": id,
        "event": name,
        "paymentIntentId": parsed.pointer("/data/paymentIntentId"),
        "paymentStatus": parsed.pointer("/data/paymentStatus"),
    });
    shared.output.line(&line, || {
        format!(
            "{}  {name}  {id}  {} {}",
            chrono::Utc::now().format("%H:%M:%S"),
            output::field(&parsed, "/data/paymentIntentId"),
            output::field(&parsed, "/data/paymentStatus")
        )
    });
    let wanted: Vec<Route> = shared
        .routes
        .iter()
        .filter(|r| r.event == "*" || r.event == name)
        .cloned()
        .collect();
    let signature = signature.unwrap_or_default();
    let task = shared.clone();
    let id = id.to_owned();
    tokio::spawn(async move {
        let sends = wanted
            .into_iter()
            .map(|route| forward(&task, route, &id, &signature, body.clone()));
        futures_util::future::join_all(sends).await;
        // Said done before it is counted: the delivery that waits on it
        // is answered 200 even when this event is the last one awaited.
        done.send_replace(true);
        let count = task.done.fetch_add(1, Ordering::SeqCst) + 1;
        if task.max.is_some_and(|max| count >= max) {
            task.finished.notify_one();
        }
    });
}

/// Posts the event to `route` until it answers 2xx, backing off up to 5 s.
/// A redirect is not followed and not taken for an answer: retried.
async fn forward(shared: &Shared, route: Route, id: &str, signature: &str, body: Bytes) {
    let mut wait = Duration::from_millis(50);
    for attempt in 1u32.. {
        let answer = shared
            .http
            .post(&route.url)
            .header("content-type", "application/json")
            .header("dojo-signature", signature)
            .timeout(Duration::from_secs(30))
            .body(body.clone())
            .send()
            .await;
        let status = answer.as_ref().ok().map(|r| r.status().as_u16());
        if let Some(status @ 200..=299) = status {
            let line = json!({ "type": "forwarded", "id": id, "url": route.url, "status": status, "attempts": attempt });
            shared
                .output
                .line(&line, || format!("  {id} → {} [{status}]", route.url));
            return;
        }
        let why = match (&answer, status) {
            (Ok(answer), Some(status @ 300..=399)) => {
                let to = answer
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("?");
                format!("HTTP {status}, a redirect to {to} (not followed: the event was not taken)")
            }
            (_, Some(status)) => format!("HTTP {status}"),
            (_, None) => "no answer".to_owned(),
        };
        // Said always, not as progress: an endpoint that refuses every
        // event is what a developer most needs to see, in a CI log too.
        shared.output.say(&format!(
            "{id} → {}: {why}, retrying in {} ms",
            route.url,
            wait.as_millis()
        ));
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}
