//! A payment intent on the wire: the record rendered as Dojo answers with
//! it, and the parts payment and setup intents share (`merchantConfig`,
//! `config`, `paymentDetails`). No state changes here.

use dojo_payments_api::api::types;
use dojo_payments_types::{ClientSessionSecret, Money, Open, Timestamp};

use super::{Payment, PaymentIntentRecord};

impl PaymentIntentRecord {
    /// The payment intent as Dojo answers with it.
    pub fn render(&self, payment_link: String) -> types::PaymentIntent {
        let request = &self.request;
        let money = |minor: i64| Money::new(minor, self.amount.currency());
        let customer = request.customer.as_ref().map(|c| types::Customer {
            id: c.id.clone(),
            email_address: c.email_address.clone(),
            phone_number: c.phone_number.clone(),
            extra: Default::default(),
        });
        types::PaymentIntent {
            id: Some(self.id.clone()),
            capture_mode: Some(Open::Known(self.capture_mode)),
            status: Some(Open::Known(self.status)),
            amount: Some(self.amount),
            tips_amount: self.tips,
            requested_amount: Some(self.amount),
            total_amount: Some(money(self.total())),
            refunded_amount: Some(self.refunded),
            reference: Some(self.request.reference.clone()),
            description: request.description.clone(),
            client_session_secret: ClientSessionSecret::new(self.secret.value.clone()).ok(),
            client_session_secret_expiration_date: Some(Timestamp::new(self.secret.expires_at)),
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            expire_at: request
                .expire_at
                .or_else(|| Some(Timestamp::new(self.expire_at()))),
            customer,
            card_holder_not_present: Some(
                request
                    .card_holder_not_present
                    .as_ref()
                    .and_then(|c| c.0)
                    .unwrap_or(false),
            ),
            billing_address: request.billing_address.clone(),
            shipping_details: request.shipping_details.clone(),
            item_lines: Some(request.item_lines.clone().unwrap_or_default()),
            tax_lines: Some(request.tax_lines.clone().unwrap_or_default()),
            action_link: request.action_link.clone(),
            order_details: request.order_details.clone(),
            cashback_amount: request.cashback_amount,
            service_charge_amount: request.service_charge_amount,
            request_security: request.request_security.clone(),
            merchant_config: Some(merchant_config()),
            terminal_session_history: Some(Vec::new()),
            config: request.config.as_ref().and_then(config_answered),
            metadata: request.metadata.clone(),
            payment_methods: request
                .payment_methods
                .clone()
                .or_else(|| Some(vec![types::PaymentMethod::Card.into()])),
            setup_intent_id: request.setup_intent_id.clone(),
            payment_link: Some(payment_link),
            captures: Some(
                self.captures
                    .iter()
                    .map(|c| types::CaptureDetails {
                        id: Some(c.id.clone()),
                        amount: Some(c.amount),
                        created_at: Some(Timestamp::new(c.at)),
                        status: Some(Open::Known(types::CaptureStatus::Successful)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            payment_details: self.paid.as_ref().map(payment_details),
            ..Default::default()
        }
    }
}

/// The payment methods the emulated merchant takes, as Dojo's examples list
/// them: every card scheme the document names, and both wallets.
pub fn supported_payment_methods() -> types::SupportedPaymentMethods {
    use types::CardScheme as S;
    types::SupportedPaymentMethods {
        card_schemes: Some(
            [
                S::Visa,
                S::Mastercard,
                S::Maestro,
                S::Discover,
                S::Dci,
                S::Amex,
            ]
            .into_iter()
            .map(Open::Known)
            .collect(),
        ),
        wallets: Some(
            ["APPLE_PAY", "GOOGLE_PAY"]
                .into_iter()
                .map(|w| types::WalletPaymentOption(w.to_owned()))
                .collect(),
        ),
        extra: Default::default(),
    }
}

/// `merchantConfig`, as Dojo answers with it on payment and setup intents.
pub fn merchant_config() -> types::MerchantConfig {
    types::MerchantConfig {
        supported_payment_methods: Some(supported_payment_methods()),
        extra: Default::default(),
    }
}

/// The config as Dojo answers with it: the request's, in the response's
/// type (the document gives them one JSON shape under two names).
pub fn config_answered(
    config: &types::PaymentIntentConfigRequest,
) -> Option<types::PaymentIntentConfigResponse> {
    serde_json::from_value(serde_json::to_value(config).ok()?).ok()
}

/// What a payment looked like, as `paymentDetails`.
pub fn payment_details(payment: &Payment) -> types::PaymentDetails {
    types::PaymentDetails {
        transaction_id: Some(payment.transaction_id.clone()),
        transaction_date_time: Some(Timestamp::new(payment.at).to_string()),
        message: Some("Approved".into()),
        payment_method_id: payment.payment_method_id.clone(),
        auth_code: Some("EMU123".into()),
        card: Some(types::Card {
            card_number: Some(payment.card.masked()),
            expiry_date: Some(payment.card.expiry.to_string()),
            card_type: Some(payment.card.scheme().into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}
