//! An order and the states it moves through, as the shop records them.

use dojo_payments::api_types::PaymentIntentStatus;
use dojo_payments::types::{Currency, Money, PaymentIntentId};

/// What an order is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    /// Bought in the shop, paid at Dojo's checkout.
    Purchase,
    /// Taken on the phone by staff, the card tokenized and charged.
    Phone,
    /// A booking's no-show fee, charged to the card the customer authorized.
    NoShowFee,
    /// Sold at the counter: paid on a card terminal, started by staff at
    /// the till.
    Counter,
}

impl OrderKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Purchase => "purchase",
            Self::Phone => "phone",
            Self::NoShowFee => "no_show_fee",
            Self::Counter => "counter",
        }
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Purchase, Self::Phone, Self::NoShowFee, Self::Counter]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// Where an order's payment stands, as Dojo's webhooks told the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Waiting for the customer to pay, or for Dojo's word that they did.
    Pending,
    /// The card was authorized; the money is captured later (manual
    /// capture).
    Authorized,
    /// Paid (captured, in full or in part).
    Paid,
    /// Refunded, in full or in part.
    Refunded,
    /// The authorization was reversed.
    Reversed,
    /// Canceled before it was paid.
    Canceled,
}

impl OrderStatus {
    const ALL: [Self; 6] = [
        Self::Pending,
        Self::Authorized,
        Self::Paid,
        Self::Refunded,
        Self::Reversed,
        Self::Canceled,
    ];

    /// The status a payment intent's status means for its order; `None`
    /// for one Dojo added after this shop was written.
    pub fn of(status: &PaymentIntentStatus) -> Option<Self> {
        Some(match status {
            PaymentIntentStatus::Created => Self::Pending,
            PaymentIntentStatus::Authorized => Self::Authorized,
            PaymentIntentStatus::Captured => Self::Paid,
            PaymentIntentStatus::Refunded => Self::Refunded,
            PaymentIntentStatus::Reversed => Self::Reversed,
            PaymentIntentStatus::Canceled => Self::Canceled,
        })
    }

    /// How far along the lifecycle this is. Webhook events may arrive out
    /// of order; an order never moves back to a lower rank.
    pub fn rank(self) -> i64 {
        match self {
            Self::Pending => 0,
            Self::Authorized => 1,
            Self::Paid => 2,
            Self::Refunded | Self::Reversed | Self::Canceled => 3,
        }
    }

    /// The name stored in the database and shown on pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Authorized => "Authorized",
            Self::Paid => "Paid",
            Self::Refunded => "Refunded",
            Self::Reversed => "Reversed",
            Self::Canceled => "Canceled",
        }
    }

    /// The status stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// An order, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// The shop's id (`ord_…`), also the payment intent's reference.
    pub id: String,
    /// What it is for.
    pub kind: OrderKind,
    /// The payment intent's reference (the order id; the booking id for a
    /// no-show fee, since Dojo's charge reuses the setup intent's).
    pub reference: String,
    /// The customer's email.
    pub email: String,
    /// What was bought.
    pub description: String,
    /// The price.
    pub amount: Money,
    /// Whether the money is captured at payment or later by the admin.
    pub manual_capture: bool,
    /// The payment intent, once created.
    pub payment_intent_id: Option<PaymentIntentId>,
    /// Where the payment stands.
    pub status: OrderStatus,
    /// Captured so far.
    pub captured: Money,
    /// Refunded so far.
    pub refunded: Money,
    /// Whose it is (`account:…`, `guest:…`).
    pub owner: String,
}

impl Order {
    /// What may still be captured (a manual order, authorized or partly
    /// captured).
    pub fn capturable(&self) -> Option<Money> {
        let open = matches!(self.status, OrderStatus::Authorized | OrderStatus::Paid);
        let rest = self.amount.checked_sub(self.captured).ok()?;
        (self.manual_capture && open && rest.minor_units() > 0).then_some(rest)
    }

    /// What may still be refunded (captured and not yet refunded).
    pub fn refundable(&self) -> Option<Money> {
        let rest = self.captured.checked_sub(self.refunded).ok()?;
        (rest.minor_units() > 0).then_some(rest)
    }

    /// Where the order stands, in the customer's words: *Partly refunded*
    /// while less than was captured has gone back (Dojo's status is
    /// `Refunded` after any refund), *Partly captured* while a manual
    /// order's capture is short of its amount; else the status's name.
    pub fn status_words(&self) -> &'static str {
        let captured = self.captured.minor_units();
        let refunded = self.refunded.minor_units();
        let paid = matches!(self.status, OrderStatus::Paid | OrderStatus::Refunded);
        match self.status {
            _ if paid && refunded > 0 && refunded < captured => "Partly refunded",
            _ if paid && refunded > 0 => "Refunded",
            OrderStatus::Paid if self.manual_capture && captured < self.amount.minor_units() => {
                "Partly captured"
            }
            status => status.as_str(),
        }
    }

    /// The currency of the order's amounts.
    pub fn currency(&self) -> Currency {
        self.amount.currency()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        for kind in [
            OrderKind::Purchase,
            OrderKind::Phone,
            OrderKind::NoShowFee,
            OrderKind::Counter,
        ] {
            assert_eq!(OrderKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OrderStatus::parse("Paid?"), None);
    }

    fn order(status: OrderStatus, amount: i64, captured: i64, refunded: i64) -> Order {
        let gbp = |minor| Money::new(minor, Currency::GBP);
        Order {
            id: "ord_1".into(),
            kind: OrderKind::Purchase,
            reference: "ord_1".into(),
            email: "ada@example.com".into(),
            description: "Tea".into(),
            amount: gbp(amount),
            manual_capture: true,
            payment_intent_id: None,
            status,
            captured: gbp(captured),
            refunded: gbp(refunded),
            owner: "guest:x".into(),
        }
    }

    #[test]
    fn a_part_refunded_or_captured_says_so() {
        use OrderStatus::*;
        let words =
            |status, captured, refunded| order(status, 8000, captured, refunded).status_words();
        assert_eq!(words(Refunded, 8000, 50), "Partly refunded");
        assert_eq!(words(Paid, 8000, 50), "Partly refunded");
        assert_eq!(words(Refunded, 8000, 8000), "Refunded");
        assert_eq!(words(Refunded, 3000, 3000), "Refunded");
        assert_eq!(words(Paid, 3000, 0), "Partly captured");
        assert_eq!(words(Paid, 8000, 0), "Paid");
        assert_eq!(words(Pending, 0, 0), "Pending");
    }

    #[test]
    fn a_later_status_outranks_an_earlier_one() {
        assert!(OrderStatus::Paid.rank() > OrderStatus::Authorized.rank());
        assert!(OrderStatus::Refunded.rank() > OrderStatus::Paid.rank());
        assert!(OrderStatus::Authorized.rank() > OrderStatus::Pending.rank());
    }
}
