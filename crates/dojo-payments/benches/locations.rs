//! What many locations cost: `cargo bench -p dojo-payments --bench locations`.
//!
//! A platform holds 10,000 location keys on one `Dojo`. Measured: the heap a
//! location costs on the client (built with 10,000 against built with one),
//! the heap and time a handle (`dojo.location(&id)`) costs, and the
//! connections opened when 10,000 calls go out 64 at a time, each on its own
//! location's handle, to the emulator (its `connections_accepted`: one pool,
//! so at most one connection per call in flight, not one per location).
//! Heap figures come from dhat's allocator, counting only while a profiler
//! runs. The bench prints each figure and its verdict, and fails on a
//! verdict that does not hold.

use std::time::Instant;

use dojo_payments::types::{ApiKey, Currency, LocationId, Money};
use dojo_payments::{Dojo, Location, Locations};
use dojo_payments_emulator::Emulator;
use futures_util::StreamExt;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const LOCATIONS: usize = 10_000;
const IN_FLIGHT: usize = 64;

fn location(i: usize) -> Location {
    let key = ApiKey::new(format!("sk_sandbox_cafe{i}_0123456789abcdef")).expect("a sandbox key");
    Location::new(format!("cafe-{i}").parse().expect("a name"), key)
}

/// Heap bytes live after `make` (with what it returns kept), and its value.
fn heap_after<T>(make: impl FnOnce() -> T) -> (T, u64) {
    let profiler = dhat::Profiler::builder().testing().build();
    let made = make();
    let live = dhat::HeapStats::get().curr_bytes as u64;
    drop(profiler);
    (made, live)
}

fn client(emulator: &Emulator, locations: Locations) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .locations(locations)
        .build()
        .expect("a client")
}

/// Creates a payment intent as each of `at`, [`IN_FLIGHT`] at a time: the
/// time taken, the calls that failed, and the connections the emulator
/// accepted meanwhile.
async fn creates<'a>(
    emulator: &Emulator,
    dojo: &Dojo,
    at: impl IntoIterator<Item = &'a LocationId>,
) -> (std::time::Duration, usize, u64) {
    let before = emulator.connections_accepted();
    let started = Instant::now();
    let calls = futures_util::stream::iter(at)
        .map(|id| {
            let here = dojo.location(id).expect("configured");
            async move {
                here.payment_intents()
                    .create(Money::new(250, Currency::GBP), "Espresso")
                    .send()
                    .await
                    .map(|_| ())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let failed = calls.iter().filter(|c| c.is_err()).count();
    (
        started.elapsed(),
        failed,
        emulator.connections_accepted() - before,
    )
}

#[tokio::main]
async fn main() {
    let mut emulator = Emulator::builder();
    let all: Vec<Location> = (0..LOCATIONS).map(location).collect();
    for l in &all {
        emulator = emulator.location(l.id.clone(), l.key.clone());
    }
    let emulator = emulator.start().await.expect("the emulator");
    let ids: Vec<LocationId> = all.iter().map(|l| l.id.clone()).collect();
    let mut one = Locations::default();
    one.insert(all[0].clone());
    let many: Locations = all.into_iter().collect();
    let fresh = || client(&emulator, many.clone());

    // The client's heap, warmed once (reqwest's TLS roots, the first time
    // anything builds them, would count against the first client).
    drop(client(&emulator, one.clone()));
    let (small, small_bytes) = heap_after(|| client(&emulator, one));
    drop(small);
    let (dojo, many_bytes) = heap_after(fresh);
    let per_location = many_bytes.saturating_sub(small_bytes) / (LOCATIONS as u64 - 1);

    let (handles, handle_bytes) = heap_after(|| {
        ids.iter()
            .map(|id| dojo.location(id).expect("configured"))
            .collect::<Vec<_>>()
    });
    let vec_bytes = (handles.capacity() * size_of::<Dojo>()) as u64;
    let per_handle_heap = handle_bytes.saturating_sub(vec_bytes) / LOCATIONS as u64;
    drop(handles);
    let started = Instant::now();
    for id in &ids {
        std::hint::black_box(dojo.location(std::hint::black_box(id)).expect("configured"));
    }
    let per_handle_ns = started.elapsed().as_nanos() / LOCATIONS as u128;

    // The calls each on its own location's handle, then the same calls on
    // one key, each on a client of its own (a cold pool): what locations
    // add to the connections opened.
    let (elapsed, failed, opened) = creates(&emulator, &dojo, &ids).await;
    let per_account_ok = emulator
        .requests_by_account()
        .iter()
        .filter_map(|(_, account)| account.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let default = LocationId::default();
    let (_, _, one_key) = creates(
        &emulator,
        &fresh(),
        std::iter::repeat_n(&default, LOCATIONS),
    )
    .await;

    println!("{LOCATIONS} locations on one client:");
    println!("  client heap: {small_bytes} B with 1 location, {many_bytes} B with {LOCATIONS}");
    println!("  per location: {per_location} B (its key, its name, its four generated clients)");
    println!(
        "  per handle: {} B on the stack (two Arcs), {per_handle_heap} B of heap, {per_handle_ns} ns",
        size_of::<Dojo>()
    );
    println!(
        "  {LOCATIONS} creates, {IN_FLIGHT} in flight, one per location: {elapsed:.2?}, {failed} failed, \
         {per_account_ok} accounts seen, {opened} connections opened ({one_key} for the same calls on one key)"
    );
    let verdicts = [
        ("a handle allocates nothing", per_handle_heap == 0),
        ("a location costs under 8 KiB", per_location < 8 * 1024),
        ("every call answered", failed == 0),
        (
            "each call carried its own location's key",
            per_account_ok >= LOCATIONS,
        ),
        (
            "one pool: connections scale with calls in flight, not locations",
            opened <= 2 * IN_FLIGHT as u64 && opened <= 2 * one_key.max(IN_FLIGHT as u64),
        ),
    ];
    let mut held = true;
    for (verdict, holds) in verdicts {
        println!("  {} {verdict}", if holds { "✓" } else { "✗" });
        held &= holds;
    }
    assert!(held, "a verdict does not hold");
}
