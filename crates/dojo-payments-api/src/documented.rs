//! What Dojo's document says each operation may answer: the generated
//! `api::DOCUMENTED_STATUSES` and `pci::DOCUMENTED_STATUSES`, written by
//! `cargo xtask regen` from the documents, looked up here.
//!
//! ```
//! let capture = dojo_payments_api::documented::operation("captures_create").unwrap();
//! assert_eq!(capture.route, "POST /payment-intents/{paymentIntentId}/captures");
//! let conflict = capture.status(409).unwrap();
//! assert_eq!(conflict.description, "Conflict");
//! assert!(capture.status(500).is_none(), "a 500 is not among its answers");
//! ```

/// One operation of a document and the statuses it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedOperation {
    /// The operation's id as the generated method is named
    /// (`captures_create`).
    pub operation: &'static str,
    /// Its method and path template, as the document writes them
    /// (`POST /payment-intents/{paymentIntentId}/captures`).
    pub route: &'static str,
    /// Every status the document lists for it, in the document's order.
    pub statuses: &'static [DocumentedStatus],
}

/// One status of an operation, as the document lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedStatus {
    /// The status.
    pub status: u16,
    /// The document's description of it (`Conflict`, `Not found`).
    pub description: &'static str,
}

impl DocumentedOperation {
    /// The document's entry for `status`, if it lists it.
    pub fn status(&self, status: u16) -> Option<&'static DocumentedStatus> {
        self.statuses.iter().find(|s| s.status == status)
    }
}

/// The operation named `operation` (a generated method's name) on either
/// host.
pub fn operation(operation: &str) -> Option<&'static DocumentedOperation> {
    crate::api::DOCUMENTED_STATUSES
        .iter()
        .chain(crate::pci::DOCUMENTED_STATUSES)
        .find(|o| o.operation == operation)
}
