//! The shop deployed (issue #33): customers sent back to its public URL,
//! never the address it listens on; the embedded emulator refused beyond
//! this machine; HSTS and a `__Host-` cookie over https; no redirect off
//! the shop, whatever `next` says; no page saying what a link wrote; the
//! signed-in menu on error pages; a part refund called one.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments::Dojo;
use dojo_payments::types::PaymentIntentId;
use dojo_payments_emulator::Card;
use dojo_payments_emulator::Emulator;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::order::OrderStatus;
use dojo_shop::{Options, Shop, StartError};
use workspace_tests::databases;

/// A client of `emulator`, as a merchant's Dojo (the shop does not know it
/// is an emulator, so it runs deployed).
fn dojo_of(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap()
}

async fn shop_on(backend: Backend, public_url: &str) -> Result<Shop, StartError> {
    Shop::start_on(
        backend,
        Options {
            database_url: Some(databases::fresh(databases::Kind::Sqlite, "deployed").await),
            // "": at its own address (where the emulator delivers webhooks).
            public_url: Some(public_url.to_owned()).filter(|url| !url.is_empty()),
            ..Options::default()
        },
    )
    .await
}

/// A guest buys the teapot; the intent Dojo received.
async fn bought(shop: &Shop, emulator: &Emulator) -> (String, PaymentIntentId) {
    let guest = Agent::new(shop.url());
    let answer = guest
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "ada@example.com")],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = order.payment_intent_id.unwrap();
    assert!(emulator.payment_intent(&intent).is_some());
    (order.id, intent)
}

fn config_urls(emulator: &Emulator, intent: &PaymentIntentId) -> (String, String) {
    let config = emulator.payment_intent(intent).unwrap().config.unwrap();
    (config.redirect_url.unwrap(), config.cancel_url.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_sent_back_to_the_public_url_not_the_listen_address() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(
        Backend::Dojo(dojo_of(&emulator)),
        "https://shop.example.com",
    )
    .await
    .unwrap();
    let (order, intent) = bought(&shop, &emulator).await;
    let (redirect, cancel) = config_urls(&emulator, &intent);
    assert_eq!(redirect, format!("https://shop.example.com/orders/{order}"));
    assert_eq!(
        cancel,
        format!("https://shop.example.com/orders/{order}?canceled=true")
    );

    // On this machine too: a public URL other than the listen address wins.
    let port = shop.url().rsplit(':').next().unwrap().to_owned();
    let local = format!("http://localhost:{port}");
    let shop = shop_on(Backend::Emulator(emulator.clone()), &local)
        .await
        .unwrap();
    let (order, intent) = bought(&shop, &emulator).await;
    let (redirect, cancel) = config_urls(&emulator, &intent);
    assert_eq!(redirect, format!("{local}/orders/{order}"));
    assert_eq!(cancel, format!("{local}/orders/{order}?canceled=true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_shop_refuses_to_run_on_the_emulator() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    // A public URL beyond this machine, on the embedded emulator.
    let refused = shop_on(
        Backend::Emulator(emulator.clone()),
        "https://shop.example.com",
    )
    .await;
    assert!(
        matches!(refused, Err(StartError::EmulatorDeployed)),
        "{:?}",
        refused.err()
    );
    // Listening beyond loopback.
    let refused = Shop::start_on(
        Backend::Emulator(emulator.clone()),
        Options {
            addr: ([0, 0, 0, 0], 0).into(),
            public_url: Some("http://127.0.0.1:1".into()),
            ..Options::default()
        },
    )
    .await;
    assert!(matches!(refused, Err(StartError::EmulatorDeployed)));
    // From the environment (no DOJO_API_KEY in the tests): refused before
    // any emulator starts.
    let refused = Shop::start(Options {
        public_url: Some("https://shop.example.com".into()),
        ..Options::default()
    })
    .await;
    assert!(matches!(refused, Err(StartError::EmulatorDeployed)));
    // A public URL customers could not be sent to.
    for bad in ["http://shop.example.com", "https://shop.example.com/shop"] {
        let refused = shop_on(Backend::Dojo(dojo_of(&emulator)), bad).await;
        assert!(matches!(refused, Err(StartError::PublicUrl(_))), "{bad}");
    }
    // The refusal says what to do, and never prints the URL's secrets.
    let said = StartError::EmulatorDeployed.to_string();
    assert!(said.contains("DOJO_API_KEY"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_every_answer_carries_hsts_and_the_cookie_is_host_only() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(
        Backend::Dojo(dojo_of(&emulator)),
        "https://shop.example.com",
    )
    .await
    .unwrap();
    account(shop.db(), "ada@example.com", Role::Customer).await;
    let http = dojo_payments::raw::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .get(format!("{}/signin", shop.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // Every cookie the shop sets over https is `__Host-`: `Secure`,
    // `Path=/`, no `Domain`.
    let host_only = |answer: &reqwest::Response| -> Vec<String> {
        let cookies: Vec<String> = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_owned())
            .collect();
        assert!(!cookies.is_empty());
        for cookie in &cookies {
            assert!(cookie.starts_with("__Host-"), "{cookie}");
            assert!(
                cookie.contains("; Secure")
                    && cookie.contains("; Path=/")
                    && !cookie.contains("Domain"),
                "{cookie}"
            );
        }
        cookies
    };
    let cookies = host_only(&answer);
    // The browser sends them back by those names: the form's CSRF token
    // holds, and signing in works.
    let sent_back = cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");
    let page = answer.text().await.unwrap();
    let csrf = Agent::hidden_fields(&page, "/signin")
        .into_iter()
        .find(|(name, _)| name == "csrf")
        .unwrap()
        .1;
    let signed_in = http
        .post(format!("{}/signin", shop.url()))
        .header("cookie", sent_back)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert!(
        signed_in
            .headers()
            .contains_key("strict-transport-security")
    );
    let renewed = host_only(&signed_in);
    assert!(
        renewed
            .iter()
            .any(|c| c.starts_with("__Host-shop_session=")),
        "{renewed:?}"
    );
    // Signed in fully: the browser's device cookie (exempt from the
    // email-alone limit), `__Host-`, `HttpOnly`, `SameSite=Lax`.
    let device = renewed
        .iter()
        .find(|c| c.starts_with("__Host-shop_device="))
        .unwrap_or_else(|| panic!("a device cookie: {renewed:?}"));
    assert!(
        device.contains("; HttpOnly") && device.contains("; SameSite=Lax"),
        "{device}"
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM devices")
        .fetch_all(shop.db().pool())
        .await
        .unwrap();
    let token = device["__Host-shop_device=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(token), "stored as its hash only");

    // Over plain http on this machine: no HSTS, the plain cookie.
    let local = shop_on(Backend::Emulator(emulator.clone()), "http://localhost:1")
        .await
        .unwrap();
    let answer = http
        .get(format!("{}/signin", local.url()))
        .send()
        .await
        .unwrap();
    assert!(!answer.headers().contains_key("strict-transport-security"));
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("shop_") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

/// The known ways to make a browser leave a site from a path: each sent
/// as `next` to sign in with, each answered with the home page.
const BYPASSES: [&str; 24] = [
    "//evil.example/x",
    "/\\evil.example/x",
    "\\/\\/evil.example/x",
    "/\\/evil.example/x",
    "/\t/evil.example/x",
    "/%09/evil.example/x",
    "\t//evil.example/x",
    "/\r\n/evil.example/x",
    "/%0d%0a/evil.example/x",
    "/%0D%0ALocation:%20https://evil.example",
    "/%2F%2Fevil.example/x",
    "/%2f/evil.example/x",
    "%2F%2Fevil.example/x",
    "/%5Cevil.example/x",
    "/%5c%5cevil.example/x",
    "/%252F%252Fevil.example/x",
    "/%25252F/evil.example/x",
    " //evil.example/x",
    "https://evil.example/x",
    "https:evil.example/x",
    "http:/evil.example/x",
    "//evil.example@shop/x",
    "javascript:alert(1)",
    "/\u{3000}/evil.example/x",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sends_only_to_a_path_of_the_shop() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(Backend::Emulator(emulator), "").await.unwrap();
    account(shop.db(), "ada@example.com", Role::Customer).await;
    let sign_in = |next: String| {
        let base = shop.url().to_owned();
        async move {
            let agent = Agent::new(&base);
            let form = agent.get("/signin").await;
            let mut fields = Agent::hidden_fields(&form.body, "/signin");
            fields.retain(|(name, _)| name != "next");
            fields.push(("next".into(), next));
            fields.push(("email".into(), "ada@example.com".into()));
            fields.push(("password".into(), PASSWORD.into()));
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            agent.post_raw("/signin", &pairs).await
        }
    };
    for bypass in BYPASSES {
        let answer = sign_in(bypass.to_owned()).await;
        assert_eq!(answer.status, 303, "{bypass:?}: {}", answer.body);
        assert_eq!(answer.location.as_deref(), Some("/"), "{bypass:?}");
        // And given in the link, as the issue found it.
        let query = serde_urlencoded::to_string([("next", bypass)]).unwrap();
        let agent = Agent::new(shop.url());
        let form = agent.get(&format!("/signin?{query}")).await;
        let answer = agent
            .submit_on(
                &form.body,
                "/signin",
                &[("email", "ada@example.com"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            answer.location.as_deref(),
            Some("/"),
            "{bypass:?} in the link"
        );
    }
    // The link of the issue, exactly.
    let agent = Agent::new(shop.url());
    let form = agent.get("/signin?next=/%09/evil.example/x").await;
    let answer = agent
        .submit_on(
            &form.body,
            "/signin",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.location.as_deref(), Some("/"));
    // A path of the shop is kept.
    let answer = sign_in("/orders/ord_1?canceled=true".into()).await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/orders/ord_1?canceled=true")
    );
}

/// A guest's paid teapot, refunded 0.50 by the admin: the admin's page
/// says so from what the shop kept, not from the link; the order is
/// *partly refunded*.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_says_only_what_the_shop_kept_and_a_part_refund_is_partly_refunded() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(Backend::Emulator(emulator.clone()), "")
        .await
        .unwrap();
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let guest = Agent::new(shop.url());
    let bought = guest
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "ada@example.com")],
        )
        .await;
    assert_eq!(bought.status, 303);
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = order.payment_intent_id.clone().unwrap();
    emulator
        .pay(&intent, &Card::test(APPROVED_MASTERCARD).unwrap(), false)
        .unwrap();
    let paid = until(&shop, &order.id, |o| o.status == OrderStatus::Paid).await;
    assert_eq!(paid.captured.minor_units(), 3200);

    let admin = Agent::new(shop.url());
    admin.sign_in("admin@example.com", PASSWORD).await;
    let page = format!("/admin/orders/{}", order.id);
    let refunded = admin
        .submit(&page, &format!("{page}/refund"), &[("amount", "0.50")])
        .await;
    assert_eq!(refunded.status, 303, "{}", refunded.body);
    let back = refunded.location.unwrap();
    assert!(back.starts_with(&format!("{page}?said=")), "{back}");
    assert!(
        !back.contains("Refunded"),
        "the text rides in the link: {back}"
    );
    let shown = admin.get(&back).await;
    assert!(shown.body.contains("Refunded 0.50 GBP."), "{}", shown.body);
    // Once: a reload does not say it again.
    let again = admin.get(&back).await;
    assert!(!again.body.contains("Refunded 0.50 GBP."), "{}", again.body);

    // What a link writes is never shown.
    let lure = "Your account is locked: call 0800 000 000";
    let query =
        serde_urlencoded::to_string([("error", lure), ("notice", lure), ("said", lure)]).unwrap();
    let misled = admin.get(&format!("{page}?{query}")).await;
    assert_eq!(misled.status, 200);
    assert!(!misled.body.contains("call 0800"), "{}", misled.body);
    let booking = admin.get(&format!("/admin/bookings/bk_none?{query}")).await;
    assert!(!booking.body.contains("call 0800"), "{}", booking.body);

    let refunded = until(&shop, &order.id, |o| o.refunded.minor_units() == 50).await;
    assert_eq!(refunded.status_words(), "Partly refunded");
    let customer = guest.get(&format!("/orders/{}", order.id)).await;
    assert!(
        customer
            .body
            .contains("Status: <span class=\"status\">Partly refunded</span>"),
        "{}",
        customer.body
    );
    let admin_page = admin.get(&page).await;
    assert!(
        admin_page.body.contains("Partly refunded"),
        "{}",
        admin_page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_page_keeps_the_signed_in_menu() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(Backend::Emulator(emulator), "").await.unwrap();
    account(shop.db(), "ada@example.com", Role::Customer).await;
    let ada = Agent::new(shop.url());
    ada.sign_in("ada@example.com", PASSWORD).await;
    for (path, status) in [
        ("/orders/ord_nobody", 404),
        ("/bookings/bk_nobody", 404),
        ("/admin", 403),
        ("/buy/no-such-thing", 404),
    ] {
        let answer = ada.get(path).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(
            answer.body.contains("ada@example.com")
                && answer.body.contains("Sign out")
                && answer.body.contains("My cards")
                && !answer.body.contains(">Sign in<"),
            "{path}: {}",
            answer.body
        );
    }
    // A form refused (no CSRF token) too.
    let refused = ada.post_raw("/cards/delete", &[("card", "pm_x")]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Sign out"), "{}", refused.body);
}

/// Waits until the stored order `id` satisfies `done` (a webhook applied).
async fn until(
    shop: &Shop,
    id: &str,
    done: impl Fn(&dojo_shop::order::Order) -> bool,
) -> dojo_shop::order::Order {
    for _ in 0..150 {
        let order = shop.db().order(id).await.unwrap().unwrap();
        if done(&order) {
            return order;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "order {id} never got there: {:?}",
        shop.db().order(id).await
    );
}
