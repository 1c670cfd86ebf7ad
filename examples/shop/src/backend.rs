//! Which Dojo the shop talks to: the embedded emulator (the default), or
//! Dojo's sandbox when `DOJO_API_KEY` is set.

use std::sync::Arc;

use dojo_payments::{ConfigError, Dojo};
use dojo_payments_emulator::Emulator;

/// The Dojo the shop runs against.
pub enum Backend {
    /// The emulator on loopback: checkout pages, webhooks and all; shared
    /// when several shop instances run on one.
    Emulator(Arc<Emulator>),
    /// Dojo's sandbox (`DOJO_API_KEY`). Webhooks reach the shop only at
    /// a public URL (`SHOP_PUBLIC_URL`).
    Sandbox,
}

impl Backend {
    /// The sandbox when `DOJO_API_KEY` is set, else a new emulator.
    pub async fn from_env() -> std::io::Result<Self> {
        if std::env::var_os("DOJO_API_KEY").is_some() {
            return Ok(Self::Sandbox);
        }
        Ok(Self::Emulator(Arc::new(Emulator::start().await?)))
    }

    /// A client of this Dojo.
    pub fn client(&self) -> Result<Dojo, ConfigError> {
        match self {
            Self::Emulator(emulator) => Dojo::builder(emulator.api_key())
                .endpoints(emulator.endpoints())
                .user_agent_suffix("dojo-shop")
                .build(),
            Self::Sandbox => Dojo::from_env(),
        }
    }

    /// Where Dojo delivers webhooks to a shop reachable at `url` (its own
    /// address, or the public one it was given): the emulator reaches any
    /// URL; the sandbox only a public one, never loopback.
    pub fn webhook_base<'a>(&self, url: &'a str) -> Option<&'a str> {
        let loopback = url.starts_with("http://127.") || url.starts_with("http://localhost");
        match self {
            Self::Emulator(_) => Some(url),
            Self::Sandbox => (!loopback).then_some(url),
        }
    }

    /// The emulator, when the shop runs on one.
    pub fn emulator(&self) -> Option<&Emulator> {
        match self {
            Self::Emulator(emulator) => Some(emulator),
            Self::Sandbox => None,
        }
    }
}
