//! Requests per second of a create-then-get loop at 16-way concurrency.
//!
//! `cargo bench -p dojo-payments-emulator` measures the embedded emulator. With
//! `DOJO_BENCH_URL` set it measures that server instead (the same loop, the
//! same client), which is how `bench/compare-prism.sh` measures Prism's mock
//! of the same document. `DOJO_BENCH_SECONDS` sets the duration (default 5).
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
    let external = std::env::var("DOJO_BENCH_URL").ok();
    let emulator = match external {
        Some(_) => None,
        None => Some(
            dojo_payments_emulator::Emulator::start()
                .await
                .expect("the emulator starts"),
        ),
    };
    let (target, base) = match (&emulator, external) {
        (Some(emulator), _) => (
            "dojo-payments-emulator (embedded)".to_owned(),
            emulator.api_url().to_owned(),
        ),
        (None, Some(url)) => (format!("external server at {url}"), url),
        (None, None) => unreachable!("one of the two is set"),
    };
    let http = dojo_payments_api::http_client_builder()
        .unwrap()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    let started = Instant::now();
    for worker in 0..CONCURRENCY {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
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
    let total = requests.load(Ordering::Relaxed);
    println!("target: {target}");
    println!(
        "loop: POST /payment-intents then GET /payment-intents/{{id}}, {CONCURRENCY} concurrent, {seconds} s"
    );
    println!("requests/s: {:.0}", total as f64 / elapsed);
    println!(
        "loops: {}, failed loops: {}",
        latencies.len(),
        failures.load(Ordering::Relaxed)
    );
    println!(
        "loop latency p50: {:?}, p99: {:?}",
        percentile(0.50),
        percentile(0.99)
    );
}

/// One loop; false when either call did not answer 2xx.
async fn create_then_get(http: &reqwest::Client, base: &str, worker: usize) -> bool {
    let body = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": format!("bench {worker}")});
    let created = http
        .post(format!("{base}/payment-intents"))
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .header("version", "2026-02-27")
        .json(&body)
        .send()
        .await;
    let Ok(created) = created else { return false };
    let ok = created.status().is_success();
    let Ok(intent) = created.json::<serde_json::Value>().await else {
        return false;
    };
    let id = intent["id"].as_str().unwrap_or("pi_unknown");
    let fetched = http
        .get(format!("{base}/payment-intents/{id}"))
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .header("version", "2026-02-27")
        .send()
        .await;
    ok && fetched.is_ok_and(|r| r.status().is_success())
}
