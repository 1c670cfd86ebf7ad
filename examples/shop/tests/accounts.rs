//! Accounts, sessions and who did what (#33 points 5, 6, 7 and 8's guest
//! claim), tried as an attacker and as a customer would:
//!
//! - sign-up answers the same whether the email had an account or not;
//! - common passwords are refused (`password12`), however long;
//! - sign-ups are limited per address (each costs an argon2 hash);
//! - an email with CR/LF or another control character is refused;
//! - staff and admin pages need the second factor: a code (good once,
//!   wrong ones limited) or a recovery code (good once);
//! - a cookieless GET writes no session; a session is made when someone
//!   signs in or a submitted form needs one;
//! - every capture and refund records the admin who made it, shown on the
//!   order's page;
//! - a guest who signs up with the order's email keeps their order, and
//!   nobody else gets it by typing that email.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, SECOND_FACTOR, account};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_shop::auth::Role;
use dojo_shop::auth::second_factor::code_at;
use dojo_shop::backend::Backend;
use dojo_shop::order::OrderStatus;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

async fn shop() -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "accounts").await),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    (shop, emulator)
}

async fn rows(shop: &Shop, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(shop.db().pool())
        .await
        .unwrap()
}

/// The page's notice and alert, without what differs per session.
fn said(body: &str) -> String {
    body.lines()
        .filter(|l| l.contains("class=\"notice\"") || l.contains("role=\"alert\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_answers_the_same_whether_the_email_had_an_account() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let sign_up = |email: &'static str| {
        let url = shop.url().to_owned();
        async move {
            Agent::new(&url)
                .submit(
                    "/signup",
                    "/signup",
                    &[
                        ("email", email),
                        ("password", "violet kettle under seven moons"),
                    ],
                )
                .await
        }
    };
    let taken = sign_up("cy@example.com").await;
    let new = sign_up("dee@example.com").await;
    assert_eq!((taken.status, new.status), (200, 200));
    assert_eq!(taken.location, new.location);
    assert_eq!(
        said(&taken.body).replace("cy@", "x@"),
        said(&new.body).replace("dee@", "x@"),
        "the same answer either way"
    );
    assert!(said(&new.body).contains("sign in"), "{}", new.body);
    // Nobody was signed in; Cy's password is still hers.
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM sessions").await, 0);
    Agent::new(shop.url())
        .sign_in("cy@example.com", PASSWORD)
        .await;
    Agent::new(shop.url())
        .sign_in("dee@example.com", "violet kettle under seven moons")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn common_passwords_and_control_characters_are_refused_at_sign_up() {
    let (shop, _emulator) = shop().await;
    let visitor = Agent::new(shop.url());
    for (email, password, says) in [
        ("ada@example.com", "password12", "easily guessed"),
        ("ada@example.com", "qwertyuiop", "easily guessed"),
        ("ada@example.com", "ada@example.com", "easily guessed"),
        (
            "ada@example.com\r\nBcc: eve@example.com",
            "violet kettle under seven moons",
            "email",
        ),
        (
            "ada\u{7}@example.com",
            "violet kettle under seven moons",
            "email",
        ),
    ] {
        let answer = visitor
            .submit(
                "/signup",
                "/signup",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(answer.status, 200, "{email:?} {password}");
        assert!(said(&answer.body).contains(says), "{}", answer.body);
    }
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM accounts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_sign_up_from_one_address_in_an_hour_is_refused() {
    let (shop, _emulator) = shop().await;
    for n in 1..=5 {
        let email = format!("person{n}@example.com");
        let answer = Agent::new(shop.url())
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", &email),
                    ("password", "violet kettle under seven moons"),
                ],
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let sixth = Agent::new(shop.url())
        .submit(
            "/signup",
            "/signup",
            &[
                ("email", "six@example.com"),
                ("password", "violet kettle under seven moons"),
            ],
        )
        .await;
    assert_eq!(sixth.status, 429, "{}", sixth.body);
    assert!(sixth.retry_after.unwrap() > 60 * 50, "{sixth:?}");
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM accounts").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_admin_pages_need_the_second_factor() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let admin = Agent::new(shop.url());
    // The password alone opens no admin page.
    let signed_in = admin
        .submit(
            "/signin?next=/admin",
            "/signin",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status, 303);
    let code_page = signed_in.location.unwrap();
    assert_eq!(code_page, "/signin/code?next=%2Fadmin");
    for page in ["/admin", "/staff/phone"] {
        let door = admin.get(page).await;
        assert_eq!(door.status, 303, "{page}");
        assert!(door.location.unwrap().starts_with("/signin/code?next="));
    }
    // A wrong code: the page again, and nothing opens.
    let wrong = admin
        .submit(&code_page, "/signin/code", &[("code", "000000")])
        .await;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    if code_at(SECOND_FACTOR, now).unwrap() != "000000" {
        assert_eq!(wrong.status, 200);
        assert!(said(&wrong.body).contains("not right"), "{}", wrong.body);
    }
    assert_eq!(admin.get("/admin").await.status, 303);
    // The right one opens them.
    let code = code_at(SECOND_FACTOR, now).unwrap();
    let passed = admin
        .submit(&code_page, "/signin/code", &[("code", &code)])
        .await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(passed.location.as_deref(), Some("/admin"));
    assert_eq!(admin.get("/admin").await.status, 200);
    assert_eq!(admin.get("/staff/phone").await.status, 200);
    // The same code, seen over a shoulder, opens nothing elsewhere.
    let thief = Agent::new(shop.url());
    let stolen = thief
        .submit(
            "/signin",
            "/signin",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    let replayed = thief
        .submit(
            &stolen.location.unwrap(),
            "/signin/code",
            &[("code", &code)],
        )
        .await;
    assert_eq!(replayed.status, 200, "a code is good once");
    assert_eq!(thief.get("/admin").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_admin_enrols_and_a_recovery_code_is_good_once() {
    let (shop, _emulator) = shop().await;
    agent::bare_account(shop.db(), "boss@example.com", Role::Admin).await;
    let (secret, codes) = agent::enrol(shop.db(), "boss@example.com").await;
    let boss = Agent::new(shop.url());
    let signed_in = boss
        .submit(
            "/signin",
            "/signin",
            &[("email", "boss@example.com"), ("password", PASSWORD)],
        )
        .await;
    let page = signed_in.location.unwrap();
    assert!(page.starts_with("/signin/code"), "{page}");
    assert_eq!(boss.get("/admin").await.status, 303);
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = dojo_shop::auth::second_factor::code_at(&secret, now).unwrap();
    let passed = boss.submit(&page, "/signin/code", &[("code", &code)]).await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(boss.get("/admin").await.status, 200);
    // Stored: the secret, and the recovery codes as hashes only.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(shop.db().pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(!stored.iter().any(|h| h.contains(&code.replace('-', ""))));
    }
    assert_eq!(secret.len(), 32);
    // A lost phone: a recovery code signs in once.
    for (n, expected) in [(1, 303), (2, 200)] {
        let again = Agent::new(shop.url());
        let signed_in = again
            .submit(
                "/signin",
                "/signin",
                &[("email", "boss@example.com"), ("password", PASSWORD)],
            )
            .await;
        let page = signed_in.location.unwrap();
        let used = again
            .submit(&page, "/signin/code", &[("code", &codes[0])])
            .await;
        assert_eq!(used.status, expected, "use {n}: {}", used.body);
    }
    // Customers have no second factor to enrol.
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let cy = Agent::new(shop.url());
    cy.sign_in("cy@example.com", PASSWORD).await;
    assert_eq!(cy.get("/account/second-factor").await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookieless_get_writes_no_session() {
    let (shop, _emulator) = shop().await;
    for page in ["/", "/signin", "/signup", "/buy/teapot", "/book", "/cards"] {
        let answer = Agent::new(shop.url()).get(page).await;
        assert!(answer.status == 200 || answer.status == 303, "{page}");
    }
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM sessions").await, 0);
    // A visitor's form still carries a token bound to them: a wrong
    // sign-in is answered, and still no session is made.
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let visitor = Agent::new(shop.url());
    let wrong = visitor
        .submit(
            "/signin",
            "/signin",
            &[
                ("email", "cy@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 200, "{}", wrong.body);
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM sessions").await, 0);
    // Another visitor's token is refused.
    let page = Agent::new(shop.url()).get("/signin").await;
    let forged = visitor
        .submit_on(
            &page.body,
            "/signin",
            &[("email", "cy@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, 403);
    // A guest's checkout, which the order is kept for: one session.
    let bought = visitor
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "ada@example.com")],
        )
        .await;
    assert_eq!(bought.status, 303, "{}", bought.body);
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_who_signs_up_with_the_order_s_email_keeps_the_order() {
    let (shop, emulator) = shop().await;
    let guest = Agent::new(shop.url());
    let bought = guest
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "Ada@Example.com")],
        )
        .await;
    assert_eq!(bought.status, 303, "{}", bought.body);
    let order = shop.db().orders().await.unwrap().remove(0);
    let page = format!("/orders/{}", order.id);
    assert_eq!(guest.get(&page).await.status, 200);
    // Someone else signs up with Ada's email from another browser: the
    // order stays the guest session's.
    let eve = Agent::new(shop.url());
    eve.sign_up("ada@example.com", PASSWORD).await;
    assert_eq!(eve.get(&page).await.status, 404);
    // The guest signs in (the account with their email): theirs.
    guest.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(guest.get(&page).await.status, 200);
    let intent = order.payment_intent_id.clone().unwrap();
    emulator
        .pay(&intent, &Card::test(APPROVED_MASTERCARD).unwrap(), false)
        .unwrap();
    let _ = OrderStatus::Paid;
    // A guest's order with another email is not claimed.
    let other = Agent::new(shop.url());
    other
        .submit(
            "/buy/teapot",
            "/buy/teapot",
            &[("email", "zed@example.com")],
        )
        .await;
    account(shop.db(), "yan@example.com", Role::Customer).await;
    other.sign_in("yan@example.com", PASSWORD).await;
    let zeds = shop
        .db()
        .orders()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.email == "zed@example.com")
        .unwrap();
    assert_eq!(other.get(&format!("/orders/{}", zeds.id)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_capture_and_refund_shows_the_admin_who_made_it() {
    let (shop, emulator) = shop().await;
    let guest = Agent::new(shop.url());
    let bought = guest
        .submit(
            "/buy/hamper",
            "/buy/hamper",
            &[("email", "ada@example.com")],
        )
        .await;
    assert_eq!(bought.status, 303, "{}", bought.body);
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = order.payment_intent_id.clone().unwrap();
    emulator
        .pay(&intent, &Card::test(APPROVED_MASTERCARD).unwrap(), false)
        .unwrap();
    account(shop.db(), "admin@example.com", Role::Admin).await;
    account(shop.db(), "ann@example.com", Role::Admin).await;
    let page = format!("/admin/orders/{}", order.id);
    let wait_for = |done: fn(&dojo_shop::order::Order) -> bool| {
        let db = shop.db().clone();
        let id = order.id.clone();
        async move {
            for _ in 0..100 {
                let now = db.order(&id).await.unwrap().unwrap();
                if done(&now) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("the order did not move");
        }
    };
    wait_for(|o| o.status != OrderStatus::Pending).await;
    let admin = Agent::new(shop.url());
    admin.sign_in("admin@example.com", PASSWORD).await;
    let captured = admin
        .submit(&page, &format!("{page}/capture"), &[("amount", "10.00")])
        .await;
    assert_eq!(captured.status, 303, "{}", captured.body);
    wait_for(|o| o.captured.minor_units() > 0).await;
    let ann = Agent::new(shop.url());
    ann.sign_in("ann@example.com", PASSWORD).await;
    let refunded = ann
        .submit(&page, &format!("{page}/refund"), &[("amount", "1.00")])
        .await;
    assert_eq!(refunded.status, 303, "{}", refunded.body);
    let shown = admin.get(&page).await.body;
    let who = shown
        .split("<h2>Who did what</h2>")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap()
        .to_owned();
    let capture_row = who
        .lines()
        .find(|l| l.contains("<td>capture</td>"))
        .unwrap();
    assert!(capture_row.contains("admin@example.com"), "{who}");
    let refund_row = who.lines().find(|l| l.contains("<td>refund</td>")).unwrap();
    assert!(refund_row.contains("ann@example.com"), "{who}");
    assert!(refund_row.contains("done"), "{who}");
}
