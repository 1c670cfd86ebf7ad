//! `cargo xtask`: the project's automation, kept out of users' builds.
//!
//! `regen` pulls Dojo's OpenAPI document, repairs its known defects with named
//! [`repair`] rules, generates the raw client with progenitor, formats it and
//! writes it into `crates/dojo-api/src/generated/`.

pub mod generate;
pub mod source;
pub mod repair;
