//! `cargo xtask`: the project's automation, kept out of users' builds.
//!
//! `regen` pulls Dojo's OpenAPI document ([`source`]), repairs its known
//! defects with named rules ([`repair`]), generates the raw client with
//! progenitor ([`generate`]), adjusts progenitor's output ([`tailor`]),
//! writes `Validate` impls from the document's constraints
//! ([`validation`]) the statuses it documents ([`statuses`]) and the operation table
//! ([`operations`]), formats it, and writes it into `crates/dojo-payments-api/src/generated/` with
//! `spec/dojo.lock` ([`lock`]), or checks that the committed code is current
//! ([`regen`]).

#![deny(missing_docs)]

pub mod generate;
pub mod lock;
pub mod operations;
pub mod regen;
pub mod repair;
pub mod source;
pub mod spec_dir;
pub mod statuses;
pub mod tailor;
pub mod validation;
