//! API tokens: created on the settings page's server functions, used on
//! the REST API, and refused in every case the rules name (revoked,
//! expired, creator demoted or gone, organization suspended or deleted,
//! rate limit, a session cookie instead of a token).

use app::model::Role;
use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{Bearer, Org, api_token, field_message, run_sql};

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{status} {body}");
    (status, body)
}

async fn audit_actions(org: &Org) -> Vec<Value> {
    let events = org.app.ok("list_audit_events", &org.form(&[])).await;
    events["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_creates_a_token_sees_its_secret_once_uses_it_and_revokes_it() {
    let org = Org::new().await;
    let created = org.app.ok("create_api_token", &org.form(&[("name", "Billing glue"), ("role", "admin")])).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("atr_") && secret.len() == 47, "{secret}");
    assert!(created["api_url"].as_str().unwrap().ends_with("/api/v1"));
    let id = created["token"]["id"].as_str().unwrap().to_owned();

    // Listed without its secret, never used yet.
    let listed = org.app.ok("list_api_tokens", &org.form(&[])).await;
    let text = listed.to_string();
    assert!(!text.contains(secret), "the list never carries a secret");
    assert_eq!(listed[0]["name"], "Billing glue");
    assert_eq!(listed[0]["secret_start"].as_str().unwrap(), &secret[..8]);
    assert!(listed[0]["last_used_at"].is_null());

    let api = Bearer::new(&org.app, secret);
    let response = api.get("/projects").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("ratelimit-remaining"));
    let listed = org.app.ok("list_api_tokens", &org.form(&[])).await;
    assert!(listed[0]["last_used_at"].is_string(), "the use is noted: {listed}");
    assert_eq!(listed[0]["last_used_network"], "127.0.0.1");

    let revoked = org.app.ok("revoke_api_token", &org.form(&[("token", &id)])).await;
    assert!(revoked["revoked_at"].is_string());
    let (status, body) = problem(api.get("/projects").await).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("revoked"), "{body}");

    let actions: Vec<String> =
        audit_actions(&org).await.iter().map(|event| event["action"].as_str().unwrap().to_owned()).collect();
    for action in ["api_token.created", "api_token.new_network", "api_token.revoked"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn bad_token_input_is_refused_next_to_the_field() {
    let org = Org::new().await;
    let response = org.app.call("create_api_token", &org.form(&[("name", " "), ("role", "owner")])).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(field_message(&body, "name").is_some(), "{body}");
    assert!(field_message(&body, "role").is_some(), "{body}");
    let past = org.form(&[("name", "Old"), ("role", "member"), ("expires_on", "2020-01-01")]);
    let body: Value = org.app.call("create_api_token", &past).await.json().await.unwrap();
    assert!(field_message(&body, "expires_on").unwrap().contains("after today"), "{body}");
    assert!(org.app.ok("list_api_tokens", &org.form(&[])).await.as_array().unwrap().is_empty(), "nothing made");
}

#[tokio::test]
async fn a_missing_malformed_or_expired_token_or_a_session_cookie_is_401() {
    let org = Org::new().await;
    let secret = api_token(&org.app, &org.slug, "member").await;
    // The signed-in owner's cookie is not an API client.
    let cookie = org.app.client.get(org.app.url("/api/v1/projects")).send().await.unwrap();
    assert_eq!(cookie.status(), 401);
    assert!(cookie.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
    for bad in ["atr_nope", "ghp_0123456789", &format!("{}x", &secret[..46])] {
        let (status, _) = problem(Bearer::new(&org.app, bad).get("/projects").await).await;
        assert_eq!(status, 401, "{bad}");
    }
    let api = Bearer::new(&org.app, &secret);
    assert_eq!(api.get("/projects").await.status(), 200);
    run_sql(&org.app.db, "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z'").await;
    let (status, body) = problem(api.get("/projects").await).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");
}

#[tokio::test]
async fn a_token_stops_when_its_creator_no_longer_holds_its_role() {
    let org = Org::new().await;
    let (admin, _, admin_id) = org.person("adm", Role::Admin).await;
    let admin_token = api_token(&admin, &org.slug, "admin").await;
    let member_token = api_token(&admin, &org.slug, "member").await;
    let (admin_api, member_api) = (Bearer::new(&org.app, &admin_token), Bearer::new(&org.app, &member_token));
    assert_eq!(admin_api.get("/projects").await.status(), 200);

    org.app.ok("change_member_role", &org.form(&[("user", &admin_id), ("role", "member")])).await;
    let (status, body) = problem(admin_api.get("/projects").await).await;
    assert_eq!(status, 401, "an Admin token of a Member is refused");
    assert!(body["detail"].as_str().unwrap().contains("no longer holds"), "{body}");
    assert_eq!(member_api.get("/projects").await.status(), 200, "a Member token of a Member works");

    org.app.ok("remove_member", &org.form(&[("user", &admin_id)])).await;
    assert_eq!(member_api.get("/projects").await.status(), 401, "not once they are gone");
}

#[tokio::test]
async fn a_token_acts_with_its_role_not_its_creators() {
    let org = Org::new().await;
    let project = org.app.project(&org.slug, "Work").await;
    let reader = Bearer::new(&org.app, &api_token(&org.app, &org.slug, "read_only").await);
    let member = Bearer::new(&org.app, &api_token(&org.app, &org.slug, "member").await);
    assert_eq!(reader.get("/projects").await.status(), 200);
    let (status, _) = problem(reader.send(Method::POST, "/projects", &json!({"name": "Nope"})).await).await;
    assert_eq!(status, 403, "read-only");
    assert_eq!(member.send(Method::POST, "/projects", &json!({"name": "Yes"})).await.status(), 201);
    let (status, _) =
        problem(member.request(Method::DELETE, &format!("/projects/{project}")).send().await.unwrap()).await;
    assert_eq!(status, 403, "trashing a project is an Admin's");
}

#[tokio::test]
async fn a_suspended_organizations_tokens_read_and_change_nothing_and_a_deleted_ones_are_refused() {
    let org = Org::new().await;
    let id = org.app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    let api = Bearer::new(&org.app, &api_token(&org.app, &org.slug, "admin").await);
    let platform = crate::helpers::platform_admin(&org.app).await;
    platform.ok("suspend_organization", &[("org", &id)]).await;
    assert_eq!(api.get("/projects").await.status(), 200, "reading goes on");
    let (status, body) = problem(api.send(Method::POST, "/projects", &json!({"name": "More"})).await).await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("suspended"), "{body}");
    platform.ok("reactivate_organization", &[("org", &id)]).await;

    let name = org.owner.organization.clone();
    org.app.ok("delete_organization", &org.form(&[("confirm", &name)])).await;
    assert_eq!(api.get("/projects").await.status(), 401);
}

#[tokio::test]
async fn every_answer_counts_the_quota_and_past_it_is_429_with_retry_after() {
    let org = Org::new_with(|config| config.api_requests_per_minute_per_token = 3).await;
    let api = Bearer::new(&org.app, &api_token(&org.app, &org.slug, "member").await);
    for left in [2, 1, 0] {
        let response = api.get("/projects").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], left.to_string().as_str());
    }
    let refused = api.get("/projects").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    let wait: u64 = refused.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another token of the same organization has a quota of its own.
    let other = Bearer::new(&org.app, &api_token(&org.app, &org.slug, "member").await);
    assert_eq!(other.get("/projects").await.status(), 200);
}
