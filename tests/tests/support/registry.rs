//! Every component schema of Dojo's document, by name, to its Rust type:
//! one list, for the example round trips and the decoder property test.

use std::collections::BTreeMap;

use dojo_payments_api::api::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes a value as one type (and re-encodes it); an error is a refusal.
pub type Decoder = fn(&Value) -> Result<Value, String>;

/// Decodes as `T`, re-encodes, and checks the re-encoding decodes to the same.
pub fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let encoded = serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
    let again: T = serde_json::from_value(encoded.clone()).map_err(|e| e.to_string())?;
    if again != decoded {
        return Err(format!(
            "re-encoding changed the value: {decoded:?} → {again:?}"
        ));
    }
    Ok(encoded)
}

macro_rules! registry {
    ($($name:literal => $ty:ty,)*) => {
        BTreeMap::from([$(($name, round_trip::<$ty> as Decoder)),*])
    };
}

/// Every component schema of the document, by name, to its Rust type.
pub fn named_types() -> BTreeMap<&'static str, Decoder> {
    registry! {
        "CaptureMode" => types::CaptureMode,
        "Money" => dojo_payments_types::Money,
        "Customer" => types::Customer,
        "PaymentCustomerDetails" => types::PaymentCustomerDetails,
        "Address" => types::Address,
        "ShippingDetails" => types::ShippingDetails,
        "CardHolderNotPresent" => types::CardHolderNotPresent,
        "PaymentIntentConfigCustomerEmail" => types::PaymentIntentConfigCustomerEmail,
        "PaymentIntentConfigDetails" => types::PaymentIntentConfigDetails,
        "PaymentIntentConfigBillingAddress" => types::PaymentIntentConfigBillingAddress,
        "PaymentIntentConfigShippingDetails" => types::PaymentIntentConfigShippingDetails,
        "PaymentConfigDetails" => types::PaymentConfigDetails,
        "PaymentIntentConfigRequest" => types::PaymentIntentConfigRequest,
        "RequestSecurity" => types::RequestSecurity,
        "Modifier" => types::Modifier,
        "ItemLine" => types::ItemLine,
        "TaxLine" => types::TaxLine,
        "PaymentMethod" => types::PaymentMethod,
        "ActionType" => types::ActionType,
        "ActionLink" => types::ActionLink,
        "AutoExpireAction" => types::AutoExpireAction,
        "OrderDetails" => types::OrderDetails,
        "CreatePaymentIntentRequest" => types::CreatePaymentIntentRequest,
        "CardFundingType" => types::CardFundingType,
        "TerminalSessionPaymentEntryMode" => types::TerminalSessionPaymentEntryMode,
        "TerminalSessionPaymentVerificationMode" => types::TerminalSessionPaymentVerificationMode,
        "Card" => types::Card,
        "PaymentDetails" => types::PaymentDetails,
        "PaymentIntentStatus" => types::PaymentIntentStatus,
        "CardScheme" => types::CardScheme,
        "WalletPaymentOption" => types::WalletPaymentOption,
        "SupportedPaymentMethods" => types::SupportedPaymentMethods,
        "MerchantConfig" => types::MerchantConfig,
        "PaymentIntentConfigResponse" => types::PaymentIntentConfigResponse,
        "TerminalSessionStatus" => types::TerminalSessionStatus,
        "TerminalSessionNotificationType" => types::TerminalSessionNotificationType,
        "TerminalSessionNotification" => types::TerminalSessionNotification,
        "TerminalSessionStatusEvent" => types::TerminalSessionStatusEvent,
        "TerminalSessionUnlinkedRefundDetails" => types::TerminalSessionUnlinkedRefundDetails,
        "TerminalSessionMatchedRefundDetails" => types::TerminalSessionMatchedRefundDetails,
        "TerminalSessionSaleDetails" => types::TerminalSessionSaleDetails,
        "TerminalSessionType" => types::TerminalSessionType,
        "TerminalSessionDetails" => types::TerminalSessionDetails,
        "TerminalSessionResponse" => types::TerminalSessionResponse,
        "TerminalSessionPaymentResponse" => types::TerminalSessionPaymentResponse,
        "TerminalSessionHistoryResponse" => types::TerminalSessionHistoryResponse,
        "CaptureStatus" => types::CaptureStatus,
        "CaptureDetails" => types::CaptureDetails,
        "PaymentIntent" => types::PaymentIntent,
        "ProblemDetails" => types::ProblemDetails,
        "CreateCaptureRequest" => types::CreateCaptureRequest,
        "Capture" => types::Capture,
        "ChargeResponse" => types::ChargeResponse,
        "Cursor" => types::Cursor,
        "SearchPaymentIntentRequest" => types::SearchPaymentIntentRequest,
        "PagedResultOfPaymentIntent" => types::PagedResultOfPaymentIntent,
        "PagedPaymentIntent" => types::PagedPaymentIntent,
        "SetTipsAmountRequest" => types::SetTipsAmountRequest,
        "SetAmountRequest" => types::SetAmountRequest,
        "SendEmailReceiptRequest" => types::SendEmailReceiptRequest,
        "CreateRefundRequest" => types::CreateRefundRequest,
        "Refund" => types::Refund,
        "Reversal" => types::Reversal,
        "MerchantInitiatedTransactionType" => types::MerchantInitiatedTransactionType,
        "CreateSetupIntentRequest" => types::CreateSetupIntentRequest,
        "SetupIntentStatus" => types::SetupIntentStatus,
        "SetupIntentPublicResponse" => types::SetupIntentPublicResponse,
        "paymentEventType" => types::PaymentEventType,
        "PaymentStatusResponse" => types::PaymentStatusResponse,
        "SetupIntentResponse" => types::SetupIntentResponse,
        "WebhookEvents" => types::WebhookEvents,
        "ErrorResponse" => types::ErrorResponse,
        "SubscriptionSecret" => types::SubscriptionSecret,
        "Subscription" => types::Subscription,
        "SubscriptionRequest" => types::SubscriptionRequest,
        "SecretsResponse" => types::SecretsResponse,
        "SubscriptionUpdateRequest" => types::SubscriptionUpdateRequest,
        "CreateCustomerRequest" => types::CreateCustomerRequest,
        "CustomerFull" => types::CustomerFull,
        "UpdateCustomerRequest" => types::UpdateCustomerRequest,
        "CustomerSecret" => types::CustomerSecret,
        "CardDetails" => types::CardDetails,
        "CustomerPaymentMethod" => types::CustomerPaymentMethod,
        "CustomerPaymentMethods" => types::CustomerPaymentMethods,
        "SearchCustomerRequest" => types::SearchCustomerRequest,
        "PagedResultOfCustomer" => types::PagedResultOfCustomer,
        "TerminalStatus" => types::TerminalStatus,
        "TerminalProperties" => types::TerminalProperties,
        "Terminal" => types::Terminal,
        "ErrorCode" => types::ErrorCode,
        "Error" => types::Error,
        "CreateTerminalSessionRequest" => types::CreateTerminalSessionRequest,
        "TerminalSessionNotificationEvent" => types::TerminalSessionNotificationEvent,
        "TerminalSessionReceiptLineType" => types::TerminalSessionReceiptLineType,
        "TerminalSessionReceiptTextSize" => types::TerminalSessionReceiptTextSize,
        "TerminalSessionReceiptAlign" => types::TerminalSessionReceiptAlign,
        "TerminalSessionReceiptText" => types::TerminalSessionReceiptText,
        "TerminalSessionReceiptImageLogo" => types::TerminalSessionReceiptImageLogo,
        "TerminalSessionReceiptLine" => types::TerminalSessionReceiptLine,
        "TerminalSessionReceipt" => types::TerminalSessionReceipt,
        "TerminalSession" => types::TerminalSession,
        "ProblemDetailsTerminals" => types::ProblemDetailsTerminals,
        "SignatureVerificationRequest" => types::SignatureVerificationRequest,
        "EventType" => types::EventType,
        "OrderEvent" => types::OrderEvent,
        "PartyEvent" => types::PartyEvent,
        "ReservationEvent" => types::ReservationEvent,
        "EventRequest" => types::EventRequest,
        "CapabilityResponse" => types::CapabilityResponse,
        "WsIntegrationResponse" => types::WsIntegrationResponse,
        "RestBasicAuthResponse" => types::RestBasicAuthResponse,
        "RestAuthResponse" => types::RestAuthResponse,
        "RestIntegrationResponse" => types::RestIntegrationResponse,
        "DojoManagedIntegrationResponse" => types::DojoManagedIntegrationResponse,
        "AllIntegrationsResponse" => types::AllIntegrationsResponse,
        "CapabilityName" => types::CapabilityName,
        "CapabilityRequest" => types::CapabilityRequest,
        "RestBasicAuthRequest" => types::RestBasicAuthRequest,
        "RestAuthRequest" => types::RestAuthRequest,
        "RestIntegrationRequest" => types::RestIntegrationRequest,
        "WsIntegrationRequest" => types::WsIntegrationRequest,
    }
}
