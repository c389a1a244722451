//! JSON-LD: the fields read as text, flattened without recursion limits
//! being exceeded by hostile nesting.

use super::meta::MAX_JSON_LD_DEPTH;
use crate::model::text::normalize_whitespace;

/// The JSON-LD fields that say who a firm is and whom it serves.
pub const JSON_LD_FIELDS: &[&str] = &["name", "description", "areaServed", "inLanguage", "address"];

/// Flattens JSON-LD into `field: value` parts a rule can read.
pub(crate) fn flatten_json_ld(value: &serde_json::Value, depth: usize, parts: &mut Vec<String>) {
    if depth > MAX_JSON_LD_DEPTH {
        return;
    }
    match value {
        serde_json::Value::Object(object) => {
            for field in JSON_LD_FIELDS {
                if let Some(field_value) = object.get(*field) {
                    let mut leaves = Vec::new();
                    json_leaves(field_value, depth + 1, &mut leaves);
                    let text = normalize_whitespace(&leaves.join(", "));
                    if !text.is_empty() {
                        parts.push(format!("{field}: {text}"));
                    }
                }
            }
            for (key, nested) in object {
                if !JSON_LD_FIELDS.contains(&key.as_str())
                    && (nested.is_object() || nested.is_array())
                {
                    flatten_json_ld(nested, depth + 1, parts);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                flatten_json_ld(item, depth + 1, parts);
            }
        }
        _ => {}
    }
}

/// The readable values inside a JSON-LD field (`@type`/`@id` are plumbing).
pub(crate) fn json_leaves(value: &serde_json::Value, depth: usize, leaves: &mut Vec<String>) {
    if depth > MAX_JSON_LD_DEPTH {
        return;
    }
    match value {
        serde_json::Value::String(s) => leaves.push(s.clone()),
        serde_json::Value::Number(n) => leaves.push(n.to_string()),
        serde_json::Value::Array(items) => {
            for item in items {
                json_leaves(item, depth + 1, leaves);
            }
        }
        serde_json::Value::Object(object) => {
            // Addresses read in postal order, whatever order the map keeps.
            for key in ADDRESS_ORDER {
                if let Some(nested) = object.get(*key) {
                    json_leaves(nested, depth + 1, leaves);
                }
            }
            for (key, nested) in object {
                if !key.starts_with('@') && !ADDRESS_ORDER.contains(&key.as_str()) {
                    json_leaves(nested, depth + 1, leaves);
                }
            }
        }
        _ => {}
    }
}

pub(crate) const ADDRESS_ORDER: &[&str] = &[
    "streetAddress",
    "postalCode",
    "addressLocality",
    "addressRegion",
    "addressCountry",
];
