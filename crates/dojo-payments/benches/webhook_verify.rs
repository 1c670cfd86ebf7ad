//! What verifying a webhook costs, and whether it grows with the number of
//! locations: `cargo bench -p dojo-payments --bench webhook_verify`
//! (add `-- --quick` on a busy machine).
//!
//! Two bodies: Dojo's documented event (233 bytes, the size Dojo sends) and
//! the same padded to 2 KB. For each, criterion times
//! - `hmac`: a bare HMAC-SHA256 and constant-time compare, the floor;
//! - `signature/N` and `verify/N`: `Verifier::verify_signature` and
//!   `Verifier::verify` (the event decoded too) of an honest delivery, with
//!   N = 1, 100, 1,000 and 10,000 locations trusted (each its own account
//!   and secret; the event names one in the middle);
//! - `forged_known/10000`: a delivery naming a location's account, signed
//!   with another secret; `forged_unknown/10000`: one naming an account no
//!   location holds.
//!
//! Then it times every case again in interleaved rounds (A B C … A B C …,
//! so drift in a shared machine's speed hits all alike), prints both
//! medians, and takes the verdicts from the interleaved ones: each N within
//! 1.2× of one location, and a forged delivery no dearer than one
//! location's honest check (`signature/1`, within 1.1× for noise); and, for
//! information, `signature/1` against the bare HMAC. A verdict that does
//! not hold fails the bench.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use dojo_payments::types::{AccountId, LocationId, WebhookSecret, WebhookSignature};
use dojo_payments::webhook::Verifier;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const SITES: [usize; 4] = [1, 100, 1_000, 10_000];
/// The interleaved rounds the verdicts are taken from.
const ROUNDS: usize = 31;
const CALLS_PER_ROUND: u32 = 1_000;
/// The verdicts' bound: N locations against one.
const GOAL: f64 = 1.2;
/// Of the forged deliveries against one location's honest check: the same
/// work (the account read, one HMAC) or less, with room for the noise of a
/// shared machine.
const FORGED_GOAL: f64 = 1.1;

/// Dojo's documented event, naming `account`.
fn body(account: &str, size: Option<usize>) -> Vec<u8> {
    let mut body = format!(
        r#"{{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"{account}","createdAt":"2022-02-01T13:07:41.8667859Z","data":{{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto""#
    )
    .into_bytes();
    if let Some(size) = size {
        body.extend_from_slice(br#","note":""#);
        body.resize(size - 3, b'x');
        body.extend_from_slice(br#""}}"#);
        assert_eq!(body.len(), size);
    } else {
        body.extend_from_slice(b"}}");
    }
    body
}

fn account(i: usize) -> String {
    format!("acc_cafe_{i:05}")
}

fn secret(i: usize) -> WebhookSecret {
    WebhookSecret::new(format!("whsec_cafe_{i:05}_PDYkJQq6sESYHp_zJuTTBQ")).expect("a secret")
}

/// A verifier trusting `n` locations, each its own account and secret.
fn verifier(n: usize) -> Verifier {
    let verifier = Verifier::default();
    for i in 0..n {
        let location: LocationId = format!("cafe-{i}").parse().expect("a name");
        verifier
            .trust_at(
                &location,
                &AccountId::new(account(i)).expect("an id"),
                secret(i),
            )
            .expect("each account once");
    }
    verifier
}

/// One timed case: its criterion id and the call.
type Case<'a> = (String, Box<dyn Fn() + 'a>);

/// What one body's cases need: a verifier per number of locations, each
/// with an honest delivery, and two forged ones at the largest.
struct Setup {
    key: WebhookSecret,
    first: Vec<u8>,
    expected: [u8; 32],
    sites: Vec<(usize, Verifier, Vec<u8>, String)>,
    forged_known: (Vec<u8>, String),
    forged_unknown: (Vec<u8>, String),
}

impl Setup {
    fn new(size: Option<usize>) -> Self {
        let key = secret(0);
        let first = body(&account(0), size);
        let expected = Hmac::<Sha256>::new_from_slice(key.expose().as_bytes())
            .expect("any key")
            .chain_update(&first)
            .finalize()
            .into_bytes()
            .into();
        let sites: Vec<_> = SITES
            .into_iter()
            .map(|n| {
                let verifier = verifier(n);
                let named = n / 2;
                let body = body(&account(named), size);
                let header = WebhookSignature::sign(&secret(named), &body).to_string();
                assert!(verifier.verify(Some(&header), &body).is_ok());
                (n, verifier, body, header)
            })
            .collect();
        let (_, largest, body, _) = sites.last().expect("sites");
        // Signed with a secret no location holds, naming a location's
        // account, then an account no location holds.
        let stranger = WebhookSecret::new("whsec_forger").expect("a secret");
        let forged = WebhookSignature::sign(&stranger, body).to_string();
        assert!(largest.verify(Some(&forged), body).is_err());
        let forged_known = (body.clone(), forged);
        let elsewhere = self::body("acc_nobody_here", size);
        let forged = WebhookSignature::sign(&stranger, &elsewhere).to_string();
        assert!(largest.verify(Some(&forged), &elsewhere).is_err());
        Self {
            key,
            first,
            expected,
            sites,
            forged_known,
            forged_unknown: (elsewhere, forged),
        }
    }

    fn cases(&self) -> Vec<Case<'_>> {
        let mut cases: Vec<Case<'_>> = vec![(
            "hmac".into(),
            Box::new(|| {
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(self.key.expose().as_bytes()).expect("any key");
                mac.update(black_box(&self.first));
                black_box(mac.verify_slice(&self.expected).is_ok());
            }),
        )];
        for (n, verifier, body, header) in &self.sites {
            cases.push((
                format!("signature/{n}"),
                Box::new(move || {
                    black_box(
                        verifier
                            .verify_signature(Some(black_box(header)), black_box(body))
                            .is_ok(),
                    );
                }),
            ));
            cases.push((
                format!("verify/{n}"),
                Box::new(move || {
                    black_box(
                        verifier
                            .verify(Some(black_box(header)), black_box(body))
                            .is_ok(),
                    );
                }),
            ));
        }
        let (n, largest, _, _) = self.sites.last().expect("sites");
        for (name, (body, header)) in [
            ("forged_known", &self.forged_known),
            ("forged_unknown", &self.forged_unknown),
        ] {
            cases.push((
                format!("{name}/{n}"),
                Box::new(move || {
                    black_box(
                        largest
                            .verify(Some(black_box(header)), black_box(body))
                            .is_err(),
                    );
                }),
            ));
        }
        cases
    }
}

fn bench(c: &mut Criterion, group: &str, cases: &[Case<'_>]) {
    let mut g = c.benchmark_group(group);
    for (id, call) in cases {
        // `signature/100` as criterion's function `signature`, input `100`:
        // its directory is then `signature/100`, where the verdicts read it.
        match id.split_once('/') {
            Some((function, input)) => {
                g.bench_function(BenchmarkId::new(function, input), |b| b.iter(call))
            }
            None => g.bench_function(id.as_str(), |b| b.iter(call)),
        };
    }
    g.finish();
}

/// Every case in interleaved rounds (A B C … A B C …, so that drift in a
/// shared machine's speed hits all alike): each one's median ns per call.
fn interleaved(cases: &[Case<'_>]) -> HashMap<String, f64> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..ROUNDS {
        for ((_, call), samples) in cases.iter().zip(&mut samples) {
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                call();
            }
            samples.push(started.elapsed().as_nanos() as f64 / f64::from(CALLS_PER_ROUND));
        }
    }
    cases
        .iter()
        .zip(samples)
        .map(|((id, _), mut samples)| {
            samples.sort_by(f64::total_cmp);
            (id.clone(), samples[samples.len() / 2])
        })
        .collect()
}

/// Criterion's median of `group/id`, in ns.
fn criterion_median(dir: &Path, group: &str, id: &str) -> Option<f64> {
    let path = dir.join(group).join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Prints each case's criterion median and interleaved median, and the
/// verdicts (on the interleaved medians); whether they all hold.
fn verdicts(dir: &Path, group: &str, medians: &HashMap<String, f64>) -> bool {
    let mut held = true;
    let criterion = |id: &str| {
        criterion_median(dir, group, id).map_or_else(|| "-".to_owned(), |ns| format!("{ns:.0}"))
    };
    println!(
        "\n{group}: ns per call, criterion's median | interleaved median ({ROUNDS} rounds of {CALLS_PER_ROUND})"
    );
    let mut line = |id: &str, base: Option<&str>, goal: Result<f64, &str>| {
        let value = medians[id];
        let mut text = format!("  {id:<22} {:>7} | {value:>7.0}", criterion(id));
        if let Some(base) = base {
            let ratio = value / medians[base];
            text.push_str(&format!("   {ratio:.3}× {base}"));
            match goal {
                Ok(goal) => {
                    let ok = ratio <= goal;
                    held &= ok;
                    let verdict = if ok { "met" } else { "NOT MET" };
                    text.push_str(&format!(" (≤ {goal}: {verdict})"));
                }
                Err(note) => text.push_str(&format!(" ({note}; no verdict)")),
            }
        }
        println!("{text}");
    };
    line("hmac", None, Err(""));
    line(
        "signature/1",
        Some("hmac"),
        Err("the header parsed, the account read"),
    );
    for kind in ["signature", "verify"] {
        for n in SITES.into_iter().skip(1) {
            line(&format!("{kind}/{n}"), Some(&format!("{kind}/1")), Ok(GOAL));
        }
    }
    line("verify/1", Some("signature/1"), Err("the event decoded"));
    let largest = SITES[SITES.len() - 1];
    for forged in ["forged_known", "forged_unknown"] {
        line(
            &format!("{forged}/{largest}"),
            Some("signature/1"),
            Ok(FORGED_GOAL),
        );
    }
    held
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("criterion-webhook-verify");
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let bodies = [("dojo_233B", None), ("padded_2KB", Some(2048))];
    let setups: Vec<_> = bodies
        .iter()
        .map(|(group, size)| (*group, Setup::new(*size)))
        .collect();
    for (group, setup) in &setups {
        bench(&mut criterion, group, &setup.cases());
    }
    criterion.final_summary();
    let mut held = true;
    for (group, setup) in &setups {
        let medians = interleaved(&setup.cases());
        held &= verdicts(&dir, group, &medians);
    }
    assert!(held, "a verdict does not hold");
}
