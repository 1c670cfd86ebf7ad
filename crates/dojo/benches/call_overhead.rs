//! What the SDK costs over a hand-written call: `cargo bench -p dojo --bench call_overhead`.
//!
//! One operation (create a payment intent, then read it back) through
//! (a) a bare `reqwest` + `serde_json` call written by hand, (b) `dojo-api`,
//! (c) `dojo`, against one minimal loopback server that answers a fixed body
//! (so that server time does not hide client cost). Criterion reports each;
//! then the bench times the three in interleaved rounds (A B C A B C …, so
//! drift in the machine's speed hits all alike) and prints the ratios of
//! their medians, and the throughput of (a) and (c) at 64 calls in flight.
//! Goals: (c)/(a) ≤ 1.05 median latency, ≥ 0.95 throughput.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use dojo::types::{ApiKey, Currency, Money, PaymentIntentId};
use serde::Deserialize;
use serde_json::json;

const KEY: &str = "sk_sandbox_bench_0123456789abcdef";

/// A payment intent as Dojo answers one (about 1 KB).
fn intent_body() -> String {
    json!({
        "id": "pi_sandbox_RBMHTJ4fIkmSppDILZVCGw", "captureMode": "Auto", "status": "Created",
        "paymentMethods": ["Card"], "amount": {"value": 1000, "currencyCode": "GBP"},
        "tipsAmount": {"value": 0, "currencyCode": "GBP"},
        "requestedAmount": {"value": 1000, "currencyCode": "GBP"},
        "totalAmount": {"value": 1000, "currencyCode": "GBP"}, "refundedAmount": 0,
        "createdAt": "2026-03-02T10:00:00.0000000Z", "updatedAt": "2026-03-02T10:00:00.0000000Z",
        "reference": "Order 234", "description": "A bench payment",
        "clientSessionSecret": "sandbox_2yXmO7a3-bench-secret-2yXmO7a3", "clientSessionSecretExpirationDate": "2026-03-02T10:30:00Z",
        "paymentLink": "https://pay.dojo.tech/checkout/pi_sandbox_RBMHTJ4fIkmSppDILZVCGw",
        "merchantConfig": {"supportedPaymentMethods": {"cardSchemes": ["VISA", "MASTERCARD"], "wallets": ["APPLE_PAY"]}},
        "config": {"title": "Shop", "payment": {"customAmountAllowed": false, "tipsAllowed": false}},
        "expireAt": "2026-03-09T10:00:00Z", "itemLines": [{"id": "1", "name": "Tea", "quantity": 2, "amountTotal": {"value": 1000, "currencyCode": "GBP"}}]
    })
    .to_string()
}

/// The server: every POST and GET answers the same intent.
fn serve(runtime: &tokio::runtime::Runtime) -> String {
    let body = Arc::new(intent_body());
    let answer = move || {
        let body = body.clone();
        async move { ([("content-type", "application/json")], (*body).clone()) }
    };
    let app = axum::Router::new()
        .route("/payment-intents", axum::routing::post(answer.clone()))
        .route("/payment-intents/{id}", axum::routing::get(answer));
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    })
}

/// What a hand-written client would decode.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Intent {
    id: String,
    status: String,
    total_amount: Amount,
    payment_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Amount {
    value: i64,
    currency_code: String,
}

struct Clients {
    url: String,
    bare: reqwest::Client,
    raw: dojo::raw::api::Client,
    dojo: dojo::Dojo,
}

impl Clients {
    fn new(url: String) -> Self {
        let key = ApiKey::new(KEY).unwrap();
        Self {
            bare: reqwest::Client::new(),
            raw: dojo::raw::api::Client::from_key_at(&url, &key).unwrap(),
            dojo: dojo::Dojo::builder(key)
                .api_url(url.clone())
                .build()
                .unwrap(),
            url,
        }
    }

    /// (a): the call written by hand.
    async fn bare(&self) {
        let created: Intent = self
            .bare
            .post(format!("{}/payment-intents", self.url))
            .header("authorization", format!("Basic {KEY}"))
            .header("version", "2026-02-27")
            .json(&json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order 234"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let read: Intent = self
            .bare
            .get(format!("{}/payment-intents/{}", self.url, created.id))
            .header("authorization", format!("Basic {KEY}"))
            .header("version", "2026-02-27")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        black_box(read);
    }

    /// (b): the generated client.
    async fn raw(&self) {
        let body = dojo::api_types::CreatePaymentIntentRequest {
            amount: Money::new(1000, Currency::GBP),
            reference: "Order 234".into(),
            action_link: None,
            auto_expire_action: None,
            auto_expire_in: None,
            billing_address: None,
            capture_mode: None,
            card_holder_not_present: None,
            cashback_amount: None,
            config: None,
            customer: None,
            description: None,
            expire_at: None,
            generate_remote_token: None,
            is_not_online_checkout: None,
            item_lines: None,
            metadata: None,
            order_details: None,
            payment_methods: None,
            request_security: None,
            service_charge_amount: None,
            setup_intent_id: None,
            shipping_details: None,
            tax_lines: None,
            tips_amount: None,
        };
        let created = self
            .raw
            .payment_intents_create_payment_intent(&body)
            .await
            .unwrap();
        let id: &PaymentIntentId = created.id.as_ref().unwrap();
        black_box(self.raw.payment_intents_get(id, None).await.unwrap());
    }

    /// (c): the SDK, with validation, retries, spans.
    async fn sdk(&self) {
        let created = self
            .dojo
            .payment_intents()
            .create(Money::new(1000, Currency::GBP), "Order 234")
            .await
            .unwrap();
        black_box(
            self.dojo
                .payment_intents()
                .get(created.id.as_ref().unwrap())
                .await
                .unwrap(),
        );
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median microseconds per call of each client, in interleaved rounds.
fn interleaved(runtime: &tokio::runtime::Runtime, clients: &Clients) -> [f64; 3] {
    const ROUNDS: usize = 31;
    const CALLS: u32 = 300;
    let mut times: [Vec<f64>; 3] = Default::default();
    runtime.block_on(async {
        for _ in 0..ROUNDS {
            for (which, slot) in times.iter_mut().enumerate() {
                let started = Instant::now();
                for _ in 0..CALLS {
                    match which {
                        0 => clients.bare().await,
                        1 => clients.raw().await,
                        _ => clients.sdk().await,
                    }
                }
                slot.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS));
            }
        }
    });
    times.map(median)
}

/// Calls per second with 64 in flight, for `seconds`.
fn throughput(
    runtime: &tokio::runtime::Runtime,
    clients: &Arc<Clients>,
    sdk: bool,
    seconds: f64,
) -> f64 {
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let clients = clients.clone();
                tokio::spawn(async move {
                    let mut done = 0u64;
                    while Instant::now() < deadline {
                        if sdk {
                            clients.sdk().await
                        } else {
                            clients.bare().await
                        }
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        total as f64 / seconds
    })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients = Arc::new(Clients::new(serve(&runtime)));

    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut group = criterion.benchmark_group("create_then_read");
    group.bench_function("a_bare_reqwest", |b| {
        b.to_async(&runtime).iter(|| clients.bare())
    });
    group.bench_function("b_dojo_api", |b| {
        b.to_async(&runtime).iter(|| clients.raw())
    });
    group.bench_function("c_dojo", |b| b.to_async(&runtime).iter(|| clients.sdk()));
    group.finish();

    let [a, b, c] = interleaved(&runtime, &clients);
    println!("\ncreate + read, median per operation pair over interleaved rounds:");
    println!("  (a) bare reqwest + serde_json  {a:>8.1} µs");
    println!(
        "  (b) dojo-api                   {b:>8.1} µs   (b)/(a) {:.3}",
        b / a
    );
    println!(
        "  (c) dojo                       {c:>8.1} µs   (c)/(a) {:.3}",
        c / a
    );
    // Throughput is noisy on a small machine (server and clients share it):
    // five alternating pairs, each pair's ratio, and the median ratio.
    let mut ratios = Vec::new();
    println!("64 in flight, 2 s each, (a) then (c), five pairs:");
    for _ in 0..5 {
        let bare = throughput(&runtime, &clients, false, 2.0);
        let sdk = throughput(&runtime, &clients, true, 2.0);
        println!(
            "  (a) {bare:>7.0} op pairs/s   (c) {sdk:>7.0} op pairs/s   (c)/(a) {:.3}",
            sdk / bare
        );
        ratios.push(sdk / bare);
    }
    println!("  median (c)/(a) throughput {:.3}", median(ratios));
}
