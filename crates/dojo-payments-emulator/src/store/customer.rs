//! Customers, their short-lived secrets and their saved cards.

use chrono::{DateTime, Duration, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{CustomerId, PaymentMethodId, Timestamp};

use crate::cards::Card;

/// How long a customer secret works.
pub const SECRET_LIFETIME: Duration = Duration::minutes(15);

/// A card saved for a customer ("save card for future use").
#[derive(Debug, Clone)]
pub struct SavedCard {
    /// `pm_…`.
    pub id: PaymentMethodId,
    /// The card.
    pub card: Card,
}

/// A customer as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct CustomerRecord {
    /// `cust_sandbox_…`.
    pub id: CustomerId,
    /// The location account it belongs to (`acc_…`): set by the store
    /// when it is kept, from the caller's key.
    pub account: String,

    /// What was created or last updated.
    pub details: types::CreateCustomerRequest,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every update.
    pub version: i32,
    /// Saved cards, oldest first.
    pub saved_cards: Vec<SavedCard>,
    /// Secrets issued: (secret, expiry).
    pub secrets: Vec<(String, DateTime<Utc>)>,
}

impl CustomerRecord {
    /// A new customer with `details`.
    pub fn new(id: CustomerId, details: types::CreateCustomerRequest, now: DateTime<Utc>) -> Self {
        Self {
            id,
            account: String::new(),
            details,
            created_at: now,
            updated_at: now,
            version: 1,
            saved_cards: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Applies `update`: the fields it gives replace the ones kept.
    pub fn update(&mut self, update: types::UpdateCustomerRequest, now: DateTime<Utc>) {
        let d = &mut self.details;
        d.name = update.name.or(d.name.take());
        d.email_address = update.email_address.or(d.email_address.take());
        d.phone_number = update.phone_number.or(d.phone_number.take());
        d.vat_number = update.vat_number.or(d.vat_number.take());
        d.billing_address = update.billing_address.or(d.billing_address.take());
        d.shipping_address = update.shipping_address.or(d.shipping_address.take());
        self.updated_at = now;
        self.version = self.version.saturating_add(1);
    }

    /// Issues a new secret expiring after [`SECRET_LIFETIME`].
    pub fn issue_secret(&mut self, secret: String, now: DateTime<Utc>) -> types::CustomerSecret {
        let expires = now + SECRET_LIFETIME;
        self.secrets.push((secret.clone(), expires));
        types::CustomerSecret {
            secret: dojo_payments_types::CustomerSecret::new(secret).ok(),
            created_at: Some(Timestamp::new(now)),
            expire_at: Some(Timestamp::new(expires)),
            extra: Default::default(),
        }
    }

    /// Whether `secret` is one of this customer's, unexpired at `now`.
    pub fn accepts(&self, secret: &str, now: DateTime<Utc>) -> bool {
        self.secrets
            .iter()
            .any(|(s, expires)| s == secret && now <= *expires)
    }

    /// The customer as Dojo answers with it.
    pub fn render(&self) -> types::CustomerFull {
        let d = &self.details;
        types::CustomerFull {
            id: Some(self.id.clone()),
            name: d.name.clone(),
            email_address: d.email_address.clone(),
            phone_number: d.phone_number.clone(),
            vat_number: d.vat_number.clone(),
            billing_address: d.billing_address.clone(),
            shipping_address: d.shipping_address.clone(),
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            document_version: Some(self.version),
            extra: Default::default(),
        }
    }

    /// The saved cards, as `GET /customers/public/{id}/payment-methods`.
    pub fn render_payment_methods(&self) -> types::CustomerPaymentMethods {
        types::CustomerPaymentMethods {
            customer_id: Some(self.id.clone()),
            merchant_id: Some("771402011592305".into()),
            saved_payment_methods: Some(
                self.saved_cards
                    .iter()
                    .map(|saved| types::CustomerPaymentMethod {
                        id: Some(saved.id.clone()),
                        card_details: Some(types::CardDetails {
                            pan: Some(saved.card.masked()),
                            expiry_date: Some(last_day(&saved.card)),
                            scheme: saved.card.scheme().parse().ok(),
                            extra: Default::default(),
                        }),
                        extra: Default::default(),
                    })
                    .collect(),
            ),
            supported_payment_methods: Some(super::payment_intent::supported_payment_methods()),
            ..Default::default()
        }
    }
}

/// A saved card's expiry as Dojo writes it there: the month's last day.
fn last_day(card: &Card) -> String {
    let (month, year) = (
        u32::from(card.expiry.month()),
        i32::from(card.expiry.year()),
    );
    let next = if month == 12 {
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
