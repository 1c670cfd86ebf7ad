//! The `metrics` feature: calls, retries and ambiguous outcomes counted per
//! location, through the `metrics` facade, as a recorder receives them.

#![cfg(feature = "metrics")]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use dojo_payments::types::{ApiKey, LocationId};
use dojo_payments::{Delivery, Dojo, Location};
use dojo_payments_emulator::{Emulator, Fault};
use metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};

/// A recorder that keeps each counter's total, by name and labels.
#[derive(Clone, Default)]
struct Counts(Arc<Mutex<BTreeMap<String, u64>>>);

struct One(String, Counts);

impl CounterFn for One {
    fn increment(&self, value: u64) {
        *self.1.0.lock().unwrap().entry(self.0.clone()).or_default() += value;
    }

    fn absolute(&self, value: u64) {
        self.1.0.lock().unwrap().insert(self.0.clone(), value);
    }
}

impl Recorder for Counts {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let labels: Vec<_> = key
            .labels()
            .map(|label| format!("{}={}", label.key(), label.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Counter::from_arc(Arc::new(One(name, self.clone())))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn key(name: &str) -> ApiKey {
    ApiKey::new(format!("sk_sandbox_{name}_0123456789abcdef")).unwrap()
}

fn id(name: &str) -> LocationId {
    name.parse().unwrap()
}

#[tokio::test]
async fn calls_retries_and_ambiguous_outcomes_are_counted_per_location() {
    let counts = Counts::default();
    metrics::set_global_recorder(counts.clone()).unwrap();
    let emulator = Emulator::builder()
        .location(id("soho"), key("soho"))
        .location(id("camden"), key("camden"))
        .start()
        .await
        .unwrap();
    let dojo = Dojo::builder_for_sites()
        .endpoints(emulator.endpoints())
        .retry_policy(quick_retries())
        .location(Location::new(id("soho"), key("soho")))
        .location(Location::new(id("camden"), key("camden")))
        .build()
        .unwrap();
    let soho = dojo.location(&id("soho")).unwrap();
    let camden = dojo.location(&id("camden")).unwrap();

    let intent = soho
        .payment_intents()
        .create(gbp(100), "ok")
        .send()
        .await
        .unwrap();
    let read = camden
        .payment_intents()
        .create(gbp(200), "read")
        .send()
        .await;
    let read = read.unwrap();
    emulator
        .inject_fault(
            "GET /payment-intents/{paymentIntentId}",
            Fault::fail(503),
            1,
        )
        .unwrap();
    camden
        .payment_intents()
        .get(read.id.as_ref().unwrap())
        .await
        .unwrap();
    emulator
        .inject_fault("POST /payment-intents", Fault::drop_after_commit(), 1)
        .unwrap();
    let lost = soho
        .payment_intents()
        .create(gbp(300), "lost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(lost.delivery(), Delivery::MaybeApplied, "{lost}");
    assert!(intent.id.is_some());

    let counts = counts.0.lock().unwrap().clone();
    let count = |name: &str| counts.get(name).copied().unwrap_or(0);
    const CREATE: &str = "payment_intents_create_payment_intent";
    const GET: &str = "payment_intents_get";
    assert_eq!(
        count(&format!(
            "dojo_calls_total{{location=soho,operation={CREATE},outcome=ok}}"
        )),
        1,
        "{counts:#?}"
    );
    assert_eq!(
        count(&format!(
            "dojo_calls_total{{location=soho,operation={CREATE},outcome=error}}"
        )),
        1,
        "{counts:#?}"
    );
    assert_eq!(
        count(&format!(
            "dojo_ambiguous_total{{location=soho,operation={CREATE}}}"
        )),
        1,
        "{counts:#?}"
    );
    assert_eq!(
        count(&format!(
            "dojo_retries_total{{location=camden,operation={GET}}}"
        )),
        1,
        "{counts:#?}"
    );
    assert_eq!(
        count(&format!(
            "dojo_calls_total{{location=camden,operation={GET},outcome=ok}}"
        )),
        1,
        "{counts:#?}"
    );
    assert!(
        counts.keys().all(|name| !name.contains("0123456789")),
        "{counts:#?}"
    );
}
