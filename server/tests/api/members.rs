//! Members: the permission matrix walked through HTTP for every role, the
//! member list, role changes, removal and leaving.

use app::model::{Action, Role};
use serde_json::Value;

use crate::helpers::{Org, Person, Visitor, field_error, slug};

/// Every cell of the permission matrix, through the server function that
/// needs it, for every role: allowed exactly when `Role::can` says so. The
/// `match` has no catch-all, so a new action does not compile until it is
/// walked here too.
#[tokio::test]
async fn every_role_may_do_exactly_what_the_matrix_says() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Work").await;
    for role in Role::ALL {
        let (client, _, me) = org.person(&format!("r{}", role.as_str()), role).await;
        for action in Action::ALL {
            let allowed = match action {
                Action::ViewWork => client.call("list_projects", &org.form(&[])).await.status() == 200,
                Action::ViewMemberEmails => {
                    let members = client.ok("list_members", &org.form(&[])).await;
                    let emails = members.as_array().unwrap().iter().filter(|m| m.get("email").is_some()).count();
                    assert!(emails == 0 || emails == members.as_array().unwrap().len(), "{role:?}: {members}");
                    emails > 0
                }
                Action::EditProjects => {
                    let name = format!("By {}", role.as_str());
                    client.call("create_project", &org.form(&[("name", &name)])).await.status() == 200
                }
                Action::EditTasks => {
                    let form = org.form(&[("project", &project), ("title", "A task")]);
                    client.call("create_task", &form).await.status() == 200
                }
                Action::UploadFiles => {
                    let form = org.form(&[("project", &project), ("files", "1")]);
                    client.call("start_upload_session", &form).await.status() == 200
                }
                Action::ManageCycles => {
                    let form = org.form(&[
                        ("project", &project),
                        ("name", role.as_str()),
                        ("starts_on", "2026-11-01"),
                        ("ends_on", "2026-11-14"),
                    ]);
                    client.call("create_cycle", &form).await.status() == 200
                }
                Action::ManageLabels => {
                    client.call("create_label", &org.form(&[("name", role.as_str())])).await.status() == 200
                }
                Action::TrashProjects => {
                    let doomed = app.project(&org.slug, &format!("Doomed {}", role.as_str())).await;
                    client.call("delete_project", &org.form(&[("project", &doomed)])).await.status() == 200
                }
                Action::PurgeTasks => {
                    client.call("empty_task_trash", &org.form(&[("project", &project)])).await.status() == 200
                }
                Action::ManageMembers => {
                    let (_, _, guest) = org.person(&format!("g{}", role.as_str()), Role::Guest).await;
                    let form = org.form(&[("user", &guest), ("role", "member")]);
                    client.call("change_member_role", &form).await.status() == 200
                }
                Action::ManageAdminsAndOwners => {
                    let (_, _, member) = org.person(&format!("m{}", role.as_str()), Role::Member).await;
                    let form = org.form(&[("user", &member), ("role", "admin")]);
                    client.call("change_member_role", &form).await.status() == 200
                }
                Action::ViewAudit => client.call("list_audit_events", &org.form(&[])).await.status() == 200,
                Action::ViewLicenses => client.call("list_licenses", &org.form(&[])).await.status() == 200,
                Action::ManageLicenses => {
                    let code = format!("feature-{}", role.as_str());
                    client
                        .call("create_entitlement", &org.form(&[("code", &code), ("name", "A feature")]))
                        .await
                        .status()
                        == 200
                }
                Action::ManageApiTokens => {
                    let form = org.form(&[("name", "Script"), ("role", "read_only")]);
                    client.call("create_api_token", &form).await.status() == 200
                }
                Action::ManageWebhooks => {
                    let form = org.form(&[("url", "https://hooks.example.com/atrium")]);
                    client.call("create_webhook_endpoint", &form).await.status() == 200
                }
                Action::InviteMembers => {
                    let email = format!("invitee.{}@example.com", role.as_str());
                    let form = org.form(&[("email", &email), ("role", "guest")]);
                    client.call("invite_member", &form).await.status() == 200
                }
                Action::ManageSettings => {
                    let name = format!("Renamed by {}", role.as_str());
                    let form = org.form(&[("name", &name), ("slug", &org.slug)]);
                    client.call("update_org_settings", &form).await.status() == 200
                }
                Action::TransferOwnership => {
                    let (heir, _, heir_id) = org.person(&format!("h{}", role.as_str()), Role::Member).await;
                    let given = client.call("transfer_ownership", &org.form(&[("user", &heir_id)])).await.status();
                    if given == 200 {
                        // Handed back, so this member is an Owner again for
                        // the rest of the walk.
                        let back = heir.call("transfer_ownership", &org.form(&[("user", &me)])).await;
                        assert_eq!(back.status(), 200, "{role:?}: ownership comes back");
                    }
                    given == 200
                }
                Action::DeleteOrganization => {
                    // A wrong confirmation: refused as a bad field (422)
                    // only once the role is allowed (else 403), so nothing
                    // is deleted either way.
                    let form = org.form(&[("confirm", "not the name")]);
                    let status = client.call("delete_organization", &form).await.status();
                    assert!(status == 422 || status == 403, "{role:?}: {status}");
                    status == 422
                }
                Action::LeaveOrganization => {
                    // Last, below: leaving ends the walk for this role.
                    continue;
                }
            };
            assert_eq!(allowed, role.can(action), "{role:?} {action:?}");
        }
        // Everyone may leave, but the only Owner (the organization's
        // first) keeps the organization; this one is its second.
        let left = client.call("leave_organization", &org.form(&[])).await;
        assert_eq!(left.status() == 200, role.can(Action::LeaveOrganization), "{role:?} leaves");
        assert_eq!(client.call("list_projects", &org.form(&[])).await.status(), 404, "{role:?} is gone");
        assert!(app.call("list_members", &org.form(&[])).await.text().await.unwrap().find(&me).is_none());
    }
}

/// The matrix in a suspended organization, for every role: each action
/// that reads (`Action::changes_data` false: the work, member emails, the
/// audit log and its export, licensing, the task export) answers exactly
/// as `Role::can` says, and each action that changes data is refused (403)
/// with `suspended` to every role that may otherwise do it. The `match` has no catch-all, so a new action is walked here
/// too.
#[tokio::test]
async fn a_suspended_organization_reads_as_the_matrix_says_and_changes_nothing() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Work").await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    let people: Vec<_> = {
        let mut people = Vec::new();
        for role in Role::ALL {
            let (client, _, me) = org.person(&format!("s{}", role.as_str()), role).await;
            people.push((role, client, me));
        }
        people
    };
    let platform = crate::helpers::platform_admin(app).await;
    platform.ok("suspend_organization", &[("org", &id)]).await;
    for (role, client, _) in &people {
        let role = *role;
        for action in Action::ALL {
            let status = |response: reqwest::Response| async move {
                let status = response.status().as_u16();
                let kind =
                    response.json::<Value>().await.ok().and_then(|body| body["kind"].as_str().map(str::to_owned));
                (status, kind)
            };
            let (status, kind) = match action {
                // Reading: allowed as the matrix says.
                Action::ViewWork => {
                    let export = client.get(&format!("/o/{}/projects/{project}/tasks.csv", org.slug)).await;
                    assert_eq!(export.status(), 200, "{role:?}: the task export is reading");
                    status(client.call("list_projects", &org.form(&[])).await).await
                }
                Action::ViewMemberEmails => {
                    let members = client.ok("list_members", &org.form(&[])).await;
                    let emails = members.as_array().unwrap().iter().filter(|m| m.get("email").is_some()).count();
                    (if emails > 0 { 200 } else { 403 }, None)
                }
                Action::ViewAudit => {
                    let export = client.get(&format!("/o/{}/audit.csv", org.slug)).await.status();
                    assert_eq!(export == 200, role.can(action), "{role:?}: the audit export ({export})");
                    status(client.call("list_audit_events", &org.form(&[])).await).await
                }
                Action::ViewLicenses => {
                    let licensing = client.call("get_licensing", &org.form(&[])).await.status();
                    assert_eq!(licensing == 200, role.can(action), "{role:?}: get_licensing ({licensing})");
                    status(client.call("list_licenses", &org.form(&[])).await).await
                }
                Action::LeaveOrganization => {
                    // Last, below: leaving ends the walk for this role.
                    continue;
                }
                // Changing: refused.
                Action::EditProjects => {
                    status(client.call("create_project", &org.form(&[("name", "More")])).await).await
                }
                Action::EditTasks => {
                    let form = org.form(&[("project", &project), ("title", "A task")]);
                    status(client.call("create_task", &form).await).await
                }
                Action::UploadFiles => {
                    let form = org.form(&[("project", &project), ("files", "1")]);
                    status(client.call("start_upload_session", &form).await).await
                }
                Action::ManageCycles => {
                    let form = org.form(&[
                        ("project", &project),
                        ("name", "Sprint"),
                        ("starts_on", "2026-11-01"),
                        ("ends_on", "2026-11-14"),
                    ]);
                    status(client.call("create_cycle", &form).await).await
                }
                Action::ManageLabels => status(client.call("create_label", &org.form(&[("name", "Bug")])).await).await,
                Action::TrashProjects => {
                    status(client.call("delete_project", &org.form(&[("project", &project)])).await).await
                }
                Action::PurgeTasks => {
                    status(client.call("empty_task_trash", &org.form(&[("project", &project)])).await).await
                }
                Action::ManageMembers | Action::ManageAdminsAndOwners => {
                    let target = &people.iter().find(|(role, ..)| *role == Role::Guest).unwrap().2;
                    let to = if action == Action::ManageMembers { "member" } else { "admin" };
                    status(client.call("change_member_role", &org.form(&[("user", target), ("role", to)])).await).await
                }
                Action::InviteMembers => {
                    let form = org.form(&[("email", "invitee@example.com"), ("role", "guest")]);
                    status(client.call("invite_member", &form).await).await
                }
                Action::ManageSettings => {
                    let form = org.form(&[("name", "Renamed"), ("slug", &org.slug)]);
                    status(client.call("update_org_settings", &form).await).await
                }
                Action::TransferOwnership => {
                    let heir = &people.iter().find(|(role, ..)| *role == Role::Member).unwrap().2;
                    status(client.call("transfer_ownership", &org.form(&[("user", heir)])).await).await
                }
                Action::DeleteOrganization => {
                    status(client.call("delete_organization", &org.form(&[("confirm", "not the name")])).await).await
                }
                Action::ManageLicenses => {
                    let form = org.form(&[("code", "feature"), ("name", "A feature")]);
                    status(client.call("create_entitlement", &form).await).await
                }
                Action::ManageApiTokens => {
                    let form = org.form(&[("name", "Script"), ("role", "read_only")]);
                    status(client.call("create_api_token", &form).await).await
                }
                Action::ManageWebhooks => {
                    let form = org.form(&[("url", "https://hooks.example.com/atrium")]);
                    status(client.call("create_webhook_endpoint", &form).await).await
                }
            };
            if action.changes_data() {
                assert_eq!(status, 403, "{role:?} {action:?}: {kind:?}");
                if role.can(action) {
                    assert_eq!(kind.as_deref(), Some("suspended"), "{role:?} {action:?}");
                } else {
                    // Refused either way; which reason comes first depends
                    // on the rights the function asks for first (an Admin
                    // making an Admin is asked for ManageMembers first).
                    assert!(
                        matches!(kind.as_deref(), Some("forbidden" | "suspended")),
                        "{role:?} {action:?}: {kind:?}"
                    );
                }
            } else {
                assert_eq!(status == 200, role.can(action), "{role:?} {action:?}: {status} {kind:?}");
            }
        }
    }
    // Leaving is not a change to the organization's work: anyone but its
    // only Owner may leave a suspended organization.
    let (_, member, _) = people.iter().find(|(role, ..)| *role == Role::Member).unwrap();
    assert_eq!(member.call("leave_organization", &org.form(&[])).await.status(), 200);
}

#[tokio::test]
async fn guests_see_names_and_roles_but_no_email_addresses() {
    let org = Org::new().await;
    let (guest, _, _) = org.person("gst", Role::Guest).await;
    let (member, _, _) = org.person("mbr", Role::Member).await;
    for name in ["list_members", "list_members_page"] {
        let seen = guest.ok(name, &org.form(&[])).await.to_string();
        assert!(!seen.contains("@example.com"), "{name}: {seen}");
        assert!(seen.contains("own Tester") && seen.contains("\"owner\""), "{name}: {seen}");
        assert!(member.ok(name, &org.form(&[])).await.to_string().contains(&org.owner.email));
    }
    // Nor can a Guest find an address by searching for it.
    let by_email = guest.ok("list_members_page", &org.form(&[("search", &org.owner.email)])).await;
    assert_eq!(by_email["total"], 0);
    let by_name = guest.ok("list_members_page", &org.form(&[("search", "OWN tes")])).await;
    assert_eq!(by_name["total"], 1);
    let too_long = "x".repeat(101);
    let response = guest.call("list_members_page", &org.form(&[("search", &too_long)])).await;
    assert_eq!(field_error(response, "search").await, "Search for at most 100 characters.");
}

#[tokio::test]
async fn the_member_list_pages_by_name() {
    let org = Org::new().await;
    for n in 0..27 {
        org.person(&format!("p{n:02}"), Role::Member).await;
    }
    let first = org.app.ok("list_members_page", &org.form(&[])).await;
    assert_eq!((first["total"].as_i64(), first["items"].as_array().unwrap().len()), (Some(28), 25));
    assert_eq!(first["has_more"], true);
    let second = org.app.ok("list_members_page", &org.form(&[("offset", "25")])).await;
    let names: Vec<&str> =
        second["items"].as_array().unwrap().iter().map(|m| m["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["p24 Tester", "p25 Tester", "p26 Tester"]);
    let response = org.app.call("list_members_page", &org.form(&[("limit", "7")])).await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn the_last_owner_stays_and_nobody_removes_themselves() {
    let org = Org::new().await;
    let app = &org.app;
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let conflict = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 409);
        let body: Value = response.json().await.unwrap();
        body["detail"].as_str().unwrap_or_default().to_owned()
    };
    let step_down = org.form(&[("user", &me), ("role", "admin")]);
    let message = conflict(app.call("change_member_role", &step_down).await).await;
    assert!(message.contains("at least one Owner"), "{message}");
    let message = conflict(app.call("leave_organization", &org.form(&[])).await).await;
    assert!(message.contains("at least one Owner"), "{message}");
    let message = conflict(app.call("remove_member", &org.form(&[("user", &me)])).await).await;
    assert!(message.contains("Leave the organization instead"), "{message}");

    // With a second Owner the first may step down; the second, now the
    // only one, may not.
    let (second, _, second_id) = org.person("two", Role::Member).await;
    app.ok("change_member_role", &org.form(&[("user", &second_id), ("role", "owner")])).await;
    let now = app.ok("change_member_role", &step_down).await;
    assert_eq!(now["role"], "admin");
    let message = conflict(second.call("leave_organization", &org.form(&[])).await).await;
    assert!(message.contains("at least one Owner"), "{message}");
    // The Admin the first Owner became can no longer touch Owners.
    let demote = org.form(&[("user", &second_id), ("role", "member")]);
    assert_eq!(app.call("change_member_role", &demote).await.status(), 403);
    assert_eq!(app.call("remove_member", &org.form(&[("user", &second_id)])).await.status(), 403);
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once_and_their_tasks_are_unassigned() {
    let org = Org::new().await;
    let app = &org.app;
    let (admin, _, _) = org.person("adm", Role::Admin).await;
    let (member, _, member_id) = org.person("mbr", Role::Member).await;
    let project = app.project(&org.slug, "Work").await;
    let task = app.task(&org.slug, &project, &[("title", "Theirs"), ("assignee", &member_id)]).await;
    let task_id = task["id"].as_str().unwrap();
    assert_eq!(member.call("get_org_shell", &org.form(&[])).await.status(), 200);
    assert_eq!(member.get(&format!("/o/{}", org.slug)).await.status(), 200);

    admin.ok("remove_member", &org.form(&[("user", &member_id)])).await;

    // The same session, the very next request.
    assert_eq!(member.call("get_org_shell", &org.form(&[])).await.status(), 404);
    assert_eq!(member.get(&format!("/o/{}", org.slug)).await.status(), 404);
    assert_eq!(member.call("list_tasks", &org.form(&[("project", &project)])).await.status(), 404);
    let task = app.ok("get_task", &org.form(&[("task", task_id)])).await;
    assert!(task.get("assignee").is_none_or(Value::is_null), "{task}");
    // Gone is gone: removing again, or someone who never was a member.
    assert_eq!(admin.call("remove_member", &org.form(&[("user", &member_id)])).await.status(), 404);
    let outsider = app.visitor();
    outsider.signed_up(&Person::new("out")).await;
    let outsider_id = outsider.current_user().await["id"].as_str().unwrap().to_owned();
    for (name, form) in [
        ("remove_member", org.form(&[("user", &outsider_id)])),
        ("change_member_role", org.form(&[("user", &outsider_id), ("role", "guest")])),
        ("remove_member", org.form(&[("user", "not-an-id")])),
    ] {
        assert_eq!(admin.call(name, &form).await.status(), 404, "{name} {form:?}");
    }
    let (_, _, guest_id) = org.person("gst", Role::Guest).await;
    let response = admin.call("change_member_role", &org.form(&[("user", &guest_id), ("role", "boss")])).await;
    assert_eq!(field_error(response, "role").await, "Choose Owner, Admin, Member or Guest.");
}

#[tokio::test]
async fn leaving_redirects_home_to_the_next_organization() {
    let org = Org::new().await;
    let (member, person, _) = org.person("mbr", Role::Member).await;
    // The member opened this organization last.
    member.ok("get_org_shell", &org.form(&[])).await;
    let left = member.call("leave_organization", &org.form(&[])).await;
    assert_eq!(left.status(), 200);
    assert_eq!(crate::helpers::location(&left), "/");
    let landing = member.ok("get_landing", &[]).await;
    let own = slug(landing["Organization"].as_str().unwrap_or_default()).to_owned();
    assert!(own.starts_with(&person.organization.to_lowercase().replace(' ', "-")), "{landing}");
}

#[tokio::test]
async fn the_members_page_offers_what_the_role_may_do() {
    let org = Org::new().await;
    let (admin, _, _) = org.person("adm", Role::Admin).await;
    let (member, _, _) = org.person("mbr", Role::Member).await;
    org.person("gst", Role::Guest).await;
    let page = |client: &Visitor| {
        let path = format!("/o/{}/members", org.slug);
        let client = Visitor { address: client.address.clone(), client: client.client.clone() };
        async move {
            let response = client.get(&path).await;
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let as_owner = page(&org.app).await;
    for who in ["adm Tester", "mbr Tester", "gst Tester"] {
        assert!(as_owner.contains(&format!("Role of {who}")), "owner may change {who}");
        assert!(as_owner.contains(&format!("Remove {who}")), "owner may remove {who}");
    }
    let as_admin = page(&admin).await;
    assert!(as_admin.contains("Role of mbr Tester") && as_admin.contains("Remove gst Tester"));
    assert!(!as_admin.contains("Role of own Tester") && !as_admin.contains("Remove own Tester"));
    assert!(!as_admin.contains("Role of adm Tester"), "an Admin does not change their own role");
    let as_member = page(&member).await;
    assert!(!as_member.contains("Role of") && !as_member.contains("Remove "), "members only read");
    assert!(as_member.contains("Leave this organization"));
}
