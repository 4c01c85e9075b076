//! The REST API's reference as the `/docs/api` page shows it: read from
//! the generated OpenAPI document, so the page says what the server does.

use serde::{Deserialize, Serialize};

/// The whole reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub description: String,
    /// Where the paths start (`/api/v1`).
    pub base: String,
    pub operations: Vec<ApiOperation>,
    pub schemas: Vec<ApiSchema>,
}

/// One route and method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// `GET`, `POST`...
    pub method: String,
    /// `/projects/{project}`.
    pub path: String,
    pub operation_id: String,
    pub tag: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiField>,
    /// The body's schema name, if it takes one.
    pub body: Option<String>,
    /// Status code and what it means, in order.
    pub responses: Vec<(String, String)>,
}

/// A parameter, or a field of a schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiField {
    pub name: String,
    /// `query`, `path`, `header`; for a schema's field, its type.
    pub kind: String,
    pub required: bool,
    pub description: String,
}

/// A named schema: a body or an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSchema {
    pub name: String,
    pub description: String,
    pub fields: Vec<ApiField>,
}
