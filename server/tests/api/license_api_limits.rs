//! Limits of the license API (`/v1`): requests per network and per
//! license, given keys' strength, machine metadata and count, validation
//! scopes; and every answer whose organization is known signed, 429, 413,
//! 404 and 405 included, so Keygen's clients read the error, not a signature
//! failure.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};

use crate::{
    helpers::{Org, TestApp, field_error},
    licensing::{license, policy, signature_holds},
};

/// One `/v1` answer, kept whole for its signature.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {:?}", self.body))
    }

    fn code(&self) -> String {
        self.json()["errors"][0]["code"].as_str().unwrap_or_default().to_owned()
    }

    /// Whether the organization's key signs it for `method` and `target`.
    fn signed(&self, app: &TestApp, method: &str, target: &str, public_key: &str) -> bool {
        let host = app.url("").trim_start_matches("http://").to_owned();
        signature_holds(&self.headers, self.body.as_bytes(), method, target, &host, public_key)
    }
}

async fn v1(app: &TestApp, method: reqwest::Method, target: &str, key: Option<&str>, body: Option<String>) -> Answer {
    let mut request = app
        .client
        .request(method, app.url(target))
        .header("content-type", "application/vnd.api+json")
        .header("accept", "application/vnd.api+json");
    if let Some(key) = key {
        request = request.header("authorization", format!("License {key}"));
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Answer { status, headers, body }
}

async fn public_key(org: &Org) -> String {
    org.app.ok("get_licensing", &[("org", &org.slug)]).await["public_key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn v1_requests_per_network_are_limited_with_a_signed_429() {
    let org = Org::new_with(|config| config.license_api_requests_per_minute_per_ip = 5).await;
    let app = &org.app;
    let public_key = public_key(&org).await;
    let target = format!("/v1/accounts/{}/licenses/actions/validate-key", org.slug);
    let mut statuses = Vec::new();
    let mut limited = None;
    for n in 0..12 {
        let body = json!({ "meta": { "key": format!("GUESS-{n:04}-GUESS-GUESS") } }).to_string();
        let answer = v1(app, reqwest::Method::POST, &target, None, Some(body)).await;
        statuses.push(answer.status);
        if answer.status == 429 {
            limited = Some(answer);
        }
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5, "{statuses:?}");
    let limited = limited.expect("a 429");
    assert_eq!(limited.code(), "TOO_MANY_REQUESTS", "{}", limited.body);
    let retry: u64 = limited.headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.signed(app, "post", &target, &public_key), "signed like every answer of the account");
    // Without the account in the path it is refused all the same.
    let body = json!({ "meta": { "key": "GUESS-GUESS-GUESS-GUESS" } }).to_string();
    let plain = v1(app, reqwest::Method::POST, "/v1/licenses/actions/validate-key", None, Some(body)).await;
    assert_eq!(plain.status, 429);
}

#[tokio::test]
async fn v1_requests_per_license_are_limited() {
    let org = Org::new_with(|config| config.license_api_requests_per_minute_per_license = 3).await;
    let app = &org.app;
    let public_key = public_key(&org).await;
    let policy_id = policy(app, &org.slug, &[("name", "Basic")]).await;
    let (id, key) = license(app, &org.slug, &policy_id).await;
    let target = format!("/v1/licenses/{id}/actions/validate");
    for _ in 0..3 {
        assert_eq!(v1(app, reqwest::Method::POST, &target, Some(&key), None).await.status, 200);
    }
    let limited = v1(app, reqwest::Method::POST, &target, Some(&key), None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "TOO_MANY_REQUESTS");
    assert!(limited.headers.contains_key(RETRY_AFTER));
    assert!(limited.signed(app, "post", &target, &public_key));
    // Validating the key in the body counts against the same license.
    let body = json!({ "meta": { "key": key } }).to_string();
    let by_body = v1(app, reqwest::Method::POST, "/v1/licenses/actions/validate-key", None, Some(body)).await;
    assert_eq!(by_body.status, 429);
    // Another license of the organization has its own.
    let (other_id, other_key) = license(app, &org.slug, &policy_id).await;
    let other = format!("/v1/licenses/{other_id}/actions/validate");
    assert_eq!(v1(app, reqwest::Method::POST, &other, Some(&other_key), None).await.status, 200);
}

#[tokio::test]
async fn given_keys_must_be_long_and_hard_to_guess() {
    let org = Org::new().await;
    let app = &org.app;
    let policy_id = policy(app, &org.slug, &[("name", "Basic")]).await;
    for weak in ["ACME-0042", "AAAA-BBBB-CCCC-DDDD", "ACME-0001-0002-0003"] {
        let response = app.call("create_license", &[("org", &org.slug), ("policy", &policy_id), ("key", weak)]).await;
        let message = field_error(response, "key").await;
        assert!(message.contains("16") || message.contains("guess"), "{weak}: {message}");
    }
    let strong = "Q7XK-M2PD-9RWT-H4VZ";
    app.ok("create_license", &[("org", &org.slug), ("policy", &policy_id), ("key", strong)]).await;
    let body = json!({ "meta": { "key": strong } }).to_string();
    let found = v1(app, reqwest::Method::POST, "/v1/licenses/actions/validate-key", None, Some(body)).await;
    assert_eq!(found.json()["meta"]["code"], "VALID");
}

fn activation(license: &str, fingerprint: &str, metadata: Value) -> String {
    json!({
        "data": {
            "type": "machines",
            "attributes": { "fingerprint": fingerprint, "metadata": metadata },
            "relationships": { "license": { "data": { "type": "licenses", "id": license } } },
        }
    })
    .to_string()
}

#[tokio::test]
async fn machine_metadata_is_capped_and_any_machines_means_up_to_the_ceiling() {
    let org = Org::new_with(|config| config.max_machines_per_license = 2).await;
    let app = &org.app;
    let public_key = public_key(&org).await;
    let policy_id = policy(app, &org.slug, &[("name", "Site"), ("floating", "on")]).await;
    let (id, key) = license(app, &org.slug, &policy_id).await;
    let post = |body: String| v1(app, reqwest::Method::POST, "/v1/machines", Some(&key), Some(body));

    let many_keys: serde_json::Map<String, Value> = (0..65).map(|n| (format!("k{n}"), json!(n))).collect();
    let refused = post(activation(&id, "fp-keys", Value::Object(many_keys))).await;
    assert_eq!((refused.status, refused.code()), (422, "METADATA_TOO_MANY_KEYS".to_owned()), "{}", refused.body);
    let refused = post(activation(&id, "fp-big", json!({ "blob": "x".repeat(20 * 1024) }))).await;
    assert_eq!((refused.status, refused.code()), (422, "METADATA_TOO_LARGE".to_owned()), "{}", refused.body);
    assert!(refused.signed(app, "post", "/v1/machines", &public_key));

    assert_eq!(post(activation(&id, "fp-1", json!({ "seat": 1 }))).await.status, 201);
    assert_eq!(post(activation(&id, "fp-2", json!({}))).await.status, 201);
    let third = post(activation(&id, "fp-3", json!({}))).await;
    assert_eq!((third.status, third.code()), (422, "MACHINE_LIMIT_EXCEEDED".to_owned()), "{}", third.body);
}

#[tokio::test]
async fn a_validation_scope_of_thousands_of_fingerprints_answers_422_not_500() {
    let org = Org::new().await;
    let app = &org.app;
    let public_key = public_key(&org).await;
    let policy_id = policy(app, &org.slug, &[("name", "Basic")]).await;
    let (id, key) = license(app, &org.slug, &policy_id).await;
    let fingerprints: Vec<String> = (0..33_000).map(|n| format!("fp-{n}")).collect();

    let body = json!({ "meta": { "key": key, "scope": { "fingerprints": fingerprints } } }).to_string();
    let target = format!("/v1/accounts/{}/licenses/actions/validate-key", org.slug);
    let answer = v1(app, reqwest::Method::POST, &target, None, Some(body.clone())).await;
    assert_eq!((answer.status, answer.code()), (422, "SCOPE_TOO_LARGE".to_owned()), "{}", answer.body);
    assert_eq!(answer.json()["errors"][0]["source"]["pointer"], "/meta/scope/fingerprints");
    assert!(answer.signed(app, "post", &target, &public_key));

    let target = format!("/v1/licenses/{id}/actions/validate");
    let answer = v1(app, reqwest::Method::POST, &target, Some(&key), Some(body)).await;
    assert_eq!((answer.status, answer.code()), (422, "SCOPE_TOO_LARGE".to_owned()), "{}", answer.body);
    assert!(answer.signed(app, "post", &target, &public_key));

    // A hundred is fine.
    let hundred = &fingerprints[..100];
    let body = json!({ "meta": { "scope": { "fingerprints": hundred } } }).to_string();
    assert_eq!(v1(app, reqwest::Method::POST, &target, Some(&key), Some(body)).await.status, 200);
}

#[tokio::test]
async fn too_large_bodies_and_unknown_routes_of_a_known_account_answer_signed() {
    let org = Org::new().await;
    let app = &org.app;
    let public_key = public_key(&org).await;
    let policy_id = policy(app, &org.slug, &[("name", "Basic")]).await;
    let (id, key) = license(app, &org.slug, &policy_id).await;
    let huge = format!(r#"{{"meta":{{"key":"{}"}}}}"#, "x".repeat(5 * 1024 * 1024));

    let target = format!("/v1/accounts/{}/licenses/actions/validate-key", org.slug);
    let answer = v1(app, reqwest::Method::POST, &target, None, Some(huge.clone())).await;
    assert_eq!((answer.status, answer.code()), (413, "PAYLOAD_TOO_LARGE".to_owned()), "{}", answer.body);
    assert!(answer.signed(app, "post", &target, &public_key));
    // With the key instead of the account.
    let target = format!("/v1/licenses/{id}/actions/validate");
    let answer = v1(app, reqwest::Method::POST, &target, Some(&key), Some(huge)).await;
    assert_eq!(answer.status, 413);
    assert!(answer.signed(app, "post", &target, &public_key));

    let target = format!("/v1/accounts/{}/no-such-thing", org.slug);
    let answer = v1(app, reqwest::Method::GET, &target, None, None).await;
    assert_eq!((answer.status, answer.code()), (404, "NOT_FOUND".to_owned()), "{}", answer.body);
    assert!(answer.signed(app, "get", &target, &public_key));
    // A known route with a method it does not take.
    let target = format!("/v1/accounts/{}/machines", org.slug);
    let answer = v1(app, reqwest::Method::PUT, &target, None, None).await;
    assert_eq!((answer.status, answer.code()), (405, "METHOD_NOT_ALLOWED".to_owned()), "{}", answer.body);
    assert!(answer.signed(app, "put", &target, &public_key));
    let target = format!("/v1/licenses/{id}/actions/validate");
    let answer = v1(app, reqwest::Method::DELETE, &target, Some(&key), None).await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    assert!(answer.signed(app, "delete", &target, &public_key));
}
