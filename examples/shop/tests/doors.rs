//! The shop is safe to copy: every door, tried by someone it should stop,
//! each check asserting the status and that nothing moved in the
//! emulator's state (its digest, its refunds, its request log).
//!
//! - anonymous visitors are sent to sign in for the admin, phone orders
//!   and saved cards;
//! - customer A can neither see nor use customer B's cards or orders;
//! - staff cannot refund;
//! - a form without its session's CSRF token, or with another, is a 403;
//! - the sixth declined phone order within the window is a 429, and is
//!   not sent;
//! - the same phone order form posted twice at once is one order and one
//!   charge;
//! - the bot check, when it says no, stops a phone order before Dojo;
//! - every answer carries the security headers; the cookie is `HttpOnly`
//!   and `SameSite=Lax`;
//! - `dojo-shop create-admin` makes an admin who can sign in, and refuses
//!   a short password.

mod agent;

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, DECLINED_VISA};
use dojo_payments_emulator::{Card, Emulator};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::defences::BotCheck;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const GOOD_CARD: &str = APPROVED_MASTERCARD;
const DECLINED_CARD: &str = DECLINED_VISA;
const TOKENIZE: &str = "pci POST /setup-intents";
const CHARGE: &str = "POST /payment-intents/{paymentIntentId}/charge";
const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

async fn shop_with(options: Options) -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "doors").await),
        ..options
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    (shop, emulator)
}

async fn shop() -> (Shop, Arc<Emulator>) {
    shop_with(Options::default()).await
}

fn count(emulator: &Emulator, route: &str) -> usize {
    emulator.requests().iter().filter(|r| *r == route).count()
}

/// An order `visitor` buys, paid at checkout (its card saved when the
/// visitor is signed in).
async fn paid_order(shop: &Shop, emulator: &Emulator, visitor: &Agent) -> dojo_shop::order::Order {
    let bought = visitor
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "guest@example.com")],
        )
        .await;
    assert_eq!(bought.status, 303, "{}", bought.body);
    let orders = shop.db().orders().await.unwrap();
    let order = orders.into_iter().next().unwrap();
    let intent = order.payment_intent_id.clone().unwrap();
    let save = !order.owner.starts_with("guest:");
    emulator
        .pay(&intent, &Card::test(GOOD_CARD).unwrap(), save)
        .unwrap();
    order
}

/// A phone order from `staff`'s form, with `card`.
async fn phone_order(staff: &Agent, card: &str) -> agent::Answer {
    staff
        .submit(
            "/staff/phone",
            "/staff/phone",
            &[
                ("email", "caller@example.com"),
                ("description", "Tea by phone"),
                ("amount", "12.00"),
                ("card_number", card),
                ("expiry", "12/40"),
                ("cvv", "123"),
                ("name", "A Caller"),
            ],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_visitors_are_sent_to_sign_in_and_move_nothing() {
    let (shop, emulator) = shop().await;
    let anonymous = Agent::new(shop.url());
    for path in ["/admin", "/staff/phone", "/cards", "/admin/orders/ord_1"] {
        let answer = anonymous.get(path).await;
        assert_eq!(answer.status, 303, "{path}");
        let to = answer.location.unwrap();
        assert!(to.starts_with("/signin?next="), "{path} → {to}");
    }
    let before = emulator.state_digest();
    for path in [
        "/admin/orders/ord_1/refund",
        "/staff/phone",
        "/cards/delete",
    ] {
        let answer = anonymous.post_raw(path, &[("amount", "1.00")]).await;
        assert_eq!(answer.status, 403, "{path}: no session, no CSRF token");
    }
    assert_eq!(emulator.state_digest(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_can_neither_see_nor_use_another_s_cards_or_orders() {
    let (shop, emulator) = shop().await;
    let bea = Agent::new(shop.url());
    bea.sign_up("bea@example.com", PASSWORD).await;
    let order = paid_order(&shop, &emulator, &bea).await;
    let cards = bea.get("/cards").await;
    assert!(
        cards.body.contains("1005"),
        "Bea sees her saved card: {}",
        cards.body
    );
    let card_id = Agent::hidden_fields(&cards.body, "/cards/delete")
        .into_iter()
        .find(|(n, _)| n == "card")
        .unwrap()
        .1;
    assert_eq!(bea.get(&format!("/orders/{}", order.id)).await.status, 200);

    let ada = Agent::new(shop.url());
    ada.sign_up("ada@example.com", PASSWORD).await;
    let before = emulator.state_digest();
    assert_eq!(ada.get(&format!("/orders/{}", order.id)).await.status, 404);
    let theirs = ada.get("/cards").await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("1005"), "{}", theirs.body);
    let csrf = Agent::hidden_fields(&ada.get("/book").await.body, "/book")
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .unwrap()
        .1;
    let deleted = ada
        .post_raw("/cards/delete", &[("csrf", &csrf), ("card", &card_id)])
        .await;
    assert_eq!(deleted.status, 404, "{}", deleted.body);
    // Nor can a guest see Bea's order.
    assert_eq!(
        Agent::new(shop.url())
            .get(&format!("/orders/{}", order.id))
            .await
            .status,
        404
    );
    assert_eq!(emulator.state_digest(), before, "nothing changed");
    assert!(
        bea.get("/cards").await.body.contains("1005"),
        "Bea's card is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_cannot_refund_and_a_form_needs_its_session_s_token() {
    let (shop, emulator) = shop().await;
    let order = paid_order(&shop, &emulator, &Agent::new(shop.url())).await;
    let intent = order.payment_intent_id.clone().unwrap();
    account(shop.db(), "sam@example.com", Role::Staff).await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let admin = Agent::new(shop.url());
    admin.sign_in("admin@example.com", PASSWORD).await;
    let page = admin.get(&format!("/admin/orders/{}", order.id)).await;
    assert_eq!(page.status, 200);
    let action = format!("/admin/orders/{}/refund", order.id);
    let mut form = Agent::hidden_fields(&page.body, &action);

    // Staff: their own session's token, the admin's form: still 403.
    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    assert_eq!(
        staff
            .get(&format!("/admin/orders/{}", order.id))
            .await
            .status,
        403
    );
    let staff_csrf = Agent::hidden_fields(&staff.get("/staff/phone").await.body, "/staff/phone")
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .unwrap()
        .1;
    let attempt = form.iter().find(|(n, _)| n == "attempt").unwrap().1.clone();
    let by_staff = staff
        .post_raw(
            &action,
            &[
                ("csrf", &staff_csrf),
                ("attempt", &attempt),
                ("amount", "5.00"),
            ],
        )
        .await;
    assert_eq!(by_staff.status, 403, "{}", by_staff.body);

    // The admin, without the token, and with another's.
    let without: Vec<(&str, &str)> = vec![("attempt", &attempt), ("amount", "5.00")];
    assert_eq!(admin.post_raw(&action, &without).await.status, 403);
    let wrong = [
        ("csrf", staff_csrf.as_str()),
        ("attempt", &attempt),
        ("amount", "5.00"),
    ];
    assert_eq!(admin.post_raw(&action, &wrong).await.status, 403);
    assert_eq!(emulator.refund_count(&intent), 0, "nothing refunded");
    assert_eq!(count(&emulator, REFUNDS), 0, "nothing sent");

    // With it, the refund is made.
    form.push(("amount".into(), "5.00".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(admin.post_raw(&action, &pairs).await.status, 303);
    assert_eq!(emulator.refund_count(&intent), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_declined_phone_order_is_refused_before_it_is_sent() {
    let (shop, emulator) = shop().await;
    account(shop.db(), "sam@example.com", Role::Staff).await;
    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    for n in 1..=5 {
        let declined = phone_order(&staff, DECLINED_CARD).await;
        assert_eq!(declined.status, 200, "attempt {n}");
        assert!(
            declined.body.contains("was not authorized"),
            "{}",
            declined.body
        );
    }
    assert_eq!(count(&emulator, TOKENIZE), 5);
    let sixth = phone_order(&staff, GOOD_CARD).await;
    assert_eq!(sixth.status, 429, "{}", sixth.body);
    assert!(
        sixth.body.contains("try again in 15 minutes"),
        "{}",
        sixth.body
    );
    assert_eq!(count(&emulator, TOKENIZE), 5, "the sixth card was not sent");
    assert_eq!(count(&emulator, CHARGE), 0);
    // Each was audited, by its last four digits only.
    let audits = sqlx::query("SELECT card_last4, outcome, staff_account FROM phone_audit")
        .fetch_all(shop.db().pool())
        .await
        .unwrap();
    assert_eq!(audits.len(), 5);
    let dump = format!(
        "{:?}",
        sqlx::query_scalar::<_, String>(
            "SELECT card_last4 || outcome || staff_account FROM phone_audit"
        )
        .fetch_all(shop.db().pool())
        .await
        .unwrap()
    );
    assert!(dump.contains("0002declinedsam@example.com"), "{dump}");
    assert!(!dump.contains(DECLINED_CARD), "{dump}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_phone_form_posted_twice_at_once_is_one_order_and_one_charge() {
    let (shop, emulator) = shop().await;
    account(shop.db(), "sam@example.com", Role::Staff).await;
    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    let page = staff.get("/staff/phone").await;
    let fields = [
        ("email", "caller@example.com"),
        ("description", "Tea by phone"),
        ("amount", "32.00"),
        ("card_number", GOOD_CARD),
        ("expiry", "12/40"),
        ("cvv", "123"),
        ("name", "A Caller"),
    ];
    let (first, second) = tokio::join!(
        staff.submit_on(&page.body, "/staff/phone", &fields),
        staff.submit_on(&page.body, "/staff/phone", &fields),
    );
    assert_eq!((first.status, second.status), (303, 303));
    assert_eq!(first.location, second.location, "both shown the one order");
    let orders = shop.db().orders().await.unwrap();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(count(&emulator, TOKENIZE), 1, "the card went to Dojo once");
    assert_eq!(count(&emulator, CHARGE), 1, "charged once");
    // And again, later: the first order, nothing sent.
    let again = staff.submit_on(&page.body, "/staff/phone", &fields).await;
    assert_eq!(again.location, first.location);
    assert_eq!(count(&emulator, CHARGE), 1);
    let shown = staff.get(first.location.as_deref().unwrap()).await;
    assert!(shown.body.contains("Card ending 1005"), "{}", shown.body);
}

/// A bot check that says no to everything.
struct Nobody;

impl BotCheck for Nobody {
    fn passes<'a>(
        &'a self,
        _: Option<&'a str>,
        _: IpAddr,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(std::future::ready(false))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_check_that_says_no_stops_a_phone_order_and_a_checkout() {
    let (shop, emulator) = shop_with(Options {
        bot_check: Arc::new(Nobody),
        ..Options::default()
    })
    .await;
    account(shop.db(), "sam@example.com", Role::Staff).await;
    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    assert_eq!(phone_order(&staff, GOOD_CARD).await.status, 403);
    let guest = Agent::new(shop.url());
    let bought = guest
        .submit("/buy/teapot", "/buy/teapot", &[("email", "a@example.com")])
        .await;
    assert_eq!(bought.status, 403);
    assert_eq!(count(&emulator, TOKENIZE), 0);
    assert_eq!(count(&emulator, "POST /payment-intents"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_sent_with_the_security_headers_and_a_safe_cookie() {
    let (shop, _emulator) = shop().await;
    let http = dojo_payments::raw::http_client().unwrap();
    let answer = http
        .get(format!("{}/signin", shop.url()))
        .send()
        .await
        .unwrap();
    let headers = answer.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    let body = answer.text().await.unwrap();
    assert!(!body.contains("<style") && !body.contains("style=") && !body.contains("<script"));
    // Back to a page of the shop only, never another site.
    let to_elsewhere = Agent::new(shop.url());
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let signed_in = to_elsewhere
        .submit(
            "/signin?next=//evil.example/x",
            "/signin",
            &[("email", "cy@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.location.as_deref(), Some("/"));
}

// A public https URL making the cookie `Secure` (and `__Host-`), with HSTS:
// `deployed.rs`, on a Dojo the shop does not run itself (it refuses the
// embedded emulator when deployed).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_makes_an_admin_who_signs_in_and_refuses_a_short_password() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let (shop, _emulator) = shop().await;
    let create = |email: &str, password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dojo-shop"))
            .args(["create-admin", email])
            .env("DATABASE_URL", shop.database_url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = create("boss@example.com", "short");
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least")
            || String::from_utf8_lossy(&short.stderr).contains("10 to")
    );
    let made = create("boss@example.com", PASSWORD);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // Enrolled at creation: the key, its URI and the recovery codes,
    // printed once for the operator.
    let said = String::from_utf8_lossy(&made.stdout).into_owned();
    let key = said
        .lines()
        .find_map(|line| line.trim().strip_prefix("key: "))
        .unwrap_or_else(|| panic!("the key: {said}"))
        .to_owned();
    assert!(
        said.contains(&format!(
            "otpauth://totp/Tea%20%26%20Co.:boss@example.com?secret={key}"
        )),
        "{said}"
    );
    let recovery: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|line| dojo_shop::auth::second_factor::is_recovery_code(line))
        .collect();
    assert_eq!(recovery.len(), 10, "{said}");
    let boss = Agent::new(shop.url());
    let signed_in = boss
        .submit(
            "/signin",
            "/signin",
            &[("email", "boss@example.com"), ("password", PASSWORD)],
        )
        .await;
    // Never the enrolment page: straight to the code.
    let page = signed_in.location.unwrap();
    assert!(page.starts_with("/signin/code?"), "{page}");
    assert_eq!(boss.get("/admin").await.status, 303);
    let used = boss
        .submit(&page, "/signin/code", &[("code", recovery[0])])
        .await;
    assert_eq!(used.status, 303, "{}", used.body);
    assert_eq!(boss.get("/admin").await.status, 200);
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    assert!(dojo_shop::auth::second_factor::code_at(&key, now).is_some());
    // `second-factor EMAIL`: a new one, the old codes gone.
    let renewed = Command::new(env!("CARGO_BIN_EXE_dojo-shop"))
        .args(["second-factor", "boss@example.com"])
        .env("DATABASE_URL", shop.database_url())
        .output()
        .unwrap();
    assert!(
        renewed.status.success(),
        "{}",
        String::from_utf8_lossy(&renewed.stderr)
    );
    let renewed = String::from_utf8_lossy(&renewed.stdout).into_owned();
    assert!(
        renewed.contains("key: ") && !renewed.contains(&key),
        "{renewed}"
    );
    let other = Agent::new(shop.url());
    let signed_in = other
        .submit(
            "/signin",
            "/signin",
            &[("email", "boss@example.com"), ("password", PASSWORD)],
        )
        .await;
    let page = signed_in.location.unwrap();
    let old = other
        .submit(&page, "/signin/code", &[("code", recovery[1])])
        .await;
    assert_eq!(old.status, 200, "the old recovery codes are gone");
    let customer = Command::new(env!("CARGO_BIN_EXE_dojo-shop"))
        .args(["second-factor", "nobody@example.com"])
        .env("DATABASE_URL", shop.database_url())
        .output()
        .unwrap();
    assert!(!customer.status.success());
    let again = create("boss@example.com", PASSWORD);
    assert!(!again.status.success(), "one account per email");
    // Signed out, the door closes again.
    let page = boss.get("/admin").await;
    let out = boss.submit_on(&page.body, "/signout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(boss.get("/admin").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_failed_sign_in_is_refused_even_with_the_right_password() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let guesser = Agent::new(shop.url());
    for n in 1..=5 {
        let wrong = guesser
            .submit(
                "/signin",
                "/signin",
                &[
                    ("email", "cy@example.com"),
                    ("password", "not the password"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 200, "attempt {n}");
        assert!(wrong.body.contains("do not match"), "{}", wrong.body);
    }
    let sixth = guesser
        .submit(
            "/signin",
            "/signin",
            &[("email", "cy@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(sixth.status, 429, "{}", sixth.body);
    assert!(
        sixth.body.contains("Too many failed sign-ins"),
        "{}",
        sixth.body
    );
}
