//! Guessing passwords and two-factor codes in parallel and from many
//! networks: every attempt is counted in the database before it is
//! checked, per session, per network and per account.

use futures_util::future::join_all;
use reqwest::{Response, header};
use serde_json::Value;
use totp_rs::{Algorithm, TOTP};

use crate::helpers::{Person, TestApp, Visitor, location, spawn_app_with, with_proxy};

fn totp_code(secret: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.replace(' ', "")).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).generate(at)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Turns two-factor on for the signed-in `person`; returns the secret, a
/// code that is not right now, and the recovery codes.
async fn two_factor_on(app: &TestApp, person: &Person) -> (String, &'static str, Vec<String>) {
    app.ok("start_two_factor", &[]).await;
    let secret = app.ok("get_account", &[]).await["pending_two_factor"]["secret"].as_str().unwrap().to_owned();
    let right = totp_code(&secret, unix_now());
    let codes = app.ok("confirm_two_factor", &[("code", &right), ("password", &person.password)]).await;
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    // Not any code of the steps around now.
    let near: Vec<String> = (0..4).map(|step| totp_code(&secret, unix_now() - 30 + step * 30)).collect();
    let wrong = ["000000", "111111", "222222", "333333", "444444"].into_iter().find(|w| !near.iter().any(|n| n == w));
    (secret, wrong.unwrap(), codes)
}

/// Calls a server function from the client address `ip` (the app trusts
/// `X-Forwarded-For` with [`with_proxy`]).
async fn call_from(visitor: &Visitor, ip: &str, name: &str, form: &[(&str, &str)]) -> Response {
    visitor
        .client
        .post(visitor.url(&format!("/api/{name}")))
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", ip)
        .form(form)
        .send()
        .await
        .unwrap()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn parallel_wrong_codes_on_one_session_get_no_more_tries_than_sequential_ones() {
    // Only the session's own count may stop the burst here.
    let app = spawn_app_with(|config| {
        config.sign_in_failures_per_address = 100;
        config.sign_in_lock_after_failures = 100;
        config.auth_requests_per_minute_per_ip = 1000;
    })
    .await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let (secret, wrong, _) = two_factor_on(&app, &ada).await;

    let thief = app.visitor();
    assert_eq!(location(&thief.login(&ada.email, &ada.password).await), "/login/two-factor");
    let form = [("code", wrong)];
    let answers = join_all((0..30).map(|_| thief.call("login_code", &form))).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| [409, 422, 429].contains(s)), "{statuses:?}");
    assert!(count(&statuses, 422) <= 4, "at most five codes checked, the fifth ending it: {statuses:?}");
    // The sign-in is over: not even the right code finishes it.
    let right = totp_code(&secret, unix_now() + 30);
    assert_eq!(thief.call("login_code", &[("code", &right)]).await.status(), 409);
}

#[tokio::test]
async fn parallel_wrong_passwords_from_one_network_are_counted_before_they_are_checked() {
    let app = spawn_app_with(with_proxy).await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let attempts = (0..12).map(|n| {
        let guess = format!("guess number {n} here");
        let visitor = app.visitor();
        let email = ada.email.clone();
        async move { call_from(&visitor, "198.51.100.77", "login", &[("email", &email), ("password", &guess)]).await }
    });
    let statuses: Vec<u16> = join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    assert!(count(&statuses, 401) <= 5, "five failures, then the network waits: {statuses:?}");
}

/// An attacker who has the password guesses codes from 100 networks, one
/// or two from each: the account's ceiling caps them all together; the
/// owner is told, and still signs in from the browser they used before.
#[tokio::test]
async fn code_guesses_from_many_networks_are_capped_per_account() {
    let app = spawn_app_with(|config| {
        with_proxy(config);
        config.sign_in_failures_per_email = 10;
    })
    .await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let (secret, wrong, recovery) = two_factor_on(&app, &ada).await;
    // Ada signs in on her laptop once: it is trusted from now on.
    let laptop = app.visitor();
    let form = [("email", ada.email.as_str()), ("password", ada.password.as_str())];
    assert_eq!(location(&call_from(&laptop, "203.0.113.5", "login", &form).await), "/login/two-factor");
    let code = totp_code(&secret, unix_now() + 30);
    assert_eq!(call_from(&laptop, "203.0.113.5", "login_code", &[("code", &code)]).await.status(), 200);

    let mut checked = 0;
    for n in 0..100 {
        let thief = app.visitor();
        let ip = format!("10.{}.{}.1", n / 200, n % 200);
        let password = call_from(&thief, &ip, "login", &form).await;
        if password.status() == 429 {
            continue;
        }
        assert_eq!(location(&password), "/login/two-factor");
        for _ in 0..2 {
            let status = call_from(&thief, &ip, "login_code", &[("code", wrong)]).await.status();
            assert!([422, 429].contains(&status.as_u16()), "{status}");
            checked += usize::from(status == 422);
        }
    }
    assert!(checked <= 10, "{checked} codes checked in all");
    let warning = app.mail_about(&ada.email, "Failed sign-ins").await;
    assert!(warning.contains("many addresses"), "{warning}");

    // A new browser on a network that never failed is refused too.
    let refused = call_from(&app.visitor(), "192.0.2.200", "login", &form).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    // Ada's laptop, from anywhere, still signs in, second factor and all.
    assert_eq!(location(&call_from(&laptop, "192.0.2.201", "login", &form).await), "/login/two-factor");
    let signed = call_from(&laptop, "192.0.2.201", "login_code", &[("code", &recovery[0])]).await;
    assert_eq!(signed.status(), 200);
    let me: Value = laptop.call("get_current_user", &[]).await.json().await.unwrap();
    assert_eq!(me["email"], ada.email.as_str());
}
