//! What a request costs in statements, counted through HTTP: the project
//! page (layout, project, tasks, cycles: several server functions in one
//! render) reads the session's user and membership once between them, and
//! no statement runs twice; `list_tasks` costs the session, the user with
//! the membership, the project and the page with its labels.
//!
//! sqlx logs each statement it runs as a `sqlx::query` tracing event; a
//! subscriber records them. A binary of its own, so nothing else runs
//! while it counts.

#[path = "api/helpers.rs"]
#[allow(dead_code, reason = "shared with the HTTP suite, which uses all of it")]
mod helpers;

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing_subscriber::{Layer, layer::Context, prelude::*};

#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<String>>>);

impl Recorded {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Statement(String);

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "db.statement" || (field.name() == "summary" && self.0.is_empty()) {
            self.0 = value.trim().to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, format!("{value:?}").trim_matches('"'));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Recorded {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut statement = Statement(String::new());
            event.record(&mut statement);
            // A new pooled connection's set-up is not the request's, nor
            // the outbox follower's reading (SQLite: a background task's).
            if !statement.0.starts_with("PRAGMA") && !statement.0.contains("/* the outbox follower") {
                self.0.lock().unwrap().push(statement.0);
            }
        }
    }
}

#[tokio::test]
async fn a_page_render_reads_the_user_once_and_no_statement_twice() {
    let recorded = Recorded::default();
    let filter = tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::DEBUG);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorded.clone().with_filter(filter)))
        .unwrap();

    let app = helpers::spawn_app().await;
    let org = app.signed_up(&helpers::Person::new("cost")).await;
    let org = helpers::slug(&org);
    let project = app.project(org, "Costly").await;
    app.ok("create_label", &[("org", org), ("name", "bug")]).await;
    for i in 0..30 {
        app.task(org, &project, &[("title", &format!("Task {i}"))]).await;
    }

    recorded.take();
    let page = app.get(&format!("/o/{org}/projects/{project}")).await;
    assert_eq!(page.status(), 200);
    page.text().await.unwrap();
    let statements = recorded.take();
    let mut distinct = statements.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), statements.len(), "a statement ran twice:\n{}", statements.join("\n"));
    let users = statements.iter().filter(|sql| sql.contains("FROM users u")).count();
    assert_eq!(users, 1, "the user is read once:\n{}", statements.join("\n"));
    // Session, user with membership, the switcher's organizations, the
    // project, its members, labels and the live projects, the page of
    // tasks with their labels, the cycles, the saved views.
    assert!(statements.len() <= 10, "{} statements:\n{}", statements.len(), statements.join("\n"));

    let listed = app.list_tasks(org, &project, &[]).await;
    assert_eq!(listed.status(), 200);
    let statements = recorded.take();
    // Session, user with membership, project, page with labels.
    assert!(statements.len() <= 4, "{} statements:\n{}", statements.len(), statements.join("\n"));
}
