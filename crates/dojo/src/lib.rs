//! The Dojo payments SDK for Rust.
//!
//! The ergonomic client (typed errors, safe retries, typestate lifecycles
//! such as `PaymentIntent<Authorized>::capture`, webhooks) is the next layer
//! on the roadmap and not written yet. Today this crate re-exports the two
//! layers it will stand on:
//!
//! - [`types`]: the domain (`Money`, `Currency`, ids, secrets), and
//! - [`raw`]: the generated client of every Dojo operation.
//!
//! ```
//! use dojo::types::{Currency, Money};
//! let amount = Money::parse_decimal("12.50", Currency::GBP)?;
//! assert_eq!(amount.minor_units(), 1250);
//! # Ok::<(), dojo::types::InvalidValue>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use dojo_api as raw;
pub use dojo_types as types;

/// The repository's README, compiled as a doctest so its example cannot
/// drift from the code.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
