//! Webhook endpoints through the dashboard's server functions, and their
//! deliveries to a real receiver: every delivery is verified with the
//! Standard Webhooks reference library (`standardwebhooks`); failures are
//! retried and logged; redelivery keeps the event's id; a rotated-out
//! secret signs beside the new one; and unsafe endpoints (private
//! addresses, slow, redirecting, huge answers) cost a worker at most 10
//! seconds and reach nothing.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::Value;

use crate::helpers::{Org, Person, TestApp, slug};

/// What a receiver answers.
#[derive(Clone, Copy)]
pub enum Behaviour {
    Ok,
    /// 200, after this long.
    Slow(Duration),
    /// 500 to the first `n` deliveries, then 200.
    FailFirst(usize),
    /// Never answers.
    Hang,
    /// 302 to another path of the receiver.
    Redirect,
    /// 200 with 5 MB of body.
    Huge,
}

/// One delivery as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A webhook receiver on loopback, keeping what it was sent.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Self {
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let state = (Arc::clone(&seen), behaviour);
        let handler = |path: &'static str| {
            move |State((seen, behaviour)): State<(Arc<Mutex<Vec<Received>>>, Behaviour)>,
                  headers: HeaderMap,
                  body: Bytes| async move {
                let count = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(Received { path: path.to_owned(), headers, body });
                    seen.len()
                };
                match behaviour {
                    Behaviour::Ok => (StatusCode::OK, "thanks").into_response(),
                    Behaviour::Slow(after) => {
                        tokio::time::sleep(after).await;
                        (StatusCode::OK, "thanks, eventually").into_response()
                    }
                    Behaviour::FailFirst(n) if count <= n => {
                        (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
                    }
                    Behaviour::FailFirst(_) => (StatusCode::OK, "thanks").into_response(),
                    Behaviour::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        StatusCode::OK.into_response()
                    }
                    Behaviour::Redirect if path == "/hook" => Response::builder()
                        .status(302)
                        .header("location", "/elsewhere")
                        .body(axum::body::Body::empty())
                        .unwrap(),
                    Behaviour::Redirect => StatusCode::OK.into_response(),
                    Behaviour::Huge => (StatusCode::OK, "x".repeat(5 * 1024 * 1024)).into_response(),
                }
            }
        };
        let router = Router::new()
            .route("/hook", post(handler("/hook")))
            .route("/elsewhere", post(handler("/elsewhere")))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url, seen }
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until `count` deliveries arrived.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || tokio::time::Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An app whose deliveries may use plain http to loopback (the test
/// receiver), as an operator's settings would allow.
async fn open_org() -> Org {
    Org::new_with(|config| {
        config.webhook_allow_http = true;
        config.webhook_allowed_networks = vec!["127.0.0.0/8".into()];
    })
    .await
}

async fn add_endpoint(org: &Org, url: &str, types: &[&str]) -> (String, String) {
    let mut form = org.form(&[("url", url), ("description", "CRM sync"), ("enabled", "on")]);
    form.extend(types.iter().map(|t| ("event_types[]", *t)));
    let created = org.app.ok("create_webhook_endpoint", &form).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    (created["endpoint"]["id"].as_str().unwrap().to_owned(), secret)
}

/// Verifies a delivery with the Standard Webhooks library and `secret`.
fn verify(secret: &str, delivery: &Received) -> Result<(), standardwebhooks::WebhookError> {
    standardwebhooks::Webhook::new(secret).unwrap().verify(&delivery.body, &delivery.headers)
}

async fn log(app: &TestApp, org: &Org, endpoint: &str) -> Vec<Value> {
    let listed = app.ok("list_webhook_deliveries", &org.form(&[("endpoint", endpoint)])).await;
    listed.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_test_event_arrives_signed_is_logged_and_redelivered_with_its_id() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let (endpoint, secret) = add_endpoint(&org, &receiver.url, &["license.created"]).await;
    let listed = org.app.ok("list_webhook_endpoints", &org.form(&[])).await;
    assert_eq!(listed[0]["event_types"], serde_json::json!(["license.created"]));
    assert!(listed[0].get("secret").is_none(), "the secret is shown once: {listed}");

    org.app.ok("send_webhook_test", &org.form(&[("endpoint", &endpoint)])).await;
    let received = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 1);
    verify(&secret, &received[0]).expect("a valid Standard Webhooks signature");
    assert!(verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &received[0]).is_err(), "another secret fails");
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["type"], "webhook.test");
    assert!(body["timestamp"].is_string() && body["data"].is_object(), "{body}");

    let logged = {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let logged = log(&org.app, &org, &endpoint).await;
            if !logged.is_empty() || tokio::time::Instant::now() > deadline {
                break logged;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!((logged[0]["status_code"].as_u64(), logged[0]["attempt"].as_i64()), (Some(200), Some(1)));
    assert_eq!(logged[0]["response_head"], "thanks");

    org.app.ok("redeliver_webhook", &org.form(&[("delivery", logged[0]["id"].as_str().unwrap())])).await;
    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].headers["webhook-id"], received[0].headers["webhook-id"], "the same event, once more");
    assert_eq!(received[1].body, received[0].body);
    verify(&secret, &received[1]).unwrap();
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_a_rotated_secret_signs_beside_the_new_one() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::FailFirst(1)).await;
    let (endpoint, old_secret) = add_endpoint(&org, &receiver.url, &[]).await;
    org.app.ok("send_webhook_test", &org.form(&[("endpoint", &endpoint)])).await;
    // The first attempt gets a 500; the queue tries again 5 s later.
    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 2, "retried after the 500");
    assert_eq!(received[0].headers["webhook-id"], received[1].headers["webhook-id"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logged = log(&org.app, &org, &endpoint).await;
    let statuses: Vec<_> = logged.iter().map(|d| (d["attempt"].as_i64(), d["status_code"].as_u64())).collect();
    assert_eq!(statuses, [(Some(2), Some(200)), (Some(1), Some(500))]);
    let endpoints = org.app.ok("list_webhook_endpoints", &org.form(&[])).await;
    assert!(endpoints[0]["failing_since"].is_null(), "a success ends the failure streak");

    let rotated = org.app.ok("rotate_webhook_secret", &org.form(&[("endpoint", &endpoint)])).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["endpoint"]["previous_secret_until"].is_string(), "{rotated}");
    org.app.ok("send_webhook_test", &org.form(&[("endpoint", &endpoint)])).await;
    let received = receiver.wait_for(3, Duration::from_secs(10)).await;
    verify(&new_secret, &received[2]).expect("the new secret verifies");
    verify(&old_secret, &received[2]).expect("the old secret still verifies for a day");
}

#[tokio::test]
async fn unsafe_endpoints_are_refused_or_cost_at_most_ten_seconds() {
    // Without the settings: https only, and no private address.
    let strict = Org::new().await;
    for (url, why) in [
        ("http://hooks.example.com/", "https"),
        ("https://127.0.0.1/hook", "public"),
        ("https://[::1]/hook", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"),
        ("https://user:secret@hooks.example.com/", "password"),
        ("not a url", "whole URL"),
    ] {
        let response = strict.app.call("create_webhook_endpoint", &strict.form(&[("url", url)])).await;
        assert_eq!(response.status(), 422, "{url}");
        let body: Value = response.json().await.unwrap();
        let message = body["detail"]["fields"]["url"].as_str();
        assert!(message.is_some_and(|m| m.contains(why)), "{url}: {body}");
    }
    let response = strict
        .app
        .call(
            "create_webhook_endpoint",
            &strict.form(&[("url", "https://hooks.example.com/"), ("event_types[]", "no.such")]),
        )
        .await;
    assert_eq!(response.status(), 422);

    // A name that resolves to loopback is refused when connecting, not
    // only when saved (DNS can change in between).
    let https_only = Org::new_with(|config| config.webhook_allow_http = true).await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let (endpoint, _) = add_endpoint(&https_only, &by_name, &[]).await;
    https_only.app.ok("send_webhook_test", &https_only.form(&[("endpoint", &endpoint)])).await;
    let logged = wait_logged(&https_only, &endpoint, 1).await;
    assert!(logged[0]["error"].as_str().unwrap().contains("refused"), "{logged:?}");
    assert!(receiver.received().is_empty(), "nothing reached the private address");

    // Slow, redirecting and huge answers, on an app that allows loopback.
    let org = open_org().await;
    let slow = Receiver::start(Behaviour::Hang).await;
    let redirecting = Receiver::start(Behaviour::Redirect).await;
    let huge = Receiver::start(Behaviour::Huge).await;
    let (slow_id, _) = add_endpoint(&org, &slow.url, &[]).await;
    let (redirect_id, _) = add_endpoint(&org, &redirecting.url, &[]).await;
    let (huge_id, _) = add_endpoint(&org, &huge.url, &[]).await;
    for id in [&slow_id, &redirect_id, &huge_id] {
        org.app.ok("send_webhook_test", &org.form(&[("endpoint", id)])).await;
    }
    let logged = wait_logged(&org, &redirect_id, 1).await;
    assert_eq!(logged[0]["status_code"], 302, "a redirect is an answer, not followed");
    assert!(redirecting.received().iter().all(|r| r.path == "/hook"), "the redirect was not followed");
    let logged = wait_logged(&org, &huge_id, 1).await;
    assert_eq!(logged[0]["status_code"], 200);
    assert_eq!(logged[0]["response_head"].as_str().unwrap().len(), 1024, "only the first 1 KB is read");
    let logged = wait_logged(&org, &slow_id, 1).await;
    assert!(logged[0]["error"].as_str().unwrap().contains("timed out"), "{logged:?}");
    let took = logged[0]["duration_ms"].as_i64().unwrap();
    assert!((9_000..=12_000).contains(&took), "a hanging endpoint costs about 10 seconds: {took} ms");
}

/// The endpoint's log once it has `count` attempts (up to 20 s).
async fn wait_logged(org: &Org, endpoint: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let logged = log(&org.app, org, endpoint).await;
        if logged.len() >= count || tokio::time::Instant::now() > deadline {
            return logged;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn endpoints_are_for_admins_of_their_own_organization() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let (endpoint, _) = add_endpoint(&org, &receiver.url, &[]).await;
    let (member, ..) = org.person("mem", app::model::Role::Member).await;
    let response = member.call("list_webhook_endpoints", &org.form(&[])).await;
    assert_eq!(response.status(), 403);
    let response = member.call("send_webhook_test", &org.form(&[("endpoint", &endpoint)])).await;
    assert_eq!(response.status(), 403);

    // Another organization's endpoint id is not found.
    let stranger = org.app.visitor();
    let their_slug = slug(&stranger.signed_up(&Person::new("other")).await).to_owned();
    let theirs = stranger
        .ok("create_webhook_endpoint", &[("org", their_slug.as_str()), ("url", receiver.url.as_str())])
        .await["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["send_webhook_test", "rotate_webhook_secret", "delete_webhook_endpoint", "list_webhook_deliveries"] {
        let response = org.app.call(name, &org.form(&[("endpoint", &theirs)])).await;
        assert_eq!(response.status(), 404, "{name}");
    }

    // Disabling keeps the endpoint; enabling brings it back.
    let form = org.form(&[("endpoint", &endpoint), ("url", &receiver.url), ("description", "Paused")]);
    let updated = org.app.ok("update_webhook_endpoint", &form).await;
    assert_eq!((updated["enabled"].as_bool(), updated["description"].as_str()), (Some(false), Some("Paused")));
    org.app.ok("delete_webhook_endpoint", &org.form(&[("endpoint", &endpoint)])).await;
    assert_eq!(org.app.ok("list_webhook_endpoints", &org.form(&[])).await, serde_json::json!([]));

    // Each change is in the audit log, never with the secret.
    for action in ["webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.deleted"] {
        let events = org.app.ok("list_audit_events", &org.form(&[("action", action)])).await;
        let items = events["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{action}: {events}");
        assert_eq!(items[0]["target_id"], endpoint.as_str());
        assert!(!items[0]["details"].as_str().unwrap().contains("whsec_"), "{action}: no secret");
    }
}

#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_and_its_admins_are_mailed() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::FailFirst(usize::MAX)).await;
    let (endpoint, _) = add_endpoint(&org, &receiver.url, &[]).await;
    // Its deliveries have failed since long ago; the next failure ends it.
    crate::helpers::run_sql(&org.app.db, "UPDATE webhook_endpoints SET failing_since = '2020-01-01T00:00:00Z'").await;
    org.app.ok("send_webhook_test", &org.form(&[("endpoint", &endpoint)])).await;
    let logged = wait_logged(&org, &endpoint, 1).await;
    assert_eq!(logged[0]["status_code"], 500);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let listed = org.app.ok("list_webhook_endpoints", &org.form(&[])).await;
        if listed[0]["enabled"] == false || tokio::time::Instant::now() > deadline {
            break listed[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(disabled["enabled"], false, "{disabled}");
    assert!(disabled["disabled_reason"].as_str().unwrap().contains("3 days"), "{disabled}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while org.app.mails_to(&org.owner.email).iter().all(|m| !m.contains("webhook endpoint was disabled"))
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mail = org.app.mails_to(&org.owner.email).into_iter().find(|m| m.contains("webhook endpoint was disabled"));
    let mail = mail.expect("the Owner is told");
    assert!(mail.contains(&receiver.url), "which endpoint: {mail}");
    assert!(mail.contains(&format!("/o/{}/settings/webhooks", org.slug)), "where to fix it: {mail}");
    // No retry follows: the one delivery was the last.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn changes_reach_the_endpoints_that_want_them_once_each_in_keygens_shape_for_licensing() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let (_, secret) = add_endpoint(&org, &receiver.url, &["task.created", "license.created"]).await;
    let everything = Receiver::start(Behaviour::Ok).await;
    let (_, all_secret) = add_endpoint(&org, &everything.url, &[]).await;

    let project = org.app.project(&org.slug, "Launch").await;
    let task = org.app.task(&org.slug, &project, &[("title", "Write the brief")]).await;
    let task_id = task["id"].as_str().unwrap();
    // Deliveries of different events run in parallel: one at a time here,
    // so the order below is the order of the changes.
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1);
    let policy = crate::licensing::policy(&org.app, &org.slug, &[("name", "Pro")]).await;
    let (license, _) = crate::licensing::license(&org.app, &org.slug, &policy).await;

    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    let bodies: Vec<Value> = received
        .iter()
        .map(|delivery| {
            verify(&secret, delivery).expect("signed with the endpoint's secret");
            serde_json::from_slice(&delivery.body).unwrap()
        })
        .collect();
    let types: Vec<&str> = bodies.iter().map(|body| body["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["task.created", "license.created"], "only the chosen types");
    assert_eq!((bodies[0]["data"]["id"].as_str(), bodies[0]["data"]["type"].as_str()), (Some(task_id), Some("task")));

    // Licensing: Keygen's webhook-event, its payload the resource document.
    let event = &bodies[1]["data"];
    assert_eq!(
        (event["type"].as_str(), event["attributes"]["event"].as_str()),
        (Some("webhook-events"), Some("license.created"))
    );
    assert_eq!(event["attributes"]["endpoint"], receiver.url.as_str());
    let payload: Value = serde_json::from_str(event["attributes"]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        (payload["data"]["type"].as_str(), payload["data"]["id"].as_str()),
        (Some("licenses"), Some(license.as_str()))
    );
    // The license as the /v1 API shows it, key included, as Keygen's
    // payloads have it.
    let shown = org.app.ok("get_license", &org.form(&[("license", &license)])).await;
    assert_eq!(payload["data"]["attributes"]["key"], shown["license"]["key"], "{payload}");
    assert_eq!(payload["data"]["attributes"]["status"], "ACTIVE", "{payload}");
    assert_eq!(payload["data"]["relationships"]["policy"]["data"]["id"], policy.as_str(), "{payload}");
    assert_eq!(event["id"], received[1].headers["webhook-id"].to_str().unwrap(), "the event's id is the webhook-id");

    // The endpoint that wants everything gets every change, each once.
    let all = everything.wait_for(5, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = if everything.received().len() > all.len() { everything.received() } else { all };
    let ids: Vec<&str> = all.iter().map(|d| d.headers["webhook-id"].to_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "once per event: {ids:?}");
    let all_types: Vec<String> = all
        .iter()
        .map(|d| {
            verify(&all_secret, d).unwrap();
            serde_json::from_slice::<Value>(&d.body).unwrap()["type"].as_str().unwrap().to_owned()
        })
        .collect();
    for expected in ["project.created", "task.created", "policy.created", "license.created"] {
        assert!(all_types.iter().any(|t| t == expected), "{expected} in {all_types:?}");
    }
    assert_eq!(receiver.received().len(), 2, "nothing else reached the choosy endpoint");
}

#[tokio::test]
async fn an_endpoint_receives_a_burst_of_changes_in_the_order_they_happened() {
    let org = open_org().await;
    let receiver = Receiver::start(Behaviour::Ok).await;
    let (_, secret) = add_endpoint(&org, &receiver.url, &["task.created"]).await;
    let project = org.app.project(&org.slug, "Burst").await;
    // Made one after the other, faster than deliveries go out: the
    // queue's workers run several deliveries at once.
    let mut made = Vec::new();
    for n in 0..12 {
        let task = org.app.task(&org.slug, &project, &[("title", &format!("Task {n}"))]).await;
        made.push(task["id"].as_str().unwrap().to_owned());
    }
    let received = receiver.wait_for(made.len(), Duration::from_secs(30)).await;
    let order: Vec<String> = received
        .iter()
        .map(|delivery| {
            verify(&secret, delivery).expect("signed with the endpoint's secret");
            let body: Value = serde_json::from_slice(&delivery.body).unwrap();
            body["data"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(order, made, "in the order the tasks were made");
}
