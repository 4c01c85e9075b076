//! The OpenAPI documents of the REST API (`/api/v1/openapi.json`) and of
//! the license API (`/v1/openapi.json`): generated from the handlers, and
//! complete both ways: every handler is an operation of its document, and
//! every operation of the document is a route the server answers.

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
    assert!(html.contains("href=\"/docs/license-api\""), "it links to the license API's reference");
}

#[tokio::test]
async fn the_license_api_reference_page_shows_every_operation_once() {
    let app = spawn_app().await;
    let document: Value = app.client.get(app.url("/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let page = app.get("/docs/license-api").await;
    assert_eq!(page.status(), 200, "public");
    let html = page.text().await.unwrap();
    let mut shown = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        // Each route is listed once, from /v1; its account variant is said
        // in a sentence.
        let Some(relative) = path.strip_prefix("/v1").filter(|p| !p.starts_with("/accounts/{account}")) else {
            continue;
        };
        for (method, _) in item.as_object().unwrap() {
            let heading = format!("{} {relative}", method.to_uppercase());
            assert!(html.contains(&heading), "{heading} is on the page");
            shown += 1;
        }
    }
    assert!(shown >= 40, "{shown}");
    assert!(!html.contains("/accounts/{account}/licenses"), "the account variants are not listed twice");
    assert!(html.contains("Authorization: License"), "{html}");
}

/// The license API's handler modules, and their `pub async fn`s that are
/// not routes: helpers the handlers share, and the fallbacks.
const V1_MODULES: &[&str] = &["handlers", "admin"];
const V1_NOT_ROUTES: &[&str] = &[
    "license_for_token",
    "machine_for_token",
    "list_machines",
    "deactivate_machine",
    "not_found",
    "method_not_allowed",
];

/// Every `pub async fn` of the license API's handler modules that is a
/// route.
fn v1_handlers() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for module in V1_MODULES {
        let path = format!("{}/src/v1/{module}.rs", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines() {
            if let Some(rest) = line.strip_prefix("pub async fn ") {
                let name = rest.split('(').next().unwrap().to_owned();
                if !V1_NOT_ROUTES.contains(&name.as_str()) {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// The `/v1` document's operation ids, in document order (with
/// duplicates).
fn v1_operation_ids(document: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, item) in document["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            ids.push(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    ids
}

#[tokio::test]
async fn the_license_api_document_is_openapi_3_1_and_describes_every_handler() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200, "public, no key or token needed");
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document["components"]["securitySchemes"]["LicenseKey"].is_object());
    let ids = v1_operation_ids(&document);
    let operations: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(operations.len(), ids.len(), "operation ids are unique: {ids:?}");
    let handlers = v1_handlers();
    assert!(handlers.len() >= 40, "{handlers:?}");
    let missing: Vec<_> = handlers.difference(&operations).collect();
    assert!(missing.is_empty(), "handlers missing from the /v1 document: {missing:?}");
    // Each is there again under the account, with the account.
    for handler in handlers.iter().filter(|h| *h != "openapi") {
        assert!(operations.contains(&format!("{handler}_for_account")), "{handler} under /v1/accounts/{{account}}");
    }
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/accounts/{account}/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().unwrap();
            assert!(parameters.iter().any(|p| p["name"] == "account" && p["in"] == "path"), "{method} {path}");
        }
    }
}

#[tokio::test]
async fn every_operation_of_the_license_api_document_is_served() {
    let org = Org::new().await;
    let document: Value =
        org.app.client.get(org.app.url("/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let token = crate::helpers::api_token(&org.app, &org.slug, "admin").await;
    let unknown_id = uuid::Uuid::now_v7().to_string();
    let mut served = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete: String = path
            .split('/')
            .map(|segment| match segment {
                "{account}" => org.slug.as_str(),
                _ if segment.starts_with('{') => unknown_id.as_str(),
                _ => segment,
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, _) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = org
                .app
                .client
                .request(method.clone(), org.app.url(&concrete))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/vnd.api+json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let unrouted = body["errors"][0]["detail"].as_str().is_some_and(|d| d.contains("endpoint was not found"));
            assert!(!unrouted && status != 405, "{method} {path}: {status} {body}");
            served += 1;
        }
    }
    assert!(served >= 80, "{served} operations");
}
