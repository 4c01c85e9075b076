//! CSV imports that always end: unreadable rows are refused with their
//! line (the same for `\r\n` and `\n` files), and a server killed in the
//! middle of an import resumes it from its last committed batch.

use std::time::Duration;

use serde_json::Value;

use crate::{
    files::{import_ended, upload_csv, upload_csv_bytes},
    helpers::{Org, Person, free_port, slug, started, test_database, visitor_on},
};

/// A file with a good row, a row whose bytes are not UTF-8 (`FF FE` in a
/// cell), a short row and a row with a missing title, in `newline` line
/// endings.
fn file_with_bad_rows(newline: &str) -> Vec<u8> {
    let mut csv = format!("title,priority,due_on,labels{newline}Good one,high,,{newline}").into_bytes();
    csv.extend_from_slice(b"Bad \xFF\xFE bytes,low,,");
    csv.extend_from_slice(format!("{newline}Short row{newline},low,,{newline}Last,,,{newline}").as_bytes());
    csv
}

#[tokio::test]
async fn an_unreadable_row_is_refused_with_its_line_and_the_import_still_ends() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Imported").await;
    let mut reports = Vec::new();
    for newline in ["\r\n", "\n"] {
        let import = upload_csv_bytes(app, &org.slug, &project, file_with_bad_rows(newline)).await;
        app.ok("start_import", &org.form(&[("import", &import), ("title", "0"), ("priority", "1")])).await;
        let ended = import_ended(app, &org, &import).await;
        assert_eq!(ended["import"]["status"], "succeeded", "{ended}");
        assert_eq!(
            (ended["import"]["rows_imported"].as_i64(), ended["import"]["rows_failed"].as_i64()),
            (Some(3), Some(2)),
            "{ended}"
        );
        let report = app.get(&format!("/o/{}/imports/{import}/errors.csv", org.slug)).await;
        assert_eq!(report.status(), 200);
        reports.push(report.text().await.unwrap());
    }
    for report in &reports {
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0], "line,error,title,priority,due_on,labels", "{report}");
        // Line 3 holds the bytes that are not text; line 5 has no title.
        assert!(lines[1].starts_with("3,The row is not UTF-8 text"), "{report}");
        assert!(lines[1].contains("Bad \u{FFFD}\u{FFFD} bytes"), "the row as it was, readable: {report}");
        assert!(lines[2].starts_with("5,Title"), "{report}");
    }
    assert_eq!(reports[0], reports[1], "the same lines for \\r\\n and \\n files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_import_resumes_from_the_last_batch_with_nothing_twice() {
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    let mut server = started(&database_url, port, dir.path(), &[]).await;
    let owner = Person::new("crash");
    let org_slug = slug(&visitor.signed_up(&owner).await).to_owned();
    let project = visitor.project(&org_slug, "Big").await;
    const ROWS: usize = 20_000;
    let mut csv = String::from("title\n");
    for n in 0..ROWS {
        csv.push_str(&format!("Task {n:05}\n"));
    }
    let import = upload_csv(&visitor, &org_slug, &project, &csv).await;
    let form = [("org", org_slug.as_str()), ("import", import.as_str()), ("title", "0")];
    visitor.ok("start_import", &form).await;
    // Killed (SIGKILL: no shutdown) once the first batches are in.
    let mut imported_before = 0;
    for _ in 0..600 {
        let page = visitor.ok("get_import", &[("org", org_slug.as_str()), ("import", import.as_str())]).await;
        imported_before = page["import"]["rows_imported"].as_i64().unwrap_or(0);
        if imported_before >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(imported_before >= 200 && imported_before < ROWS as i64, "killed mid-import: {imported_before}");

    // Another process takes the job up once its lease has run out.
    let mut server = started(&database_url, port, dir.path(), &[]).await;
    let mut ended = Value::Null;
    for _ in 0..600 {
        let page = visitor.ok("get_import", &[("org", org_slug.as_str()), ("import", import.as_str())]).await;
        if page["import"]["status"] != "importing" {
            ended = page;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(ended["import"]["status"], "succeeded", "{ended}");
    assert_eq!(ended["import"]["rows_imported"].as_i64(), Some(ROWS as i64), "{ended}");
    assert!(ended["job"]["attempts"].as_i64().unwrap() >= 2, "resumed by a second attempt: {ended}");
    // Every row once: the titles are the file's, none twice.
    let db = app::server::db::Db::connect(&database_url, 1).await.unwrap();
    let (count, distinct) = count_titles(&db).await;
    assert_eq!((count, distinct), (ROWS as i64, ROWS as i64));
    db.close().await;
}

/// How many tasks there are, and how many distinct titles.
async fn count_titles(db: &app::server::db::Db) -> (i64, i64) {
    let sql = "SELECT COUNT(*), COUNT(DISTINCT title) FROM tasks";
    match db {
        app::server::db::Db::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await.unwrap(),
        app::server::db::Db::Postgres(pool) => {
            let mut conn =
                app::server::db::scope::acquire(pool, app::server::db::scope::Scope::maintenance()).await.unwrap();
            sqlx::query_as(sql).fetch_one(&mut *conn).await.unwrap()
        }
    }
}
