//! Every type of Dojo's document decodes arbitrary JSON without panicking:
//! values built from Dojo's own field names, so decoding reaches deep. The
//! case count is proptest's, set by `PROPTEST_CASES`.

mod support;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

const FIELDS: &[&str] = &[
    "id",
    "status",
    "amount",
    "value",
    "currencyCode",
    "createdAt",
    "updatedAt",
    "expireAt",
    "captureMode",
    "paymentIntentId",
    "customer",
    "secret",
    "clientSessionSecret",
    "captures",
    "refundedAmount",
    "totalAmount",
    "tipsAmount",
    "paymentDetails",
    "transactionDateTime",
    "data",
    "after",
    "before",
    "limit",
    "errors",
    "title",
    "detail",
    "traceId",
    "countryCode",
    "events",
    "secrets",
    "isActive",
    "terminalId",
    "details",
    "sessionType",
    "sale",
    "itemLines",
    "config",
    "payment",
    "customAmountAllowed",
    "cardNumber",
    "expiryDate",
    "x",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "GBP",
            "EUR",
            "XXXXXXXXXXX",
            "",
            "Created",
            "Authorized",
            "Captured",
            "Auto",
            "Manual",
            "2026-03-02T10:00:00Z",
            "0001-01-01T00:00:00Z",
            "2026-03-02T10:00:00.1234567",
            "12/30",
            "GB",
            "pi_1",
            "9223372036854775807",
            "-1",
        ])
        .prop_map(|s| Value::String(s.into())),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..8).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #[test]
    fn every_decoder_survives_arbitrary_json(value in arbitrary_json()) {
        for decode in support::registry::named_types().values() {
            let _ = decode(&value);
        }
    }
}
