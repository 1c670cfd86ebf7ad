//! An outsider's attacks on the till's doors and headers: a guest, a
//! customer and staff who typed only their password, on every till route
//! (GET and POST, the live events, the refund routes), with a valid CSRF
//! token of their own session: never a till page, never a call to Dojo.
//! Every till answer (pages, errors, events) carries the CSP with
//! `frame-ancestors 'none'` and `X-Frame-Options: DENY`; only the session
//! page allows `script-src 'self'`, none allows inline script; and no page
//! shows the API key or the second factor's secret.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, SECOND_FACTOR, account};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const MANUAL: &str = "tm_sandbox_counter3";

async fn shop() -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider_till").await),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    (shop, emulator)
}

/// Every call that could start, change or end a session, or make an
/// intent.
fn moving_calls(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| (r.starts_with("POST") || r.starts_with("PUT")) && !r.contains("/webhooks"))
        .count()
}

async fn staff(shop: &Shop, email: &str, role: Role) -> Agent {
    account(shop.db(), email, role).await;
    let agent = Agent::new(shop.url());
    agent.sign_in(email, PASSWORD).await;
    agent
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// A real session of the till (started by `owner`, an admin), and a
/// valid form token of the owner's.
async fn real_session(owner: &Agent, emulator: &Emulator) -> (String, String) {
    let sold = owner
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "10.00")],
        )
        .await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    let session = sold.location.unwrap();
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let page = owner.get(&session).await;
    let token = Agent::hidden_fields(&page.body, &format!("{session}/refund"))
        .into_iter()
        .find(|(n, _)| n == "token")
        .unwrap()
        .1;
    (session, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_till_route_opens_to_a_guest_a_customer_or_staff_without_their_code() {
    let (shop, emulator) = shop().await;
    let owner = staff(&shop, "ida@example.com", Role::Admin).await;
    let (session, token) = real_session(&owner, &emulator).await;
    let gets = [
        "/staff/till".to_owned(),
        session.clone(),
        format!("{session}/events"),
    ];
    let posts = [
        "/staff/till/sale".to_owned(),
        "/staff/till/refund".to_owned(),
        format!("{session}/cancel"),
        format!("{session}/signature"),
        format!("{session}/refund"),
    ];
    let before = moving_calls(&emulator);

    // Who knocks: a guest (with a session and its CSRF token, from the
    // sign-in page), a customer, staff and an admin with their password
    // only.
    account(shop.db(), "cy@example.com", Role::Customer).await;
    account(shop.db(), "sam@example.com", Role::Staff).await;
    account(shop.db(), "al@example.com", Role::Admin).await;
    let guest = Agent::new(shop.url());
    let customer = Agent::new(shop.url());
    customer.sign_in("cy@example.com", PASSWORD).await;
    let mut half = Vec::new();
    for email in ["sam@example.com", "al@example.com"] {
        let agent = Agent::new(shop.url());
        let signed = agent
            .submit(
                "/signin",
                "/signin",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed.status, 303);
        assert!(signed.location.unwrap().starts_with("/signin/code"));
        half.push(agent);
    }
    let mut knocking = vec![("guest", guest), ("customer", customer)];
    knocking.extend(
        ["staff, password only", "admin, password only"]
            .into_iter()
            .zip(half),
    );

    for (who, agent) in &knocking {
        let page = agent
            .get(if *who == "guest" { "/signin" } else { "/" })
            .await;
        let csrf = page
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        assert!(!csrf.is_empty(), "{who}: a CSRF token of their own");
        for path in &gets {
            let door = agent.get(path).await;
            assert!(
                matches!(door.status, 303 | 403),
                "{who} GET {path}: {} {}",
                door.status,
                door.body
            );
            if door.status == 303 {
                let to = door.location.unwrap();
                assert!(
                    to.starts_with("/signin?next=") || to.starts_with("/signin/code?next="),
                    "{who} GET {path}: {to}"
                );
            }
            assert!(!door.body.contains("Start sale"), "{who} {path}");
            assert!(!door.body.contains("event: "), "{who} {path}");
        }
        for path in &posts {
            let fields = vec![
                ("csrf".to_owned(), csrf.clone()),
                ("token".to_owned(), token.clone()),
                ("terminal".to_owned(), MANUAL.to_owned()),
                ("amount".to_owned(), "5.00".to_owned()),
                ("answer".to_owned(), "reject".to_owned()),
            ];
            let door = agent.post_raw(path, &pairs(&fields)).await;
            assert!(
                matches!(door.status, 303 | 403),
                "{who} POST {path}: {} {}",
                door.status,
                door.body
            );
            // Past the CSRF check (the token is theirs): the door refuses.
            match *who {
                "admin, password only" => assert!(
                    door.location
                        .as_deref()
                        .is_some_and(|to| to.starts_with("/signin/code")),
                    "{who} POST {path}: {:?}",
                    door.location
                ),
                "customer" | "staff, password only"
                    if *who == "customer" || path.ends_with("/refund") =>
                {
                    assert!(
                        door.body.contains("your account may not do this"),
                        "{who} POST {path}: {}",
                        door.body
                    );
                }
                "staff, password only" => assert!(
                    door.location
                        .as_deref()
                        .is_some_and(|to| to.starts_with("/signin/code")),
                    "{who} POST {path}: {:?}",
                    door.location
                ),
                _ => {}
            }
        }
    }
    assert_eq!(moving_calls(&emulator), before, "nothing reached Dojo");

    // The owner's form token in another admin's hands (their own CSRF):
    // refused, nothing sent.
    let other = staff(&shop, "bo@example.com", Role::Admin).await;
    let page = other.get(&session).await;
    let mut fields = Agent::hidden_fields(&page.body, &format!("{session}/refund"));
    fields.retain(|(n, _)| n != "token");
    fields.push(("token".into(), token.clone()));
    fields.push(("terminal".into(), MANUAL.into()));
    fields.push(("amount".into(), "1.00".into()));
    let stolen = other
        .post_raw(&format!("{session}/refund"), &pairs(&fields))
        .await;
    assert_eq!(stolen.status, 403, "{}", stolen.body);
    assert_eq!(moving_calls(&emulator), before);

    // The till's script is a static file of the shop, the same for
    // everyone: it holds nothing of any session.
    let script = Agent::new(shop.url()).get("/till.js").await;
    assert_eq!(script.status, 200);
    assert!(!script.body.contains("ts_") && !script.body.contains("csrf"));
}

/// The answer's headers hold the page policy: no framing, and script only
/// where the till's session page needs it (its own file, never inline).
fn assert_policed(what: &str, answer: &agent::Answer, scripts_allowed: bool) {
    let csp = answer
        .headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(!csp.contains('*'), "{what}: {csp}");
    if scripts_allowed {
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    } else {
        assert!(csp.contains("script-src 'none'"), "{what}: {csp}");
    }
    assert_eq!(
        answer
            .headers
            .get("x-frame-options")
            .map(|v| v.to_str().unwrap()),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        answer
            .headers
            .get("x-content-type-options")
            .map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
    let body = answer.body.to_ascii_lowercase();
    for script in body.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap_or(script.len())];
        assert!(
            tag.contains("src=\"/till.js\""),
            "{what}: inline <script{tag}>"
        );
        let after = &script[script.find('>').map_or(0, |i| i + 1)..];
        assert!(
            after.starts_with("</script>"),
            "{what}: a script with a body"
        );
    }
    for handler in [
        " onclick=",
        " onload=",
        " onerror=",
        " onsubmit=",
        "javascript:",
        " style=",
    ] {
        assert!(!body.contains(handler), "{what}: {handler}");
    }
    for secret in [SECOND_FACTOR, "sk_sandbox_"] {
        assert!(!answer.body.contains(secret), "{what}: a secret shown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_till_answer_carries_the_policy_and_no_inline_script() {
    let (shop, emulator) = shop().await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let key = emulator.api_key().to_string();

    let till = admin.get("/staff/till").await;
    assert_policed("till", &till, false);
    let bad = admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[
                ("terminal", MANUAL),
                ("amount", "<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_policed("a refused amount", &bad, false);
    let offline = admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", "tm_sandbox_counter2"), ("amount", "1.00")],
        )
        .await;
    assert_eq!(offline.status, 409);
    assert_policed("an offline terminal", &offline, false);
    let described = admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[
                ("terminal", MANUAL),
                ("amount", "2.00"),
                (
                    "description",
                    "\"><script>alert(1)</script><img src=x onerror=alert(1)>",
                ),
            ],
        )
        .await;
    assert_eq!(described.status, 303, "{}", described.body);
    let session = described.location.unwrap();
    let live = admin.get(&session).await;
    assert_eq!(live.status, 200);
    assert!(live.body.contains("<script src=\"/till.js\"></script>"));
    assert_policed("a live session", &live, true);
    let list = admin.get("/staff/till").await;
    assert_policed("the till with a hostile description", &list, false);

    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let paid = admin.get(&session).await;
    assert!(paid.body.contains("Paid"), "{}", paid.body);
    assert_policed("a paid session", &paid, true);
    let events = admin.get(&format!("{session}/events")).await;
    assert_eq!(events.status, 200);
    assert_policed("the events", &events, false);
    let missing = admin.get("/staff/till/sessions/ts_sandbox_nobody").await;
    assert_eq!(missing.status, 404);
    assert_policed("a missing session", &missing, false);
    let missing_events = admin
        .get("/staff/till/sessions/ts_sandbox_nobody/events")
        .await;
    assert_eq!(missing_events.status, 404);
    assert_policed("a missing session's events", &missing_events, false);
    let script = admin.get("/till.js").await;
    assert_policed("the script", &script, false);
    for answer in [&till, &bad, &offline, &live, &paid, &events, &script] {
        assert!(!answer.body.contains(&key), "the API key shown");
    }
}

/// Staff see and may cancel a session another staff member started: the
/// till is the shop's counter, not a person's (a colleague takes over when
/// one is called away). The list and the page say who started it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_staff_members_session_is_the_counters() {
    let (shop, emulator) = shop().await;
    let sam = staff(&shop, "sam@example.com", Role::Staff).await;
    let sold = sam
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "3.00")],
        )
        .await;
    let session = sold.location.unwrap();
    let ida = staff(&shop, "ida@example.com", Role::Staff).await;
    let page = ida.get(&session).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("started by sam@example.com"),
        "{}",
        page.body
    );
    let canceled = ida
        .submit(&session, &format!("{session}/cancel"), &[])
        .await;
    assert_eq!(canceled.status, 303);
    let said = ida.get(&canceled.location.unwrap()).await;
    assert!(said.body.contains("Cancel requested"), "{}", said.body);
    // Ida's cancel is on the record as hers.
    let order = shop.db().orders().await.unwrap().remove(0);
    let actions = shop.db().actions(&order.id).await.unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a.action == "till cancel" && format!("{a:?}").contains("ida@example.com")),
        "{actions:?}"
    );
    let _ = emulator;
}
