//! Licensing end to end: policies and licenses made through the dashboard's
//! server functions, then the `keygen-rs` crate, unchanged, as the client
//! software on a customer's machine, verifying every response's signature
//! with the organization's public key.

use keygen_rs::{
    component::Component,
    config::KeygenConfig,
    errors::Error as KeygenError,
    license::{License, LicenseCheckoutOpts, LicenseValidationRequest, LicenseValidationScope},
    license_file::LicenseFile,
    machine::MachineCheckoutOpts,
    machine_file::MachineFile,
};
use serde_json::Value;

use crate::helpers::{Org, TestApp, Visitor};

/// Creates a policy and returns its id.
pub(crate) async fn policy(client: &Visitor, org: &str, fields: &[(&str, &str)]) -> String {
    let mut form = vec![("org", org)];
    form.extend_from_slice(fields);
    client.ok("create_policy", &form).await.as_str().unwrap().to_owned()
}

/// Issues a license under `policy` and returns (id, key).
pub(crate) async fn license(client: &Visitor, org: &str, policy: &str) -> (String, String) {
    let id = client.ok("create_license", &[("org", org), ("policy", policy)]).await.as_str().unwrap().to_owned();
    let detail = client.ok("get_license", &[("org", org), ("license", &id)]).await;
    (id, detail["license"]["key"].as_str().unwrap().to_owned())
}

fn config(app: &TestApp, key: &str, public_key: &str) -> KeygenConfig {
    KeygenConfig {
        api_url: app.url(""),
        account: String::new(),
        product: String::new(),
        license_key: Some(key.to_owned()),
        public_key: Some(public_key.to_owned()),
        ..KeygenConfig::default()
    }
}

fn code_of(err: &KeygenError) -> String {
    match err {
        KeygenError::Api(document) => document.primary().and_then(|e| e.code()).unwrap_or_default().to_owned(),
        other => format!("{other:?}"),
    }
}

async fn validate(config: &KeygenConfig, fingerprint: &str) -> (bool, String) {
    let request = LicenseValidationRequest::for_fingerprint(fingerprint.to_owned());
    let result = keygen_rs::validate_with_config(config.clone(), &request).await.expect("a signed validation answer");
    (result.meta.valid, result.meta.code)
}

async fn validate_unscoped(config: &KeygenConfig) -> (bool, String) {
    let result = keygen_rs::validate_with_config(config.clone(), &LicenseValidationRequest::default())
        .await
        .expect("a signed answer");
    (result.meta.valid, result.meta.code)
}

#[tokio::test]
async fn keygen_rs_validates_activates_heartbeats_checks_out_and_deactivates() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let entitlement = app.ok("create_entitlement", &[("org", slug), ("code", "pro-export"), ("name", "Export")]).await;
    let entitlement_id = entitlement["id"].as_str().unwrap();
    let policy_id = policy(
        app,
        slug,
        &[
            ("name", "Desktop"),
            ("duration_days", "365"),
            ("strict", "on"),
            ("require_heartbeat", "on"),
            ("entitlements[]", entitlement_id),
        ],
    )
    .await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    assert_eq!(public_key.len(), 64);
    let config = config(app, &key, &public_key);

    // Not activated yet.
    assert_eq!(validate(&config, "fp-1").await, (false, "NO_MACHINE".to_owned()));

    // Activate, then the same fingerprint validates; another does not.
    let validation =
        keygen_rs::validate_with_config(config.clone(), &LicenseValidationRequest::for_fingerprint("fp-1".into()))
            .await
            .unwrap();
    let lic: License = validation.license.expect("the license comes with its validation");
    assert_eq!(lic.id, license_id);
    let machine = lic.activate("fp-1", &[]).await.expect("activation");
    assert_eq!(machine.fingerprint, "fp-1");
    assert_eq!(machine.heartbeat_status, "NOT_STARTED");
    assert_eq!(validate(&config, "fp-1").await, (false, "HEARTBEAT_NOT_STARTED".to_owned()));
    let machine = machine.ping().await.expect("heartbeat");
    assert_eq!(machine.heartbeat_status, "ALIVE");
    assert_eq!(validate(&config, "fp-1").await, (true, "VALID".to_owned()));
    assert_eq!(validate(&config, "fp-2").await, (false, "FINGERPRINT_SCOPE_MISMATCH".to_owned()));

    // A second machine on a node-locked license is refused.
    let refused = lic.activate("fp-2", &[]).await.unwrap_err();
    assert_eq!(code_of(&refused), "MACHINE_LIMIT_EXCEEDED");
    let taken = lic.activate("fp-1", &[]).await.unwrap_err();
    assert_eq!(code_of(&taken), "FINGERPRINT_TAKEN");

    // Entitlements: listed, and checked by the validation scope.
    let entitlements = lic.entitlements(None).await.unwrap();
    assert_eq!(entitlements.data.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["pro-export"]);
    let scoped = |codes: &[&str]| {
        LicenseValidationRequest::new(LicenseValidationScope {
            fingerprint: Some("fp-1".into()),
            entitlements: Some(codes.iter().map(|c| c.to_string()).collect()),
            ..Default::default()
        })
    };
    let ok = keygen_rs::validate_with_config(config.clone(), &scoped(&["pro-export"])).await.unwrap();
    assert_eq!(ok.meta.code, "VALID");
    let missing = keygen_rs::validate_with_config(config.clone(), &scoped(&["pro-export", "sso"])).await.unwrap();
    assert_eq!((missing.meta.valid, missing.meta.code.as_str()), (false, "ENTITLEMENTS_MISSING"));
    let machines = lic.machines(None).await.unwrap();
    assert_eq!(machines.data.len(), 1);

    // A license file: decrypted with the key, verified with the public key.
    let file =
        lic.checkout(&LicenseCheckoutOpts::with_include(vec!["entitlements".into()]).with_encrypt(true)).await.unwrap();
    file.verify_with_key(&public_key).expect("the license file is signed by the organization");
    let dataset = file.decrypt(&key).expect("the license file opens with the license key");
    assert_eq!(dataset.license.id, license_id);
    assert_eq!(dataset.included.expect("entitlements included").entitlements[0].code, "pro-export");
    assert!(LicenseFile::from_cert("wrong-key", &file.certificate).is_err());
    // A machine file, for the key and the fingerprint.
    let machine_file: MachineFile = machine.checkout(&MachineCheckoutOpts::default()).await.unwrap();
    let machine_data = machine_file.decrypt(&format!("{key}fp-1")).expect("the machine file opens");
    assert_eq!(machine_data.machine.fingerprint, "fp-1");

    // The dashboard sees the machine and the validations.
    let detail = app.ok("get_license", &[("org", slug), ("license", &license_id)]).await;
    assert_eq!(detail["machines"][0]["fingerprint"], "fp-1");
    assert!(detail["validations"].as_u64().unwrap() >= 6, "{detail}");

    // Deactivate: not activated again.
    machine.deactivate().await.expect("deactivation");
    assert_eq!(validate(&config, "fp-1").await, (false, "NO_MACHINE".to_owned()));
}

/// Checks a response's signature as Keygen's clients do: the digest of
/// the body, then Ed25519 over target, host, date and digest.
pub(crate) fn signature_holds(
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    method: &str,
    target: &str,
    host: &str,
    public_key: &str,
) -> bool {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    use sha2::{Digest, Sha256};
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let digest = header("keygen-digest");
    if digest != format!("sha-256={}", STANDARD.encode(Sha256::digest(body))) {
        return false;
    }
    let signature = header("keygen-signature");
    let b64 = signature.split("signature=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
    let text =
        format!("(request-target): {method} {target}\nhost: {host}\ndate: {}\ndigest: {digest}", header("keygen-date"));
    let key: [u8; 32] = hex::decode(public_key).unwrap().try_into().unwrap();
    let Ok(signature) = STANDARD.decode(b64).map_err(|_| ()).and_then(|b| Signature::from_slice(&b).map_err(|_| ()))
    else {
        return false;
    };
    VerifyingKey::from_bytes(&key).unwrap().verify(text.as_bytes(), &signature).is_ok()
}

/// Runs `sql` with two arguments on every tenant's rows (tests only), and
/// tells the caches.
async fn execute(db: &app::server::db::Db, sql: &str, a: app::server::db::Timestamp, b: app::model::LicenseId) {
    use app::server::db::Db;
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(sql).bind(a).bind(b).execute(pool).await.unwrap();
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '*', false)").execute(&mut *conn).await.unwrap();
            sqlx::query(sql).bind(a).bind(b).execute(&mut *conn).await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '', false)").execute(&mut *conn).await.unwrap();
        }
    }
    // A change behind the application's back records no event: say so,
    // as an operator's tool would, or validations may be answered from
    // what was read before for up to the cache's TTL.
    app::server::db::events::CHANGES.touch_every();
}

#[tokio::test]
async fn a_tampered_or_foreign_signature_is_rejected_by_the_client() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(app, slug, &[("name", "Basic")]).await;
    let (_, key) = license(app, slug, &policy_id).await;
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();

    // Another organization's public key does not verify this one's answers.
    let other = app.visitor();
    let other_slug = crate::helpers::slug(&other.signed_up(&crate::helpers::Person::new("other")).await).to_owned();
    let other_key = other.ok("get_licensing", &[("org", &other_slug)]).await["public_key"].as_str().unwrap().to_owned();
    assert_ne!(other_key, public_key);
    let wrong =
        keygen_rs::validate_with_config(config(app, &key, &other_key), &LicenseValidationRequest::default()).await;
    assert!(matches!(wrong, Err(KeygenError::KeygenSignatureInvalid { .. })), "{wrong:?}");

    // A body changed on the way no longer matches its digest.
    let response = app
        .client
        .post(app.url("/v1/licenses/actions/validate-key"))
        .header("content-type", "application/vnd.api+json")
        .header("accept", "application/vnd.api+json")
        .body(format!(r#"{{"meta":{{"key":"{key}"}}}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    let host = app.url("").trim_start_matches("http://").to_owned();
    let target = "/v1/licenses/actions/validate-key";
    assert!(
        signature_holds(&headers, body.as_bytes(), "post", target, &host, &public_key),
        "the untouched answer verifies"
    );
    let tampered = body.replace("\"valid\":true", "\"valid\":false");
    assert_ne!(tampered, body);
    assert!(!signature_holds(&headers, tampered.as_bytes(), "post", target, &host, &public_key));
    assert!(!signature_holds(&headers, body.as_bytes(), "post", target, &host, &other_key));
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(value["meta"]["code"], "VALID");
}

#[tokio::test]
async fn suspension_expiry_strategies_and_other_tenants_ids() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();

    // Suspended: validation says so, and the key can do nothing else.
    let policy_id = policy(app, slug, &[("name", "Floating"), ("floating", "on"), ("max_machines", "2")]).await;
    let (id, key) = license(app, slug, &policy_id).await;
    app.ok("set_license_suspended", &[("org", slug), ("license", &id), ("suspended", "true")]).await;
    let cfg = config(app, &key, &public_key);
    assert_eq!(validate(&cfg, "fp").await, (false, "SUSPENDED".to_owned()));
    let activation = License::from_key(&key).with_config(cfg.clone());
    let mut as_id = activation.clone();
    as_id.id = id.clone();
    assert_eq!(code_of(&as_id.activate("fp", &[]).await.unwrap_err()), "LICENSE_SUSPENDED");
    app.ok("set_license_suspended", &[("org", slug), ("license", &id), ("suspended", "false")]).await;
    assert_eq!(validate(&cfg, "fp").await, (false, "NO_MACHINES".to_owned()));
    assert_eq!(validate_unscoped(&cfg).await, (true, "VALID".to_owned()));
    // Banned: the same, with its own codes.
    app.ok("set_license_banned", &[("org", slug), ("license", &id), ("banned", "true")]).await;
    assert_eq!(validate_unscoped(&cfg).await, (false, "BANNED".to_owned()));
    assert_eq!(code_of(&as_id.activate("fp", &[]).await.unwrap_err()), "LICENSE_BANNED");
    app.ok("set_license_banned", &[("org", slug), ("license", &id), ("banned", "false")]).await;
    // A policy's change applies to its licenses at once.
    let update =
        [("org", slug), ("policy", policy_id.as_str()), ("name", "Floating"), ("strict", "on"), ("floating", "on")];
    app.ok("update_policy", &update).await;
    assert_eq!(validate_unscoped(&cfg).await, (false, "NO_MACHINES".to_owned()));

    // Expired under each strategy: valid only when access is maintained
    // or allowed; revoked access refuses everything else too.
    for (strategy, valid) in
        [("RESTRICT_ACCESS", false), ("REVOKE_ACCESS", false), ("MAINTAIN_ACCESS", true), ("ALLOW_ACCESS", true)]
    {
        let policy_id =
            policy(app, slug, &[("name", strategy), ("duration_days", "1"), ("expiration_strategy", strategy)]).await;
        let (id, key) = license(app, slug, &policy_id).await;
        let sql = "UPDATE licenses SET expiry = $1 WHERE id = $2";
        let past = app::server::db::Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::days(2));
        let license_id: app::model::LicenseId = id.parse().unwrap();
        execute(&app.db, sql, past, license_id).await;
        let answer = validate_unscoped(&config(app, &key, &public_key)).await;
        assert_eq!(answer, (valid, "EXPIRED".to_owned()), "{strategy}");
        let mut lic = License::from_key(&key).with_config(config(app, &key, &public_key));
        lic.id = id.clone();
        let entitlements = lic.entitlements(None).await;
        if strategy == "REVOKE_ACCESS" {
            assert_eq!(code_of(&entitlements.unwrap_err()), "LICENSE_EXPIRED");
        } else {
            assert!(entitlements.is_ok(), "{strategy}: {entitlements:?}");
        }
    }

    // Another organization's license id, with this key: not found.
    let other = app.visitor();
    let other_slug = crate::helpers::slug(&other.signed_up(&crate::helpers::Person::new("other")).await).to_owned();
    let other_policy = policy(&other, &other_slug, &[("name", "Theirs")]).await;
    let (other_id, _) = license(&other, &other_slug, &other_policy).await;
    let response = app
        .client
        .get(app.url(&format!("/v1/licenses/{other_id}/entitlements")))
        .header("authorization", format!("License {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.headers().contains_key("keygen-signature"));
    // The license's own `links.self` answers it, signed; another
    // organization's license under this key does not.
    let own = app
        .client
        .get(app.url(&format!("/v1/licenses/{id}")))
        .header("authorization", format!("License {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.headers().contains_key("keygen-signature"));
    let own: Value = own.json().await.unwrap();
    assert_eq!(own["data"]["id"], id.as_str());
    let self_link = own["data"]["links"]["self"].as_str().unwrap().to_owned();
    let by_link =
        app.client.get(app.url(&self_link)).header("authorization", format!("License {key}")).send().await.unwrap();
    assert_eq!(by_link.status(), 200, "{self_link}");
    let theirs = app
        .client
        .get(app.url(&format!("/v1/licenses/{other_id}")))
        .header("authorization", format!("License {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // An unknown key under the account path: signed, and NOT_FOUND.
    let response = app
        .client
        .post(app.url(&format!("/v1/accounts/{slug}/licenses/actions/validate-key")))
        .header("content-type", "application/vnd.api+json")
        .body(r#"{"meta":{"key":"NOPE-NOPE-NOPE"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("keygen-signature"));
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["meta"]["code"].as_str(), body["data"].is_null()), (Some("NOT_FOUND"), true));
    // This organization's key under another organization's path: invalid.
    let response = app
        .client
        .get(app.url(&format!("/v1/accounts/{other_slug}/me")))
        .header("authorization", format!("License {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "LICENSE_INVALID");

    // A suspended organization's licenses validate as suspended.
    let admin = crate::helpers::platform_admin(app).await;
    let tenant = app::server::db::licensing::organization_by_slug(&app.db, &app::model::OrgSlug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap();
    admin.ok("suspend_organization", &[("org", &tenant.to_string())]).await;
    assert_eq!(validate(&cfg, "fp").await, (false, "SUSPENDED".to_owned()));
}

#[tokio::test]
async fn members_read_licensing_guests_see_none_and_admins_manage() {
    let org = Org::new().await;
    let slug = org.slug.as_str();
    let (member, _, _) = org.person("member", app::model::Role::Member).await;
    let (guest, _, _) = org.person("guest", app::model::Role::Guest).await;
    let policy_id = policy(&org.app, slug, &[("name", "Team")]).await;
    assert_eq!(member.call("get_licensing", &[("org", slug)]).await.status(), 200);
    let listed = member.call("list_licenses", &[("org", slug)]).await;
    assert_eq!(listed.status(), 200, "{}", listed.text().await.unwrap());
    assert_eq!(guest.call("get_licensing", &[("org", slug)]).await.status(), 403);
    assert_eq!(member.call("create_license", &[("org", slug), ("policy", &policy_id)]).await.status(), 403);

    // Bad input: each field's message.
    let bad = [("org", slug), ("name", " "), ("floating", "on"), ("max_machines", "0"), ("duration_days", "x")];
    let response = org.app.call("create_policy", &bad).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    for field in ["name", "max_machines", "duration_days"] {
        assert!(body["detail"]["fields"][field].is_string(), "{field}: {body}");
    }
    let bad =
        [("org", slug), ("policy", policy_id.as_str()), ("owner_email", "nope"), ("metadata", "[1]"), ("key", "short")];
    let response = org.app.call("create_license", &bad).await;
    let body: Value = response.json().await.unwrap();
    for field in ["owner_email", "metadata", "key"] {
        assert!(body["detail"]["fields"][field].is_string(), "{field}: {body}");
    }

    // Search, status filter and the license limit of the plan.
    let (_, key) = license(&org.app, slug, &policy_id).await;
    let found = org.app.ok("list_licenses", &[("org", slug), ("q", &key[..6])]).await;
    assert_eq!(found["items"][0]["key"], key.as_str());
    let suspended = org.app.ok("list_licenses", &[("org", slug), ("status", "suspended")]).await;
    assert_eq!(suspended["total"], 0);
    let active = org.app.ok("list_licenses", &[("org", slug), ("status", "active")]).await;
    assert_eq!(active["total"], 1);
}

#[tokio::test]
async fn a_license_holder_sees_and_frees_machines_with_the_key_alone() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(app, slug, &[("name", "Team"), ("floating", "on"), ("max_machines", "2")]).await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    let mut lic = License::from_key(&key).with_config(config(app, &key, &public_key));
    lic.id = license_id;
    lic.activate("laptop", &[]).await.unwrap();
    lic.activate("desktop", &[]).await.unwrap();
    assert_eq!(code_of(&lic.activate("third", &[]).await.unwrap_err()), "MACHINE_LIMIT_EXCEEDED");

    // No session: the key is the credential.
    let holder = app.visitor();
    let unknown = holder.call("look_up_license", &[("key", "NOT-A-KEY-AT-ALL")]).await;
    assert_eq!(crate::helpers::field_error(unknown, "key").await, "No license has this key. Check it and try again.");
    let held = holder.ok("look_up_license", &[("key", &key)]).await;
    assert_eq!(held["machines"].as_array().unwrap().len(), 2);
    let laptop = held["machines"].as_array().unwrap().iter().find(|m| m["fingerprint"] == "laptop").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another license's key cannot free this one's machine.
    let (_, other_key) = license(app, slug, &policy_id).await;
    assert_eq!(holder.call("release_machine", &[("key", &other_key), ("machine", &laptop)]).await.status(), 404);
    holder.ok("release_machine", &[("key", &key), ("machine", &laptop)]).await;
    let held = holder.ok("look_up_license", &[("key", &key)]).await;
    assert_eq!(held["machines"][0]["fingerprint"], "desktop");
    lic.activate("third", &[]).await.expect("a freed place takes a new machine");
}

#[tokio::test]
async fn a_banned_or_suspended_license_frees_no_machine_through_either_door() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(app, slug, &[("name", "Team"), ("floating", "on"), ("max_machines", "2")]).await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    let mut lic = License::from_key(&key).with_config(config(app, &key, &public_key));
    lic.id = license_id.clone();
    let laptop = lic.activate("laptop", &[]).await.unwrap();
    let holder = app.visitor();
    let held = holder.ok("look_up_license", &[("key", &key)]).await;
    let laptop_id = held["machines"][0]["id"].as_str().unwrap().to_owned();
    let release_form = [("key", key.as_str()), ("machine", laptop_id.as_str())];
    let set = |flag: &'static str, on: &'static str| {
        let form = [("org", slug), ("license", license_id.as_str()), (flag, on)];
        async move { app.ok(&format!("set_license_{flag}"), &form).await }
    };

    for (flag, code, message) in [
        ("banned", "LICENSE_BANNED", "This license is banned: its machines cannot be changed."),
        ("suspended", "LICENSE_SUSPENDED", "This license is suspended: its machines cannot be changed."),
    ] {
        set(flag, "true").await;
        let refused = holder.call("release_machine", &release_form).await;
        assert_eq!(refused.status(), 409, "{flag}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!((body["kind"].as_str(), body["detail"].as_str()), (Some("conflict"), Some(message)), "{body}");
        assert_eq!(code_of(&laptop.deactivate().await.unwrap_err()), code, "/v1 refuses the same");
        set(flag, "false").await;
    }
    // The organization suspended: the license with it.
    let admin = crate::helpers::platform_admin(app).await;
    let tenant = app.ok("get_org_settings", &[("org", slug)]).await["org"]["id"].as_str().unwrap().to_owned();
    admin.ok("suspend_organization", &[("org", &tenant)]).await;
    let refused = holder.call("release_machine", &release_form).await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("organization that issued this license is suspended"), "{body}");
    assert_eq!(code_of(&laptop.deactivate().await.unwrap_err()), "LICENSE_SUSPENDED");
    assert_eq!(holder.ok("look_up_license", &[("key", &key)]).await["machines"].as_array().unwrap().len(), 1);
    admin.ok("reactivate_organization", &[("org", &tenant)]).await;
    holder.ok("release_machine", &[("key", &key), ("machine", &laptop_id)]).await;
    assert!(holder.ok("look_up_license", &[("key", &key)]).await["machines"].as_array().unwrap().is_empty());
}

/// A man in the middle between the client and Atrium: forwards every
/// request as it came (same `Host`, so the signature still names it) and
/// hands the answer back after `tamper` has had the body.
async fn tampering_proxy(app: &TestApp, tamper: fn(String) -> String) -> String {
    use axum::{body::Bytes, extract::Request, http::HeaderMap, response::IntoResponse};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let upstream = app.url("");
    let client = reqwest::Client::new();
    let forward = move |request: Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let (parts, body) = request.into_parts();
            let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_default();
            let mut outgoing = client.request(parts.method.clone(), format!("{upstream}{target}")).body(body);
            for (name, value) in &parts.headers {
                outgoing = outgoing.header(name, value);
            }
            let answer = outgoing.send().await.unwrap();
            let status = answer.status();
            let mut headers = HeaderMap::new();
            for (name, value) in answer.headers() {
                if name.as_str().starts_with("keygen-") || name == "content-type" {
                    headers.insert(name.clone(), value.clone());
                }
            }
            let text = tamper(answer.text().await.unwrap());
            (status, headers, text).into_response()
        }
    };
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await.unwrap() });
    proxy
}

#[tokio::test]
async fn keygen_rs_rejects_a_response_changed_on_the_way() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(app, slug, &[("name", "Strict"), ("strict", "on")]).await;
    let (_, key) = license(app, slug, &policy_id).await;
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    let through = |proxy: String| KeygenConfig { api_url: proxy, ..config(app, &key, &public_key) };

    // Passed on untouched, the answer verifies (and is not valid: no machine).
    let honest = tampering_proxy(app, |body| body).await;
    assert_eq!(validate(&through(honest), "fp").await, (false, "NO_MACHINE".to_owned()));
    // Turned into a valid answer on the way, it does not.
    let forged = tampering_proxy(app, |body| {
        body.replace("\"valid\":false", "\"valid\":true").replace("\"code\":\"NO_MACHINE\"", "\"code\":\"VALID\"")
    })
    .await;
    let request = LicenseValidationRequest::for_fingerprint("fp".into());
    let result = keygen_rs::validate_with_config(through(forged), &request).await;
    assert!(matches!(result, Err(KeygenError::KeygenSignatureInvalid { .. })), "{result:?}");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = crate::helpers::spawn_app().await;
    let response = app.get("/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/v1/licenses/actions/validate-key",
        "/v1/licenses/{license}/actions/validate",
        "/v1/licenses/{license}",
        "/v1/machines",
        "/v1/machines/{machine}",
        "/v1/machines/{machine}/actions/ping",
        "/v1/machines/{machine}/actions/ping-heartbeat",
        "/v1/licenses/{license}/actions/check-out",
        "/v1/machines/{machine}/actions/check-out",
        "/v1/licenses/{license}/actions/check-in",
        "/v1/machines/{machine}/components",
        "/v1/licenses/{license}/machines",
        "/v1/licenses/{license}/entitlements",
        "/v1/me",
        "/v1/ping",
        "/v1/licenses",
        "/v1/policies",
        "/v1/policies/{policy}/entitlements",
        "/v1/entitlements/{entitlement}",
        "/v1/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
        if path != "/v1/openapi.json" {
            let scoped = path.replacen("/v1", "/v1/accounts/{account}", 1);
            assert!(paths.contains_key(&scoped), "{scoped} is not documented");
        }
    }
    // Both GET and POST validate and check out, each its own operation.
    for path in ["/v1/licenses/{license}/actions/validate", "/v1/machines/{machine}/actions/check-out"] {
        assert!(paths[path]["get"].is_object() && paths[path]["post"].is_object(), "{path}");
        assert_ne!(paths[path]["get"]["operationId"], paths[path]["post"]["operationId"]);
    }
    // The account's routes take the account.
    let scoped = &paths["/v1/accounts/{account}/licenses/actions/validate-key"]["post"];
    assert_eq!(scoped["operationId"], "validate_key_for_account");
    assert!(scoped["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "account" && p["in"] == "path"));
    // Documented schemas and both ways to authenticate.
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in ["License", "Machine", "Policy", "ValidationDocument", "LicenseListDocument", "ErrorDocument"] {
        assert!(schemas.contains_key(schema), "{schema} is not documented");
    }
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["LicenseKey"]["type"], "apiKey");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    // An unknown route answers Keygen's 404 document.
    let missing = app.get("/v1/nothing-here").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NOT_FOUND");
}

/// A hardware component as `keygen-rs` activates with it.
fn part(fingerprint: &str, name: &str) -> Component {
    Component { fingerprint: fingerprint.into(), name: name.into(), ..Component::default() }
}

/// Validates by key with a fingerprint and components scope.
async fn validate_components(config: &KeygenConfig, fingerprint: &str, components: &[&str]) -> (bool, String) {
    let request = LicenseValidationRequest::new(LicenseValidationScope {
        fingerprint: Some(fingerprint.into()),
        components: Some(components.iter().map(|c| c.to_string()).collect()),
        ..Default::default()
    });
    let result = keygen_rs::validate_with_config(config.clone(), &request).await.expect("a signed validation answer");
    (result.meta.valid, result.meta.code)
}

/// A `/v1` request with the license key, its JSON answer and status.
async fn v1_json(app: &TestApp, method: reqwest::Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("authorization", format!("License {key}"))
        .header("content-type", "application/vnd.api+json")
        .header("accept", "application/vnd.api+json");
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    assert!(response.headers().contains_key("keygen-signature"), "signed");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn keygen_rs_activates_with_components_and_validates_them() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    let policy_id = policy(app, slug, &[("name", "Hardware"), ("strict", "on")]).await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let config = config(app, &key, &public_key);
    let mut lic = License::from_key(&key).with_config(config.clone());
    lic.id = license_id.clone();

    // Activated with its parts, the machine validates with any of them
    // (the policy's default, MATCH_ANY), and not with a foreign one.
    let machine = lic.activate("fp-hw", &[part("disk-a", "Disk"), part("board-a", "Board")]).await.expect("activation");
    assert_eq!(validate_components(&config, "fp-hw", &["disk-a"]).await, (true, "VALID".to_owned()));
    assert_eq!(validate_components(&config, "fp-hw", &["disk-a", "foreign"]).await, (true, "VALID".to_owned()));
    assert_eq!(
        validate_components(&config, "fp-hw", &["foreign"]).await,
        (false, "COMPONENTS_SCOPE_MISMATCH".to_owned())
    );
    assert_eq!(validate_components(&config, "fp-hw", &[]).await, (false, "COMPONENTS_SCOPE_EMPTY".to_owned()));
    // The license's own validate route reads them the same way.
    let scope = LicenseValidationScope {
        fingerprint: Some("fp-hw".into()),
        components: Some(vec!["board-a".into()]),
        ..Default::default()
    };
    let own = lic.validate(&LicenseValidationRequest::new(scope)).await.unwrap();
    assert_eq!((own.meta.valid, own.meta.code.as_str()), (true, "VALID"));
    // Components without the one fingerprint they are matched on.
    let request = LicenseValidationRequest::new(LicenseValidationScope {
        fingerprints: Some(vec!["fp-hw".into()]),
        components: Some(vec!["disk-a".into()]),
        ..Default::default()
    });
    let answer = keygen_rs::validate_with_config(config.clone(), &request).await.unwrap();
    assert_eq!((answer.meta.valid, answer.meta.code.as_str()), (false, "FINGERPRINT_SCOPE_REQUIRED"));

    // Listed for the key, linked from the machine; another key sees none.
    let (status, found) = v1_json(app, reqwest::Method::GET, &format!("/v1/machines/{}", machine.id), &key, None).await;
    assert_eq!(status, 200);
    let related = found["data"]["relationships"]["components"]["links"]["related"].as_str().unwrap().to_owned();
    assert_eq!(
        related,
        format!(
            "/v1/accounts/{}/machines/{}/components",
            found["data"]["relationships"]["account"]["data"]["id"].as_str().unwrap(),
            machine.id
        )
    );
    let (status, listed) = v1_json(app, reqwest::Method::GET, &related, &key, None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["meta"]["count"], 2);
    let first = &listed["data"][0];
    assert_eq!(
        (first["type"].as_str(), first["attributes"]["fingerprint"].as_str()),
        (Some("components"), Some("disk-a"))
    );
    assert_eq!(first["attributes"]["name"], "Disk");
    assert_eq!(first["relationships"]["machine"]["data"]["id"], machine.id.as_str());
    let (_, other_key) = license(app, slug, &policy_id).await;
    let (status, _) = v1_json(app, reqwest::Method::GET, &related, &other_key, None).await;
    assert_eq!(status, 404, "another license's machine");
    // The dashboard lists them with the machine.
    let detail = app.ok("get_license", &[("org", slug), ("license", &license_id)]).await;
    let names: Vec<&str> =
        detail["machines"][0]["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Board", "Disk"]);

    // Under MATCH_ALL, one missing part is a mismatch.
    let strict_parts =
        policy(app, slug, &[("name", "All parts"), ("strict", "on"), ("component_matching_strategy", "MATCH_ALL")])
            .await;
    let (all_id, all_key) = license(app, slug, &strict_parts).await;
    let all_config = crate::licensing::config(app, &all_key, &public_key);
    let mut all = License::from_key(&all_key).with_config(all_config.clone());
    all.id = all_id;
    all.activate("fp-all", &[part("disk-b", "Disk"), part("ram-b", "Memory")]).await.unwrap();
    assert_eq!(validate_components(&all_config, "fp-all", &["disk-b", "ram-b"]).await, (true, "VALID".to_owned()));
    assert_eq!(
        validate_components(&all_config, "fp-all", &["disk-b", "ram-b", "gpu-b"]).await,
        (false, "COMPONENTS_SCOPE_MISMATCH".to_owned())
    );
    let bad_strategy = [("org", slug), ("name", "Odd"), ("component_matching_strategy", "MATCH_SOME")];
    assert_eq!(
        crate::helpers::field_error(app.call("create_policy", &bad_strategy).await, "component_matching_strategy")
            .await,
        "Choose how many components must match."
    );
}

#[tokio::test]
async fn a_refused_component_leaves_no_machine_behind() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(app, slug, &[("name", "Team"), ("floating", "on")]).await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let activation = |components: Value| {
        serde_json::json!({ "data": {
            "type": "machines",
            "attributes": { "fingerprint": "fp-parts" },
            "relationships": {
                "license": { "data": { "type": "licenses", "id": license_id } },
                "components": { "data": components },
            },
        } })
    };
    let component = |fingerprint: Option<&str>, name: &str| {
        let mut attributes = serde_json::json!({ "name": name });
        if let Some(fingerprint) = fingerprint {
            attributes["fingerprint"] = fingerprint.into();
        }
        serde_json::json!({ "type": "components", "attributes": attributes })
    };
    let long = "x".repeat(256);
    for (components, code, pointer) in [
        (
            vec![component(Some("ok"), "Disk"), component(None, "Board")],
            "COMPONENTS_FINGERPRINT_NOT_FOUND",
            "/data/relationships/components/data/1/attributes/fingerprint",
        ),
        (
            vec![component(Some("ok"), " ")],
            "COMPONENTS_NAME_NOT_FOUND",
            "/data/relationships/components/data/0/attributes/name",
        ),
        (
            vec![component(Some(&long), "Disk")],
            "COMPONENTS_FINGERPRINT_TOO_LONG",
            "/data/relationships/components/data/0/attributes/fingerprint",
        ),
        (
            vec![component(Some("a"), "Disk"), component(Some("b"), "Board"), component(Some("a"), "Again")],
            "COMPONENTS_FINGERPRINT_CONFLICT",
            "/data/relationships/components/data/0/attributes/fingerprint",
        ),
        (
            (0..101).map(|i| component(Some(&format!("c{i}")), "Part")).collect(),
            "COMPONENTS_LIMIT_EXCEEDED",
            "/data/relationships/components/data",
        ),
    ] {
        let (status, body) =
            v1_json(app, reqwest::Method::POST, "/v1/machines", &key, Some(activation(Value::Array(components)))).await;
        assert_eq!(status, 422, "{code}: {body}");
        let error = &body["errors"][0];
        assert_eq!(
            (error["code"].as_str(), error["source"]["pointer"].as_str()),
            (Some(code), Some(pointer)),
            "{body}"
        );
        if code == "COMPONENTS_FINGERPRINT_NOT_FOUND" {
            assert_eq!(error["detail"], "can't be blank");
        }
    }
    let (status, machines) =
        v1_json(app, reqwest::Method::GET, &format!("/v1/licenses/{license_id}/machines"), &key, None).await;
    assert_eq!((status, machines["meta"]["count"].as_u64()), (200, Some(0)), "no machine left behind");
    // The same activation with its parts right goes through, 100 of them.
    let hundred: Vec<Value> = (0..100).map(|i| component(Some(&format!("c{i}")), "Part")).collect();
    let (status, body) =
        v1_json(app, reqwest::Method::POST, "/v1/machines", &key, Some(activation(Value::Array(hundred)))).await;
    assert_eq!(status, 201, "{body}");
    let machine = body["data"]["id"].as_str().unwrap();
    let (_, listed) =
        v1_json(app, reqwest::Method::GET, &format!("/v1/machines/{machine}/components"), &key, None).await;
    assert_eq!(listed["meta"]["count"], 100);
}

#[tokio::test]
async fn keygen_rs_checks_in_and_a_license_overdue_for_check_in_is_refused() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let public_key = app.ok("get_licensing", &[("org", slug)]).await["public_key"].as_str().unwrap().to_owned();
    // The form asks for an interval with check-ins, and a sane count.
    let missing = [("org", slug), ("name", "Offline"), ("require_check_in", "on"), ("check_in_interval_count", "0")];
    let response = app.call("create_policy", &missing).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    for field in ["check_in_interval", "check_in_interval_count"] {
        assert!(body["detail"]["fields"][field].is_string(), "{field}: {body}");
    }
    let policy_id = policy(
        app,
        slug,
        &[
            ("name", "Offline"),
            ("require_check_in", "on"),
            ("check_in_interval", "day"),
            ("check_in_interval_count", "1"),
        ],
    )
    .await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let config = config(app, &key, &public_key);
    let mut lic = License::from_key(&key).with_config(config.clone());
    lic.id = license_id.clone();
    let me = keygen_rs::validate_with_config(config.clone(), &LicenseValidationRequest::default()).await.unwrap();
    let before = me.license.expect("the license");
    assert_eq!((before.require_check_in, before.last_check_in), (Some(true), None));
    assert!(before.next_check_in.is_some(), "due a day after the issue");
    assert_eq!((me.meta.valid, me.meta.code.as_str()), (true, "VALID"));

    let checked = lic.check_in().await.expect("a check-in");
    let (last, next) = (checked.last_check_in.expect("lastCheckIn"), checked.next_check_in.expect("nextCheckIn"));
    assert_eq!((next - last).num_hours(), 24);
    assert_eq!(checked.require_check_in, Some(true));
    assert_eq!(validate_unscoped(&config).await, (true, "VALID".to_owned()));

    // Two days without a check-in: overdue, before any scope is looked at.
    let sql = "UPDATE licenses SET last_check_in_at = $1 WHERE id = $2";
    let past = app::server::db::Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::days(2));
    execute(&app.db, sql, past, license_id.parse().unwrap()).await;
    let overdue =
        keygen_rs::validate_with_config(config.clone(), &LicenseValidationRequest::for_fingerprint("none".into()))
            .await
            .unwrap();
    assert_eq!(
        (overdue.meta.valid, overdue.meta.code.as_str(), overdue.meta.detail.as_str()),
        (false, "OVERDUE", "is overdue for check in")
    );
    let detail = app.ok("get_license", &[("org", slug), ("license", &license_id)]).await;
    assert_eq!(detail["check_in"]["overdue"], true, "{detail}");
    // Checking in again mends it, and the audit log has both.
    lic.check_in().await.expect("a check-in when overdue");
    assert_eq!(validate_unscoped(&config).await, (true, "VALID".to_owned()));
    let events = app.ok("list_audit_events", &[("org", slug), ("action", "license.checked_in")]).await;
    let events = events["items"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["target_id"], license_id.as_str());

    // A policy without check-ins: Keygen's 422, which has no code.
    let plain = policy(app, slug, &[("name", "Online")]).await;
    let (plain_id, plain_key) = license(app, slug, &plain).await;
    let mut online = License::from_key(&plain_key).with_config(crate::licensing::config(app, &plain_key, &public_key));
    online.id = plain_id.clone();
    match online.check_in().await {
        Err(KeygenError::Api(document)) => {
            assert_eq!(document.status().as_u16(), 422);
            let error = document.primary().expect("an error");
            assert_eq!(error.title(), Some("Unprocessable entity"));
            assert_eq!(error.detail(), Some("cannot be checked in because the policy does not require it"));
            assert_eq!((error.code(), error.source().is_none()), (None, true));
        }
        other => panic!("expected a 422, got {other:?}"),
    }
    let (status, body) = v1_json(
        app,
        reqwest::Method::POST,
        &format!("/v1/accounts/{slug}/licenses/{plain_key}/actions/check-in"),
        &plain_key,
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"][0].get("code").is_none(), "{body}");
    let resource = app.ok("get_license", &[("org", slug), ("license", &plain_id)]).await;
    assert!(resource["check_in"].is_null(), "nothing to show without check-ins");
}

#[tokio::test]
async fn concurrent_check_ins_of_one_license_all_succeed() {
    let org = Org::new().await;
    let app = &org.app;
    let slug = org.slug.as_str();
    let policy_id = policy(
        app,
        slug,
        &[
            ("name", "Weekly"),
            ("require_check_in", "on"),
            ("check_in_interval", "week"),
            ("check_in_interval_count", "2"),
        ],
    )
    .await;
    let (license_id, key) = license(app, slug, &policy_id).await;
    let path = format!("/v1/licenses/{license_id}/actions/check-in");
    let answers =
        futures_util::future::join_all((0..12).map(|_| v1_json(app, reqwest::Method::POST, &path, &key, None))).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert!(body["data"]["attributes"]["lastCheckIn"].is_string(), "{body}");
    }
    let events = app.ok("list_audit_events", &[("org", slug), ("action", "license.checked_in")]).await;
    assert_eq!(events["items"].as_array().unwrap().len(), 12);
}
