//! How long the task list takes at scale: 10,000 tasks in the organization
//! being read (a quarter of them labelled, half assigned) and as many in
//! another organization, on SQLite (a file, WAL) and, when
//! `TEST_DATABASE_URL` is a postgres URL, on PostgreSQL.
//!
//! `cargo bench -p app --features ssr --bench task_list`

#[path = "../tests/common/mod.rs"]
mod common;

use app::{
    model::{
        LabelColor, LabelName, Priority, ProjectDescription, ProjectName, SortDir, StatusFilter, TaskQuery, TaskSort,
    },
    server::{
        ctx::OrgCtx,
        db::{Db, dashboard, labels, projects, tasks, testing},
    },
};
use common::{team, with};
use criterion::{Criterion, criterion_group, criterion_main};
use time::macros::date;

const TASKS: usize = 10_000;

struct Fixture {
    db: Db,
    ctx: OrgCtx,
    project: app::model::ProjectId,
    label: app::model::LabelId,
}

async fn fill(db: &Db, owner: &str, org: &str) -> Fixture {
    let team = team(db, owner, org).await;
    let writer = common::writer(&team.member);
    let ctx = team.owner;
    let project =
        projects::insert(db, &writer, &ProjectName::parse("Big").unwrap(), &ProjectDescription::parse("").unwrap())
            .await
            .unwrap()
            .id;
    let label = labels::insert(db, &writer, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap().id;
    for i in 0..TASKS {
        let fields = with(&format!("Task {i:05} about the launch"), |f| {
            f.priority = Priority::ALL[i % 5];
            f.due_on = (i % 3 == 0).then(|| date!(2026 - 11 - 01) + time::Duration::days((i % 90) as i64));
            f.assignee = (i % 2 == 0).then_some(team.member_id);
            if i % 4 == 0 {
                f.labels = vec![label];
            }
        });
        tasks::insert(db, &writer, project, &fields).await.unwrap();
    }
    let done: Vec<_> =
        tasks::list(db, &ctx, project, &TaskQuery { limit: 100, ..TaskQuery::default() }, date!(2026 - 11 - 21))
            .await
            .unwrap()
            .items
            .iter()
            .map(|t| t.id)
            .collect();
    tasks::set_completed(db, &writer, &done, true).await.unwrap();
    Fixture { db: db.clone(), ctx, project, label }
}

/// Gathers planner statistics, as autovacuum (PostgreSQL) or `PRAGMA
/// optimize` would on a database in use. Measured straight after a bulk
/// load without them, PostgreSQL misjudges the label filter as a one-row
/// nested loop and takes seconds instead of milliseconds.
async fn analyze(db: &Db) {
    match db {
        Db::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

fn bench_backend(c: &mut Criterion, name: &str, runtime: &tokio::runtime::Runtime, fixture: &Fixture) {
    let today = date!(2026 - 11 - 21);
    let queries = [
        ("open, newest first", TaskQuery::default()),
        (
            "all, by priority",
            TaskQuery {
                status: StatusFilter::All,
                sort: TaskSort::Priority,
                dir: SortDir::Desc,
                ..TaskQuery::default()
            },
        ),
        (
            "all, by due date, 100",
            TaskQuery {
                status: StatusFilter::All,
                sort: TaskSort::Due,
                dir: SortDir::Asc,
                limit: 100,
                ..TaskQuery::default()
            },
        ),
        ("label filter", TaskQuery { label: Some(fixture.label), ..TaskQuery::default() }),
        ("search", TaskQuery { q: "task 0999".into(), status: StatusFilter::All, ..TaskQuery::default() }),
        ("last page", TaskQuery { status: StatusFilter::All, offset: 9_975, ..TaskQuery::default() }),
    ];
    let mut group = c.benchmark_group(format!("task list ({name}, {TASKS} tasks)"));
    for (label, query) in queries {
        group.bench_function(label, |b| {
            b.to_async(runtime).iter(|| async {
                tasks::list(&fixture.db, &fixture.ctx, fixture.project, &query, today).await.unwrap()
            })
        });
    }
    group.bench_function("dashboard counts and chart", |b| {
        let weeks = app::model::org::week_starts(today, 12);
        b.to_async(runtime).iter(|| async {
            dashboard::open_task_count(&fixture.db, &fixture.ctx).await.unwrap();
            dashboard::overdue_count(&fixture.db, &fixture.ctx, today).await.unwrap();
            dashboard::completed_per_week(&fixture.db, &fixture.ctx, &weeks).await.unwrap()
        })
    });
    group.sample_size(10);
    group.bench_function("export everything", |b| {
        let everything = TaskQuery { status: StatusFilter::All, ..TaskQuery::default() };
        let slots = tokio::sync::Semaphore::new(1);
        b.to_async(runtime).iter(|| async {
            let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
            let export =
                tasks::export(&fixture.db, &fixture.ctx, fixture.project, &everything, today, 500, &slots, sender);
            let count = async {
                let mut rows = 0;
                while let Some(batch) = receiver.recv().await {
                    rows += batch.unwrap().len();
                }
                rows
            };
            let ((), rows) = tokio::join!(export, count);
            assert_eq!(rows, TASKS);
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile_dir();
    let sqlite = runtime.block_on(async {
        let db = Db::connect(&format!("sqlite://{dir}/bench.db?mode=rwc"), 4).await.unwrap();
        db.migrate().await.unwrap();
        fill(&db, "Other", "Noise").await;
        let fixture = fill(&db, "Bench", "Measured").await;
        analyze(&db).await;
        fixture
    });
    bench_backend(c, "SQLite", &runtime, &sqlite);

    if let Some(server) = testing::postgres_test_url() {
        let (postgres, name) = runtime.block_on(async {
            let (db, name) = testing::fresh_postgres(&server).await.unwrap();
            fill(&db, "Other", "Noise").await;
            let fixture = fill(&db, "Bench", "Measured").await;
            analyze(&db).await;
            (fixture, name)
        });
        bench_backend(c, "PostgreSQL", &runtime, &postgres);
        runtime.block_on(testing::drop_postgres(postgres.db.clone(), &server, &name)).unwrap();
    }
}

/// A fresh directory for the SQLite file (left behind for inspection).
fn tempfile_dir() -> String {
    let dir = std::env::temp_dir().join(format!("atrium-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.display().to_string()
}

criterion_group!(task_list, benches);
criterion_main!(task_list);
