//! What a failed attempt proves about the money: one pure function,
//! [`classify`], table-tested beside [`crate::retry::decide`]
//! (`tests/proof_table.rs`), and used by every error ([`crate::Error::delivery`]),
//! every ambiguous money-moving call's settlement, and the journal.
//!
//! The rule: a request proves nothing happened only when it never left
//! ([`Delivery::NotSent`]), or when Dojo answered with a status its
//! document lists as a refusal of that operation ([`Delivery::Refused`]:
//! a 4xx of the operation's `responses`, read from the generated
//! [`dojo_payments_api::documented`] table, each with the document's own
//! words). Anything else — a 5xx, a 429, a 2xx whose body does not
//! decode, a status the document does not list, a body cut off, no answer
//! before the deadline — is [`Delivery::MaybeApplied`]: it is settled, never
//! taken for "nothing happened".
//!
//! ```
//! use dojo_payments::Delivery;
//! use dojo_payments::proof::classify;
//! use dojo_payments::retry::Attempt;
//!
//! // Dojo's document lists 409 Conflict among a capture's answers: a refusal.
//! assert_eq!(classify("captures_create", Attempt::Answered(409)), Delivery::Refused);
//! // A 500 is not among them: Dojo may have captured.
//! assert_eq!(classify("captures_create", Attempt::Answered(500)), Delivery::MaybeApplied);
//! // Nor is a 404 for a refund (the document lists 400 and 401).
//! assert_eq!(classify("refunds_create", Attempt::Answered(404)), Delivery::MaybeApplied);
//! assert_eq!(classify("captures_create", Attempt::NotSent), Delivery::NotSent);
//! ```

use dojo_payments_api::documented::{self, DocumentedStatus};

use crate::retry::Attempt;

/// What is known, after a call failed, of whether it took effect at Dojo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// It never left this process (refused before sending, or no
    /// connection was made): nothing can have happened, and sending it
    /// again is safe.
    NotSent,
    /// Dojo answered with a status its document lists as a refusal of the
    /// operation (a 4xx of its `responses`): nothing was done.
    Refused,
    /// It reached Dojo, and a read made once Dojo was done with it shows
    /// it did not take effect.
    NotApplied,
    /// It was sent, and nothing proves it did not take effect: settle it
    /// before acting again (a refund: send it again with the same key;
    /// anything else: read the payment intent once the call can no longer
    /// be in flight, as the journal does).
    MaybeApplied,
    /// It took effect (Dojo answered that it did, or a read shows it),
    /// though the call failed afterwards: do not send it again.
    Applied,
}

impl Delivery {
    /// Whether money certainly did not move: `NotSent`, `Refused` or
    /// `NotApplied`.
    pub fn moved_nothing(self) -> bool {
        matches!(self, Self::NotSent | Self::Refused | Self::NotApplied)
    }
}

/// What an attempt of `operation` (a generated method's name,
/// `captures_create`) that ended as `attempt` proves.
pub fn classify(operation: &str, attempt: Attempt) -> Delivery {
    match attempt {
        Attempt::NotSent => Delivery::NotSent,
        Attempt::Answered(status) if refusal(operation, status).is_some() => Delivery::Refused,
        Attempt::Answered(_) | Attempt::Unanswered => Delivery::MaybeApplied,
    }
}

/// The line of Dojo's document that makes `status` a refusal of
/// `operation`: a 4xx its `responses` list (`409 "Conflict"` for a
/// capture), or `None`.
pub fn refusal(operation: &str, status: u16) -> Option<&'static DocumentedStatus> {
    if !(400..500).contains(&status) {
        return None;
    }
    documented::operation(operation)?.status(status)
}

/// Whether an attempt that ended as `attempt` shows Dojo was done with the
/// request, so that a read made now shows all it will ever do: Dojo's
/// service answered (a status, but not a gateway's 502, 503 or 504, behind
/// which the service may still be working on it). After a cut connection
/// or a deadline, the request may still be in flight: a read now can show
/// that it took effect, never that it did not.
pub fn finished_at_dojo(attempt: Attempt) -> bool {
    matches!(attempt, Attempt::Answered(status) if !is_gateway(status))
}

/// Whether `status` is a gateway's answer (502, 503, 504): behind it,
/// Dojo's service may still be working on the request, and a later attempt
/// may meet it up. The one list of them: [`crate::retry`] retries them,
/// this module trusts no read made right after them.
pub fn is_gateway(status: u16) -> bool {
    matches!(status, 502..=504)
}
