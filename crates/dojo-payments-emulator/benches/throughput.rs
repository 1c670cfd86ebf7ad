//! Requests per second of a create-then-get loop at 16-way concurrency.
//!
//! `cargo bench -p dojo-payments-emulator` measures the embedded emulator. With
//! `DOJO_BENCH_URL` set it measures that server instead (the same loop, the
//! same client), which is how `bench/compare-prism.sh` measures Prism's mock
//! of the same document. Without it, the same run also measures a minimal
//! hyper server answering canned bodies (the floor for this loop on this
//! machine), alternating with the emulator, and prints the ratio.
//! `DOJO_BENCH_SECONDS` sets each measurement's duration (default 5).
//!
//! A measurement, not a test: it prints figures and asserts nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

const CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("DOJO_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let http = dojo_payments_api::http_client_builder()
        .unwrap()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    if let Ok(url) = std::env::var("DOJO_BENCH_URL") {
        let figures = measure(&http, &url, seconds).await;
        figures.print(&format!("external server at {url}"), seconds);
        return;
    }
    let emulator = dojo_payments_emulator::Emulator::start()
        .await
        .expect("the emulator starts");
    // The canned server answers with a body the emulator made, so that both
    // send the same bytes.
    let canned = canned::serve(sample_intent(&http, emulator.api_url()).await).await;
    // In one run, alternating, so that the machine's drift falls on both.
    let (mut on_emulator, mut on_canned) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let figures = measure(&http, emulator.api_url(), seconds).await;
        figures.print("dojo-payments-emulator (embedded)", seconds);
        on_emulator.push(figures.per_second);
        let figures = measure(&http, &canned, seconds).await;
        figures.print("minimal hyper server, canned bodies", seconds);
        on_canned.push(figures.per_second);
    }
    let best = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let ratio = best(&on_emulator) / best(&on_canned);
    println!(
        "emulator / canned server (best of two rounds each): {ratio:.2}  (goal >= 0.5: {})",
        if ratio >= 0.5 {
            "holds"
        } else {
            "DOES NOT HOLD"
        }
    );
}

/// What one measurement saw.
struct Figures {
    per_second: f64,
    loops: usize,
    failed: u64,
    p50: Duration,
    p99: Duration,
}

impl Figures {
    fn print(&self, target: &str, seconds: u64) {
        println!("target: {target}");
        println!(
            "  loop: POST /payment-intents then GET /payment-intents/{{id}}, {CONCURRENCY} concurrent, {seconds} s"
        );
        println!(
            "  requests/s: {:.0}; loops: {}, failed loops: {}; loop latency p50 {:?}, p99 {:?}",
            self.per_second, self.loops, self.failed, self.p50, self.p99
        );
    }
}

/// The create-then-get loop against `base`, `CONCURRENCY` at a time.
async fn measure(http: &reqwest::Client, base: &str, seconds: u64) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    let started = Instant::now();
    for worker in 0..CONCURRENCY {
        let (http, base, stop) = (http.clone(), base.to_owned(), stop.clone());
        let (requests, failures) = (requests.clone(), failures.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let begun = Instant::now();
                let ok = create_then_get(&http, &base, worker).await;
                latencies.push(begun.elapsed());
                requests.fetch_add(2, Ordering::Relaxed);
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    Figures {
        per_second: requests.load(Ordering::Relaxed) as f64 / elapsed,
        loops: latencies.len(),
        failed: failures.load(Ordering::Relaxed),
        p50: percentile(0.50),
        p99: percentile(0.99),
    }
}

/// A payment intent's JSON as the emulator answers it.
async fn sample_intent(http: &reqwest::Client, base: &str) -> bytes::Bytes {
    let body = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "sample"});
    as_merchant(http.post(format!("{base}/payment-intents")))
        .json(&body)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("the emulator creates an intent")
        .bytes()
        .await
        .expect("a body")
}

/// The floor a server of this loop can reach here: hyper answering every
/// request with the same bytes, no routing, no state, no checks.
mod canned {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    pub async fn serve(body: Bytes) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let body = body.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let body = body.clone();
                            async move {
                                // Read the request as a server must, then answer.
                                let _ = request.into_body().collect().await;
                                hyper::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(body))
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        url
    }
}

/// The headers every call of the loop carries, as a merchant's would.
fn as_merchant(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .header("version", dojo_payments_emulator::API_VERSION)
}

/// One loop; false when either call did not answer 2xx.
async fn create_then_get(http: &reqwest::Client, base: &str, worker: usize) -> bool {
    let body = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": format!("bench {worker}")});
    let created = as_merchant(http.post(format!("{base}/payment-intents")))
        .json(&body)
        .send()
        .await;
    let Ok(created) = created else { return false };
    let ok = created.status().is_success();
    let Ok(intent) = created.json::<serde_json::Value>().await else {
        return false;
    };
    let id = intent["id"].as_str().unwrap_or("pi_unknown");
    let fetched = as_merchant(http.get(format!("{base}/payment-intents/{id}")))
        .send()
        .await;
    ok && fetched.is_ok_and(|r| r.status().is_success())
}
