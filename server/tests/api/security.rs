use reqwest::header;

use crate::helpers::{Person, session_cookie, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_cross_site_post_carrying_the_session_cookie_is_refused() {
    let app = spawn_app().await;
    app.signed_up(&Person::new("csrf")).await;

    for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")] {
        let response = app
            .client
            .post(app.url("/api/logout"))
            .header(header::ACCEPT, "application/json")
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}: {value}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    }
    // The session survived both attempts.
    assert_eq!(app.current_user().await["display_name"], "csrf Tester");
}

#[tokio::test]
async fn same_origin_posts_pass() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/signup"))
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, &app.address)
        .form(&[("email", "x"), ("display_name", "x"), ("password", "x"), ("organization_name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn a_server_function_call_missing_an_argument_is_a_bad_request() {
    let app = spawn_app().await;
    let response = app.call("signup", &[("email", "x")]).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["kind"], "request");
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_that_matches_their_scripts_and_the_other_security_headers() {
    let app = spawn_app().await;
    let response = app.get("/login").await;
    let headers = response.headers().clone();
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("object-src 'none'"));
    assert!(!csp.contains("unsafe-inline"));

    let html = response.text().await.unwrap();
    assert!(html.contains(&format!(r#"nonce="{nonce}""#)), "the hydration script carries the nonce");
    let second = app.get("/login").await.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert_ne!(csp, second, "a fresh nonce per response");

    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS over plain http");
}

#[tokio::test]
async fn non_page_responses_get_a_deny_all_csp() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
}

#[tokio::test]
async fn every_response_has_a_request_id_and_a_given_one_is_kept() {
    let app = spawn_app().await;
    let fresh = app.client.get(app.url("/health")).send().await.unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let given = app.client.get(app.url("/health")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax_and_not_secure_over_http() {
    let app = spawn_app().await;
    let response = app.signup(&Person::new("cookie")).await;
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("atrium_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Secure"));
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed_and_hsts_is_sent() {
    let app = spawn_app_with(|config| config.public_url = Some("https://atrium.test".into())).await;
    let response = app.signup(&Person::new("tls")).await;
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("__Host-atrium_session="), "{set_cookie}");
    assert!(set_cookie.contains("Secure"));
    assert!(set_cookie.contains("Path=/"));
    assert!(!set_cookie.contains("Domain"));
    assert!(session_cookie(&response).is_some());

    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=63072000; includeSubDomains");
}

/// Every directive of a page's policy (OWASP ASVS 5.0 V3.4.3): scripts
/// only with the response's nonce or from this origin, WebAssembly
/// compilation allowed, nothing inline otherwise, no plugins, no framing.
#[tokio::test]
async fn the_page_policy_has_exactly_the_designed_directives() {
    let app = spawn_app().await;
    app.signed_up(&Person::new("csp")).await;
    for path in ["/login", "/account", "/forgot-password", "/login/two-factor"] {
        let response = app.get(path).await;
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_owned();
        let mut directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        directives.sort_unstable();
        let script = format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
        let mut expected = vec![
            "base-uri 'none'",
            "connect-src 'self'",
            "default-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "img-src 'self' data:",
            "object-src 'none'",
            script.as_str(),
            "style-src 'self'",
        ];
        expected.sort_unstable();
        assert_eq!(directives, expected, "{path}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>"), "{path}: every script carries the nonce");
    }
}

/// The session cookie lives no longer than the idle timeout, on the whole
/// site.
#[tokio::test]
async fn the_session_cookie_expires_with_the_idle_timeout() {
    let app = spawn_app().await;
    let response = app.signup(&Person::new("expiry")).await;
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    let max_age: u64 = set_cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .expect("a Max-Age")
        .parse()
        .unwrap();
    assert!((1..=30 * 60).contains(&max_age), "{max_age}");
}

#[tokio::test]
async fn request_logs_name_the_route_and_never_a_link_token_or_license_key() {
    crate::helpers::capture_log();
    let org = crate::helpers::Org::new().await;
    let app = &org.app;
    app.ok("invite_member", &org.form(&[("email", "guest@example.com"), ("role", "guest")])).await;
    let link = app.invitation_link("guest@example.com");
    let invitation_token = link.trim_start_matches("/invite/").to_owned();
    assert_eq!(app.visitor().get(&link).await.status(), 200);
    // A refused cross-site post is logged with its path too.
    let refused = app.client.post(app.url(&link)).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let (query_token, key_token) = ("c0ffee".repeat(10), "feed".repeat(12));
    for page in ["reset-password", "verify-email", "end-sessions"] {
        app.visitor().get(&format!("/{page}?token={query_token}")).await;
    }

    let policy = app.ok("create_policy", &org.form(&[("name", "Team")])).await.as_str().unwrap().to_owned();
    let license = app.ok("create_license", &org.form(&[("policy", &policy)])).await.as_str().unwrap().to_owned();
    let detail = app.ok("get_license", &org.form(&[("license", &license)])).await;
    let key = detail["license"]["key"].as_str().unwrap().to_owned();
    for path in [
        format!("/v1/licenses/{key}/entitlements"),
        format!("/v1/accounts/{}/licenses/{key}/entitlements", org.slug),
        format!("/v1/licenses/{key_token}/machines"),
    ] {
        let response =
            app.client.get(app.url(&path)).header("authorization", format!("License {key}")).send().await.unwrap();
        assert!(response.status().is_success() || response.status() == 404, "{path}: {}", response.status());
    }

    let text = crate::helpers::captured_log();
    for secret in [&invitation_token, &query_token, &key, &key_token] {
        let leaks: Vec<&str> = text.lines().filter(|line| line.contains(secret.as_str())).collect();
        assert!(leaks.is_empty(), "{secret} is in the log:\n{}", leaks.join("\n"));
    }
    for route in [
        "/invite/{token}",
        "/reset-password",
        "/verify-email",
        "/v1/licenses/{license}/entitlements",
        "/v1/licenses/{license}/machines",
        "refused a cross-site request",
    ] {
        assert!(text.contains(route), "no {route} in the log");
    }
    let account_path = format!("/v1/accounts/{}/licenses/{{license}}/entitlements", org.slug);
    assert!(text.contains(&account_path), "no {account_path} in the log");
}
