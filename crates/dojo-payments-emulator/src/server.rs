//! Serving a router on loopback, connection by connection, so that a handler
//! can make its connection close without any answer.
//!
//! Neither axum nor hyper lets a handler drop its own connection, and that is
//! the fault that decides whether a client double-refunds (the change is
//! made, the client never hears of it). So each connection is driven here,
//! next to a one-shot "hang up" signal the handler can fire.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a request's head may take to arrive.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Closes the current connection without a response.
#[derive(Clone, Debug)]
pub struct Hangup(Arc<Mutex<Option<oneshot::Sender<()>>>>);

impl Hangup {
    /// Drops the connection; the caller should then never return.
    pub fn now(&self) {
        if let Some(sender) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = sender.send(());
        }
    }
}

/// A server on a loopback port; stops when dropped.
#[derive(Debug)]
pub struct Listening {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    task: JoinHandle<()>,
    accepted: Arc<AtomicU64>,
}

impl Listening {
    /// How many connections it has accepted.
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on `127.0.0.1:<port>` (`port` 0: any free port).
pub async fn serve(router: Router, port: u16) -> std::io::Result<Listening> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let accepted = Arc::new(AtomicU64::new(0));
    let counted = accepted.clone();
    let task = tokio::spawn(async move {
        // Owned by this task, so stopping the server also closes the
        // connections it has open.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    counted.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Some(_) = connections.join_next() => {}
            }
        }
    });
    Ok(Listening {
        url,
        task,
        accepted,
    })
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let (hangup_tx, hangup_rx) = oneshot::channel();
    let hangup = Hangup(Arc::new(Mutex::new(Some(hangup_tx))));
    let service = tower::ServiceExt::map_request(
        router,
        move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(hangup.clone());
            request
        },
    );
    let service = TowerToHyperService::new(service);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // A client that opens a connection and never finishes its request's
    // head does not hold the connection (and its task) for ever.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection future closes the socket unanswered.
        _ = hangup_rx => {}
    }
}
