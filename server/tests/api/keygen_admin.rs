//! Keygen's admin API on `/v1` with an API token: licenses, policies,
//! machines and entitlements managed by software (a payment provider's
//! glue, a CRM script), through the dashboard's rules. Requests are the
//! JSON:API documents of Keygen's API reference, sent with plain HTTP and
//! with the `keygen-rs` crate's token client.

use keygen_rs::{
    KeygenClient,
    config::KeygenConfig,
    license::{LicenseCreateRequest, LicenseValidationRequest},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Org, Person, TestApp, api_token, client, run_sql, slug};

/// A `/v1` client with an API token.
struct Admin {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Admin {
    async fn of(org: &Org, role: &str) -> Self {
        let token = api_token(&org.app, &org.slug, role).await;
        Self::with(&org.app, &org.slug, &token)
    }

    /// Under `/v1/accounts/{account}`, as Keygen's reference writes its
    /// requests.
    fn with(app: &TestApp, account: &str, token: &str) -> Self {
        Self { base: app.url(&format!("/v1/accounts/{account}")), token: token.to_owned(), http: client() }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("accept", "application/vnd.api+json");
        if let Some(body) = body {
            request = request.header("content-type", "application/vnd.api+json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.send(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path} answered {status}: {body}");
        body
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

fn pointer(body: &Value) -> &str {
    body["errors"][0]["source"]["pointer"].as_str().unwrap_or_default()
}

async fn public_key(org: &Org) -> String {
    org.app.ok("get_licensing", &[("org", &org.slug)]).await["public_key"].as_str().unwrap().to_owned()
}

/// Keygen's "create a policy" request.
fn new_policy(name: &str, attributes: Value) -> Value {
    let mut all = json!({ "name": name });
    all.as_object_mut().unwrap().extend(attributes.as_object().unwrap().clone());
    json!({ "data": { "type": "policies", "attributes": all } })
}

/// Keygen's "create a license" request: a policy relationship, optional
/// attributes.
fn new_license(policy: &str, attributes: Value) -> Value {
    json!({
        "data": {
            "type": "licenses",
            "attributes": attributes,
            "relationships": { "policy": { "data": { "type": "policies", "id": policy } } }
        }
    })
}

fn keygen(app: &TestApp, config: impl FnOnce(&mut KeygenConfig)) -> KeygenConfig {
    let mut keygen = KeygenConfig { api_url: app.url(""), ..KeygenConfig::default() };
    config(&mut keygen);
    keygen
}

#[tokio::test]
async fn payment_glue_issues_a_license_with_only_a_token_and_keygen_rs_validates_and_activates_it() {
    let org = Org::new().await;
    let app = &org.app;
    // The Admin's part: a policy, and a token handed to the glue.
    let admin = Admin::of(&org, "admin").await;
    let policy = admin
        .ok(Method::POST, "/policies", Some(new_policy("Desktop", json!({ "duration": 31_556_952, "maxMachines": 1 }))))
        .await;
    let policy_id = policy["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(policy["data"]["attributes"]["duration"], 31_556_952, "a year in seconds, as Keygen counts it");
    let token = api_token(app, &org.slug, "admin").await;

    // The glue knows the token, the account and the policy id: a customer
    // paid, so it issues a license as Keygen's reference shows.
    let glue = Admin::with(app, &org.slug, &token);
    let issued = glue
        .ok(
            Method::POST,
            "/licenses",
            Some(new_license(&policy_id, json!({ "name": "Order 1042", "metadata": { "order": 1042 } }))),
        )
        .await;
    let key = issued["data"]["attributes"]["key"].as_str().unwrap().to_owned();
    assert_eq!(issued["data"]["attributes"]["metadata"]["order"], 1042);
    assert_eq!(issued["data"]["relationships"]["policy"]["data"]["id"], policy_id.as_str());
    let expiry = issued["data"]["attributes"]["expiry"].as_str().expect("the policy's duration gives an expiry");
    assert!(expiry.starts_with("2027") || expiry.starts_with("2028"), "{expiry}");

    // The customer's copy of the software, with keygen-rs as it ships.
    let public_key = public_key(&org).await;
    let client = keygen(app, |c| {
        c.license_key = Some(key.clone());
        c.public_key = Some(public_key.clone());
    });
    let validation =
        keygen_rs::validate_with_config(client.clone(), &LicenseValidationRequest::for_fingerprint("laptop".into()))
            .await
            .expect("a signed validation");
    assert_eq!(validation.meta.code, "NO_MACHINE");
    let license = validation.license.unwrap();
    license.activate("laptop", &[]).await.expect("activation");
    let again = keygen_rs::validate_with_config(client, &LicenseValidationRequest::for_fingerprint("laptop".into()))
        .await
        .unwrap();
    assert_eq!((again.meta.valid, again.meta.code.as_str()), (true, "VALID"));

    // The audit log says it came through the token.
    let events = app.ok("list_audit_events", &org.form(&[("action", "license.created")])).await;
    let details: Value = serde_json::from_str(events["items"][0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["api_token"]["name"], "admin script", "{events}");
}

#[tokio::test]
async fn keygen_rs_token_client_creates_lists_suspends_renews_and_revokes_licenses() {
    let org = Org::new().await;
    let app = &org.app;
    let admin = Admin::of(&org, "admin").await;
    let policy = admin.ok(Method::POST, "/policies", Some(new_policy("Team", json!({ "duration": 2_592_000 })))).await;
    let policy_id = policy["data"]["id"].as_str().unwrap().to_owned();
    let token = api_token(app, &org.slug, "admin").await;
    let public_key = public_key(&org).await;
    let keygen_client = KeygenClient::new(keygen(app, |c| {
        c.token = Some(token.clone());
        c.public_key = Some(public_key.clone());
    }))
    .unwrap();
    let licenses = keygen_client.licenses();

    let mut request = LicenseCreateRequest::new(policy_id.clone());
    request.name = Some("Seat 1".into());
    let created = licenses.create(request).await.expect("keygen-rs creates a license (response signed)");
    assert_eq!(created.name.as_deref(), Some("Seat 1"));
    licenses.create(LicenseCreateRequest::new(policy_id.clone())).await.unwrap();

    let listed = licenses.list(None).await.expect("a list");
    assert_eq!(listed.data.len(), 2);
    let fetched = licenses.get(&created.id).await.unwrap();
    assert_eq!(fetched.key, created.key);

    let suspended = licenses.suspend(&created.id).await.unwrap();
    assert_eq!(suspended.status.as_deref(), Some("SUSPENDED"));
    let (status, body) = admin.send(Method::POST, &format!("/licenses/{}/actions/suspend", created.id), None).await;
    assert_eq!((status.as_u16(), code(&body)), (422, "LICENSE_SUSPENDED"));
    let reinstated = licenses.reinstate(&created.id).await.unwrap();
    assert_eq!(reinstated.status.as_deref(), Some("ACTIVE"));
    let before = reinstated.expiry.unwrap();
    let renewed = licenses.renew(&created.id).await.unwrap();
    assert_eq!((renewed.expiry.unwrap() - before).num_seconds(), 2_592_000, "30 days on");

    licenses.revoke(&created.id).await.expect("revoked (deleted)");
    let (status, body) = admin.send(Method::GET, &format!("/licenses/{}", created.id), None).await;
    assert_eq!((status.as_u16(), code(&body)), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn licenses_are_listed_by_page_and_filter_and_updated() {
    let org = Org::new().await;
    let admin = Admin::of(&org, "admin").await;
    let create_policy = |name: &'static str| admin.ok(Method::POST, "/policies", Some(new_policy(name, json!({}))));
    let pro = create_policy("Pro").await["data"]["id"].as_str().unwrap().to_owned();
    let basic = create_policy("Basic").await["data"]["id"].as_str().unwrap().to_owned();
    for i in 0..5 {
        let policy = if i < 3 { &pro } else { &basic };
        admin.ok(Method::POST, "/licenses", Some(new_license(policy, json!({ "name": format!("L{i}") })))).await;
    }

    let page = admin.ok(Method::GET, "/licenses?page[size]=2&page[number]=2", None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["meta"], json!({ "count": 5, "pages": 3 }));
    assert!(page["links"]["next"].as_str().unwrap().contains("page%5Bnumber%5D=3"), "{}", page["links"]);
    assert!(page["links"]["prev"].as_str().unwrap().contains("page%5Bnumber%5D=1"));
    let last = admin.ok(Method::GET, "/licenses?page[size]=2&page[number]=3", None).await;
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    assert!(last["links"]["next"].is_null());
    let by_policy = admin.ok(Method::GET, &format!("/licenses?policy={basic}"), None).await;
    let names: Vec<&str> =
        by_policy["data"].as_array().unwrap().iter().map(|l| l["attributes"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["L4", "L3"], "newest first");
    let limited = admin.ok(Method::GET, "/licenses?limit=1", None).await;
    assert_eq!(limited["data"].as_array().unwrap().len(), 1);
    let (status, _) = admin.send(Method::GET, "/licenses?page[size]=101", None).await;
    assert_eq!(status, 400);

    // Update name, expiry and metadata; suspend through `suspended`.
    let id = limited["data"][0]["id"].as_str().unwrap().to_owned();
    let changed = admin
        .ok(
            Method::PATCH,
            &format!("/licenses/{id}"),
            Some(json!({ "data": { "type": "licenses", "attributes": {
                "name": "Renamed", "expiry": "2030-01-01T00:00:00Z", "metadata": { "seats": 5 }, "suspended": true
            } } })),
        )
        .await;
    let attributes = &changed["data"]["attributes"];
    assert_eq!(attributes["name"], "Renamed");
    assert_eq!(attributes["expiry"], "2030-01-01T00:00:00Z");
    assert_eq!(attributes["metadata"], json!({ "seats": 5 }));
    assert_eq!(attributes["status"], "SUSPENDED");
    let suspended = admin.ok(Method::GET, "/licenses?status=SUSPENDED", None).await;
    assert_eq!(suspended["meta"]["count"], 1);
    // A license is also found by its key.
    let key = attributes["key"].as_str().unwrap();
    assert_eq!(admin.ok(Method::GET, &format!("/licenses/{key}"), None).await["data"]["id"], id.as_str());
}

#[tokio::test]
async fn bad_documents_get_keygen_errors_naming_the_member_and_write_nothing() {
    let org = Org::new().await;
    let admin = Admin::of(&org, "admin").await;
    let policy = admin.ok(Method::POST, "/policies", Some(new_policy("Pro", json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (new_license(&policy, json!({ "colour": "red" })), 400, "PARAMETER_UNPERMITTED", "/data/attributes/colour"),
        (
            new_license(&policy, json!({ "maxProcesses": 4 })),
            422,
            "MAX_PROCESSES_UNSUPPORTED",
            "/data/attributes/maxProcesses",
        ),
        (new_license(&policy, json!({ "name": 7 })), 400, "PARAMETER_TYPE_MISMATCH", "/data/attributes/name"),
        (new_license(&policy, json!({ "expiry": "tomorrow" })), 422, "EXPIRY_INVALID", "/data/attributes/expiry"),
        (new_license(&policy, json!({ "key": "ACME-0042" })), 422, "KEY_INVALID", "/data/attributes/key"),
        (
            new_license(&policy, json!({ "ownerEmail": "not-an-email" })),
            422,
            "OWNER_EMAIL_INVALID",
            "/data/attributes/ownerEmail",
        ),
        (
            new_license(&uuid::Uuid::new_v4().to_string(), json!({})),
            422,
            "POLICY_NOT_FOUND",
            "/data/relationships/policy",
        ),
        (json!({ "data": { "type": "licenses" } }), 422, "POLICY_BLANK", "/data/relationships/policy"),
        (json!({ "data": { "type": "machines", "relationships": {} } }), 400, "TYPE_MISMATCH", "/data/type"),
        (json!({ "meta": {} }), 400, "PARAMETER_MISSING", "/data"),
    ];
    for (body, status, expected_code, expected_pointer) in cases {
        let (got, answer) = admin.send(Method::POST, "/licenses", Some(body.clone())).await;
        assert_eq!(got.as_u16(), status, "{body} → {answer}");
        assert_eq!((code(&answer), pointer(&answer)), (expected_code, expected_pointer), "{body} → {answer}");
    }
    let (status, answer) = admin.send(Method::POST, "/licenses", None).await;
    assert_eq!(status, 400, "{answer}");
    // Several bad policy fields: one error each.
    let (status, answer) = admin
        .send(
            Method::POST,
            "/policies",
            Some(new_policy("", json!({ "duration": 5, "floating": false, "maxMachines": 3 }))),
        )
        .await;
    assert_eq!(status, 422);
    let pointers: Vec<&str> =
        answer["errors"].as_array().unwrap().iter().map(|e| e["source"]["pointer"].as_str().unwrap()).collect();
    for expected in ["/data/attributes/name", "/data/attributes/duration", "/data/attributes/maxMachines"] {
        assert!(pointers.contains(&expected), "{expected} in {answer}");
    }
    let (status, answer) =
        admin.send(Method::POST, "/policies", Some(new_policy("P", json!({ "heartbeatDuration": 90 })))).await;
    assert_eq!((status.as_u16(), code(&answer)), (422, "HEARTBEAT_DURATION_INVALID"));
    let listed = admin.ok(Method::GET, "/licenses", None).await;
    assert_eq!(listed["meta"]["count"], 0, "nothing was half-written");
    assert_eq!(admin.ok(Method::GET, "/policies", None).await["meta"]["count"], 1);
}

#[tokio::test]
async fn policies_and_entitlements_are_managed_and_attached() {
    let org = Org::new().await;
    let admin = Admin::of(&org, "admin").await;
    let export = admin
        .ok(
            Method::POST,
            "/entitlements",
            Some(json!({ "data": { "type": "entitlements", "attributes": { "code": "export", "name": "Export" } } })),
        )
        .await;
    let export_id = export["data"]["id"].as_str().unwrap().to_owned();
    let sso = admin
        .ok(
            Method::POST,
            "/entitlements",
            Some(json!({ "data": { "type": "entitlements", "attributes": { "code": "sso", "name": "SSO" } } })),
        )
        .await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, taken) = admin
        .send(
            Method::POST,
            "/entitlements",
            Some(json!({ "data": { "type": "entitlements", "attributes": { "code": "sso", "name": "Again" } } })),
        )
        .await;
    assert_eq!((status.as_u16(), code(&taken), pointer(&taken)), (422, "CODE_TAKEN", "/data/attributes/code"));

    let product = uuid::Uuid::new_v4().to_string();
    let created = admin
        .ok(
            Method::POST,
            "/policies",
            Some(json!({ "data": { "type": "policies",
                "attributes": { "name": "Floating", "floating": true, "maxMachines": 5, "requireHeartbeat": true,
                                "heartbeatDuration": 1800, "expirationStrategy": "MAINTAIN_ACCESS" },
                "relationships": { "product": { "data": { "type": "products", "id": product } } } } })),
        )
        .await;
    let policy = created["data"]["id"].as_str().unwrap().to_owned();
    let attributes = &created["data"]["attributes"];
    assert_eq!(
        (&attributes["maxMachines"], &attributes["heartbeatDuration"], &attributes["expirationStrategy"]),
        (&json!(5), &json!(1800), &json!("MAINTAIN_ACCESS"))
    );
    assert_eq!(created["data"]["relationships"]["product"]["data"]["id"], product.as_str());

    let attach =
        json!({ "data": [{ "type": "entitlements", "id": export_id }, { "type": "entitlements", "id": sso }] });
    let attached = admin.ok(Method::POST, &format!("/policies/{policy}/entitlements"), Some(attach)).await;
    assert_eq!(attached["data"].as_array().unwrap().len(), 2);
    let detach = json!({ "data": [{ "type": "entitlements", "id": sso }] });
    let (status, _) = admin.send(Method::DELETE, &format!("/policies/{policy}/entitlements"), Some(detach)).await;
    assert_eq!(status, 204);
    let granted = admin.ok(Method::GET, &format!("/policies/{policy}/entitlements"), None).await;
    assert_eq!(granted["data"][0]["attributes"]["code"], "export");
    assert_eq!(granted["meta"]["count"], 1);
    // Another organization's entitlement is not attached; nothing changes.
    let other = Org::new().await;
    let foreign = other.app.ok("create_entitlement", &other.form(&[("code", "x"), ("name", "X")])).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mixed = json!({ "data": [{ "type": "entitlements", "id": sso }, { "type": "entitlements", "id": foreign }] });
    let (status, body) = admin.send(Method::POST, &format!("/policies/{policy}/entitlements"), Some(mixed)).await;
    assert_eq!((status.as_u16(), code(&body)), (422, "ENTITLEMENT_NOT_FOUND"));
    assert_eq!(admin.ok(Method::GET, &format!("/policies/{policy}/entitlements"), None).await["meta"]["count"], 1);

    // Update: only what is given changes; entitlements stay granted.
    let updated = admin
        .ok(
            Method::PATCH,
            &format!("/policies/{policy}"),
            Some(json!({ "data": { "type": "policies", "attributes": { "name": "Floating 2" } } })),
        )
        .await;
    assert_eq!(updated["data"]["attributes"]["name"], "Floating 2");
    assert_eq!(updated["data"]["attributes"]["maxMachines"], 5);
    assert_eq!(admin.ok(Method::GET, &format!("/policies/{policy}/entitlements"), None).await["meta"]["count"], 1);
    let renamed = admin
        .ok(
            Method::PATCH,
            &format!("/entitlements/{export_id}"),
            Some(json!({ "data": { "type": "entitlements", "attributes": { "name": "CSV export" } } })),
        )
        .await;
    assert_eq!(
        (renamed["data"]["attributes"]["code"].as_str(), renamed["data"]["attributes"]["name"].as_str()),
        (Some("export"), Some("CSV export"))
    );

    // Check-ins and component matching, as Keygen names them; a token
    // checks a license in too.
    let daily = admin
        .ok(
            Method::POST,
            "/policies",
            Some(new_policy(
                "Daily",
                json!({ "requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 2,
                        "componentMatchingStrategy": "MATCH_ALL" }),
            )),
        )
        .await;
    let attributes = &daily["data"]["attributes"];
    assert_eq!(
        (&attributes["requireCheckIn"], &attributes["checkInInterval"], &attributes["checkInIntervalCount"]),
        (&json!(true), &json!("day"), &json!(2))
    );
    assert_eq!(attributes["componentMatchingStrategy"], "MATCH_ALL");
    let daily_id = daily["data"]["id"].as_str().unwrap();
    let checked = admin.ok(Method::POST, "/licenses", Some(new_license(daily_id, json!({})))).await;
    let checked_id = checked["data"]["id"].as_str().unwrap();
    let after = admin.ok(Method::POST, &format!("/licenses/{checked_id}/actions/check-in"), None).await;
    assert!(after["data"]["attributes"]["lastCheckIn"].is_string(), "{after}");
    let (status, body) = admin
        .send(
            Method::POST,
            "/policies",
            Some(new_policy("Bad", json!({ "requireCheckIn": true, "checkInInterval": "fortnight" }))),
        )
        .await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/attributes/checkInInterval"), "{body}");

    // A policy with licenses is not deleted; without, it is.
    admin.ok(Method::POST, "/licenses", Some(new_license(&policy, json!({})))).await;
    let (status, body) = admin.send(Method::DELETE, &format!("/policies/{policy}"), None).await;
    assert_eq!((status.as_u16(), code(&body)), (422, "CONFLICT"));
    let spare = admin.ok(Method::POST, "/policies", Some(new_policy("Spare", json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(admin.send(Method::DELETE, &format!("/policies/{spare}"), None).await.0, 204);
    assert_eq!(admin.send(Method::DELETE, &format!("/entitlements/{sso}"), None).await.0, 204);
    assert_eq!(admin.ok(Method::GET, "/entitlements", None).await["meta"]["count"], 1);
}

#[tokio::test]
async fn machines_are_listed_read_and_deactivated_with_a_token() {
    let org = Org::new().await;
    let app = &org.app;
    let admin = Admin::of(&org, "admin").await;
    let policy =
        admin.ok(Method::POST, "/policies", Some(new_policy("Site", json!({ "floating": true })))).await["data"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let license = admin.ok(Method::POST, "/licenses", Some(new_license(&policy, json!({})))).await;
    let license_id = license["data"]["id"].as_str().unwrap().to_owned();
    let key = license["data"]["attributes"]["key"].as_str().unwrap().to_owned();
    for fingerprint in ["fp-a", "fp-b"] {
        let response = client()
            .post(app.url("/v1/machines"))
            .header("authorization", format!("License {key}"))
            .body(
                json!({ "data": { "type": "machines", "attributes": { "fingerprint": fingerprint },
                    "relationships": { "license": { "data": { "type": "licenses", "id": license_id } } } } })
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let listed = admin.ok(Method::GET, &format!("/machines?license={license_id}"), None).await;
    assert_eq!(listed["meta"]["count"], 2);
    let machine = listed["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["data"][0]["relationships"]["license"]["data"]["id"], license_id.as_str());
    let by_fingerprint = admin.ok(Method::GET, "/machines?fingerprint=fp-b", None).await;
    assert_eq!(by_fingerprint["data"][0]["attributes"]["fingerprint"], "fp-b");
    let read = admin.ok(Method::GET, &format!("/machines/{machine}"), None).await;
    assert_eq!(read["data"]["attributes"]["fingerprint"], "fp-a");
    let license_machines = admin.ok(Method::GET, &format!("/licenses/{license_id}/machines"), None).await;
    assert_eq!(license_machines["data"].as_array().unwrap().len(), 2);

    // A Member's token reads but does not deactivate.
    let member = Admin::of(&org, "member").await;
    assert_eq!(member.send(Method::GET, &format!("/machines/{machine}"), None).await.0, 200);
    let (status, body) = member.send(Method::DELETE, &format!("/machines/{machine}"), None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(admin.send(Method::DELETE, &format!("/machines/{machine}"), None).await.0, 204);
    assert_eq!(admin.ok(Method::GET, "/machines", None).await["meta"]["count"], 1);
}

#[tokio::test]
async fn tokens_are_held_to_their_role_their_organization_and_their_validity() {
    let org = Org::new().await;
    let app = &org.app;
    let admin = Admin::of(&org, "admin").await;
    let policy = admin.ok(Method::POST, "/policies", Some(new_policy("Pro", json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let license = admin.ok(Method::POST, "/licenses", Some(new_license(&policy, json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A Member's token reads; it writes nothing. A read-only token acts
    // as a Guest, who sees no licensing.
    let member = Admin::of(&org, "member").await;
    assert_eq!(member.ok(Method::GET, "/licenses", None).await["meta"]["count"], 1);
    let (status, body) = member.send(Method::POST, "/licenses", Some(new_license(&policy, json!({})))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["title"], "Access denied");
    let reader = Admin::of(&org, "read_only").await;
    assert_eq!(reader.send(Method::GET, "/licenses", None).await.0, 403);

    // Another organization's ids are not found; its account in the path
    // refuses the token.
    let (other_slug, theirs) = {
        let visitor = app.visitor();
        let path = visitor.signed_up(&Person::new("other")).await;
        let other_slug = slug(&path).to_owned();
        let token = api_token(&visitor, &other_slug, "admin").await;
        (other_slug.clone(), Admin::with(app, &other_slug, &token))
    };
    let their_policy = theirs.ok(Method::POST, "/policies", Some(new_policy("Theirs", json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [format!("/licenses/{license}"), format!("/policies/{policy}")] {
        let (status, body) = theirs.send(Method::GET, &path, None).await;
        assert_eq!((status.as_u16(), code(&body)), (404, "NOT_FOUND"), "{path}");
    }
    let (status, body) = admin.send(Method::POST, "/licenses", Some(new_license(&their_policy, json!({})))).await;
    assert_eq!((status.as_u16(), code(&body)), (422, "POLICY_NOT_FOUND"));
    let crossed = Admin::with(app, &other_slug, &admin.token);
    let (status, body) = crossed.send(Method::GET, "/licenses", None).await;
    assert_eq!((status.as_u16(), code(&body)), (401, "TOKEN_INVALID"));

    // Without the account in the path, the token's organization.
    let bare = Admin { base: app.url("/v1"), token: admin.token.clone(), http: client() };
    assert_eq!(bare.ok(Method::GET, "/licenses", None).await["data"][0]["id"], license.as_str());

    // Revoked, expired, unknown: 401 with a bearer challenge.
    let listed = app.ok("list_api_tokens", &org.form(&[])).await;
    let first =
        listed.as_array().unwrap().iter().find(|t| t["role"] == "member").unwrap()["id"].as_str().unwrap().to_owned();
    app.ok("revoke_api_token", &org.form(&[("token", &first)])).await;
    let (status, body) = member.send(Method::GET, "/licenses", None).await;
    assert_eq!((status.as_u16(), code(&body)), (401, "TOKEN_INVALID"));
    let response = client()
        .get(app.url("/v1/licenses"))
        .bearer_auth("atr_not-a-real-token-at-all-aaaaaaaaaaaaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    run_sql(&app.db, "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z'").await;
    assert_eq!(admin.send(Method::GET, "/licenses", None).await.0, 401);
}

#[tokio::test]
async fn a_demoted_creators_token_and_a_suspended_organizations_writes_are_refused() {
    let org = Org::new().await;
    let app = &org.app;
    let (visitor, _, member_id) = org.person("helper", app::model::Role::Admin).await;
    let token = api_token(&visitor, &org.slug, "admin").await;
    let admin = Admin::with(app, &org.slug, &token);
    assert_eq!(admin.send(Method::GET, "/policies", None).await.0, 200);
    app.ok("change_member_role", &org.form(&[("user", &member_id), ("role", "member")])).await;
    let (status, body) = admin.send(Method::GET, "/policies", None).await;
    assert_eq!((status.as_u16(), code(&body)), (401, "TOKEN_INVALID"));

    let owners = Admin::of(&org, "admin").await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    let platform = crate::helpers::platform_admin(app).await;
    platform.ok("suspend_organization", &[("org", &id)]).await;
    assert_eq!(owners.send(Method::GET, "/policies", None).await.0, 200, "reading goes on");
    let (status, body) = owners.send(Method::POST, "/policies", Some(new_policy("More", json!({})))).await;
    assert_eq!((status.as_u16(), code(&body)), (403, "ACCOUNT_SUSPENDED"));
}

#[tokio::test]
async fn concurrent_license_creates_respect_the_plan_limit_without_errors() {
    let org = Org::new().await;
    let app = &org.app;
    let admin = Admin::of(&org, "admin").await;
    let policy = admin.ok(Method::POST, "/policies", Some(new_policy("Pro", json!({})))).await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    let platform = crate::helpers::platform_admin(app).await;
    let limits = [("org", id.as_str()), ("plan", "pro"), ("members", "5"), ("projects", "5"), ("licenses", "3")];
    platform.ok("set_organization_plan", &limits).await;
    let admin = &admin;
    let body = new_license(&policy, json!({}));
    let answers =
        futures_util::future::join_all((0..8).map(|_| admin.send(Method::POST, "/licenses", Some(body.clone())))).await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    let refused: Vec<&Value> = answers.iter().filter(|(status, _)| *status != 201).map(|(_, body)| body).collect();
    assert_eq!(created, 3, "{refused:?}");
    assert!(refused.iter().all(|body| code(body) == "LIMIT_REACHED"), "{refused:?}");
    assert_eq!(admin.ok(Method::GET, "/licenses", None).await["meta"]["count"], 3);
}

#[tokio::test]
async fn every_token_answer_counts_the_quota_and_past_it_is_429_with_ratelimit_headers() {
    let org = Org::new_with(|config| config.api_requests_per_minute_per_token = 3).await;
    let token = api_token(&org.app, &org.slug, "admin").await;
    let get = |path: &str| client().get(org.app.url(&format!("/v1/accounts/{}{path}", org.slug))).bearer_auth(&token);
    for left in [2, 1, 0] {
        let response = get("/licenses").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], left.to_string().as_str());
        assert!(response.headers().contains_key("ratelimit-reset"));
        assert!(response.headers().contains_key("keygen-signature"), "still signed");
    }
    let refused = get("/policies").send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(code(&body), "TOO_MANY_REQUESTS");
    // The REST API counts against the same token's quota.
    let rest = client().get(org.app.url("/api/v1/projects")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(rest.status(), 429);
}
