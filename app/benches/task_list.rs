//! How long one page of the task list takes as a project grows: 1,000,
//! 100,000 and 1,000,000 tasks in the project read (a quarter labelled,
//! half assigned, a third with a due date, one in a hundred done) beside
//! 10,000 in another organization, on SQLite (a file, WAL) and, when
//! `TEST_DATABASE_URL` is a postgres URL, on PostgreSQL. Each measurement
//! is what a `list_tasks` call does after the session: read the project
//! (its counters), then the page.
//!
//! ```sh
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo bench -p app --features ssr --bench task_list
//! ```
//!
//! `BENCH_SIZES=1000,1000000` picks sizes. Seeding a million tasks takes a
//! few minutes per backend.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use app::{
    model::{
        AssigneeFilter, LabelColor, LabelId, LabelName, Priority, ProjectDescription, ProjectId, ProjectName, SortDir,
        TaskFields, TaskQuery, TaskSort,
    },
    server::{
        ctx::OrgCtx,
        db::{
            Db, dashboard, labels, projects,
            task_list::{self, Listed},
            tasks, testing,
        },
    },
};
use common::{team, writer};
use criterion::{Criterion, criterion_group, criterion_main};
use time::macros::date;

struct Fixture {
    db: Db,
    ctx: OrgCtx,
    project: ProjectId,
    label: LabelId,
    /// A task in the middle of the project, for a deep page.
    middle: app::model::TaskId,
}

/// A project of `count` tasks in a fresh organization.
async fn fill(db: &Db, owner: &str, org: &str, count: usize) -> Fixture {
    let team = team(db, owner, org).await;
    let writer = writer(&team.member);
    let project = projects::insert(
        db,
        &writer,
        &ProjectName::parse("Big").unwrap(),
        &ProjectDescription::parse("").unwrap(),
        projects::created_event(&writer),
    )
    .await
    .unwrap()
    .id;
    let label = labels::insert(db, &writer, &LabelName::parse("bug").unwrap(), LabelColor::Red).await.unwrap().id;
    let mut made = Vec::with_capacity(count);
    for start in (0..count).step_by(10_000) {
        let chunk: Vec<TaskFields> =
            (start..count.min(start + 10_000)).map(|i| testing::sample_task(i, team.member_id, label)).collect();
        let ids = tasks::insert_many(db, &writer, project, &chunk).await.unwrap();
        let done: Vec<_> = ids.iter().copied().step_by(100).collect();
        for batch in done.chunks(500) {
            tasks::set_completed(db, &writer, batch, true).await.unwrap();
        }
        made.extend(ids);
    }
    Fixture { db: db.clone(), ctx: team.member, project, label, middle: made[count / 2] }
}

/// Gathers PostgreSQL's planner statistics, as autovacuum would on a
/// database in use. SQLite gets none, as the application never gathers
/// any there (`app/tests/plans.rs` says why).
async fn analyze(db: &Db) {
    if let Db::Postgres(pool) = db {
        sqlx::query("VACUUM ANALYZE").execute(pool).await.unwrap();
    }
}

async fn page(fixture: &Fixture, query: &TaskQuery) -> usize {
    let project = projects::find(&fixture.db, &fixture.ctx, fixture.project).await.unwrap().unwrap();
    match task_list::list(&fixture.db, &fixture.ctx, &project, query, date!(2026 - 11 - 21)).await.unwrap() {
        Listed::Page(page) => page.items.len(),
        Listed::UnknownCursor => unreachable!(),
    }
}

fn bench(c: &mut Criterion, name: &str, runtime: &tokio::runtime::Runtime, fixture: &Fixture) {
    let d = TaskQuery::default;
    let sorted = |sort, dir| TaskQuery { sort, dir, ..d() };
    let queries = [
        ("default page", d()),
        ("by updated", sorted(TaskSort::Updated, SortDir::Desc)),
        ("by due date", sorted(TaskSort::Due, SortDir::Asc)),
        ("by due date, latest", sorted(TaskSort::Due, SortDir::Desc)),
        ("by priority", sorted(TaskSort::Priority, SortDir::Desc)),
        ("by title", sorted(TaskSort::Title, SortDir::Asc)),
        ("oldest first", sorted(TaskSort::Created, SortDir::Asc)),
        ("assigned to me", TaskQuery { assignee: Some(AssigneeFilter::Me), ..d() }),
        ("unassigned", TaskQuery { assignee: Some(AssigneeFilter::Nobody), ..d() }),
        ("label", TaskQuery { label: Some(fixture.label), ..d() }),
        ("priority urgent", TaskQuery { priority: Some(Priority::Urgent), ..d() }),
        (
            "due in November",
            TaskQuery { due_after: Some(date!(2026 - 11 - 01)), due_before: Some(date!(2026 - 11 - 30)), ..d() },
        ),
        ("overdue", TaskQuery { overdue: true, ..d() }),
        ("search, common word", TaskQuery { q: "launch".into(), ..d() }),
        ("search, rare", TaskQuery { q: "0000999".into(), ..d() }),
        ("deep page (keyset)", d().page_after(fixture.middle)),
        ("done", TaskQuery { status: app::model::StatusFilter::Done, ..d() }),
    ];
    let mut group = c.benchmark_group(name);
    group.sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for (label, query) in queries {
        group.bench_function(label, |b| b.to_async(runtime).iter(|| page(fixture, &query)));
    }
    let weeks = app::model::org::week_starts(date!(2026 - 11 - 21), 12);
    group.bench_function("dashboard", |b| {
        b.to_async(runtime).iter(|| async {
            dashboard::open_task_count(&fixture.db, &fixture.ctx).await.unwrap();
            dashboard::overdue_count(&fixture.db, &fixture.ctx, date!(2026 - 11 - 21)).await.unwrap();
            dashboard::completed_per_week(&fixture.db, &fixture.ctx, &weeks).await.unwrap()
        })
    });
    group.finish();
}

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|sizes| sizes.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 100_000, 1_000_000])
}

fn task_list(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for size in sizes() {
        let dir = std::env::temp_dir().join(format!("atrium-bench-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
        let sqlite = runtime.block_on(async {
            let db = Db::connect(&url, 4).await.unwrap();
            db.migrate().await.unwrap();
            fill(&db, "Other", "Other Org", 10_000).await;
            let fixture = fill(&db, "Reader", "Acme", size).await;
            analyze(&db).await;
            fixture
        });
        bench(c, &format!("sqlite/{size}"), &runtime, &sqlite);
        runtime.block_on(sqlite.db.close());
        let _ = std::fs::remove_dir_all(dir);

        if let Some(server) = testing::postgres_test_url() {
            let (db, name) = runtime.block_on(testing::fresh_postgres(&server)).unwrap();
            let postgres = runtime.block_on(async {
                fill(&db, "Other", "Other Org", 10_000).await;
                let fixture = fill(&db, "Reader", "Acme", size).await;
                analyze(&db).await;
                fixture
            });
            bench(c, &format!("postgres/{size}"), &runtime, &postgres);
            runtime.block_on(testing::drop_postgres(db, &server, &name)).unwrap();
        }
    }
}

criterion_group!(benches, task_list);
criterion_main!(benches);
