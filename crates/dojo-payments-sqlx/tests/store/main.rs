//! The SQL stores' tests, one binary (each test binary is a link of the
//! SDK, the emulator and sqlx): what a journal on PostgreSQL or SQLite
//! keeps, and what it refuses to lose. Each module says what it holds.

mod common;
mod concurrent_writes;
mod entry_durability;
mod outcome_visible;
mod outsider_store_attacks;
mod outsider_store_clock_sqlite;
mod outsider_turns;
mod outsider_turns_busy;
mod outsider_turns_final;
