//! Licensing end to end: policies and licenses made through the dashboard's
//! server functions, then the `keygen-rs` crate, unchanged, as the client
//! software on a customer's machine, verifying every response's signature
//! with the organization's public key.

use keygen_rs::{
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

/// Runs `sql` with two arguments on every tenant's rows (tests only).
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
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/v1/licenses/actions/validate-key",
        "/v1/licenses/{license}/actions/validate",
        "/v1/licenses/{license}",
        "/v1/machines",
        "/v1/machines/{machine}",
        "/v1/machines/{machine}/actions/ping",
        "/v1/licenses/{license}/actions/check-out",
        "/v1/machines/{machine}/actions/check-out",
        "/v1/licenses/{license}/machines",
        "/v1/licenses/{license}/entitlements",
        "/v1/me",
        "/v1/ping",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    // An unknown route answers Keygen's 404 document.
    let missing = app.get("/v1/nothing-here").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NOT_FOUND");
}
