//! Ids shaped like Dojo's (`pi_sandbox_` + 22 URL-safe characters), from a
//! seedable generator so that a seeded emulator hands out the same ids on
//! every run.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Makes ids and secrets.
#[derive(Debug)]
pub struct IdGenerator {
    rng: fastrand::Rng,
}

impl IdGenerator {
    /// Seeded: the same seed gives the same ids in the same order.
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// `prefix` + `sandbox_` + 22 characters (16 random bytes).
    pub fn id(&mut self, prefix: &str) -> String {
        format!("{prefix}_sandbox_{}", self.token(16))
    }

    /// URL-safe base64 of `bytes` random bytes.
    pub fn token(&mut self, bytes: usize) -> String {
        let raw: Vec<u8> = (0..bytes).map(|_| self.rng.u8(..)).collect();
        URL_SAFE_NO_PAD.encode(raw)
    }
}
