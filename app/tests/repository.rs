//! The repository story: one walk through every repository function, run
//! on SQLite always and on PostgreSQL when `TEST_DATABASE_URL` is set, so
//! the two backends are held to the same behaviour.

use app::{
    error::AppError,
    model::{DisplayName, Email, OrgName, Role, UserId},
    server::{
        ctx::OrgCtx,
        db::{
            Backend, Db, Timestamp, orgs,
            testing::{drop_postgres, fresh_postgres, postgres_test_url},
            users::{self, CreateUserError, NewUser},
        },
        session_store::SessionDb,
    },
};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

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
    }
}

async fn story(db: &Db) {
    // --- users ---------------------------------------------------------
    let ada_email = email("ada@example.com");
    let ada_name = name("Ada Lovelace");
    let (ada, acme) = users::insert_with_organization(db, new_user(&ada_email, &ada_name), &org("Acme Rockets"))
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
    let again =
        users::insert_with_organization(db, new_user(&email("Ada@Example.com"), &ada_name), &org("Ghost Org")).await;
    assert!(matches!(again, Err(CreateUserError::EmailTaken)), "{again:?}");
    let dup = users::insert(db, new_user(&ada_email, &ada_name)).await;
    assert!(matches!(dup, Err(CreateUserError::EmailTaken)), "{dup:?}");

    // A second organization of the same name gets the next free slug.
    let grace_email = email("grace@example.com");
    let grace_name = name("Grace Hopper");
    let (grace, acme2) =
        users::insert_with_organization(db, new_user(&grace_email, &grace_name), &org("ACME rockets!")).await.unwrap();
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
    let ctx = OrgCtx::load(db, ada.id, &acme.slug, Role::Owner).await.unwrap();
    assert_eq!(ctx.org_id(), acme.id);
    assert_eq!(orgs::member_count(db, &ctx).await.unwrap(), 1);
    for (user, slug) in [(grace.id, acme.slug.as_str()), (ada.id, "no-such-org"), (ada.id, "Not A Slug")] {
        let denied = OrgCtx::load(db, user, slug, Role::Guest).await;
        assert!(matches!(denied, Err(AppError::NotFound)), "{slug}: {denied:?}");
    }
    let grace_ctx = OrgCtx::load(db, grace.id, &acme2.slug, Role::Guest).await.unwrap();
    assert_eq!(orgs::member_count(db, &grace_ctx).await.unwrap(), 1);

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

#[tokio::test]
async fn repositories_behave_the_same_on_sqlite() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    db.migrate().await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn repositories_behave_the_same_on_postgres() {
    let Some(server) = postgres_test_url() else {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: PostgreSQL half skipped");
        return;
    };
    let (db, name) = fresh_postgres(&server).await.expect("a fresh PostgreSQL database");
    assert_eq!(db.backend(), Backend::Postgres);
    story(&db).await;
    drop_postgres(db, &server, &name).await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
}

#[test]
fn timestamps_are_microsecond_utc() {
    let now = Timestamp::now().into_inner();
    assert_eq!(now.nanosecond() % 1_000, 0);
    assert!(now.offset().is_utc());
}
