//! `dojo listen`: subscribes itself to webhook events, receives each
//! delivery, verifies it, prints one line per event and forwards it, with
//! its original body and `dojo-signature`, to every route that wants it,
//! retrying until the endpoint accepts it (an event is never dropped, and
//! forwarded once per route however often it is delivered). Against Dojo
//! it needs `--public-url`; the temporary subscription is removed on exit
//! and on Ctrl-C.

use std::collections::HashSet;
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
use tokio::sync::Notify;

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
    seen: Mutex<HashSet<String>>,
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
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .await
        .map_err(|e| {
            CliError::failure(format!("cannot listen on port {}: {e}", args.port))
                .hint("choose another --port")
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::failure(e.to_string()))?;
    let receiver = match &args.public_url {
        Some(url) => checked_url(url)?,
        None if context::is_emulator(&target.api_url) => format!("http://{local}/webhooks"),
        None => {
            return Err(CliError::usage(
                "against Dojo, deliveries need an address that reaches this machine",
            )
            .hint(format!(
                "run a tunnel to 127.0.0.1:{} and give its https URL as --public-url",
                local.port()
            )));
        }
    };
    // Listened for before subscribing: a Ctrl-C from here on removes the
    // subscription rather than ending the process.
    let interrupt = Interrupt::new()?;
    output.progress(&format!("subscribing {receiver}"));
    let dojo = context::dojo(&target)?;
    let names: Vec<WebhookEventName> = events.iter().filter_map(|e| event_name(e).ok()).collect();
    let subscription = dojo
        .webhooks()
        .subscribe(receiver.as_str(), names)
        .description("dojo listen (temporary)")
        .send()
        .await
        .map_err(|e| errors::sdk(&e, None))?;
    let subscription = serde_json::to_value(&subscription).unwrap_or(Value::Null);
    let id = output::field(&subscription, "/id");
    let secrets: Vec<WebhookSecret> = subscription["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["value"].as_str())
        .filter_map(|s| WebhookSecret::new(s).ok())
        .collect();
    let result = serve(
        &args,
        routes,
        &secrets,
        listener,
        (&receiver, &id),
        interrupt,
        output,
    )
    .await;
    output.progress(&format!("removing subscription {id}"));
    let removed = match id.parse::<WebhookSubscriptionId>() {
        Ok(subscription) => dojo
            .webhooks()
            .delete(&subscription)
            .await
            .map_err(|e| errors::sdk(&e, None)),
        Err(_) => Err(CliError::failure(format!(
            "the subscription's id {id:?} could not be read"
        ))),
    };
    if let Err(error) = removed {
        output.error(&format!(
            "warning: {}; remove it with `dojo webhooks delete {id}`",
            error.message
        ));
    }
    result
}

async fn serve(
    args: &ListenArgs,
    routes: Vec<Route>,
    secrets: &[WebhookSecret],
    listener: tokio::net::TcpListener,
    (receiver, id): (&str, &str),
    interrupt: Interrupt,
    output: Output,
) -> Result<(), CliError> {
    let Some(secret) = secrets.last() else {
        return Err(CliError::failure(
            "the subscription came with no secret: deliveries could not be verified",
        ));
    };
    let shared = Arc::new(Shared {
        verifier: Verifier::new(secrets.iter().cloned()),
        routes,
        seen: Mutex::new(HashSet::new()),
        done: AtomicU64::new(0),
        max: args.max_events,
        finished: Notify::new(),
        http: context::http()?,
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
        .with_state(shared.clone());
    let finished = shared.clone();
    let stop = async move {
        tokio::select! {
            () = interrupt.wait() => {}
            () = finished.finished.notified() => {}
        }
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| CliError::new(exit::FAILURE, format!("the receiver failed: {e}")));
    let received = shared
        .seen
        .lock()
        .map(|seen| seen.len() as u64)
        .unwrap_or(0);
    let pending = received.saturating_sub(shared.done.load(Ordering::SeqCst));
    if pending > 0 {
        output.error(&format!(
            "warning: {pending} events received and not yet accepted by every route; Dojo does not deliver them again"
        ));
    }
    served
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

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
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
    let id = event.id.to_string();
    let fresh = shared
        .seen
        .lock()
        .map(|mut seen| seen.insert(id.clone()))
        .unwrap_or(false);
    if !fresh {
        shared
            .output
            .progress(&format!("{id} delivered again: already forwarded"));
        return StatusCode::OK;
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let name = event.kind.name().to_owned();
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
    tokio::spawn(async move {
        let sends = wanted
            .into_iter()
            .map(|route| forward(&task, route, &id, &signature, body.clone()));
        futures_util::future::join_all(sends).await;
        let done = task.done.fetch_add(1, Ordering::SeqCst) + 1;
        if task.max.is_some_and(|max| done >= max) {
            task.finished.notify_one();
        }
    });
    StatusCode::OK
}

/// Posts the event to `route` until it answers 2xx, backing off up to 5 s.
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
        let why = status.map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}"));
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
