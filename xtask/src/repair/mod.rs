//! The named repairs of Dojo's OpenAPI document.
//!
//! Each rule is a small function over the JSON document that repairs one
//! known defect, says so in its doc comment, and returns how many places it
//! changed, so that `cargo xtask regen` can report what every rule did to
//! the document at hand (a rule that changes nothing on a newer document is
//! a hint that Dojo fixed the defect). Rules run in the order listed.

mod body_less_errors_share_schema;
mod complete_problem_details;
mod constraints_as_documentation;
mod domain_types;
mod enums_listed_in_prose;
mod ids_and_secrets_by_name;
mod keep_unknown_fields;
mod merge_all_of_objects;
mod name_anonymous_operations;
mod open_enums;
mod optional_fields_examples_omit;
mod parameters_not_nullable;
mod readable_operation_ids;
mod setup_intent_delete_include_authorized;
mod single_shape_terminal_session_details;
mod version_header_on_client;
pub mod walk;

pub use body_less_errors_share_schema::body_less_errors_share_schema;
pub use complete_problem_details::complete_problem_details;
pub use constraints_as_documentation::constraints_as_documentation;
pub use domain_types::domain_types;
pub use enums_listed_in_prose::enums_listed_in_prose;
pub use ids_and_secrets_by_name::ids_and_secrets_by_name;
pub use keep_unknown_fields::keep_unknown_fields;
pub use merge_all_of_objects::merge_all_of_objects;
pub use name_anonymous_operations::name_anonymous_operations;
pub use open_enums::open_enums;
pub use optional_fields_examples_omit::optional_fields_examples_omit;
pub use parameters_not_nullable::parameters_not_nullable;
pub use readable_operation_ids::readable_operation_ids;
pub use setup_intent_delete_include_authorized::setup_intent_delete_include_authorized;
pub use single_shape_terminal_session_details::single_shape_terminal_session_details;
pub use version_header_on_client::version_header_on_client;

use serde_json::Value;

/// One named repair.
#[derive(Clone, Copy)]
pub struct Rule {
    /// The rule's name, as reported and as named in snapshot files.
    pub name: &'static str,
    /// Applies the repair; returns how many places it changed.
    pub apply: fn(&mut Value) -> usize,
}

macro_rules! rules {
    ($($rule:ident),* $(,)?) => {
        &[$(Rule { name: stringify!($rule), apply: $rule }),*]
    };
}

/// The repairs, in the order they run, for every document `regen` reads.
pub const RULES: &[Rule] = rules![
    name_anonymous_operations,
    readable_operation_ids,
    body_less_errors_share_schema,
    parameters_not_nullable,
    setup_intent_delete_include_authorized,
    version_header_on_client,
    keep_unknown_fields,
    constraints_as_documentation,
    optional_fields_examples_omit,
    complete_problem_details,
    single_shape_terminal_session_details,
    enums_listed_in_prose,
    open_enums,
    domain_types,
    ids_and_secrets_by_name,
    merge_all_of_objects,
];

/// How many places each rule changed, in run order.
pub type Report = Vec<(&'static str, usize)>;

/// Runs every rule over `doc`.
pub fn repair(doc: &mut Value) -> Report {
    RULES
        .iter()
        .map(|rule| (rule.name, (rule.apply)(doc)))
        .collect()
}
