//! Webhook event names: any text decodes (a name Dojo adds later is kept,
//! never refused) and encodes back to exactly itself.

use dojo_payments_types::WebhookEventName;
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_name_decodes_and_round_trips(name in any::<String>()) {
        let json = serde_json::to_string(&name).unwrap();
        let decoded: WebhookEventName = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(decoded.as_str(), name.as_str());
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
        prop_assert_eq!(decoded.is_known(), WebhookEventName::documented(&name).is_some());
    }

    #[test]
    fn dotted_names_decode_and_round_trip(name in "[a-z_]{1,12}\\.[a-z_-]{1,16}") {
        let decoded: WebhookEventName = name.parse().unwrap();
        prop_assert_eq!(decoded.to_string(), name.clone());
        prop_assert_eq!(String::from(decoded), name);
    }
}

#[test]
fn the_documented_names_are_typed() {
    let names: Vec<&str> = WebhookEventName::DOCUMENTED
        .iter()
        .map(WebhookEventName::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "payment_intent.created",
            "payment_intent.status_updated",
            "payment_intent.send-receipt"
        ]
    );
    for event in WebhookEventName::DOCUMENTED {
        let decoded: WebhookEventName =
            serde_json::from_value(serde_json::Value::String(event.to_string())).unwrap();
        assert!(!matches!(decoded, WebhookEventName::Unknown(_)));
    }
}

#[test]
fn a_non_string_is_refused_saying_what_was_expected() {
    let error = serde_json::from_str::<WebhookEventName>("7").unwrap_err();
    assert!(error.to_string().contains("webhook event name"), "{error}");
}
