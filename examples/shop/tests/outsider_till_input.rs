//! An outsider's hostile input to the till: amounts no till takes,
//! terminals that are not the location's (unknown, another location's,
//! offline, odd shapes), session ids that are garbage or another shop's,
//! odd signature answers, a 10 MB form. Each is refused (4xx, the field
//! named where there is one), never a 500, and nothing that moves money
//! reaches Dojo.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments::types::{ApiKey, LocationId};
use dojo_payments_emulator::{Emulator, NewTerminal};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const MANUAL: &str = "tm_sandbox_counter3";

async fn shop_on(emulator: Arc<Emulator>) -> Shop {
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider_till").await),
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator), options)
        .await
        .unwrap()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_amounts_are_refused_naming_the_field_and_nothing_is_sent() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(emulator.clone()).await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let huge = "9".repeat(10_000);
    let hostile = [
        "1e3",
        "1E3",
        "0.001",
        "-1",
        "-0",
        "+5",
        "١٢",
        "５",
        "12,50",
        "1 000",
        "1_000",
        "0x10",
        "NaN",
        "inf",
        "Infinity",
        "5.",
        ".5",
        "0.1.2",
        "£-5",
        "££5",
        "5£",
        "5 GBP",
        "€5",
        "\u{200b}5",
        "5\u{0}",
        "\u{0}",
        " ",
        "\t\n",
        "0",
        "0.00",
        "00000000000000000000.01x",
        "99999999999999999999",
        "9223372036854775807",
        "92233720368547758.07",
        "100000.01",
        huge.as_str(),
    ];
    for action in ["/staff/till/sale", "/staff/till/refund"] {
        for amount in hostile {
            let refused = admin
                .submit(
                    "/staff/till",
                    action,
                    &[("terminal", MANUAL), ("amount", amount)],
                )
                .await;
            let shown: String = amount.chars().take(12).collect();
            assert_eq!(refused.status, 400, "{action} {shown:?}: {}", refused.body);
            assert!(
                refused
                    .body
                    .contains("role=\"alert\" class=\"alert\">amount: "),
                "{action} {shown:?}: {}",
                refused.body
            );
            // The message never quotes a page of digits back (the form's
            // field may keep what was typed).
            let alert = refused.body.split("role=\"alert\"").nth(1).unwrap();
            let alert = &alert[..alert.find("</p>").unwrap()];
            assert!(!alert.contains(&"9".repeat(30)), "{alert}");
        }
    }
    assert_eq!(moving_calls(&emulator), 0, "nothing sent");
    assert!(shop.db().orders().await.unwrap().is_empty());

    // Where a person might type them: taken at their value (each sale
    // then left by its customer, so the terminal is free again).
    let terminal = dojo_payments::types::TerminalId::from_wire(MANUAL);
    for (amount, pence) in [(" £12.50 ", 1250), ("£ 3", 300), ("0.01", 1)] {
        let sold = admin
            .submit(
                "/staff/till",
                "/staff/till/sale",
                &[("terminal", MANUAL), ("amount", amount)],
            )
            .await;
        assert_eq!(sold.status, 303, "{amount:?}: {}", sold.body);
        let orders = shop.db().orders().await.unwrap();
        assert!(
            orders.iter().any(|o| o.amount.minor_units() == pence),
            "{amount:?}"
        );
        emulator.terminal(&terminal).walk_away().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_not_the_locations_is_refused_and_nothing_is_sent() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let other = LocationId::new("elsewhere").unwrap();
    let other_key = ApiKey::new("sk_sandbox_elsewhere_0123456789abcdef").unwrap();
    emulator.add_location(&other, &other_key).unwrap();
    emulator
        .add_terminal(NewTerminal::new("tm_sandbox_elsewhere").at(other.clone()))
        .unwrap();
    let shop = shop_on(emulator.clone()).await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let till = admin.get("/staff/till").await;
    assert!(
        !till.body.contains("tm_sandbox_elsewhere"),
        "another location's terminal listed"
    );
    let long = "a".repeat(64);
    let longer = "a".repeat(65);
    for action in ["/staff/till/sale", "/staff/till/refund"] {
        for terminal in [
            "tm_sandbox_elsewhere",
            "tm_sandbox_nothere",
            "tm_sandbox_counter2",
            "-",
            "_",
            "a",
            long.as_str(),
            longer.as_str(),
            "../terminals",
            "tm_sandbox_counter3/../x",
            "tm_sandbox_counter3?x=1",
            "tm_sandbox_counter3#",
            "%2e%2e",
            "tm sandbox",
            "ｔｍ",
            "",
        ] {
            let refused = admin
                .submit(
                    "/staff/till",
                    action,
                    &[("terminal", terminal), ("amount", "5.00")],
                )
                .await;
            assert!(
                matches!(refused.status, 400 | 409),
                "{action} {terminal:?}: {} {}",
                refused.status,
                refused.body
            );
            assert!(
                refused
                    .body
                    .contains("role=\"alert\" class=\"alert\">terminal: "),
                "{action} {terminal:?}: {}",
                refused.body
            );
        }
    }
    assert_eq!(
        moving_calls(&emulator),
        0,
        "nothing sent: {:?}",
        emulator.requests()
    );
    assert!(shop.db().orders().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_another_shops_session_ids_are_not_found() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(emulator.clone()).await;
    let theirs = shop_on(emulator.clone()).await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let their_admin = staff(&theirs, "bo@example.com", Role::Admin).await;
    let sold = their_admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "4.00")],
        )
        .await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    let their_session = sold.location.unwrap();
    let their_id = their_session.rsplit('/').next().unwrap().to_owned();
    let before = moving_calls(&emulator);

    let page = admin.get("/staff/till").await;
    let csrf = Agent::hidden_fields(&page.body, "/staff/till/sale");
    let long = "x".repeat(5_000);
    let ids = [
        their_id.as_str(),
        "ts_sandbox_x",
        "..%2F..%2Fadmin",
        "%00",
        "%FF%FE",
        "%E2%80%AE",
        "' OR '1'='1",
        long.as_str(),
    ];
    for id in ids {
        let base = format!(
            "/staff/till/sessions/{}",
            id.replace(' ', "%20").replace('\'', "%27")
        );
        for get in [base.clone(), format!("{base}/events")] {
            let answer = admin.get(&get).await;
            assert!(
                matches!(answer.status, 400 | 404),
                "GET {}: {} {}",
                &get[..get.len().min(80)],
                answer.status,
                answer.body
            );
        }
        for post in ["cancel", "signature", "refund"] {
            let mut fields = csrf.clone();
            fields.extend([
                ("terminal".to_owned(), MANUAL.to_owned()),
                ("amount".to_owned(), "1.00".to_owned()),
                ("answer".to_owned(), "accept".to_owned()),
            ]);
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let path = format!("{base}/{post}");
            let answer = admin.post_raw(&path, &pairs).await;
            assert!(
                matches!(answer.status, 400 | 404),
                "POST {}: {} {}",
                &path[..path.len().min(80)],
                answer.status,
                answer.body
            );
        }
    }
    assert_eq!(moving_calls(&emulator), before, "nothing sent");
    // Their session goes on, untouched.
    let theirs_page = their_admin.get(&their_session).await;
    assert!(theirs_page.body.contains("Cancel the session"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_forms_are_refused_without_a_500() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = shop_on(emulator.clone()).await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let sold = admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "4.00")],
        )
        .await;
    let session = sold.location.unwrap();
    let before = moving_calls(&emulator);
    let page = admin.get(&session).await;
    let signature = format!("{session}/signature");
    let cancel = format!("{session}/cancel");
    let csrf = Agent::hidden_fields(&page.body, &cancel);
    for answer in [
        "",
        "ACCEPT",
        "accept ",
        "accept\u{0}",
        "yes",
        "reject,accept",
    ] {
        let mut fields = csrf.clone();
        fields.push(("answer".into(), answer.into()));
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let refused = admin.post_raw(&signature, &pairs).await;
        assert_eq!(refused.status, 400, "{answer:?}: {}", refused.body);
        assert!(refused.body.contains("answer: must be accept or reject"));
    }
    // Two answers in one form, no answer: refused, not a 500.
    let mut fields = csrf.clone();
    fields.push(("answer".into(), "accept".into()));
    fields.push(("answer".into(), "reject".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let twice = admin.post_raw(&signature, &pairs).await;
    assert!((400..500).contains(&twice.status), "{}", twice.body);
    let none: Vec<(&str, &str)> = csrf.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let missing = admin.post_raw(&signature, &none).await;
    assert!((400..500).contains(&missing.status), "{}", missing.body);

    // The sale's form without its fields, with a field twice, too long.
    let till = admin.get("/staff/till").await;
    let sale = Agent::hidden_fields(&till.body, "/staff/till/sale");
    let with = |extra: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = sale.clone();
        all.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        all
    };
    let long_description = "d".repeat(201);
    for fields in [
        with(&[]),
        with(&[("terminal", MANUAL)]),
        with(&[("terminal", MANUAL), ("amount", "1.00"), ("amount", "2.00")]),
        with(&[
            ("terminal", MANUAL),
            ("amount", "1.00"),
            ("description", &long_description),
        ]),
    ] {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let refused = admin.post_raw("/staff/till/sale", &pairs).await;
        assert!(
            (400..500).contains(&refused.status),
            "{}: {}",
            refused.status,
            refused.body
        );
    }

    // A 10 MB form: refused before it is read whole (an answer in 4xx, or
    // the connection closed while the rest is still being sent), not a 500.
    let mut big = sale.clone();
    big.push(("terminal".into(), MANUAL.into()));
    big.push(("amount".into(), "1.00".into()));
    big.push(("description".into(), "x".repeat(10 * 1024 * 1024)));
    let pairs: Vec<(&str, &str)> = big.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let http = dojo_payments::raw::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let sent = http
        .post(format!("{}/staff/till/sale", shop.url()))
        .form(&pairs)
        .send()
        .await;
    if let Ok(answer) = sent {
        assert!(
            (400..500).contains(&answer.status().as_u16()),
            "{}",
            answer.status()
        );
    }
    // Over the 64 KiB a form may be, from the admin (small enough to be
    // written whole before the shop answers): refused, nothing read.
    let mut over = sale.clone();
    over.push(("terminal".into(), MANUAL.into()));
    over.push(("amount".into(), "1.00".into()));
    over.push(("description".into(), "x".repeat(200 * 1024)));
    let pairs: Vec<(&str, &str)> = over.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = admin.post_raw("/staff/till/sale", &pairs).await;
    assert_eq!(sent.status, 403, "{}", sent.body);
    assert!(sent.body.contains("too large"), "{}", sent.body);
    assert_eq!(moving_calls(&emulator), before, "nothing sent");
}
