//! What a hostile or careless caller sends, answered as the document says:
//! problem details (`application/json`) naming the field, never a dropped
//! connection or a 5xx, and nothing stored from a refused request. The
//! property run over every operation is `tests/tests/emulator_properties.rs`
//! in the workspace tests; these are its findings, pinned as examples.

mod common;

use common::*;
use dojo_payments_emulator::{Emulator, Fault};
use serde_json::{Value, json};

/// A raw call to the api host with the API key and the version header.
struct Raw<'a> {
    emulator: &'a Emulator,
    http: reqwest::Client,
}

impl<'a> Raw<'a> {
    fn new(emulator: &'a Emulator) -> Self {
        Self {
            emulator,
            http: dojo_payments_api::http_client().unwrap(),
        }
    }

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.emulator.api_url()),
            )
            .header(
                "authorization",
                format!("Basic {}", dojo_payments_emulator::API_KEY),
            )
            .header("version", dojo_payments_emulator::API_VERSION)
    }

    /// Sends, and returns the status and the body (`Null` when empty);
    /// every non-empty body must be JSON, labelled so.
    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let answer = request
            .send()
            .await
            .expect("an answer, not a dropped connection");
        let status = answer.status().as_u16();
        let content_type = answer
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = answer.bytes().await.unwrap();
        if bytes.is_empty() {
            return (status, Value::Null);
        }
        assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "{status}"
        );
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request("POST", path).json(&body)).await
    }
}

/// Hostile amounts from issue #8's property run: each is a 400 naming the
/// field, never a dropped connection, and nothing stays behind to break a
/// later search.
#[tokio::test]
async fn overflowing_amounts_are_refused_and_leave_nothing_behind() {
    let (emulator, client) = emulator().await;
    let raw = Raw::new(&emulator);
    let before = emulator.state_digest();
    let (status, problem) = raw
        .post(
            "/payment-intents",
            json!({"amount": {"value": 2000, "currencyCode": "GBP"}, "reference": "Big tip",
                "tipsAmount": {"value": i64::MAX - 1, "currencyCode": "GBP"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["TipsAmount"].is_array(), "{problem}");
    assert_eq!(emulator.state_digest(), before, "nothing stored");

    let id = create_intent(&client, 2000, "Manual").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    let before = emulator.state_digest();
    let (status, problem) = raw
        .post(
            &format!("/payment-intents/{id}/captures"),
            json!({"amount": 2000, "tipsAmount": i64::MAX - 1}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["TipsAmount"].is_array(), "{problem}");
    assert_eq!(emulator.state_digest(), before, "nothing captured");

    let (status, _) = raw.post("/payment-intents/search", json!({})).await;
    assert_eq!(status, 200, "the emulator still answers searches");
}

/// A malformed query string gets problem details, as every other refusal.
#[tokio::test]
async fn a_malformed_query_gets_problem_details() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 100, "Auto").await;
    let raw = Raw::new(&emulator);
    let path = format!("/payment-intents/{id}?returnCanceled=null&returnCanceled=null");
    let (status, problem) = raw.send(raw.request("GET", &path)).await;
    assert_eq!(status, 400);
    let message = problem["errors"]["$query"][0].as_str().unwrap();
    assert!(message.contains("query string"), "{problem}");
}

/// A customer the document forbids (a 101-character city, a 51-character
/// phone number, an unknown key in the closed `Address`) is refused, naming
/// each field, before anything is stored.
#[tokio::test]
async fn an_invalid_customer_is_refused_before_it_is_stored() {
    let (emulator, _client) = emulator().await;
    let raw = Raw::new(&emulator);
    let before = emulator.state_digest();
    let (status, problem) = raw
        .post(
            "/customers",
            json!({"name": "Ada", "phoneNumber": "1".repeat(51),
                "billingAddress": {"city": "c".repeat(101), "countryCode": "GB"}}),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["PhoneNumber"].is_array(), "{problem}");
    assert!(
        problem["errors"]["BillingAddress.City"].is_array(),
        "{problem}"
    );
    assert_eq!(emulator.state_digest(), before, "nothing stored");

    let (status, problem) = raw
        .post(
            "/customers",
            json!({"name": "Ada", "billingAddress": {"city": "London", "countryCode": "GB", "foo": 1}}),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    let message = problem["errors"]["BillingAddress.Foo"][0].as_str().unwrap();
    assert!(message.contains("not in the document"), "{problem}");
    assert_eq!(emulator.state_digest(), before, "nothing stored");
}

/// An enum value the document does not list, or a URL that is not one, is
/// refused naming the field (`actionLink.action: "AAA"` was stored).
#[tokio::test]
async fn unlisted_enum_values_and_bad_urls_are_refused() {
    let (emulator, _client) = emulator().await;
    let raw = Raw::new(&emulator);
    let before = emulator.state_digest();
    let (status, problem) = raw
        .post(
            "/payment-intents",
            json!({"amount": {"value": 1, "currencyCode": "GBP"}, "reference": "x",
                "actionLink": {"url": "docs", "label": "Docs", "action": "AAA"}}),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["errors"]["ActionLink.Action"].is_array(),
        "{problem}"
    );
    assert!(problem["errors"]["ActionLink.Url"].is_array(), "{problem}");
    assert_eq!(emulator.state_digest(), before, "nothing stored");
}

/// What the document allows is taken: an empty `idempotencyKey` value, no
/// receipt addresses at all, a ten-character currency code decoded (and
/// refused for what it is: not ISO 4217). An empty `software-house-id` is
/// refused as a missing one is: the header is required, and a required
/// value that is empty is missing to Dojo's framework (ASP.NET's
/// `[Required]` refuses empty strings), so the SDK refuses it before
/// sending too.
#[tokio::test]
async fn what_the_document_allows_is_taken() {
    let (emulator, client) = emulator().await;
    let raw = Raw::new(&emulator);
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();

    let refund = raw
        .request("POST", &format!("/payment-intents/{id}/refunds"))
        .header("idempotencyKey", "")
        .json(&json!({"amount": 100}));
    let (status, body) = raw.send(refund).await;
    assert_eq!(status, 200, "{body}");

    let terminals = raw
        .request("GET", "/terminals")
        .header("software-house-id", "");
    let (status, body) = raw.send(terminals).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["software-house-id"].is_array(), "{body}");

    let (status, body) = raw
        .post(
            &format!("/payment-intents/{id}/receipt"),
            json!({"emails": []}),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    let (status, problem) = raw
        .post(
            "/payment-intents",
            json!({"amount": {"value": 1, "currencyCode": "ABCDEFGHIJ"}, "reference": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    let message = problem["errors"]["Amount.CurrencyCode"][0]
        .as_str()
        .unwrap();
    assert!(message.contains("ISO 4217"), "{problem}");
}

/// `GET /terminals?statuses=…` filters by the statuses the document lists
/// and refuses any other.
#[tokio::test]
async fn terminal_statuses_are_checked_and_filter() {
    let (emulator, _client) = emulator().await;
    let raw = Raw::new(&emulator);
    let list = |query: &str| {
        raw.request("GET", &format!("/terminals{query}"))
            .header("software-house-id", "softwareHouse1")
    };
    let (status, problem) = raw.send(list("?statuses=Bogus")).await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["Statuses"].is_array(), "{problem}");
    let (status, available) = raw.send(list("?statuses=Available")).await;
    assert_eq!(status, 200);
    let statuses: Vec<&str> = available
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    // The default terminals: counter1 (auto) and counter3 are Available,
    // counter2 Offline.
    assert_eq!(statuses, ["Available", "Available"]);
    let (_, both) = raw.send(list("?statuses=Available&statuses=Offline")).await;
    assert_eq!(both.as_array().unwrap().len(), 3);
    let (_, offline) = raw.send(list("?statuses=Offline")).await;
    assert_eq!(offline.as_array().unwrap().len(), 1);
}

/// A setup intent answers with everything it was created with.
#[tokio::test]
async fn a_setup_intent_echoes_its_addresses() {
    let (emulator, _client) = emulator().await;
    let raw = Raw::new(&emulator);
    let address = json!({"address1": "1 High St", "city": "London", "postcode": "N1 1AA", "countryCode": "GB"});
    let (status, setup) = raw
        .post(
            "/setup-intents",
            json!({"reference": "Booking", "merchantInitiatedTransactionType": "NoShow",
                "terms": "No-show fee.", "billingAddress": address,
                "shippingDetails": {"name": "Ada", "address": address}}),
        )
        .await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(setup["billingAddress"], address);
    assert_eq!(setup["shippingDetails"]["address"], address);
}

/// Rejections outside any handler are problem details too: an unknown
/// path, a method the path does not take, a path segment that is not UTF-8.
#[tokio::test]
async fn rejections_outside_handlers_are_problem_details() {
    let (emulator, _client) = emulator().await;
    let raw = Raw::new(&emulator);
    let (status, problem) = raw.send(raw.request("GET", "/no-such-thing")).await;
    assert_eq!((status, problem["status"].as_u64()), (404, Some(404)));
    let (status, problem) = raw.send(raw.request("PUT", "/payment-intents")).await;
    assert_eq!((status, problem["status"].as_u64()), (405, Some(405)));
    let (status, problem) = raw
        .send(raw.request("GET", "/payment-intents/%FF%FE"))
        .await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["$path"].is_array(), "{problem}");
}

/// A fault aimed at a route the emulator does not serve is an error, not a
/// fault that silently never fires.
#[tokio::test]
async fn a_fault_on_a_misspelt_route_is_refused() {
    let (emulator, _client) = emulator().await;
    let typo = emulator.inject_fault(
        "POST /payment-intent/{paymentIntentId}/refunds",
        Fault::drop_after_commit(),
        1,
    );
    let error = typo.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a route the emulator serves"),
        "{error}"
    );
    let route = emulator
        .route("POST /payment-intents/{paymentIntentId}/refunds")
        .unwrap();
    assert_eq!(
        route.as_str(),
        "POST /payment-intents/{paymentIntentId}/refunds"
    );
    emulator
        .inject_fault(route.as_str(), Fault::drop_after_commit(), 1)
        .unwrap();
}
