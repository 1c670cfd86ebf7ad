//! The shop walked by a real browser, as a person would: every flow, by
//! clicking and typing into fields found by their labels, against the shop
//! and the embedded emulator on loopback, through its doors: a customer
//! signs up, a guest buys without saving a card, staff sign in (with the
//! code of their authenticator app) for a phone order, an admin enrols
//! their second factor and makes captures, refunds (shown with their name
//! on the order's page) and no-show fees. Assertions read
//! the page and the shop's database; each step leaves a screenshot in
//! `target/shop-screenshots/`.
//!
//! Without Chromium and chromedriver this says so in one line and passes;
//! with `DOJO_REQUIRE_TOOLS=1` (as `.ci/run` sets after installing them)
//! it fails instead.

mod agent;
mod browser;

use std::io::Write;
use std::time::Duration;

use browser::{Browser, Installed};
use dojo_payments::journal::EntryState;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Emulator, Fault, WebhookRetryPolicy};
use dojo_shop::auth::{Role, second_factor};
use dojo_shop::backend::Backend;
use dojo_shop::order::{Order, OrderStatus};
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const GOOD_CARD: &str = "5200 0000 0000 1005";
const DECLINED_CARD: &str = "4000 0000 0000 0002";
const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
const READ_INTENT: &str = "GET /payment-intents/{paymentIntentId}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flow_walked_in_a_real_browser() {
    let installed = match Installed::find() {
        Ok(installed) => installed,
        Err(why) => {
            assert!(
                std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
                "DOJO_REQUIRE_TOOLS is set but the browser is missing: {why}"
            );
            // Straight to stderr: the test harness would swallow println!.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the shop's browser walks: {why}"
            );
            return;
        }
    };
    let shop = start_shop().await;
    // As `dojo-shop create-admin` and `create-staff` make them: enrolled
    // at creation (the admin's key as the command printed it).
    agent::account(shop.db(), "sam@example.com", Role::Staff).await;
    agent::bare_account(shop.db(), "admin@example.com", Role::Admin).await;
    let (admin_key, _) = agent::enrol(shop.db(), "admin@example.com").await;
    let browser = Browser::start(&installed).await;

    sign_up_a_customer(&shop, &browser).await;
    buy_and_save_a_card(&shop, &browser).await;
    pay_again_with_the_saved_card_then_delete_it(&shop, &browser).await;
    let bookings = book_two_tables(&shop, &browser).await;
    let hamper = buy_a_hamper(&shop, &browser).await;
    sign_out(&browser).await;
    cancel_at_checkout_as_a_guest(&shop, &browser).await;

    sign_in_with_a_code(&shop, &browser, "sam@example.com").await;
    take_a_phone_order(&shop, &browser).await;
    sign_out(&browser).await;

    sign_in_to_the_admin_pages(&shop, &browser, "admin@example.com", &admin_key).await;
    charge_one_no_show_fee_and_close_the_other(&shop, &browser, &bookings).await;
    capture_in_parts_and_refund_once(&shop, &browser, &hamper).await;

    browser.close().await;
}

/// Ada signs up: the doors she meets first are the sign-in page (sent
/// there by *My cards*) and its link to sign up.
async fn sign_up_a_customer(shop: &Shop, browser: &Browser) {
    browser.open(&format!("{}/cards", shop.url())).await;
    let door = browser.wait_for_text("Sign in").await;
    assert!(browser.url().await.contains("/signin?next="), "{door}");
    browser.shot("00-sign-in").await;
    browser.follow("Sign up").await;
    browser.fill("Email", "ada@example.com").await;
    browser
        .fill("Password (at least 10 characters)", "short")
        .await;
    browser.press("Sign up").await;
    let refused = browser.wait_for_text("password: must be").await;
    assert!(refused.contains("10 to 256 characters"), "{refused}");
    browser.fill("Email", "ada@example.com").await;
    browser
        .fill("Password (at least 10 characters)", agent::PASSWORD)
        .await;
    browser.shot("00-sign-up").await;
    browser.press("Sign up").await;
    // The same answer whether the email had an account: sign in.
    let told = browser.wait_for_text("its account is ready").await;
    assert!(told.contains("If it had an account already"), "{told}");
    browser.fill("Password", agent::PASSWORD).await;
    browser.press("Sign in").await;
    // Not the email: the sign-in page's notice names it too, and would
    // answer before the sign-in's page has come.
    let home = browser.wait_for_text("Sign out").await;
    assert!(
        home.contains("Sign out") && home.contains("My cards"),
        "{home}"
    );
    assert!(
        !home.contains("Admin") && !home.contains("Phone order"),
        "{home}"
    );
}

/// `email` (staff, enrolled) signs in: the password, then the code their
/// authenticator app shows (computed here from the secret they enrolled).
async fn sign_in_with_a_code(shop: &Shop, browser: &Browser, email: &str) {
    browser.open(&format!("{}/signin", shop.url())).await;
    browser.fill("Email", email).await;
    browser.fill("Password", agent::PASSWORD).await;
    browser.shot("00-sign-in-staff").await;
    browser.press("Sign in").await;
    browser.wait_for_text("Your code").await;
    // The staff page waits for the code.
    browser.open(&format!("{}/staff/phone", shop.url())).await;
    browser.wait_for_text("Your code").await;
    assert!(browser.url().await.contains("/signin/code?next="));
    // A wrong code first: asked again.
    browser.fill("Code", "12345").await;
    browser.press("Verify").await;
    browser.wait_for_text("That code is not right").await;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = second_factor::code_at(agent::SECOND_FACTOR, now).unwrap();
    browser.fill("Code", &code).await;
    browser.shot("00-second-factor-code").await;
    browser.press("Verify").await;
    browser
        .wait_for_text("type the card the customer reads out")
        .await;
    assert!(browser.url().await.ends_with("/staff/phone"));
}

/// `email` (an admin, enrolled at creation with `key`) opens the admin
/// pages: the password, then a code from the app (never an enrolment
/// page: no page enrols a second factor).
async fn sign_in_to_the_admin_pages(shop: &Shop, browser: &Browser, email: &str, key: &str) {
    browser.open(&format!("{}/admin", shop.url())).await;
    browser.wait_for_text("Sign in").await;
    browser.fill("Email", email).await;
    browser.fill("Password", agent::PASSWORD).await;
    browser.press("Sign in").await;
    browser.wait_for_text("Your code").await;
    assert!(browser.url().await.contains("/signin/code?next="));
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = second_factor::code_at(key, now).unwrap();
    browser.fill("Code", &code).await;
    browser.press("Verify").await;
    browser.wait_for_text("Orders").await;
    assert!(browser.url().await.ends_with("/admin"));
}

async fn sign_out(browser: &Browser) {
    browser.press("Sign out").await;
    browser.wait_for_text("Sign in").await;
}

/// The shop on a fresh emulator whose webhook retries come quickly, and a
/// fresh SQLite file.
async fn start_shop() -> Shop {
    let emulator = Emulator::builder()
        .webhook_retries(WebhookRetryPolicy {
            attempts: 6,
            first_backoff: Duration::from_millis(1500),
        })
        .start()
        .await
        .expect("the emulator starts");
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "browser").await),
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator.into()), options)
        .await
        .expect("the shop starts")
}

fn emulator(shop: &Shop) -> &Emulator {
    shop.emulator().expect("the shop runs on the emulator")
}

/// The order the page at `url` (`…/orders/{id}` or `…/admin/orders/{id}`) shows.
async fn order_at(shop: &Shop, url: &str) -> Order {
    let id = url
        .split("/orders/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '#']).next())
        .unwrap_or_else(|| panic!("not an order page: {url}"));
    shop.db()
        .order(id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no order {id}"))
}

/// Buy a teapot as ada: a declined card first (the error shown, the form
/// kept), then a good one, saved; back on the order page, a reload while
/// the webhook is still on its way shows it pending, then it is paid.
async fn buy_and_save_a_card(shop: &Shop, browser: &Browser) {
    browser.open(shop.url()).await;
    browser.shot("01-shop").await;
    browser.follow("Buy Cast-iron teapot").await;
    browser.wait_for_text("Buying as ada@example.com").await;
    browser.press("Pay with Dojo").await;

    let checkout = browser.wait_for_text("Pay 32.00 GBP").await;
    assert!(checkout.contains("Save card for future use"), "{checkout}");
    browser.fill("Card number", DECLINED_CARD).await;
    browser.press("Pay").await;
    let declined = browser.wait_for_text("Card declined").await;
    assert!(declined.contains("try another card"), "{declined}");
    browser.shot("02-checkout-declined").await;

    // Until the shop has heard of the payment, it cannot hear of it: the
    // shop's read of the intent fails (a 500 on each of its three
    // attempts), so Dojo (the emulator) delivers the event again 1.5 s later.
    let attempts = shop.dojo().retry_policy().max_attempts as usize;
    emulator(shop)
        .inject_fault(READ_INTENT, Fault::fail(500), attempts)
        .unwrap();
    browser.fill("Card number", GOOD_CARD).await;
    browser.tick("Save card for future use").await;
    browser.shot("03-checkout").await;
    browser.press("Pay").await;

    let pending = browser.wait_for_text("waiting for Dojo to confirm").await;
    assert!(pending.contains("Status: Pending"), "{pending}");
    let url = browser.url().await;
    assert!(
        url.starts_with(shop.url()),
        "Dojo sent the customer back to the shop: {url}"
    );
    assert_eq!(order_at(shop, &url).await.status, OrderStatus::Pending);
    browser.reload().await;
    browser.shot("04-order-pending").await;
    let paid = browser.wait_for_text("Dojo confirmed your payment").await;
    assert!(paid.contains("Status: Paid"), "{paid}");
    assert!(
        paid.contains("payment_intent.status_updated (Captured)"),
        "{paid}"
    );
    browser.shot("05-order-paid").await;

    let order = order_at(shop, &url).await;
    assert_eq!(
        (order.status, order.captured.minor_units()),
        (OrderStatus::Paid, 3200)
    );
    let events = shop.db().events(&order.id).await.unwrap();
    let captured = events.iter().filter(|e| e.status == "Captured").count();
    assert_eq!(
        captured, 1,
        "the redelivered event applied once: {events:?}"
    );
}

/// A guest starts buying (no account: Dojo's checkout offers no saving),
/// then cancels at checkout: back at the shop, told nothing was charged,
/// the order still pending.
async fn cancel_at_checkout_as_a_guest(shop: &Shop, browser: &Browser) {
    browser.open(&format!("{}/buy/coffee", shop.url())).await;
    browser.fill("Your email", "grace@example.com").await;
    browser.press("Pay with Dojo").await;
    let checkout = browser.wait_for_text("Pay 12.50 GBP").await;
    assert!(
        !checkout.contains("Save card"),
        "a guest saves nothing: {checkout}"
    );
    browser.follow("Cancel").await;
    let canceled = browser.wait_for_text("You canceled at checkout").await;
    assert!(canceled.contains("nothing was charged"), "{canceled}");
    browser.shot("06-canceled").await;
    let order = order_at(shop, &browser.url().await).await;
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.captured.minor_units(), 0);
}

/// My cards: ada's saved card, listed with her customer secret; buying
/// with it preselects it at checkout; then she deletes it.
async fn pay_again_with_the_saved_card_then_delete_it(shop: &Shop, browser: &Browser) {
    browser.open(&format!("{}/cards", shop.url())).await;
    let cards = browser.wait_for_text("MASTERCARD").await;
    assert!(cards.contains("52000000****1005"), "{cards}");
    browser.shot("07-saved-cards").await;

    browser.press("Buy Coffee beans, 1 kg with this card").await;
    browser.wait_for_text("Pay 12.50 GBP").await;
    assert!(
        browser.is_ticked("Saved card MASTERCARD").await,
        "the saved card is preselected"
    );
    assert!(!browser.is_ticked("A new card").await);
    browser.shot("08-checkout-saved-card").await;
    browser.press("Pay").await;
    browser.wait_for_text("Dojo confirmed your payment").await;
    let order = order_at(shop, &browser.url().await).await;
    assert_eq!(
        (order.status, order.email.as_str()),
        (OrderStatus::Paid, "ada@example.com")
    );

    browser.open(&format!("{}/cards", shop.url())).await;
    browser.press("Delete this card").await;
    let after = browser.wait_for_text("No saved cards.").await;
    assert!(!after.contains("52000000****1005"), "{after}");
}

/// Ada books two tables, her card authorized at checkout for each one's
/// no-show fee; the bookings' ids.
async fn book_two_tables(shop: &Shop, browser: &Browser) -> Vec<String> {
    let mut bookings = Vec::new();
    for _ in 0..2 {
        browser.open(&format!("{}/book", shop.url())).await;
        browser.fill("Party size", "4").await;
        browser.press("Book and hold my card").await;
        let checkout = browser.wait_for_text("Save a card").await;
        assert!(
            checkout.contains("no-show fee"),
            "the terms are shown: {checkout}"
        );
        browser.fill("Card number", GOOD_CARD).await;
        browser.press("Pay").await;
        let booked = browser.wait_for_text("Your table is booked").await;
        assert!(booked.contains("Card hold: Authorized"), "{booked}");
        browser.shot("09-booked").await;
        let url = browser.url().await;
        bookings.push(url.split("/bookings/").nth(1).unwrap().to_owned());
    }
    bookings
}

/// The admin charges the first booking's no-show fee (a merchant-initiated
/// charge) and closes the second.
async fn charge_one_no_show_fee_and_close_the_other(
    shop: &Shop,
    browser: &Browser,
    bookings: &[String],
) {
    for (booking, then) in bookings.iter().zip(["Charge no-show fee", "Close booking"]) {
        browser
            .open(&format!("{}/admin/bookings/{booking}", shop.url()))
            .await;
        browser.press(then).await;
        if then == "Charge no-show fee" {
            let fee = browser.wait_for_text("Status: Paid").await;
            assert!(fee.contains("No-show fee"), "{fee}");
            browser.shot("10-no-show-fee-paid").await;
            let order = order_at(shop, &browser.url().await).await;
            assert_eq!(order.captured.minor_units(), 2000);
            browser
                .open(&format!("{}/admin/bookings/{booking}", shop.url()))
                .await;
            let after = browser.wait_for_text("Card hold: Completed").await;
            assert!(
                !after.contains("Charge no-show fee"),
                "a card is charged once: {after}"
            );
        } else {
            let closed = browser.wait_for_text("the card is released").await;
            assert!(closed.contains("Card hold: Closed"), "{closed}");
        }
    }
}

/// A phone order: staff type the card (a mistake first, named by field),
/// it is tokenized at the PCI host and charged; the card number is nowhere
/// in the shop's database.
async fn take_a_phone_order(shop: &Shop, browser: &Browser) {
    browser.open(&format!("{}/staff/phone", shop.url())).await;
    let fill = async |number: &str| {
        browser.fill("Customer email", "barbara@example.com").await;
        browser.fill("What for", "Tea for the office").await;
        browser.fill("Amount (GBP)", "45.60").await;
        browser.fill("Card number", number).await;
        browser.fill("Expiry (MM/YY)", "12/30").await;
        browser.fill("CVV", "123").await;
        browser.fill("Name on card", "Barbara Liskov").await;
        browser.press("Charge card").await;
    };
    fill("5200 0000 0000 1006").await; // a typo: the Luhn check fails
    let refused = browser.wait_for_text("card").await;
    assert!(
        refused.to_lowercase().contains("card number") || refused.contains("cardNumber"),
        "{refused}"
    );
    assert!(
        !refused.contains("1006"),
        "the typed number is not shown back: {refused}"
    );
    browser.shot("11-phone-order-typo").await;

    fill(GOOD_CARD).await;
    let paid = browser.wait_for_text("Status: Paid").await;
    assert!(paid.contains("45.60 GBP"), "{paid}");
    assert!(
        paid.contains("Card ending 1005, taken by sam@example.com"),
        "audited: {paid}"
    );
    browser.shot("12-phone-order-paid").await;
    let order = order_at(shop, &browser.url().await).await;
    assert_eq!(order.captured.minor_units(), 4560);
    assert!(
        emulator(shop)
            .requests()
            .iter()
            .any(|r| r == "pci POST /setup-intents"),
        "the card went to the PCI host"
    );
    let dump = database_text(shop).await;
    assert!(
        !dump.contains(APPROVED_MASTERCARD) && !dump.contains(GOOD_CARD),
        "the card number is stored"
    );
}

/// Ada buys the hamper, paid as it is packed: authorized at checkout.
async fn buy_a_hamper(shop: &Shop, browser: &Browser) -> Order {
    browser.open(&format!("{}/buy/hamper", shop.url())).await;
    browser.press("Pay with Dojo").await;
    browser.wait_for_text("Pay 80.00 GBP").await;
    browser.press("Pay").await;
    browser.wait_for_text("Status: Authorized").await;
    order_at(shop, &browser.url().await).await
}

/// The hamper is paid as it is packed: authorized at checkout, captured in
/// two parts by the admin, then part refunded. Dojo makes the refund and
/// answers 500, every time it is asked: a 500 proves nothing, so the
/// admin is shown the refund as not confirmed, with a retry of the same
/// refund (its key), and no form for a fresh one; the retry, once Dojo
/// answers again, finds the one refund Dojo made.
async fn capture_in_parts_and_refund_once(shop: &Shop, browser: &Browser, order: &Order) {
    let intent = order.payment_intent_id.clone().unwrap();

    let admin = format!("{}/admin/orders/{}", shop.url(), order.id);
    browser.open(&admin).await;
    browser.fill("Amount to capture", "30.00").await;
    browser.press("Capture").await;
    browser.wait_for_text("Captured 30.00 GBP.").await;
    browser.fill("Amount to capture", "50.00").await;
    browser.press("Capture").await;
    browser.wait_for_text("Captured 50.00 GBP.").await;
    wait_until(shop, &order.id, |o| o.captured.minor_units() == 8000).await;

    emulator(shop)
        .inject_fault(REFUNDS, Fault::fail_after_commit(500), 20)
        .unwrap();
    browser.open(&admin).await;
    browser.fill("Amount to refund", "10.00").await;
    browser.press("Refund").await;
    let lost = browser.wait_for_text("not confirmed yet").await;
    assert!(
        lost.contains("A refund of 10.00 GBP is not confirmed yet"),
        "{lost}"
    );
    assert!(
        !lost.contains("Amount to refund") && !lost.contains("Amount to capture"),
        "a fresh refund (or capture) is offered beside one not confirmed: {lost}"
    );
    assert_eq!(
        emulator(shop).refund_count(&intent),
        1,
        "Dojo made it, 500 or not"
    );
    browser.shot("13-admin-refund-unconfirmed").await;
    emulator(shop).clear_faults();
    browser.press("Retry the refund").await;
    browser.wait_for_text("Refunded 10.00 GBP.").await;
    // Who did what: each capture and the refund (its first try, not
    // confirmed, and its retry) by the admin who made it.
    let page = browser.wait_for_text("Who did what").await;
    let who = page
        .split("Who did what")
        .nth(1)
        .and_then(|rest| rest.split("Money moved").next())
        .unwrap();
    let rows = |action: &str| -> Vec<&str> {
        who.lines()
            .filter(|line| line.trim_start().starts_with(action))
            .collect()
    };
    assert_eq!(rows("capture").len(), 2, "{who}");
    let refunds = rows("refund");
    assert_eq!(refunds.len(), 2, "{who}");
    for row in rows("capture").into_iter().chain(refunds.iter().copied()) {
        assert!(
            row.contains("10.00 GBP") || row.contains("0.00 GBP"),
            "{row}"
        );
        assert!(row.contains("by admin@example.com"), "{row}");
    }
    assert!(refunds[0].contains("not confirmed"), "{who}");
    assert!(refunds[1].contains("done"), "{who}");
    browser.shot("13-admin-refund-author").await;
    let refunded = wait_until(shop, &order.id, |o| o.refunded.minor_units() == 1000).await;
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert_eq!(
        emulator(shop).refund_count(&intent),
        1,
        "one refund, however often it was sent"
    );
    shop.journal().flush().await; // outcomes are written behind the answers
    let moves = shop.journal().store().entries_for(&intent).await.unwrap();
    let refunds: Vec<_> = moves
        .iter()
        .filter(|e| e.movement.operation() == "refund")
        .collect();
    assert_eq!(
        refunds.len(),
        1,
        "one journal entry for the refund and its retry: {moves:?}"
    );
    assert!(
        matches!(refunds[0].state, EntryState::Applied { .. }),
        "{moves:?}"
    );
    assert_eq!(
        moves
            .iter()
            .filter(|e| e.movement.operation() == "capture")
            .count(),
        2
    );

    browser.reload().await;
    let history = browser.wait_for_text("Webhook events").await;
    assert!(
        history.matches("payment_intent.status_updated").count() >= 4,
        "{history}"
    );
    browser.shot("14-admin-order").await;
}

/// Waits until the stored order satisfies `done` (a webhook is applied).
async fn wait_until(shop: &Shop, id: &str, done: impl Fn(&Order) -> bool) -> Order {
    for _ in 0..150 {
        let order = shop.db().order(id).await.unwrap().unwrap();
        if done(&order) {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "order {id} never got there: {:?}",
        shop.db().order(id).await
    );
}

/// Every text value of every table of the shop's database.
async fn database_text(shop: &Shop) -> String {
    use sqlx::Row;
    let mut text = String::new();
    let tables = [
        "SELECT * FROM accounts",
        "SELECT * FROM phone_audit",
        "SELECT * FROM orders",
        "SELECT * FROM webhook_events",
        "SELECT * FROM dojo_journal",
        "SELECT * FROM dojo_processed_events",
        "SELECT * FROM bookings",
    ];
    for sql in tables {
        for row in sqlx::query(sql).fetch_all(shop.db().pool()).await.unwrap() {
            for index in 0..row.len() {
                if let Ok(Some(value)) = row.try_get::<Option<String>, _>(index) {
                    text.push_str(&value);
                    text.push('\n');
                }
            }
        }
    }
    text
}
