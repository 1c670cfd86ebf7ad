//! The SDK's futures stay close to the size of the raw call they wrap.
//!
//! Every call in flight holds its future and every layer that awaits it
//! moves it. Two things once made them two to three times the raw call's,
//! both invisible in the code: an answer named in a local stayed in the
//! future's state across the failure path's await (2.5 KB with a decoded
//! intent), and an `async fn` keeps its by-value `self` twice
//! (rust-lang/rust#62958), a builder with its whole raw request. Nothing
//! here is polled.

use std::mem::size_of_val;

use dojo_payments::Dojo;
use dojo_payments::api_types::{CreatePaymentIntentRequest, CreateRefundRequest};
use dojo_payments::resources::CreatePaymentIntent;
use dojo_payments::types::{ApiKey, Currency, Money, PaymentIntentId};

/// What the SDK's layer (deadline, spans, retries, the failure path) may
/// add to the future of the raw call it wraps. It adds about 450 bytes.
const ENGINE_ALLOWANCE: usize = 1024;

fn dojo() -> Dojo {
    Dojo::builder(ApiKey::new("sk_sandbox_future_sizes").unwrap())
        .api_url("http://127.0.0.1:9")
        .build()
        .unwrap()
}

/// `sdk` bytes are at most `parts` (the raw call's future, and the builder
/// for a builder's) plus the engine's allowance.
fn assert_within(what: &str, sdk: usize, parts: &[(&str, usize)]) {
    let bound = parts.iter().map(|(_, size)| size).sum::<usize>() + ENGINE_ALLOWANCE;
    eprintln!("{what}: {sdk} bytes; {parts:?}");
    assert!(
        sdk <= bound,
        "{what}: {sdk} bytes, over {parts:?} + allowance {ENGINE_ALLOWANCE}"
    );
}

/// The builder every create here is measured with.
fn create(dojo: &Dojo) -> CreatePaymentIntent<'_> {
    dojo.payment_intents()
        .create(Money::new(1000, Currency::GBP), "Order 1")
}

fn id() -> PaymentIntentId {
    PaymentIntentId::new("pi_sandbox_future_sizes").unwrap()
}

#[test]
fn a_read_costs_at_most_the_allowance_over_the_raw_read() {
    let dojo = dojo();
    let id = id();
    let raw = size_of_val(&dojo.raw().payment_intents_get(&id, None));
    let sdk = size_of_val(&dojo.payment_intents().get(&id));
    assert_within("get", sdk, &[("raw read", raw)]);
}

#[test]
fn a_builder_is_kept_once_in_the_future_that_sends_it() {
    let dojo = dojo();
    let create = || create(&dojo);
    let builder = size_of_val(&create());
    let body: CreatePaymentIntentRequest = serde_json::from_str(
        r#"{"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order 1"}"#,
    )
    .unwrap();
    let raw = size_of_val(&dojo.raw().payment_intents_create_payment_intent(&body));
    let sdk = size_of_val(&create().send());
    assert_within("create", sdk, &[("builder", builder), ("raw", raw)]);

    let id = id();
    let refund = || {
        dojo.payment_intents()
            .refund(&id, Money::new(100, Currency::GBP))
    };
    let builder = size_of_val(&refund());
    let body: CreateRefundRequest =
        serde_json::from_str(r#"{"amount": 100, "refundReason": "damaged"}"#).unwrap();
    let raw = size_of_val(&dojo.raw().refunds_create(&id, "key", &body));
    let sdk = size_of_val(&refund().send());
    assert_within("refund", sdk, &[("builder", builder), ("raw", raw)]);
}

#[test]
fn a_typed_create_holds_the_send_future_and_not_the_builder_again() {
    let dojo = dojo();
    let create = || create(&dojo);
    let send = size_of_val(&create().send());
    let created = size_of_val(&create().created());
    assert_within("created", created, &[("send", send)]);
}

#[test]
fn charging_a_saved_card_holds_the_setup_intent_once() {
    use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
    use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
    let dojo = dojo();
    let AnySetupIntent::Authorized(setup) = AnySetupIntent::from(
        serde_json::from_str::<dojo_payments::api_types::SetupIntentResponse>(
            r#"{"id": "si_sandbox_1", "status": "Authorized",
                "intendedAmount": {"value": 1000, "currencyCode": "GBP"}}"#,
        )
        .unwrap(),
    ) else {
        panic!("not read as Authorized")
    };
    let AnyPaymentIntent::Created(payment) = AnyPaymentIntent::from(
        serde_json::from_str::<dojo_payments::api_types::PaymentIntent>(
            r#"{"id": "pi_sandbox_1", "status": "Created", "setupIntentId": "si_sandbox_1",
                "amount": {"value": 1000, "currencyCode": "GBP"}}"#,
        )
        .unwrap(),
    ) else {
        panic!("not read as Created")
    };
    // The charge awaits these one after the other, holding the payment
    // intent it created across the last two.
    let steps = [
        size_of_val(&create(&dojo).setup_intent(setup.id()).created()),
        size_of_val(&payment.charge(&dojo)),
        size_of_val(&dojo.setup_intents().get(setup.id())),
    ];
    let largest_step = steps.into_iter().max().unwrap_or_default();
    let charge = size_of_val(&setup.clone().charge(&dojo));
    assert_within(
        "charge",
        charge,
        &[
            ("setup intent", size_of_val(&setup)),
            ("payment intent", size_of_val(&payment)),
            ("largest step", largest_step),
        ],
    );
}
