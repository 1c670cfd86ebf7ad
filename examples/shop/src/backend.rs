//! Which Dojo the shop talks to: the embedded emulator (the default, for a
//! run on this machine only), or Dojo itself when `DOJO_API_KEY` is set.

use std::sync::Arc;

use dojo_payments::{ConfigError, Dojo};
use dojo_payments_emulator::Emulator;

/// The Dojo the shop runs against.
pub enum Backend {
    /// The emulator on loopback: checkout pages, webhooks and all; shared
    /// when several shop instances run on one. It takes no money and its
    /// control API (`/_emulator/…`) is unauthenticated, so the shop runs on
    /// it only when it is served on this machine alone
    /// ([`crate::Options::local_run`]).
    Emulator(Arc<Emulator>),
    /// Dojo through a client built outside the shop: Dojo's sandbox or
    /// live API (`DOJO_API_KEY`, [`Backend::from_env`]), or an emulator
    /// running elsewhere. Webhooks reach the shop only at a public URL
    /// (`SHOP_PUBLIC_URL`).
    Dojo(Dojo),
}

impl Backend {
    /// Dojo with `DOJO_API_KEY` when it is set, else a new emulator.
    pub async fn from_env() -> Result<Self, crate::StartError> {
        if std::env::var_os("DOJO_API_KEY").is_some() {
            return Ok(Self::Dojo(Dojo::from_env()?));
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
            Self::Dojo(dojo) => Ok(dojo.clone()),
        }
    }

    /// Whether Dojo can deliver webhooks to a shop whose public URL is
    /// `url`: the emulator reaches any URL; Dojo only a public one, never
    /// this machine.
    pub fn delivers_to(&self, url: &crate::PublicUrl) -> bool {
        match self {
            Self::Emulator(_) => true,
            Self::Dojo(_) => !url.is_loopback(),
        }
    }

    /// The emulator, when the shop runs on one.
    pub fn emulator(&self) -> Option<&Emulator> {
        match self {
            Self::Emulator(emulator) => Some(emulator),
            Self::Dojo(_) => None,
        }
    }
}
