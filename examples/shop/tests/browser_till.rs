//! The till walked by a real browser: staff take payments at the counter
//! on the emulator's manual terminal (`tm_sandbox_counter3`, moved only
//! when told, here through the emulator's Rust API as its control API
//! would), and the session's page follows the terminal live (the shop's
//! script, under the page's policy, reading its server-sent events): a card
//! approved, one declined, a signature accepted, one rejected, a session
//! canceled (after Dojo's 422 for a cancel too late, said in words); then
//! an admin refunds the approved sale at the counter. The test never
//! reloads a session's page: what changes, the page changes by itself.
//! Oracles: what the page says, and the emulator's state (the session's
//! status, the payment intent's). Screenshots in `target/shop-screenshots/`
//! (`till-*.png`).
//!
//! Without Chromium and chromedriver this says so in one line and passes;
//! with `DOJO_REQUIRE_TOOLS=1` it fails instead.

mod agent;
#[allow(dead_code)] // the walks of browser_walks.rs use the rest
mod browser;

use std::io::Write;

use browser::{Browser, Installed};
use dojo_payments::api_types::{PaymentIntentStatus, TerminalSessionStatus};
use dojo_payments::journal::{EntryState, JournalStore};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Open, TerminalId, TerminalSessionId};
use dojo_payments_emulator::testkit::{APPROVED_VISA, DECLINED_VISA};
use dojo_payments_emulator::{Card, Emulator, Fault, Presentation};
use dojo_shop::auth::{Role, second_factor};
use dojo_shop::backend::Backend;
use dojo_shop::store::TillSession;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

/// The emulator's terminal that moves only when told.
const MANUAL: &str = "tm_sandbox_counter3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_walked_in_a_real_browser() {
    let installed = match Installed::find() {
        Ok(installed) => installed,
        Err(why) => {
            assert!(
                std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
                "DOJO_REQUIRE_TOOLS is set but the browser is missing: {why}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the till's browser walks: {why}"
            );
            return;
        }
    };
    let shop = start_shop().await;
    agent::account(shop.db(), "sam@example.com", Role::Staff).await;
    agent::account(shop.db(), "ida@example.com", Role::Admin).await;
    let browser = Browser::start(&installed).await;

    sign_in(&shop, &browser, "sam@example.com").await;
    let paid = a_card_approved(&shop, &browser).await;
    a_card_declined(&shop, &browser).await;
    a_signature_accepted(&shop, &browser).await;
    a_signature_rejected(&shop, &browser).await;
    canceled_after_a_cancel_too_late(&shop, &browser).await;
    browser.press("Sign out").await;
    browser.wait_for_text("Sign in").await;

    sign_in(&shop, &browser, "ida@example.com").await;
    refunded_at_the_counter(&shop, &browser, &paid).await;

    browser.close().await;
}

/// `email` (staff or admin, enrolled) signs in: the password, then the code.
async fn sign_in(shop: &Shop, browser: &Browser, email: &str) {
    browser.open(&format!("{}/staff/till", shop.url())).await;
    browser.wait_for_text("Sign in").await;
    browser.fill("Email", email).await;
    browser.fill("Password", agent::PASSWORD).await;
    browser.press("Sign in").await;
    browser.wait_for_text("Your code").await;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = second_factor::code_at(agent::SECOND_FACTOR, now).unwrap();
    browser.fill("Code", &code).await;
    browser.press("Verify").await;
    browser.wait_for_text("Take a payment at the counter").await;
    assert!(browser.url().await.ends_with("/staff/till"));
}

/// Starts a sale of `amount` on the manual terminal from the till page,
/// and waits until its page follows the terminal live (the script ran,
/// its events flow) and the terminal asks for a card; with a screenshot
/// of the form named `shot`. The session.
async fn start_sale(
    shop: &Shop,
    browser: &Browser,
    amount: &str,
    shot: Option<&str>,
) -> TillSession {
    browser.open(&format!("{}/staff/till", shop.url())).await;
    browser.tick(MANUAL).await;
    browser.fill("Amount (GBP)", amount).await;
    if let Some(shot) = shot {
        browser.shot(shot).await;
    }
    browser.press("Start sale").await;
    browser
        .wait_for_text("following the terminal as it happens")
        .await;
    browser.wait_for_text("Present card").await;
    let url = browser.url().await;
    let id = url
        .rsplit('/')
        .next()
        .and_then(|rest| rest.split(['?', '#']).next())
        .unwrap_or_default();
    shop.db()
        .till_session(id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no till session at {url}"))
}

/// The manual terminal, as the customer at it.
fn terminal(shop: &Shop) -> dojo_payments_emulator::EmulatedTerminal<'_> {
    static ID: std::sync::OnceLock<TerminalId> = std::sync::OnceLock::new();
    let id = ID.get_or_init(|| TerminalId::from_wire(MANUAL));
    emulator(shop).terminal(id)
}

fn card(number: &str) -> Card {
    Card::test(number).unwrap()
}

/// The session's status, as the emulator has it.
async fn session_status(shop: &Shop, session: &TillSession) -> Open<TerminalSessionStatus> {
    let counter = shop.counter().expect("the till is on");
    let id = TerminalSessionId::from_wire(session.session_id.clone());
    counter.session(&id).await.unwrap().status().clone()
}

/// The status of the payment intent of the sale `session` took.
async fn intent_status(shop: &Shop, session: &TillSession) -> PaymentIntentStatus {
    let order = shop
        .db()
        .order(session.order_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    let intent = order.payment_intent_id.unwrap();
    let read = AnyPaymentIntent::read(shop.dojo(), &intent).await.unwrap();
    read.status().and_then(|s| s.known()).copied().unwrap()
}

/// Where the journal's entry of `session` stands (settled by its outcome
/// once the page saw it over).
async fn journaled(shop: &Shop, session: &TillSession) -> EntryState {
    let site = shop.dojo().location_id();
    let entry = shop.journal().store().entry(site, &session.journal_entry);
    entry.await.unwrap().expect("journaled").state
}

/// A card inserted, PIN entered, approved: the page shows each step the
/// terminal showed, then *Paid*; the intent is captured.
async fn a_card_approved(shop: &Shop, browser: &Browser) -> TillSession {
    let session = start_sale(shop, browser, "12.50", Some("till-00-form")).await;
    browser.shot("till-01-waiting-for-a-card").await;
    terminal(shop)
        .present(&card(APPROVED_VISA), Presentation::Chip)
        .unwrap();
    let page = browser
        .wait_for_text("Paid: the customer's card was charged")
        .await;
    for step in [
        "Present card",
        "Enter PIN",
        "Remove card",
        "Approved",
        "Paid",
    ] {
        assert!(page.contains(step), "{step}: {page}");
    }
    assert!(page.contains("Sale: 12.50 GBP"), "{page}");
    assert!(!page.contains("Cancel the session"), "{page}");
    browser.shot("till-02-paid").await;
    assert_eq!(
        session_status(shop, &session).await,
        Open::Known(TerminalSessionStatus::Captured)
    );
    assert_eq!(
        intent_status(shop, &session).await,
        PaymentIntentStatus::Captured
    );
    assert!(matches!(
        journaled(shop, &session).await,
        EntryState::Applied { .. }
    ));
    session
}

/// A declined card: the page says nothing was taken; the intent is still
/// waiting for a payment.
async fn a_card_declined(shop: &Shop, browser: &Browser) {
    let session = start_sale(shop, browser, "9.00", None).await;
    terminal(shop)
        .present(&card(DECLINED_VISA), Presentation::Chip)
        .unwrap();
    let page = browser.wait_for_text("The card was declined").await;
    assert!(page.contains("nothing was taken"), "{page}");
    browser.shot("till-03-declined").await;
    assert_eq!(
        session_status(shop, &session).await,
        Open::Known(TerminalSessionStatus::Declined)
    );
    assert_eq!(
        intent_status(shop, &session).await,
        PaymentIntentStatus::Created
    );
}

/// A swiped card: the page asks staff to check the signature (the 80
/// seconds said), staff accept it, and the payment goes through.
async fn a_signature_accepted(shop: &Shop, browser: &Browser) {
    let session = start_sale(shop, browser, "42.00", None).await;
    terminal(shop)
        .present(&card(APPROVED_VISA), Presentation::Swipe)
        .unwrap();
    // The drawn page's words, not the heading: the live view says "Check
    // the customer's signature" as the status comes, a moment before it
    // reloads the page with the check on it.
    let page = browser.wait_for_text("within 80 seconds").await;
    assert!(page.contains("Check the customer's signature"), "{page}");
    assert!(
        page.contains("Dojo accepts the signature by itself"),
        "{page}"
    );
    browser.shot("till-04-signature-check").await;
    browser.press("Accept signature").await;
    let page = browser
        .wait_for_text("Paid: the customer's card was charged")
        .await;
    assert!(page.contains("Signature accepted"), "{page}");
    browser.shot("till-05-signature-accepted").await;
    assert_eq!(
        session_status(shop, &session).await,
        Open::Known(TerminalSessionStatus::Captured)
    );
    assert_eq!(
        intent_status(shop, &session).await,
        PaymentIntentStatus::Captured
    );
}

/// A swiped card whose signature does not match: staff reject it, and Dojo
/// reverses the payment.
async fn a_signature_rejected(shop: &Shop, browser: &Browser) {
    let session = start_sale(shop, browser, "30.00", None).await;
    terminal(shop)
        .present(&card(APPROVED_VISA), Presentation::Swipe)
        .unwrap();
    // The drawn check (see above), not the live view's word of it.
    browser.wait_for_text("within 80 seconds").await;
    browser.press("Reject signature").await;
    let page = browser.wait_for_text("the payment was reversed").await;
    assert!(page.contains("Signature rejected"), "{page}");
    browser.shot("till-06-signature-rejected").await;
    assert_eq!(
        session_status(shop, &session).await,
        Open::Known(TerminalSessionStatus::SignatureVerificationRejected)
    );
    assert_eq!(
        intent_status(shop, &session).await,
        PaymentIntentStatus::Reversed
    );
    assert!(matches!(
        journaled(shop, &session).await,
        EntryState::NotApplied { .. }
    ));
}

/// Cancel: first too late (Dojo's 422 once a card is presented, armed as
/// a fault here: the emulator's card-then-cancel window is shorter than a
/// click), said in words with the session going on; then in time, and
/// the session is canceled, nothing taken.
async fn canceled_after_a_cancel_too_late(shop: &Shop, browser: &Browser) {
    let session = start_sale(shop, browser, "3.20", None).await;
    emulator(shop)
        .inject_fault(
            "PUT /terminal-sessions/{terminalSessionId}/cancel",
            Fault::fail(422),
            1,
        )
        .unwrap();
    browser.press("Cancel the session").await;
    let page = browser.wait_for_text("Too late to cancel").await;
    assert!(
        page.contains("422") && page.contains("The session goes on"),
        "{page}"
    );
    browser
        .wait_for_text("following the terminal as it happens")
        .await;
    browser.shot("till-07-cancel-too-late").await;
    browser.press("Cancel the session").await;
    let page = browser.wait_for_text("Canceled: nothing was taken").await;
    assert!(page.contains("Canceling…"), "{page}");
    browser.shot("till-08-canceled").await;
    assert_eq!(
        session_status(shop, &session).await,
        Open::Known(TerminalSessionStatus::Canceled)
    );
    assert_eq!(
        intent_status(shop, &session).await,
        PaymentIntentStatus::Created
    );
    // The till's list says how each ended.
    browser.follow("Back to the till").await;
    let till = browser.wait_for_text("At the till").await;
    for status in ["Paid", "Declined", "Signature rejected", "Canceled"] {
        assert!(till.contains(status), "{status}: {till}");
    }
    browser.shot("till-09-the-list").await;
}

/// An admin refunds £5 of the approved sale at the counter: the customer
/// presents a card at the terminal, and the intent is refunded by that.
async fn refunded_at_the_counter(shop: &Shop, browser: &Browser, sale: &TillSession) {
    browser
        .open(&format!(
            "{}/staff/till/sessions/{}",
            shop.url(),
            sale.session_id
        ))
        .await;
    browser.wait_for_text("Refund at the counter").await;
    browser.tick(MANUAL).await;
    browser.fill("Amount to refund (GBP)", "5.00").await;
    browser.shot("till-10-refund-form").await;
    browser.press("Refund at the counter").await;
    browser
        .wait_for_text("following the terminal as it happens")
        .await;
    browser.wait_for_text("Present card").await;
    terminal(shop)
        .present(&card(APPROVED_VISA), Presentation::Contactless)
        .unwrap();
    let page = browser
        .wait_for_text("Refunded to the customer's card")
        .await;
    assert!(page.contains("Refund of a sale: 5.00 GBP"), "{page}");
    browser.shot("till-11-refunded").await;
    assert_eq!(
        intent_status(shop, sale).await,
        PaymentIntentStatus::Refunded
    );
    let order = shop
        .db()
        .order(sale.order_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    let intent = AnyPaymentIntent::read(shop.dojo(), order.payment_intent_id.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(intent.data().refunded_amount, Some(500));
}

/// The shop on a fresh emulator, and a fresh SQLite file.
async fn start_shop() -> Shop {
    let emulator = Emulator::start().await.expect("the emulator starts");
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "till-browser").await),
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator.into()), options)
        .await
        .expect("the shop starts")
}

fn emulator(shop: &Shop) -> &Emulator {
    shop.emulator().expect("the shop runs on the emulator")
}
