//! Account security through HTTP: sessions (devices) and their revocation,
//! password change and reset, email verification and change, failed
//! sign-ins, the breached-password list and the meter, and two-factor.

use app::server::db::Db;
use reqwest::header;
use serde_json::Value;
use totp_rs::{Algorithm, TOTP};

use crate::helpers::{
    Person, TestApp, Visitor, field_error, location, login_from, slug, spawn_app, spawn_app_with, with_proxy,
};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";

/// Another browser that sends a User-Agent.
fn chrome(app: &TestApp) -> Visitor {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(CHROME)
        .build()
        .unwrap();
    Visitor { address: app.address.clone(), client }
}

async fn signed_in(visitor: &Visitor) -> bool {
    visitor.current_user().await.is_object()
}

async fn run(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

#[tokio::test]
async fn the_account_lists_sessions_and_revoking_one_signs_that_browser_out_at_once() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let phone = chrome(&app);
    assert_eq!(phone.login(&ada.email, &ada.password).await.status(), 200);

    let account = app.ok("get_account", &[]).await;
    let sessions = account["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["browser"], "Chrome 131");
    assert_eq!(other["os"], "Windows 10");
    assert_eq!(other["ip"], "127.0.0.1");
    let other_id = other["id"].as_str().unwrap().to_owned();

    // Someone else cannot end Ada's session, or even tell it exists.
    let bo = app.visitor();
    bo.signed_up(&Person::new("bo")).await;
    assert_eq!(bo.call("revoke_session", &[("session", &other_id)]).await.status(), 404);
    assert!(signed_in(&phone).await);

    app.ok("revoke_session", &[("session", &other_id)]).await;
    assert!(!signed_in(&phone).await, "revoked at its very next request");
    assert_eq!(phone.call("get_account", &[]).await.status(), 401);
    assert!(signed_in(&app).await, "the current session is untouched");
    assert_eq!(app.call("revoke_session", &[("session", &other_id)]).await.status(), 404, "gone already");
    assert_eq!(app.call("revoke_session", &[("session", "not-an-id")]).await.status(), 404);

    // All others at once.
    assert_eq!(phone.login(&ada.email, &ada.password).await.status(), 200);
    let third = app.visitor();
    assert_eq!(third.login(&ada.email, &ada.password).await.status(), 200);
    assert_eq!(app.ok("revoke_other_sessions", &[]).await, 2);
    assert!(!signed_in(&phone).await && !signed_in(&third).await);
    assert!(signed_in(&app).await);

    // Revoking the current session signs this browser out.
    let mine = app.ok("get_account", &[]).await["sessions"][0]["id"].as_str().unwrap().to_owned();
    let response = app.call("revoke_session", &[("session", &mine)]).await;
    assert_eq!(location(&response), "/login");
    assert!(!signed_in(&app).await);
}

/// A session signed out, or replaced by another sign-in in the same
/// browser, leaves the devices list at once.
#[tokio::test]
async fn signing_out_or_in_again_removes_the_session_from_the_list() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let count = || async { app.ok("get_account", &[]).await["sessions"].as_array().unwrap().len() };
    let phone = app.visitor();
    phone.login(&ada.email, &ada.password).await;
    assert_eq!(count().await, 2);
    phone.call("logout", &[]).await;
    assert_eq!(count().await, 1, "signed out");
    phone.login(&ada.email, &ada.password).await;
    phone.login(&ada.email, &ada.password).await;
    assert_eq!(count().await, 2, "the second sign-in replaced the first");
    // Someone else signing in on that browser takes it over.
    let bo = Person::new("bo");
    app.visitor().signed_up(&bo).await;
    phone.login(&bo.email, &bo.password).await;
    assert_eq!(count().await, 1);
}

/// Ending sessions needs a recent authentication (OWASP ASVS 5.0 V7.5.2):
/// a sign-in in the last 10 minutes, or the password confirmed again.
#[tokio::test]
async fn ending_sessions_after_ten_minutes_needs_the_password_again() {
    use tower_sessions::{SessionStore, session::Id};

    let app = spawn_app().await;
    let ada = Person::new("ada");
    let response = app.signup(&ada).await;
    let id: Id = crate::helpers::session_cookie(&response).unwrap().split_once('=').unwrap().1.parse().unwrap();
    let phone = app.visitor();
    assert_eq!(phone.login(&ada.email, &ada.password).await.status(), 200);
    assert_eq!(app.ok("get_account", &[]).await["recently_authenticated"], true);

    // Signed in 11 minutes ago.
    let store = app::server::session_store::SessionDb::for_db(&app.db).await.unwrap();
    let mut record = store.load(&id).await.unwrap().unwrap();
    let then = time::OffsetDateTime::now_utc().unix_timestamp() - 11 * 60;
    record.data.get_mut("auth").unwrap()["signed_in_at"] = then.into();
    store.save(&record).await.unwrap();

    assert_eq!(app.ok("get_account", &[]).await["recently_authenticated"], false);
    let refused = app.call("revoke_other_sessions", &[]).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("Confirm your password"));
    assert!(signed_in(&phone).await);
    let wrong = app.call("confirm_password", &[("password", "not my password")]).await;
    assert_eq!(field_error(wrong, "password").await, "That is not your current password.");
    app.ok("confirm_password", &[("password", &ada.password)]).await;
    assert_eq!(app.ok("revoke_other_sessions", &[]).await, 1);
    assert!(!signed_in(&phone).await);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let laptop = app.visitor();
    assert_eq!(laptop.login(&ada.email, &ada.password).await.status(), 200);
    let new = "violet heron copper 58 lantern";

    let wrong = app.call("change_password", &[("current_password", "not my password"), ("password", new)]).await;
    assert_eq!(field_error(wrong, "current_password").await, "That is not your current password.");
    let breached =
        [("current_password", ada.password.as_str()), ("password", "1qaz2wsx3edc"), ("sign_out_others", "on")];
    assert!(field_error(app.call("change_password", &breached).await, "password").await.contains("breached"));
    assert!(signed_in(&laptop).await, "nothing changed");

    let changed = [("current_password", ada.password.as_str()), ("password", new), ("sign_out_others", "on")];
    assert_eq!(app.ok("change_password", &changed).await, 1);
    assert!(!signed_in(&laptop).await, "the other session ended");
    assert!(signed_in(&app).await, "this one did not");
    assert_eq!(app.visitor().login(&ada.email, &ada.password).await.status(), 401);
    assert_eq!(laptop.login(&ada.email, new).await.status(), 200);
    let mail = app.mail_about(&ada.email, "Your password was changed").await;
    assert!(mail.contains("/forgot-password"), "{mail}");

    // Unchecked, the other sessions stay.
    let again = [("current_password", new), ("password", "amber falcon ledger 31 meadow")];
    assert_eq!(app.ok("change_password", &again).await, 0);
    assert!(signed_in(&laptop).await);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.visitor().signed_up(&ada).await;

    let mut answers = Vec::new();
    for email in [ada.email.as_str(), "nobody@example.com"] {
        let response = app.call("forgot_password", &[("email", email)]).await;
        let status = response.status();
        let to = location(&response);
        answers.push((status, to, response.text().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1], "the same answer whether or not the account exists");
    assert_eq!(answers[0].1, "/forgot-password?sent=1");

    let mail = app.mail_about(&ada.email, "Reset your Atrium password").await;
    assert!(mail.contains("works once, for one hour"), "{mail}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.mails_to("nobody@example.com").is_empty());

    let malformed = app.call("forgot_password", &[("email", "nobody")]).await;
    assert!(field_error(malformed, "email").await.contains("valid email"));
}

#[tokio::test]
async fn a_reset_link_works_once_within_an_hour_and_ends_every_session() {
    use sha2::{Digest, Sha256};

    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let phone = app.visitor();
    assert_eq!(phone.login(&ada.email, &ada.password).await.status(), 200);

    let stranger = app.visitor();
    stranger.ok("forgot_password", &[("email", &ada.email)]).await;
    let token = app.mailed_token(&ada.email, "Reset your Atrium password", "/reset-password").await;
    let stored = |hash: String| format!("SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{hash}'");
    assert_eq!(count(&app.db, &stored(token.clone())).await, 0, "the token is not stored as it is");
    assert_eq!(count(&app.db, &stored(hex::encode(Sha256::digest(token.as_bytes())))).await, 1, "its SHA-256 is");

    let link = [("purpose", "reset_password"), ("token", token.as_str())];
    assert_eq!(stranger.ok("check_link", &link).await["Valid"]["email"], ada.email.as_str());
    let weak = stranger.call("reset_password", &[("token", &token), ("password", "password1234")]).await;
    assert_eq!(weak.status(), 422);
    assert!(stranger.ok("check_link", &link).await["Valid"].is_object(), "a refused password keeps the link");

    let new = "violet heron copper 58 lantern";
    let reset = stranger.call("reset_password", &[("token", &token), ("password", new)]).await;
    assert_eq!(location(&reset), "/login?reset=1");
    assert!(!signed_in(&app).await && !signed_in(&phone).await, "every session ended");
    assert_eq!(stranger.login(&ada.email, new).await.status(), 200);
    let again =
        stranger.call("reset_password", &[("token", &token), ("password", "amber falcon ledger 31 meadow")]).await;
    assert_eq!(again.status(), 409, "single use");
    assert_eq!(stranger.ok("check_link", &link).await, "Invalid");
    assert_eq!(stranger.current_user().await["email_verified"], true, "the link proved the address");

    // An expired link does nothing.
    app.ok("forgot_password", &[("email", &ada.email)]).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let token = app.mailed_token(&ada.email, "Reset your Atrium password", "/reset-password").await;
    run(&app.db, "UPDATE account_tokens SET expires_at = created_at").await;
    let expired = app.call("reset_password", &[("token", &token), ("password", "amber falcon ledger 31 meadow")]).await;
    assert_eq!(expired.status(), 409);
}

#[tokio::test]
async fn sign_up_sends_a_verification_link_and_resending_is_limited() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    assert_eq!(app.current_user().await["email_verified"], false);
    let token = app.mailed_token(&ada.email, "Confirm your email address", "/verify-email").await;

    let resent = app.call("resend_verification", &[]).await;
    assert_eq!(resent.status(), 429, "one a minute");
    let retry_after: u64 = resent.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // The link works from any browser (the mail may be read elsewhere).
    let elsewhere = app.visitor();
    let verified = elsewhere.call("verify_email", &[("token", &token)]).await;
    assert_eq!(location(&verified), "/account?verified=1");
    assert_eq!(app.current_user().await["email_verified"], true);
    assert_eq!(elsewhere.call("verify_email", &[("token", &token)]).await.status(), 409, "single use");
    assert_eq!(app.call("resend_verification", &[]).await.status(), 409, "nothing to verify");
}

#[tokio::test]
async fn requests_that_send_account_mail_are_limited_per_network() {
    let app = spawn_app_with(|config| config.account_mail_requests_per_minute_per_ip = 2).await;
    for _ in 0..2 {
        assert_eq!(app.call("forgot_password", &[("email", "someone@example.com")]).await.status(), 200);
    }
    let limited = app.call("forgot_password", &[("email", "someone@example.com")]).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    let body: Value = limited.json().await.unwrap();
    assert!(body["detail"]["retry_after_secs"].as_u64().is_some(), "{body}");
    // Another kind of request is counted apart.
    assert_eq!(app.call("verify_email", &[("token", "0".repeat(64).as_str())]).await.status(), 409);
}

#[tokio::test]
async fn an_email_change_needs_the_password_and_takes_effect_when_the_new_address_confirms() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    let bo = Person::new("bo");
    app.visitor().signed_up(&bo).await;

    let wrong = app.call("change_email", &[("email", "ada.new@example.com"), ("password", "not it at all")]).await;
    assert_eq!(field_error(wrong, "password").await, "That is not your current password.");
    let taken = app.call("change_email", &[("email", &bo.email), ("password", &ada.password)]).await;
    assert_eq!(field_error(taken, "email").await, "Another account uses this address.");

    let asked = app.ok("change_email", &[("email", "Ada.New@Example.com"), ("password", &ada.password)]).await;
    assert_eq!(asked, "ada.new@example.com");
    assert_eq!(app.current_user().await["email"], ada.email.as_str(), "not before the new address confirms");
    let notice = app.mail_about(&ada.email, "Your email address is about to change").await;
    assert!(notice.contains("ada.new@example.com"), "{notice}");
    let token = app.mailed_token("ada.new@example.com", "Confirm your email address", "/verify-email").await;
    app.call("verify_email", &[("token", &token)]).await;
    let user = app.current_user().await;
    assert_eq!(user["email"], "ada.new@example.com");
    assert_eq!(user["email_verified"], true);
    assert_eq!(app.visitor().login("ada.new@example.com", &ada.password).await.status(), 200);
    assert_eq!(app.visitor().login(&ada.email, &ada.password).await.status(), 401);
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn repeated_failures_slow_then_lock_the_guessing_address_and_warn_the_owner() {
    let app = spawn_app_with(|config| {
        with_proxy(config);
        config.sign_in_delay_seconds = 0;
        config.sign_in_lock_after_failures = 7;
    })
    .await;
    let ada = Person::new("ada");
    let ada_browser = app.visitor();
    ada_browser.signed_up(&ada).await;

    for _ in 0..5 {
        assert_eq!(login_from(&app, "198.51.100.7", &ada.email, "not the password!").await.status(), 401);
    }
    let warning = app.mail_about(&ada.email, "Failed sign-ins to your Atrium account").await;
    assert!(warning.contains("5 times in a row from 198.51.100.7"), "{warning}");
    // With no delay configured, the sixth and seventh guesses are answered;
    // then the address is locked out for the window.
    for _ in 0..2 {
        assert_eq!(login_from(&app, "198.51.100.7", &ada.email, "not the password!").await.status(), 401);
    }
    let locked = login_from(&app, "198.51.100.7", &ada.email, &ada.password).await;
    assert_eq!(locked.status(), 429);
    assert!((800..=900).contains(&retry_after(&locked)), "a 15-minute lock");
    assert_eq!(login_from(&app, "203.0.113.20", &ada.email, &ada.password).await.status(), 200, "not the owner");

    // The same answers for an address without an account, and no mail.
    for _ in 0..7 {
        assert_eq!(login_from(&app, "198.51.100.7", "nobody@example.com", "not the password!").await.status(), 401);
    }
    assert_eq!(login_from(&app, "198.51.100.7", "nobody@example.com", "x").await.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.mails_to("nobody@example.com").is_empty());

    // The warning's link signs out every session.
    let token = app.mailed_token(&ada.email, "Failed sign-ins", "/end-sessions").await;
    assert!(signed_in(&ada_browser).await);
    let ended = app.visitor().call("end_all_sessions", &[("token", &token)]).await;
    assert_eq!(location(&ended), "/login?ended=1");
    assert!(!signed_in(&ada_browser).await);
}

#[tokio::test]
async fn after_five_failures_the_address_waits_the_delay_between_tries() {
    let app = spawn_app_with(with_proxy).await;
    let ada = Person::new("ada");
    app.visitor().signed_up(&ada).await;
    for _ in 0..5 {
        assert_eq!(login_from(&app, "198.51.100.9", &ada.email, "not the password!").await.status(), 401);
    }
    let waiting = login_from(&app, "198.51.100.9", &ada.email, &ada.password).await;
    assert_eq!(waiting.status(), 429);
    assert!((1..=60).contains(&retry_after(&waiting)), "the one-minute delay, not the lock");
}

#[tokio::test]
async fn breached_and_personal_passwords_are_refused_and_the_meter_says_why() {
    let app = spawn_app().await;
    let breached = Person { password: "xKvO9Dd2FffvODzZ".into(), ..Person::new("leak") };
    assert!(field_error(app.signup(&breached).await, "password").await.contains("breached"));

    let meter = |password: &'static str| {
        let app = &app;
        async move {
            let form = [
                ("password", password),
                ("email", "ada.lovelace@example.com"),
                ("display_name", "Ada Lovelace"),
                ("organization_name", "Acme"),
            ];
            app.ok("estimate_password", &form).await
        }
    };
    let leaked = meter("xKvO9Dd2FffvODzZ").await;
    assert_eq!(leaked["score"], 0);
    assert!(leaked["problem"].as_str().unwrap().contains("breached"));
    let strong = meter("quiet otter lamp harbor 97").await;
    assert!(strong["score"].as_u64().unwrap() >= 3);
    assert_eq!(strong["problem"], Value::Null);
    assert!(meter("ada.lovelace@example.com").await["problem"].is_string(), "the person's own words count");
}

fn totp_code(secret: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.replace(' ', "")).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).generate(at)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn two_factor_enrolment_then_sign_in_with_a_code_or_a_recovery_code() {
    // Every browser here is 127.0.0.1: the wrong codes below would lock it
    // out (that rule has its own test).
    let app = spawn_app_with(|config| {
        config.sign_in_failures_per_address = 100;
        config.sign_in_lock_after_failures = 100;
    })
    .await;
    let ada = Person::new("ada");
    let org = app.signed_up(&ada).await;

    app.ok("start_two_factor", &[]).await;
    let pending = app.ok("get_account", &[]).await["pending_two_factor"].clone();
    assert!(pending["url"].as_str().unwrap().starts_with("otpauth://totp/Atrium:"), "{pending}");
    assert!(pending["qr_image"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let secret = pending["secret"].as_str().unwrap().to_owned();
    let right = totp_code(&secret, unix_now());
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let no_password = app.call("confirm_two_factor", &[("code", &right), ("password", "not my password")]).await;
    assert_eq!(field_error(no_password, "password").await, "That is not your current password.");
    let refused = app.call("confirm_two_factor", &[("code", wrong), ("password", &ada.password)]).await;
    assert!(field_error(refused, "code").await.contains("not right"));
    let confirmed = app.ok("confirm_two_factor", &[("code", &right), ("password", &ada.password)]).await;
    let codes: Vec<String> = serde_json::from_value(confirmed).unwrap();
    app.mail_about(&ada.email, "Two-factor authentication is on").await;
    assert_eq!(codes.len(), 10);
    let account = app.ok("get_account", &[]).await;
    assert_eq!(account["two_factor"], true);
    assert_eq!(account["recovery_codes_left"], 10);
    let members = app.ok("list_members_page", &[("org", slug(&org))]).await;
    assert_eq!(members["items"][0]["two_factor"], true, "an Owner sees who has it on");

    // The password alone does not sign in.
    let phone = app.visitor();
    assert_eq!(location(&phone.login(&ada.email, &ada.password).await), "/login/two-factor");
    assert!(!signed_in(&phone).await);
    let message = field_error(phone.call("login_code", &[("code", wrong)]).await, "code").await;
    assert_eq!(message, "That code is not right. 4 attempts left.");
    // The code that confirmed enrolment cannot be used again; the next one can.
    assert_eq!(phone.call("login_code", &[("code", &right)]).await.status(), 422, "a code works once");
    let next = totp_code(&secret, unix_now() + 30);
    let signed = phone.call("login_code", &[("code", &next)]).await;
    assert_eq!(location(&signed), org);
    assert!(signed_in(&phone).await);

    // A recovery code works once, in place of a code.
    let laptop = app.visitor();
    laptop.login(&ada.email, &ada.password).await;
    assert_eq!(laptop.call("login_code", &[("code", &codes[0].to_uppercase())]).await.status(), 200);
    assert!(signed_in(&laptop).await);
    let tablet = app.visitor();
    tablet.login(&ada.email, &ada.password).await;
    assert_eq!(tablet.call("login_code", &[("code", &codes[0])]).await.status(), 422);
    assert_eq!(app.ok("get_account", &[]).await["recovery_codes_left"], 9);

    // Five wrong codes and the password is asked again.
    for _ in 0..4 {
        tablet.call("login_code", &[("code", wrong)]).await;
    }
    assert_eq!(tablet.call("login_code", &[("code", wrong)]).await.status(), 409);
    assert_eq!(tablet.call("login_code", &[("code", &codes[1])]).await.status(), 409, "no sign-in is waiting");
    assert!(!signed_in(&tablet).await);
    assert_eq!(app.visitor().call("login_code", &[("code", &codes[1])]).await.status(), 409);

    // Turning it off needs the password.
    let refused = app.call("disable_two_factor", &[("password", "not my password")]).await;
    assert_eq!(field_error(refused, "password").await, "That is not your current password.");
    app.ok("disable_two_factor", &[("password", &ada.password)]).await;
    assert_eq!(location(&app.visitor().login(&ada.email, &ada.password).await), org);
}

/// Wrong two-factor codes count as failed sign-ins from their network, so
/// giving the password again does not restart the guessing.
#[tokio::test]
async fn wrong_codes_count_towards_the_lockout() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    app.ok("start_two_factor", &[]).await;
    let secret = app.ok("get_account", &[]).await["pending_two_factor"]["secret"].as_str().unwrap().to_owned();
    let right = totp_code(&secret, unix_now());
    app.ok("confirm_two_factor", &[("code", &right), ("password", &ada.password)]).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };

    let thief = app.visitor();
    for attempt in 0..5 {
        if attempt % 3 == 0 {
            assert_eq!(location(&thief.login(&ada.email, &ada.password).await), "/login/two-factor");
        }
        assert_eq!(thief.call("login_code", &[("code", wrong)]).await.status(), 422);
    }
    assert_eq!(thief.call("login_code", &[("code", wrong)]).await.status(), 429, "slowed after five");
    assert_eq!(thief.login(&ada.email, &ada.password).await.status(), 429, "the password again does not help");
}

/// A sign-in waiting for its code ends when the password is reset
/// meanwhile: the old password must not finish it.
#[tokio::test]
async fn a_password_reset_ends_a_sign_in_waiting_for_its_code() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    app.ok("start_two_factor", &[]).await;
    let secret = app.ok("get_account", &[]).await["pending_two_factor"]["secret"].as_str().unwrap().to_owned();
    let right = totp_code(&secret, unix_now());
    app.ok("confirm_two_factor", &[("code", &right), ("password", &ada.password)]).await;

    let thief = app.visitor();
    assert_eq!(location(&thief.login(&ada.email, &ada.password).await), "/login/two-factor");
    app.ok("forgot_password", &[("email", &ada.email)]).await;
    let token = app.mailed_token(&ada.email, "Reset your Atrium password", "/reset-password").await;
    app.visitor().call("reset_password", &[("token", &token), ("password", "violet heron copper 58 lantern")]).await;
    let code = totp_code(&secret, unix_now() + 30);
    assert_eq!(thief.call("login_code", &[("code", &code)]).await.status(), 409);
    assert!(!signed_in(&thief).await);
}
