//! The repository story: one walk through every repository function, with
//! the semantics that could drift between backends pinned down. Run on
//! SQLite and PostgreSQL by `repository.rs`, and on SQLite under a
//! statement recorder by `statements.rs`, which checks the query plan of
//! every statement it runs.

use app::{
    error::AppError,
    model::{
        AssigneeFilter, CycleName, DisplayName, Email, LabelColor, LabelName, OrgLimits, OrgName, OrgSlug, Page, Plan,
        Priority, ProjectDescription, ProjectId, ProjectName, ProjectView, Role, SortDir, StatusFilter,
        TaskDescription, TaskItem, TaskQuery, TaskSort, TenantStatus, UserId,
    },
    server::{
        ctx::{OrgCtx, PlatformAdmin},
        db::{
            Db, Timestamp,
            audit::{self, AuditFilter, AuditScope},
            cycles, dashboard,
            events::{self, NewEvent},
            invitations::{self, Acceptance},
            labels,
            members::{self, MembershipError, Removal, RoleChange},
            orgs, platform,
            projects::{self, ProjectError},
            task_list::{self, Listed},
            tasks::{self, Lifecycle, TaskUpdateError, TaskWriteError},
            users::{self, CreateUserError, NewUser},
        },
        session_store::SessionDb,
    },
};
use time::{Date, macros::date};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

use super::{admin, fields, team, with, writer};
use app::model::{Action, AuditAction};

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn name(s: &str) -> DisplayName {
    DisplayName::parse(s).unwrap()
}

fn org(s: &str) -> OrgName {
    OrgName::parse(s).unwrap()
}

fn new_user<'a>(email: &'a Email, display_name: &'a DisplayName) -> NewUser<'a> {
    NewUser {
        email,
        display_name,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        is_platform_admin: false,
        email_verified: false,
    }
}

/// Every repository function, in one walk.
pub async fn run(db: &Db) {
    accounts(db).await;
    work(db).await;
    sign_in_failures(db).await;
    account_security(db).await;
    job_queue(db).await;
    fair_job_queue(db).await;
    resumable_imports(db).await;
    tenancy(db).await;
    licensing(db).await;
    preferences(db).await;
    api_tokens(db).await;
    webhooks(db).await;
    outbox(db).await;
}

/// Webhook endpoints: their settings and secrets, which enabled ones want
/// an event type, the deliveries log with the failure streak, and
/// another organization seeing none of it.
async fn webhooks(db: &Db) {
    use app::{
        model::WebhookEndpointId,
        server::db::{
            events::NewEvent,
            webhooks::{self, EndpointFields, NewDelivery, SealedSecret},
        },
    };
    let other_team = team(db, "Oskar Hookless", "Other Hook Co").await;
    let theirs = admin(&other_team.owner);
    let other = other_team.owner.org_id();
    let team = team(db, "Wilma Webhook", "Hook Co").await;
    let admin = admin(&team.owner);
    let secret = SealedSecret { sealed: "sealed-1".into(), start: "whsec_abcd".into() };
    let licensing = vec!["license.created".to_owned(), "machine.created".to_owned()];
    let fields = EndpointFields {
        url: "https://hooks.example.com/a",
        description: "CRM",
        event_types: &licensing,
        enabled: true,
    };
    let id = WebhookEndpointId::new();
    let all_id = WebhookEndpointId::new();
    let org = team.owner.org_id();
    let ids = |found: Vec<(WebhookEndpointId, String)>| found.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    let ev = |kind: &str, endpoint: WebhookEndpointId| {
        NewEvent::change(org, kind, ("webhook_endpoint", endpoint.to_string()), None, serde_json::json!({}))
    };
    let their_ev = NewEvent::change(
        other,
        "webhook-endpoint.updated",
        ("webhook_endpoint", id.to_string()),
        None,
        serde_json::json!({}),
    );
    let made = webhooks::insert(db, &admin, id, (&fields, &secret), &ev("webhook-endpoint.created", id)).await.unwrap();
    assert_eq!(
        (made.event_types.clone(), made.enabled, made.secret_start.as_str()),
        (licensing.clone(), true, "whsec_abcd")
    );
    let everything =
        EndpointFields { url: "https://hooks.example.com/b", description: "", event_types: &[], enabled: true };
    let all = webhooks::insert(db, &admin, all_id, (&everything, &secret), &ev("webhook-endpoint.created", all_id))
        .await
        .unwrap();
    assert!(all.event_types.is_empty() && all.wants("task.created"));
    assert_eq!(ids(webhooks::subscribers(db, org, "license.created").await.unwrap()), [made.id, all.id]);
    assert_eq!(ids(webhooks::subscribers(db, org, "task.created").await.unwrap()), [all.id], "by type");
    assert_eq!(ids(webhooks::subscribers(db, org, "license").await.unwrap()), [all.id], "whole types only");

    // Another organization sees none of it.
    assert!(webhooks::find(db, &theirs, id).await.unwrap().is_none());
    assert!(webhooks::update(db, &theirs, id, &fields, &their_ev).await.unwrap().is_none());
    assert!(!webhooks::delete(db, &theirs, id, &their_ev).await.unwrap());
    assert!(webhooks::target(db, other, id).await.unwrap().is_none());

    // Disabled endpoints want nothing; a rotation keeps the old secret.
    let paused = EndpointFields { enabled: false, ..fields.clone() };
    webhooks::update(db, &admin, id, &paused, &ev("webhook-endpoint.updated", id)).await.unwrap().unwrap();
    assert_eq!(ids(webhooks::subscribers(db, org, "license.created").await.unwrap()), [all.id]);
    webhooks::update(db, &admin, id, &fields, &ev("webhook-endpoint.updated", id)).await.unwrap().unwrap();
    let next = SealedSecret { sealed: "sealed-2".into(), start: "whsec_efgh".into() };
    let until = time::OffsetDateTime::now_utc() + time::Duration::hours(24);
    let rotated = webhooks::rotate(db, &admin, id, (&next, until), &ev("webhook-endpoint.secret-rotated", id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rotated.secret_start, "whsec_efgh");
    let target = webhooks::target(db, org, id).await.unwrap().unwrap();
    assert_eq!(
        (target.secret_sealed.as_str(), target.previous_secret_sealed.as_deref()),
        ("sealed-2", Some("sealed-1"))
    );

    // The log and the failure streak: a failure starts it, a later
    // failure keeps its start, a success ends it.
    let event = uuid::Uuid::now_v7();
    let attempt = |n: i64, status: Option<u16>| NewDelivery {
        endpoint: id,
        event_id: event,
        event_type: "license.created",
        payload: "{}",
        attempt: n,
        status_code: status,
        duration_ms: 12,
        response_head: "",
        error: status.is_none().then_some("timed out"),
    };
    let first = webhooks::log_delivery(db, org, &attempt(1, None)).await.unwrap().expect("failing");
    let second = webhooks::log_delivery(db, org, &attempt(2, Some(500))).await.unwrap().expect("still failing");
    assert_eq!(first, second, "the streak keeps its start");
    assert_eq!(webhooks::log_delivery(db, org, &attempt(3, Some(204))).await.unwrap(), None);
    let log = webhooks::deliveries(db, &admin, id, 50).await.unwrap();
    assert_eq!(log.iter().map(|d| d.attempt).collect::<Vec<_>>(), [3, 2, 1], "newest first");
    assert!(log[0].succeeded() && !log[1].succeeded());
    let again = webhooks::delivered_event(db, &admin, log[2].id).await.unwrap().unwrap();
    assert_eq!((again.0, again.1, again.2.as_str()), (id, event, "license.created"));
    assert!(webhooks::delivered_event(db, &theirs, log[2].id).await.unwrap().is_none());
    assert!(webhooks::deliveries(db, &theirs, id, 50).await.unwrap().is_empty());

    assert!(webhooks::disable(db, org, id, "failing for days", &ev("webhook-endpoint.disabled", id)).await.unwrap());
    assert!(
        !webhooks::disable(db, org, id, "again", &ev("webhook-endpoint.disabled", id)).await.unwrap(),
        "disabled once"
    );
    let disabled = webhooks::find(db, &admin, id).await.unwrap().unwrap();
    assert_eq!((disabled.enabled, disabled.disabled_reason.as_deref()), (false, Some("failing for days")));
    let enabled =
        webhooks::update(db, &admin, id, &fields, &ev("webhook-endpoint.updated", id)).await.unwrap().unwrap();
    assert_eq!((enabled.enabled, enabled.disabled_reason), (true, None), "enabling forgets why");
    assert_eq!(webhooks::admin_emails(db, org).await.unwrap().len(), 1, "the Owner; not the Member or Guest");
    assert!(webhooks::delete(db, &admin, id, &ev("webhook-endpoint.deleted", id)).await.unwrap());
    assert_eq!(webhooks::list(db, &admin).await.unwrap().len(), 1);
}

/// API tokens (found by their secret's hash across tenants, with the
/// creator's role now), the networks they were used from, and the
/// answers kept for `Idempotency-Key`.
async fn api_tokens(db: &Db) {
    use app::{
        model::{TokenName, TokenRole},
        server::db::{
            api_tokens::{self, NewToken},
            idempotency::{self, Claim, StoredAnswer},
        },
    };
    let team = team(db, "Tom", "Token Co").await;
    let admin = admin(&team.owner);
    let name = TokenName::parse("Billing").unwrap();
    let hash = [7_u8; 32];
    let token = NewToken {
        name: &name,
        role: TokenRole::Member,
        expires_at: None,
        secret_hash: &hash,
        secret_start: "atr_abcd",
    };
    let made = api_tokens::insert(db, &admin, token, |_| super::event(&admin, "api-token.created")).await.unwrap();
    assert_eq!(
        (made.name.as_str(), made.role, made.created_by.as_deref()),
        ("Billing", TokenRole::Member, Some("Tom"))
    );

    let found = api_tokens::find_by_secret(db, &hash).await.unwrap().unwrap();
    assert_eq!((found.id, found.org.id, found.org.role), (made.id, team.owner.org_id(), Role::Member));
    assert_eq!((found.creator, found.creator_role), (Some(team.owner.user_id()), Some(Role::Owner)));
    assert!(!found.revoked && found.expires_at.is_none());
    assert!(api_tokens::find_by_secret(db, &[8_u8; 32]).await.unwrap().is_none());

    // A network is new once; "last used" is written at most once a minute
    // from one network.
    assert!(
        api_tokens::record_use(db, &found, Some("192.0.2.1"), || super::event(&admin, "api-token.new-network"))
            .await
            .unwrap()
    );
    let found = api_tokens::find_by_secret(db, &hash).await.unwrap().unwrap();
    assert!(
        !api_tokens::record_use(db, &found, Some("192.0.2.1"), || super::event(&admin, "api-token.new-network"))
            .await
            .unwrap()
    );
    assert!(
        api_tokens::record_use(db, &found, Some("192.0.2.2"), || super::event(&admin, "api-token.new-network"))
            .await
            .unwrap()
    );
    let listed = api_tokens::list(db, &admin).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_network.as_deref(), Some("192.0.2.2"));

    let (revoked, first) = api_tokens::revoke(db, &admin, made.id, |_, _| super::event(&admin, "api-token.revoked"))
        .await
        .unwrap()
        .unwrap();
    assert!(first && revoked.revoked_at.is_some());
    let (_, again) = api_tokens::revoke(db, &admin, made.id, |_, _| super::event(&admin, "api-token.revoked"))
        .await
        .unwrap()
        .unwrap();
    assert!(!again, "revoked once");
    assert!(api_tokens::find_by_secret(db, &hash).await.unwrap().unwrap().revoked);
    assert!(
        api_tokens::revoke(db, &admin, app::model::ApiTokenId::new(), |_, _| super::event(&admin, "api-token.revoked"))
            .await
            .unwrap()
            .is_none()
    );

    // Idempotency keys: claimed, answered, replayed; another request with
    // the same key is a mismatch; a released claim runs again.
    let ctx = &team.owner;
    assert_eq!(idempotency::claim(db, ctx, made.id, "k1", b"request").await.unwrap(), Claim::Fresh);
    assert_eq!(idempotency::claim(db, ctx, made.id, "k1", b"request").await.unwrap(), Claim::InProgress);
    let answer = StoredAnswer { status: 201, headers: vec![("etag".into(), "\"x\"".into())], body: b"{}".to_vec() };
    idempotency::store(db, ctx, made.id, "k1", &answer).await.unwrap();
    assert_eq!(idempotency::claim(db, ctx, made.id, "k1", b"request").await.unwrap(), Claim::Replay(answer));
    assert_eq!(idempotency::claim(db, ctx, made.id, "k1", b"another").await.unwrap(), Claim::Mismatch);
    assert_eq!(idempotency::claim(db, ctx, made.id, "k2", b"request").await.unwrap(), Claim::Fresh);
    idempotency::release(db, ctx, made.id, "k2").await.unwrap();
    assert_eq!(idempotency::claim(db, ctx, made.id, "k2", b"request").await.unwrap(), Claim::Fresh);
    assert_eq!(idempotency::forget_expired(db).await.unwrap(), 0, "nothing is a day old");
}

/// The dashboard's per-person settings: saved views (shared or private,
/// deleted by their author or, when shared, by whoever is allowed), the
/// colour scheme, and generated history.
async fn preferences(db: &Db) {
    use app::{
        model::{Theme, ViewName},
        server::db::{
            testing,
            views::{self, DeletedBy, SavedBy},
        },
    };
    let team = team(db, "Vera", "Views Co").await;
    let writer = super::writer(&team.owner);
    let project =
        projects::insert(db, &writer, &pname("Viewed"), &desc(""), projects::created_event(&writer)).await.unwrap().id;
    let view = |name: &str| ViewName::parse(name).unwrap();

    let shared =
        views::insert(db, SavedBy::Shared(&super::writer(&team.member)), project, &view("Urgent"), "?priority=urgent")
            .await
            .unwrap();
    let shared = shared.unwrap();
    let private = views::insert(db, SavedBy::Private(&team.member), project, &view("Mine"), "?assignee=me")
        .await
        .unwrap()
        .unwrap();
    let names = |list: Vec<app::model::SavedView>| list.into_iter().map(|v| (v.name, v.mine)).collect::<Vec<_>>();
    assert_eq!(
        names(views::list(db, &team.member, project).await.unwrap()),
        [("Mine".to_owned(), true), ("Urgent".to_owned(), true)]
    );
    let seen = views::list(db, &team.guest, project).await.unwrap();
    assert_eq!(names(seen.clone()), [("Urgent".to_owned(), false)], "another's private view stays theirs");
    assert_eq!(seen[0].created_by.as_deref(), Some("Vera Member"));
    assert_eq!(seen[0].query, "?priority=urgent");

    // Another organization sees none of them, and cannot save into the
    // project.
    let (stranger_id, stranger_org) = super::sign_up(db, "Stan", "Stranger Co").await;
    let stranger = OrgCtx::load(db, stranger_id, &stranger_org.slug).await.unwrap();
    assert!(views::list(db, &stranger, project).await.unwrap().is_empty());
    assert!(
        views::insert(db, SavedBy::Shared(&super::writer(&stranger)), project, &view("Spy"), "")
            .await
            .unwrap()
            .is_none()
    );
    assert!(!views::delete(db, DeletedBy::Manager(&super::admin(&stranger)), shared.id).await.unwrap());

    // Deleting: never another's private view; a shared one only when
    // allowed; one's own always.
    assert!(!views::delete(db, DeletedBy::Manager(&super::admin(&team.owner)), private.id).await.unwrap());
    assert!(!views::delete(db, DeletedBy::Author(&team.guest), shared.id).await.unwrap());
    assert!(views::delete(db, DeletedBy::Manager(&super::admin(&team.owner)), shared.id).await.unwrap());
    assert!(views::delete(db, DeletedBy::Author(&team.member), private.id).await.unwrap());
    assert!(views::list(db, &team.member, project).await.unwrap().is_empty());

    // A trashed project takes no views.
    projects::trash(
        db,
        &super::admin(&team.owner),
        project,
        projects::changed_event(&super::admin(&team.owner), "project.trashed", project),
    )
    .await
    .unwrap();
    assert!(views::insert(db, SavedBy::Private(&team.member), project, &view("Late"), "").await.unwrap().is_none());

    // The colour scheme is the account's.
    let id = team.owner.user_id();
    assert_eq!(users::find_by_id(db, id).await.unwrap().unwrap().theme, Theme::System);
    users::set_theme(db, id, Theme::Dark).await.unwrap();
    assert_eq!(users::find_by_id(db, id).await.unwrap().unwrap().to_session_user().theme, Theme::Dark);

    // Generated history: creation and completion moved into the past.
    let project =
        projects::insert(db, &writer, &pname("History"), &desc(""), projects::created_event(&writer)).await.unwrap().id;
    let open = tasks::insert(db, &writer, project, &fields("Still open")).await.unwrap();
    let done = tasks::insert(db, &writer, project, &fields("Done long ago")).await.unwrap();
    tasks::set_completed(db, &writer, &[done.id], true).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let at = |weeks: i64| now - time::Duration::weeks(weeks);
    let weeks_ago = |weeks: i64| Timestamp::from(at(weeks));
    let rows = [(open.id, weeks_ago(6), None), (done.id, weeks_ago(5), Some(weeks_ago(4)))];
    testing::backdate_tasks(db, &writer, &rows).await.unwrap();
    let open = tasks::find(db, &writer, open.id).await.unwrap().unwrap();
    let done = tasks::find(db, &writer, done.id).await.unwrap().unwrap();
    assert!(open.completed_at.is_none(), "an open task stays open");
    assert!(open.created_at < at(5));
    let completed = done.completed_at.unwrap();
    assert!(completed < at(3) && completed > at(5), "{completed}");
    let monday = |weeks: i64| {
        let day = at(weeks).date();
        day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()))
    };
    let weeks: Vec<Date> = (0..6).rev().map(monday).collect();
    let counts = dashboard::completed_per_week(db, &team.owner, &weeks).await.unwrap();
    assert_eq!(counts.iter().map(|w| w.count).collect::<Vec<_>>(), [0, 1, 0, 0, 0, 0], "the chart sees its week");
}

/// Settings, plans and limits, suspension, deletion and the platform
/// admin's view of every tenant.
async fn tenancy(db: &Db) {
    let team = team(db, "Tess", "Tenant Co").await;
    let owner = super::owner(&team.owner);
    let slug = team.owner.org().slug.clone();
    let other = super::sign_up(db, "Otto", "Other Co").await.1;

    // A new address; the old one leads members there, nobody else.
    let moved = OrgSlug::parse("tenant-new").unwrap();
    orgs::change_settings(db, &owner, (None, Some(&moved)), &super::event(&owner, "organization.settings-changed"))
        .await
        .unwrap();
    let old = OrgSlug::parse(&slug).unwrap();
    assert_eq!(orgs::find_redirect(db, team.owner.user_id(), &old).await.unwrap().as_deref(), Some("tenant-new"));
    assert_eq!(orgs::find_redirect(db, other_user(db, "otto@example.com").await, &old).await.unwrap(), None);
    let owner = super::owner(&OrgCtx::load(db, team.owner.user_id(), "tenant-new").await.unwrap());
    let taken = OrgSlug::parse(&other.slug).unwrap();
    assert!(matches!(
        orgs::change_settings(db, &owner, (None, Some(&taken)), &super::event(&owner, "organization.settings-changed"))
            .await,
        Err(orgs::SlugError::Taken)
    ));
    orgs::change_settings(
        db,
        &owner,
        (Some(&org("Tenant Renamed")), None),
        &super::event(&owner, "organization.settings-changed"),
    )
    .await
    .unwrap();
    assert_eq!(OrgCtx::load(db, team.owner.user_id(), "tenant-new").await.unwrap().org().name, "Tenant Renamed");

    // Ownership moves in one step; the organization always has an Owner.
    let before = orgs::transfer_ownership(db, &owner, team.member_id, |_| {
        super::event(&owner, "organization.ownership-transferred")
    })
    .await
    .unwrap();
    assert_eq!(before, Role::Member);
    let roles = members::list_all(db, &owner).await.unwrap();
    let role_of = |id: UserId| roles.iter().find(|m| m.user_id == id).map(|m| m.role);
    assert_eq!((role_of(team.member_id), role_of(team.owner.user_id())), (Some(Role::Owner), Some(Role::Admin)));
    assert!(matches!(
        orgs::transfer_ownership(db, &owner, team.member_id, |_| super::event(
            &owner,
            "organization.ownership-transferred"
        ))
        .await,
        Err(orgs::TransferError::NotOwner)
    ));
    let heir = OrgCtx::load(db, team.member_id, "tenant-new").await.unwrap();
    let heir = super::owner(&heir);

    // Limits: what the plan allows, and no more.
    let platform = platform_admin(db).await;
    let limits = OrgLimits { members: Some(4), projects: Some(1), licenses: None, storage_mb: None };
    assert!(platform::set_plan(db, &platform, heir.org_id(), (Plan::Pro, limits), None).await.unwrap());
    let writer = super::writer(&heir);
    projects::insert(db, &writer, &pname("Only"), &desc(""), projects::created_event(&writer)).await.unwrap();
    let refused = projects::insert(db, &writer, &pname("Second"), &desc(""), projects::created_event(&writer)).await;
    assert!(matches!(refused, Err(ProjectError::LimitReached(Some(1)))), "{refused:?}");
    // Three members and one invitation fill the four seats.
    let (_, hash) = invitations::new_token();
    invitations::invite(db, &heir, (&email("seat@example.com"), Role::Member), &hash, |_| {
        super::event(&heir, "invitation.sent")
    })
    .await
    .unwrap()
    .unwrap();
    let (_, hash) = invitations::new_token();
    let full = invitations::invite(db, &heir, (&email("none@example.com"), Role::Member), &hash, |_| {
        super::event(&heir, "invitation.sent")
    })
    .await
    .unwrap();
    assert_eq!(full, Err(invitations::InviteRefusal::NoSeat(Some(4))));
    let usage = orgs::plan_and_usage(db, &heir).await.unwrap();
    assert_eq!((usage.plan, usage.members, usage.projects), (Plan::Pro, 4, 1));

    // Suspended: readable, no capability to change anything.
    assert!(
        platform::set_suspended(db, &platform, (heir.org_id(), true), &super::event(&heir, "organization.suspended"))
            .await
            .unwrap()
    );
    assert!(
        !platform::set_suspended(db, &platform, (heir.org_id(), true), &super::event(&heir, "organization.suspended"))
            .await
            .unwrap(),
        "once"
    );
    let suspended = OrgCtx::load(db, team.member_id, "tenant-new").await.unwrap();
    assert!(suspended.org().suspended && !suspended.can(Action::EditTasks) && suspended.can(Action::ViewWork));
    assert!(matches!(suspended.writer(Action::EditTasks), Err(AppError::Suspended)));
    assert!(matches!(team.guest.writer(Action::EditTasks), Err(AppError::Forbidden)), "the role comes first");
    assert!(
        platform::set_suspended(
            db,
            &platform,
            (heir.org_id(), false),
            &super::event(&heir, "organization.reactivated")
        )
        .await
        .unwrap()
    );

    // The platform's list: sizes, status, search.
    let page = platform::list_tenants(db, &platform, Some("renamed"), 25, 0).await.unwrap();
    assert_eq!(page.total, 1);
    let tenant = &page.items[0];
    assert_eq!((tenant.members, tenant.projects, tenant.status), (3, 1, TenantStatus::Active));
    assert_eq!((tenant.plan, tenant.limits), (Plan::Pro, limits));

    // Deleted: gone for members, restorable, then purged after 30 days.
    orgs::delete(db, &heir, &super::event(&heir, "organization.deleted")).await.unwrap();
    assert!(matches!(OrgCtx::load(db, team.member_id, "tenant-new").await, Err(AppError::NotFound)));
    assert!(orgs::list_for_user(db, team.member_id).await.unwrap().iter().all(|o| o.slug != "tenant-new"));
    let listed = platform::find_tenant(db, &platform, heir.org_id()).await.unwrap().unwrap();
    assert_eq!(listed.status, TenantStatus::Deleted);
    assert!(
        platform::restore(db, &platform, heir.org_id(), &super::event(&heir, "organization.restored")).await.unwrap()
    );
    assert!(
        !platform::restore(db, &platform, heir.org_id(), &super::event(&heir, "organization.restored")).await.unwrap(),
        "only a deleted one"
    );
    let restored = OrgCtx::load(db, team.member_id, "tenant-new").await.unwrap();
    assert_eq!(restored.org_id(), heir.org_id(), "restored, its members are back in");
    orgs::delete(db, &heir, &super::event(&heir, "organization.deleted")).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(platform::purge_deleted(db, now).await.unwrap(), 0, "kept for 30 days");
    let later = now + time::Duration::days(31);
    assert_eq!(platform::purge_deleted(db, later).await.unwrap(), 1);
    assert!(platform::find_tenant(db, &platform, heir.org_id()).await.unwrap().is_none());
    assert_eq!(orgs::find_redirect(db, team.member_id, &old).await.unwrap(), None, "its old slugs went too");
    // Everyone else's organizations are untouched.
    assert!(platform::find_tenant(db, &platform, other.id).await.unwrap().is_some());
}

/// Licensing: signing keys, entitlements, policies, licenses within the
/// plan's limit, and what the public API reads and writes.
async fn licensing(db: &Db) {
    use app::{
        model::{EntitlementCode, EntitlementName, ExpirationStrategy, LicenseStatus, PolicyForm},
        server::{
            db::{
                license_api::{self, ActivationError, NewComponent, NewMachine},
                licensing::{self as repo, LicenseFilter, LicensingError, NewLicense},
            },
            licensing::{
                generate_license_key,
                keys::{self, KeyEncryptionKey},
                validation::{self, ValidationScope},
            },
        },
    };
    let team = team(db, "Lena", "License Co").await;
    let admin = admin(&team.owner);
    let viewer = team.member.license_viewer().unwrap();
    let org_id = team.owner.org_id();
    let kek = KeyEncryptionKey::random();

    // One key pair per organization, made once; the secret opens with the
    // server's key only.
    let public = repo::public_key(db, &kek, org_id).await.unwrap();
    assert_eq!(repo::public_key(db, &kek, org_id).await.unwrap(), public);
    let sealed = repo::sealed_signing_key(db, org_id).await.unwrap();
    let opened = keys::open(&kek, org_id, &sealed).unwrap();
    assert_eq!(hex_of(opened.verifying_key().as_bytes()), public);

    // Entitlements: codes unique per organization.
    let code = EntitlementCode::parse("pro").unwrap();
    let pro = repo::create_entitlement(db, &admin, &code, &EntitlementName::parse("Pro").unwrap(), |_| ev(&admin))
        .await
        .unwrap();
    let again =
        repo::create_entitlement(db, &admin, &code, &EntitlementName::parse("Again").unwrap(), |_| ev(&admin)).await;
    assert!(matches!(again, Err(LicensingError::CodeTaken)), "{again:?}");
    assert_eq!(repo::entitlements(db, &team.member.license_viewer().unwrap()).await.unwrap().len(), 1);

    // A strict node-locked policy requiring heartbeats, granting Pro.
    let form = PolicyForm {
        name: "Desktop".into(),
        duration_days: "30".into(),
        strict: true,
        require_heartbeat: true,
        heartbeat_minutes: "5".into(),
        expiration_strategy: ExpirationStrategy::MaintainAccess,
        ..PolicyForm::default()
    };
    let (pname, fields) = form.parse().unwrap();
    let policy = repo::create_policy(db, &admin, (&pname, &fields), &[pro.id], |_| ev(&admin)).await.unwrap();
    let listed = repo::policies(db, &team.member.license_viewer().unwrap()).await.unwrap();
    assert_eq!((listed[0].entitlements.len(), listed[0].fields.heartbeat_seconds), (1, 300));

    // Licenses count against the plan's limit.
    let platform = platform_admin(db).await;
    let limits = OrgLimits { members: None, projects: None, licenses: Some(2), storage_mb: None };
    assert!(platform::set_plan(db, &platform, org_id, (Plan::Pro, limits), None).await.unwrap());
    let meta = serde_json::Map::new();
    let key = generate_license_key();
    let new = |key: &'static str| NewLicense {
        policy,
        key,
        name: Some("Ada's laptop"),
        owner_email: Some("ada@example.com"),
        metadata: &meta,
        expiry: None,
    };
    let key: &'static str = Box::leak(key.into_boxed_str());
    let id = repo::create_license(db, &admin, new(key), |_| ev(&admin)).await.unwrap();
    assert!(matches!(repo::create_license(db, &admin, new(key), |_| ev(&admin)).await, Err(LicensingError::KeyTaken)));
    repo::create_license(db, &admin, new("SECOND-KEY-0001"), |_| ev(&admin)).await.unwrap();
    let over = repo::create_license(db, &admin, new("THIRD-KEY-00001"), |_| ev(&admin)).await;
    assert!(matches!(over, Err(LicensingError::LimitReached(Some(2)))), "{over:?}");
    let usage = orgs::plan_and_usage(db, &team.owner).await.unwrap();
    assert_eq!((usage.licenses, usage.limits.licenses), (2, Some(2)));
    let listed = platform::find_tenant(db, &platform, org_id).await.unwrap().unwrap();
    assert_eq!(listed.licenses, 2);
    assert!(matches!(repo::delete_policy(db, &admin, policy, |_| ev(&admin)).await, Err(LicensingError::PolicyInUse)));

    // The list: search and status.
    let search = LicenseFilter { search: Some("second".into()), ..LicenseFilter::default() };
    let page = repo::licenses(db, &viewer, &search, 25, 0).await.unwrap();
    assert_eq!((page.total, page.items[0].key.as_str()), (1, "SECOND-KEY-0001"));
    repo::set_flag(db, &admin, id, (repo::LicenseFlag::Suspended, true), &ev(&admin)).await.unwrap();
    let suspended = LicenseFilter { status: Some(LicenseStatus::Suspended), ..LicenseFilter::default() };
    assert_eq!(repo::licenses(db, &viewer, &suspended, 25, 0).await.unwrap().total, 1);
    let active = LicenseFilter { status: Some(LicenseStatus::Active), ..LicenseFilter::default() };
    assert_eq!(repo::licenses(db, &viewer, &active, 25, 0).await.unwrap().total, 1);
    repo::set_flag(db, &admin, id, (repo::LicenseFlag::Suspended, false), &ev(&admin)).await.unwrap();
    let (_, renewed) = repo::renew(db, &admin, id, |_| ev(&admin)).await.unwrap();
    let days = (renewed.unwrap() - time::OffsetDateTime::now_utc()).whole_days();
    assert!((59..=60).contains(&days), "renewed from the current expiry: {days}");

    // The API: found by key across tenants, then scoped to it.
    let found = license_api::find_by_key(db, key).await.unwrap().expect("by key");
    assert_eq!((found.id(), found.org_id()), (id, org_id));
    assert!(license_api::find_by_key(db, "NO-SUCH-KEY").await.unwrap().is_none());
    let (stranger_id, stranger) = super::sign_up(db, "Sam", "Stranger Co").await;
    let stranger = OrgCtx::load(db, stranger_id, &stranger.slug).await.unwrap();
    let stranger_viewer = stranger.license_viewer().unwrap();
    assert!(repo::license(db, repo::ReadableLicense::viewed(&stranger_viewer, id), 0).await.unwrap().is_none());
    assert!(team.guest.license_viewer().is_err(), "Guests see no licensing");
    let machine = |fp: &str| NewMachine {
        fingerprint: fp.into(),
        hostname: Some("box".into()),
        cores: Some(8),
        metadata: "{}".into(),
        ..NewMachine::default()
    };
    let first = license_api::activate(db, &found, (&machine("fp-1"), 1000), machine_ev(&found)).await.unwrap();
    assert!(matches!(
        license_api::activate(db, &found, (&machine("fp-1"), 1000), machine_ev(&found)).await,
        Err(ActivationError::FingerprintTaken)
    ));
    assert!(matches!(
        license_api::activate(db, &found, (&machine("fp-2"), 1000), machine_ev(&found)).await,
        Err(ActivationError::LimitExceeded(1))
    ));
    let (found, scoped, codes) =
        license_api::find_for_validation(db, key, &["fp-1".into()], None, &[], true).await.unwrap().expect("by key");
    assert_eq!((found.machine_count(), scoped.len(), codes.as_slice()), (1, 1, ["pro".to_owned()].as_slice()));
    let scope = ValidationScope {
        fingerprint: Some("fp-1".into()),
        entitlements: Some(vec!["pro".into()]),
        ..ValidationScope::default()
    };
    let listed: Vec<String> =
        license_api::entitlements(db, &found).await.unwrap().into_iter().map(|(e, _, _)| e.code).collect();
    assert_eq!(listed, codes);
    let now = time::OffsetDateTime::now_utc();
    let facts = found.facts(&scoped, codes);
    assert_eq!(validation::validate(Some(&facts), Some(&scope), now).code, "HEARTBEAT_NOT_STARTED");
    let pinged = license_api::ping(db, &found, first.id).await.unwrap().unwrap();
    assert!(pinged.last_heartbeat_at.is_some());
    let scoped = license_api::scoped_machines(db, &found, &[], Some(&first.id.to_string()), &[]).await.unwrap();
    let facts = found.facts(&scoped, vec!["pro".into()]);
    assert_eq!(validation::validate(Some(&facts), Some(&scope), now).code, "VALID");

    // Validations are counted in memory and written in one go.
    let tally = license_api::ValidationTally::default();
    for _ in 0..3 {
        tally.record(org_id, id, now);
    }
    assert_eq!(tally.flush(db).await.unwrap(), 1);
    assert_eq!(tally.pending(id), 0);
    let detail =
        repo::license(db, repo::ReadableLicense::viewed(&viewer, id), tally.pending(id)).await.unwrap().unwrap();
    assert_eq!((detail.validations, detail.machines.len(), detail.entitlements.len()), (3, 1, 1));

    // Heartbeats: alive now, culled once the interval and grace are past.
    assert_eq!(license_api::cull_dead_machines(db, now).await.unwrap(), 0);
    assert_eq!(license_api::cull_dead_machines(db, now + time::Duration::minutes(6)).await.unwrap(), 1);
    assert!(license_api::machines(db, &found).await.unwrap().is_empty());
    let last = events::list_after(db, found.org_id(), 0, 1000).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.resource_id.as_str(), last.actor_id),
        ("machine.deleted", first.id.to_string().as_str(), None)
    );

    // What Keygen's admin API reads and changes: pages of the
    // organization's licenses, machines, policies and entitlements, never
    // another organization's.
    let window = |limit, offset| license_api::Window { limit, offset };
    let all = LicenseFilter::default();
    let (first_page, total) = license_api::licenses_of(db, &viewer, &all, window(1, 0)).await.unwrap();
    let (second_page, _) = license_api::licenses_of(db, &viewer, &all, window(1, 1)).await.unwrap();
    assert_eq!((total, first_page.len(), second_page.len()), (2, 1, 1));
    assert_ne!(first_page[0].id(), second_page[0].id());
    let only = LicenseFilter { ids: vec![id], ..LicenseFilter::default() };
    assert_eq!(license_api::licenses_of(db, &viewer, &only, window(10, 0)).await.unwrap().1, 1);
    assert_eq!(license_api::licenses_of(db, &stranger_viewer, &all, window(10, 0)).await.unwrap().1, 0);
    assert_eq!(license_api::license_of(db, &viewer, key).await.unwrap().unwrap().id(), id, "by key");
    assert!(license_api::license_of(db, &stranger_viewer, &id.to_string()).await.unwrap().is_none());
    let changes = repo::LicenseChanges {
        name: Some(None),
        expiry: Some(None),
        metadata: Some(serde_json::from_str(r#"{"seats": 3}"#).unwrap()),
    };
    repo::update_license(db, &admin, id, &changes, &ev(&admin)).await.unwrap();
    let changed = license_api::license_of(db, &viewer, key).await.unwrap().unwrap();
    assert_eq!((changed.name(), changed.expiry(), changed.metadata()), (None, None, r#"{"seats":3}"#));
    let foreign = repo::update_license(db, &super::admin(&stranger), id, &changes, &ev(&stranger)).await;
    assert!(matches!(foreign, Err(LicensingError::NotFound)));
    let filter = license_api::MachineFilter { license: Some(id), fingerprint: None };
    let (machines, count) = license_api::machines_of(db, &viewer, &filter, window(10, 0)).await.unwrap();
    assert_eq!((count, machines.len()), (0, 0), "culled above");
    let (policies, count) = license_api::policies_of(db, &viewer, window(10, 0)).await.unwrap();
    assert_eq!((count, policies[0].policy.id), (1, policy));
    assert!(license_api::policy_of(db, &stranger_viewer, policy).await.unwrap().is_none());
    let sso = repo::create_entitlement(
        db,
        &admin,
        &EntitlementCode::parse("sso").unwrap(),
        &EntitlementName::parse("SSO").unwrap(),
        |_| ev(&admin),
    )
    .await
    .unwrap();
    repo::set_grants(db, &admin, policy, (&[sso.id], true), &ev(&admin)).await.unwrap();
    repo::set_grants(db, &admin, policy, (&[sso.id], true), &ev(&admin)).await.unwrap();
    let (granted, count) = license_api::entitlements_of(db, &viewer, Some(policy), window(10, 0)).await.unwrap();
    assert_eq!((count, granted.len()), (2, 2), "granting twice grants once");
    repo::set_grants(db, &admin, policy, (&[sso.id], false), &ev(&admin)).await.unwrap();
    let stranger_entitlement = repo::create_entitlement(
        db,
        &super::admin(&stranger),
        &EntitlementCode::parse("x").unwrap(),
        &EntitlementName::parse("X").unwrap(),
        |_| ev(&stranger),
    )
    .await
    .unwrap();
    let mixed = repo::set_grants(db, &admin, policy, (&[sso.id, stranger_entitlement.id], true), &ev(&admin)).await;
    assert!(matches!(mixed, Err(LicensingError::NotFound)), "{mixed:?}");
    assert_eq!(
        license_api::entitlements_of(db, &viewer, Some(policy), window(10, 0)).await.unwrap().1,
        1,
        "all or none"
    );
    let renamed = repo::update_entitlement(
        db,
        &admin,
        sso.id,
        (&EntitlementCode::parse("pro").unwrap(), &EntitlementName::parse("P").unwrap()),
        &ev(&admin),
    )
    .await;
    assert!(matches!(renamed, Err(LicensingError::CodeTaken)), "codes stay unique");
    repo::update_entitlement(
        db,
        &admin,
        sso.id,
        (&EntitlementCode::parse("saml").unwrap(), &EntitlementName::parse("SAML").unwrap()),
        &ev(&admin),
    )
    .await
    .unwrap();
    let (entitlement, ..) = license_api::entitlement_of(db, &viewer, sso.id).await.unwrap().unwrap();
    assert_eq!(entitlement.code, "saml");

    // Components: stored with their machine, read back by the validation
    // lookups (only those a scope names) and listed for the API and the
    // dashboard; another license's machine has none to show.
    let component = |fingerprint: &str, name: &str| NewComponent {
        fingerprint: fingerprint.into(),
        name: name.into(),
        metadata: r#"{"slot":1}"#.into(),
    };
    let with_parts = NewMachine {
        components: vec![component("disk-1", "Disk"), component("board-1", "Board"), component("cpu-1", "CPU")],
        ..machine("fp-3")
    };
    // A duplicated fingerprint fails the whole activation: no machine.
    let twice = NewMachine { components: vec![component("x", "A"), component("x", "B")], ..machine("fp-4") };
    assert!(matches!(
        license_api::activate(db, &found, (&twice, 1000), machine_ev(&found)).await,
        Err(ActivationError::Db(_))
    ));
    assert!(license_api::machines(db, &found).await.unwrap().is_empty());
    let again = license_api::activate(db, &found, (&with_parts, 1000), machine_ev(&found)).await.unwrap();
    let asked = ["board-1".to_owned(), "gpu-1".to_owned(), "disk-1".to_owned()];
    let (found, scoped, _) =
        license_api::find_for_validation(db, key, &["fp-3".into()], None, &asked, false).await.unwrap().unwrap();
    let mut matched = scoped[0].components.clone();
    matched.sort();
    assert_eq!((scoped.len(), matched), (1, vec!["board-1".to_owned(), "disk-1".to_owned()]));
    let scoped = license_api::scoped_machines(db, &found, &["fp-3".into()], None, &asked).await.unwrap();
    assert_eq!(scoped[0].components.len(), 2);
    let none = license_api::scoped_machines(db, &found, &["fp-3".into()], None, &[]).await.unwrap();
    assert!(none[0].components.is_empty(), "no components scope: none loaded");
    let listed = license_api::components(db, &found, again.id).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Disk", "Board", "CPU"]);
    assert_eq!((listed[0].fingerprint.as_str(), listed[0].metadata.as_str()), ("disk-1", r#"{"slot":1}"#));
    let survivor = license_api::find_by_key(db, "SECOND-KEY-0001").await.unwrap().unwrap();
    assert!(license_api::components(db, &survivor, again.id).await.unwrap().is_empty());
    let detail = repo::license(db, repo::ReadableLicense::viewed(&viewer, id), 0).await.unwrap().unwrap();
    let names: Vec<&str> = detail.machines[0].components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Board", "CPU", "Disk"]);

    // Check-ins: stamped now, and the next one due an interval later.
    assert_eq!((found.last_check_in_at(), found.next_check_in()), (None, None), "its policy requires none");
    let checked = license_api::check_in(db, &found, &checked_in_ev(&found)).await.unwrap().unwrap();
    let stamped = checked.last_check_in_at().expect("stamped").into_inner();
    assert!((time::OffsetDateTime::now_utc() - stamped).whole_seconds().abs() < 60);
    assert_eq!(checked.next_check_in(), None, "still not required");
    let daily = PolicyForm {
        require_check_in: true,
        check_in_interval: "day".into(),
        check_in_interval_count: "1".into(),
        ..form
    };
    let (pname, fields) = daily.parse().unwrap();
    repo::update_policy(db, &admin, policy, (&pname, &fields), &[pro.id], &ev(&admin)).await.unwrap();
    let found = license_api::find_by_key(db, key).await.unwrap().unwrap();
    assert_eq!(found.next_check_in(), Some(stamped + time::Duration::days(1)));
    let never = license_api::find_by_key(db, "SECOND-KEY-0001").await.unwrap().unwrap();
    let started = never.last_check_in_at().expect("its count starts when the policy asks for check-ins");
    assert!((time::OffsetDateTime::now_utc() - started.into_inner()).whole_seconds().abs() < 60);
    let detail = repo::license(db, repo::ReadableLicense::viewed(&viewer, id), 0).await.unwrap().unwrap();
    let shown = detail.check_in.expect("shown when required");
    assert_eq!((shown.last, shown.next, shown.overdue), (Some(stamped), stamped + time::Duration::days(1), false));

    // The dashboard deactivates (the components go with the machine) and
    // deletes.
    assert!(matches!(
        repo::deactivate_machine(db, repo::ManagedLicense::managed(&super::admin(&stranger), id), again.id, |_| ev(
            &stranger
        ))
        .await,
        Err(LicensingError::NotFound)
    ));
    assert_eq!(
        repo::deactivate_machine(db, repo::ManagedLicense::managed(&admin, id), again.id, |_| ev(&admin))
            .await
            .unwrap(),
        "fp-3"
    );
    assert_eq!(repo::delete_license(db, &admin, id, &ev(&admin)).await.unwrap(), key);
    assert!(license_api::find_by_key(db, key).await.unwrap().is_none());

    // A deleted organization's licenses stop answering at once, and go
    // with it, machines and all, when it is purged.
    let survivor = license_api::find_by_key(db, "SECOND-KEY-0001").await.unwrap().expect("the second license");
    license_api::activate(db, &survivor, (&machine("fp-9"), 1000), machine_ev(&survivor)).await.unwrap();
    orgs::delete(db, &super::owner(&team.owner), &super::event(&team.owner, "organization.deleted")).await.unwrap();
    assert!(license_api::find_by_key(db, "SECOND-KEY-0001").await.unwrap().is_none());
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(31);
    assert!(platform::purge_deleted(db, later).await.unwrap() >= 1);
    assert!(platform::find_tenant(db, &platform, org_id).await.unwrap().is_none());
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of the account with `address`.
async fn other_user(db: &Db, address: &str) -> UserId {
    users::find_by_email(db, &email(address)).await.unwrap().unwrap().id
}

/// A platform admin's capability, for a new platform-admin account.
async fn platform_admin(db: &Db) -> PlatformAdmin {
    let address = email(&format!("root.{}@example.com", uuid::Uuid::now_v7().simple()));
    let root = name("Root");
    let new = NewUser { is_platform_admin: true, ..new_user(&address, &root) };
    let user = users::insert(db, new).await.unwrap();
    PlatformAdmin::load(db, user.id).await.unwrap()
}

async fn accounts(db: &Db) {
    // --- users ---------------------------------------------------------
    let ada_email = email("ada@example.com");
    let ada_name = name("Ada Lovelace");
    let (ada, acme) = users::insert_with_organization(
        db,
        new_user(&ada_email, &ada_name),
        (&org("Acme Rockets"), Plan::Enterprise),
        users::founded_event,
    )
    .await
    .expect("sign-up");
    assert_eq!(acme.slug, "acme-rockets");
    assert_eq!(acme.role, Role::Owner);

    let found = users::find_by_email(db, &email("ADA@example.com")).await.unwrap().expect("found by email");
    assert_eq!(found.id, ada.id);
    // Timestamps read back exactly as written, on both backends.
    assert_eq!(found.created_at, ada.created_at);
    assert_eq!(found.password_hash, ada.password_hash);
    let by_id = users::find_by_id(db, ada.id).await.unwrap().expect("found by id");
    assert_eq!(by_id.email, "ada@example.com");
    assert!(users::find_by_id(db, UserId::new()).await.unwrap().is_none());
    assert!(users::find_by_email(db, &email("nobody@example.com")).await.unwrap().is_none());

    // The same email, in any case, cannot sign up twice; and the failed
    // sign-up leaves no organization behind.
    let again = users::insert_with_organization(
        db,
        new_user(&email("Ada@Example.com"), &ada_name),
        (&org("Ghost Org"), Plan::Enterprise),
        users::founded_event,
    )
    .await;
    assert!(matches!(again, Err(CreateUserError::EmailTaken)), "{again:?}");
    let dup = users::insert(db, new_user(&ada_email, &ada_name)).await;
    assert!(matches!(dup, Err(CreateUserError::EmailTaken)), "{dup:?}");

    // A second organization of the same name gets the next free slug.
    let grace_email = email("grace@example.com");
    let grace_name = name("Grace Hopper");
    let (grace, acme2) = users::insert_with_organization(
        db,
        new_user(&grace_email, &grace_name),
        (&org("ACME rockets!"), Plan::Enterprise),
        users::founded_event,
    )
    .await
    .unwrap();
    assert_eq!(acme2.slug, "acme-rockets-2");

    // Platform admins: created without an organization, or promoted.
    let root_email = email("root@example.com");
    let root =
        users::insert(db, NewUser { is_platform_admin: true, ..new_user(&root_email, &name("Root")) }).await.unwrap();
    assert!(users::find_by_id(db, root.id).await.unwrap().unwrap().is_platform_admin);
    assert!(users::set_platform_admin(db, &grace_email, true).await.unwrap());
    assert!(users::find_by_id(db, grace.id).await.unwrap().unwrap().is_platform_admin);
    assert!(!users::set_platform_admin(db, &email("nobody@example.com"), true).await.unwrap());

    // --- organizations and memberships -----------------------------------
    let ada_orgs = orgs::list_for_user(db, ada.id).await.unwrap();
    assert_eq!(ada_orgs, vec![acme.clone()]);
    assert!(orgs::list_for_user(db, root.id).await.unwrap().is_empty());
    assert!(
        !orgs::list_for_user(db, ada.id).await.unwrap().iter().any(|o| o.name == "Ghost Org"),
        "the failed sign-up created no organization"
    );

    let slug = app::model::OrgSlug::parse(&acme.slug).unwrap();
    assert_eq!(orgs::find_membership(db, ada.id, &slug).await.unwrap(), Some(acme.clone()));
    assert_eq!(orgs::find_membership(db, grace.id, &slug).await.unwrap(), None, "not a member");

    // --- OrgCtx: the key to tenant-scoped functions ----------------------
    let ctx = OrgCtx::load(db, ada.id, &acme.slug).await.unwrap();
    assert_eq!(ctx.role(), Role::Owner);
    assert_eq!(ctx.org_id(), acme.id);
    assert_eq!(orgs::member_count(db, &ctx).await.unwrap(), 1);
    for (user, slug) in [(grace.id, acme.slug.as_str()), (ada.id, "no-such-org"), (ada.id, "Not A Slug")] {
        let denied = OrgCtx::load(db, user, slug).await;
        assert!(matches!(denied, Err(AppError::NotFound)), "{slug}: {denied:?}");
    }
    let grace_ctx = OrgCtx::load(db, grace.id, &acme2.slug).await.unwrap();
    assert_eq!(orgs::member_count(db, &grace_ctx).await.unwrap(), 1);
    assert!(orgs::is_member(db, &ctx, ada.id).await.unwrap());
    assert!(!orgs::is_member(db, &ctx, grace.id).await.unwrap(), "a member of another organization only");
    assert!(!orgs::is_member(db, &ctx, UserId::new()).await.unwrap());

    // Members are listed by the Rust-made name key: bytewise order of the
    // Unicode-lowercased name on both backends ("éa" before "Émile", which
    // SQL's ASCII-only lower() would put the other way round).
    for (who, display) in [("emile@example.com", "Émile"), ("ea@example.com", "éa"), ("bo@example.com", "bo")] {
        let (email, display) = (email(who), name(display));
        let user = users::insert(db, new_user(&email, &display)).await.unwrap();
        orgs::add_member(db, &super::admin(&ctx), user.id, Role::Member).await.unwrap();
    }
    let members = members::list_all(db, &ctx).await.unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "bo", "éa", "Émile"]);
    assert_eq!(members[0].role, Role::Owner);

    // --- managing members ----------------------------------------------------
    // A page of members by name, searched by name or (for roles that see
    // them) email; the window count gives the total with the page.
    let page = members::list_page(db, &ctx, None, 2, 0).await.unwrap();
    assert_eq!((page.total, page.items.len(), page.has_more), (4, 2, true));
    let last = members::list_page(db, &ctx, None, 2, 2).await.unwrap();
    assert_eq!(last.items.iter().map(|m| m.display_name.as_str()).collect::<Vec<_>>(), ["éa", "Émile"]);
    let past = members::list_page(db, &ctx, None, 2, 10).await.unwrap();
    assert_eq!((past.total, past.items.len()), (4, 0));
    let found = members::list_page(db, &ctx, Some("ÉMI"), 25, 0).await.unwrap();
    assert_eq!(found.items.iter().map(|m| m.display_name.as_str()).collect::<Vec<_>>(), ["Émile"]);
    let by_email = members::list_page(db, &ctx, Some("ea@EXAMPLE"), 25, 0).await.unwrap();
    assert_eq!(by_email.items.iter().map(|m| m.display_name.as_str()).collect::<Vec<_>>(), ["éa"]);
    assert_eq!(by_email.items[0].email.as_deref(), Some("ea@example.com"));
    let wildcard = members::list_page(db, &ctx, Some("%"), 25, 0).await.unwrap();
    assert_eq!(wildcard.total, 0, "LIKE wildcards in a search are literal");

    let emile = members.iter().find(|m| m.display_name == "Émile").unwrap().clone();
    let bo = members.iter().find(|m| m.display_name == "bo").unwrap().clone();
    let owner = super::admin(&ctx);
    // Guests see names only, and cannot find an address by searching it.
    members::change_role(
        db,
        &owner,
        &RoleChange::authorize(&owner, &bo, Role::Guest).unwrap(),
        &super::event(&owner, "member.role-changed"),
    )
    .await
    .unwrap();
    let bo_ctx = OrgCtx::load(db, bo.user_id, "acme-rockets").await.unwrap();
    assert_eq!(bo_ctx.role(), Role::Guest);
    let seen = members::list_all(db, &bo_ctx).await.unwrap();
    assert!(seen.iter().all(|m| m.email.is_none()), "guests see no emails: {seen:?}");
    assert_eq!(members::list_page(db, &bo_ctx, Some("ea@example"), 25, 0).await.unwrap().total, 0);
    assert_eq!(members::list_page(db, &bo_ctx, Some("émile"), 25, 0).await.unwrap().total, 1);

    // A stale expectation changes nothing: bo is a Guest now, not a Member.
    let stale = RoleChange::authorize(&owner, &bo, Role::Admin).unwrap();
    assert!(matches!(
        members::change_role(db, &owner, &stale, &super::event(&owner, "member.role-changed")).await,
        Err(MembershipError::Stale)
    ));

    // Émile becomes an Admin; as an Admin he manages Members and Guests,
    // not Admins or Owners, and cannot remove himself.
    members::change_role(
        db,
        &owner,
        &RoleChange::authorize(&owner, &emile, Role::Admin).unwrap(),
        &super::event(&owner, "member.role-changed"),
    )
    .await
    .unwrap();
    let emile_ctx = OrgCtx::load(db, emile.user_id, "acme-rockets").await.unwrap();
    let emile_admin = emile_ctx.admin(Action::ManageMembers).unwrap();
    let bo = members::find(db, &ctx, bo.user_id).await.unwrap().unwrap();
    let ada_member = members::find(db, &ctx, ada.id).await.unwrap().unwrap();
    let emile = members::find(db, &ctx, emile.user_id).await.unwrap().unwrap();
    assert_eq!(RoleChange::authorize(&emile_admin, &ada_member, Role::Guest), Err(AppError::Forbidden));
    assert_eq!(RoleChange::authorize(&emile_admin, &bo, Role::Admin), Err(AppError::Forbidden));
    assert!(matches!(Removal::authorize(&emile_admin, &emile), Err(AppError::Conflict(_))));
    members::change_role(
        db,
        &emile_admin,
        &RoleChange::authorize(&emile_admin, &bo, Role::Member).unwrap(),
        &super::event(&emile_admin, "member.role-changed"),
    )
    .await
    .unwrap();

    // The last Owner can neither step down nor leave.
    let step_down = RoleChange::authorize(&owner, &ada_member, Role::Admin).unwrap();
    assert!(matches!(
        members::change_role(db, &owner, &step_down, &super::event(&owner, "member.role-changed")).await,
        Err(MembershipError::LastOwner)
    ));
    assert!(matches!(
        members::leave(db, &ctx, &super::event(&ctx, "member.left")).await,
        Err(MembershipError::LastOwner)
    ));
    assert_eq!(members::find(db, &ctx, ada.id).await.unwrap().unwrap().role, Role::Owner);

    // Removing a member unassigns their tasks here, then the membership
    // (which the task's assignee key names) goes.
    let bo = members::find(db, &ctx, bo.user_id).await.unwrap().unwrap();
    let chores =
        projects::insert(db, &writer(&ctx), &pname("Chores"), &desc(""), projects::created_event(&writer(&ctx)))
            .await
            .unwrap();
    let chore =
        tasks::insert(db, &writer(&ctx), chores.id, &with("Sweep", |f| f.assignee = Some(bo.user_id))).await.unwrap();
    members::remove(
        db,
        &emile_admin,
        &Removal::authorize(&emile_admin, &bo).unwrap(),
        &super::event(&emile_admin, "member.removed"),
    )
    .await
    .unwrap();
    assert!(members::find(db, &ctx, bo.user_id).await.unwrap().is_none());
    assert!(matches!(OrgCtx::load(db, bo.user_id, "acme-rockets").await, Err(AppError::NotFound)));
    assert_eq!(tasks::find(db, &ctx, chore.id).await.unwrap().unwrap().assignee, None);
    let again = Removal::authorize(&emile_admin, &bo).unwrap();
    assert!(matches!(
        members::remove(db, &emile_admin, &again, &super::event(&emile_admin, "member.removed")).await,
        Err(MembershipError::NotFound)
    ));

    // With a second Owner the first may step down, and a member may leave.
    members::change_role(
        db,
        &owner,
        &RoleChange::authorize(&owner, &emile, Role::Owner).unwrap(),
        &super::event(&owner, "member.role-changed"),
    )
    .await
    .unwrap();
    members::change_role(db, &owner, &step_down, &super::event(&owner, "member.role-changed")).await.unwrap();
    let ctx = OrgCtx::load(db, ada.id, "acme-rockets").await.unwrap();
    assert_eq!(ctx.role(), Role::Admin);
    let emile_ctx = OrgCtx::load(db, emile.user_id, "acme-rockets").await.unwrap();
    let emile_owner = super::admin(&emile_ctx);
    let ada_member = members::find(db, &ctx, ada.id).await.unwrap().unwrap();
    members::change_role(
        db,
        &emile_owner,
        &RoleChange::authorize(&emile_owner, &ada_member, Role::Owner).unwrap(),
        &super::event(&emile_owner, "member.role-changed"),
    )
    .await
    .unwrap();
    let ctx = OrgCtx::load(db, ada.id, "acme-rockets").await.unwrap();
    let ea = members.iter().find(|m| m.display_name == "éa").unwrap();
    let ea_ctx = OrgCtx::load(db, ea.user_id, "acme-rockets").await.unwrap();
    members::leave(db, &ea_ctx, &super::event(&ea_ctx, "member.left")).await.unwrap();
    assert!(members::find(db, &ctx, ea.user_id).await.unwrap().is_none());
    assert_eq!(members::list_page(db, &ctx, None, 25, 0).await.unwrap().total, 2);

    // --- invitations ------------------------------------------------------
    let owner = super::admin(&ctx);
    let invited = email("zoe@example.com");
    let (_, first_hash) = invitations::new_token();
    let id = invitations::invite(db, &owner, (&invited, Role::Member), &first_hash, |_| {
        super::event(&owner, "invitation.sent")
    })
    .await
    .unwrap()
    .unwrap();
    let (token, hash) = invitations::new_token();
    assert_eq!(token.len(), 64);
    assert_eq!(hash, invitations::token_hash(&token));
    let renewed =
        invitations::invite(db, &owner, (&invited, Role::Guest), &hash, |_| super::event(&owner, "invitation.sent"))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(renewed, id, "inviting again renews the pending invitation");
    let pending = invitations::list_pending(db, &owner).await.unwrap();
    assert_eq!((pending.len(), pending[0].role, pending[0].expired), (1, Role::Guest, false));
    assert!(invitations::find_pending(db, &owner, id).await.unwrap().is_some());
    let grace_admin = super::admin(&grace_ctx);
    assert!(invitations::find_pending(db, &grace_admin, id).await.unwrap().is_none(), "another tenant's");
    assert!(
        !invitations::revoke(db, &grace_admin, id, &super::event(&grace_admin, "invitation.revoked")).await.unwrap()
    );
    let (token, hash) = invitations::new_token();
    assert!(invitations::renew(db, &owner, id, &hash, &super::event(&owner, "invitation.sent")).await.unwrap());
    let linked = invitations::find_by_token(db, &token).await.unwrap().expect("the link finds it");
    assert_eq!(linked.status(time::OffsetDateTime::now_utc()), app::model::InvitationStatus::Pending);
    assert!(invitations::find_by_token(db, &first_hash).await.unwrap().is_none(), "a hash is not a token");
    let zoe = users::insert(db, new_user(&invited, &name("Zoe"))).await.unwrap();
    assert_eq!(invitations::accept(db, &linked, zoe.id, &accepted_ev(&linked)).await.unwrap(), Acceptance::Joined);
    assert_eq!(
        invitations::accept(db, &linked, zoe.id, &accepted_ev(&linked)).await.unwrap(),
        Acceptance::NotPending,
        "single use"
    );
    assert_eq!(OrgCtx::load(db, zoe.id, "acme-rockets").await.unwrap().role(), Role::Guest);
    assert!(members::find_by_email(db, &ctx, &invited).await.unwrap().is_some());
    let (_, other_hash) = invitations::new_token();
    let other = invitations::invite(db, &owner, (&email("yan@example.com"), Role::Member), &other_hash, |_| {
        super::event(&owner, "invitation.sent")
    })
    .await
    .unwrap()
    .unwrap();
    assert!(invitations::revoke(db, &owner, other, &super::event(&owner, "invitation.revoked")).await.unwrap());
    assert!(invitations::list_pending(db, &owner).await.unwrap().is_empty());

    // --- the audit log ----------------------------------------------------
    let origin = audit::Origin { ip: Some("192.0.2.7".into()), user_agent: Some("x".repeat(600)) };
    for (action, org) in [
        (AuditAction::ProjectCreated, Some(ctx.org_id())),
        (AuditAction::MemberRemoved, Some(ctx.org_id())),
        (AuditAction::UserSignedIn, None),
        (AuditAction::ProjectCreated, Some(acme2.id)),
    ] {
        let event = audit::NewEvent {
            action,
            org,
            actor: Some(ada.id),
            actor_email: Some("ada@example.com"),
            target: Some(("project", "p1".into())),
            origin: &origin,
            details: serde_json::json!({ "name": "Website" }),
        };
        audit::record(db, event).await.unwrap();
    }
    let owner = AuditScope::Organization(ctx.audit_viewer().unwrap());
    let log = audit::list(db, &owner, &AuditFilter::default(), 10).await.unwrap();
    let kinds: Vec<AuditAction> = log.items.iter().map(|e| e.action).collect();
    assert_eq!(kinds, [AuditAction::MemberRemoved, AuditAction::ProjectCreated], "this organization's, newest first");
    assert_eq!(log.items[0].user_agent.as_ref().map(|ua| ua.chars().count()), Some(audit::MAX_USER_AGENT));
    assert_eq!(log.items[0].ip.as_deref(), Some("192.0.2.7"));
    let first = audit::list(db, &owner, &AuditFilter::default(), 1).await.unwrap();
    let rest = audit::list(db, &owner, &AuditFilter { before: first.next, ..AuditFilter::default() }, 1).await.unwrap();
    assert_eq!(
        (first.items[0].action, rest.items[0].action, rest.next),
        (AuditAction::MemberRemoved, AuditAction::ProjectCreated, None)
    );
    let filtered =
        AuditFilter { action: Some(AuditAction::ProjectCreated), actor: Some(ada.id), ..AuditFilter::default() };
    assert_eq!(audit::list(db, &owner, &filtered, 10).await.unwrap().items.len(), 1);
    let today = time::OffsetDateTime::now_utc().date();
    let dated = AuditFilter { from: Some(today), to: Some(today), ..AuditFilter::default() };
    assert_eq!(audit::list(db, &owner, &dated, 10).await.unwrap().items.len(), 2);
    let past = AuditFilter { to: today.previous_day(), ..AuditFilter::default() };
    assert!(audit::list(db, &owner, &past, 10).await.unwrap().items.is_empty());
    // Append-only, whoever asks.
    for statement in ["UPDATE audit_events SET action = 'user.signed_out'", "DELETE FROM audit_events"] {
        let refused = match db {
            Db::Sqlite(pool) => sqlx::query(statement).execute(pool).await.map(drop),
            Db::Postgres(pool) => sqlx::query(statement).execute(pool).await.map(drop),
        };
        assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
    }
    let mine: Vec<String> = orgs::list_for_user(db, ada.id).await.unwrap().into_iter().map(|o| o.slug).collect();
    assert_eq!(mine, ["acme-rockets"]);

    // --- sessions live in the same database -------------------------------
    let sessions = SessionDb::for_db(db).await.unwrap();
    let mut record = Record {
        id: Id::default(),
        data: [("auth".to_owned(), serde_json::json!({ "user_id": ada.id }))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    sessions.create(&mut record).await.unwrap();
    let loaded = sessions.load(&record.id).await.unwrap().expect("session saved");
    assert_eq!(loaded.data, record.data);
    sessions.delete(&record.id).await.unwrap();
    assert!(sessions.load(&record.id).await.unwrap().is_none());

    db.ping().await.unwrap();
}

fn pname(s: &str) -> ProjectName {
    ProjectName::parse(s).unwrap()
}

fn desc(s: &str) -> ProjectDescription {
    ProjectDescription::parse(s).unwrap()
}

fn titles(page: &Page<TaskItem>) -> Vec<&str> {
    page.items.iter().map(|t| t.title.as_str()).collect()
}

/// A page of the task list of `project` (read afresh, with its counters)
/// as `ctx` sees it.
async fn task_page(db: &Db, ctx: &OrgCtx, project: ProjectId, query: &TaskQuery, today: Date) -> Page<TaskItem> {
    let project = projects::find(db, ctx, project).await.unwrap().expect("the project");
    match task_list::list(db, ctx, &project, query, today).await.unwrap() {
        Listed::Page(page) => page,
        Listed::UnknownCursor => panic!("unknown cursor in {query:?}"),
    }
}

/// Every title of the list `query` asks for, read `per_page` at a time
/// through the next-page cursors, then back through the previous-page
/// cursors: both walks must give the same titles.
async fn walk(db: &Db, ctx: &OrgCtx, project: ProjectId, query: &TaskQuery, today: Date) -> Vec<String> {
    let mut forward = Vec::new();
    let mut pages = Vec::new();
    let mut page = task_page(db, ctx, project, query, today).await;
    loop {
        forward.extend(page.items.iter().map(|t| t.title.clone()));
        pages.push(page.items.len());
        let Some(next) = page.next.as_ref().map(|id| id.parse().unwrap()) else { break };
        page = task_page(db, ctx, project, &query.page_after(next), today).await;
        assert!(page.previous.is_some(), "a page after another has a previous one");
    }
    let mut backward: Vec<String> = page.items.iter().rev().map(|t| t.title.clone()).collect();
    while let Some(previous) = page.previous.as_ref().map(|id| id.parse().unwrap()) {
        page = task_page(db, ctx, project, &query.page_before(previous), today).await;
        backward.extend(page.items.iter().rev().map(|t| t.title.clone()));
    }
    backward.reverse();
    assert_eq!(forward, backward, "{query:?}: forward and back differ");
    forward
}

/// Projects, labels, cycles, tasks, the trash and the dashboard: every
/// repository function of the work feature, with the semantics that could
/// drift between backends (uniqueness, ordering, NULLs, search) pinned
/// down, and the project rule shown to hold inside the statements
/// themselves (the functions are called directly, without the checks the
/// server functions make first).
async fn work(db: &Db) {
    let acme = team(db, "Wren", "Acme").await;
    let globex = team(db, "Gus", "Globex").await;
    let ctx = &admin(&acme.owner);
    let theirs = &admin(&globex.owner);

    // --- projects --------------------------------------------------------
    let website =
        projects::insert(db, ctx, &pname("Website"), &desc("The site"), projects::created_event(ctx)).await.unwrap();
    assert!(matches!(
        projects::insert(db, ctx, &pname("WEBSITE"), &desc(""), projects::created_event(ctx)).await,
        Err(ProjectError::NameTaken)
    ));
    // Another organization may use the same name.
    let their_site =
        projects::insert(db, theirs, &pname("Website"), &desc(""), projects::created_event(theirs)).await.unwrap();
    for name in ["beta", "Alpha", "Émile", "zulu"] {
        projects::insert(db, ctx, &pname(name), &desc(""), projects::created_event(ctx)).await.unwrap();
    }
    let page = projects::list(db, ctx, ProjectView::Active, 25, 0).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|p| p.name.as_str()).collect();
    // Bytewise order of the lowercased name, on both backends.
    assert_eq!(names, ["Alpha", "beta", "Website", "zulu", "Émile"]);
    assert_eq!((page.total, page.has_more), (5, false));
    let second = projects::list(db, ctx, ProjectView::Active, 2, 2).await.unwrap();
    assert_eq!(second.items.len(), 2);
    assert!(second.has_more);
    assert_eq!(projects::find(db, ctx, their_site.id).await.unwrap(), None, "another tenant's project");
    assert_eq!(projects::count_active(db, ctx).await.unwrap(), 5);

    let renamed = projects::update(db, ctx, website.id, &pname("Web site"), &desc("New"), None).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("Web site", "New"));
    assert!(matches!(
        projects::update(db, ctx, their_site.id, &pname("X"), &desc(""), None).await,
        Err(ProjectError::NotFound)
    ));
    // A conditional update: made while the project is as read, refused
    // once it changed (If-Match in the REST API).
    let again = projects::update(db, ctx, website.id, &pname("Web site"), &desc("Newer"), Some(renamed.updated_at))
        .await
        .unwrap();
    assert!(matches!(
        projects::update(db, ctx, website.id, &pname("Lost"), &desc(""), Some(renamed.updated_at)).await,
        Err(ProjectError::Changed)
    ));
    assert_eq!(projects::find(db, ctx, website.id).await.unwrap().unwrap().description, again.description);

    let zulu = page.items.iter().find(|p| p.name == "zulu").unwrap().id;
    assert!(
        projects::set_archived(db, ctx, zulu, true, projects::changed_event(ctx, "project.archived", zulu))
            .await
            .unwrap()
            .archived_at
            .is_some()
    );
    assert_eq!(projects::list(db, ctx, ProjectView::Archived, 25, 0).await.unwrap().total, 1);
    assert_eq!(projects::count_active(db, ctx).await.unwrap(), 4);
    assert!(
        projects::set_archived(db, ctx, zulu, false, projects::changed_event(ctx, "project.archived", zulu))
            .await
            .unwrap()
            .archived_at
            .is_none()
    );

    let trashed = projects::trash(db, ctx, zulu, projects::changed_event(ctx, "project.trashed", zulu)).await.unwrap();
    assert!(trashed.deleted_at.is_some());
    assert_eq!(projects::list(db, ctx, ProjectView::Trash, 25, 0).await.unwrap().items[0].id, zulu);
    // A trashed name is free again, and then its project cannot come back
    // under it.
    let new_zulu = projects::insert(db, ctx, &pname("Zulu"), &desc(""), projects::created_event(ctx)).await.unwrap();
    assert!(matches!(
        projects::restore(db, ctx, zulu, projects::changed_event(ctx, "project.restored", zulu)).await,
        Err(ProjectError::NameTaken)
    ));
    projects::update(db, ctx, new_zulu.id, &pname("Zulu two"), &desc(""), None).await.unwrap();
    assert!(
        projects::restore(db, ctx, zulu, projects::changed_event(ctx, "project.restored", zulu))
            .await
            .unwrap()
            .deleted_at
            .is_none()
    );
    projects::trash(db, ctx, zulu, projects::changed_event(ctx, "project.trashed", zulu)).await.unwrap();
    assert!(matches!(
        projects::update(db, ctx, zulu, &pname("Q"), &desc(""), Some(trashed.updated_at)).await,
        Err(ProjectError::NotFound)
    ));
    let live: Vec<_> = projects::list_live(db, ctx).await.unwrap().into_iter().map(|p| p.id).collect();
    assert!(!live.contains(&zulu) && live.contains(&website.id));

    // --- labels ----------------------------------------------------------
    let bug = labels::insert(db, ctx, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    let ux = labels::insert(db, ctx, &LabelName::parse("UX").unwrap(), LabelColor::Teal).await.unwrap();
    assert!(matches!(
        labels::insert(db, ctx, &LabelName::parse("BUG").unwrap(), LabelColor::Gray).await,
        Err(labels::LabelError::NameTaken)
    ));
    let their_label = labels::insert(db, theirs, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    assert_eq!(labels::list(db, ctx).await.unwrap().iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["bug", "UX"]);
    assert!(labels::all_exist(db, ctx, &[bug.id, ux.id, bug.id]).await.unwrap());
    assert!(!labels::all_exist(db, ctx, &[bug.id, their_label.id]).await.unwrap());
    let seen = ux.clone();
    let ux = labels::update(db, ctx, ux.id, &LabelName::parse("Design").unwrap(), LabelColor::Purple, Some(&seen))
        .await
        .unwrap();
    assert!(
        matches!(
            labels::update(db, ctx, ux.id, &LabelName::parse("Late").unwrap(), LabelColor::Red, Some(&seen)).await,
            Err(labels::LabelError::Changed)
        ),
        "a conditional update of a label changed since"
    );
    assert!(matches!(
        labels::update(db, ctx, their_label.id, &LabelName::parse("x").unwrap(), LabelColor::Red, None).await,
        Err(labels::LabelError::NotFound)
    ));

    // --- cycles ----------------------------------------------------------
    let cycle = |name: &str| CycleName::parse(name).unwrap();
    let sprint = cycles::insert(db, ctx, website.id, &cycle("Sprint 1"), date!(2026 - 11 - 16), date!(2026 - 11 - 29))
        .await
        .unwrap()
        .expect("a writable project");
    let later = cycles::insert(db, ctx, website.id, &cycle("Sprint 0"), date!(2026 - 11 - 02), date!(2026 - 11 - 15))
        .await
        .unwrap()
        .expect("a writable project");
    let listed = cycles::list_for_project(db, ctx, website.id).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [later.id, sprint.id], "by start date");
    assert_eq!(cycles::find(db, &globex.owner, sprint.id).await.unwrap(), None);
    assert_eq!(
        cycles::insert(db, theirs, website.id, &cycle("Stolen"), date!(2026 - 11 - 01), date!(2026 - 11 - 02))
            .await
            .unwrap(),
        None,
        "another organization's project"
    );
    let renamed = cycles::update(
        db,
        ctx,
        later.id,
        &cycle("Sprint zero"),
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 14),
        Some(&later),
    )
    .await
    .unwrap()
    .expect("updated");
    let late =
        cycles::update(db, ctx, later.id, &cycle("Late"), date!(2026 - 11 - 01), date!(2026 - 11 - 14), Some(&later))
            .await
            .unwrap();
    assert_eq!(late, None, "a conditional update of a cycle changed since");
    assert_eq!(
        (renamed.name.as_str(), renamed.starts_on, renamed.ends_on),
        ("Sprint zero", date!(2026 - 11 - 01), date!(2026 - 11 - 14))
    );
    let stolen =
        cycles::update(db, theirs, later.id, &cycle("Stolen"), date!(2026 - 11 - 01), date!(2026 - 11 - 02), None)
            .await
            .unwrap();
    assert_eq!(stolen, None, "another organization's cycle is not found");
    assert_eq!(cycles::find(db, ctx, later.id).await.unwrap().unwrap().name, "Sprint zero");

    // --- tasks -----------------------------------------------------------
    let today = date!(2026 - 11 - 21);
    let me = acme.member_id;
    let author = &writer(&acme.member);
    let specs: Vec<app::model::TaskFields> = vec![
        with("banana", |f| {
            f.priority = Priority::Low;
            f.due_on = Some(date!(2026 - 11 - 25));
            f.labels = vec![bug.id, ux.id];
            f.cycle = Some(sprint.id);
        }),
        with("Apple", |f| {
            f.priority = Priority::Urgent;
            f.due_on = Some(date!(2026 - 11 - 20));
            f.assignee = Some(me);
            f.description = TaskDescription::parse("Crunchy 50% off").unwrap();
        }),
        with("cherry", |f| {
            f.priority = Priority::Medium;
            f.labels = vec![bug.id];
            f.cycle = Some(sprint.id);
        }),
        with("éclair", |f| {
            f.priority = Priority::High;
            f.due_on = Some(date!(2026 - 11 - 22));
            f.assignee = Some(me);
        }),
        fields("date 500 off"),
    ];
    let mut created = Vec::new();
    for spec in &specs {
        created.push(tasks::insert(db, author, website.id, spec).await.unwrap());
    }
    let banana = &created[0];
    assert_eq!(banana.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["bug", "Design"]);
    assert_eq!(created[1].assignee.as_ref().unwrap().display_name, "Wren Member");
    assert_eq!(tasks::find(db, &globex.owner, banana.id).await.unwrap(), None);

    // The database itself refuses references across tenants: another
    // organization's cycle, a person who is not a member, another
    // organization's project.
    let their_project =
        projects::insert(db, theirs, &pname("Theirs"), &desc(""), projects::created_event(theirs)).await.unwrap();
    let their_cycle =
        cycles::insert(db, theirs, their_project.id, &cycle("Theirs"), date!(2026 - 11 - 01), date!(2026 - 11 - 02))
            .await
            .unwrap()
            .unwrap();
    for (what, spec) in [
        ("another organization's cycle", with("x", |f| f.cycle = Some(their_cycle.id))),
        ("a non-member assignee", with("x", |f| f.assignee = Some(globex.member_id))),
    ] {
        let refused = tasks::insert(db, author, website.id, &spec).await;
        assert!(matches!(refused, Err(TaskWriteError::Db(ref e)) if e.as_database_error().is_some()), "{what}");
    }
    assert!(matches!(
        tasks::insert(db, author, their_project.id, &fields("x")).await,
        Err(TaskWriteError::NotWritable)
    ));
    let their_task = tasks::insert(db, theirs, their_project.id, &fields("theirs")).await.unwrap().id;

    let member = &acme.member;
    let list = |query: TaskQuery| async move { task_page(db, member, website.id, &query, today).await };
    let q = |edit: fn(&mut TaskQuery)| {
        let mut query = TaskQuery { status: StatusFilter::All, ..TaskQuery::default() };
        edit(&mut query);
        query
    };

    // Sorts, each way; ties and NULLs are placed the same on both backends.
    assert_eq!(
        titles(&list(q(|q| q.sort = TaskSort::Created)).await),
        ["date 500 off", "éclair", "cherry", "Apple", "banana"]
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Created, SortDir::Asc))).await),
        ["banana", "Apple", "cherry", "éclair", "date 500 off"]
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Title, SortDir::Asc))).await),
        ["Apple", "banana", "cherry", "date 500 off", "éclair"]
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Title, SortDir::Desc))).await),
        ["éclair", "date 500 off", "cherry", "banana", "Apple"]
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Due, SortDir::Asc))).await),
        ["Apple", "éclair", "banana", "cherry", "date 500 off"],
        "undated last, and among them by id in the same direction"
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Due, SortDir::Desc))).await),
        ["banana", "éclair", "Apple", "date 500 off", "cherry"],
        "undated last in this direction too"
    );
    assert_eq!(
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Priority, SortDir::Desc))).await),
        ["Apple", "éclair", "cherry", "banana", "date 500 off"]
    );
    assert_eq!(titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Priority, SortDir::Asc))).await)[0], "date 500 off");

    // Filters, one at a time.
    assert_eq!(list(q(|q| q.assignee = Some(AssigneeFilter::Me))).await.total, 2, "me is the member reading");
    assert_eq!(list(q(|q| q.assignee = Some(AssigneeFilter::Nobody))).await.total, 3);
    let by_user = TaskQuery { assignee: Some(AssigneeFilter::User(me)), ..q(|_| {}) };
    assert_eq!(list(by_user).await.total, 2);
    let by_label = TaskQuery { label: Some(bug.id), ..q(|_| {}) };
    assert_eq!(titles(&list(by_label).await), ["cherry", "banana"]);
    assert_eq!(titles(&list(q(|q| q.priority = Some(Priority::Urgent))).await), ["Apple"]);
    let due_range =
        TaskQuery { due_after: Some(date!(2026 - 11 - 20)), due_before: Some(date!(2026 - 11 - 22)), ..q(|_| {}) };
    assert_eq!(titles(&list(due_range).await), ["éclair", "Apple"], "both ends inclusive");
    assert_eq!(titles(&list(q(|q| q.overdue = true)).await), ["Apple"], "due before today and open");
    assert_eq!(titles(&list(q(|q| q.q = "CRUNCHY".into())).await), ["Apple"], "description, any case");
    assert_eq!(titles(&list(q(|q| q.q = "ÉCLAIR".into())).await), ["éclair"], "non-ASCII case folding");
    assert_eq!(titles(&list(q(|q| q.q = "50%".into())).await), ["Apple"], "% is literal");
    assert_eq!(list(q(|q| q.q = "_".into())).await.total, 0, "_ is literal");

    // Offsets (within the first 1,000) still page.
    let page = list(q(|q| (q.limit, q.offset) = (2, 0))).await;
    assert_eq!((page.items.len(), page.total, page.has_more), (2, 5, true));
    assert_eq!(page.previous, None, "the first page has none before it");
    let last = list(q(|q| (q.limit, q.offset) = (2, 4))).await;
    assert_eq!((last.items.len(), last.has_more), (1, false));
    let beyond = list(q(|q| (q.limit, q.offset) = (2, 10))).await;
    assert_eq!((beyond.items.len(), beyond.total, beyond.has_more), (0, 5, false));

    // Keyset pages: every sort, both ways, two at a time, forward through
    // the next-page cursors and back through the previous-page ones, give
    // the whole list in order; so do windowed and indexed filters.
    for sort in TaskSort::ALL {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let query = TaskQuery { sort, dir, limit: 2, ..q(|_| {}) };
            let whole = titles(&list(TaskQuery { limit: 100, ..query.clone() }).await)
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>();
            assert_eq!(walk(db, member, website.id, &query, today).await, whole, "{sort:?} {dir:?}");
        }
    }
    for query in [
        TaskQuery { q: "a".into(), limit: 2, ..q(|_| {}) },
        TaskQuery { q: "off".into(), limit: 2, ..q(|_| {}) },
        TaskQuery { due_after: Some(date!(2026 - 11 - 01)), limit: 2, ..q(|_| {}) },
        TaskQuery { label: Some(bug.id), limit: 1, ..q(|_| {}) },
    ] {
        let whole = titles(&list(TaskQuery { limit: 100, ..query.clone() }).await)
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>();
        assert!(!whole.is_empty(), "{query:?}");
        assert_eq!(walk(db, member, website.id, &query, today).await, whole, "{query:?}");
    }
    // A cursor naming no task of this list is not a page.
    let project = projects::find(db, ctx, website.id).await.unwrap().unwrap();
    for cursor in [app::model::TaskId::new(), their_task] {
        let query = q(|_| {}).page_after(cursor);
        assert!(matches!(task_list::list(db, member, &project, &query, today).await.unwrap(), Listed::UnknownCursor));
    }
    // Totals: the project's counters when unfiltered; a search counts no
    // further than its page.
    assert_eq!((project.open_tasks, project.done_tasks, project.trashed_tasks), (5, 0, 0));
    let searched = list(TaskQuery { q: "a".into(), limit: 2, ..q(|_| {}) }).await;
    assert_eq!((searched.total, searched.total_capped, searched.has_more), (2, true, true));

    // Export: keyset batches in the list's order, for every sort and both
    // directions, each batch its own statement.
    let slots = tokio::sync::Semaphore::new(1);
    for sort in TaskSort::ALL {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let query = TaskQuery { sort, dir, ..q(|_| {}) };
            let (sender, mut receiver) = tokio::sync::mpsc::channel(8);
            tasks::export(db, ctx, website.id, &query, today, 2, &slots, sender).await;
            let mut exported = Vec::new();
            while let Some(batch) = receiver.recv().await {
                let batch = batch.unwrap();
                assert!(batch.len() <= 2);
                exported.extend(batch.into_iter().map(|t| t.title));
            }
            assert_eq!(exported, titles(&list(query).await), "{sort:?} {dir:?}");
        }
    }

    // Complete and reopen: completed_at is set once and cleared.
    let ids = [created[0].id, created[2].id];
    assert_eq!(tasks::set_completed(db, ctx, &ids, true).await.unwrap(), 2);
    let done_at = tasks::find(db, ctx, ids[0]).await.unwrap().unwrap().completed_at.unwrap();
    assert_eq!(tasks::set_completed(db, ctx, &ids, true).await.unwrap(), 2);
    assert_eq!(tasks::find(db, ctx, ids[0]).await.unwrap().unwrap().completed_at.unwrap(), done_at, "kept");
    assert_eq!(titles(&list(TaskQuery { status: StatusFilter::Done, ..q(|_| {}) }).await), ["cherry", "banana"]);
    assert_eq!(list(TaskQuery::default()).await.total, 3, "the default is open tasks");
    let progress = cycles::find(db, ctx, sprint.id).await.unwrap().unwrap();
    assert_eq!((progress.done_tasks, progress.total_tasks), (2, 2));
    tasks::set_completed(db, ctx, &ids[..1], false).await.unwrap();
    assert!(tasks::find(db, ctx, ids[0]).await.unwrap().unwrap().completed_at.is_none());

    // Full update, including labels and clearing.
    let mut edit = specs[0].clone();
    edit.title = app::model::TaskTitle::parse("Banana split").unwrap();
    edit.labels = vec![ux.id];
    edit.due_on = None;
    let read = tasks::find(db, ctx, banana.id).await.unwrap().unwrap();
    let updated = tasks::update(db, ctx, banana.id, &edit, Some(read.updated_at)).await.unwrap().unwrap();
    assert_eq!((updated.title.as_str(), updated.due_on, updated.labels.len()), ("Banana split", None, 1));
    // A conditional update from the version before: someone changed it.
    let stale = tasks::update(db, ctx, banana.id, &edit, Some(read.updated_at)).await;
    assert!(matches!(stale, Err(TaskUpdateError::Changed)), "{stale:?}");
    assert_eq!(tasks::update(db, theirs, banana.id, &edit, None).await.unwrap(), None, "another tenant's task");
    let stale_theirs = tasks::update(db, theirs, banana.id, &edit, Some(read.updated_at)).await.unwrap();
    assert_eq!(stale_theirs, None, "another tenant's task is not theirs to have changed");

    // Bulk: counts, moves (leaving the cycle), assigns.
    let all: Vec<_> = created.iter().map(|t| t.id).collect();
    assert_eq!(tasks::count_found_and_writable(db, ctx, &all, Lifecycle::Live, None).await.unwrap(), (5, 5));
    let in_other = tasks::count_found_and_writable(db, ctx, &all, Lifecycle::Live, Some(their_project.id)).await;
    assert_eq!(in_other.unwrap(), (0, 0), "none of them is in that project");
    let in_website = tasks::count_found_and_writable(db, ctx, &all, Lifecycle::Live, Some(website.id)).await;
    assert_eq!(in_website.unwrap(), (5, 5));
    assert_eq!(tasks::count_found_and_writable(db, ctx, &all, Lifecycle::Trashed, None).await.unwrap(), (0, 0));
    assert_eq!(tasks::count_found_and_writable(db, &globex.owner, &all, Lifecycle::Live, None).await.unwrap(), (0, 0));
    let alpha = projects::list_live(db, ctx).await.unwrap().into_iter().find(|p| p.name == "Alpha").unwrap();
    assert_eq!(tasks::move_to_project(db, ctx, &[banana.id], their_project.id).await.unwrap(), 0, "not theirs");
    assert_eq!(tasks::move_to_project(db, ctx, &[banana.id], alpha.id).await.unwrap(), 1);
    let moved = tasks::find(db, ctx, banana.id).await.unwrap().unwrap();
    assert_eq!((moved.project_id, moved.cycle_id), (alpha.id, None));
    assert_eq!(tasks::assign(db, ctx, &all, None).await.unwrap(), 5);
    assert_eq!(list(q(|q| q.assignee = Some(AssigneeFilter::Nobody))).await.total, 4);
    assert_eq!(tasks::assign(db, ctx, &[created[4].id], Some(me)).await.unwrap(), 1);

    // The writable rule holds inside every writing statement: an archived
    // project's tasks and cycles refuse every change, even called directly.
    projects::set_archived(db, ctx, alpha.id, true, projects::changed_event(ctx, "project.archived", alpha.id))
        .await
        .unwrap();
    let in_archive = [banana.id];
    assert_eq!(
        tasks::count_found_and_writable(db, ctx, &[banana.id, created[1].id], Lifecycle::Live, None).await.unwrap(),
        (2, 1)
    );
    assert!(matches!(tasks::insert(db, ctx, alpha.id, &fields("late")).await, Err(TaskWriteError::NotWritable)));
    assert_eq!(tasks::update(db, ctx, banana.id, &edit, None).await.unwrap(), None);
    assert_eq!(tasks::set_completed(db, ctx, &in_archive, true).await.unwrap(), 0);
    assert_eq!(tasks::assign(db, ctx, &in_archive, Some(me)).await.unwrap(), 0);
    assert_eq!(tasks::trash(db, ctx, &in_archive).await.unwrap(), 0);
    assert_eq!(tasks::move_to_project(db, ctx, &[created[1].id], alpha.id).await.unwrap(), 0, "into an archive");
    assert_eq!(
        cycles::insert(db, ctx, alpha.id, &cycle("Late"), date!(2026 - 11 - 01), date!(2026 - 11 - 02)).await.unwrap(),
        None
    );
    assert_eq!(tasks::find(db, ctx, banana.id).await.unwrap().unwrap().title, "Banana split", "still readable");
    projects::set_archived(db, ctx, alpha.id, false, projects::changed_event(ctx, "project.archived", alpha.id))
        .await
        .unwrap();
    assert_eq!(tasks::trash(db, theirs, &all).await.unwrap(), 0, "another tenant's tasks");

    // --- dashboard -------------------------------------------------------
    // Open in active projects: Apple, éclair, date 500 off, banana (Alpha).
    assert_eq!(dashboard::open_task_count(db, ctx).await.unwrap(), 4);
    assert_eq!(dashboard::overdue_count(db, ctx, today).await.unwrap(), (1, false));
    tasks::assign(db, ctx, &[created[1].id, created[3].id], Some(me)).await.unwrap();
    let mine = dashboard::open_assigned_to(db, ctx, me, 10).await.unwrap();
    assert_eq!(mine.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["Apple", "éclair", "date 500 off"]);
    assert_eq!(mine[0].project_name, "Web site");
    let weeks = app::model::org::week_starts(time::OffsetDateTime::now_utc().date(), 12);
    let per_week = dashboard::completed_per_week(db, ctx, &weeks).await.unwrap();
    assert_eq!(per_week.len(), 12);
    assert_eq!(per_week.iter().map(|w| w.count).sum::<i64>(), 1, "cherry, completed this week");
    assert_eq!(per_week.last().unwrap().count, 1);
    assert_eq!(
        dashboard::completed_per_week(db, &globex.owner, &weeks).await.unwrap().iter().map(|w| w.count).sum::<i64>(),
        0
    );

    // Filters may only name this organization's labels and members.
    let exist = |query: TaskQuery| async move { tasks::filter_ids_exist(db, ctx, &query).await.unwrap() };
    assert!(exist(q(|_| {})).await);
    assert!(exist(TaskQuery { label: Some(bug.id), assignee: Some(AssigneeFilter::User(me)), ..q(|_| {}) }).await);
    assert!(!exist(TaskQuery { label: Some(their_label.id), ..q(|_| {}) }).await, "another organization's label");
    let stranger = AssigneeFilter::User(globex.member_id);
    assert!(!exist(TaskQuery { assignee: Some(stranger), ..q(|_| {}) }).await, "another organization's member");

    // Deleting a cycle keeps its tasks; deleting a label unlabels them.
    assert!(cycles::delete(db, ctx, sprint.id).await.unwrap());
    assert_eq!(tasks::find(db, ctx, created[2].id).await.unwrap().unwrap().cycle_id, None);
    assert!(!cycles::delete(db, theirs, later.id).await.unwrap(), "another organization's cycle");
    assert!(labels::delete(db, ctx, bug.id).await.unwrap());
    assert!(tasks::find(db, ctx, created[2].id).await.unwrap().unwrap().labels.is_empty());
    assert!(!labels::delete(db, ctx, their_label.id).await.unwrap());

    // --- the task trash --------------------------------------------------
    let date_500 = created[4].id;
    assert_eq!(tasks::trash(db, author, &[date_500]).await.unwrap(), 1);
    assert_eq!(tasks::find(db, ctx, date_500).await.unwrap(), None, "gone from reads");
    let binned = tasks::find_in(db, ctx, date_500, Lifecycle::Trashed).await.unwrap().unwrap();
    assert!(binned.deleted_at.is_some(), "read from the trash when asked");
    assert_eq!(tasks::find_in(db, theirs, date_500, Lifecycle::Trashed).await.unwrap(), None, "not theirs");
    assert_eq!(list(q(|_| {})).await.total, 3);
    let bin = list(TaskQuery { status: StatusFilter::Trash, ..q(|_| {}) }).await;
    assert_eq!(titles(&bin), ["date 500 off"]);
    assert!(bin.items[0].deleted_at.is_some());
    assert_eq!(tasks::count_found_and_writable(db, ctx, &[date_500], Lifecycle::Trashed, None).await.unwrap(), (1, 1));
    assert_eq!(tasks::set_completed(db, ctx, &[date_500], true).await.unwrap(), 0, "a trashed task does not change");
    assert_eq!(tasks::restore(db, author, &[date_500]).await.unwrap(), 1);
    assert!(tasks::find(db, ctx, date_500).await.unwrap().is_some(), "restored");
    assert_eq!(tasks::purge(db, ctx, &[date_500]).await.unwrap(), 0, "only trashed tasks are purged");
    tasks::trash(db, author, &[date_500, created[3].id]).await.unwrap();
    assert_eq!(tasks::purge(db, theirs, &[date_500]).await.unwrap(), 0, "another tenant's trash");
    assert_eq!(tasks::purge(db, ctx, &[date_500]).await.unwrap(), 1);
    assert_eq!(tasks::empty_trash(db, theirs, website.id).await.unwrap(), 0, "another tenant's project");
    tasks::trash(db, author, &[created[1].id]).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(tasks::purge_expired_trash(db, now + time::Duration::days(29)).await.unwrap(), 0, "29 days");
    assert_eq!(tasks::purge_expired_trash(db, now + time::Duration::days(31)).await.unwrap(), 2, "31 days");
    let purged = events::list_after(db, ctx.org_id(), 0, 10_000).await.unwrap();
    let purged: Vec<_> = purged.iter().rev().take(2).map(|e| (e.kind.as_str(), e.actor_id)).collect();
    assert_eq!(purged, [("task.deleted", None), ("task.deleted", None)], "the purge records each task it deleted");
    tasks::trash(db, author, &[created[2].id]).await.unwrap();
    assert_eq!(tasks::empty_trash(db, ctx, website.id).await.unwrap(), 1);
    assert_eq!(list(TaskQuery { status: StatusFilter::Trash, ..q(|_| {}) }).await.total, 0);

    // The readable rule: a trashed project's children are not read, though
    // the rows are still there until the purge.
    assert!(tasks::find(db, ctx, banana.id).await.unwrap().is_some());
    projects::trash(db, ctx, alpha.id, projects::changed_event(ctx, "project.trashed", alpha.id)).await.unwrap();
    assert_eq!(tasks::find(db, ctx, banana.id).await.unwrap(), None);
    let gone = projects::find(db, ctx, alpha.id).await.unwrap().unwrap();
    let hidden = task_list::list(db, member, &gone, &q(|_| {}), today).await.unwrap();
    assert!(matches!(hidden, Listed::Page(ref page) if page.items.is_empty()), "no rows of a trashed project");
    assert_eq!(tasks::count_found_and_writable(db, ctx, &[banana.id], Lifecycle::Live, None).await.unwrap(), (0, 0));
    projects::restore(db, ctx, alpha.id, projects::changed_event(ctx, "project.restored", alpha.id)).await.unwrap();
    assert!(tasks::find(db, ctx, banana.id).await.unwrap().is_some());
    let website_cycles = cycles::list_for_project(db, ctx, website.id).await.unwrap();
    projects::trash(db, ctx, website.id, projects::changed_event(ctx, "project.trashed", website.id)).await.unwrap();
    assert_eq!(website_cycles.len(), 1);
    assert!(cycles::list_for_project(db, ctx, website.id).await.unwrap().is_empty());
    assert_eq!(cycles::find(db, ctx, later.id).await.unwrap(), None);
    projects::restore(db, ctx, website.id, projects::changed_event(ctx, "project.restored", website.id)).await.unwrap();

    // The guest reads like anyone; the key only opens its own tenant.
    assert_eq!(task_page(db, &acme.guest, website.id, &q(|_| {}), today).await.total, 0);
    assert_eq!(titles(&task_page(db, &acme.guest, alpha.id, &q(|_| {}), today).await), ["Banana split"]);

    // --- counters and capped counts at a size past the cap ---------------
    let many = projects::insert(db, ctx, &pname("Many"), &desc(""), projects::created_event(ctx)).await.unwrap();
    let bulk: Vec<_> = (0..1_100)
        .map(|i| {
            with(&format!("Bulk {i:04}"), |f| f.priority = if i % 2 == 0 { Priority::High } else { Priority::Low })
        })
        .collect();
    let made = tasks::insert_many(db, ctx, many.id, &bulk).await.unwrap();
    assert_eq!(made.len(), 1_100);
    let counted = projects::find(db, ctx, many.id).await.unwrap().unwrap();
    assert_eq!((counted.open_tasks, counted.done_tasks, counted.trashed_tasks), (1_100, 0, 0));
    tasks::set_completed(db, ctx, &made[..10], true).await.unwrap();
    tasks::trash(db, ctx, &made[5..20]).await.unwrap();
    let counted = projects::find(db, ctx, many.id).await.unwrap().unwrap();
    assert_eq!((counted.open_tasks, counted.done_tasks, counted.trashed_tasks), (1_080, 5, 15));
    let open = task_page(db, member, many.id, &q(|q| q.status = StatusFilter::Open), today).await;
    assert_eq!((open.total, open.total_capped), (1_080, false), "the counter, exact");
    let high = task_page(
        db,
        member,
        many.id,
        &q(|q| (q.status, q.priority) = (StatusFilter::Open, Some(Priority::High))),
        today,
    )
    .await;
    assert_eq!((high.total, high.total_capped, high.total_label().as_str()), (540, false, "540"));
    let everything = task_page(db, member, many.id, &q(|q| q.due_before = Some(date!(2100 - 01 - 01))), today).await;
    assert_eq!((everything.total, everything.total_capped), (0, false), "no due dates here");
    let named = task_page(db, member, many.id, &q(|q| q.assignee = Some(AssigneeFilter::Nobody)), today).await;
    assert_eq!((named.total, named.total_label().as_str()), (1_000, "1,000+"), "counted to the cap");
    assert!(named.total_capped);
    let overdue: Vec<_> =
        (0..1_005).map(|i| with(&format!("Late {i}"), |f| f.due_on = Some(date!(2026 - 01 - 01)))).collect();
    tasks::insert_many(db, ctx, many.id, &overdue).await.unwrap();
    assert_eq!(dashboard::overdue_count(db, ctx, today).await.unwrap(), (1_000, true), "counted to the cap");
    let open_before = dashboard::open_task_count(db, ctx).await.unwrap();
    tasks::set_completed(db, ctx, &made[20..30], true).await.unwrap();
    assert_eq!(dashboard::open_task_count(db, ctx).await.unwrap(), open_before - 10, "the counters, summed");
    // The first page of a search past the window of recent tasks still
    // finds the oldest match.
    let oldest = task_page(db, member, many.id, &q(|q| q.q = "bulk 0000".into()), today).await;
    assert_eq!(titles(&oldest), ["Bulk 0000"]);
    assert!(insert_cannot_write_a_trashed_project(db, ctx, many.id).await);

    // --- the project trash purge (maintenance, all tenants) -------------
    // Zulu went to the trash just now: it stays for 30 days, then goes.
    let purge_at = |days: i64| projects::purge_expired_trash(db, now + time::Duration::days(days));
    assert_eq!(purge_at(0).await.unwrap(), 0);
    assert_eq!(purge_at(29).await.unwrap(), 0, "29 days in the trash");
    assert!(projects::find(db, ctx, zulu).await.unwrap().is_some());
    assert_eq!(purge_at(31).await.unwrap(), 1, "31 days in the trash");
    assert_eq!(projects::find(db, ctx, zulu).await.unwrap(), None);
    let last = events::list_after(db, ctx.org_id(), 0, 10_000).await.unwrap().pop().unwrap();
    let zulu_text = zulu.to_string();
    assert_eq!(
        (last.kind.as_str(), last.resource_id.as_str(), last.actor_id),
        ("project.deleted", zulu_text.as_str(), None)
    );
}

/// Moves `project` to the trash, shows that a bulk insert then writes
/// nothing, and restores it.
async fn insert_cannot_write_a_trashed_project(db: &Db, ctx: &app::server::ctx::Admin, project: ProjectId) -> bool {
    projects::trash(db, ctx, project, projects::changed_event(ctx, "project.trashed", project)).await.unwrap();
    let refused = tasks::insert_many(db, ctx, project, &[fields("late")]).await;
    let counted = projects::find(db, ctx, project).await.unwrap().unwrap();
    projects::restore(db, ctx, project, projects::changed_event(ctx, "project.restored", project)).await.unwrap();
    matches!(refused, Err(TaskWriteError::NotWritable)) && counted.open_tasks == 2_075
}

/// Failed sign-ins: per email and network, a looser ceiling per email
/// that refuses every network but a trusted browser, each attempt counted
/// atomically before it is checked, reset by a success.
async fn sign_in_failures(db: &Db) {
    use app::server::auth::lockout::{self, FailureLimits};
    use std::net::IpAddr;

    let limits = FailureLimits {
        per_address: 3,
        delay: time::Duration::minutes(1),
        lock_after: 4,
        per_email: 8,
        window: time::Duration::minutes(15),
    };
    let victim = email("victim@example.com");
    let now = Timestamp::now();
    let at = |seconds: i64| Timestamp::from(now.into_inner() + time::Duration::seconds(seconds));
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let begin = |address: Option<IpAddr>, at: Timestamp, trusted: bool| {
        let victim = victim.clone();
        async move { lockout::begin(db, limits, &victim, address, trusted, at).await }
    };
    let fail = |address: Option<IpAddr>, at: Timestamp| {
        let begin = &begin;
        async move { begin(address, at, false).await.unwrap().failed() }
    };
    let retry = |result: Result<lockout::Attempt, AppError>| match result {
        Err(AppError::RateLimited { retry_after_secs }) => retry_after_secs,
        other => panic!("expected RateLimited, got {other:?}"),
    };

    // Three failures from one address: that address waits a minute after
    // each further failure, others do not wait at all.
    for expected in 1..=3 {
        assert_eq!(fail(ip("198.51.100.1"), now).await.0, expected);
    }
    assert!((1..=60).contains(&retry(begin(ip("198.51.100.1"), now, false).await)));
    begin(ip("203.0.113.9"), now, false).await.unwrap().released(db).await.unwrap();
    // The delay has passed: a fourth failure locks that address out for
    // the window.
    assert_eq!(fail(ip("198.51.100.1"), at(61)).await.0, 4);
    assert!((800..=900).contains(&retry(begin(ip("198.51.100.1"), at(120), false).await)), "the 15-minute lock");
    // The same IPv6 /64 is one network.
    for n in 1..=3 {
        fail(ip(&format!("2001:db8::{n}")), now).await;
    }
    assert!(begin(ip("2001:db8::ffff"), now, false).await.is_err());
    // Eight failures for the email in all: every network is refused now,
    // one that never failed too, but not a browser trusted for the account.
    assert_eq!(fail(ip("192.0.2.50"), now).await, (1, 8));
    assert!((1..=900).contains(&retry(begin(ip("198.18.0.1"), now, false).await)), "a fresh network is refused");
    let owner = begin(ip("198.18.0.1"), now, true).await.expect("a trusted browser may");
    owner.succeeded(db).await.unwrap();
    assert!(begin(ip("198.18.0.2"), now, false).await.is_err(), "the success gave its attempt back, no more");
    // Parallel attempts cannot all pass the check before any is counted.
    let parallel = email("parallel@example.com");
    let attempts = (0..12).map(|_| lockout::begin(db, limits, &parallel, ip("198.51.100.99"), false, now));
    let allowed = futures_util::future::join_all(attempts).await.into_iter().filter(Result::is_ok).count();
    assert_eq!(allowed, 3, "the fourth waits for the delay");
    // The window clears everything.
    let later = at(17 * 60);
    begin(ip("198.51.100.1"), later, false).await.unwrap().released(db).await.unwrap();
    assert_eq!(lockout::forget_expired(db, limits, at(60 * 60)).await.unwrap(), 7);
    assert!(begin(ip("198.51.100.1"), now, false).await.is_ok());

    // Two-factor codes per pending sign-in, each parallel try its own count.
    let pending = uuid::Uuid::new_v4();
    assert_eq!(lockout::count_code_attempt(db, pending, now).await.unwrap(), 1);
    let tries = (0..10).map(|_| lockout::count_code_attempt(db, pending, now));
    let mut counts: Vec<i64> = futures_util::future::join_all(tries).await.into_iter().map(Result::unwrap).collect();
    counts.sort_unstable();
    assert_eq!(counts, (2..=11).collect::<Vec<_>>());
    lockout::forget_code_attempts(db, pending).await.unwrap();
    assert_eq!(lockout::count_code_attempt(db, pending, now).await.unwrap(), 1);
}

/// A person's sessions (devices), mailed links, email verification and
/// two-factor records.
async fn account_security(db: &Db) {
    use app::server::db::account::{self, TokenPurpose};

    let ada = users::insert(db, new_user(&email("sessions@example.com"), &name("Ada Sessions"))).await.unwrap();
    let bo = users::insert(db, new_user(&email("other.sessions@example.com"), &name("Bo Sessions"))).await.unwrap();
    assert!(ada.email_verified_at.is_none() && ada.totp_enabled_at.is_none());
    let now = Timestamp::now();
    let later = |minutes: i64| Timestamp::from(now.into_inner() + time::Duration::minutes(minutes));

    // Sessions: made, read through their row, listed newest activity first,
    // ended one, all but one, or all.
    let first = account::create_session(db, ada.id, Some("192.0.2.1".into()), Some("agent one"), now).await.unwrap();
    let second = account::create_session(db, ada.id, None, Some(&"x".repeat(600)), later(1)).await.unwrap();
    let third = account::create_session(db, ada.id, None, None, later(2)).await.unwrap();
    let theirs = account::create_session(db, bo.id, None, None, now).await.unwrap();
    assert!(users::find_signed_in(db, ada.id, first).await.unwrap().is_some());
    assert!(users::find_signed_in(db, ada.id, theirs).await.unwrap().is_none(), "another person's session");
    account::touch_session(db, first, later(3)).await.unwrap();
    let listed = account::sessions(db, ada.id).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [first, third, second]);
    assert_eq!(listed[0].ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(listed[2].user_agent.as_ref().map(|a| a.chars().count()), Some(account::USER_AGENT_MAX));
    assert!(!account::delete_session(db, ada.id, theirs).await.unwrap(), "not hers to end");
    assert!(account::delete_session(db, ada.id, third).await.unwrap());
    assert!(users::find_signed_in(db, ada.id, third).await.unwrap().is_none(), "ended at once");
    assert_eq!(account::delete_sessions(db, ada.id, Some(first)).await.unwrap(), 1);
    assert_eq!(account::sessions(db, ada.id).await.unwrap().len(), 1);
    assert_eq!(account::delete_sessions(db, ada.id, None).await.unwrap(), 1);
    // Ended by the timeouts: idle since before, or signed in before.
    account::create_session(db, ada.id, None, None, now).await.unwrap();
    assert_eq!(account::forget_ended_sessions(db, later(-1), later(-60)).await.unwrap(), 0);
    assert_eq!(account::forget_ended_sessions(db, later(1), later(-60)).await.unwrap(), 2, "hers and Bo's");

    // Mailed links: only the newest of a purpose works, once, until it expires.
    let old = account::issue_token(db, ada.id, TokenPurpose::ResetPassword, &ada.email, now).await.unwrap();
    let token = account::issue_token(db, ada.id, TokenPurpose::ResetPassword, &ada.email, now).await.unwrap();
    assert_eq!(token.len(), 64);
    assert!(account::peek_token(db, &old, TokenPurpose::ResetPassword, now).await.unwrap().is_none());
    assert!(
        account::peek_token(db, &token, TokenPurpose::VerifyEmail, now).await.unwrap().is_none(),
        "another purpose"
    );
    assert_eq!(
        account::peek_token(db, &token, TokenPurpose::ResetPassword, now).await.unwrap(),
        Some((ada.id, ada.email.clone()))
    );
    assert!(account::use_token(db, &token, TokenPurpose::ResetPassword, later(61)).await.unwrap().is_none(), "expired");
    assert!(account::use_token(db, &token, TokenPurpose::ResetPassword, now).await.unwrap().is_some());
    assert!(account::use_token(db, &token, TokenPurpose::ResetPassword, now).await.unwrap().is_none(), "used");
    assert!(account::last_token_at(db, ada.id, TokenPurpose::ResetPassword).await.unwrap().is_some());
    assert!(account::last_token_at(db, ada.id, TokenPurpose::VerifyEmail).await.unwrap().is_none());
    assert_eq!(account::forget_expired_tokens(db, later(61)).await.unwrap(), 1);

    // Verification, and an email change to an address another account has.
    users::verify_email(db, ada.id, "sessions.new@example.com", now).await.unwrap();
    let moved = users::find_by_id(db, ada.id).await.unwrap().unwrap();
    assert_eq!(moved.email, "sessions.new@example.com");
    assert!(moved.email_verified_at.is_some());
    let taken = users::verify_email(db, ada.id, &bo.email, now).await;
    assert!(matches!(taken, Err(CreateUserError::EmailTaken)), "{taken:?}");

    // Two-factor: a pending secret, steps accepted once and in order,
    // recovery codes used once, and all of it gone when turned off.
    assert!(account::start_totp(db, ada.id, "sealed").await.unwrap());
    let hashes: Vec<String> = (0..10).map(|n| format!("hash-{n}")).collect();
    assert!(!account::enable_totp(db, bo.id, &hashes, now).await.unwrap(), "Bo never started");
    assert!(account::enable_totp(db, ada.id, &hashes, now).await.unwrap());
    assert!(!account::start_totp(db, ada.id, "again").await.unwrap(), "on already");
    assert!(account::accept_totp_step(db, ada.id, 100).await.unwrap());
    assert!(!account::accept_totp_step(db, ada.id, 100).await.unwrap(), "the same step twice");
    assert!(!account::accept_totp_step(db, ada.id, 99).await.unwrap(), "an earlier step");
    assert!(account::accept_totp_step(db, ada.id, 101).await.unwrap());
    assert!(account::use_recovery_code(db, ada.id, "hash-3", now).await.unwrap());
    assert!(!account::use_recovery_code(db, ada.id, "hash-3", now).await.unwrap());
    assert!(!account::use_recovery_code(db, bo.id, "hash-4", now).await.unwrap(), "not Bo's");
    assert_eq!(account::recovery_codes_left(db, ada.id).await.unwrap(), 9);
    account::replace_recovery_codes(db, ada.id, &hashes[..2]).await.unwrap();
    assert_eq!(account::recovery_codes_left(db, ada.id).await.unwrap(), 2);
    let state = account::totp(db, ada.id).await.unwrap().unwrap();
    assert_eq!(state.totp_secret.as_deref(), Some("sealed"));
    assert!(users::find_by_id(db, ada.id).await.unwrap().unwrap().totp_enabled_at.is_some());
    account::disable_totp(db, ada.id).await.unwrap();
    let state = account::totp(db, ada.id).await.unwrap().unwrap();
    assert!(state.totp_secret.is_none() && state.totp_enabled_at.is_none());
    assert_eq!(account::recovery_codes_left(db, ada.id).await.unwrap(), 0);
}

/// The job queue: one claim per job however many workers race, leases
/// that outlive a dead worker, retries with backoff up to the attempts,
/// cancelling, periodic keys, and tenancy of the lists.
async fn job_queue(db: &Db) {
    use app::model::JobStatus;
    use app::server::db::jobs::{self, Cancel, CancelledBy, JobsOf, NewJob, Outcome};

    let now = Timestamp::now();
    let at = |seconds: i64| Timestamp::from(now.into_inner() + time::Duration::seconds(seconds));
    let new = |kind: &'static str, max_attempts: i64| NewJob {
        org: None,
        kind,
        payload: format!(r#"{{"kind":"{kind}"}}"#),
        max_attempts,
        run_at: now,
        unique_key: None,
    };

    let root = platform_admin(db).await;

    // Two workers race for one job: exactly one gets it.
    let first = jobs::enqueue(db, new("race", 3)).await.unwrap().unwrap();
    let (a, b) =
        tokio::join!(jobs::claim(db, "worker-a", now, at(60), None), jobs::claim(db, "worker-b", now, at(60), None));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.iter().chain(b.iter()).count(), 1, "one claim: {a:?} {b:?}");
    let (winner, claimed) = match (a, b) {
        (Some(job), None) => ("worker-a", job),
        (None, Some(job)) => ("worker-b", job),
        other => panic!("{other:?}"),
    };
    assert_eq!((claimed.id, claimed.attempts), (first, 1));
    assert!(jobs::claim(db, "worker-c", now, at(60), None).await.unwrap().is_none(), "nothing else is due");
    let loser = if winner == "worker-a" { "worker-b" } else { "worker-a" };
    assert_eq!(jobs::report_progress(db, first, loser, 1, Some(2), Some("no")).await.unwrap(), None, "not the loser's");
    assert_eq!(jobs::report_progress(db, first, winner, 1, Some(2), Some("half")).await.unwrap(), Some(false));

    // The winner dies: once its lease has run out the job is queued again
    // and another worker resumes it as a second attempt.
    assert_eq!(jobs::release_expired(db, at(30)).await.unwrap(), 0, "the lease still holds");
    assert_eq!(jobs::release_expired(db, at(61)).await.unwrap(), 1);
    let resumed = jobs::claim(db, "worker-c", at(61), at(121), None).await.unwrap().unwrap();
    assert_eq!((resumed.id, resumed.attempts), (first, 2));
    assert!(!jobs::finish(db, first, winner, &Outcome::Succeeded, at(62)).await.unwrap(), "the dead worker's no more");
    let progress = jobs::find(db, JobsOf::Platform(&root), first).await.unwrap().unwrap();
    assert_eq!((progress.status, progress.progress_done, progress.progress_total), (JobStatus::Running, 1, Some(2)));
    assert!(jobs::finish(db, first, "worker-c", &Outcome::Succeeded, at(62)).await.unwrap());
    let done = jobs::find(db, JobsOf::Platform(&root), first).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert!(done.finished_at.is_some());

    // Failures: retried after the backoff, failed for good after the last
    // attempt with its error kept.
    let flaky = jobs::enqueue(db, new("flaky", 2)).await.unwrap().unwrap();
    let claimed = jobs::claim(db, "w", now, at(60), None).await.unwrap().unwrap();
    assert_eq!(claimed.id, flaky);
    let failed = Outcome::Failed { error: "smtp down".into(), retry_at: at(10) };
    assert!(jobs::finish(db, flaky, "w", &failed, now).await.unwrap());
    assert_eq!(jobs::find(db, JobsOf::Platform(&root), flaky).await.unwrap().unwrap().status, JobStatus::Queued);
    assert!(jobs::claim(db, "w", at(5), at(65), None).await.unwrap().is_none(), "not before its retry time");
    let again = jobs::claim(db, "w", at(10), at(70), None).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    let failed = Outcome::Failed { error: "still down".into(), retry_at: at(30) };
    assert!(jobs::finish(db, flaky, "w", &failed, at(11)).await.unwrap());
    let gave_up = jobs::find(db, JobsOf::Platform(&root), flaky).await.unwrap().unwrap();
    assert_eq!((gave_up.status, gave_up.last_error.as_deref()), (JobStatus::Failed, Some("still down")));
    // A postponed job (waiting its turn, or its process stopping) is
    // queued again for later, the attempt not counted: even a job on its
    // last attempt gets it back.
    let patient = jobs::enqueue(db, new("patient", 1)).await.unwrap().unwrap();
    let claimed = jobs::claim(db, "w", at(11), at(20), None).await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.attempts), (patient, 1));
    assert!(jobs::finish(db, patient, "w", &Outcome::Postponed { run_at: at(15) }, at(11)).await.unwrap());
    assert!(jobs::claim(db, "w", at(12), at(20), None).await.unwrap().is_none(), "not before its time");
    let turn = jobs::claim(db, "w", at(15), at(25), None).await.unwrap().unwrap();
    assert_eq!((turn.id, turn.attempts), (patient, 1));
    assert!(jobs::finish(db, patient, "w", &Outcome::Succeeded, at(16)).await.unwrap());
    // A dead worker's last attempt fails the job.
    let lost = jobs::enqueue(db, new("lost", 1)).await.unwrap().unwrap();
    jobs::claim(db, "w", at(11), at(20), None).await.unwrap().unwrap();
    assert_eq!(jobs::release_expired(db, at(21)).await.unwrap(), 1);
    let lost = jobs::find(db, JobsOf::Platform(&root), lost).await.unwrap().unwrap();
    assert_eq!((lost.status, lost.last_error.as_deref()), (JobStatus::Failed, Some(jobs::WORKER_LOST)));

    // Cancelling: a queued job at once, a running one on request.
    let queued = jobs::enqueue(db, NewJob { run_at: at(3600), ..new("later", 3) }).await.unwrap().unwrap();
    assert_eq!(jobs::cancel(db, CancelledBy::Platform(&root), queued, now).await.unwrap(), Cancel::Cancelled);
    assert_eq!(jobs::cancel(db, CancelledBy::Platform(&root), queued, now).await.unwrap(), Cancel::Finished);
    let running = jobs::enqueue(db, new("long", 3)).await.unwrap().unwrap();
    jobs::claim(db, "w", at(30), at(90), None).await.unwrap().unwrap();
    assert_eq!(jobs::cancel(db, CancelledBy::Platform(&root), running, now).await.unwrap(), Cancel::Requested);
    assert_eq!(jobs::report_progress(db, running, "w", 5, None, None).await.unwrap(), Some(true));
    assert_eq!(jobs::extend_lease(db, running, "w", at(150)).await.unwrap(), Some(true));
    assert!(jobs::finish(db, running, "w", &Outcome::Cancelled, at(31)).await.unwrap());
    assert_eq!(jobs::find(db, JobsOf::Platform(&root), running).await.unwrap().unwrap().status, JobStatus::Cancelled);
    assert_eq!(
        jobs::cancel(db, CancelledBy::Platform(&root), app::model::JobId::new(), now).await.unwrap(),
        Cancel::NotFound
    );

    // A periodic job's key makes one job however often it is enqueued.
    let hourly = || NewJob { unique_key: Some("maintenance:2026-11-22T17".into()), ..new("maintenance", 3) };
    assert!(jobs::enqueue(db, hourly()).await.unwrap().is_some());
    assert!(jobs::enqueue(db, hourly()).await.unwrap().is_none());

    // An organization's jobs are its own.
    let mine = team(db, "Jo", "Jobs Co").await.owner;
    let other = team(db, "Kai", "Other Jobs Co").await.owner;
    let theirs = jobs::enqueue(db, NewJob { org: Some(mine.org_id()), ..new("import", 3) }).await.unwrap().unwrap();
    assert_eq!(jobs::recent(db, JobsOf::Organization(&mine), 10).await.unwrap().len(), 1);
    assert!(jobs::recent(db, JobsOf::Organization(&other), 10).await.unwrap().is_empty());
    assert!(jobs::find(db, JobsOf::Organization(&other), theirs).await.unwrap().is_none(), "another tenant's id");
    let other_writer = super::writer(&other);
    assert_eq!(
        jobs::cancel(db, CancelledBy::Organization(&other_writer), theirs, now).await.unwrap(),
        Cancel::NotFound
    );
    assert_eq!(
        jobs::cancel(db, CancelledBy::Platform(&root), theirs, now).await.unwrap(),
        Cancel::NotFound,
        "not a platform job"
    );
    assert!(
        jobs::recent(db, JobsOf::Platform(&root), 50).await.unwrap().iter().all(|job| job.id != theirs),
        "not a platform job"
    );
    // Finished jobs are forgotten after their time.
    let finished_before =
        jobs::recent(db, JobsOf::Platform(&root), 50).await.unwrap().iter().filter(|j| j.finished_at.is_some()).count();
    assert_eq!(jobs::forget_finished(db, at(3600)).await.unwrap(), u64::try_from(finished_before).unwrap());
}

/// Claiming is fair: the platform's own jobs (account mail) first, then
/// the organizations in turn, so one organization's flood of jobs does
/// not hold up another's.
async fn fair_job_queue(db: &Db) {
    use app::server::db::jobs::{self, NewJob};

    let now = Timestamp::now();
    let later = Timestamp::from(now.into_inner() + time::Duration::seconds(60));
    let job = |org: Option<app::model::OrgId>, kind: &'static str| NewJob {
        org,
        kind,
        payload: format!(r#"{{"kind":"{kind}"}}"#),
        max_attempts: 3,
        run_at: now,
        unique_key: None,
    };
    // Jobs left by the walk before (other organizations) are claimed
    // out of the way first.
    while jobs::claim(db, "sweeper", now, later, None).await.unwrap().is_some() {}
    let flooder = team(db, "Flo", "Flood Co").await.owner.org_id();
    let quiet = team(db, "Quinn", "Quiet Co").await.owner.org_id();
    for _ in 0..200 {
        jobs::enqueue(db, job(Some(flooder), "process_file")).await.unwrap().unwrap();
    }
    let theirs = jobs::enqueue(db, job(Some(quiet), "import_tasks")).await.unwrap().unwrap();
    let mail = jobs::enqueue(db, job(None, "mail")).await.unwrap().unwrap();

    // The mail, enqueued last, is claimed first.
    let first = jobs::claim(db, "w", now, later, Some(flooder)).await.unwrap().unwrap();
    assert_eq!(first.id, mail);
    // Then each organization in turn: the quiet one's only job comes
    // within one job of the flood, however the turn stood.
    let mut last = Some(flooder);
    let mut order = Vec::new();
    for _ in 0..3 {
        let claimed = jobs::claim(db, "w", now, later, last).await.unwrap().unwrap();
        last = claimed.org_id;
        order.push(claimed.id);
    }
    assert!(order[..2].contains(&theirs), "the quiet organization waited behind the flood: {order:?}");
    // Every job is claimed once, the flood to its end.
    let mut flood = order.iter().filter(|id| **id != theirs).count();
    while let Some(claimed) = jobs::claim(db, "w", now, later, last).await.unwrap() {
        assert_eq!(claimed.org_id, Some(flooder));
        last = claimed.org_id;
        flood += 1;
    }
    assert_eq!(flood, 200);
}

/// An import commits each batch with its counts, its refused rows and
/// its resume point, or nothing; an ended import stays ended; an import
/// whose job ended without ending it is ended failed with the job's error.
async fn resumable_imports(db: &Db) {
    use app::model::{ImportMapping, ImportStatus, TaskImportId};
    use app::server::db::imports::{self, Batch, Refusal};
    use app::server::db::jobs::{self, NewJob, Outcome};

    let team = team(db, "Imogen", "Import Co").await;
    let writer = writer(&team.owner);
    let project = projects::insert(db, &writer, &pname("Imported"), &desc(""), projects::created_event(&writer))
        .await
        .unwrap()
        .id;
    let columns = vec!["title".to_owned()];
    let new_import = || async {
        let id = TaskImportId::new();
        imports::insert(db, &writer, id, project, "tasks.csv", 10, &columns).await.unwrap();
        assert!(
            imports::start(db, &writer, id, &ImportMapping::default(), &super::event(&writer, "tasks.imported"))
                .await
                .unwrap()
        );
        id
    };
    let import = new_import().await;
    let refused = |record: i64| Refusal {
        record,
        line: record + 2,
        reason: "Title: missing".into(),
        cells: vec![String::new(), "x".into()],
    };
    let rows = [(fields("One"), false), (fields("Two"), true)];
    let first = Batch { tasks: &rows, refused: &[refused(2)], records: 3, total: 5 };
    let ids = imports::commit_batch(db, &writer, import, project, &first).await.unwrap().unwrap();
    assert_eq!(ids.len(), 2);
    let (found, consumed) = imports::find_for_run(db, team.owner.org_id(), import).await.unwrap().unwrap();
    assert_eq!((consumed, found.rows_imported, found.rows_failed, found.rows_total), (3, 2, 1, Some(5)));
    let done = tasks::find(db, &team.owner, ids[1]).await.unwrap().unwrap();
    assert!(done.completed_at.is_some(), "a done row is completed in its batch");
    // Each imported task has its event, written with the batch.
    let created: Vec<(String, String, bool)> = events::list_after(db, team.owner.org_id(), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "task.created")
        .map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            (e.resource_id, data["title"].as_str().unwrap().to_owned(), data["completed"].as_bool().unwrap())
        })
        .collect();
    let expected = [(ids[0].to_string(), "One".to_owned(), false), (ids[1].to_string(), "Two".to_owned(), true)];
    assert_eq!(created, expected);
    assert!(tasks::find(db, &team.owner, ids[0]).await.unwrap().unwrap().completed_at.is_none());
    // A batch of refused rows only still moves the resume point.
    let second = Batch { tasks: &[], refused: &[refused(3), refused(4)], records: 2, total: 5 };
    assert_eq!(imports::commit_batch(db, &writer, import, project, &second).await.unwrap(), Some(Vec::new()));
    let kept = imports::refusals(db, team.owner.org_id(), import).await.unwrap();
    assert_eq!(kept.iter().map(|r| r.record).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(kept[0], refused(2));
    assert!(imports::end(db, team.owner.org_id(), import, ImportStatus::Succeeded, None).await.unwrap());
    // Ended: a late batch writes nothing, and the end stays as it was.
    let late = Batch { tasks: &rows, refused: &[], records: 2, total: 5 };
    assert_eq!(imports::commit_batch(db, &writer, import, project, &late).await.unwrap(), None);
    assert!(!imports::end(db, team.owner.org_id(), import, ImportStatus::Failed, Some("late")).await.unwrap());
    let (found, consumed) = imports::find_for_run(db, team.owner.org_id(), import).await.unwrap().unwrap();
    assert_eq!((found.status, consumed, found.rows_imported), (ImportStatus::Succeeded, 5, 2));
    // Another organization sees none of it.
    let other = team_other(db).await;
    assert!(imports::refusals(db, other, import).await.unwrap().is_empty());
    assert!(imports::find_for_run(db, other, import).await.unwrap().is_none());

    // An import whose job failed for good without ending it is ended
    // failed, with the job's error; one whose job still runs is not.
    let now = Timestamp::now();
    let later = Timestamp::from(now.into_inner() + time::Duration::seconds(60));
    let orphan = new_import().await;
    let running = new_import().await;
    for (import, kind) in [(orphan, "import_tasks"), (running, "import_tasks")] {
        let job = jobs::enqueue(
            db,
            NewJob {
                org: Some(team.owner.org_id()),
                kind,
                payload: "{}".into(),
                max_attempts: 1,
                run_at: now,
                unique_key: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
        imports::set_job(db, &writer, import, job).await.unwrap();
        let claimed = jobs::claim(db, "w", now, later, None).await.unwrap().unwrap();
        if import == orphan {
            let failed = Outcome::GaveUp { error: "the disk is gone".into() };
            assert!(jobs::finish(db, claimed.id, "w", &failed, now).await.unwrap());
        }
    }
    assert_eq!(imports::end_orphaned(db).await.unwrap(), 1);
    let (ended, _) = imports::find_for_run(db, team.owner.org_id(), orphan).await.unwrap().unwrap();
    assert_eq!((ended.status, ended.error.as_deref()), (ImportStatus::Failed, Some("the disk is gone")));
    let (still, _) = imports::find_for_run(db, team.owner.org_id(), running).await.unwrap().unwrap();
    assert_eq!(still.status, ImportStatus::Importing);
    assert_eq!(imports::end_orphaned(db).await.unwrap(), 0);
}

/// An organization of nobody in particular.
async fn team_other(db: &Db) -> app::model::OrgId {
    team(db, "Ivo", "Other Import Co").await.owner.org_id()
}

/// An unaudited licensing event by the member of `ctx`, for the writes
/// that record the event their caller gives.
fn ev(ctx: &OrgCtx) -> app::server::db::events::NewEvent {
    super::event(ctx, "licensing.changed")
}

/// Every event of the organization of `ctx`, in order: (type, resource
/// type, resource id).
async fn outbox_of(db: &Db, ctx: &OrgCtx) -> Vec<(String, String, String)> {
    let events = events::list_after(db, ctx.org_id(), 0, 1000).await.unwrap();
    assert!(events.windows(2).all(|pair| pair[0].seq < pair[1].seq), "in seq order");
    events.into_iter().map(|e| (e.kind, e.resource_type, e.resource_id)).collect()
}

/// The outbox: each change writes exactly its event (and a change that
/// does not happen writes none), an audited event writes its audit row
/// with it, and nobody rewrites events.
async fn outbox(db: &Db) {
    let team = team(db, "Oona", "Outbox").await;
    let (ctx, w) = (&team.owner, writer(&team.owner));
    let at = |kind: &str, resource: &str, id: &dyn ToString| (kind.to_owned(), resource.to_owned(), id.to_string());
    // The sign-up recorded the organization's first event.
    assert_eq!(outbox_of(db, ctx).await, [at("organization.created", "organization", &ctx.org_id())]);

    // Projects: created (the event its caller makes), updated (its own).
    let project =
        projects::insert(db, &w, &ProjectName::parse("Launch").unwrap(), &desc(""), projects::created_event(ctx))
            .await
            .unwrap();
    let renamed = projects::update(db, &w, project.id, &ProjectName::parse("Launch 2").unwrap(), &desc("Go"), None)
        .await
        .unwrap();
    let stale =
        projects::update(db, &w, project.id, &ProjectName::parse("X").unwrap(), &desc(""), Some(project.updated_at))
            .await;
    assert!(matches!(stale, Err(ProjectError::Changed)), "{stale:?}");
    assert_eq!(
        outbox_of(db, ctx).await[1..],
        [at("project.created", "project", &project.id), at("project.updated", "project", &renamed.id)]
    );
    let updated = events::list_after(db, ctx.org_id(), 0, 10).await.unwrap().pop().unwrap();
    let data: serde_json::Value = serde_json::from_str(&updated.data).unwrap();
    assert_eq!((data["name"].as_str(), updated.actor_id), (Some("Launch 2"), Some(ctx.user_id())));
    let after_projects = events::list_after(db, ctx.org_id(), 0, 10).await.unwrap().last().unwrap().seq;

    // Tasks: one event per task changed, none for a task left alone.
    let one = tasks::insert(db, &w, project.id, &fields("One")).await.unwrap();
    let two = tasks::insert(db, &w, project.id, &fields("Two")).await.unwrap();
    tasks::update(db, &w, one.id, &fields("One more"), None).await.unwrap();
    assert_eq!(tasks::set_completed(db, &w, &[one.id, two.id], true).await.unwrap(), 2);
    assert_eq!(tasks::trash(db, &w, &[two.id]).await.unwrap(), 1);
    assert_eq!(tasks::trash(db, &w, &[two.id]).await.unwrap(), 0, "trashed already: no change, no event");
    let mut since: Vec<(String, String)> = events::list_after(db, ctx.org_id(), after_projects, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.resource_id))
        .collect();
    // A bulk change's events come in the order its statement returned the
    // rows: compare as sets.
    since.sort();
    let id = |task: &app::model::Task| task.id.to_string();
    let mut expected = vec![
        ("task.created".to_owned(), id(&one)),
        ("task.created".to_owned(), id(&two)),
        ("task.updated".to_owned(), id(&one)),
        ("task.updated".to_owned(), id(&one)),
        ("task.updated".to_owned(), id(&two)),
        ("task.deleted".to_owned(), id(&two)),
    ];
    expected.sort();
    assert_eq!(since, expected);
    let created = events::list_after(db, ctx.org_id(), after_projects, 1).await.unwrap().remove(0);
    let data: serde_json::Value = serde_json::from_str(&created.data).unwrap();
    assert_eq!(
        (data["title"].as_str(), data["project_id"].as_str()),
        (Some("One"), Some(project.id.to_string().as_str()))
    );

    // An audited change writes its event and its audit row together.
    let before = outbox_of(db, ctx).await.len();
    let origin = audit::Origin { ip: Some("192.0.2.9".into()), user_agent: None };
    let event = NewEvent::audited(
        ctx.org_id(),
        AuditAction::MemberRoleChanged,
        ("member", team.member_id.to_string()),
        Some(ctx.user_id()),
        Some("oona@example.com".into()),
        origin,
        serde_json::json!({ "from": "member", "to": "guest" }),
    );
    let member = members::find(db, ctx, team.member_id).await.unwrap().unwrap();
    let change = RoleChange::authorize(&admin(ctx), &member, Role::Guest).unwrap();
    members::change_role(db, &admin(ctx), &change, &event).await.unwrap();
    let outbox = outbox_of(db, ctx).await;
    assert_eq!(outbox.len(), before + 1);
    assert_eq!(outbox[before], at("member.role-changed", "member", &team.member_id));
    let log = audit::list(db, &AuditScope::Organization(ctx.audit_viewer().unwrap()), &AuditFilter::default(), 10)
        .await
        .unwrap();
    let logged = &log.items[0];
    assert_eq!(
        (logged.action, logged.target_id.as_deref()),
        (AuditAction::MemberRoleChanged, Some(team.member_id.to_string().as_str()))
    );
    assert_eq!(logged.ip.as_deref(), Some("192.0.2.9"));
    // The same change again changes nothing and records nothing.
    let member = members::find(db, ctx, team.member_id).await.unwrap().unwrap();
    let same = RoleChange::authorize(&admin(ctx), &member, Role::Guest).unwrap();
    members::change_role(db, &admin(ctx), &same, &event).await.unwrap();
    assert_eq!(outbox_of(db, ctx).await.len(), before + 1);

    // Cycles and labels: created, updated, deleted.
    let before = outbox_of(db, ctx).await.len();
    let (from, to) = (date!(2026 - 12 - 01), date!(2026 - 12 - 14));
    let cycle =
        cycles::insert(db, &w, project.id, &CycleName::parse("Sprint").unwrap(), from, to).await.unwrap().unwrap();
    cycles::update(db, &w, cycle.id, &CycleName::parse("Sprint 1").unwrap(), from, to, None).await.unwrap().unwrap();
    assert!(cycles::delete(db, &w, cycle.id).await.unwrap());
    assert!(!cycles::delete(db, &w, cycle.id).await.unwrap());
    let label = labels::insert(db, &w, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    labels::update(db, &w, label.id, &LabelName::parse("defect").unwrap(), LabelColor::Blue, None).await.unwrap();
    assert!(labels::delete(db, &w, label.id).await.unwrap());
    assert!(!labels::delete(db, &w, label.id).await.unwrap());
    assert_eq!(
        outbox_of(db, ctx).await[before..],
        [
            at("cycle.created", "cycle", &cycle.id),
            at("cycle.updated", "cycle", &cycle.id),
            at("cycle.deleted", "cycle", &cycle.id),
            at("label.created", "label", &label.id),
            at("label.updated", "label", &label.id),
            at("label.deleted", "label", &label.id),
        ]
    );
    let total = before + 6;

    // Append-only on both backends.
    for sql in ["UPDATE events SET type = 'forged'", "DELETE FROM events"] {
        let refused = match db {
            Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Db::Postgres(pool) => {
                async {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SELECT set_config('app.org_id', '*', true)").execute(&mut *tx).await?;
                    sqlx::query(sql).execute(&mut *tx).await?;
                    tx.commit().await
                }
                .await
            }
        };
        let message = refused.expect_err(sql).to_string();
        assert!(message.contains("append-only"), "{message}");
    }
    assert_eq!(outbox_of(db, ctx).await.len(), total, "nothing rewritten, nothing removed");
}

/// An unaudited `machine.created` event of a machine of `license`, for
/// the activations the story makes.
fn machine_ev(
    license: &app::server::db::license_api::ApiLicense,
) -> impl FnOnce(app::model::MachineId) -> NewEvent + use<> {
    let org = license.org_id();
    move |id| NewEvent::change(org, "machine.created", ("machine", id.to_string()), None, serde_json::json!({}))
}

/// An unaudited `license.checked-in` event of `license`.
fn checked_in_ev(license: &app::server::db::license_api::ApiLicense) -> NewEvent {
    let resource = ("license", license.id().to_string());
    NewEvent::change(license.org_id(), "license.checked-in", resource, None, serde_json::json!({}))
}

/// An unaudited `invitation.accepted` event of `invitation`.
fn accepted_ev(invitation: &invitations::LinkedInvitation) -> NewEvent {
    let resource = ("organization", invitation.org_id.to_string());
    NewEvent::change(invitation.org_id, "invitation.accepted", resource, None, serde_json::json!({}))
}
