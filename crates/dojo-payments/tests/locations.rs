//! Many locations on one client: a handle calls with its own location's key
//! (the emulator's request log is the oracle), on the one pool; an unknown
//! location is a typed error; a journal entry whose location is no longer
//! configured stays open, saying so, and is settled once it is.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{Entry, EntryState, InMemoryJournal, Journal, JournalStore};
use dojo_payments::lifecycle::payment_intent::Captured;
use dojo_payments::settlement::Before;
use dojo_payments::settlement::Movement;
use dojo_payments::types::{ApiKey, LocationId};
use dojo_payments::{Dojo, Error, Location, Locations, SiteError};
use dojo_payments_emulator::Emulator;

fn key(name: &str) -> ApiKey {
    ApiKey::new(format!("sk_sandbox_{name}_0123456789abcdef")).unwrap()
}

fn id(name: &str) -> LocationId {
    name.parse().unwrap()
}

/// An emulator with location accounts `names`, and one client holding
/// every location's key (and the emulator's default key).
async fn cafes(names: &[&str]) -> (Emulator, Dojo) {
    let mut builder = Emulator::builder().seed(11);
    let mut locations = Locations::default();
    for name in names {
        builder = builder.location(id(name), key(name));
        locations.insert(Location::new(id(name), key(name)));
    }
    let emulator = builder.start().await.unwrap();
    let dojo = builder_of(&emulator, quick_retries())
        .locations(locations)
        .build()
        .unwrap();
    (emulator, dojo)
}

#[tokio::test]
async fn a_handle_calls_with_its_own_location_s_key_and_sees_only_its_data() {
    let (emulator, platform) = cafes(&["soho", "camden"]).await;
    let soho = platform.location(&id("soho")).unwrap();
    let camden = platform.location(&id("camden")).unwrap();
    assert_eq!(soho.location_id(), &id("soho"));
    assert_eq!(
        platform
            .locations()
            .iter()
            .map(LocationId::as_str)
            .collect::<Vec<_>>(),
        ["camden", "default", "soho"]
    );
    let shown = format!("{soho:?}");
    assert!(
        shown.contains("soho") && !shown.contains("0123456789abcdef"),
        "{shown}"
    );

    let before = emulator.requests_by_account().len();
    let at_soho = soho
        .payment_intents()
        .create(gbp(1250), "Flat white and cake")
        .created()
        .await
        .unwrap();
    emulator.pay(at_soho.id(), &good_card(), false).unwrap();
    let paid = at_soho.refresh_as::<Captured>(&soho).await.unwrap();
    assert_eq!(paid.total(), gbp(1250));
    let logged = emulator.requests_by_account();
    let soho_account = emulator.location_account(&id("soho"));
    assert!(soho_account.is_some());
    for (route, account) in &logged[before..] {
        assert_eq!(account, &soho_account, "{route} carried another key");
    }

    // Camden's key does not see Soho's intent: Dojo's 404, refused.
    let elsewhere = camden.payment_intents().get(paid.id()).await.unwrap_err();
    assert!(
        matches!(&elsewhere, Error::Api { error, .. } if error.status == 404),
        "{elsewhere}"
    );
    assert_eq!(
        emulator.requests_by_account().last().unwrap().1,
        emulator.location_account(&id("camden"))
    );
}

#[tokio::test]
async fn an_unknown_location_is_a_typed_error_and_sends_nothing() {
    let (emulator, platform) = cafes(&["soho"]).await;
    let before = emulator.requests().len();
    assert_eq!(
        platform.location(&id("leeds")).unwrap_err(),
        SiteError::Unknown(id("leeds"))
    );
    assert_eq!(emulator.requests().len(), before);
}

#[tokio::test]
async fn a_thousand_handles_share_one_pool() {
    let (emulator, platform) = cafes(&["soho", "camden"]).await;
    let intent = platform
        .location(&id("soho"))
        .unwrap()
        .payment_intents()
        .create(gbp(300), "Espresso")
        .created()
        .await
        .unwrap();
    let before = emulator.connections_accepted();
    for _ in 0..1000 {
        let soho = platform.location(&id("soho")).unwrap();
        soho.payment_intents().get(intent.id()).await.unwrap();
    }
    let opened = emulator.connections_accepted() - before;
    assert!(
        opened <= 1,
        "1,000 sequential calls on 1,000 handles opened {opened} connections"
    );
}

#[tokio::test]
async fn an_entry_whose_location_is_gone_stays_open_saying_so_until_it_is_back() {
    let (emulator, platform) = cafes(&["soho", "leeds"]).await;
    let leeds = platform.location(&id("leeds")).unwrap();
    let intent = paid(&emulator, &leeds, 1000, CaptureMode::Manual).await;
    leeds
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap();
    // A crash left Leeds' capture journaled and unsettled, long ago.
    let store = InMemoryJournal::default();
    store
        .open(&Entry {
            name: "leeds/order-3/capture-1".to_owned(),
            movement: Movement::Capture { amount: gbp(400) },
            payment_intent: intent.id.clone().unwrap(),
            location: id("leeds"),
            before: Before::of(&intent),
            state: EntryState::Open,
            opened_at: Utc::now() - chrono::Duration::minutes(10),
        })
        .await
        .unwrap();

    // Leeds closed: a client without it leaves the entry open, and says why.
    let without_leeds = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .location(Location::new(id("soho"), key("soho")))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let journal = Journal::new(store, &without_leeds)
        .in_flight_for(Duration::from_secs(60), &without_leeds)
        .unwrap();
    let sent = emulator.requests().len();
    let settled = journal.reconcile(&without_leeds).await.unwrap();
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].state, EntryState::Open);
    let why = settled[0].still_open_because.as_deref().unwrap_or_default();
    assert!(
        why.contains("leeds") && why.contains("not configured"),
        "{why}"
    );
    assert_eq!(
        emulator.requests().len(),
        sent,
        "nothing sent with another key"
    );

    // With Leeds configured again, the read is made with Leeds' key.
    let settled = journal.reconcile(&platform).await.unwrap();
    assert!(
        matches!(settled[0].state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(
        emulator.requests_by_account().last().unwrap().1,
        emulator.location_account(&id("leeds"))
    );
}

#[path = "../examples/locations.rs"]
mod example;

/// The example's walk, checked: a payment at each café; the refund whose
/// process died settled after the restart with Camden's key, made once;
/// each webhook told to belong to the café of its payment.
#[tokio::test]
async fn the_two_cafes_example_walks_as_it_says() {
    let walk = example::run().await.unwrap();
    assert_eq!(walk.payments.len(), 2);
    assert!(
        matches!(walk.refund, EntryState::Applied { .. }),
        "{:?}",
        walk.refund
    );
    assert_eq!(walk.refunds_made, 1, "sent again with its key: one refund");
    assert!(walk.camden_account.is_some());
    assert_eq!(walk.settled_by, walk.camden_account);
    assert!(walk.events.len() >= 2, "{:?}", walk.events);
    // The third café, opened on the running client while the first two
    // took payments: none failed, theirs went on before and after its
    // first call, and its payment was its own.
    assert_eq!(walk.opened.0, id("brixton"));
    assert_eq!(walk.meanwhile_failed, 0);
    assert!(
        walk.meanwhile.len() >= 10,
        "at least 5 at each of the first two"
    );
    let (before, after) = walk.calls_around_opening;
    assert!(before > 0 && after > 0, "{before} before, {after} after");
    let made = walk
        .payments
        .iter()
        .chain(&walk.meanwhile)
        .chain(std::iter::once(&walk.opened));
    let made: Vec<_> = made.collect();
    for (location, payment) in &walk.events {
        let (cafe, _) = made
            .iter()
            .find(|(_, id)| id == payment)
            .expect("an event of a payment the walk made");
        assert_eq!(location.as_ref(), Some(cafe), "{payment}");
    }
    for (cafe, _) in &walk.payments {
        assert!(
            walk.events.iter().any(|(l, _)| l.as_ref() == Some(cafe)),
            "no event for {cafe}: {:?}",
            walk.events
        );
    }
}

/// Journal names are per location: the same name at two cafés (each
/// numbers its own orders) is two entries, each one call made with its own
/// key; at one café it is still one call.
#[tokio::test]
async fn a_journal_name_is_one_call_per_location() {
    let (emulator, platform) = cafes(&["soho", "camden"]).await;
    let journal = Journal::new(InMemoryJournal::default(), &platform);
    let mut refunded = Vec::new();
    for cafe in ["soho", "camden"] {
        let site = platform.location(&id(cafe)).unwrap();
        let intent = paid(&emulator, &site, 1000, CaptureMode::Auto).await;
        for _ in 0..2 {
            let state = journal
                .refund(&site, "order-1/refund-1", &intent, gbp(300))
                .await
                .unwrap();
            assert!(
                matches!(state, EntryState::Applied { .. }),
                "{cafe}: {state:?}"
            );
        }
        refunded.push(intent.id.clone().unwrap());
    }
    for id in &refunded {
        assert_eq!(emulator.refund_count(id), 1, "one refund per café");
    }
    journal.flush().await;
    for cafe in ["soho", "camden"] {
        let entry = JournalStore::entry(journal.store(), &id(cafe), "order-1/refund-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.location, id(cafe));
        assert!(matches!(entry.state, EntryState::Applied { .. }));
    }
}

/// The live registry, under load: while 100 calls are held in flight at
/// Soho and Camden, Brixton opens, Soho's key is rotated and Camden closes;
/// then 100 more start, on Soho's handle made before the rotation and on
/// Brixton's. All 200 succeed, each on the key current when it started
/// (the emulator counts each key's calls: both of Soho's keys are Soho's
/// account), and Camden's handle then sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_added_rotated_and_removed_while_200_calls_are_in_flight() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let emulator = Emulator::builder()
        .seed(11)
        .location(id("soho"), key("soho"))
        .location(id("camden"), key("camden"))
        .start()
        .await
        .unwrap();
    let dojo = Dojo::builder_for_sites()
        .endpoints(emulator.endpoints())
        .retry_policy(quick_retries())
        .location(Location::new(id("soho"), key("soho")))
        .location(Location::new(id("camden"), key("camden")))
        .build()
        .unwrap();
    let soho = dojo.location(&id("soho")).unwrap();
    let camden = dojo.location(&id("camden")).unwrap();
    const CREATE: &str = "POST /payment-intents";
    emulator
        .inject_fault(
            CREATE,
            dojo_payments_emulator::Fault::Latency(Duration::from_secs(3)),
            200,
        )
        .unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let call = |at: &Dojo, n: usize| {
        let (at, finished) = (at.clone(), finished.clone());
        tokio::spawn(async move {
            let made = at
                .payment_intents()
                .create(gbp(100 + n as i64), format!("call {n}"))
                .send()
                .await;
            finished.fetch_add(1, Ordering::SeqCst);
            made.map(|_| at.location_id().clone())
        })
    };
    let mut calls = Vec::new();
    for n in 0..100 {
        calls.push(call(if n % 2 == 0 { &soho } else { &camden }, n));
    }
    // Every first call has been received (each key's use is counted as it
    // arrives, before the latency), and none answered.
    let arrived = || emulator.key_uses(&key("soho")) + emulator.key_uses(&key("camden"));
    while arrived() < 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    emulator
        .add_location(&id("brixton"), &key("brixton"))
        .unwrap();
    emulator.add_key(&id("soho"), &key("soho-2")).unwrap();
    let sites = dojo.sites().unwrap();
    sites
        .add(Location::new(id("brixton"), key("brixton")))
        .unwrap();
    sites.rotate(&id("soho"), key("soho-2")).unwrap();
    sites.remove(&id("camden")).unwrap();
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "the changes were made while the first 100 were in flight"
    );
    let brixton = dojo.location(&id("brixton")).unwrap();
    for n in 100..200 {
        calls.push(call(if n % 2 == 0 { &soho } else { &brixton }, n));
    }
    // Camden's key made its 50 calls only (counted above): this one sent
    // nothing.
    let refused = camden
        .payment_intents()
        .create(gbp(100), "after closing")
        .send()
        .await
        .unwrap_err();

    let mut failed = Vec::new();
    for call in calls {
        if let Err(error) = call.await.unwrap() {
            failed.push(error.to_string());
        }
    }
    assert_eq!(failed, Vec::<String>::new(), "0 of 200 failed");
    assert_eq!(
        emulator.key_uses(&key("soho")),
        50,
        "Soho's first 50 on the old key"
    );
    assert_eq!(
        emulator.key_uses(&key("soho-2")),
        50,
        "the next 50 on the new key"
    );
    assert_eq!(emulator.key_uses(&key("camden")), 50);
    assert_eq!(emulator.key_uses(&key("brixton")), 50);
    let accounts = emulator.requests_by_account();
    let of = |name: &str| {
        let account = emulator.location_account(&id(name));
        accounts.iter().filter(|(_, a)| *a == account).count()
    };
    assert_eq!((of("soho"), of("camden"), of("brixton")), (100, 50, 50));

    // A removed location's handle: refused before sending, typed, named.
    assert!(
        matches!(&refused, Error::InvalidRequest { .. }),
        "{refused}"
    );
    assert_eq!(refused.location(), Some(&id("camden")));
    assert_eq!(refused.delivery(), dojo_payments::Delivery::NotSent);
    assert!(refused.to_string().contains("camden"), "{refused}");
    assert_eq!(sites.configured(), [id("brixton"), id("soho")]);
    assert_eq!(sites.retired(), [id("camden")]);
}

/// A location's handle is a boundary: it reaches no other location, and
/// cannot change the client's; its own name gives itself back.
#[tokio::test]
async fn a_handle_reaches_no_other_location() {
    let (emulator, platform) = cafes(&["soho", "brixton"]).await;
    let soho = platform.location(&id("soho")).unwrap();
    let before = emulator.requests().len();
    assert_eq!(
        soho.location(&id("brixton")).unwrap_err(),
        SiteError::BeyondHandle {
            handle: id("soho"),
            wanted: id("brixton")
        }
    );
    assert!(soho.location(&LocationId::default()).is_err());
    assert_eq!(
        soho.location(&id("SOHO")).unwrap().location_id(),
        &id("soho")
    );
    assert!(matches!(
        soho.sites().unwrap_err(),
        SiteError::NotTheClient(_)
    ));
    assert_eq!(soho.locations(), [id("soho")]);
    assert_eq!(emulator.requests().len(), before);
    // The client reaches both.
    assert!(platform.location(&id("brixton")).is_ok());
}

/// A client built without a default location (locations only): its own
/// calls are refused before sending, its handles call.
#[tokio::test]
async fn a_client_without_a_default_location_calls_through_handles_only() {
    let emulator = Emulator::builder()
        .seed(11)
        .location(id("soho"), key("soho"))
        .start()
        .await
        .unwrap();
    let dojo = Dojo::builder_for_sites()
        .endpoints(emulator.endpoints())
        .location(Location::new(id("Soho"), key("soho")))
        .build()
        .unwrap();
    let before = emulator.requests().len();
    let refused = dojo
        .payment_intents()
        .create(gbp(640), "Two flat whites")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidRequest { .. }),
        "{refused}"
    );
    assert_eq!(refused.delivery(), dojo_payments::Delivery::NotSent);
    assert!(refused.to_string().contains("dojo.location"), "{refused}");
    assert_eq!(emulator.requests().len(), before, "nothing sent");
    assert_eq!(dojo.locations(), [id("soho")]);
    let soho = dojo.location(&id("soho")).unwrap();
    soho.payment_intents()
        .create(gbp(640), "Two flat whites")
        .send()
        .await
        .unwrap();
    // One key under two names is refused, at build and at run time.
    let twice = Dojo::builder_for_sites()
        .location(Location::new(id("a"), key("soho")))
        .location(Location::new(id("b"), key("soho")))
        .build()
        .unwrap_err();
    assert!(twice.to_string().contains("same key"), "{twice}");
    assert!(!twice.to_string().contains("0123456789"), "{twice}");
    assert_eq!(
        dojo.sites()
            .unwrap()
            .add(Location::new(id("soho-2"), key("soho"))),
        Err(SiteError::SameKey {
            first: id("soho"),
            second: id("soho-2")
        })
    );
}

/// A removed location's open entries are settled by `reconcile` with the
/// key it had, until it is forgotten; then they stay open, saying why.
#[tokio::test]
async fn a_removed_location_s_entries_settle_with_its_kept_key_until_forgotten() {
    let (emulator, platform) = cafes(&["soho", "leeds"]).await;
    let leeds = platform.location(&id("leeds")).unwrap();
    let intent = paid(&emulator, &leeds, 1000, CaptureMode::Manual).await;
    leeds
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap();
    let store = InMemoryJournal::default();
    let entry = |name: &str| Entry {
        name: name.to_owned(),
        movement: Movement::Capture { amount: gbp(400) },
        payment_intent: intent.id.clone().unwrap(),
        location: id("leeds"),
        before: Before::of(&intent),
        state: EntryState::Open,
        opened_at: Utc::now() - chrono::Duration::minutes(10),
    };
    store.open(&entry("order-3/capture-1")).await.unwrap();
    let journal = Journal::new(store, &platform);

    platform.sites().unwrap().remove(&id("leeds")).unwrap();
    assert!(platform.location(&id("leeds")).is_err());
    let settled = journal.reconcile(&platform).await.unwrap();
    assert!(
        matches!(settled[0].state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(
        emulator.requests_by_account().last().unwrap().1,
        emulator.location_account(&id("leeds")),
        "settled with Leeds' kept key"
    );

    journal
        .store()
        .open(&entry("order-4/capture-1"))
        .await
        .unwrap();
    platform.sites().unwrap().forget(&id("leeds")).unwrap();
    let sent = emulator.requests().len();
    let settled = journal.reconcile(&platform).await.unwrap();
    assert_eq!(settled[0].state, EntryState::Open);
    assert!(
        settled[0]
            .still_open_because
            .as_deref()
            .unwrap_or_default()
            .contains("not configured"),
        "{settled:?}"
    );
    assert_eq!(
        emulator.requests().len(),
        sent,
        "nothing sent once forgotten"
    );
}

/// `reload` makes the client's locations those of a file read again:
/// adds the new, re-keys the changed, retires the missing, keeps the
/// builder's `default`; names are normalised as everywhere.
#[tokio::test]
async fn reload_adds_rotates_and_retires_from_a_file() {
    let (emulator, platform) = cafes(&["soho", "camden"]).await;
    emulator.add_location(&id("leeds"), &key("leeds")).unwrap();
    emulator.add_key(&id("soho"), &key("soho-2")).unwrap();
    let file = format!(
        "# our cafés, reopened\nSOHO = {}\nleeds = {}\n",
        key("soho-2").expose(),
        key("leeds").expose()
    );
    let reloaded = platform
        .sites()
        .unwrap()
        .reload(Locations::parse(&file).unwrap())
        .unwrap();
    assert_eq!(reloaded.added, [id("leeds")]);
    assert_eq!(reloaded.rotated, [id("soho")]);
    assert_eq!(reloaded.retired, [id("camden")]);
    assert_eq!(
        platform.locations(),
        [id("default"), id("leeds"), id("soho")]
    );
    let soho = platform.location(&id("soho")).unwrap();
    soho.payment_intents()
        .create(gbp(100), "after the reload")
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.key_uses(&key("soho-2")), 1);
    // The same file again changes nothing.
    let again = platform
        .sites()
        .unwrap()
        .reload(Locations::parse(&file).unwrap())
        .unwrap();
    assert_eq!(again.unchanged, [id("leeds"), id("soho")]);
    assert!(again.added.is_empty() && again.rotated.is_empty() && again.retired.is_empty());
}

/// A location may have a retry policy of its own (fewer attempts here);
/// the others keep the client's.
#[tokio::test]
async fn a_location_s_own_retry_policy_applies_to_its_calls_only() {
    use dojo_payments::RetryPolicy;
    use dojo_payments_emulator::Fault;
    const GET: &str = "GET /payment-intents/{paymentIntentId}";
    let (emulator, platform) = cafes(&["soho", "camden"]).await;
    let once = RetryPolicy {
        max_attempts: 1,
        ..quick_retries()
    };
    platform
        .sites()
        .unwrap()
        .set_retry_policy(&id("soho"), Some(once))
        .unwrap();
    let soho = platform.location(&id("soho")).unwrap();
    let camden = platform.location(&id("camden")).unwrap();
    assert_eq!(soho.retry_policy().max_attempts, 1);
    assert_eq!(camden.retry_policy().max_attempts, 3);
    let at_soho = soho
        .payment_intents()
        .create(gbp(100), "a")
        .send()
        .await
        .unwrap();
    let at_camden = camden
        .payment_intents()
        .create(gbp(100), "b")
        .send()
        .await
        .unwrap();

    emulator.inject_fault(GET, Fault::fail(503), 1).unwrap();
    let gets = calls(&emulator, GET);
    soho.payment_intents()
        .get(at_soho.id.as_ref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(calls(&emulator, GET) - gets, 1, "Soho: one attempt");

    emulator.inject_fault(GET, Fault::fail(503), 1).unwrap();
    let gets = calls(&emulator, GET);
    camden
        .payment_intents()
        .get(at_camden.id.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(calls(&emulator, GET) - gets, 2, "Camden: retried");

    let too_patient = RetryPolicy {
        deadline: Duration::from_secs(3600),
        ..quick_retries()
    };
    assert!(matches!(
        platform
            .sites()
            .unwrap()
            .set_retry_policy(&id("camden"), Some(too_patient)),
        Err(SiteError::DeadlineLonger { .. })
    ));
}

/// Each call's `dojo.call` span names the location it was made for.
#[tokio::test]
async fn the_call_span_names_its_location() {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (_emulator, platform) = cafes(&["soho"]).await;
    let soho = platform.location(&id("soho")).unwrap();
    soho.payment_intents()
        .create(gbp(640), "Two flat whites")
        .send()
        .await
        .unwrap();
    let printed = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        printed
            .lines()
            .any(|line| line.contains("dojo.call{") && line.contains("location=\"soho\"")),
        "{printed}"
    );
}
