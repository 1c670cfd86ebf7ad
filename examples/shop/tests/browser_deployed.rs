//! What a person sees of issue #33's fixes, in a real browser (headless
//! Chromium, as `browser_walks.rs`): signing in from a link whose `next`
//! points off the shop keeps them on the shop; an error page keeps their
//! menu; an order with part of its payment refunded says *Partly
//! refunded*. Screenshots in `target/shop-screenshots/` (`30-…`).
//!
//! Without Chromium and chromedriver this says so in one line and passes;
//! with `DOJO_REQUIRE_TOOLS=1` it fails instead.

mod agent;
#[allow(dead_code)] // the walks of browser_walks.rs use the rest
mod browser;

use std::io::Write;
use std::time::Duration;

use browser::{Browser, Installed};
use dojo_payments::journal::EntryState;
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::Emulator;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::order::{Order, OrderStatus};
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_stays_on_the_shop_keeps_their_menu_and_reads_partly_refunded() {
    let installed = match Installed::find() {
        Ok(installed) => installed,
        Err(why) => {
            assert!(
                std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
                "DOJO_REQUIRE_TOOLS is set but the browser is missing: {why}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the shop's browser walk of #33: {why}"
            );
            return;
        }
    };
    let emulator = Emulator::start().await.expect("the emulator starts");
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "browser33").await),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.into()), options)
        .await
        .expect("the shop starts");
    agent::account(shop.db(), "ada@example.com", Role::Customer).await;
    let browser = Browser::start(&installed).await;

    // A link of the issue: sign in, then on to `/<tab>/evil.example/x`,
    // which Chromium read as //evil.example/x.
    browser
        .open(&format!("{}/signin?next=/%09/evil.example/x", shop.url()))
        .await;
    browser.fill("Email", "ada@example.com").await;
    browser.fill("Password", agent::PASSWORD).await;
    browser.press("Sign in").await;
    browser.wait_for_text("Sign out").await;
    let url = browser.url().await;
    assert!(
        url.starts_with(shop.url()) && !url.contains("evil"),
        "signed in, and sent off the shop: {url}"
    );
    browser.shot("30-next-stays-on-the-shop").await;

    // An error page, signed in: the menu is hers.
    browser
        .open(&format!("{}/orders/ord_nobody", shop.url()))
        .await;
    let error = browser.wait_for_text("Something went wrong").await;
    assert!(
        error.contains("ada@example.com")
            && error.contains("Sign out")
            && error.contains("My cards"),
        "{error}"
    );
    assert!(!error.contains("Sign up"), "{error}");
    browser.shot("31-error-page-signed-in").await;

    // She buys the teapot; the merchant refunds 0.50 of its 32.00.
    browser.open(shop.url()).await;
    browser.follow("Buy Cast-iron teapot").await;
    browser.press("Pay with Dojo").await;
    browser.wait_for_text("Pay 32.00 GBP").await;
    browser.fill("Card number", APPROVED_MASTERCARD).await;
    browser.press("Pay").await;
    browser.wait_for_text("Dojo confirmed your payment").await;
    let order = order_at(&shop, &browser.url().await).await;
    let intent = shop
        .dojo()
        .payment_intents()
        .get(order.payment_intent_id.as_ref().unwrap())
        .await
        .unwrap();
    let name = format!("{}/refund/part", order.id);
    let refunded = shop
        .journal()
        .refund(shop.dojo(), &name, &intent, Money::new(50, Currency::GBP))
        .await
        .unwrap();
    assert!(
        matches!(refunded, EntryState::Applied { .. }),
        "{refunded:?}"
    );
    let order = until(&shop, &order.id, |o| o.refunded.minor_units() == 50).await;
    assert_eq!(order.status, OrderStatus::Refunded, "Dojo's word for it");
    browser.reload().await;
    let page = browser.wait_for_text("Partly refunded").await;
    assert!(page.contains("Status: Partly refunded"), "{page}");
    assert!(
        page.contains("Refunded to your card: 0.50 GBP of 32.00 GBP."),
        "{page}"
    );
    browser.shot("32-order-partly-refunded").await;

    browser.close().await;
}

/// The order the page at `url` (`…/orders/{id}`) shows.
async fn order_at(shop: &Shop, url: &str) -> Order {
    let id = url
        .split("/orders/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '#']).next())
        .unwrap_or_else(|| panic!("not an order page: {url}"));
    shop.db().order(id).await.unwrap().unwrap()
}

/// Waits until the stored order `id` satisfies `done` (a webhook applied).
async fn until(shop: &Shop, id: &str, done: impl Fn(&Order) -> bool) -> Order {
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
