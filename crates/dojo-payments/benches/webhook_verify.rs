//! What verifying a webhook costs over a bare HMAC-SHA256 of the same 2 KB
//! body: `cargo bench -p dojo-payments --bench webhook_verify`.
//!
//! Both are timed in interleaved rounds (A B A B …, so drift in the
//! machine's speed hits both alike); the bench prints each one's median per
//! call and the ratio of medians. The goal is ≤ 1.2×.

use std::hint::black_box;
use std::time::Instant;

use dojo_payments::types::{WebhookSecret, WebhookSignature};
use dojo_payments::webhook::Verifier;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const ROUNDS: usize = 41;
const CALLS_PER_ROUND: u32 = 2_000;

fn body() -> Vec<u8> {
    let mut body = br#"{"id":"evt_bench","event":"payment_intent.status_updated","accountId":"acc_1","createdAt":"2026-03-02T10:00:00Z","data":{"paymentIntentId":"pi_sandbox_bench","paymentStatus":"Captured","captureMode":"Auto","note":""#.to_vec();
    body.resize(2048 - 3, b'x');
    body.extend_from_slice(br#""}}"#);
    body
}

fn nanos_per_call(mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..CALLS_PER_ROUND {
        f();
    }
    started.elapsed().as_nanos() as f64 / f64::from(CALLS_PER_ROUND)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let body = body();
    assert_eq!(body.len(), 2048);
    let key = "whsec_bench_secret_0123456789";
    let secret = WebhookSecret::new(key).unwrap();
    let header = WebhookSignature::sign(&secret, &body).to_string();
    let verifier = Verifier::new([secret]);
    let expected = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .unwrap()
        .chain_update(&body)
        .finalize()
        .into_bytes();

    let bare = || {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(black_box(&body));
        black_box(mac.verify_slice(&expected).is_ok());
    };
    let sdk = || {
        black_box(
            verifier
                .verify_signature(Some(black_box(&header)), black_box(&body))
                .is_ok(),
        );
    };
    let sdk_decode = || {
        black_box(
            verifier
                .verify(Some(black_box(&header)), black_box(&body))
                .is_ok(),
        );
    };
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(nanos_per_call(bare));
        b.push(nanos_per_call(sdk));
        c.push(nanos_per_call(sdk_decode));
    }
    let (a, b, c) = (median(a), median(b), median(c));
    println!("2 KB body, {ROUNDS} interleaved rounds of {CALLS_PER_ROUND} calls, medians:");
    println!("  bare HMAC-SHA256 + constant-time compare   {a:>8.0} ns");
    println!(
        "  Verifier::verify_signature (header parse)  {b:>8.0} ns   ratio {:.3}",
        b / a
    );
    println!(
        "  Verifier::verify (and decode the event)    {c:>8.0} ns   ratio {:.3}",
        c / a
    );
}
