//! The emulator answers every operation of Dojo's document, and every body
//! it answers with — through each intent's whole lifecycle, not one call
//! per operation — is valid against the ORIGINAL document's schema for that
//! operation and status, checked by `jsonschema`, not by our generated
//! types, so a bug shared by generator and emulator cannot hide.
//!
//! One module per resource; every path is rendered from the document's
//! template and the parameters named in it.

#[path = "../support/mod.rs"]
mod support;

mod customers;
mod epos;
mod errors;
mod examples;
mod payment_intents;
mod pci;
mod setup_intents;
mod terminals;
mod webhooks;

use std::collections::BTreeSet;

use dojo_payments_emulator::Emulator;
use serde_json::{Value, json};
use support::document_check::DocumentCheck;
use support::openapi_schema::Checker;

const PCI_OPERATION: &str = "POST /setup-intents (PCI host)";

/// The emulator, the document, and what has been called.
pub struct Conformance {
    http: reqwest::Client,
    emulator: Emulator,
    api: DocumentCheck,
    pci: DocumentCheck,
    called: BTreeSet<String>,
}

/// `template` with each `{name}` replaced by its value, percent-encoded.
pub fn path(template: &str, params: &[(&str, &str)]) -> String {
    let mut path = template.to_owned();
    for (name, value) in params {
        let placeholder = format!("{{{name}}}");
        assert!(path.contains(&placeholder), "{template} has no {{{name}}}");
        path = path.replace(&placeholder, &support::path_segment(value));
    }
    assert!(!path.contains('{'), "{template}: a parameter is missing");
    path
}

impl Conformance {
    async fn new() -> Self {
        Self {
            http: dojo_payments_api::http_client().unwrap(),
            emulator: Emulator::builder().seed(7).start().await.unwrap(),
            api: DocumentCheck::api(),
            pci: DocumentCheck::pci(),
            called: BTreeSet::new(),
        }
    }

    /// Calls `method template` with the path `params`, checks the answer
    /// against the document, and returns its status and body.
    pub async fn call(
        &mut self,
        method: &str,
        template: &str,
        params: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_with(method, template, params, "", body, None)
            .await
    }

    /// [`Conformance::call`] with a query string (`?…`) and another
    /// `Authorization` header.
    pub async fn call_with(
        &mut self,
        method: &str,
        template: &str,
        params: &[(&str, &str)],
        query: &str,
        body: Option<Value>,
        authorization: Option<&str>,
    ) -> (u16, Value) {
        let key = format!("Basic {}", dojo_payments_emulator::API_KEY);
        let url = format!(
            "{}{}{query}",
            self.emulator.api_url(),
            path(template, params)
        );
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("version", dojo_payments_emulator::API_VERSION)
            .header("authorization", authorization.unwrap_or(&key))
            .header("software-house-id", "softwareHouse1")
            .header("idempotencyKey", format!("key-{template}-{params:?}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, value) = answer(request).await;
        if let Err(error) = self.api.check(method, template, status, &value) {
            panic!("{error}");
        }
        self.called
            .insert(format!("{} {template}", method.to_uppercase()));
        (status, value)
    }

    /// Reads payment intent `id` (canceled ones too) and checks the answer:
    /// every state an intent passes through is answered validly.
    pub async fn read_payment_intent(&mut self, id: &str) -> Value {
        let (status, intent) = self
            .call_with(
                "GET",
                "/payment-intents/{paymentIntentId}",
                &[("paymentIntentId", id)],
                "?returnCanceled=true",
                None,
                None,
            )
            .await;
        assert_eq!(status, 200, "{intent}");
        intent
    }

    /// Reads setup intent `id` (full and public views) and checks both.
    pub async fn read_setup_intent(&mut self, id: &str) -> Value {
        let params = [("setupIntentId", id)];
        self.call(
            "GET",
            "/setup-intents/public/{setupIntentId}",
            &params,
            None,
        )
        .await;
        let (status, setup) = self
            .call("GET", "/setup-intents/{setupIntentId}", &params, None)
            .await;
        assert_eq!(status, 200, "{setup}");
        setup
    }
}

/// Sends `request`; the status and the JSON body (`Null` when empty), which
/// must be labelled `application/json`.
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    let bytes = response.bytes().await.unwrap();
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{status}"
    );
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// A field of `body` that must be there.
pub fn id(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

#[tokio::test]
async fn every_operation_answers_with_a_body_valid_against_the_original_document() {
    let mut t = Conformance::new().await;
    payment_intents::lifecycles(&mut t).await;
    setup_intents::lifecycles(&mut t).await;
    customers::all(&mut t).await;
    webhooks::all(&mut t).await;
    terminals::all(&mut t).await;
    epos::all(&mut t).await;
    pci::tokenization(&mut t).await;
    errors::all(&mut t).await;

    let mut operations = BTreeSet::new();
    for (path, item) in t.api.document()["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters")
        {
            operations.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert_eq!(operations.len(), 49);
    let missing: Vec<_> = operations.difference(&t.called).collect();
    assert!(missing.is_empty(), "operations never called: {missing:#?}");
    assert!(t.called.contains(PCI_OPERATION));
}

/// Every field of every documented example answer is answered by the
/// emulator in the example's state, or is a listed deliberate omission
/// (`examples::OMISSIONS`, each with its reason).
#[tokio::test]
async fn every_field_of_every_documented_example_is_answered() {
    let mut t = Conformance::new().await;
    let answers = examples::answers(&mut t).await;
    let problems = examples::compare(t.api.document(), &answers);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The checker itself rejects what the document forbids, so a pass above
/// means something.
#[test]
fn the_checker_rejects_what_the_document_forbids() {
    let document = support::original_document();
    let checker = Checker::new(&document);
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    // A closed object with an unknown field, and a wrong type.
    let money = json!({"value": 1, "currencyCode": "GBP", "x": 1});
    assert!(!checker.errors(&schema("Money"), &money).is_empty());
    assert!(
        !checker
            .errors(&schema("PaymentIntent"), &json!({"id": 5}))
            .is_empty()
    );
    // An enum value the document does not list.
    let pending = json!({"status": "Pending"});
    assert!(
        !checker
            .errors(&schema("PaymentIntent"), &pending)
            .is_empty()
    );
    // allOf of two closed parts: the union is fine, anything else is not.
    let union = json!({"id": "si_1", "status": "Created", "setupEvents": []});
    assert!(
        checker
            .errors(&schema("SetupIntentResponse"), &union)
            .is_empty()
    );
    let bogus = json!({"id": "si_1", "bogus": 1});
    assert!(
        !checker
            .errors(&schema("SetupIntentResponse"), &bogus)
            .is_empty()
    );
    // nullable admits null.
    let null = json!({"description": null});
    assert!(checker.errors(&schema("PaymentIntent"), &null).is_empty());
}
