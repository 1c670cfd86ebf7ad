//! Many calls at once on one journal. SQLite lets one connection write a
//! file at a time: this journal's writes take turns in the process
//! (`src/write_turns.rs`) rather than meet at the file's lock and sleep in
//! SQLite's busy handler. Whatever order the turns come in, every call is
//! made once and every entry says so: sixteen refunds under names of their
//! own and sixteen callers of one name, all at once, their entries and
//! their outcomes written between each other's. On a SQLite file, and on
//! PostgreSQL when `DOJO_TEST_POSTGRES_URL` names a server.

use std::sync::Arc;
use std::time::Instant;

use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, Journal, JournalStore};
use dojo_payments_emulator::Emulator;
use dojo_payments_sqlx::SqlJournal;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_at_once_on_one_journal_are_each_made_once_and_recorded() {
    for url in databases("concurrent_writes").await {
        let emulator = Emulator::start().await.unwrap();
        let dojo = client(&emulator);
        let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
        let journal = Arc::new(Journal::new(
            SqlJournal::connect(&url).await.unwrap(),
            &dojo,
        ));
        let names: Vec<String> = (0..16)
            .map(|n| format!("order-1/refund-{n}"))
            .chain((0..16).map(|_| "order-1/refund-shared".to_owned()))
            .collect();
        let started = Instant::now();
        let calls: Vec<_> = names
            .iter()
            .map(|name| {
                let (journal, dojo, read, name) = (
                    Arc::clone(&journal),
                    dojo.clone(),
                    read.clone(),
                    name.clone(),
                );
                tokio::spawn(async move { journal.refund(&dojo, &name, &read, gbp(10)).await })
            })
            .collect();
        for (name, call) in names.iter().zip(calls) {
            let state = call.await.unwrap();
            assert!(
                matches!(state, Ok(EntryState::Applied { .. })),
                "{url}: {name}: {state:?}"
            );
        }
        eprintln!(
            "{url}: 32 journaled refunds at once in {:?}",
            started.elapsed()
        );
        journal.flush().await;

        // The oracle: one refund per name, no more.
        assert_eq!(emulator.refund_count(&id), 17, "{url}");
        let refunded = emulator.payment_intent(&id).unwrap().refunded_amount;
        assert_eq!(refunded, Some(170), "{url}");
        for name in names.iter().take(17) {
            let entry = journal
                .store()
                .entry(dojo.location_id(), name)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{url}: {name} has no entry"));
            assert!(
                matches!(entry.state, EntryState::Applied { .. }),
                "{url}: {name}: {entry:?}"
            );
        }
        journal.store().pool().close().await;
    }
}
