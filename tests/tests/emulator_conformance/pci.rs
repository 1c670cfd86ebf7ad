//! The PCI host's one operation, checked against the project's description
//! of that host (its answer is the api host's `SetupIntentResponse`).

use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use serde_json::json;

use super::{Conformance, PCI_OPERATION, answer};

pub async fn tokenization(t: &mut Conformance) {
    let body = json!({
        "reference": "Card on file",
        "merchantInitiatedTransactionType": "Unscheduled",
        "terms": "Charged on request.",
        "cardDetails": {"cardNumber": APPROVED_MASTERCARD, "cardName": "Ada Lovelace", "expiryDate": "12/30", "cV2": "123"},
    });
    let request = t
        .http
        .post(format!("{}/setup-intents", t.emulator.pci_url()))
        .header("version", dojo_payments_emulator::PCI_VERSION)
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .json(&body);
    let (status, value) = answer(request).await;
    assert_eq!(
        (status, value["status"].as_str()),
        (200, Some("Authorized"))
    );
    if let Err(error) = t.pci.check("POST", "/setup-intents", status, &value) {
        panic!("{error}");
    }
    let api_schema = json!({"$ref": "#/components/schemas/SetupIntentResponse"});
    let errors = t.api.checker().errors(&api_schema, &value);
    assert!(errors.is_empty(), "{errors:#?}");
    t.called.insert(PCI_OPERATION.to_owned());
}
