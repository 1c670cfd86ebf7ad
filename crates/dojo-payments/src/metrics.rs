//! Counters per location, through the [`metrics`](https://docs.rs/metrics)
//! facade, behind the `metrics` feature (off by default; without it these
//! are no-ops). Install any recorder (Prometheus, OpenTelemetry, …) in your
//! binary; with none installed they cost a load and a branch.
//!
//! | counter | labels | counts |
//! | --- | --- | --- |
//! | `dojo_calls_total` | `location`, `operation`, `outcome` (`ok` or `error`) | calls sent (a call refused before sending is not counted) |
//! | `dojo_retries_total` | `location`, `operation` | attempts sent again |
//! | `dojo_ambiguous_total` | `location`, `operation` | calls ended without knowing whether they took effect ([`crate::Delivery::MaybeApplied`]) |
//!
//! `location` is the name given to the key, never the key; `operation` is
//! Dojo's operation id.

use dojo_payments_types::LocationId;

use crate::Error;

/// A sent call ended: `error` when it failed.
#[cfg(feature = "metrics")]
pub(crate) fn call_ended(location: &LocationId, operation: &'static str, error: Option<&Error>) {
    let location = location.as_str().to_owned();
    let outcome = if error.is_some() { "error" } else { "ok" };
    metrics::counter!(
        "dojo_calls_total",
        "location" => location.clone(),
        "operation" => operation,
        "outcome" => outcome,
    )
    .increment(1);
    if error.is_some_and(|e| e.delivery() == crate::Delivery::MaybeApplied) {
        metrics::counter!(
            "dojo_ambiguous_total",
            "location" => location,
            "operation" => operation,
        )
        .increment(1);
    }
}

/// An attempt of a call is sent again.
#[cfg(feature = "metrics")]
pub(crate) fn retried(location: &LocationId, operation: &'static str) {
    metrics::counter!(
        "dojo_retries_total",
        "location" => location.as_str().to_owned(),
        "operation" => operation,
    )
    .increment(1);
}

/// A sent call ended (no-op: the `metrics` feature is off).
#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn call_ended(_: &LocationId, _: &'static str, _: Option<&Error>) {}

/// An attempt is sent again (no-op: the `metrics` feature is off).
#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn retried(_: &LocationId, _: &'static str) {}
