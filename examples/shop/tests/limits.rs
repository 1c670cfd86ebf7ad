//! The limits cannot be raced, and cannot be aimed at someone else (#33
//! point 2). Each parallel test runs two shop instances on one database
//! (SQLite always; PostgreSQL too when `DOJO_TEST_POSTGRES_URL` names a
//! server), sending half of the requests to each: the count and the
//! record are one step in the database, so neither instance's requests
//! pass the other's.
//!
//! - fifty password guesses sent at once: at most five are checked;
//! - ten declined cards sent at once: at most five reach Dojo;
//! - twenty-five checkouts started at once: at most ten are made;
//! - wrong passwords for the admin's email from other addresses do not
//!   lock the admin out: their own address is slowed for seconds at most,
//!   while the guessers' addresses are walled for fifteen minutes; every
//!   429 says when to come back (`Retry-After`).

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments_emulator::Emulator;
use dojo_payments_emulator::testkit::DECLINED_VISA;
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::defences::TrustProxy;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

async fn instance(emulator: &Arc<Emulator>, db: &str, trust: TrustProxy) -> Shop {
    let options = Options {
        database_url: Some(db.to_owned()),
        trust_proxy: trust,
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap()
}

/// Two shops on one fresh database of `kind`.
async fn two_shops(kind: databases::Kind, test: &str) -> (Shop, Shop, Arc<Emulator>) {
    let db = databases::fresh(kind, test).await;
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let a = instance(&emulator, &db, TrustProxy::None).await;
    let b = instance(&emulator, &db, TrustProxy::None).await;
    (a, b, emulator)
}

fn count(emulator: &Emulator, route: &str) -> usize {
    emulator.requests().iter().filter(|r| *r == route).count()
}

/// Every refusal is a 429 that says when to come back.
fn refused(answer: &agent::Answer) -> bool {
    if answer.status != 429 {
        return false;
    }
    let wait = answer.retry_after.expect("Retry-After on a 429");
    assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_password_guesses_at_once_on_two_instances_check_at_most_five() {
    for kind in databases::kinds() {
        let (a, b, _emulator) = two_shops(kind, "guesses").await;
        account(a.db(), "cy@example.com", Role::Customer).await;
        // Each guesser opens the form first (its session, its CSRF token).
        let mut forms = Vec::new();
        for n in 0..50 {
            let guesser = Agent::new(if n % 2 == 0 { a.url() } else { b.url() });
            let page = guesser.get("/signin").await;
            forms.push((guesser, page.body));
        }
        let guesses = forms.into_iter().map(|(guesser, body)| {
            tokio::spawn(async move {
                let fields = [
                    ("email", "cy@example.com"),
                    ("password", "not the password"),
                ];
                guesser.submit_on(&body, "/signin", &fields).await
            })
        });
        let answers: Vec<_> = futures_join(guesses).await;
        let checked = answers.iter().filter(|a| a.status == 200).count();
        let walled = answers.iter().filter(|a| refused(a)).count();
        assert!(
            checked <= 5,
            "{kind:?}: {checked} of 50 guesses were checked"
        );
        assert_eq!(checked + walled, 50, "{kind:?}: {answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_declined_cards_at_once_on_two_instances_reach_dojo_at_most_five_times() {
    for kind in databases::kinds() {
        let (a, b, emulator) = two_shops(kind, "declines").await;
        account(a.db(), "sam@example.com", Role::Staff).await;
        let staff = Agent::new(a.url());
        staff.sign_in("sam@example.com", PASSWORD).await;
        let mut forms = Vec::new();
        for n in 0..10 {
            let at = staff.at(if n % 2 == 0 { a.url() } else { b.url() });
            let page = at.get("/staff/phone").await;
            assert_eq!(page.status, 200, "{}", page.body);
            forms.push((at, page.body));
        }
        let orders = forms.into_iter().map(|(staff, body)| {
            tokio::spawn(async move {
                let fields = [
                    ("email", "caller@example.com"),
                    ("description", "Tea by phone"),
                    ("amount", "12.00"),
                    ("card_number", DECLINED_VISA),
                    ("expiry", "12/40"),
                    ("cvv", "123"),
                    ("name", "A Caller"),
                ];
                staff.submit_on(&body, "/staff/phone", &fields).await
            })
        });
        let answers = futures_join(orders).await;
        let sent = count(&emulator, "pci POST /setup-intents");
        assert!(
            sent <= 5,
            "{kind:?}: {sent} of 10 declined cards reached Dojo"
        );
        let walled = answers.iter().filter(|a| refused(a)).count();
        assert_eq!(sent + walled, 10, "{kind:?}: {answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_five_checkouts_at_once_on_two_instances_make_at_most_ten() {
    for kind in databases::kinds() {
        let (a, b, _emulator) = two_shops(kind, "checkouts").await;
        let mut forms = Vec::new();
        for n in 0..25 {
            let guest = Agent::new(if n % 2 == 0 { a.url() } else { b.url() });
            let page = guest.get("/buy/teapot").await;
            forms.push((guest, page.body));
        }
        let checkouts = forms.into_iter().map(|(guest, body)| {
            tokio::spawn(async move {
                let fields = [("email", "ada@example.com")];
                guest.submit_on(&body, "/buy/teapot", &fields).await
            })
        });
        let answers = futures_join(checkouts).await;
        let made = a.db().orders().await.unwrap().len();
        assert!(made <= 10, "{kind:?}: {made} of 25 checkouts were made");
        let walled = answers.iter().filter(|a| refused(a)).count();
        assert_eq!(made + walled, 25, "{kind:?}: {answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_elsewhere_slow_the_admin_at_most_and_wall_only_the_guessers() {
    let db = databases::fresh(databases::Kind::Sqlite, "lockout").await;
    let emulator = Arc::new(Emulator::start().await.unwrap());
    // Behind one proxy: the last X-Forwarded-For address is the client's.
    let shop = instance(&emulator, &db, TrustProxy::Hops(1)).await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let wrong = [
        ("email", "admin@example.com"),
        ("password", "not it at all"),
    ];
    // Three addresses, five wrong passwords each: the first two are
    // checked (ten for the email), the third's are slowed.
    for address in ["2001:db8:1:2::1", "203.0.113.1", "203.0.113.2"] {
        let guesser = Agent::from_address(shop.url(), address);
        for _ in 0..5 {
            let answer = guesser.submit("/signin", "/signin", &wrong).await;
            assert!(answer.status == 200 || refused(&answer), "{answer:?}");
        }
    }
    // Their addresses are walled for the window; another address in the
    // same IPv6 /64 is the same household.
    for address in ["203.0.113.1", "2001:db8:1:2::ffff"] {
        let again = Agent::from_address(shop.url(), address)
            .submit("/signin", "/signin", &wrong)
            .await;
        assert!(refused(&again), "{address}: {again:?}");
        assert!(again.retry_after.unwrap() > 60, "{again:?}");
    }
    // The admin, from their own address, is slowed by seconds at most.
    let admin = Agent::from_address(shop.url(), "198.51.100.7");
    let right = [("email", "admin@example.com"), ("password", PASSWORD)];
    let first = admin.submit("/signin", "/signin", &right).await;
    let signed_in = if refused(&first) {
        let wait = first.retry_after.unwrap();
        assert!(wait <= 10, "the admin is walled, not slowed: {first:?}");
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        admin.submit("/signin", "/signin", &right).await
    } else {
        first
    };
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
}

/// Waits for every task, in order.
async fn futures_join<T: Send + 'static>(
    tasks: impl IntoIterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    done
}
