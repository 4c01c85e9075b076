//! `/metrics`: what a scrape shows after requests, server-function calls,
//! license validations, sign-ins, uploads and jobs, that no label carries an id, and who
//! may read it (allowed networks, or the bearer token; 404 to anyone
//! else).
//!
//! The recorder is one per process and every test of this binary records
//! into it, in parallel: the assertions look for series and for
//! increases, never for absolute values.

use reqwest::{
    header,
    multipart::{Form, Part},
};
use serde_json::json;

use crate::{
    files::upload_csv,
    helpers::{Org, Person, TestApp, client, spawn_app_with},
    licensing::{license, policy},
};

/// The scrape, from loopback, asserting it is answered.
async fn scrape(app: &TestApp) -> String {
    let response = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    response.text().await.unwrap()
}

/// The sum of the series of `name` whose labels include every one of
/// `labels` (0 when there is none).
fn value(scrape: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            let wanted = labels.iter().all(|(key, value)| rest.contains(&format!("{key}=\"{value}\"")));
            (metric == name && wanted).then(|| value.parse::<f64>().unwrap())
        })
        .sum()
}

/// Whether a series of `name` is in the scrape.
fn present(scrape: &str, name: &str) -> bool {
    scrape.lines().any(|line| {
        !line.starts_with('#') && (line.starts_with(&format!("{name} ")) || line.starts_with(&format!("{name}{{")))
    })
}

#[tokio::test]
async fn requests_are_counted_by_route_template_never_by_raw_path() {
    let org = Org::new().await;
    let app = &org.app;
    let before = scrape(app).await;
    let route = [("route", "/o/{org}/audit.csv"), ("method", "GET"), ("status", "2xx")];
    for _ in 0..2 {
        assert_eq!(app.get(&format!("/o/{}/audit.csv", org.slug)).await.status(), 200);
    }
    let id = uuid::Uuid::new_v4().to_string();
    app.get(&format!("/o/{}/projects/{id}", org.slug)).await;
    app.get(&format!("/no/such/page/{id}")).await;
    let after = scrape(app).await;

    assert!(
        value(&after, "atrium_http_requests_total", &route)
            >= value(&before, "atrium_http_requests_total", &route) + 2.0
    );
    assert!(value(&after, "atrium_http_request_duration_seconds_count", &route) >= 2.0);
    assert!(present(&after, "atrium_http_request_duration_seconds_bucket"));
    // A page is labelled by its Leptos route's template; an unknown path
    // by the fallback's fixed label.
    let page = [("route", "/o/{org}/projects/{project}"), ("method", "GET")];
    assert!(value(&after, "atrium_http_requests_total", &page) >= 1.0);
    assert!(value(&after, "atrium_http_requests_total", &[("route", "fallback"), ("status", "4xx")]) >= 1.0);
    assert!(!after.contains(&id), "an id is in a label");
    assert!(!after.contains(&org.slug), "an organization's slug is in a label");
}

#[tokio::test]
async fn server_function_calls_are_counted_by_registered_name_only() {
    let org = Org::new().await;
    let app = &org.app;
    let created = [("function", "create_project"), ("status", "2xx")];
    let unknown = [("function", "unknown")];
    let before = scrape(app).await;
    app.project(&org.slug, "Counted").await;
    let refused = app.call("no_such_function_here", &[]).await;
    assert_eq!(refused.status(), 404);
    let after = scrape(app).await;

    let calls = "atrium_server_function_calls_total";
    assert!(value(&after, calls, &created) >= value(&before, calls, &created) + 1.0);
    assert!(value(&after, calls, &unknown) >= value(&before, calls, &unknown) + 1.0);
    assert!(!after.contains("no_such_function_here"));
}

#[tokio::test]
async fn license_validations_are_counted_by_code() {
    let org = Org::new().await;
    let app = &org.app;
    let policy = policy(app, &org.slug, &[("name", "Basic")]).await;
    let (_, key) = license(app, &org.slug, &policy).await;
    let before = scrape(app).await;
    for key in [key.as_str(), "GUESS-0000-GUESS-GUESS"] {
        let response = app
            .client
            .post(app.url(&format!("/v1/accounts/{}/licenses/actions/validate-key", org.slug)))
            .header("content-type", "application/vnd.api+json")
            .header("accept", "application/vnd.api+json")
            .body(json!({ "meta": { "key": key } }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let after = scrape(app).await;

    let validations = "atrium_license_validations_total";
    for code in ["VALID", "NOT_FOUND"] {
        let labels = [("code", code)];
        assert!(value(&after, validations, &labels) >= value(&before, validations, &labels) + 1.0, "{code}");
    }
    assert!(!after.contains(&key), "a license key is in a label");
}

#[tokio::test]
async fn sign_ins_lockouts_and_429s_are_counted() {
    let app = spawn_app_with(|config| config.sign_in_failures_per_address = 1).await;
    let person = Person::new("metered");
    app.signed_up(&person).await;
    let visitor = app.visitor();
    let before = scrape(&app).await;
    assert_eq!(visitor.login(&person.email, &person.password).await.status(), 200);
    assert_eq!(visitor.login(&person.email, "not the password at all").await.status(), 401);
    // One failure from this network is the limit: the next attempt waits.
    assert_eq!(visitor.login(&person.email, "not the password either").await.status(), 429);
    let after = scrape(&app).await;

    let increased =
        |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) >= value(&before, name, labels) + 1.0;
    assert!(increased("atrium_sign_ins_total", &[("result", "succeeded")]));
    assert!(increased("atrium_sign_ins_total", &[("result", "failed")]));
    assert!(increased("atrium_sign_in_lockouts_total", &[("reason", "delayed")]));
    assert!(increased("atrium_rate_limited_requests_total", &[("route", "/api/login")]));
}

#[tokio::test]
async fn pool_job_and_process_gauges_are_sampled_when_scraped() {
    let org = Org::new().await;
    let metrics = scrape(&org.app).await;
    for name in [
        "atrium_db_pool_connections",
        "atrium_db_pool_idle_connections",
        "atrium_db_pool_max_connections",
        "atrium_db_pool_acquire_seconds_bucket",
        "atrium_jobs_queued",
        "atrium_jobs_oldest_due_age_seconds",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(present(&metrics, name), "{name} is missing from:\n{metrics}");
    }
    assert!(metrics.contains("# HELP atrium_http_requests_total"));
}

/// The answer to a path that does not exist, for comparison.
async fn not_found(app: &TestApp) -> (u16, String) {
    let response = client().get(app.url("/no-such-page-here")).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_are_hidden_from_clients_outside_the_allowed_networks() {
    let app = spawn_app_with(|config| config.metrics_allowed_networks = vec!["10.0.0.0/8".to_owned()]).await;
    let refused = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 404);
    let body = refused.text().await.unwrap();
    assert!(!body.contains("atrium_"), "{body}");
    assert_eq!(not_found(&app).await.0, 404);

    // Behind a proxy, the client is the last X-Forwarded-For hop.
    let proxied = spawn_app_with(|config| config.trust_proxy_headers = true).await;
    let from = |ip: &'static str| client().get(proxied.url("/metrics")).header("x-forwarded-for", ip).send();
    assert_eq!(from("203.0.113.9").await.unwrap().status(), 404);
    assert_eq!(from("127.0.0.1, 203.0.113.9").await.unwrap().status(), 404);
    assert_eq!(from("203.0.113.9, 127.0.0.1").await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_metrics_token_opens_them_from_anywhere_and_a_wrong_one_does_not() {
    let token = "a long random scrape token 5b2f";
    let app = spawn_app_with(|config| {
        config.metrics_allowed_networks = vec!["10.0.0.0/8".to_owned()];
        config.metrics_token = Some(token.to_owned().into());
    })
    .await;
    let with =
        |authorization: String| client().get(app.url("/metrics")).header(header::AUTHORIZATION, authorization).send();
    assert_eq!(client().get(app.url("/metrics")).send().await.unwrap().status(), 404);
    assert_eq!(with(format!("Bearer {token}x")).await.unwrap().status(), 404);
    assert_eq!(with("Bearer a long random scrape token".to_owned()).await.unwrap().status(), 404);
    assert_eq!(with(format!("Basic {token}")).await.unwrap().status(), 404);
    let opened = with(format!("Bearer {token}")).await.unwrap();
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("atrium_http_requests_total"));
}

#[tokio::test]
async fn uploads_and_the_jobs_they_queue_are_counted() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Uploads").await;
    let before = scrape(app).await;
    let text = b"twelve bytes".to_vec();
    let form = Form::new().part("file", Part::bytes(text.clone()).file_name("notes.txt"));
    let response = app
        .client
        .post(app.url(&format!("/o/{}/projects/{project}/files", org.slug)))
        .header(header::ACCEPT, "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let csv = "title\nCounted\n";
    upload_csv(app, &org.slug, &project, csv).await;
    let after = scrape(app).await;

    let bytes = "atrium_upload_bytes_total";
    let stored = |kind: &str| value(&after, bytes, &[("kind", kind)]) - value(&before, bytes, &[("kind", kind)]);
    assert!(stored("file") >= text.len() as f64, "{}", stored("file"));
    assert!(stored("import") >= csv.len() as f64, "{}", stored("import"));
    assert!(present(&after, "atrium_uploads_in_flight"));

    // The stored file is processed by a job, beside the test.
    let processed = [("kind", "process_file"), ("outcome", "succeeded")];
    let jobs = "atrium_jobs_finished_total";
    for _ in 0..200 {
        if value(&scrape(app).await, jobs, &processed) > value(&before, jobs, &processed) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no processing job was counted");
}
