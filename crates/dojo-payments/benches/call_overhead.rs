//! What the SDK costs over a hand-written call: `cargo bench -p dojo-payments --bench call_overhead`.
//!
//! One operation (create a payment intent, then read it back) through
//! (a) a bare `reqwest` + `serde_json` call written by hand decoding four
//! fields, (a2) the same call decoding the whole typed `PaymentIntent` (what
//! the SDK hands back), (b) `dojo-payments-api`, (c) `dojo-payments`, against one minimal
//! loopback server that answers a fixed body (so that server time does not
//! hide client cost). Criterion reports each; then the bench times them in
//! interleaved rounds and prints the ratios of their medians, the cost of
//! decoding the intent both ways, and throughput at 64 calls in flight.
//! Goals, judged against (a2), the like-for-like call that decodes what the
//! SDK hands back: (c)/(a2) ≤ 1.05 median latency (and in instructions,
//! `bench/instruction_counts.sh`), ≥ 0.95 throughput at 64 in flight. (a),
//! which decodes four fields, stays as a reference line. The bench prints
//! its verdict.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use dojo_payments::types::{ApiKey, Currency, Money, PaymentIntentId};
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

/// The id of a decoded intent, for the read that follows the create.
trait HasId {
    fn id(&self) -> &str;
}

impl HasId for Intent {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for dojo_payments::api_types::PaymentIntent {
    fn id(&self) -> &str {
        self.id.as_ref().map_or("", |id| id.as_str())
    }
}

/// The clients compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// (a) bare reqwest, four fields decoded.
    Bare,
    /// (a2) bare reqwest, the whole typed intent decoded.
    BareTyped,
    /// (b) dojo-payments-api.
    Raw,
    /// (c) dojo.
    Sdk,
}

impl Which {
    const ALL: [Self; 4] = [Self::Bare, Self::BareTyped, Self::Raw, Self::Sdk];

    /// The short name (`CALL_OVERHEAD_ONLY`), criterion's name, the label.
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Bare => ("a", "a_bare_reqwest", "(a)  bare reqwest, 4 fields"),
            Self::BareTyped => (
                "a2",
                "a2_bare_reqwest_typed",
                "(a2) bare reqwest, typed intent",
            ),
            Self::Raw => ("b", "b_dojo_api", "(b)  dojo-payments-api"),
            Self::Sdk => ("c", "c_dojo_payments", "(c)  dojo-payments"),
        }
    }

    fn label(self) -> &'static str {
        self.names().2
    }

    fn parse(short: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|which| which.names().0 == short)
            .unwrap_or(Self::Sdk)
    }
}

struct Clients {
    url: String,
    bare: reqwest::Client,
    raw: dojo_payments::raw::api::Client,
    dojo: dojo_payments::Dojo,
}

impl Clients {
    fn new(url: String) -> Self {
        let key = ApiKey::new(KEY).unwrap();
        let plain = std::env::var("PLAIN").is_ok();
        Self {
            bare: dojo_payments_api::http_client_builder()
                .unwrap()
                .build()
                .unwrap(),
            raw: if plain {
                dojo_payments::raw::api::Client::with_http(
                    &url,
                    dojo_payments_api::http_client_builder()
                        .unwrap()
                        .build()
                        .unwrap(),
                    dojo_payments::raw::Context::new(Some(&key)),
                )
            } else {
                dojo_payments::raw::api::Client::from_key_at(&url, &key).unwrap()
            },
            dojo: if plain {
                dojo_payments::Dojo::builder(key).http_client(
                    dojo_payments_api::http_client_builder()
                        .unwrap()
                        .build()
                        .unwrap(),
                )
            } else {
                dojo_payments::Dojo::builder(key)
            }
            .api_url(url.clone())
            .build()
            .unwrap(),
            url,
        }
    }

    /// (a): the call written by hand, decoding `T` (four fields, or the
    /// whole typed intent for (a2)).
    async fn bare<T: serde::de::DeserializeOwned + HasId>(&self) {
        let created: T = self
            .bare
            .post(format!("{}/payment-intents", self.url))
            .header("authorization", format!("Basic {KEY}"))
            .header("version", dojo_payments::Dojo::API_VERSION)
            .json(&json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order 234"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let read: T = self
            .bare
            .get(format!("{}/payment-intents/{}", self.url, created.id()))
            .header("authorization", format!("Basic {KEY}"))
            .header("version", dojo_payments::Dojo::API_VERSION)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        black_box(read);
    }

    /// Client `which` once: `a`, `a2`, `b` or `c`.
    async fn one(&self, which: Which) {
        match which {
            Which::Bare => self.bare::<Intent>().await,
            Which::BareTyped => self.bare::<dojo_payments::api_types::PaymentIntent>().await,
            Which::Raw => self.raw().await,
            Which::Sdk => self.sdk().await,
        }
    }

    /// (b): the generated client.
    async fn raw(&self) {
        let body = dojo_payments::api_types::CreatePaymentIntentRequest {
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
            .send()
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

/// Median microseconds per operation pair of each client, in interleaved
/// rounds (a a2 b c a a2 b c …, so drift in the machine's speed hits all
/// alike).
fn interleaved(runtime: &tokio::runtime::Runtime, clients: &Clients) -> [f64; 4] {
    const ROUNDS: usize = 31;
    const CALLS: u32 = 300;
    let mut times: [Vec<f64>; 4] = Default::default();
    runtime.block_on(async {
        for _ in 0..ROUNDS {
            for (which, slot) in Which::ALL.into_iter().zip(times.iter_mut()) {
                let started = Instant::now();
                for _ in 0..CALLS {
                    clients.one(which).await;
                }
                slot.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS));
            }
        }
    });
    times.map(median)
}

/// Operation pairs per second of `which` with 64 in flight, for `seconds`.
fn throughput(
    runtime: &tokio::runtime::Runtime,
    clients: &Arc<Clients>,
    which: Which,
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
                        clients.one(which).await;
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

/// For a profiler (`CALL_OVERHEAD_ONLY=a|a2|b|c`): one client alone, in a
/// loop, for exactly `CALL_OVERHEAD_N` op pairs (an instruction count must
/// not depend on how slow the profiler is), or else for 10 s. With
/// `CALL_OVERHEAD_THROUGHPUT_SECS` instead, that client's throughput at 64
/// in flight (for A/B runs of two builds, one process per round).
fn only(runtime: &tokio::runtime::Runtime, clients: &Clients, which: Which) {
    let limit: Option<u32> = std::env::var("CALL_OVERHEAD_N")
        .ok()
        .and_then(|n| n.parse().ok());
    let started = Instant::now();
    let mut done = 0u32;
    let more = |done: u32| match limit {
        Some(limit) => done < limit,
        None => started.elapsed() < Duration::from_secs(10),
    };
    runtime.block_on(async {
        while more(done) {
            clients.one(which).await;
            done += 1;
        }
    });
    let per_pair = started.elapsed().as_secs_f64() * 1e6 / f64::from(done.max(1));
    println!(
        "{} alone: {done} op pairs, {per_pair:.1} µs each",
        which.label()
    );
}

/// Nanoseconds per decode of the bench's intent: the whole typed
/// `PaymentIntent` (what (a2), (b) and (c) decode) and the four fields (a)
/// decodes; median of five rounds each.
fn decode_cost() -> (f64, f64) {
    const DECODES: u32 = 50_000;
    let body = intent_body();
    let time = |decode: &dyn Fn()| {
        let rounds: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                for _ in 0..DECODES {
                    decode();
                }
                started.elapsed().as_nanos() as f64 / f64::from(DECODES)
            })
            .collect();
        median(rounds)
    };
    let typed = time(&|| {
        let intent: dojo_payments::api_types::PaymentIntent =
            serde_json::from_str(black_box(&body)).unwrap();
        black_box(intent);
    });
    let four = time(&|| {
        let intent: Intent = serde_json::from_str(black_box(&body)).unwrap();
        black_box(intent);
    });
    (typed, four)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients = Arc::new(Clients::new(serve(&runtime)));
    if let Ok(which) = std::env::var("CALL_OVERHEAD_ONLY") {
        let which = Which::parse(&which);
        if let Ok(seconds) = std::env::var("CALL_OVERHEAD_THROUGHPUT_SECS") {
            let seconds = seconds.parse().unwrap_or(2.0);
            let pairs = throughput(&runtime, &clients, which, seconds);
            return println!(
                "{} alone, 64 in flight: {pairs:.0} op pairs/s",
                which.label()
            );
        }
        return only(&runtime, &clients, which);
    }

    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut group = criterion.benchmark_group("create_then_read");
    for which in Which::ALL {
        group.bench_function(which.names().1, |b| {
            b.to_async(&runtime).iter(|| clients.one(which))
        });
    }
    group.finish();

    let medians = interleaved(&runtime, &clients);
    let [a, a2, _, c] = medians;
    println!("\ncreate + read, median µs per operation pair over interleaved rounds:");
    for (which, median) in Which::ALL.into_iter().zip(medians) {
        println!(
            "  {:<32} {median:>8.1}   /(a) {:.3}   /(a2) {:.3}",
            which.label(),
            median / a,
            median / a2
        );
    }
    println!("  (c)/(a) {:.3}   (c)/(a2) {:.3}", c / a, c / a2);
    let latency = c / a2;

    let (typed, four) = decode_cost();
    println!(
        "\ndecoding the 1 KB intent: typed {typed:.0} ns, four fields {four:.0} ns ({:.2}×)",
        typed / four
    );

    // Throughput is noisy on a small machine (server and clients share it):
    // six rounds, each running (a), (a2), (c) in a different order (a client
    // that always ran last would meet the others' idle connections on the
    // server every time), each round's ratios, and their medians.
    let (mut to_a, mut to_a2) = (Vec::new(), Vec::new());
    println!("\n64 in flight, 2 s each, (a), (a2), (c) in every order, six rounds (op pairs/s):");
    let measured = [Which::Bare, Which::BareTyped, Which::Sdk];
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [0, 2, 1],
        [1, 0, 2],
        [2, 1, 0],
    ];
    for order in ORDERS {
        let mut pairs = [0.0; 3];
        for slot in order {
            pairs[slot] = throughput(&runtime, &clients, measured[slot], 2.0);
        }
        let [bare, typed, sdk] = pairs;
        println!(
            "  (a) {bare:>7.0}   (a2) {typed:>7.0}   (c) {sdk:>7.0}   (c)/(a) {:.3}   (c)/(a2) {:.3}",
            sdk / bare,
            sdk / typed
        );
        to_a.push(sdk / bare);
        to_a2.push(sdk / typed);
    }
    let throughput = median(to_a2);
    println!(
        "  median throughput (c)/(a) {:.3}   (c)/(a2) {throughput:.3}",
        median(to_a),
    );
    println!("\nverdict against (a2), the like-for-like call ((a) is a reference line):");
    println!(
        "  median latency (c)/(a2) {latency:.3} <= 1.05: {}",
        verdict(latency <= 1.05)
    );
    println!(
        "  throughput at 64 in flight (c)/(a2) {throughput:.3} >= 0.95: {}",
        verdict(throughput >= 0.95)
    );
}

fn verdict(holds: bool) -> &'static str {
    if holds { "holds" } else { "DOES NOT HOLD" }
}
