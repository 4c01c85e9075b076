//! Fixtures shared by the database test binaries.

#![allow(dead_code, reason = "each test binary uses a different part")]

pub mod story;

use app::{
    model::{
        Action, DisplayName, Email, OrgName, OrgSummary, Plan, Priority, Role, TaskDescription, TaskFields, TaskTitle,
        UserId,
    },
    server::{
        ctx::{Admin, OrgCtx, Owner, Writer},
        db::{
            Db, orgs,
            users::{self, NewUser},
        },
    },
};

pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

/// Signs up `name` <`name`@example.com> with an organization `org`.
pub async fn sign_up(db: &Db, name: &str, org: &str) -> (UserId, OrgSummary) {
    let email = Email::parse(&format!("{}@example.com", name.to_lowercase().replace(' ', "."))).unwrap();
    let display = DisplayName::parse(name).unwrap();
    let new = NewUser {
        email: &email,
        display_name: &display,
        password_hash: HASH,
        is_platform_admin: false,
        email_verified: false,
    };
    let (user, org) = users::insert_with_organization(
        db,
        new,
        (&OrgName::parse(org).unwrap(), Plan::Enterprise),
        users::founded_event,
    )
    .await
    .unwrap();
    (user.id, org)
}

/// An organization with an Owner, a Member and a Guest, and the context of
/// each.
pub struct Team {
    pub owner: OrgCtx,
    pub member: OrgCtx,
    pub guest: OrgCtx,
    pub member_id: UserId,
}

pub async fn team(db: &Db, owner: &str, org: &str) -> Team {
    let (owner_id, summary) = sign_up(db, owner, org).await;
    let (member_id, _) = sign_up(db, &format!("{owner} Member"), &format!("{org} M")).await;
    let (guest_id, _) = sign_up(db, &format!("{owner} Guest"), &format!("{org} G")).await;
    let owner_ctx = OrgCtx::load(db, owner_id, &summary.slug).await.unwrap();
    orgs::add_member(db, &admin(&owner_ctx), member_id, Role::Member).await.unwrap();
    orgs::add_member(db, &admin(&owner_ctx), guest_id, Role::Guest).await.unwrap();
    Team {
        member: OrgCtx::load(db, member_id, &summary.slug).await.unwrap(),
        guest: OrgCtx::load(db, guest_id, &summary.slug).await.unwrap(),
        owner: owner_ctx,
        member_id,
    }
}

/// The writer's capability of a member (or above).
pub fn writer(ctx: &OrgCtx) -> Writer {
    ctx.writer(Action::EditTasks).expect("a Member or above")
}

/// The owner's capability of an Owner.
pub fn owner(ctx: &OrgCtx) -> Owner {
    ctx.owner(Action::DeleteOrganization).expect("an Owner")
}

/// The admin's capability of an Admin or Owner.
pub fn admin(ctx: &OrgCtx) -> Admin {
    ctx.admin(Action::PurgeTasks).expect("an Admin or Owner")
}

/// Task fields with a title and defaults for the rest.
pub fn fields(title: &str) -> TaskFields {
    TaskFields {
        title: TaskTitle::parse(title).unwrap(),
        description: TaskDescription::parse("").unwrap(),
        priority: Priority::None,
        due_on: None,
        assignee: None,
        cycle: None,
        labels: Vec::new(),
    }
}

pub fn with(title: &str, edit: impl FnOnce(&mut TaskFields)) -> TaskFields {
    let mut f = fields(title);
    edit(&mut f);
    f
}

/// An unaudited outbox event `kind` by the member of `ctx`, for the
/// repository writes that record the event their caller gives.
pub fn event(ctx: &OrgCtx, kind: &str) -> app::server::db::events::NewEvent {
    let resource = ("test", ctx.user_id().to_string());
    app::server::db::events::NewEvent::change(ctx.org_id(), kind, resource, Some(ctx.user_id()), serde_json::json!({}))
}
