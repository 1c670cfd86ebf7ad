//! An outsider's attacks on the shop's #33 fixes, each kept here because it
//! failed: redirect bypasses beyond the known list, the second factor
//! (replay, a recovery code twice at once, skipping the code page,
//! enrolling for someone else, guessing in parallel), parallel sign-ups of
//! one email, `X-Forwarded-For` from a client no proxy vouches for, one
//! IPv6 /64 written many ways, session fixation, CSRF on the new forms,
//! HSTS on every answer over https, and the binary refusing to start
//! deployed without `DOJO_API_KEY`.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, SECOND_FACTOR, account};
use dojo_payments::Dojo;
use dojo_payments_emulator::Emulator;
use dojo_shop::auth::Role;
use dojo_shop::auth::second_factor::code_at;
use dojo_shop::backend::Backend;
use dojo_shop::defences::TrustProxy;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

async fn shop_with(trust_proxy: TrustProxy) -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider").await),
        trust_proxy,
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    (shop, emulator)
}

async fn shop() -> (Shop, Arc<Emulator>) {
    shop_with(TrustProxy::None).await
}

async fn rows(shop: &Shop, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(shop.db().pool())
        .await
        .unwrap()
}

/// The page's notice and alert.
fn said(body: &str) -> String {
    body.lines()
        .filter(|l| l.contains("class=\"notice\"") || l.contains("role=\"alert\""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// Waits until the current 30-second step has at least `margin` seconds
/// left, so that codes computed now stay the step's.
async fn mid_step(margin: u64) {
    let left = 30 - now() % 30;
    if left < margin {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

/// Signs in with the password only: the code page's path.
async fn half_sign_in(agent: &Agent, email: &str) -> String {
    let done = agent
        .submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.location.unwrap()
}

fn csrf_of(body: &str, action: &str) -> String {
    Agent::hidden_fields(body, action)
        .into_iter()
        .find(|(name, _)| name == "csrf")
        .expect("a csrf field")
        .1
}

/// Where a browser on `https://shop.example/a/b` goes for `Location: target`.
fn resolved_host(target: &str) -> Option<String> {
    let base = url::Url::parse("https://shop.example/a/b").unwrap();
    base.join(target)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
}

const BYPASSES: &[&str] = &[
    "//evil.example",
    "/%2e%2e//evil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5C%5Cevil.example",
    "/%255Cevil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\u{FF0F}evil.example",
    "/\u{FF3C}evil.example",
    "/%EF%BC%8Fevil.example",
    "/%E2%80%AE/evil.example",
    "/\u{202E}/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%00/evil.example",
    "/ /evil.example",
    "/%20/evil.example",
    "https://evil.example",
    "https:evil.example",
    "http:/\\evil.example",
    "//evil.example@shop.example",
    "/@evil.example",
    "javascript:alert(1)",
    "/%2e%2e/%2e%2e//evil.example",
    "/..//evil.example",
    "/x/..//evil.example",
    "/x/%2e%2e/%2fevil.example",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_next_leaves_the_shop_on_any_route_that_takes_it() {
    // The rule itself: whatever it keeps resolves on the shop.
    for target in BYPASSES {
        if let Some(kept) = dojo_shop::pages::local_path(target) {
            assert_eq!(
                resolved_host(kept).as_deref(),
                Some("shop.example"),
                "{target:?} kept as {kept:?}"
            );
            assert!(kept.bytes().all(|b| b.is_ascii_graphic()), "{kept:?}");
        }
    }
    let (shop, _emulator) = shop().await;
    account(shop.db(), "cy@example.com", Role::Customer).await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    for target in BYPASSES {
        let encoded = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
        // A customer's sign-in: straight to `next`.
        let cy = Agent::new(shop.url());
        let done = cy
            .submit(
                &format!("/signin?next={encoded}"),
                "/signin",
                &[("email", "cy@example.com"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(done.status, 303, "{target:?}");
        let location = done.location.unwrap();
        assert_eq!(
            resolved_host(&location).as_deref(),
            Some("shop.example"),
            "{target:?} sent a customer to {location:?}"
        );
        // The same `next` posted by hand, past the page's own cleaning.
        let raw = Agent::new(shop.url());
        let shown = raw.get("/signin").await;
        let posted = raw
            .submit_on(
                &shown.body,
                "/signin",
                &[
                    ("email", "cy@example.com"),
                    ("password", PASSWORD),
                    ("next", target),
                ],
            )
            .await;
        let location = posted.location.unwrap();
        assert_eq!(
            resolved_host(&location).as_deref(),
            Some("shop.example"),
            "{target:?} posted sent a customer to {location:?}"
        );
    }
    // An admin: `next` through the code page, posted by hand there too.
    mid_step(8).await;
    let admin = Agent::new(shop.url());
    let page = half_sign_in(&admin, "admin@example.com").await;
    let shown = admin.get(&page).await;
    assert_eq!(shown.status, 200);
    for target in BYPASSES {
        // A wrong code: the page again, with `next` as it was cleaned.
        let encoded = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
        let code_page = admin.get(&format!("/signin/code?next={encoded}")).await;
        assert_eq!(code_page.status, 200, "{target:?}");
        for (name, value) in Agent::hidden_fields(&code_page.body, "/signin/code") {
            if name == "next" {
                assert_eq!(resolved_host(&value).as_deref(), Some("shop.example"));
            }
        }
        let enrol = admin
            .get(&format!("/account/second-factor?next={encoded}"))
            .await;
        assert_eq!(enrol.status, 200, "{target:?}");
    }
    let code = code_at(SECOND_FACTOR, now()).unwrap();
    let passed = admin
        .submit_on(
            &shown.body,
            "/signin/code",
            &[("code", &code), ("next", "/%2e%2e//evil.example")],
        )
        .await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    let location = passed.location.unwrap();
    assert_eq!(resolved_host(&location).as_deref(), Some("shop.example"));
    // A door's own `next` (the path asked for) is never off-site either.
    let visitor = Agent::new(shop.url());
    for path in [
        "/admin//evil.example",
        "/admin/%2e%2e//evil.example",
        "/cards?x=//evil",
    ] {
        let door = visitor.get(path).await;
        if let Some(location) = door.location {
            assert_eq!(resolved_host(&location).as_deref(), Some("shop.example"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_cannot_be_replayed_nor_a_recovery_code_used_twice_at_once() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    mid_step(10).await;
    // Four half-signed-in sessions send the same current code at once.
    let mut pages = Vec::new();
    for _ in 0..4 {
        let agent = Agent::new(shop.url());
        let page = half_sign_in(&agent, "admin@example.com").await;
        let shown = agent.get(&page).await;
        pages.push((agent, shown.body));
    }
    let code = code_at(SECOND_FACTOR, now()).unwrap();
    let tasks: Vec<_> = pages
        .iter()
        .cloned()
        .map(|(agent, body)| {
            let code = code.clone();
            tokio::spawn(async move {
                agent
                    .submit_on(&body, "/signin/code", &[("code", &code)])
                    .await
                    .status
            })
        })
        .collect();
    let mut passed = 0;
    for task in tasks {
        if task.await.unwrap() == 303 {
            passed += 1;
        }
    }
    assert_eq!(passed, 1, "one code, one sign-in");
    // The previous step's code (still inside the window) is no good now.
    let earlier = code_at(SECOND_FACTOR, now() - 30).unwrap();
    let late = Agent::new(shop.url());
    let page = half_sign_in(&late, "admin@example.com").await;
    let replay = late
        .submit(&page, "/signin/code", &[("code", &earlier)])
        .await;
    assert_eq!(replay.status, 200);
    assert_eq!(late.get("/admin").await.status, 303);

    // A recovery code sent by four sessions at once: one passes.
    agent::bare_account(shop.db(), "boss@example.com", Role::Admin).await;
    let (_, codes) = agent::enrol(shop.db(), "boss@example.com").await;
    let mut pages = Vec::new();
    for _ in 0..4 {
        let agent = Agent::new(shop.url());
        let page = half_sign_in(&agent, "boss@example.com").await;
        let shown = agent.get(&page).await;
        assert_eq!(shown.status, 200);
        pages.push((agent, shown.body));
    }
    let tasks: Vec<_> = pages
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, (agent, body))| {
            // Typed four ways: the same code.
            let code = match n {
                0 => codes[0].clone(),
                1 => codes[0].to_uppercase(),
                2 => codes[0].replace('-', ""),
                _ => codes[0].replace('-', " "),
            };
            tokio::spawn(async move {
                agent
                    .submit_on(&body, "/signin/code", &[("code", &code)])
                    .await
                    .status
            })
        })
        .collect();
    let mut passed = 0;
    for task in tasks {
        if task.await.unwrap() == 303 {
            passed += 1;
        }
    }
    assert_eq!(passed, 1, "one recovery code, one sign-in");
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM recovery_codes").await, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_signed_in_session_opens_no_staff_door_and_enrols_nobody_else() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let thief = Agent::new(shop.url());
    let page = half_sign_in(&thief, "admin@example.com").await;
    let shown = thief.get(&page).await;
    let csrf = csrf_of(&shown.body, "/signin/code");
    for path in [
        "/admin",
        "/admin/orders/ord_x",
        "/admin/bookings/bk_x",
        "/staff/phone",
        "/staff/orders/ord_x",
        "/ADMIN",
        "/admin/",
        "//admin",
        "/admin?x=1",
    ] {
        let door = thief.get(path).await;
        assert!(
            door.status == 303 || door.status == 404,
            "{path}: {}",
            door.status
        );
        if door.status == 303 {
            assert!(
                door.location
                    .as_deref()
                    .unwrap()
                    .starts_with("/signin/code"),
                "{path}: {door:?}"
            );
        }
    }
    for path in [
        "/admin/orders/ord_x/capture",
        "/admin/orders/ord_x/refund",
        "/admin/bookings/bk_x/charge",
        "/admin/bookings/bk_x/close",
        "/staff/phone",
    ] {
        let door = thief
            .post_raw(path, &[("csrf", &csrf), ("amount", "1.00")])
            .await;
        assert_eq!(door.status, 303, "{path}");
        assert!(door.location.unwrap().starts_with("/signin/code"));
    }
    // Enrolling again for the enrolled account: no new secret shown, and
    // a code posted changes nothing.
    let enrol = thief.get("/account/second-factor").await;
    assert_eq!(enrol.status, 200);
    assert!(!enrol.body.contains("class=\"secret\""), "{}", enrol.body);
    let before: Option<String> =
        sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE email = 'admin@example.com'")
            .fetch_one(shop.db().pool())
            .await
            .unwrap();
    let posted = thief
        .post_raw(
            "/account/second-factor",
            &[("csrf", &csrf), ("code", "123456"), ("account", "acct_x")],
        )
        .await;
    assert_eq!(posted.status, 303);
    let after: Option<String> =
        sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE email = 'admin@example.com'")
            .fetch_one(shop.db().pool())
            .await
            .unwrap();
    assert_eq!(before, after);
    assert_eq!(thief.get("/admin").await.status, 303);
    // A customer enrols nothing, for themselves or anyone.
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let cy = Agent::new(shop.url());
    cy.sign_in("cy@example.com", PASSWORD).await;
    let home = cy.get("/").await;
    let cy_csrf = csrf_of(&home.body, "/signout");
    let posted = cy
        .post_raw(
            "/account/second-factor",
            &[("csrf", &cy_csrf), ("code", "123456")],
        )
        .await;
    assert_eq!(posted.status, 403);
    // The new forms refuse a missing or another session's token.
    for path in ["/signin/code", "/account/second-factor"] {
        let none = thief.post_raw(path, &[("code", "123456")]).await;
        assert_eq!(none.status, 403, "{path}");
        let other = thief
            .post_raw(path, &[("csrf", &cy_csrf), ("code", "123456")])
            .await;
        assert_eq!(other.status, 403, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_codes_guessed_at_once_get_five_tries() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    let thief = Agent::new(shop.url());
    let page = half_sign_in(&thief, "admin@example.com").await;
    let shown = thief.get(&page).await.body;
    let right: Vec<String> = (0..3)
        .map(|d| code_at(SECOND_FACTOR, now() + 30 * d - 30).unwrap())
        .collect();
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let thief = thief.clone();
            let shown = shown.clone();
            let mut guess = format!("{:06}", 100_000 + n * 7919);
            if right.contains(&guess) {
                guess = format!("{:06}", 999_990 - n);
            }
            tokio::spawn(async move {
                thief
                    .submit_on(&shown, "/signin/code", &[("code", &guess)])
                    .await
                    .status
            })
        })
        .collect();
    let mut answered = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            200 => answered += 1,
            429 => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert!(answered <= 5, "{answered} codes were checked");
    assert_eq!(answered + refused, 30);
    assert_eq!(thief.get("/admin").await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_signed_up_five_times_at_once_is_one_account_and_one_answer() {
    let (shop, _emulator) = shop().await;
    let passwords: [&'static str; 5] = [
        "violet kettle under seven moons",
        "amber teapot over nine hills",
        "copper spoon beside four lakes",
        "silver cup behind two doors",
        "golden tray across six seas",
    ];
    let tasks: Vec<_> = passwords
        .into_iter()
        .map(|password| {
            let url = shop.url().to_owned();
            tokio::spawn(async move {
                Agent::new(&url)
                    .submit(
                        "/signup",
                        "/signup",
                        &[("email", "Ada@Example.com"), ("password", password)],
                    )
                    .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let said = |body: &str| {
        body.lines()
            .filter(|l| l.contains("class=\"notice\"") || l.contains("role=\"alert\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(said(&answer.body), said(&answers[0].body));
        assert!(answer.location.is_none());
    }
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(rows(&shop, "SELECT COUNT(*) FROM sessions").await, 0);
    // Exactly one of the passwords opens it.
    let mut opened = 0;
    for password in passwords {
        let tried = Agent::new(shop.url())
            .submit(
                "/signin",
                "/signin",
                &[("email", "ada@example.com"), ("password", password)],
            )
            .await;
        if tried.status == 303 {
            opened += 1;
        }
    }
    assert_eq!(opened, 1);
}

/// A failed sign-in for a made-up email (never the same twice: only the
/// address rule counts them).
async fn wrong_sign_in(agent: &Agent, n: usize) -> u16 {
    agent
        .submit(
            "/signin",
            "/signin",
            &[
                ("email", &format!("nobody{n}@example.com")),
                ("password", "not the password at all"),
            ],
        )
        .await
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_for_header_no_proxy_vouches_for_changes_nothing() {
    let (shop, _emulator) = shop().await;
    for n in 0..20 {
        let spoofer = Agent::from_address(shop.url(), &format!("198.51.100.{n}, 203.0.113.{n}"));
        assert_eq!(wrong_sign_in(&spoofer, n).await, 200, "{n}");
    }
    for (n, address) in ["203.0.113.99", "::1", "127.0.0.2", "unknown", "2001:db8::1"]
        .into_iter()
        .enumerate()
    {
        let spoofer = Agent::from_address(shop.url(), address);
        assert_eq!(wrong_sign_in(&spoofer, 100 + n).await, 429, "{address}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ipv6_64_written_many_ways_is_one_address() {
    let (shop, _emulator) = shop_with(TrustProxy::Hops(1)).await;
    let ways = [
        "2001:db8:1:2::1",
        "2001:0db8:0001:0002:0000:0000:0000:0002",
        "2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF",
        "2001:db8:1:2:0:0:0:3",
        "2001:db8:1:2:abcd::",
    ];
    for n in 0..20 {
        let agent = Agent::from_address(shop.url(), ways[n % ways.len()]);
        assert_eq!(wrong_sign_in(&agent, n).await, 200, "{n}");
    }
    for (n, way) in ways.iter().enumerate() {
        let agent = Agent::from_address(shop.url(), way);
        assert_eq!(wrong_sign_in(&agent, 100 + n).await, 429, "{way}");
    }
    // Another /64 is another address.
    let neighbour = Agent::from_address(shop.url(), "2001:db8:1:3::1");
    assert_eq!(wrong_sign_in(&neighbour, 200).await, 200);
    // An IPv4 address and its IPv4-mapped IPv6 forms are one.
    let mapped = [
        "203.0.113.9",
        "::ffff:203.0.113.9",
        "::FFFF:cb00:7109",
        "0:0:0:0:0:ffff:203.0.113.9",
    ];
    for n in 0..20 {
        let agent = Agent::from_address(shop.url(), mapped[n % mapped.len()]);
        assert_eq!(wrong_sign_in(&agent, 300 + n).await, 200, "{n}");
    }
    for way in mapped {
        let agent = Agent::from_address(shop.url(), way);
        assert_eq!(wrong_sign_in(&agent, 400).await, 429, "{way}");
    }
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .filter_map(|c| c.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_planted_before_sign_in_is_not_the_one_signed_in() {
    let (shop, _emulator) = shop().await;
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let http = dojo_payments::raw::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The attacker gets a real (guest) session by starting a checkout.
    let page = http
        .get(format!("{}/buy/teapot", shop.url()))
        .send()
        .await
        .unwrap();
    let form = set_cookie(&page, "shop_form").unwrap();
    let body = page.text().await.unwrap();
    let mut fields = Agent::hidden_fields(&body, "/buy/teapot");
    fields.push(("email".into(), "eve@example.com".into()));
    let bought = http
        .post(format!("{}/buy/teapot", shop.url()))
        .header("cookie", format!("shop_form={form}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(bought.status(), 303);
    let planted = set_cookie(&bought, "shop_session").unwrap();
    // The victim's browser carries the planted session and signs in.
    let cookie = format!("shop_session={planted}");
    let page = http
        .get(format!("{}/signin", shop.url()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let body = page.text().await.unwrap();
    let csrf = csrf_of(&body, "/signin");
    let signed_in = http
        .post(format!("{}/signin", shop.url()))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "cy@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let fresh = set_cookie(&signed_in, "shop_session").unwrap();
    assert_ne!(fresh, planted, "the session id rotates at sign-in");
    // The attacker's planted token is no one's now.
    let attacker = http
        .get(format!("{}/cards", shop.url()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(attacker.status(), 303);
    let victim = http
        .get(format!("{}/cards", shop.url()))
        .header("cookie", format!("shop_session={fresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(victim.status(), 200);
    // A made-up token is no session at all, and signing in ignores it.
    let made_up = "a".repeat(64);
    let page = http
        .get(format!("{}/cards", shop.url()))
        .header("cookie", format!("shop_session={made_up}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
}

fn dojo_of(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_every_answer_carries_hsts_even_errors_and_refusals() {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let shop = Shop::start_on(
        Backend::Dojo(dojo_of(&emulator)),
        Options {
            database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider").await),
            public_url: Some("https://shop.example.com".into()),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let http = dojo_payments::raw::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path) in [
        ("GET", "/no/such/page"),
        ("GET", "/shop.css"),
        ("GET", "/admin"),
        ("GET", "/orders/ord_nope"),
        ("POST", "/signin"),
        ("POST", "/webhooks/dojo"),
        ("GET", "/signin?next=//evil.example"),
    ] {
        let request = match method {
            "GET" => http.get(format!("{}{path}", shop.url())),
            _ => http.post(format!("{}{path}", shop.url())).body("x"),
        };
        let answer = request.send().await.unwrap();
        assert_eq!(
            answer
                .headers()
                .get("strict-transport-security")
                .map(|h| h.to_str().unwrap().to_owned())
                .as_deref(),
            Some("max-age=31536000"),
            "{method} {path}: {}",
            answer.status()
        );
        for cookie in answer.headers().get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            assert!(
                cookie.starts_with("__Host-") && cookie.contains("Secure"),
                "{cookie}"
            );
        }
    }
    // A plain-named cookie is not taken for the session over https.
    account(shop.db(), "cy@example.com", Role::Customer).await;
    let cy = Agent::new(shop.url());
    let page = cy.get("/signin").await;
    assert_eq!(page.status, 200);
}

#[test]
fn the_binary_refuses_to_start_deployed_without_a_key() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let cases: &[&[(&str, &str)]] = &[
        &[("SHOP_ADDR", "0.0.0.0:0")],
        &[("SHOP_ADDR", "[::]:0")],
        &[("SHOP_ADDR", "[::ffff:127.0.0.1]:0")],
        &[
            ("SHOP_ADDR", "127.0.0.1:0"),
            ("SHOP_PUBLIC_URL", "https://shop.example.com"),
        ],
        &[
            ("SHOP_ADDR", "127.0.0.1:0"),
            ("SHOP_PUBLIC_URL", "https://localhost.evil.example"),
        ],
        &[
            ("SHOP_ADDR", "127.0.0.1:0"),
            ("SHOP_PUBLIC_URL", "https://127.0.0.1.nip.io"),
        ],
        &[
            ("SHOP_ADDR", "127.0.0.1:0"),
            ("SHOP_PUBLIC_URL", "https://[::ffff:7f00:1]"),
        ],
        &[
            ("SHOP_ADDR", "127.0.0.1:0"),
            ("SHOP_PUBLIC_URL", "https://shop.example.com"),
            ("DOJO_API_KEY", ""),
        ],
    ];
    let dir = std::env::temp_dir().join(format!("outsider-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (n, env) in cases.iter().enumerate() {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dojo-shop"));
        command
            .env_remove("DOJO_API_KEY")
            .env_remove("SHOP_PUBLIC_URL")
            .env_remove("SHOP_ADDR")
            .env(
                "DATABASE_URL",
                format!("sqlite:{}/shop{n}.sqlite?mode=rwc", dir.display()),
            )
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in *env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let output = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&output.stdout);
        let status = status.unwrap_or_else(|| panic!("{env:?}: it started and served: {said}"));
        assert!(!status.success(), "{env:?}");
        assert!(!said.contains("The shop is open"), "{env:?}: {said}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flash_is_read_by_the_session_it_was_kept_for_only() {
    use dojo_payments_emulator::Card;
    use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
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
    for _ in 0..100 {
        let now = shop.db().order(&order.id).await.unwrap().unwrap();
        if now.status != dojo_shop::order::OrderStatus::Pending {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    account(shop.db(), "admin@example.com", Role::Admin).await;
    account(shop.db(), "ann@example.com", Role::Admin).await;
    let page = format!("/admin/orders/{}", order.id);
    let admin = Agent::new(shop.url());
    admin.sign_in("admin@example.com", PASSWORD).await;
    let captured = admin
        .submit(&page, &format!("{page}/capture"), &[("amount", "1.00")])
        .await;
    assert_eq!(captured.status, 303, "{}", captured.body);
    let location = captured.location.unwrap();
    assert!(location.contains("said=fl_"), "{location}");
    // Another admin, a guest and a stranger open the same link: nothing.
    let ann = Agent::new(shop.url());
    ann.sign_in("ann@example.com", PASSWORD).await;
    let theirs = ann.get(&location).await;
    assert_eq!(theirs.status, 200);
    assert!(said(&theirs.body).is_empty(), "{}", theirs.body);
    assert_eq!(
        guest.get(&location).await.status,
        303,
        "a guest is sent to sign in"
    );
    // Its owner sees it, once; a guessed neighbour id shows nothing.
    let mine = admin.get(&location).await;
    assert!(said(&mine.body).contains("Captured"), "{}", mine.body);
    assert!(said(&admin.get(&location).await.body).is_empty());
    let guessed = format!("{page}?said=fl_0000000000000000");
    assert!(said(&admin.get(&guessed).await.body).is_empty());
}

/// Issue #33's probe, shortened: an attacker spread over many addresses
/// (a new one every five failures, the per-address-and-email wall) keeps
/// the email-alone slow path (one try per 10 s past ten failures) busy
/// for the admin's email. The admin, from the browser they signed in
/// with before (its device cookie), gets in at once; a browser without
/// one stays on the slow path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_s_device_gets_in_while_an_attacker_keeps_the_email_busy() {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use std::time::Duration;
    let (shop, _emulator) = shop_with(TrustProxy::Hops(1)).await;
    account(shop.db(), "admin@example.com", Role::Admin).await;
    // The admin's browser, signed in fully once (password and code), then
    // signed out: it keeps its device cookie.
    let admin = Agent::from_address(shop.url(), "192.0.2.77");
    admin.sign_in("admin@example.com", PASSWORD).await;
    let home = admin.get("/").await;
    let out = admin.submit_on(&home.body, "/signout", &[]).await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(admin.get("/admin").await.status, 303, "signed out");

    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU32::new(0));
    let attacker = {
        let (count, stop, url) = (count.clone(), stop.clone(), shop.url().to_owned());
        tokio::spawn(async move {
            let mut admitted = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let address = format!("10.{}.{}.1", admitted / 5 / 250, admitted / 5 % 250);
                let status = Agent::from_address(&url, &address)
                    .submit(
                        "/signin",
                        "/signin",
                        &[
                            ("email", "admin@example.com"),
                            ("password", "wrong wrong wrong"),
                        ],
                    )
                    .await
                    .status;
                if status == 200 {
                    admitted += 1;
                    count.store(admitted, Ordering::Relaxed);
                }
            }
        })
    };
    // Past ten failures: the email alone is on its slow path, and the
    // attacker takes its one try per 10 s as soon as it is free.
    let started = std::time::Instant::now();
    while count.load(Ordering::Relaxed) < 11 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the attacker is slow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A browser without the device cookie, from elsewhere: the slow path.
    let stranger = Agent::from_address(shop.url(), "192.0.2.99")
        .submit(
            "/signin",
            "/signin",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(stranger.status, 429, "{}", stranger.body);
    // The admin's own browser: in at once, however busy the email is.
    let mut got_in = None;
    for _ in 0..3 {
        let done = admin
            .submit(
                "/signin",
                "/signin",
                &[("email", "admin@example.com"), ("password", PASSWORD)],
            )
            .await;
        if done.status == 303 {
            got_in = done.location;
            break;
        }
        assert_eq!(done.status, 429, "{}", done.body);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    attacker.await.unwrap();
    let got_in = got_in.expect("the admin's browser was kept out by a distributed guesser");
    assert!(got_in.starts_with("/signin/code"), "{got_in}");
    // Their wrong passwords still count where the attacker cannot reach:
    // the address and the email together.
    for _ in 0..5 {
        let wrong = admin
            .submit(
                "/signin",
                "/signin",
                &[
                    ("email", "admin@example.com"),
                    ("password", "not it at all"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 200, "{}", wrong.body);
    }
    let walled = admin
        .submit(
            "/signin",
            "/signin",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        walled.status, 429,
        "the address-and-email wall holds for a device"
    );
}

/// Issue #33: a GET of the enrolment page (a prefetch, a second tab, a
/// link from another site) replaced the secret being enrolled; and whoever
/// signed in first with an admin's password enrolled their own app. No
/// page enrols now: an account without a second factor (a database from
/// before `create-admin` enrolled at creation) is told to ask the
/// operator, and neither a GET nor a POST writes a secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_enrols_a_second_factor_for_whoever_has_the_password() {
    let (shop, _emulator) = shop().await;
    agent::bare_account(shop.db(), "old@example.com", Role::Admin).await;
    let thief = Agent::new(shop.url());
    let signed_in = thief
        .submit(
            "/signin",
            "/signin",
            &[("email", "old@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/account/second-factor?next=%2F")
    );
    let stored = || async {
        sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT totp_secret, totp_enrolling FROM accounts WHERE email = 'old@example.com'",
        )
        .fetch_one(shop.db().pool())
        .await
        .unwrap()
    };
    for _ in 0..2 {
        let page = thief.get("/account/second-factor").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains("otpauth://"), "{}", page.body);
        assert!(
            page.body
                .contains("dojo-shop second-factor old@example.com"),
            "{}",
            page.body
        );
        assert_eq!(stored().await, (None, None), "a GET writes nothing");
    }
    let home = thief.get("/").await;
    let csrf = csrf_of(&home.body, "/signout");
    for code in ["123456", "000000"] {
        let posted = thief
            .post_raw("/account/second-factor", &[("csrf", &csrf), ("code", code)])
            .await;
        assert_eq!(posted.status, 303);
    }
    assert_eq!(stored().await, (None, None), "a POST enrols nothing");
    assert_eq!(thief.get("/admin").await.status, 303);
    // The operator's command gives it one; the page then says it is on.
    let (secret, _) = agent::enrol(shop.db(), "old@example.com").await;
    assert_eq!(stored().await, (Some(secret), None));
    let page = thief.get("/account/second-factor").await;
    assert!(
        page.body.contains("Your second factor is on"),
        "{}",
        page.body
    );
    assert_eq!(thief.get("/admin").await.status, 303, "the code first");
}

/// The same for second-factor codes: someone with the admin's password
/// (but not their app) fills the account-alone slow path of wrong codes
/// from several addresses; the admin's own browser, signed in fully
/// before, passes its code at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_s_device_passes_its_code_while_a_password_thief_fills_the_code_limit() {
    let (shop, _emulator) = shop_with(TrustProxy::Hops(1)).await;
    agent::bare_account(shop.db(), "admin@example.com", Role::Admin).await;
    let (_, codes) = agent::enrol(shop.db(), "admin@example.com").await;
    let admin = Agent::from_address(shop.url(), "192.0.2.77");
    let page = half_sign_in(&admin, "admin@example.com").await;
    let passed = admin
        .submit(&page, "/signin/code", &[("code", &codes[0])])
        .await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    let home = admin.get("/").await;
    assert_eq!(
        admin.submit_on(&home.body, "/signout", &[]).await.status,
        303
    );
    // Ten wrong codes from two addresses (five each: the address-and-
    // account wall), then the account alone is slowed.
    for n in 0..2 {
        let thief = Agent::from_address(shop.url(), &format!("10.0.{n}.1"));
        let page = half_sign_in(&thief, "admin@example.com").await;
        for _ in 0..5 {
            let wrong = thief
                .submit(&page, "/signin/code", &[("code", "000000")])
                .await;
            assert_eq!(wrong.status, 200, "{}", wrong.body);
        }
    }
    let thief = Agent::from_address(shop.url(), "10.0.9.1");
    let page = half_sign_in(&thief, "admin@example.com").await;
    let slowed = thief
        .submit(&page, "/signin/code", &[("code", "000000")])
        .await;
    assert_eq!(slowed.status, 429, "{}", slowed.body);
    // The admin's browser: the password, then its code, at once.
    let page = half_sign_in(&admin, "admin@example.com").await;
    let passed = admin
        .submit(&page, "/signin/code", &[("code", &codes[1])])
        .await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(admin.get("/admin").await.status, 200);
}
