//! The REST API's OpenAPI document: generated from the handlers, served
//! at `/api/v1/openapi.json`, and complete both ways: every handler of
//! `server/src/rest` is an operation of the document, and every operation
//! of the document is a route the server answers.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Bearer, Org, spawn_app};

/// The handlers' modules of the REST API, and the functions in them that
/// are not routes (none yet).
const HANDLER_MODULES: &[&str] = &["projects", "tasks", "labels", "cycles", "members", "invitations", "audit"];

/// Every `pub async fn` of the REST API's handler modules.
fn handlers() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for module in HANDLER_MODULES {
        let path = format!("{}/src/rest/{module}.rs", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("pub async fn ") {
                found.insert(rest.split('(').next().unwrap().to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_describes_every_handler() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200, "public, no token needed");
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    let mut operations = BTreeSet::new();
    for (_, item) in document["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            operations.insert(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    let handlers = handlers();
    assert!(handlers.len() >= 34, "{handlers:?}");
    let missing: Vec<_> = handlers.difference(&operations).collect();
    assert!(missing.is_empty(), "handlers missing from the OpenAPI document: {missing:?}");

    // The task list's parameters are the dashboard's, by name.
    let list = &document["paths"]["/projects/{project}/tasks"]["get"];
    let mut documented: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|parameter| parameter["in"] == "query")
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    let mut known = app::model::task_query::PARAMS.to_vec();
    documented.sort_unstable();
    known.sort_unstable();
    assert_eq!(documented, known);
}

#[tokio::test]
async fn every_operation_of_the_document_is_served() {
    let org = Org::new().await;
    let document: Value =
        org.app.client.get(org.app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let api = Bearer::new(&org.app, &crate::helpers::api_token(&org.app, &org.slug, "admin").await);
    let unknown_id = uuid::Uuid::now_v7().to_string();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete: String = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { unknown_id.as_str() } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        for (method, _) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = api.request(method.clone(), &concrete).json(&serde_json::json!({})).send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let unrouted = body["detail"].as_str().is_some_and(|detail| detail.contains("no such route"));
            assert!(!unrouted && status != 405, "{method} {path}: {status} {body}");
        }
    }
}

#[tokio::test]
async fn the_reference_page_shows_every_operation_of_the_document() {
    let app = spawn_app().await;
    let document: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let page = app.get("/docs/api").await;
    assert_eq!(page.status(), 200, "public");
    let html = page.text().await.unwrap();
    assert!(html.contains("Atrium REST API"));
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let heading = format!("{} {path}", method.to_uppercase());
            assert!(html.contains(&heading), "{heading} is on the page");
        }
    }
    assert!(html.contains("schema-Problem"), "the schemas are too");
}
