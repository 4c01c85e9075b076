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
mod common;

use app::{
    model::{
        AssigneeFilter, CycleName, LabelColor, LabelName, Page, Priority, ProjectDescription, ProjectName, ProjectView,
        SortDir, StatusFilter, Task, TaskDescription, TaskQuery, TaskSort,
    },
    server::db::{
        cycles, dashboard, labels,
        projects::{self, ProjectError},
        tasks,
    },
};
use common::{fields, team, with};
use time::macros::date;
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
    assert!(orgs::is_member(db, &ctx, ada.id).await.unwrap());
    assert!(!orgs::is_member(db, &ctx, grace.id).await.unwrap(), "a member of another organization only");
    assert!(!orgs::is_member(db, &ctx, UserId::new()).await.unwrap());

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

fn titles(page: &Page<Task>) -> Vec<&str> {
    page.items.iter().map(|t| t.title.as_str()).collect()
}

/// Projects, labels, cycles, tasks and the dashboard: every repository
/// function of the work feature, with the semantics that could drift
/// between backends (uniqueness, ordering, NULLs, search) pinned down.
async fn work_story(db: &Db) {
    let acme = team(db, "Wren", "Acme").await;
    let globex = team(db, "Gus", "Globex").await;
    let ctx = &acme.owner;

    // --- projects --------------------------------------------------------
    let website = projects::insert(db, ctx, &pname("Website"), &desc("The site")).await.unwrap();
    assert!(matches!(projects::insert(db, ctx, &pname("WEBSITE"), &desc("")).await, Err(ProjectError::NameTaken)));
    // Another organization may use the same name.
    let their_site = projects::insert(db, &globex.owner, &pname("Website"), &desc("")).await.unwrap();
    for name in ["beta", "Alpha", "Émile", "zulu"] {
        projects::insert(db, ctx, &pname(name), &desc("")).await.unwrap();
    }
    let page = projects::list(db, ctx, ProjectView::Active, 25, 0).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|p| p.project.name.as_str()).collect();
    // Bytewise order of the lowercased name, on both backends.
    assert_eq!(names, ["Alpha", "beta", "Website", "zulu", "Émile"]);
    assert_eq!((page.total, page.has_more), (5, false));
    let second = projects::list(db, ctx, ProjectView::Active, 2, 2).await.unwrap();
    assert_eq!(second.items.len(), 2);
    assert!(second.has_more);
    assert_eq!(projects::find(db, ctx, their_site.id).await.unwrap(), None, "another tenant's project");
    assert_eq!(projects::count_active(db, ctx).await.unwrap(), 5);

    let renamed = projects::update(db, ctx, website.id, &pname("Web site"), &desc("New")).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("Web site", "New"));
    assert!(matches!(
        projects::update(db, ctx, their_site.id, &pname("X"), &desc("")).await,
        Err(ProjectError::NotFound)
    ));

    let zulu = page.items.iter().find(|p| p.project.name == "zulu").unwrap().project.id;
    assert!(projects::set_archived(db, ctx, zulu, true).await.unwrap().archived_at.is_some());
    assert_eq!(projects::list(db, ctx, ProjectView::Archived, 25, 0).await.unwrap().total, 1);
    assert_eq!(projects::count_active(db, ctx).await.unwrap(), 4);
    assert!(projects::set_archived(db, ctx, zulu, false).await.unwrap().archived_at.is_none());

    let trashed = projects::trash(db, ctx, zulu).await.unwrap();
    assert!(trashed.deleted_at.is_some());
    assert_eq!(projects::list(db, ctx, ProjectView::Trash, 25, 0).await.unwrap().items[0].project.id, zulu);
    // A trashed name is free again, and then its project cannot come back
    // under it.
    let new_zulu = projects::insert(db, ctx, &pname("Zulu"), &desc("")).await.unwrap();
    assert!(matches!(projects::restore(db, ctx, zulu).await, Err(ProjectError::NameTaken)));
    projects::update(db, ctx, new_zulu.id, &pname("Zulu two"), &desc("")).await.unwrap();
    assert!(projects::restore(db, ctx, zulu).await.unwrap().deleted_at.is_none());
    projects::trash(db, ctx, zulu).await.unwrap();
    assert!(matches!(projects::update(db, ctx, zulu, &pname("Q"), &desc("")).await, Err(ProjectError::NotFound)));
    let live: Vec<_> = projects::list_live(db, ctx).await.unwrap().into_iter().map(|p| p.id).collect();
    assert!(!live.contains(&zulu) && live.contains(&website.id));

    // --- labels ----------------------------------------------------------
    let bug = labels::insert(db, ctx, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    let ux = labels::insert(db, ctx, &LabelName::parse("UX").unwrap(), LabelColor::Teal).await.unwrap();
    assert!(matches!(
        labels::insert(db, ctx, &LabelName::parse("BUG").unwrap(), LabelColor::Gray).await,
        Err(labels::LabelError::NameTaken)
    ));
    let their_label =
        labels::insert(db, &globex.owner, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    assert_eq!(labels::list(db, ctx).await.unwrap().iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["bug", "UX"]);
    assert!(labels::all_exist(db, ctx, &[bug.id, ux.id, bug.id]).await.unwrap());
    assert!(!labels::all_exist(db, ctx, &[bug.id, their_label.id]).await.unwrap());
    let ux = labels::update(db, ctx, ux.id, &LabelName::parse("Design").unwrap(), LabelColor::Purple).await.unwrap();
    assert!(matches!(
        labels::update(db, ctx, their_label.id, &LabelName::parse("x").unwrap(), LabelColor::Red).await,
        Err(labels::LabelError::NotFound)
    ));

    // --- cycles ----------------------------------------------------------
    let sprint = cycles::insert(
        db,
        ctx,
        website.id,
        &CycleName::parse("Sprint 1").unwrap(),
        date!(2026 - 11 - 16),
        date!(2026 - 11 - 29),
    )
    .await
    .unwrap();
    let later = cycles::insert(
        db,
        ctx,
        website.id,
        &CycleName::parse("Sprint 0").unwrap(),
        date!(2026 - 11 - 02),
        date!(2026 - 11 - 15),
    )
    .await
    .unwrap();
    let listed = cycles::list_for_project(db, ctx, website.id).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [later.id, sprint.id], "by start date");
    assert_eq!(cycles::find(db, &globex.owner, sprint.id).await.unwrap(), None);
    let renamed = cycles::update(
        db,
        ctx,
        later.id,
        &CycleName::parse("Sprint zero").unwrap(),
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 14),
    )
    .await
    .unwrap()
    .expect("updated");
    assert_eq!(
        (renamed.name.as_str(), renamed.starts_on, renamed.ends_on),
        ("Sprint zero", date!(2026 - 11 - 01), date!(2026 - 11 - 14))
    );
    let theirs = cycles::update(
        db,
        &globex.owner,
        later.id,
        &CycleName::parse("Stolen").unwrap(),
        date!(2026 - 11 - 01),
        date!(2026 - 11 - 02),
    )
    .await
    .unwrap();
    assert_eq!(theirs, None, "another organization's cycle is not found");
    assert_eq!(cycles::find(db, ctx, later.id).await.unwrap().unwrap().name, "Sprint zero");

    // --- tasks -----------------------------------------------------------
    let today = date!(2026 - 11 - 21);
    let me = acme.member_id;
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
        created.push(tasks::insert(db, ctx, website.id, spec, me).await.unwrap());
    }
    let banana = &created[0];
    assert_eq!(banana.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["bug", "Design"]);
    assert_eq!(created[1].assignee.as_ref().unwrap().display_name, "Wren Member");
    assert_eq!(tasks::find(db, &globex.owner, banana.id).await.unwrap(), None);

    let member = &acme.member;
    let list = |query: TaskQuery| async move { tasks::list(db, member, website.id, &query, today).await.unwrap() };
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
        titles(&list(q(|q| (q.sort, q.dir) = (TaskSort::Due, SortDir::Desc))).await)[..3],
        ["banana", "éclair", "Apple"]
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

    // Pagination arithmetic.
    let page = list(q(|q| (q.limit, q.offset) = (2, 0))).await;
    assert_eq!((page.items.len(), page.total, page.has_more), (2, 5, true));
    let last = list(q(|q| (q.limit, q.offset) = (2, 4))).await;
    assert_eq!((last.items.len(), last.has_more), (1, false));
    let beyond = list(q(|q| (q.limit, q.offset) = (2, 10))).await;
    assert_eq!((beyond.items.len(), beyond.total, beyond.has_more), (0, 5, false));

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
    let updated = tasks::update(db, ctx, banana.id, &edit).await.unwrap().unwrap();
    assert_eq!((updated.title.as_str(), updated.due_on, updated.labels.len()), ("Banana split", None, 1));
    assert_eq!(tasks::update(db, &globex.owner, banana.id, &edit).await.unwrap(), None, "another tenant's task");

    // Bulk: counts, moves (leaving the cycle), assigns, deletes.
    let all: Vec<_> = created.iter().map(|t| t.id).collect();
    assert_eq!(tasks::count_found_and_writable(db, ctx, &all).await.unwrap(), (5, 5));
    assert_eq!(tasks::count_found_and_writable(db, &globex.owner, &all).await.unwrap(), (0, 0));
    let alpha = projects::list_live(db, ctx).await.unwrap().into_iter().find(|p| p.name == "Alpha").unwrap();
    assert_eq!(tasks::move_to_project(db, ctx, &[banana.id], alpha.id).await.unwrap(), 1);
    let moved = tasks::find(db, ctx, banana.id).await.unwrap().unwrap();
    assert_eq!((moved.project_id, moved.cycle_id), (alpha.id, None));
    assert_eq!(tasks::assign(db, ctx, &all, None).await.unwrap(), 5);
    assert_eq!(list(q(|q| q.assignee = Some(AssigneeFilter::Nobody))).await.total, 4);
    assert_eq!(tasks::assign(db, ctx, &[created[4].id], Some(me)).await.unwrap(), 1);
    // Archived projects' tasks are read-only.
    projects::set_archived(db, ctx, alpha.id, true).await.unwrap();
    assert_eq!(tasks::count_found_and_writable(db, ctx, &[banana.id, created[1].id]).await.unwrap(), (2, 1));
    assert_eq!(tasks::set_completed(db, ctx, &[banana.id], true).await.unwrap(), 0);
    assert_eq!(tasks::delete(db, ctx, &[banana.id]).await.unwrap(), 0);
    projects::set_archived(db, ctx, alpha.id, false).await.unwrap();
    assert_eq!(tasks::delete(db, &globex.owner, &all).await.unwrap(), 0, "another tenant's tasks");

    // --- dashboard -------------------------------------------------------
    // Open in active projects: Apple, éclair, date 500 off, banana (Alpha).
    assert_eq!(dashboard::open_task_count(db, ctx).await.unwrap(), 4);
    assert_eq!(dashboard::overdue_count(db, ctx, today).await.unwrap(), 1);
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

    // --- export: batches of one snapshot --------------------------------
    let (sender, mut receiver) = tokio::sync::mpsc::channel(8);
    let everything = q(|_| {});
    tasks::export(db, ctx, website.id, &everything, today, 2, sender).await;
    let mut exported = Vec::new();
    while let Some(batch) = receiver.recv().await {
        let batch = batch.unwrap();
        assert!(batch.len() <= 2);
        exported.extend(batch.into_iter().map(|t| t.title));
    }
    assert_eq!(exported, ["date 500 off", "éclair", "cherry", "Apple"]);

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
    assert!(labels::delete(db, ctx, bug.id).await.unwrap());
    assert!(tasks::find(db, ctx, created[2].id).await.unwrap().unwrap().labels.is_empty());
    assert!(!labels::delete(db, ctx, their_label.id).await.unwrap());
    assert_eq!(tasks::delete(db, ctx, &[created[4].id]).await.unwrap(), 1);

    // The guest reads like anyone; the key only opens its own tenant.
    assert_eq!(tasks::list(db, &acme.guest, website.id, &everything, today).await.unwrap().total, 3);

    // --- the trash purge (maintenance, all tenants) ----------------------
    // Zulu went to the trash just now: it stays for 30 days, then goes.
    let now = time::OffsetDateTime::now_utc();
    let purge_at = |days: i64| projects::purge_expired_trash(db, now + time::Duration::days(days));
    assert_eq!(purge_at(0).await.unwrap(), 0);
    assert_eq!(purge_at(29).await.unwrap(), 0, "29 days in the trash");
    assert!(projects::find(db, ctx, zulu).await.unwrap().is_some());
    assert_eq!(purge_at(31).await.unwrap(), 1, "31 days in the trash");
    assert_eq!(projects::find(db, ctx, zulu).await.unwrap(), None);
}

#[tokio::test]
async fn repositories_behave_the_same_on_sqlite() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    db.migrate().await.unwrap();
    story(&db).await;
    work_story(&db).await;
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
    work_story(&db).await;
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
