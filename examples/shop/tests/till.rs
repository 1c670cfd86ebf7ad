//! The till's doors and forms, without a browser: only staff who passed
//! their second factor open it (a guest is sent to sign in, a customer
//! refused), and only admins refund at the counter; every form needs its
//! session's CSRF token and a token shown to that session; a bad amount or
//! terminal is refused naming the field, with nothing sent to Dojo; a sale
//! sent twice is one order and one session; a cancel too late (Dojo's 422)
//! is said in words; the live view's events and the one page that may run
//! a script; and the till against Dojo without a software house id.
//! Each check asserts the status, and what reached the emulator.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments::Dojo;
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator, Fault, Presentation};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const SESSIONS: &str = "POST /terminal-sessions";
const INTENTS: &str = "POST /payment-intents";
const MANUAL: &str = "tm_sandbox_counter3";

async fn shop_on(backend: Backend, options: Options) -> Shop {
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "till").await),
        ..options
    };
    Shop::start_on(backend, options).await.unwrap()
}

async fn shop() -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(Backend::Emulator(emulator.clone()), Options::default()).await;
    (shop, emulator)
}

fn count(emulator: &Emulator, route: &str) -> usize {
    emulator.requests().iter().filter(|r| *r == route).count()
}

/// Staff `email`, signed in with their second factor.
async fn staff(shop: &Shop, email: &str, role: Role) -> Agent {
    account(shop.db(), email, role).await;
    let agent = Agent::new(shop.url());
    agent.sign_in(email, PASSWORD).await;
    agent
}

/// Starts a sale of `amount` on the manual terminal from the till page:
/// the answer (a 303 to the session's page).
async fn sale(agent: &Agent, amount: &str) -> agent::Answer {
    agent
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", amount)],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_is_for_staff_who_passed_their_second_factor() {
    let (shop, emulator) = shop().await;
    let pages = [
        "/staff/till",
        "/staff/till/sessions/ts_sandbox_x",
        "/staff/till/sessions/ts_sandbox_x/events",
    ];

    let guest = Agent::new(shop.url());
    for page in pages {
        let door = guest.get(page).await;
        assert_eq!(door.status, 303, "{page}");
        assert!(
            door.location.unwrap().starts_with("/signin?next="),
            "{page}"
        );
    }

    account(shop.db(), "cy@example.com", Role::Customer).await;
    let customer = Agent::new(shop.url());
    customer.sign_in("cy@example.com", PASSWORD).await;
    for page in pages {
        assert_eq!(customer.get(page).await.status, 403, "{page}");
    }
    let home = customer.get("/").await;
    let csrf = Agent::hidden_fields(&home.body, "/signout");
    let csrf: Vec<(&str, &str)> = csrf.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut fields = csrf.clone();
    fields.extend([("token", "t"), ("terminal", MANUAL), ("amount", "5.00")]);
    for action in [
        "/staff/till/sale",
        "/staff/till/refund",
        "/staff/till/sessions/ts_sandbox_x/cancel",
        "/staff/till/sessions/ts_sandbox_x/signature",
    ] {
        assert_eq!(
            customer.post_raw(action, &fields).await.status,
            403,
            "{action}"
        );
    }
    assert!(
        !home.body.contains("/staff/till"),
        "no Till in a customer's menu"
    );

    // The password alone opens no staff door: the code first.
    account(shop.db(), "sam@example.com", Role::Staff).await;
    let half = Agent::new(shop.url());
    let signed = half
        .submit(
            "/signin",
            "/signin",
            &[("email", "sam@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed.status, 303);
    let door = half.get("/staff/till").await;
    assert_eq!(door.status, 303);
    assert!(door.location.unwrap().starts_with("/signin/code?next="));

    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    let till = staff.get("/staff/till").await;
    assert_eq!(till.status, 200);
    assert!(till.body.contains("Start sale") && till.body.contains(MANUAL));
    assert!(
        till.body
            .contains("Refunds at the counter are made by an admin")
    );
    assert!(
        !till.body.contains("/staff/till/refund"),
        "no refund form for staff"
    );
    // A session the till did not start is nobody's.
    assert_eq!(
        staff.get("/staff/till/sessions/ts_sandbox_x").await.status,
        404
    );
    assert_eq!(count(&emulator, SESSIONS), 0);
    assert_eq!(count(&emulator, INTENTS), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_till_form_needs_its_csrf_token_and_one_shown_to_the_session() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Admin).await;
    let other = self::staff(&shop, "ida@example.com", Role::Admin).await;
    let page = staff.get("/staff/till").await;
    let mine = Agent::hidden_fields(&page.body, "/staff/till/sale");
    let theirs = Agent::hidden_fields(&other.get("/staff/till").await.body, "/staff/till/sale");
    let field = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let (csrf, token) = (field(&mine, "csrf"), field(&mine, "token"));
    let their_csrf = field(&theirs, "csrf");
    let their_token = field(&theirs, "token");
    let form = |csrf: &str, token: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("token".to_owned(), token.to_owned()),
            ("terminal".to_owned(), MANUAL.to_owned()),
            ("amount".to_owned(), "5.00".to_owned()),
        ]
    };
    for action in ["/staff/till/sale", "/staff/till/refund"] {
        for fields in [
            form("", &token),
            form(&their_csrf, &token),
            form("not-a-token", &token),
            // The session's own CSRF token, but a form token shown to
            // another session (or never shown).
            form(&csrf, &their_token),
            form(&csrf, "made-up"),
        ] {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            let refused = staff.post_raw(action, &pairs).await;
            assert_eq!(refused.status, 403, "{action} {pairs:?}: {}", refused.body);
        }
    }
    for action in ["cancel", "signature"] {
        let path = format!("/staff/till/sessions/ts_sandbox_x/{action}");
        let refused = staff.post_raw(&path, &[("answer", "accept")]).await;
        assert_eq!(refused.status, 403, "{path}");
    }
    assert_eq!(count(&emulator, SESSIONS), 0);
    assert_eq!(count(&emulator, INTENTS), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_amount_or_terminal_is_refused_naming_the_field_and_nothing_is_sent() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    for (amount, said) in [
        ("", "amount: is required"),
        ("twelve", "amount: must be a decimal number such as 10.00"),
        ("12,50", "amount: must be a decimal number such as 10.00"),
        ("1e3", "amount: must be a decimal number such as 10.00"),
        ("-5", "amount: must be more than zero"),
        ("0.00", "amount: must be more than zero"),
        (
            "1.005",
            "amount: must have at most 2 digits after the decimal point",
        ),
        (
            "100000.01",
            "amount: must be at most 100000.00 GBP at the till",
        ),
        ("92233720368547758.08", "amount: is too large"),
    ] {
        let refused = sale(&staff, amount).await;
        assert_eq!(refused.status, 400, "{amount:?}: {}", refused.body);
        assert!(refused.body.contains(said), "{amount:?}: {}", refused.body);
        assert!(refused.body.contains("role=\"alert\""), "{amount:?}");
    }
    let no_terminal = staff
        .submit("/staff/till", "/staff/till/sale", &[("amount", "5.00")])
        .await;
    assert_eq!(no_terminal.status, 400);
    assert!(
        no_terminal
            .body
            .contains("terminal: choose one of the Available terminals")
    );
    let offline = staff
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", "tm_sandbox_counter2"), ("amount", "5.00")],
        )
        .await;
    assert_eq!(offline.status, 409);
    assert!(
        offline.body.contains("tm_sandbox_counter2 is Offline"),
        "{}",
        offline.body
    );
    let odd = staff
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", "../terminals"), ("amount", "5.00")],
        )
        .await;
    assert_eq!(odd.status, 400);
    assert_eq!(count(&emulator, SESSIONS), 0);
    assert_eq!(count(&emulator, INTENTS), 0);
    assert!(shop.db().orders().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_sent_twice_is_one_session_and_a_cancel_too_late_is_said() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let page = staff.get("/staff/till").await;
    let fields = [("terminal", MANUAL), ("amount", "7.50")];
    let first = staff
        .submit_on(&page.body, "/staff/till/sale", &fields)
        .await;
    let again = staff
        .submit_on(&page.body, "/staff/till/sale", &fields)
        .await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(
        again.location, first.location,
        "the same form: the same session"
    );
    assert_eq!(count(&emulator, SESSIONS), 1);
    assert_eq!(count(&emulator, INTENTS), 1);
    let session_page = first.location.unwrap();
    assert!(session_page.starts_with("/staff/till/sessions/ts_"));

    // The session page runs the till's script, from the shop only; the
    // rest of the shop none.
    let shown = staff.get(&session_page).await;
    assert_eq!(shown.status, 200);
    let csp = shown.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(shown.body.contains("<script src=\"/till.js\"></script>"));
    assert!(!shown.body.contains("<script>"), "no inline script");
    let till_csp = staff.get("/staff/till").await.headers["content-security-policy"].clone();
    assert!(till_csp.to_str().unwrap().contains("script-src 'none'"));
    let script = staff.get("/till.js").await;
    assert_eq!(script.status, 200);
    assert!(
        script.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.body.contains("EventSource"));

    // Dojo's 422: a card came first. Said in words; the session goes on.
    emulator
        .inject_fault(
            "PUT /terminal-sessions/{terminalSessionId}/cancel",
            Fault::fail(422),
            1,
        )
        .unwrap();
    let cancel = format!("{session_page}/cancel");
    let refused = staff.submit(&session_page, &cancel, &[]).await;
    assert_eq!(refused.status, 303);
    let said = staff.get(&refused.location.unwrap()).await;
    assert!(said.body.contains("Too late to cancel"), "{}", said.body);
    assert!(said.body.contains("(422)"), "{}", said.body);
    assert!(said.body.contains("Cancel the session"), "still offered");

    // No signature to check yet.
    let signature = format!("{session_page}/signature");
    let page = staff.get(&session_page).await;
    assert!(
        !page.body.contains("Accept signature"),
        "no check asked yet"
    );
    let csrf = Agent::hidden_fields(&page.body, &cancel);
    let mut fields: Vec<(&str, &str)> =
        csrf.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    fields.push(("answer", "accept"));
    let early = staff.post_raw(&signature, &fields).await;
    let said = staff.get(&early.location.unwrap()).await;
    assert!(
        said.body.contains("not waiting for a signature check"),
        "{}",
        said.body
    );

    // In time: canceled, nothing taken.
    let canceled = staff.submit(&session_page, &cancel, &[]).await;
    assert_eq!(canceled.status, 303);
    let mut page = String::new();
    for _ in 0..50 {
        page = staff.get(&session_page).await.body;
        if page.contains("Canceled: nothing was taken") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("Canceled: nothing was taken"), "{page}");
    assert!(!page.contains("Cancel the session"), "{page}");

    // The live view of a session that is over: its status, and the end.
    let events = staff.get(&format!("{session_page}/events")).await;
    assert_eq!(events.status, 200);
    let kind = events.headers["content-type"].to_str().unwrap();
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    assert!(
        events.body.contains("event: settled\ndata: Canceled"),
        "{}",
        events.body
    );

    // Who did what: the sale and both cancels, on the order.
    let order = shop.db().orders().await.unwrap().remove(0);
    let actions: Vec<(String, String)> = shop
        .db()
        .actions(&order.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.action, a.outcome))
        .collect();
    for done in [
        ("till sale", "started"),
        ("till cancel", "refused"),
        ("till cancel", "done"),
    ] {
        assert!(
            actions.contains(&(done.0.to_owned(), done.1.to_owned())),
            "{done:?}: {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_may_not_refund_at_the_counter_and_an_admin_may() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let sold = sale(&staff, "20.00").await;
    let session_page = sold.location.unwrap();
    let terminal = TerminalId::from_wire(MANUAL);
    emulator
        .terminal(&terminal)
        .present(
            &Card::test(APPROVED_VISA).unwrap(),
            Presentation::Contactless,
        )
        .unwrap();
    let page = staff.get(&session_page).await;
    assert!(page.body.contains("Paid: the customer"), "{}", page.body);
    assert!(
        !page.body.contains("Refund at the counter"),
        "staff see no refund"
    );

    // Staff's own tokens, on the refund routes: refused at the door.
    let till = staff.get("/staff/till").await;
    let mut fields = Agent::hidden_fields(&till.body, "/staff/till/sale");
    fields.push(("terminal".into(), MANUAL.into()));
    fields.push(("amount".into(), "5.00".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let matched = format!("{session_page}/refund");
    for action in ["/staff/till/refund", matched.as_str()] {
        assert_eq!(staff.post_raw(action, &pairs).await.status, 403, "{action}");
    }
    assert_eq!(count(&emulator, SESSIONS), 1);

    let admin = self::staff(&shop, "ida@example.com", Role::Admin).await;
    let page = admin.get(&session_page).await;
    assert!(page.body.contains("up to 20.00 GBP"), "{}", page.body);
    let refund = admin
        .submit_on(
            &page.body,
            &matched,
            &[("terminal", MANUAL), ("amount", "25.00")],
        )
        .await;
    let said = admin.get(&refund.location.unwrap()).await;
    assert!(
        said.body
            .contains("amount: must be at most 20.00 GBP, what is left to refund"),
        "{}",
        said.body
    );
    assert_eq!(
        count(&emulator, SESSIONS),
        1,
        "more than was paid is never sent"
    );
    let unlinked = admin
        .submit(
            "/staff/till",
            "/staff/till/refund",
            &[("terminal", MANUAL), ("amount", "abc")],
        )
        .await;
    assert_eq!(unlinked.status, 400);
    assert!(unlinked.body.contains("amount: must be a decimal number"));
    let unlinked = admin
        .submit(
            "/staff/till",
            "/staff/till/refund",
            &[("terminal", MANUAL), ("amount", "3.00")],
        )
        .await;
    assert_eq!(unlinked.status, 303, "{}", unlinked.body);
    emulator
        .terminal(&terminal)
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let done = admin.get(&unlinked.location.unwrap()).await;
    assert!(
        done.body.contains("Refund to a card: 3.00 GBP"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("Refunded to the customer"),
        "{}",
        done.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_dojo_the_till_needs_a_software_house_id() {
    let emulator = Emulator::start().await.unwrap();
    let dojo = || {
        Dojo::builder(emulator.api_key())
            .endpoints(emulator.endpoints())
            .build()
            .unwrap()
    };
    let off = shop_on(Backend::Dojo(dojo()), Options::default()).await;
    let staff = staff(&off, "sam@example.com", Role::Staff).await;
    let till = staff.get("/staff/till").await;
    assert_eq!(till.status, 200);
    assert!(till.body.contains("The till is off"), "{}", till.body);
    assert!(till.body.contains("SHOP_SOFTWARE_HOUSE_ID"));
    assert!(!till.body.contains("Start sale"));
    let refused = staff
        .post_raw(
            "/staff/till/sale",
            &Agent::hidden_fields(&till.body, "/signout")
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .chain([("token", "t"), ("terminal", MANUAL), ("amount", "5.00")])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_ne!(refused.status, 303);
    assert!(refused.body.contains("The till is off"), "{}", refused.body);

    let options = Options {
        software_house_id: Some("my-epos".to_owned()),
        ..Options::default()
    };
    let on = shop_on(Backend::Dojo(dojo()), options).await;
    let staff = self::staff(&on, "sam@example.com", Role::Staff).await;
    let till = staff.get("/staff/till").await;
    assert!(
        till.body.contains("Start sale") && till.body.contains(MANUAL),
        "{}",
        till.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_dojo_refused_or_whose_answer_was_lost_is_never_sent_twice() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let create = "POST /terminal-sessions";

    // Refused (nothing moved): said, and the journal's entry is closed.
    emulator.inject_fault(create, Fault::fail(400), 1).unwrap();
    let refused = sale(&staff, "4.00").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("Dojo did not start it"),
        "{}",
        refused.body
    );

    // The answer lost after Dojo made the session: said, and the same form
    // sent again starts nothing more.
    emulator
        .inject_fault(create, Fault::drop_after_commit(), 1)
        .unwrap();
    let page = staff.get("/staff/till").await;
    let fields = [("terminal", MANUAL), ("amount", "6.00")];
    let lost = staff
        .submit_on(&page.body, "/staff/till/sale", &fields)
        .await;
    assert_eq!(lost.status, 502, "{}", lost.body);
    assert!(lost.body.contains("answer was lost"), "{}", lost.body);
    assert!(lost.body.contains("never started twice"), "{}", lost.body);
    let again = staff
        .submit_on(&page.body, "/staff/till/sale", &fields)
        .await;
    assert_eq!(again.status, 303);
    let said = staff.get(&again.location.unwrap()).await;
    assert!(said.body.contains("never started twice"), "{}", said.body);
    assert_eq!(
        count(&emulator, SESSIONS),
        2,
        "one refused, one lost: none again"
    );
}

/// `till_sessions` on each database the tests have (SQLite; PostgreSQL
/// when its server is): recorded once, read back, its status noted, listed
/// newest first, found by its order and its journal name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn till_sessions_are_kept_on_every_database() {
    use dojo_payments::types::{Currency, Money};
    use dojo_shop::store::{Db, TillKind, TillSession};

    for kind in databases::kinds() {
        let db = Db::connect(&databases::fresh(kind, "till_store").await)
            .await
            .unwrap();
        let session = |id: &str, kind: TillKind, minor: i64| TillSession {
            session_id: id.to_owned(),
            kind,
            order_id: Some("ord_till_1".to_owned()),
            journal_entry: format!("ord_till_1/{id}"),
            terminal_id: MANUAL.to_owned(),
            amount: Money::new(minor, Currency::GBP),
            staff_account: "sam@example.com".to_owned(),
            status: "InitiateRequested".to_owned(),
            created_at: String::new(),
        };
        let sale = session("ts_1", TillKind::Sale, 1250);
        db.record_till_session(&sale).await.unwrap();
        // Recorded again (a form sent twice): the first record stays.
        db.record_till_session(&session("ts_1", TillKind::Sale, 1))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let refund = session("ts_2", TillKind::MatchedRefund, 500);
        db.record_till_session(&refund).await.unwrap();
        db.till_status("ts_2", "Captured").await.unwrap();

        let read = db.till_session("ts_1").await.unwrap().unwrap();
        assert_eq!(read.amount.minor_units(), 1250, "{kind:?}");
        assert_eq!(read.status_words(), "Sending");
        assert!(read.started().ends_with(" UTC"), "{}", read.started());
        let recent = db.recent_till_sessions().await.unwrap();
        let ids: Vec<&str> = recent.iter().map(|s| s.session_id.as_str()).collect();
        assert_eq!(ids, ["ts_2", "ts_1"], "{kind:?}");
        assert_eq!(recent[0].status_words(), "Refunded", "a refund's Captured");
        let of_order = db.till_sale_of("ord_till_1").await.unwrap().unwrap();
        assert_eq!(of_order.session_id, "ts_1", "the sale, not its refund");
        let named = db.till_session_named("ord_till_1/ts_2").await.unwrap();
        assert_eq!(named.unwrap().kind, TillKind::MatchedRefund);
        assert!(db.till_session("ts_3").await.unwrap().is_none());
    }
}

/// `till_claims` on each database the tests have: a refund's name is
/// claimed once (the same form again is `SentAlready`, whatever amount),
/// a matched refund's claim holds its amount against what is left while
/// it runs and stops holding when it ends with nothing moved, and one
/// that moved money after a read began still counts against that read;
/// ten whole refunds of one sale claimed at once leave one claimed (the
/// order's row serialises them: PostgreSQL's row lock, SQLite's writer).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refund_claims_hold_what_runs_on_every_database() {
    use dojo_payments::types::{Currency, Money};
    use dojo_shop::order::OrderKind;
    use dojo_shop::store::{ClaimEnd, Db, LeftAsRead, NewOrder, RefundClaim};

    let gbp = |minor| Money::new(minor, Currency::GBP);
    for kind in databases::kinds() {
        let db = Db::connect(&databases::fresh(kind, "till_claims").await)
            .await
            .unwrap();
        let sale = |id: &'static str| {
            let db = db.clone();
            async move {
                let new = NewOrder {
                    kind: OrderKind::Counter,
                    reference: None,
                    email: "",
                    description: "At the counter",
                    amount: gbp(2000),
                    manual_capture: false,
                    owner: "account:sam@example.com",
                };
                db.claim_order(id, &new).await.unwrap();
            }
        };
        sale("ord_till_1").await;
        let left = |minor| {
            Some(LeftAsRead {
                left: gbp(minor),
                read_at: chrono::Utc::now(),
            })
        };
        let order = Some("ord_till_1");
        let claim = |name: &'static str, minor: i64, left: Option<LeftAsRead>| {
            let db = db.clone();
            async move {
                db.claim_till_refund(name, order, gbp(minor), MANUAL, left)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(claim("r1", 1200, left(2000)).await, RefundClaim::Claimed);
        assert_eq!(
            claim("r1", 500, left(2000)).await,
            RefundClaim::SentAlready,
            "{kind:?}: the same name, another amount"
        );
        assert!(db.till_claimed("r1").await.unwrap());
        assert_eq!(
            claim("r2", 1000, left(2000)).await,
            RefundClaim::TooMuch { left: gbp(800) },
            "{kind:?}: r1 runs"
        );
        assert!(
            !db.till_claimed("r2").await.unwrap(),
            "a refused claim is not kept"
        );
        assert_eq!(claim("r2", 800, left(2000)).await, RefundClaim::Claimed);
        assert_eq!(
            db.running_till_refunds("ord_till_1").await.unwrap().len(),
            2
        );
        // r1 declined: it holds nothing more.
        db.end_till_claim("r1", ClaimEnd::Nothing).await.unwrap();
        let read_at = chrono::Utc::now();
        assert_eq!(
            db.till_refunds_held("ord_till_1", read_at).await.unwrap(),
            800
        );
        // r2's money moved after the read began: that read may not show it.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        db.end_till_claim("r2", ClaimEnd::Moved).await.unwrap();
        assert_eq!(
            db.till_refunds_held("ord_till_1", read_at).await.unwrap(),
            800
        );
        let later = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
        assert_eq!(db.till_refunds_held("ord_till_1", later).await.unwrap(), 0);
        // An unlinked refund: its name alone.
        let unlinked = db
            .claim_till_refund("u1", None, gbp(100_000), MANUAL, None)
            .await
            .unwrap();
        assert_eq!(unlinked, RefundClaim::Claimed);

        sale("ord_till_2").await;
        let mut at_once = Vec::new();
        for i in 0..10 {
            let db = db.clone();
            at_once.push(tokio::spawn(async move {
                let name = format!("ord_till_2/till-refund/{i}");
                let left = LeftAsRead {
                    left: gbp(2000),
                    read_at: chrono::Utc::now(),
                };
                db.claim_till_refund(&name, Some("ord_till_2"), gbp(2000), MANUAL, Some(left))
                    .await
                    .unwrap()
            }));
        }
        let mut claimed = 0;
        for task in at_once {
            if task.await.unwrap() == RefundClaim::Claimed {
                claimed += 1;
            }
        }
        assert_eq!(claimed, 1, "{kind:?}: ten whole refunds at once");
    }
}
