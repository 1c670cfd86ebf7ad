//! Many locations on one client: a handle calls with its own location's key
//! (the emulator's request log is the oracle), on the one pool; an unknown
//! location is a typed error; a journal entry whose location is no longer
//! configured stays open, saying so, and is settled once it is.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::Movement;
use dojo_payments::journal::{Before, Entry, EntryState, InMemoryJournal, Journal, JournalStore};
use dojo_payments::lifecycle::Captured;
use dojo_payments::types::{ApiKey, LocationId};
use dojo_payments::{Dojo, Error, Location, Locations, UnknownLocation};
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
        UnknownLocation(id("leeds"))
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
    for (location, payment) in &walk.events {
        let (cafe, _) = walk
            .payments
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
