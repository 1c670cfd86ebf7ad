//! "Is this answer what the document says?": the status is one the
//! operation lists (or a known document defect), the body is JSON valid
//! against that status's schema in the ORIGINAL document, and a status
//! with no content has no body. Shared by the conformance, defect and
//! property tests.

use serde_json::{Value, json};

use super::document_defects;
use super::openapi_schema::Checker;

/// Checks answers against one document.
pub struct DocumentCheck {
    document: Value,
    checker: Checker,
}

impl DocumentCheck {
    /// Against Dojo's current document, as published.
    pub fn api() -> Self {
        Self::new(super::original_document())
    }

    /// Against the project's description of the PCI host.
    pub fn pci() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/pci-api.json");
        let text = std::fs::read_to_string(path).expect("spec/pci-api.json");
        Self::new(serde_json::from_str(&text).expect("the PCI description is JSON"))
    }

    fn new(document: Value) -> Self {
        Self {
            checker: Checker::new(&document),
            document,
        }
    }

    /// The document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The schema checker.
    pub fn checker(&self) -> &Checker {
        &self.checker
    }

    /// The operation `method template`, if the document has it.
    pub fn operation(&self, method: &str, template: &str) -> Option<&Value> {
        self.document["paths"][template]
            .get(method.to_lowercase())
            .filter(|o| o.is_object())
    }

    /// Whether `body` (`Null` for none) is what the document says
    /// `method template` answers with `status`; why not, otherwise.
    pub fn check(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let operation = self
            .operation(method, template)
            .ok_or_else(|| format!("{method} {template} is not in the document"))?;
        let listed = &operation["responses"][status.to_string()];
        let schema = if listed.is_object() {
            match listed.pointer("/content/application~1json/schema") {
                Some(schema) => schema.clone(),
                None if body.is_null() => return Ok(()),
                None => {
                    return Err(format!(
                        "{method} {template} {status} must have no body: {body}"
                    ));
                }
            }
        } else if document_defects::unlisted(method, template, status).is_some() {
            error_schema(operation)
        } else {
            return Err(format!(
                "{method} {template} answered {status}, which the document does not list (nor does the list of known document defects): {body}"
            ));
        };
        let errors = self.checker.errors(&schema, body);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{method} {template} {status}: {errors:#?}\n{body:#}"
            ))
        }
    }
}

/// The schema an operation's errors use (its first listed error with a
/// body), or `ProblemDetails` for an operation that lists none.
pub fn error_schema(operation: &Value) -> Value {
    let responses = operation["responses"].as_object();
    responses
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('4'))
        .find_map(|(_, r)| r.pointer("/content/application~1json/schema").cloned())
        .unwrap_or_else(|| json!({"$ref": "#/components/schemas/ProblemDetails"}))
}
