use app::{model::Email, server::db::users};
use reqwest::header;
use serde_json::Value;

use crate::helpers::{
    Person, client, field_error, location, login_from, session_cookie, spawn_app, spawn_app_with, with_proxy,
};

#[tokio::test]
async fn sign_up_creates_the_account_and_organization_signs_in_and_redirects_to_the_dashboard() {
    let app = spawn_app().await;
    let ada = Person::new("ada");

    let response = app.signup(&ada).await;
    assert_eq!(response.status(), 200);
    assert!(session_cookie(&response).is_some(), "signed in");
    let org_path = location(&response);
    assert_eq!(org_path, "/o/ada-works");

    let user = app.current_user().await;
    assert_eq!(user["email"], ada.email);
    assert_eq!(user["display_name"], ada.name);

    let page = app.get(&org_path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ada Works"), "{html}");
    assert!(html.contains("Owner"));

    // The password is stored as an argon2id hash with the OWASP parameters.
    let row = users::find_by_email(&app.db, &Email::parse(&ada.email).unwrap()).await.unwrap().unwrap();
    assert!(row.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[tokio::test]
async fn a_second_organization_with_the_same_name_gets_the_next_slug() {
    let app = spawn_app().await;
    let first = app.signed_up(&Person::new("twin")).await;
    let second = app.visitor().signed_up(&Person::new("twin")).await;
    assert_eq!(first, "/o/twin-works");
    assert_eq!(second, "/o/twin-works-2");
}

#[tokio::test]
async fn signing_up_with_a_taken_email_in_any_case_is_an_email_field_error() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;

    let again = Person { email: ada.email.to_uppercase(), ..Person::new("ada") };
    let message = field_error(app.signup(&again).await, "email").await;
    assert!(message.contains("already exists"), "{message}");

    // Reported together with the other bad fields, not after them.
    let weak_too = Person { password: "password1234".into(), ..again };
    let response = app.signup(&weak_too).await;
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"]["fields"]["email"].as_str().unwrap().contains("already exists"));
    assert!(body["detail"]["fields"]["password"].is_string());
}

#[tokio::test]
async fn passwords_must_be_12_to_128_characters_and_not_guessable() {
    let app = spawn_app().await;
    let cases = [
        ("x".repeat(11), "at least 12"),
        ("x".repeat(129), "at most 128"),
        ("password1234".to_owned(), "breached"),
        // Long enough, but made of the person's own details.
        ("ada.tester@example.com".to_owned(), "guess"),
    ];
    for (password, expected) in cases {
        let person =
            Person { password: password.clone(), email: "ada.tester@example.com".into(), ..Person::new("ada") };
        let message = field_error(app.signup(&person).await, "password").await;
        assert!(message.contains(expected), "{password:?}: {message}");
    }

    // Exactly 128 characters of a strong passphrase is accepted.
    let long = "correct horse battery staple ".repeat(5);
    let person = Person { password: long[..128].to_owned(), ..Person::new("long") };
    assert_eq!(app.signup(&person).await.status(), 200);
}

#[tokio::test]
async fn malformed_emails_are_email_field_errors() {
    let app = spawn_app().await;
    for email in ["ada", "ada@", "ada@example", "<ada@example.com>", ""] {
        let person = Person { email: email.to_owned(), ..Person::new("ada") };
        let message = field_error(app.signup(&person).await, "email").await;
        assert!(!message.is_empty(), "{email:?}");
    }
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let app = spawn_app().await;
    let person = Person {
        name: "   ".to_owned(),
        email: "nope".to_owned(),
        password: "short".to_owned(),
        organization: "o".repeat(101),
    };
    let response = app.signup(&person).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields = body["detail"]["fields"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["display_name", "email", "organization_name", "password"]);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;

    let wrong_password = app.login(&ada.email, "not the password at all").await;
    let unknown_email = app.login("nobody@example.com", "not the password at all").await;
    assert_eq!(wrong_password.status(), 401);
    assert_eq!(unknown_email.status(), 401);
    let a = wrong_password.text().await.unwrap();
    let b = unknown_email.text().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a, r#"{"kind":"invalid_credentials"}"#);
}

#[tokio::test]
async fn sign_in_ignores_email_case_and_cycles_the_session_id() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    let signup = app.signup(&ada).await;
    let before = session_cookie(&signup).expect("session cookie at sign-up");

    let login = app.login(&ada.email.to_uppercase(), &ada.password).await;
    assert_eq!(login.status(), 200);
    assert_eq!(location(&login), "/o/ada-works");
    let after = session_cookie(&login).expect("a new session cookie at sign-in");
    assert_ne!(before, after, "sign-in must issue a new session id");

    // The old id no longer signs anyone in (no session fixation).
    let stale = client()
        .get(app.url("/o/ada-works"))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &before)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 302);
}

#[tokio::test]
async fn sign_in_follows_a_local_next_and_ignores_any_other() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    for (next, expected) in [
        ("/o/ada-works?view=all", "/o/ada-works?view=all"),
        ("https://evil.example/", "/o/ada-works"),
        ("//evil.example/", "/o/ada-works"),
    ] {
        let response = app.call("login", &[("email", &ada.email), ("password", &ada.password), ("next", next)]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(location(&response), expected, "next={next}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    let signup = app.signup(&ada).await;
    let cookie = session_cookie(&signup).unwrap();

    let logout = app.call("logout", &[]).await;
    assert_eq!(logout.status(), 200);
    assert_eq!(location(&logout), "/login");
    assert_eq!(app.current_user().await, Value::Null);

    // Replaying the old cookie does not bring the session back.
    let replay = client()
        .post(app.url("/api/get_current_user"))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.text().await.unwrap(), "null");
}

#[tokio::test]
async fn failures_lock_out_the_address_they_come_from_and_not_the_owner() {
    let app = spawn_app_with(with_proxy).await;
    let ada = Person::new("ada");
    app.visitor().signed_up(&ada).await;

    for _ in 0..5 {
        assert_eq!(login_from(&app, "198.51.100.7", &ada.email, "not the password!").await.status(), 401);
    }
    // The guessing address must wait, even with the right password.
    let limited = login_from(&app, "198.51.100.7", &ada.email.to_uppercase(), &ada.password).await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["kind"], "rate_limited");
    // Ada, from her own address, signs in all the same.
    assert_eq!(login_from(&app, "203.0.113.20", &ada.email, &ada.password).await.status(), 200);
    // An unknown email is counted and answered exactly the same way.
    for _ in 0..5 {
        assert_eq!(login_from(&app, "198.51.100.7", "nobody@example.com", "not the password!").await.status(), 401);
    }
    assert_eq!(login_from(&app, "198.51.100.7", "nobody@example.com", "x").await.status(), 429);
}

#[tokio::test]
async fn a_successful_sign_in_clears_its_address_count() {
    let app = spawn_app_with(with_proxy).await;
    let ada = Person::new("ada");
    app.visitor().signed_up(&ada).await;
    for _ in 0..4 {
        assert_eq!(login_from(&app, "198.51.100.8", &ada.email, "typo in it").await.status(), 401);
    }
    assert_eq!(login_from(&app, "198.51.100.8", &ada.email, &ada.password).await.status(), 200);
    for _ in 0..4 {
        assert_eq!(login_from(&app, "198.51.100.8", &ada.email, "typo in it").await.status(), 401, "counting anew");
    }
    assert_eq!(login_from(&app, "198.51.100.8", &ada.email, &ada.password).await.status(), 200);
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let app = spawn_app_with(with_proxy).await;
    let ada = Person::new("ada");
    app.visitor().signed_up(&ada).await;
    for n in 1..=5 {
        let ip = format!("2001:db8:7:7::{n}");
        assert_eq!(login_from(&app, &ip, &ada.email, "guessing again").await.status(), 401);
    }
    assert_eq!(login_from(&app, "2001:db8:7:7:ffff::1", &ada.email, &ada.password).await.status(), 429, "same /64");
    assert_eq!(login_from(&app, "2001:db8:7:8::1", &ada.email, &ada.password).await.status(), 200, "another /64");

    // The per-network request rate likewise.
    let app = spawn_app_with(|config| {
        config.trust_proxy_headers = true;
        config.auth_requests_per_minute_per_ip = 2;
    })
    .await;
    assert_eq!(login_from(&app, "2001:db8:9:9::1", "a@example.com", "x").await.status(), 401);
    assert_eq!(login_from(&app, "2001:db8:9:9::2", "a@example.com", "x").await.status(), 401);
    assert_eq!(login_from(&app, "2001:db8:9:9::3", "a@example.com", "x").await.status(), 429);
    assert_eq!(login_from(&app, "2001:db8:9:a::1", "a@example.com", "x").await.status(), 401);
}

#[tokio::test]
async fn auth_requests_per_ip_are_limited() {
    let app = spawn_app_with(|config| config.auth_requests_per_minute_per_ip = 2).await;
    assert_eq!(app.login("a@example.com", "x").await.status(), 401);
    assert_eq!(app.signup(&Person { password: "x".into(), ..Person::new("ip") }).await.status(), 422);
    assert_eq!(app.login("b@example.com", "x").await.status(), 429);
}

/// The app's own idle check, not the cookie's lifetime: the session's
/// record says it was last used 31 minutes ago, while the cookie and the
/// store's expiry are still valid.
#[tokio::test]
async fn a_session_ends_after_the_idle_timeout() {
    use tower_sessions::{SessionStore, session::Id};

    let app = spawn_app().await;
    let response = app.signup(&Person::new("idle")).await;
    let cookie = session_cookie(&response).expect("signed in");
    let id: Id = cookie.split_once('=').unwrap().1.parse().unwrap();
    assert!(app.current_user().await.is_object(), "signed in to begin with");

    let store = app::server::session_store::SessionDb::for_db(&app.db).await.unwrap();
    let mut record = store.load(&id).await.unwrap().expect("the session's record");
    let idle_since = time::OffsetDateTime::now_utc().unix_timestamp() - 31 * 60;
    record.data.get_mut("auth").expect("signed in")["last_seen_at"] = idle_since.into();
    store.save(&record).await.unwrap();

    assert_eq!(app.current_user().await, Value::Null);
    assert!(store.load(&id).await.unwrap().is_none(), "the record is deleted, not just ignored");
}

#[tokio::test]
async fn a_session_ends_after_the_absolute_timeout() {
    let app = spawn_app_with(|config| config.session_absolute_timeout_hours = 0).await;
    app.signed_up(&Person::new("absolute")).await;
    assert_eq!(app.current_user().await, Value::Null);
}
