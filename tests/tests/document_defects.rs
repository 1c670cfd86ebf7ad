//! The known defects of Dojo's document (`support/document_defects.rs`)
//! are still true: each unlisted status is still unlisted and still what
//! the emulator answers; each `allOf` still admits nothing taken literally;
//! the "no auth" operation still inherits the API key; the example events
//! are still named in the examples and still unknown. When Dojo fixes one,
//! this fails until its entry goes.

mod support;

use dojo_payments_emulator::Emulator;
use dojo_payments_types::WebhookEventName;
use serde_json::{Value, json};
use support::document_check::{DocumentCheck, error_schema};
use support::document_defects::{
    PUBLIC_BUT_SECURED, UNKNOWN_EVENTS_IN_EXAMPLES, UNLISTED, UNSATISFIABLE_ALL_OF,
};
use support::openapi_schema::Checker;

#[tokio::test]
async fn every_unlisted_status_is_unlisted_and_answered() {
    let check = DocumentCheck::api();
    let emulator = Emulator::builder().seed(3).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    for entry in UNLISTED {
        let operation = check
            .operation(entry.method, entry.template)
            .unwrap_or_else(|| {
                panic!("{} {} is not in the document", entry.method, entry.template)
            });
        let listed = &operation["responses"][entry.status.to_string()];
        assert!(
            listed.is_null(),
            "{} {} now lists {}: remove the entry",
            entry.method,
            entry.template,
            entry.status
        );
        let mut headers = vec![
            ("version", dojo_payments_emulator::API_VERSION.to_owned()),
            (
                "authorization",
                format!("Basic {}", dojo_payments_emulator::API_KEY),
            ),
            ("software-house-id", "softwareHouse1".to_owned()),
            ("idempotencyKey", "defect".to_owned()),
        ];
        for (name, value) in entry.headers {
            headers.retain(|(n, _)| n != name);
            if !value.is_empty() {
                headers.push((name, (*value).to_owned()));
            }
        }
        let mut request = http.request(
            entry.method.parse().unwrap(),
            format!("{}{}", emulator.api_url(), entry.path),
        );
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = entry.body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            status, entry.status,
            "{} {}: {body}",
            entry.method, entry.path
        );
        let errors = check.checker().errors(&error_schema(operation), &body);
        assert!(
            errors.is_empty(),
            "{} {}: {errors:#?}",
            entry.method,
            entry.path
        );
    }
}

#[test]
fn every_unsatisfiable_all_of_still_admits_nothing_taken_literally() {
    let document = support::original_document();
    let literal = Checker::literal(&document);
    let union = Checker::new(&document);
    for entry in UNSATISFIABLE_ALL_OF {
        let schema = json!({"$ref": format!("#/components/schemas/{}", entry.schema)});
        let parts = document["components"]["schemas"][entry.schema]["allOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{} is no longer an allOf", entry.schema));
        let closed = parts
            .iter()
            .map(|part| match part["$ref"].as_str() {
                Some(r) => &document["components"]["schemas"][r.rsplit('/').next().unwrap()],
                None => part,
            })
            .filter(|part| part["additionalProperties"] == json!(false))
            .count();
        assert!(closed >= 2, "{}: {closed} closed parts", entry.schema);
        let example: Value = serde_json::from_str(entry.example).unwrap();
        assert!(
            !literal.errors(&schema, &example).is_empty(),
            "{} now admits {example}: remove the entry",
            entry.schema
        );
        assert_eq!(union.errors(&schema, &example), Vec::<String>::new());
    }
}

#[tokio::test]
async fn the_no_auth_operation_still_inherits_the_api_key() {
    let check = DocumentCheck::api();
    let document = check.document();
    assert!(
        document["security"][0]["ApiKeyAuth"].is_array(),
        "the document no longer requires an API key globally"
    );
    for (method, template) in PUBLIC_BUT_SECURED {
        let operation = check.operation(method, template).unwrap();
        assert!(
            operation.get("security").is_none(),
            "{method} {template} now says its own security: remove the entry"
        );
        let prose = format!("{} {}", operation["summary"], operation["description"]);
        assert!(prose.contains("no auth"), "{prose}");
    }
    // The emulator answers it without a key, as the prose says.
    let emulator = Emulator::builder().seed(4).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let created: Value = http
        .post(format!("{}/setup-intents", emulator.api_url()))
        .header("version", dojo_payments_emulator::API_VERSION)
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .json(
            &json!({"reference": "r", "merchantInitiatedTransactionType": "NoShow", "terms": "t"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let public = http
        .get(format!("{}/setup-intents/public/{id}", emulator.api_url()))
        .header("version", dojo_payments_emulator::API_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 200);
}

#[tokio::test]
async fn the_example_events_are_still_named_and_still_unknown() {
    let document = support::original_document();
    let emulator = Emulator::builder().seed(5).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    for (pointer, event) in UNKNOWN_EVENTS_IN_EXAMPLES {
        assert_eq!(
            document.pointer(pointer).and_then(Value::as_str),
            Some(*event),
            "{pointer} changed: update or remove the entry"
        );
        assert!(
            WebhookEventName::documented(event).is_none(),
            "{event} is known now"
        );
        let refused = http
            .post(format!("{}/webhooks", emulator.api_url()))
            .header("version", dojo_payments_emulator::API_VERSION)
            .header(
                "authorization",
                format!("Basic {}", dojo_payments_emulator::API_KEY),
            )
            .json(&json!({"events": [event], "url": "https://example.com/hooks"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{event}");
    }
    let guides: Vec<&str> = WebhookEventName::DOCUMENTED
        .iter()
        .map(WebhookEventName::as_str)
        .collect();
    assert_eq!(
        guides,
        [
            "payment_intent.created",
            "payment_intent.status_updated",
            "payment_intent.send-receipt"
        ]
    );
}
