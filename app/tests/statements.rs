//! What the database is asked, statement by statement (SQLite):
//!
//! - a page of tasks with assignees and labels costs one statement however
//!   many tasks it shows (no N+1);
//! - every statement the repositories run (all of them: the repository
//!   story calls every repository function) that reads or changes tenant
//!   rows is served by an index, and, unless it is a primary-key lookup,
//!   by one that starts with `org_id` (so a tenant's query never walks
//!   other tenants' rows). Plain `INSERT ... VALUES` statements read
//!   nothing and are not checked; statements marked as maintenance across
//!   every organization need an index but not an `org_id` one.
//!
//! sqlx logs each statement it runs as a `sqlx::query` tracing event; a
//! subscriber records them. One test function, so nothing else runs while
//! it counts.

mod common;

use std::sync::{Arc, Mutex};

use app::{
    model::{
        AssigneeFilter, LabelColor, LabelName, Priority, ProjectDescription, ProjectName, SortDir, StatusFilter,
        TaskQuery, TaskSort,
    },
    server::db::{
        Db, labels, projects,
        task_list::{self, Listed},
        tasks,
    },
};
use common::{team, with};
use tracing::{
    Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{Layer, layer::Context, prelude::*};

#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<String>>>);

impl Recorded {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct StatementVisitor {
    summary: String,
    statement: String,
}

impl Visit for StatementVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.trim().to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.record_str(field, text.trim_matches('"'));
    }
}

impl<S: Subscriber> Layer<S> for Recorded {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut visitor = StatementVisitor { summary: String::new(), statement: String::new() };
        event.record(&mut visitor);
        let sql = if visitor.statement.is_empty() { visitor.summary } else { visitor.statement };
        self.0.lock().unwrap().push(sql);
    }
}

const TENANT_TABLES: [&str; 6] = ["projects", "tasks", "labels", "task_labels", "cycles", "memberships"];

/// Problems in the query plan of `sql`: full scans of tenant tables, and
/// index searches whose constraint does not start with `org_id`.
async fn plan_problems(db: &Db, sql: &str) -> Vec<String> {
    let Db::Sqlite(pool) = db else { unreachable!("this test runs on SQLite") };
    let plan: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(pool).await.unwrap();
    let mut problems = Vec::new();
    for (_, _, _, detail) in plan {
        // "SCAN t", "SCAN t USING INDEX i", "SEARCH t USING INDEX i (org_id=? AND ...)"
        let mut words = detail.split_whitespace();
        let (Some(op), Some(_alias)) = (words.next(), words.next()) else { continue };
        if op != "SCAN" && op != "SEARCH" {
            continue;
        }
        let index = detail.split("INDEX ").nth(1).map(|rest| rest.split_whitespace().next().unwrap_or(""));
        let table = index.map_or("", |i| i.split('_').next().unwrap_or(""));
        let on_tenant =
            TENANT_TABLES.iter().any(|t| detail.contains(&format!(" {t} ")) || detail.ends_with(&format!(" {t}")))
                || index.is_some_and(|i| {
                    TENANT_TABLES
                        .iter()
                        .any(|t| i.starts_with(&format!("{t}_")) || i.starts_with(&format!("sqlite_autoindex_{t}_")))
                });
        if !on_tenant {
            continue;
        }
        let primary_key = index.is_some_and(|i| i.starts_with("sqlite_autoindex_")) && detail.contains("(id=?)");
        let org_first = detail.contains("(org_id=?");
        if op == "SCAN" || !(primary_key || org_first) {
            problems.push(format!("{detail}   [{table}]"));
        }
    }
    problems
}

/// The end of the comment that marks a statement working across
/// organizations on purpose (`/* maintenance: every organization */` for
/// the trash purge, `/* one person, every organization */` for the
/// organization switcher): it must use an index, but not one led by
/// `org_id`.
const EVERY_ORGANIZATION: &str = "every organization */";

#[tokio::test]
async fn pages_cost_a_fixed_number_of_statements_and_every_repository_statement_uses_an_org_index() {
    let recorded = Recorded::default();
    let subscriber = tracing_subscriber::registry().with(
        recorded
            .clone()
            .with_filter(tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::DEBUG)),
    );
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let team = team(&db, "Nell", "Plans").await;
    let ctx = &common::admin(&team.owner);
    let project = projects::insert(
        &db,
        ctx,
        &ProjectName::parse("P").unwrap(),
        &ProjectDescription::parse("").unwrap(),
        projects::created_event(ctx),
    )
    .await
    .unwrap();
    let bug = labels::insert(&db, ctx, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap();
    let ux = labels::insert(&db, ctx, &LabelName::parse("ux").unwrap(), LabelColor::Blue).await.unwrap();

    // --- no N+1: 3 tasks or 60, the page costs the same ------------------
    let everything = TaskQuery { status: StatusFilter::All, limit: 100, ..TaskQuery::default() };
    let today = time::macros::date!(2026 - 11 - 21);
    let mut costs = Vec::new();
    for count in [3, 60] {
        for i in 0..count {
            let fields = with(&format!("task {count}-{i}"), |f| {
                f.assignee = Some(team.member_id);
                f.labels = vec![bug.id, ux.id];
            });
            tasks::insert(&db, ctx, project.id, &fields).await.unwrap();
        }
        let project = projects::find(&db, ctx, project.id).await.unwrap().unwrap();
        recorded.take();
        let Listed::Page(page) = task_list::list(&db, ctx, &project, &everything, today).await.unwrap() else {
            panic!("no cursor, no unknown cursor")
        };
        assert!(page.items.iter().all(|t| t.labels.len() == 2 && t.assignee.is_some()));
        costs.push(recorded.take().len());
    }
    assert_eq!(costs, [1, 1], "the page with its labels, whatever its size; the total is a counter");

    // --- the open list reads every order straight off an index -----------
    // For each sort (both ways) and each filter an index serves, the page
    // statement needs no sort step: a page costs the same at a thousand
    // tasks or a million.
    let member = &team.member;
    let mut orders = Vec::new();
    for sort in TaskSort::ALL {
        for dir in [SortDir::Asc, SortDir::Desc] {
            orders.push(TaskQuery { sort, dir, ..TaskQuery::default() });
        }
    }
    for filtered in [
        TaskQuery { assignee: Some(AssigneeFilter::Me), ..TaskQuery::default() },
        TaskQuery { assignee: Some(AssigneeFilter::Nobody), ..TaskQuery::default() },
        TaskQuery { priority: Some(Priority::High), ..TaskQuery::default() },
        TaskQuery { label: Some(bug.id), ..TaskQuery::default() },
        TaskQuery { status: StatusFilter::Done, ..TaskQuery::default() },
        TaskQuery { status: StatusFilter::All, ..TaskQuery::default() },
        TaskQuery { status: StatusFilter::Trash, ..TaskQuery::default() },
    ] {
        orders.push(filtered);
    }
    let project = projects::find(&db, ctx, project.id).await.unwrap().unwrap();
    let middle = task_list::list(&db, member, &project, &TaskQuery::default(), today).await.unwrap();
    let Listed::Page(middle) = middle else { unreachable!() };
    let cursor: app::model::TaskId = middle.items[10].id;
    for query in orders {
        for query in [query.clone(), query.page_after(cursor)] {
            recorded.take();
            task_list::list(&db, member, &project, &query, today).await.unwrap();
            let page = recorded.take().into_iter().find(|sql| sql.starts_with("SELECT t.id, t.title")).unwrap();
            let Db::Sqlite(pool) = &db else { unreachable!() };
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {page}")).fetch_all(pool).await.unwrap();
            // The list's own steps: not those under a correlated subquery
            // (a task's few labels, sorted by name).
            let mut inner = std::collections::HashSet::new();
            for (id, parent, _, detail) in &plan {
                if detail.starts_with("CORRELATED") || inner.contains(parent) {
                    inner.insert(*id);
                }
            }
            let steps: Vec<&str> =
                plan.iter().filter(|step| !inner.contains(&step.0)).map(|step| step.3.as_str()).collect();
            assert!(!steps.iter().any(|step| step.contains("TEMP B-TREE")), "{query:?} sorts:\n{page}\n{steps:#?}");
        }
    }

    // --- every statement of the repository story -------------------------
    // The story calls every repository function (that is its job, on both
    // backends); here its statements are collected on SQLite and each one's
    // plan is read.
    let story_db = Db::connect("sqlite::memory:", 1).await.unwrap();
    story_db.migrate().await.unwrap();
    recorded.take();
    common::story::run(&story_db).await;
    let statements = recorded.take();
    assert!(statements.len() > 200, "the recorder saw the story's statements: {}", statements.len());

    // The checker itself catches a scan and an index not led by org_id.
    assert!(!plan_problems(&db, "SELECT id FROM tasks WHERE title_key = 'x'").await.is_empty());
    assert!(!plan_problems(&db, "SELECT id FROM tasks WHERE completed_at IS NOT NULL").await.is_empty());
    if std::env::var_os("SHOW_PLANS").is_some() {
        let Db::Sqlite(pool) = &story_db else { unreachable!() };
        for sql in &statements {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(pool).await.unwrap_or_default();
            eprintln!("{sql}\n  {}", plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join("\n  "));
        }
    }
    let mut failures = Vec::new();
    let mut checked = std::collections::BTreeSet::new();
    for sql in &statements {
        if sql.starts_with("INSERT INTO") && !sql.contains("SELECT") || sql.contains("_sqlx_migrations") {
            continue;
        }
        if !checked.insert(sql.clone()) {
            continue;
        }
        let problems = plan_problems(&story_db, sql).await;
        let problems: Vec<String> = if sql.contains(EVERY_ORGANIZATION) {
            problems.into_iter().filter(|p| p.starts_with("SCAN")).collect()
        } else {
            problems
        };
        if !problems.is_empty() {
            failures.push(format!("{sql}\n    {}", problems.join("\n    ")));
        }
    }
    assert!(checked.len() > 60, "distinct statements checked: {}", checked.len());
    assert!(failures.is_empty(), "statements not served by an org_id index:\n{}", failures.join("\n\n"));
}
