//! One tenant's lists are read off the index of their order whatever the
//! other tenants hold, on SQLite and PostgreSQL.
//!
//! The data is the mix that once changed plans: a small organization made
//! first, a large one made after it (its tasks newer, ten times as many,
//! half of them done), and another small one made after that. PostgreSQL's
//! statistics are then gathered (`VACUUM ANALYZE`); SQLite runs without
//! any, as the application does (its planner then goes by the statements'
//! shape alone; `ANALYZE`'s averages would make it read the open list's
//! later pages off the live index). For each small organization, each list
//! the task list offers (every order both ways, every filter an index
//! serves, every status, first pages and pages after a cursor) must read
//! the tasks through the index named for it, in the plan PostgreSQL makes
//! for the arguments and in the generic plan it switches to after five
//! runs. How long the lists take at these sizes is the load benchmark's
//! `--size` mode; this test holds the plans, which decide it.

mod common;

use app::{
    model::{
        AssigneeFilter, LabelColor, LabelName, Priority, ProjectDescription, ProjectName, SortDir, StatusFilter,
        TaskFields, TaskQuery, TaskSort,
    },
    server::{
        ctx::OrgCtx,
        db::{
            Db, labels, projects, task_list, tasks,
            testing::{self, Plan, database_url, drop_postgres, fresh_postgres, postgres_test_url},
        },
    },
};
use common::{admin, team, writer};

/// A project of `count` generated tasks in `ctx`'s organization: every
/// `done_every`th done, 19 of every 500 in the trash.
async fn project_of(db: &Db, ctx: &OrgCtx, assignee: app::model::UserId, count: usize, done_every: usize) {
    let admin = &admin(ctx);
    let name = ProjectName::parse("Launch").unwrap();
    let project =
        projects::insert(db, admin, &name, &ProjectDescription::parse("").unwrap(), projects::created_event(admin))
            .await
            .unwrap();
    let label = labels::insert(db, admin, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    let writer = &writer(ctx);
    let mut made = 0;
    while made < count {
        let chunk: Vec<TaskFields> =
            (made..count.min(made + 500)).map(|i| testing::sample_task(i, assignee, label.id)).collect();
        made += chunk.len();
        let ids = tasks::insert_many(db, writer, project.id, &chunk).await.unwrap();
        let done: Vec<_> = ids.iter().copied().step_by(done_every).collect();
        tasks::set_completed(db, writer, &done, true).await.unwrap();
        tasks::trash(db, writer, &ids[1..20]).await.unwrap();
    }
}

/// The lists of the small organization `ctx`'s project, each with the
/// index that must read its tasks.
async fn lists(db: &Db, ctx: &OrgCtx) -> Vec<(TaskQuery, &'static str)> {
    let project = &projects::list_live(db, ctx).await.unwrap()[0];
    let label = labels::list(db, ctx).await.unwrap()[0].id;
    let mut lists = Vec::new();
    for sort in TaskSort::ALL {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let index = match (sort, dir) {
                (TaskSort::Created, _) => "tasks_open_idx",
                (TaskSort::Updated, _) => "tasks_open_updated_idx",
                (TaskSort::Due, SortDir::Asc) => "tasks_open_due_asc_idx",
                (TaskSort::Due, SortDir::Desc) => "tasks_open_due_desc_idx",
                (TaskSort::Priority, _) => "tasks_open_priority_idx",
                (TaskSort::Title, _) => "tasks_open_title_idx",
            };
            lists.push((TaskQuery { sort, dir, ..TaskQuery::default() }, index));
        }
    }
    for (query, index) in [
        (TaskQuery { assignee: Some(AssigneeFilter::Me), ..TaskQuery::default() }, "tasks_open_assignee_idx"),
        (
            TaskQuery { assignee: Some(AssigneeFilter::User(ctx.user_id())), ..TaskQuery::default() },
            "tasks_open_assignee_idx",
        ),
        // Either reads the open unassigned tasks alone, in creation order
        // (`assignee_id IS NULL` is an equality to SQLite's planner).
        (
            TaskQuery { assignee: Some(AssigneeFilter::Nobody), ..TaskQuery::default() },
            "tasks_open_unassigned_idx|tasks_open_assignee_idx",
        ),
        (TaskQuery { priority: Some(Priority::High), ..TaskQuery::default() }, "tasks_open_priority_filter_idx"),
        // The label's tasks are looked up by key along the list's order.
        (TaskQuery { label: Some(label), ..TaskQuery::default() }, "tasks_open_idx"),
        // Filters no index orders: the page is first looked for in the
        // window of the list's next tasks, read off the order's index.
        (TaskQuery { q: "launch".into(), ..TaskQuery::default() }, "tasks_open_idx"),
        (
            TaskQuery { overdue: true, sort: TaskSort::Due, dir: SortDir::Asc, ..TaskQuery::default() },
            "tasks_open_due_asc_idx",
        ),
        (TaskQuery { status: StatusFilter::Done, ..TaskQuery::default() }, "tasks_done_idx"),
        (TaskQuery { status: StatusFilter::All, ..TaskQuery::default() }, "tasks_live_idx"),
        (TaskQuery { status: StatusFilter::Trash, ..TaskQuery::default() }, "tasks_trash_idx"),
    ] {
        lists.push((query, index));
    }
    // Each again from the middle of its list: keyset pages after a task.
    let today = time::macros::date!(2026 - 11 - 21);
    let mut after = Vec::new();
    for (query, index) in &lists {
        let task_list::Listed::Page(page) = task_list::list(db, ctx, project, query, today).await.unwrap() else {
            unreachable!("no cursor")
        };
        assert!(page.items.len() > 10, "{query:?} lists tasks to page through");
        after.push((query.page_after(page.items[10].id), *index));
    }
    lists.extend(after);
    lists
}

/// Whether `plan` reads the tasks aliased `alias` through `indexes` (one
/// index, or equally good ones separated by `|`).
fn reads(plan: &Plan, alias: &str, indexes: &str) -> bool {
    indexes.split('|').any(|index| reads_through(plan, alias, index))
}

fn reads_through(plan: &Plan, alias: &str, index: &str) -> bool {
    plan.lines.iter().any(|line| match plan.kind {
        "sqlite" => {
            line.starts_with(&format!("SEARCH {alias} USING "))
                && (line.contains(&format!("INDEX {index} ")) || line.ends_with(&format!("INDEX {index}")))
        }
        _ => line.contains(&format!(" using {index} on tasks {alias} ")),
    })
}

/// Every list of both small organizations through its index.
async fn lists_keep_their_indexes(db: &Db, small_first: &OrgCtx, small_after: &OrgCtx) {
    let today = time::macros::date!(2026 - 11 - 21);
    let mut failures = Vec::new();
    let mut checked = 0;
    for ctx in [small_first, small_after] {
        let project = &projects::list_live(db, ctx).await.unwrap()[0];
        for (query, index) in lists(db, ctx).await {
            let statements = task_list::page_statements(db, ctx, project, &query, today).await.unwrap().unwrap();
            // The window's statement when there is one (the filter's own
            // index serves the statement after it, when the window falls
            // short), else the page's.
            let alias = if statements.len() == 2 { "w" } else { "t" };
            let statement = &statements[0];
            for plan in testing::explain(db, ctx.org_id(), statement).await.unwrap() {
                checked += 1;
                if !reads(&plan, alias, index) {
                    failures.push(format!(
                        "{} plan of {query:?}: not through {index}\n{}\n  {}",
                        plan.kind,
                        statement.text(),
                        plan.lines.join("\n  ")
                    ));
                }
            }
        }
    }
    assert!(checked >= 2 * 2 * 20, "plans checked: {checked}");
    assert!(failures.is_empty(), "{} lists left their index:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The three organizations: small, large (newer), small again.
async fn tenant_mix(db: &Db) -> (OrgCtx, OrgCtx) {
    let first = team(db, "Ada", "First").await;
    project_of(db, &first.owner, first.member_id, 600, 7).await;
    let large = team(db, "Lin", "Large").await;
    project_of(db, &large.owner, large.member_id, 6_000, 2).await;
    let after = team(db, "Kim", "After").await;
    project_of(db, &after.owner, after.member_id, 600, 7).await;
    (first.member, after.member)
}

#[tokio::test]
async fn lists_keep_their_indexes_beside_a_larger_tenant_on_sqlite() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let (first, after) = tenant_mix(&db).await;
    lists_keep_their_indexes(&db, &first, &after).await;
}

#[tokio::test]
async fn lists_keep_their_indexes_beside_a_larger_tenant_on_postgres() {
    let Some(server) = postgres_test_url() else {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: PostgreSQL half skipped");
        return;
    };
    let (db, name) = fresh_postgres(&server).await.expect("a fresh PostgreSQL database");
    let (first, after) = tenant_mix(&db).await;
    // Statistics as autovacuum would gather them (the table's owner runs
    // it; the application's role may not).
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(&database_url(&server, &name)).await.unwrap();
    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut owner).await.unwrap();
    sqlx::Connection::close(owner).await.unwrap();
    lists_keep_their_indexes(&db, &first, &after).await;
    drop_postgres(db, &server, &name).await.unwrap();
}
