//! Workspace-level tests live in `tests/tests/`; this library holds what
//! several test crates share: the databases the durable-storage tests run
//! on ([`databases`]).

pub mod databases;
