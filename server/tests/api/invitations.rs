//! Invitations through HTTP: the mail, the link, single use, expiry,
//! resend and revoke, and who may invite whom.

use app::model::Role;
use serde_json::Value;

use crate::helpers::{Person, TestApp, field_error, join, location, slug, spawn_app};

struct Team {
    app: TestApp,
    org: String,
    owner: Person,
}

async fn team() -> Team {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    Team { app, org, owner }
}

impl Team {
    async fn invite(&self, email: &str, role: &str) -> Value {
        self.app.ok("invite_member", &[("org", &self.org), ("email", email), ("role", role)]).await
    }
}

fn token(link: &str) -> &str {
    link.trim_start_matches("/invite/")
}

#[tokio::test]
async fn a_new_person_signs_up_from_the_mailed_link_and_joins_with_the_role() {
    let team = team().await;
    let invited = team.invite("New.Person@Example.com", "member").await;
    assert_eq!(invited["email"], "new.person@example.com");
    let mail = team.app.mails_to("new.person@example.com").pop().unwrap();
    assert!(mail.contains("Subject: Join own Works on Atrium"), "{mail}");
    assert!(mail.contains("own Tester invited you to join own Works on Atrium as Member"), "{mail}");
    let link = team.app.invitation_link("new.person@example.com");
    assert_eq!(link.len(), "/invite/".len() + 64);

    // Only the hash is stored.
    let stored: Vec<String> = match &team.app.db {
        app::server::db::Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT token_hash FROM invitations").fetch_all(pool).await.unwrap()
        }
        app::server::db::Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT token_hash FROM invitations").fetch_all(pool).await.unwrap()
        }
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token(&link));

    let guest = team.app.visitor();
    let view = guest.ok("get_invitation", &[("token", token(&link))]).await;
    assert_eq!((view["status"].as_str(), view["has_account"].as_bool()), (Some("pending"), Some(false)));
    assert_eq!(view["organization"], "own Works");
    let weak = guest
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&link)), ("display_name", "New"), ("password", "short")],
        )
        .await;
    assert!(!field_error(weak, "password").await.is_empty());
    let joined = guest
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&link)), ("display_name", "New Person"), ("password", "violet harbor lamp 4412 quiet")],
        )
        .await;
    assert_eq!(joined.status(), 200);
    assert_eq!(location(&joined), format!("/o/{}", team.org));
    let shell = guest.ok("get_org_shell", &[("org", &team.org)]).await;
    assert_eq!(shell["org"]["role"], "member");
    assert_eq!(shell["organizations"].as_array().unwrap().len(), 1, "no organization of their own");

    // The link worked once.
    let again = team.app.visitor().call("get_invitation", &[("token", token(&link))]).await;
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["status"], "accepted");
    let reuse = team
        .app
        .visitor()
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&link)), ("display_name", "Other"), ("password", "violet harbor lamp 4412 quiet")],
        )
        .await;
    assert_eq!(reuse.status(), 409);
    let events = team.app.ok("list_audit_events", &[("org", &team.org), ("action", "invitation.accepted")]).await;
    assert_eq!(events["items"][0]["actor_email"], "new.person@example.com");
    assert!(team.app.ok("list_invitations", &[("org", &team.org)]).await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_existing_user_accepts_signed_in_as_the_invited_email_only() {
    let team = team().await;
    let person = Person::new("ada");
    let ada = team.app.visitor();
    ada.signed_up(&person).await;
    team.invite(&person.email, "guest").await;
    let link = team.app.invitation_link(&person.email);
    let view = ada.ok("get_invitation", &[("token", token(&link))]).await;
    assert_eq!(
        (view["has_account"].as_bool(), view["signed_in_as"].as_str()),
        (Some(true), Some(person.email.as_str()))
    );

    // Someone else signed in cannot take it.
    let other = team.app.visitor();
    other.signed_up(&Person::new("eve")).await;
    let taken = other.call("accept_invitation", &[("token", token(&link))]).await;
    assert_eq!(taken.status(), 409);
    let body: Value = taken.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains(&person.email), "{body}");
    // Signing up anew with an email that has an account is refused.
    let stranger = team.app.visitor();
    let response = stranger
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&link)), ("display_name", "Ada"), ("password", "violet harbor lamp 4412 quiet")],
        )
        .await;
    assert!(field_error(response, "email").await.contains("already exists"));
    // Signed out: 401.
    assert_eq!(team.app.visitor().call("accept_invitation", &[("token", token(&link))]).await.status(), 401);

    let accepted = ada.call("accept_invitation", &[("token", token(&link))]).await;
    assert_eq!(accepted.status(), 200);
    assert_eq!(location(&accepted), format!("/o/{}", team.org));
    assert_eq!(ada.ok("get_org_shell", &[("org", &team.org)]).await["org"]["role"], "guest");
    assert_eq!(ada.call("accept_invitation", &[("token", token(&link))]).await.status(), 409, "single use");
    // Already a member: inviting again is a field error.
    let response =
        team.app.call("invite_member", &[("org", &team.org), ("email", &person.email), ("role", "member")]).await;
    assert_eq!(field_error(response, "email").await, "This person is already a member.");
}

#[tokio::test]
async fn resent_links_replace_old_ones_and_revoked_or_expired_links_are_dead() {
    let team = team().await;
    let first = team.invite("bo@example.com", "member").await;
    let old = team.app.invitation_link("bo@example.com");
    let id = first["id"].as_str().unwrap();
    team.app.ok("resend_invitation", &[("org", &team.org), ("invitation", id)]).await;
    let new = team.app.invitation_link("bo@example.com");
    assert_ne!(old, new);
    assert_eq!(team.app.mails_to("bo@example.com").len(), 2);
    let visitor = team.app.visitor();
    assert_eq!(visitor.call("get_invitation", &[("token", token(&old))]).await.status(), 404, "the old link is dead");
    assert_eq!(visitor.ok("get_invitation", &[("token", token(&new))]).await["status"], "pending");

    // Inviting the same address again renews the same invitation.
    let again = team.invite("bo@example.com", "guest").await;
    assert_eq!(again["id"], id);
    assert_eq!(again["role"], "guest");
    let newest = team.app.invitation_link("bo@example.com");
    assert_eq!(team.app.ok("list_invitations", &[("org", &team.org)]).await.as_array().unwrap().len(), 1);

    team.app.ok("revoke_invitation", &[("org", &team.org), ("invitation", id)]).await;
    assert_eq!(visitor.ok("get_invitation", &[("token", token(&newest))]).await["status"], "revoked");
    let response = visitor
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&newest)), ("display_name", "Bo"), ("password", "violet harbor lamp 4412 quiet")],
        )
        .await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "This invitation was withdrawn.");
    assert_eq!(team.app.call("revoke_invitation", &[("org", &team.org), ("invitation", id)]).await.status(), 404);

    // Expired: seven days are up.
    team.invite("cy@example.com", "member").await;
    let link = team.app.invitation_link("cy@example.com");
    let past = app::server::db::Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    match &team.app.db {
        app::server::db::Db::Sqlite(pool) => {
            sqlx::query("UPDATE invitations SET expires_at = $1 WHERE email = 'cy@example.com'")
                .bind(past)
                .execute(pool)
                .await
                .unwrap();
        }
        app::server::db::Db::Postgres(pool) => {
            sqlx::query("UPDATE invitations SET expires_at = $1 WHERE email = 'cy@example.com'")
                .bind(past)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    assert_eq!(visitor.ok("get_invitation", &[("token", token(&link))]).await["status"], "expired");
    let response = visitor
        .call(
            "accept_invitation_with_signup",
            &[("token", token(&link)), ("display_name", "Cy"), ("password", "violet harbor lamp 4412 quiet")],
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "This invitation has expired. Ask for a new one.");
    let audit = team.app.ok("list_audit_events", &[("org", &team.org), ("action", "invitation.revoked")]).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn admins_invite_members_and_guests_only_and_bad_input_is_named() {
    let team = team().await;
    let person = Person::new("adm");
    let admin = team.app.visitor();
    admin.signed_up(&person).await;
    join(&team.app, &team.org, &team.owner, &person, Role::Admin).await;
    let form = |email: &'static str, role: &'static str| {
        [("org", team.org.clone()), ("email", email.into()), ("role", role.into())]
    };
    let call = |form: [(&'static str, String); 3]| {
        let admin = &admin;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.call("invite_member", &form).await
        }
    };
    assert_eq!(call(form("m@example.com", "member")).await.status(), 200);
    assert_eq!(call(form("a@example.com", "admin")).await.status(), 403);
    assert_eq!(call(form("o@example.com", "owner")).await.status(), 403);
    assert!(!field_error(call(form("not-an-email", "member")).await, "email").await.is_empty());
    assert_eq!(
        field_error(call(form("x@example.com", "boss")).await, "role").await,
        "Choose Owner, Admin, Member or Guest."
    );
    // An Owner's invitation as Admin is not an Admin's to revoke.
    let owners = team.invite("b@example.com", "admin").await;
    let page = team.app.get(&format!("/o/{}/members", team.org)).await.text().await.unwrap();
    assert!(page.contains("Revoke the invitation to b@example.com"), "the members page lists pending invitations");
    let id = owners["id"].as_str().unwrap();
    assert_eq!(admin.call("revoke_invitation", &[("org", &team.org), ("invitation", id)]).await.status(), 403);
    // Members do not invite; another organization's invitation is not found.
    let member_person = Person::new("mbr");
    let member = team.app.visitor();
    member.signed_up(&member_person).await;
    join(&team.app, &team.org, &team.owner, &member_person, Role::Member).await;
    assert_eq!(
        member
            .call("invite_member", &[("org", &team.org), ("email", "z@example.com"), ("role", "guest")])
            .await
            .status(),
        403
    );
    assert_eq!(member.call("list_invitations", &[("org", &team.org)]).await.status(), 403);
    let other = team.app.visitor();
    let their = slug(&other.signed_up(&Person::new("oth")).await).to_owned();
    assert_eq!(other.call("revoke_invitation", &[("org", &their), ("invitation", id)]).await.status(), 404);
}

#[tokio::test]
async fn an_admin_cannot_replace_an_owners_admin_or_owner_invitation_by_inviting_again() {
    let team = team().await;
    let person = Person::new("adm");
    let admin = team.app.visitor();
    admin.signed_up(&person).await;
    join(&team.app, &team.org, &team.owner, &person, Role::Admin).await;
    let reinvite = |email: &'static str, role: &'static str| {
        let (admin, org) = (&admin, &team.org);
        async move { admin.call("invite_member", &[("org", org), ("email", email), ("role", role)]).await.status() }
    };
    for (email, role) in [("boss@example.com", "admin"), ("heir@example.com", "owner")] {
        let owners = team.invite(email, role).await;
        let link = team.app.invitation_link(email);
        for lower in ["guest", "member"] {
            assert_eq!(reinvite(email, lower).await, 403, "{role} invitation re-sent as {lower}");
        }
        // Untouched: the same invitation, role and link.
        let pending = team.app.ok("list_invitations", &[("org", &team.org)]).await;
        let kept = pending.as_array().unwrap().iter().find(|i| i["email"] == email).unwrap().clone();
        assert_eq!((&kept["id"], &kept["role"]), (&owners["id"], &serde_json::json!(role)));
        assert_eq!(team.app.invitation_link(email), link, "no new link was sent");
        let view = team.app.visitor().ok("get_invitation", &[("token", token(&link))]).await;
        assert_eq!((view["status"].as_str(), view["role"].as_str()), (Some("pending"), Some(role)));
    }
    // Sent at the same moment, the Owner's Admin invitation always wins:
    // whichever comes second, the Admin's Guest one cannot replace it.
    for n in 0..8 {
        let email = format!("race{n}@example.com");
        let owner_form = [("org", team.org.as_str()), ("email", email.as_str()), ("role", "admin")];
        let admin_form = [("org", team.org.as_str()), ("email", email.as_str()), ("role", "guest")];
        let (owners, admins) =
            tokio::join!(team.app.call("invite_member", &owner_form), admin.call("invite_member", &admin_form));
        assert_eq!(owners.status(), 200);
        assert!([200, 403].contains(&admins.status().as_u16()), "{}", admins.status());
        let pending = team.app.ok("list_invitations", &[("org", &team.org)]).await;
        let kept = pending.as_array().unwrap().iter().find(|i| i["email"] == email.as_str()).unwrap().clone();
        assert_eq!(kept["role"], "admin", "round {n}");
    }
    // An Admin still renews invitations within their right, and an Owner
    // any of them.
    team.invite("mem@example.com", "member").await;
    assert_eq!(reinvite("mem@example.com", "guest").await, 200);
    assert_eq!(team.invite("boss@example.com", "guest").await["role"], "guest");
    assert_eq!(reinvite("boss@example.com", "member").await, 200);
}
