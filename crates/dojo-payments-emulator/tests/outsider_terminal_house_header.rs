//! An outsider's finding, fixed: an empty `software-house-id` (the header
//! Dojo requires on every terminal call) was taken as present, and so was
//! a 100 000-character one. Now an empty or blank value is a missing one
//! (the same 400), and one over 256 characters is refused naming the
//! rule; a `reseller-id` over 256 too.

use dojo_payments_emulator::{API_KEY, API_VERSION};

#[tokio::test]
async fn an_empty_or_over_long_software_house_id_is_a_400() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let url = format!("{}/terminals", emulator.api_url());
    let long = "h".repeat(100_000);
    for (house, reseller, says) in [
        (None, None, "is required"),
        (Some(""), None, "is required"),
        (Some("   "), None, "is required"),
        (Some(long.as_str()), None, "at most 256"),
        (Some("house"), Some(long.as_str()), "at most 256"),
    ] {
        let mut request = http
            .get(&url)
            .header("authorization", format!("Basic {API_KEY}"))
            .header("version", API_VERSION);
        if let Some(house) = house {
            request = request.header("software-house-id", house);
        }
        if let Some(reseller) = reseller {
            request = request.header("reseller-id", reseller);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let body = answer.text().await.unwrap();
        assert_eq!(status, 400, "{house:?}/{reseller:?}: {body}");
        assert!(body.contains(says), "{house:?}: {body}");
    }
    let ok = http
        .get(&url)
        .header("authorization", format!("Basic {API_KEY}"))
        .header("version", API_VERSION)
        .header("software-house-id", "house")
        .header("reseller-id", "")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200, "{:?}", ok.text().await);
}
