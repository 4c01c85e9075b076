//! The `/docs/api` page's reading of the REST API's OpenAPI document
//! (which the binary generates and puts in the app state).

use serde_json::Value;

use crate::model::api_reference::{ApiField, ApiOperation, ApiReference, ApiSchema};

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The name a `$ref` points to (`#/components/schemas/Project` →
/// `Project`), or a type's name.
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        return reference.rsplit('/').next().unwrap_or_default().to_owned();
    }
    match &schema["type"] {
        Value::String(kind) if kind == "array" => format!("array of {}", type_name(&schema["items"])),
        Value::String(kind) => match schema["format"].as_str() {
            Some(format) => format!("{kind} ({format})"),
            None => kind.clone(),
        },
        Value::Array(kinds) => {
            let kinds: Vec<&str> = kinds.iter().filter_map(Value::as_str).collect();
            kinds.join(" or ")
        }
        _ => schema["oneOf"]
            .as_array()
            .map(|options| options.iter().map(type_name).collect::<Vec<_>>().join(" or "))
            .unwrap_or_else(|| "object".into()),
    }
}

/// The reference of `document` (an OpenAPI 3.1 document), operations in
/// the document's order, schemas by name.
pub fn read(document: &Value) -> ApiReference {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|parameter| ApiField {
                    name: text(&parameter["name"]),
                    kind: text(&parameter["in"]),
                    required: parameter["required"].as_bool().unwrap_or(false),
                    description: text(&parameter["description"]),
                })
                .collect();
            let body = operation["requestBody"]["content"]
                .as_object()
                .and_then(|content| content.values().next())
                .map(|media| type_name(&media["schema"]));
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, response)| (status.clone(), text(&response["description"])))
                .collect();
            operations.push(ApiOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                operation_id: text(&operation["operationId"]),
                tag: operation["tags"][0].as_str().unwrap_or_default().to_owned(),
                summary: text(&operation["summary"]),
                description: text(&operation["description"]),
                parameters,
                body,
                responses,
            });
        }
    }
    let mut schemas: Vec<ApiSchema> = document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let fields = schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(field, property)| ApiField {
                    name: field.clone(),
                    kind: type_name(property),
                    required: required.contains(&field.as_str()),
                    description: text(&property["description"]),
                })
                .collect();
            ApiSchema { name: name.clone(), description: text(&schema["description"]), fields }
        })
        .collect();
    schemas.sort_by(|a, b| a.name.cmp(&b.name));
    ApiReference {
        title: text(&document["info"]["title"]),
        description: text(&document["info"]["description"]),
        base: document["servers"][0]["url"].as_str().unwrap_or("/api/v1").to_owned(),
        operations,
        schemas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_schemas_are_read_with_their_types() {
        let document = serde_json::json!({
            "info": {"title": "T", "description": "D"},
            "servers": [{"url": "/api/v1"}],
            "paths": {"/things/{thing}": {"get": {
                "operationId": "get_thing", "tags": ["things"], "summary": "One thing.",
                "parameters": [{"name": "thing", "in": "path", "required": true, "description": "Its id."}],
                "responses": {"200": {"description": "The thing."}, "404": {"description": "None."}}
            }}},
            "components": {"schemas": {"Thing": {"required": ["id"], "properties": {
                "id": {"$ref": "#/components/schemas/ThingId"},
                "seen": {"type": ["string", "null"], "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}}}
        });
        let reference = read(&document);
        let operation = &reference.operations[0];
        assert_eq!((operation.method.as_str(), operation.path.as_str()), ("GET", "/things/{thing}"));
        assert_eq!(operation.responses[1], ("404".to_owned(), "None.".to_owned()));
        let fields = &reference.schemas[0].fields;
        assert_eq!((fields[0].kind.as_str(), fields[0].required), ("ThingId", true));
        assert_eq!(fields[1].kind, "string or null");
        assert_eq!(fields[2].kind, "array of string");
    }
}
