//! `/api/v1` labels, cycles, members, invitations and the audit log with
//! a token: each resource's life through the REST door with the dashboard
//! seeing the result, the role rules, bad input naming the field, another
//! tenant's ids as 404, token-named audit events, and labels created by
//! several clients at once.

use app::model::Role;
use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{Bearer, Org, Person, api_token, slug};

async fn token_api(org: &Org, role: &str) -> Bearer {
    Bearer::new(&org.app, &api_token(&org.app, &org.slug, role).await)
}

/// An admin token of a second organization, in the same app.
async fn stranger(org: &Org) -> Bearer {
    let other = Person::new("other");
    let visitor = org.app.visitor();
    let path = visitor.signed_up(&other).await;
    Bearer::new(&org.app, &api_token(&visitor, slug(&path), "admin").await)
}

/// The status and the problem document of a refused request.
async fn refused(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json", "status {status}");
    (status, response.json().await.unwrap())
}

/// The newest audit event of `action`, as the dashboard lists it.
async fn last_event(org: &Org, action: &str) -> Value {
    let events = org.app.ok("list_audit_events", &org.form(&[("action", action)])).await;
    events["items"][0].clone()
}

#[tokio::test]
async fn a_token_runs_a_label_through_its_whole_life() {
    let org = Org::new().await;
    let api = token_api(&org, "member").await;
    let created = api.send(Method::POST, "/labels", &json!({"name": "Bug", "color": "red"})).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let label: Value = created.json().await.unwrap();
    let id = label["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/labels/{id}"));
    assert_eq!((label["name"].as_str(), label["color"].as_str()), (Some("Bug"), Some("red")));
    let gray = api.ok(Method::POST, "/labels", Some(&json!({"name": "Chore"}))).await;
    assert_eq!(gray["color"], "gray", "the dashboard's default colour");

    let dashboard = org.app.ok("list_labels", &org.form(&[])).await;
    assert!(dashboard.as_array().unwrap().iter().any(|l| l["id"] == id.as_str()), "{dashboard}");

    let renamed = api.ok(Method::PATCH, &format!("/labels/{id}"), Some(&json!({"name": "Defect"}))).await;
    assert_eq!((renamed["name"].as_str(), renamed["color"].as_str()), (Some("Defect"), Some("red")), "colour kept");
    let recoloured = api.ok(Method::PATCH, &format!("/labels/{id}"), Some(&json!({"color": "blue"}))).await;
    assert_eq!((recoloured["name"].as_str(), recoloured["color"].as_str()), (Some("Defect"), Some("blue")));
    let listed = api.ok(Method::GET, "/labels", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let deleted = api.request(Method::DELETE, &format!("/labels/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let dashboard = org.app.ok("list_labels", &org.form(&[])).await;
    assert_eq!(dashboard.as_array().unwrap().len(), 1, "only Chore is left: {dashboard}");
    let again = api.request(Method::DELETE, &format!("/labels/{id}")).send().await.unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn labels_refuse_bad_input_by_field_and_read_only_tokens() {
    let org = Org::new().await;
    let api = token_api(&org, "admin").await;
    let reader = token_api(&org, "read_only").await;
    assert_eq!(reader.get("/labels").await.status(), 200, "a read-only token reads");
    let (status, _) = refused(reader.send(Method::POST, "/labels", &json!({"name": "Nope"})).await).await;
    assert_eq!(status, 403);

    api.ok(Method::POST, "/labels", Some(&json!({"name": "Bug"}))).await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "bug"}), "name"),
        (json!({"name": "Fine", "color": "chartreuse"}), "color"),
        (json!({"name": "Fine", "colour": "red"}), "colour"),
        (json!({"name": 7}), "name"),
    ] {
        let (status, problem) = refused(api.send(Method::POST, "/labels", &body).await).await;
        assert_eq!(status, 422, "{body}");
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }
    let listed = api.ok(Method::GET, "/labels", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing more was written");

    // The organization's label limit is the dashboard's.
    for n in 1..app::model::label::MAX_LABELS {
        org.app.ok("create_label", &org.form(&[("name", &format!("L{n:03}"))])).await;
    }
    let (status, problem) = refused(api.send(Method::POST, "/labels", &json!({"name": "One too many"})).await).await;
    assert_eq!(status, 422);
    assert!(problem["errors"]["name"].as_str().unwrap().contains("at most"), "{problem}");
}

#[tokio::test]
async fn labels_created_by_several_clients_at_once_land_or_are_refused_cleanly() {
    let org = Org::new().await;
    let one = token_api(&org, "admin").await;
    let two = token_api(&org, "member").await;
    // Eight distinct names and one name sent four times, all at once.
    let names: Vec<String> =
        (0..8).map(|n| format!("Parallel {n}")).chain((0..4).map(|_| "Taken".to_owned())).collect();
    let creates = names.iter().enumerate().map(|(n, name)| {
        let client = if n % 2 == 0 { &one } else { &two };
        client.request(Method::POST, "/labels").json(&json!({"name": name})).send()
    });
    let mut statuses = Vec::new();
    for response in futures_util::future::join_all(creates).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if status == 422 {
            assert!(body["errors"]["name"].is_string(), "{body}");
        }
        statuses.push(status);
    }
    assert!(statuses.iter().all(|s| *s == 201 || *s == 422), "{statuses:?}");
    assert_eq!(statuses[..8].iter().filter(|s| **s == 201).count(), 8, "distinct names all land: {statuses:?}");
    assert_eq!(statuses[8..].iter().filter(|s| **s == 201).count(), 1, "one of the same name: {statuses:?}");
    let listed = org.app.ok("list_labels", &org.form(&[])).await;
    assert_eq!(listed.as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn a_token_runs_a_cycle_through_its_whole_life() {
    let org = Org::new().await;
    let api = token_api(&org, "member").await;
    let project = org.app.project(&org.slug, "Launch").await;
    let cycles = format!("/projects/{project}/cycles");
    let created = api
        .send(Method::POST, &cycles, &json!({"name": "Sprint 1", "starts_on": "2026-01-05", "ends_on": "2026-01-16"}))
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let cycle: Value = created.json().await.unwrap();
    let id = cycle["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/cycles/{id}"));
    assert_eq!((cycle["starts_on"].as_str(), cycle["total_tasks"].as_i64()), (Some("2026-01-05"), Some(0)));
    let dashboard = org.app.ok("list_cycles", &org.form(&[("project", &project)])).await;
    assert_eq!(dashboard[0]["id"], id.as_str());

    let renamed = api.ok(Method::PATCH, &format!("/cycles/{id}"), Some(&json!({"name": "Sprint One"}))).await;
    assert_eq!((renamed["name"].as_str(), renamed["ends_on"].as_str()), (Some("Sprint One"), Some("2026-01-16")));
    let moved = api.ok(Method::PATCH, &format!("/cycles/{id}"), Some(&json!({"ends_on": "2026-01-23"}))).await;
    assert_eq!((moved["name"].as_str(), moved["ends_on"].as_str()), (Some("Sprint One"), Some("2026-01-23")));
    let (status, problem) =
        refused(api.send(Method::PATCH, &format!("/cycles/{id}"), &json!({"ends_on": "2025-12-31"})).await).await;
    assert_eq!(status, 422);
    assert!(problem["errors"]["ends_on"].is_string(), "the end before the start: {problem}");
    for (body, field) in [
        (json!({"name": "", "starts_on": "2026-01-05", "ends_on": "2026-01-16"}), "name"),
        (json!({"name": "S", "starts_on": "5 Jan", "ends_on": "2026-01-16"}), "starts_on"),
        (json!({"name": "S", "starts_on": "2026-01-05", "ends_on": "2026-01-01"}), "ends_on"),
        (json!({"name": "S", "starts_on": "2026-01-05"}), "ends_on"),
    ] {
        let (status, problem) = refused(api.send(Method::POST, &cycles, &body).await).await;
        assert_eq!(status, 422, "{body}");
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }

    let reader = token_api(&org, "read_only").await;
    assert_eq!(reader.get(&cycles).await.status(), 200);
    let (status, _) = refused(reader.request(Method::DELETE, &format!("/cycles/{id}")).send().await.unwrap()).await;
    assert_eq!(status, 403);

    // An archived project's cycles stay as they are.
    org.app.ok("set_project_archived", &org.form(&[("project", &project), ("archived", "true")])).await;
    let (status, _) = refused(api.send(Method::PATCH, &format!("/cycles/{id}"), &json!({"name": "Late"})).await).await;
    assert_eq!(status, 409);
    org.app.ok("set_project_archived", &org.form(&[("project", &project), ("archived", "false")])).await;

    let deleted = api.request(Method::DELETE, &format!("/cycles/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let dashboard = org.app.ok("list_cycles", &org.form(&[("project", &project)])).await;
    assert!(dashboard.as_array().unwrap().is_empty(), "{dashboard}");
}

#[tokio::test]
async fn a_token_changes_members_roles_and_removes_them_within_its_role() {
    let org = Org::new().await;
    let api = token_api(&org, "admin").await;
    let (_, person, member_id) = org.person("mem", Role::Member).await;
    let (_, _, admin_id) = org.person("adm", Role::Admin).await;
    let owner_id = org.app.current_user().await["id"].as_str().unwrap().to_owned();

    let page = api.get("/members?limit=25").await;
    assert_eq!(page.status(), 200);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["total"], 3);
    assert!(page["items"].as_array().unwrap().iter().all(|m| m["email"].is_string()), "an Admin token sees emails");
    let found = api.ok(Method::GET, "/members?q=mem", None).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["user_id"], member_id.as_str());
    let by_email = api.ok(Method::GET, &format!("/members?q={}", person.email), None).await;
    assert_eq!(by_email["total"], 1, "{by_email}");
    let reader = token_api(&org, "read_only").await;
    let guest_view = reader.ok(Method::GET, "/members", None).await;
    assert!(guest_view["items"].as_array().unwrap().iter().all(|m| m["email"].is_null()), "{guest_view}");
    let hidden = reader.ok(Method::GET, &format!("/members?q={}", person.email), None).await;
    assert_eq!(hidden["total"], 0, "no finding an address by searching for it");
    let (status, problem) = refused(api.get(&format!("/members?q={}", "x".repeat(101))).await).await;
    assert_eq!(status, 422);
    assert!(problem["errors"]["q"].is_string(), "{problem}");

    // Members and Guests are the token's to manage.
    let changed = api.ok(Method::PATCH, &format!("/members/{member_id}"), Some(&json!({"role": "guest"}))).await;
    assert_eq!(changed["role"], "guest");
    let dashboard = org.app.ok("list_members_page", &org.form(&[("search", "mem")])).await;
    assert_eq!(dashboard["items"][0]["role"], "guest");
    let event = last_event(&org, "member.role_changed").await;
    assert_eq!(event["target_id"], member_id.as_str());
    assert_eq!(event["actor_id"], owner_id.as_str(), "recorded against the token's creator");
    let details: Value = serde_json::from_str(event["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["api_token"]["name"], "admin script", "{details}");

    // Admin and Owner roles are the Owners'.
    for (user, role) in [(&member_id, "admin"), (&admin_id, "member"), (&owner_id, "member")] {
        let response = api.send(Method::PATCH, &format!("/members/{user}"), &json!({"role": role})).await;
        assert_eq!(refused(response).await.0, 403, "{user} to {role}");
    }
    let (status, problem) =
        refused(api.send(Method::PATCH, &format!("/members/{member_id}"), &json!({"role": "boss"})).await).await;
    assert_eq!(status, 422);
    assert!(problem["errors"]["role"].is_string(), "{problem}");
    let response = api.send(Method::PATCH, &format!("/members/{member_id}"), &json!({"role": "guest", "x": 1})).await;
    assert_eq!(refused(response).await.0, 422);
    let member = token_api(&org, "member").await;
    let response = member.send(Method::PATCH, &format!("/members/{member_id}"), &json!({"role": "member"})).await;
    assert_eq!(refused(response).await.0, 403, "a Member token cannot change roles");
    let response = member.request(Method::DELETE, &format!("/members/{member_id}")).send().await.unwrap();
    assert_eq!(refused(response).await.0, 403);
    let response = api.request(Method::DELETE, &format!("/members/{admin_id}")).send().await.unwrap();
    assert_eq!(refused(response).await.0, 403, "removing an Admin is the Owners'");
    let response = api.request(Method::DELETE, &format!("/members/{owner_id}")).send().await.unwrap();
    assert_eq!(refused(response).await.0, 409, "the token's creator leaves instead");

    let removed = api.request(Method::DELETE, &format!("/members/{member_id}")).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let dashboard = org.app.ok("list_members_page", &org.form(&[])).await;
    assert_eq!(dashboard["total"], 2);
    let event = last_event(&org, "member.removed").await;
    assert!(event["details"].as_str().unwrap().contains("admin script"), "{event}");
    let again = api.request(Method::DELETE, &format!("/members/{member_id}")).send().await.unwrap();
    assert_eq!(refused(again).await.0, 404);
}

#[tokio::test]
async fn a_token_invites_by_mail_lists_and_revokes() {
    let org = Org::new().await;
    let api = token_api(&org, "admin").await;
    let created =
        api.send(Method::POST, "/invitations", &json!({"email": "new.person@example.com", "role": "member"})).await;
    assert_eq!(created.status(), 201);
    let invitation: Value = created.json().await.unwrap();
    let id = invitation["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (invitation["email"].as_str(), invitation["role"].as_str()),
        (Some("new.person@example.com"), Some("member"))
    );
    assert_eq!(invitation["invited_by"], org.owner.name.as_str(), "sent in the name of the token's creator");
    let mail = org.app.mails_to("new.person@example.com").pop().expect("the invitation was mailed");
    assert!(mail.contains(&format!("{} invited you to join", org.owner.name)), "{mail}");
    assert!(org.app.invitation_link("new.person@example.com").starts_with("/invite/"));
    let event = last_event(&org, "invitation.sent").await;
    assert_eq!(event["target_id"], id.as_str());
    assert!(event["details"].as_str().unwrap().contains("admin script"), "{event}");

    let listed = api.ok(Method::GET, "/invitations", None).await;
    assert_eq!(listed[0]["id"], id.as_str());
    let dashboard = org.app.ok("list_invitations", &org.form(&[])).await;
    assert_eq!(dashboard[0]["id"], id.as_str());

    for (body, field) in [
        (json!({"email": "not-an-address", "role": "member"}), "email"),
        (json!({"email": "a@example.com", "role": "boss"}), "role"),
        (json!({"email": org.owner.email, "role": "member"}), "email"),
        (json!({"email": "a@example.com"}), "role"),
    ] {
        let (status, problem) = refused(api.send(Method::POST, "/invitations", &body).await).await;
        assert_eq!(status, 422, "{body}");
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }
    let response = api.send(Method::POST, "/invitations", &json!({"email": "boss@example.com", "role": "admin"})).await;
    assert_eq!(refused(response).await.0, 403, "inviting Admins is the Owners'");
    let member = token_api(&org, "member").await;
    let response = member.send(Method::POST, "/invitations", &json!({"email": "b@example.com", "role": "guest"})).await;
    assert_eq!(refused(response).await.0, 403, "a Member token cannot invite");
    assert_eq!(refused(member.get("/invitations").await).await.0, 403);
    let response = member.request(Method::DELETE, &format!("/invitations/{id}")).send().await.unwrap();
    assert_eq!(refused(response).await.0, 403);

    // An Owner's invitation as Admin is beyond an Admin token.
    let owners =
        org.app.ok("invite_member", &org.form(&[("email", "second.admin@example.com"), ("role", "admin")])).await;
    let owners = owners["id"].as_str().unwrap();
    let response = api.request(Method::DELETE, &format!("/invitations/{owners}")).send().await.unwrap();
    assert_eq!(refused(response).await.0, 403);

    let revoked = api.request(Method::DELETE, &format!("/invitations/{id}")).send().await.unwrap();
    assert_eq!(revoked.status(), 204);
    let dashboard = org.app.ok("list_invitations", &org.form(&[])).await;
    assert_eq!(dashboard.as_array().unwrap().len(), 1, "only the Owner's is left: {dashboard}");
    let event = last_event(&org, "invitation.revoked").await;
    assert!(event["details"].as_str().unwrap().contains("admin script"), "{event}");
    let again = api.request(Method::DELETE, &format!("/invitations/{id}")).send().await.unwrap();
    assert_eq!(refused(again).await.0, 404);
}

#[tokio::test]
async fn the_audit_log_is_for_admin_tokens_with_the_dashboards_filters_and_pages() {
    let org = Org::new().await;
    let api = token_api(&org, "admin").await;
    for n in 0..51 {
        api.ok(Method::POST, "/projects", Some(&json!({"name": format!("P{n:02}")}))).await;
    }
    let member = token_api(&org, "member").await;
    assert_eq!(refused(member.get("/audit-events").await).await.0, 403, "a Member token cannot read the log");
    let reader = token_api(&org, "read_only").await;
    assert_eq!(refused(reader.get("/audit-events").await).await.0, 403);

    let first = api.get("/audit-events?action=project.created").await;
    assert_eq!(first.status(), 200);
    let link = first.headers()[header::LINK].to_str().unwrap().to_owned();
    let page: Value = first.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["items"].as_array().unwrap().iter().all(|e| e["action"] == "project.created"));
    let next = page["next"].as_str().unwrap();
    assert!(link.contains("action=project.created") && link.contains(&format!("before={next}")), "{link}");
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let path = link.trim_start_matches("</api/v1").split('>').next().unwrap();
    let second = api.get(path).await;
    assert!(second.headers().get(header::LINK).is_none(), "the last page");
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["details"].as_str().map(|d| d.contains("admin script")), Some(true));

    // The same page the dashboard shows.
    let dashboard = org.app.ok("list_audit_events", &org.form(&[("action", "project.created")])).await;
    assert_eq!(dashboard["items"][0]["id"], page["items"][0]["id"]);
    let owner_id = org.app.current_user().await["id"].as_str().unwrap().to_owned();
    let mine = api.ok(Method::GET, &format!("/audit-events?actor={owner_id}&from=2000-01-01"), None).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 50);

    for (query, field) in
        [("action=nothing.happened", "action"), ("from=yesterday", "from"), ("from=2026-02-02&to=2026-02-01", "to")]
    {
        let (status, problem) = refused(api.get(&format!("/audit-events?{query}")).await).await;
        assert_eq!(status, 422, "{query}");
        assert!(problem["errors"][field].is_string(), "{query}: {problem}");
    }
    assert_eq!(refused(api.get("/audit-events?page=2").await).await.0, 422, "an unknown parameter");
    assert_eq!(refused(api.get("/audit-events?before=nope").await).await.0, 404);
}

#[tokio::test]
async fn another_organizations_ids_answer_404() {
    let org = Org::new().await;
    let theirs = stranger(&org).await;
    let label = org.app.ok("create_label", &org.form(&[("name", "Ours")])).await;
    let label = label["id"].as_str().unwrap();
    let project = org.app.project(&org.slug, "Ours").await;
    let cycle = org
        .app
        .ok(
            "create_cycle",
            &org.form(&[("project", &project), ("name", "S1"), ("starts_on", "2026-01-05"), ("ends_on", "2026-01-09")]),
        )
        .await;
    let cycle = cycle["id"].as_str().unwrap();
    let (_, _, member) = org.person("mem", Role::Member).await;
    let invitation = org.app.ok("invite_member", &org.form(&[("email", "x@example.com"), ("role", "member")])).await;
    let invitation = invitation["id"].as_str().unwrap();
    for (method, path, body) in [
        (Method::PATCH, format!("/labels/{label}"), json!({"name": "Theirs"})),
        (Method::DELETE, format!("/labels/{label}"), json!({})),
        (Method::GET, format!("/projects/{project}/cycles"), json!({})),
        (
            Method::POST,
            format!("/projects/{project}/cycles"),
            json!({"name": "S", "starts_on": "2026-01-05", "ends_on": "2026-01-09"}),
        ),
        (Method::PATCH, format!("/cycles/{cycle}"), json!({"name": "Theirs"})),
        (Method::DELETE, format!("/cycles/{cycle}"), json!({})),
        (Method::PATCH, format!("/members/{member}"), json!({"role": "guest"})),
        (Method::DELETE, format!("/members/{member}"), json!({})),
        (Method::DELETE, format!("/invitations/{invitation}"), json!({})),
        (Method::DELETE, "/labels/not-an-id".to_owned(), json!({})),
    ] {
        let response = theirs.request(method.clone(), &path).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }
    assert_eq!(org.app.ok("list_labels", &org.form(&[])).await[0]["name"], "Ours");
    assert_eq!(org.app.ok("list_cycles", &org.form(&[("project", &project)])).await[0]["name"], "S1");
    assert_eq!(org.app.ok("list_members_page", &org.form(&[])).await["total"], 2);
    assert_eq!(org.app.ok("list_invitations", &org.form(&[])).await.as_array().unwrap().len(), 1);
    let theirs_members = theirs.ok(Method::GET, "/members", None).await;
    assert_eq!(theirs_members["total"], 1, "only their own");
}

/// Several clients change `path` from the version tagged `etag` at once:
/// exactly one wins and the others get 412; a late one with that tag gets
/// 412, `*` always applies, and junk is 400.
async fn one_conditional_racer_wins(api: &Bearer, path: &str, etag: &str, bodies: &[Value]) {
    let patch = |body: &Value, tag: &str| {
        api.request(Method::PATCH, path).header(header::IF_MATCH, tag.to_owned()).json(body).send()
    };
    let racers = bodies.iter().map(|body| patch(body, etag));
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{path}: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{path}: {statuses:?}");
    let (status, problem) = refused(patch(&bodies[0], etag).await.unwrap()).await;
    assert_eq!(status, 412, "{path}: {problem}");
    assert_eq!(patch(&bodies[0], "*").await.unwrap().status(), 200, "{path}");
    assert_eq!(patch(&bodies[0], "not-a-tag").await.unwrap().status(), 400, "{path}");
}

fn etag_of(response: &reqwest::Response) -> String {
    response.headers()[header::ETAG].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn if_match_makes_label_cycle_and_role_changes_conditional() {
    let org = Org::new().await;
    let api = token_api(&org, "admin").await;

    let created = api.send(Method::POST, "/labels", &json!({"name": "bug", "color": "red"})).await;
    let etag = etag_of(&created);
    let label = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let names: Vec<Value> = (0..5).map(|n| json!({"name": format!("bug {n}")})).collect();
    one_conditional_racer_wins(&api, &format!("/labels/{label}"), &etag, &names).await;

    let project = org.app.project(&org.slug, "Launch").await;
    let body = json!({"name": "Sprint 1", "starts_on": "2026-01-05", "ends_on": "2026-01-16"});
    let created = api.send(Method::POST, &format!("/projects/{project}/cycles"), &body).await;
    let etag = etag_of(&created);
    let cycle = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let ends: Vec<Value> = (0..5).map(|n| json!({"ends_on": format!("2026-01-2{n}")})).collect();
    one_conditional_racer_wins(&api, &format!("/cycles/{cycle}"), &etag, &ends).await;

    let (_, _, member) = org.person("mem", Role::Member).await;
    let path = format!("/members/{member}");
    let changed = api.send(Method::PATCH, &path, &json!({"role": "guest"})).await;
    assert_eq!(changed.status(), 200);
    let etag = etag_of(&changed);
    let to_member = json!({"role": "member"});
    let patch = |tag: String| api.request(Method::PATCH, &path).header(header::IF_MATCH, tag).json(&to_member).send();
    assert_eq!(patch(etag.clone()).await.unwrap().status(), 200, "the role as seen");
    assert_eq!(refused(patch(etag).await.unwrap()).await.0, 412, "changed since that tag");
    // Two admins demoting the same member from the same version: one wins.
    let fresh = etag_of(&api.send(Method::PATCH, &path, &json!({"role": "member"})).await);
    let racers = ["guest", "guest", "guest"].map(|role| {
        api.request(Method::PATCH, &path).header(header::IF_MATCH, fresh.clone()).json(&json!({"role": role})).send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
}
