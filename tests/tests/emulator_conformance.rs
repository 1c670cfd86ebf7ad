//! The emulator answers every operation of Dojo's document, and every body
//! it answers with is valid against the ORIGINAL document's schema for that
//! operation and status — checked by `jsonschema`, not by our generated
//! types, so a bug shared by generator and emulator cannot hide.

mod support;

use std::collections::BTreeSet;

use dojo_emulator::{Card, Emulator};
use dojo_types::{PaymentIntentId, SetupIntentId};
use serde_json::{Value, json};
use support::openapi_schema::Checker;

const PCI_OPERATION: &str = "POST /setup-intents (PCI host)";

struct Conformance {
    http: reqwest::Client,
    emulator: Emulator,
    document: Value,
    checker: Checker,
    called: BTreeSet<String>,
}

impl Conformance {
    async fn new() -> Self {
        let document = support::original_document();
        Self {
            http: reqwest::Client::new(),
            emulator: Emulator::builder().seed(7).start().await.unwrap(),
            checker: Checker::new(&document),
            document,
            called: BTreeSet::new(),
        }
    }

    /// Calls `method template` (the document's path template) at `path`,
    /// validates the answer against the document, and returns its body.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_as(method, template, path, body, None).await
    }

    async fn call_as(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
        authorization: Option<&str>,
    ) -> (u16, Value) {
        let key = format!("Basic {}", dojo_emulator::API_KEY);
        let mut request = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.emulator.api_url()),
            )
            .header("version", "2026-02-27")
            .header("authorization", authorization.unwrap_or(&key))
            .header("software-house-id", "softwareHouse1")
            .header("idempotencyKey", format!("key-{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        self.validate(method, template, status, &value);
        self.called
            .insert(format!("{} {template}", method.to_uppercase()));
        (status, value)
    }

    fn validate(&self, method: &str, template: &str, status: u16, body: &Value) {
        let operation = &self.document["paths"][template][method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not in the document"
        );
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {template} answered {status}, which the document does not list: {body}"
        );
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let errors = self.checker.errors(schema, body);
                assert!(
                    errors.is_empty(),
                    "{method} {template} {status}: {errors:#?}\n{body:#}"
                );
            }
            None => assert!(
                body.is_null(),
                "{method} {template} {status} must have no body: {body}"
            ),
        }
    }
}

fn id(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

#[tokio::test]
async fn every_operation_answers_with_a_body_valid_against_the_original_document() {
    let mut t = Conformance::new().await;
    payment_intents(&mut t).await;
    setup_intents(&mut t).await;
    customers(&mut t).await;
    webhooks(&mut t).await;
    terminals(&mut t).await;
    epos(&mut t).await;
    pci_host(&mut t).await;
    errors(&mut t).await;

    let mut operations = BTreeSet::new();
    for (path, item) in t.document["paths"].as_object().unwrap() {
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

async fn payment_intents(t: &mut Conformance) {
    let create = json!({
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "reference": "Order 1",
        "captureMode": "Manual",
        "config": {"payment": {"customAmountAllowed": true, "tipsAllowed": true}},
    });
    let (_, pi) = t
        .call("POST", "/payment-intents", "/payment-intents", Some(create))
        .await;
    let pi = id(&pi, "id");
    let at = |suffix: &str| format!("/payment-intents/{pi}{suffix}");
    t.call("GET", "/payment-intents/{paymentIntentId}", &at(""), None)
        .await;
    t.call(
        "POST",
        "/payment-intents/{paymentIntentId}/refresh-client-session-secret",
        &at("/refresh-client-session-secret"),
        None,
    )
    .await;
    let amount = json!({"amount": {"value": 1200, "currencyCode": "GBP"}});
    t.call(
        "POST",
        "/payment-intents/{paymentIntentId}/amount",
        &at("/amount"),
        Some(amount),
    )
    .await;
    let tips = json!({"tipsAmount": {"value": 100, "currencyCode": "GBP"}});
    t.call(
        "POST",
        "/payment-intents/{paymentIntentId}/tips-amount",
        &at("/tips-amount"),
        Some(tips),
    )
    .await;
    let emails = json!({"emails": ["ada@example.com"]});
    let (status, _) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/receipt",
            &at("/receipt"),
            Some(emails),
        )
        .await;
    assert_eq!(status, 204);

    t.emulator
        .pay(
            &PaymentIntentId::from_wire(pi.as_str()),
            &Card::test("5200000000001005").unwrap(),
            false,
        )
        .unwrap();
    let (status, _) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/captures",
            &at("/captures"),
            Some(json!({"amount": 1300})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, refund) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/refunds",
            &at("/refunds"),
            Some(json!({"amount": 300})),
        )
        .await;
    assert_eq!(status, 200);
    let refund = id(&refund, "refundId");
    t.call(
        "GET",
        "/payment-intents/refunds/{refundId}",
        &format!("/payment-intents/refunds/{refund}"),
        None,
    )
    .await;

    let auto = json!({"amount": {"value": 500, "currencyCode": "GBP"}, "reference": "Order 2"});
    let (_, pi2) = t
        .call(
            "POST",
            "/payment-intents",
            "/payment-intents",
            Some(auto.clone()),
        )
        .await;
    let pi2 = id(&pi2, "id");
    t.emulator
        .pay(
            &PaymentIntentId::from_wire(pi2.as_str()),
            &Card::test("4456530000001005").unwrap(),
            false,
        )
        .unwrap();
    let (status, _) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/reversal",
            &format!("/payment-intents/{pi2}/reversal"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let (_, pi3) = t
        .call("POST", "/payment-intents", "/payment-intents", Some(auto))
        .await;
    let pi3 = id(&pi3, "id");
    let (status, canceled) = t
        .call(
            "DELETE",
            "/payment-intents/{paymentIntentId}",
            &format!("/payment-intents/{pi3}"),
            None,
        )
        .await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("Canceled"))
    );
    let search = json!({"statuses": ["Refunded", "Reversed"], "cursor": {"limit": 10}});
    let (_, page) = t
        .call(
            "POST",
            "/payment-intents/search",
            "/payment-intents/search",
            Some(search),
        )
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
}

async fn setup_intents(t: &mut Conformance) {
    let create = json!({
        "reference": "Booking 4",
        "merchantInitiatedTransactionType": "NoShow",
        "terms": "No-show fee.",
        "intendedAmount": {"value": "1000", "currencyCode": "GBP"},
    });
    let (_, si) = t
        .call(
            "POST",
            "/setup-intents",
            "/setup-intents",
            Some(create.clone()),
        )
        .await;
    let si = id(&si, "id");
    let at = |prefix: &str, suffix: &str| format!("/setup-intents/{prefix}{si}{suffix}");
    t.call("GET", "/setup-intents/{setupIntentId}", &at("", ""), None)
        .await;
    t.call(
        "GET",
        "/setup-intents/public/{setupIntentId}",
        &at("public/", ""),
        None,
    )
    .await;
    t.call(
        "POST",
        "/setup-intents/{setupIntentId}/refresh-client-session-secret",
        &at("", "/refresh-client-session-secret"),
        None,
    )
    .await;
    t.call(
        "POST",
        "/setup-intents/public/{setupIntentId}/refresh-client-session-secret",
        &at("public/", "/refresh-client-session-secret"),
        None,
    )
    .await;
    t.emulator
        .authorize_setup_intent(
            &SetupIntentId::from_wire(si.as_str()),
            &Card::test("5200000000001005").unwrap(),
        )
        .unwrap();
    let charge = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "No-show", "setupIntentId": si});
    let (_, pi) = t
        .call("POST", "/payment-intents", "/payment-intents", Some(charge))
        .await;
    let pi = id(&pi, "id");
    let (status, _) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/charge",
            &format!("/payment-intents/{pi}/charge"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, completed) = t
        .call("GET", "/setup-intents/{setupIntentId}", &at("", ""), None)
        .await;
    assert_eq!(completed["status"], "Completed");

    let (_, other) = t
        .call("POST", "/setup-intents", "/setup-intents", Some(create))
        .await;
    let other = id(&other, "id");
    let (status, canceled) = t
        .call(
            "DELETE",
            "/setup-intents/{setupIntentId}",
            &format!("/setup-intents/{other}"),
            None,
        )
        .await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("Canceled"))
    );
}

async fn customers(t: &mut Conformance) {
    let (_, customer) = t
        .call(
            "POST",
            "/customers",
            "/customers",
            Some(json!({"name": "Ada", "emailAddress": "ada@example.com"})),
        )
        .await;
    let customer = id(&customer, "id");
    let at = |suffix: &str| format!("/customers/{customer}{suffix}");
    t.call("GET", "/customers/{customerId}", &at(""), None)
        .await;
    t.call(
        "PATCH",
        "/customers/{customerId}",
        &at(""),
        Some(json!({"phoneNumber": "+44 20 0000 0000"})),
    )
    .await;
    let (_, secret) = t
        .call(
            "POST",
            "/customers/{customerId}/create-secret",
            &at("/create-secret"),
            None,
        )
        .await;
    let secret = format!("Basic {}", id(&secret, "secret"));

    let pay = json!({"amount": {"value": 700, "currencyCode": "GBP"}, "reference": "Groceries", "customer": {"id": customer}, "paymentMethods": ["Card", "SavedCard"]});
    let (_, pi) = t
        .call("POST", "/payment-intents", "/payment-intents", Some(pay))
        .await;
    t.emulator
        .pay(
            &PaymentIntentId::from_wire(id(&pi, "id")),
            &Card::test("5200000000001005").unwrap(),
            true,
        )
        .unwrap();
    let methods_path = format!("/customers/public/{customer}/payment-methods");
    let (_, methods) = t
        .call_as(
            "GET",
            "/customers/public/{customerId}/payment-methods",
            &methods_path,
            None,
            Some(&secret),
        )
        .await;
    let method = id(&methods["savedPaymentMethods"][0], "id");
    let (status, _) = t
        .call_as(
            "DELETE",
            "/customers/public/{customerId}/payment-methods/{paymentMethodId}",
            &format!("{methods_path}/{method}"),
            None,
            Some(&secret),
        )
        .await;
    assert_eq!(status, 204);
    t.call(
        "POST",
        "/customers/search",
        "/customers/search",
        Some(json!({"limit": 10})),
    )
    .await;
    let (status, _) = t
        .call("DELETE", "/customers/{customerId}", &at(""), None)
        .await;
    assert_eq!(status, 204);
}

async fn webhooks(t: &mut Conformance) {
    t.call("GET", "/webhooks/events", "/webhooks/events", None)
        .await;
    let subscribe =
        json!({"events": ["payment_intent.status_updated"], "url": "https://127.0.0.1:9/hooks"});
    let (_, subscription) = t
        .call("POST", "/webhooks", "/webhooks", Some(subscribe))
        .await;
    let sub = id(&subscription, "id");
    t.call("GET", "/webhooks", "/webhooks", None).await;
    let at = |suffix: &str| format!("/webhooks/{sub}{suffix}");
    t.call(
        "GET",
        "/webhooks/{subscriptionId}/secrets",
        &at("/secrets"),
        None,
    )
    .await;
    let (_, secrets) = t
        .call(
            "POST",
            "/webhooks/{subscriptionId}/secrets",
            &at("/secrets"),
            None,
        )
        .await;
    let secret = id(&secrets["secrets"][1], "id");
    let (status, _) = t
        .call(
            "PUT",
            "/webhooks/{subscriptionId}/secrets/{secretId}/activate",
            &at(&format!("/secrets/{secret}/activate")),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = t
        .call(
            "DELETE",
            "/webhooks/{subscriptionId}/secrets/{secretId}",
            &at(&format!("/secrets/{secret}")),
            None,
        )
        .await;
    assert_eq!(status, 204);
    t.call(
        "PATCH",
        "/webhooks/{subscriptionId}",
        &at(""),
        Some(json!({"description": "orders"})),
    )
    .await;
    let (status, _) = t
        .call("DELETE", "/webhooks/{subscriptionId}", &at(""), None)
        .await;
    assert_eq!(status, 204);
}

async fn terminals(t: &mut Conformance) {
    let (_, list) = t.call("GET", "/terminals", "/terminals", None).await;
    let terminal = id(&list[0], "id");
    t.call(
        "GET",
        "/terminals/{terminalId}",
        &format!("/terminals/{terminal}"),
        None,
    )
    .await;
    let (_, pi) = t
        .call(
            "POST",
            "/payment-intents",
            "/payment-intents",
            Some(json!({"amount": {"value": 100, "currencyCode": "GBP"}, "reference": "Counter"})),
        )
        .await;
    let session = json!({"terminalId": terminal, "details": {"sessionType": "Sale", "sale": {"paymentIntentId": id(&pi, "id")}}});
    let (_, first) = t
        .call(
            "POST",
            "/terminal-sessions",
            "/terminal-sessions",
            Some(session.clone()),
        )
        .await;
    let first = id(&first, "id");
    t.call(
        "GET",
        "/terminal-sessions/{terminalSessionId}",
        &format!("/terminal-sessions/{first}"),
        None,
    )
    .await;
    t.call(
        "PUT",
        "/terminal-sessions/{terminalSessionId}/signature",
        &format!("/terminal-sessions/{first}/signature"),
        Some(json!({"accepted": true})),
    )
    .await;
    t.call(
        "PUT",
        "/terminal-sessions/{terminalSessionId}/cancel",
        &format!("/terminal-sessions/{first}/cancel"),
        None,
    )
    .await;
}

async fn epos(t: &mut Conformance) {
    let event = json!({"eventType": "Order", "event": {"orderId": "o-1", "status": "Created"}});
    let (status, echoed) = t
        .call("POST", "/epos/events", "/epos/events", Some(event))
        .await;
    assert_eq!(status, 200, "{echoed}");
    let rest = json!({"url": "https://epos.example/orders", "capabilities": [{"name": "GetOrder", "version": "1.0.0"}], "auth": {"authType": "basic", "basic": {"username": "epos", "password": "secret"}}});
    t.call(
        "PUT",
        "/epos/integrations/rest",
        "/epos/integrations/rest",
        Some(rest),
    )
    .await;
    t.call(
        "GET",
        "/epos/integrations/rest",
        "/epos/integrations/rest",
        None,
    )
    .await;
    t.call(
        "PUT",
        "/epos/integrations/ws",
        "/epos/integrations/ws",
        Some(json!({"capabilities": [{"name": "GetOrder", "version": "1.0.0"}]})),
    )
    .await;
    t.call(
        "GET",
        "/epos/integrations/ws",
        "/epos/integrations/ws",
        None,
    )
    .await;
    t.call(
        "GET",
        "/epos/integrations/dojo",
        "/epos/integrations/dojo",
        None,
    )
    .await;
    t.call("GET", "/epos/integrations", "/epos/integrations", None)
        .await;
}

/// The PCI host's answer is the api host's `SetupIntentResponse`.
async fn pci_host(t: &mut Conformance) {
    let body = json!({
        "reference": "Card on file",
        "merchantInitiatedTransactionType": "Unscheduled",
        "terms": "Charged on request.",
        "cardDetails": {"cardNumber": "5200000000001005", "cardName": "Ada Lovelace", "expiryDate": "12/30", "cV2": "123"},
    });
    let response = t
        .http
        .post(format!("{}/setup-intents", t.emulator.pci_url()))
        .header("version", "2023-11-12")
        .header("authorization", format!("Basic {}", dojo_emulator::API_KEY))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let value: Value = response.json().await.unwrap();
    assert_eq!(value["status"], "Authorized");
    let errors = t.checker.errors(
        &json!({"$ref": "#/components/schemas/SetupIntentResponse"}),
        &value,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    t.called.insert(PCI_OPERATION.to_owned());
}

/// Failures are problem documents valid against each operation's error
/// schema too.
async fn errors(t: &mut Conformance) {
    let (status, problem) = t
        .call(
            "POST",
            "/payment-intents",
            "/payment-intents",
            Some(json!({"amount": {"value": 1, "currencyCode": "GBP"}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["errors"]["Reference"][0],
        "The Reference field is required."
    );
    let (status, _) = t
        .call(
            "GET",
            "/payment-intents/{paymentIntentId}",
            "/payment-intents/pi_missing",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = t
        .call_as(
            "GET",
            "/payment-intents/{paymentIntentId}",
            "/payment-intents/pi_1",
            None,
            Some("Basic sk_prod_live"),
        )
        .await;
    assert_eq!(status, 401);
    // Unknown ids, under each family of error schema: ErrorResponse
    // (webhooks), Error (terminals), ProblemDetailsTerminals (sessions).
    let not_found = [
        (
            "/webhooks/{subscriptionId}/secrets",
            "/webhooks/ws_missing/secrets",
        ),
        ("/terminals/{terminalId}", "/terminals/tm_missing"),
        (
            "/terminal-sessions/{terminalSessionId}",
            "/terminal-sessions/ts_missing",
        ),
    ];
    for (template, path) in not_found {
        let (status, _) = t.call("GET", template, path, None).await;
        assert_eq!(status, 404, "{path}");
    }
}

/// The checker itself rejects what the document forbids, so a pass above
/// means something.
#[test]
fn the_checker_rejects_what_the_document_forbids() {
    let document = support::original_document();
    let checker = Checker::new(&document);
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    // A closed object with an unknown field, and a wrong type.
    assert!(
        !checker
            .errors(
                &schema("Money"),
                &json!({"value": 1, "currencyCode": "GBP", "x": 1})
            )
            .is_empty()
    );
    assert!(
        !checker
            .errors(&schema("PaymentIntent"), &json!({"id": 5}))
            .is_empty()
    );
    // An enum value the document does not list.
    assert!(
        !checker
            .errors(&schema("PaymentIntent"), &json!({"status": "Pending"}))
            .is_empty()
    );
    // allOf of two closed parts: the union is fine, anything else is not.
    let union = json!({"id": "si_1", "status": "Created", "setupEvents": []});
    assert!(
        checker
            .errors(&schema("SetupIntentResponse"), &union)
            .is_empty()
    );
    assert!(
        !checker
            .errors(
                &schema("SetupIntentResponse"),
                &json!({"id": "si_1", "bogus": 1})
            )
            .is_empty()
    );
    // nullable admits null.
    assert!(
        checker
            .errors(&schema("PaymentIntent"), &json!({"description": null}))
            .is_empty()
    );
}
