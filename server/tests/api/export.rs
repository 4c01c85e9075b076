use reqwest::header;

use crate::helpers::{Person, client, slug, spawn_app};

#[tokio::test]
async fn the_export_is_the_filtered_list_as_rfc4180_csv() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("csv")).await;
    let org = slug(&org).to_owned();
    let project = app.project(&org, "Q3 launch").await;
    app.task(&org, &project, &[("title", r#"Say "hi", twice"#), ("description", "line one\nline two")]).await;
    app.task(&org, &project, &[("title", "=HYPERLINK(\"http://evil\")"), ("priority", "high")]).await;
    let done = app.task(&org, &project, &[("title", "Done already")]).await;
    app.ok("set_task_done", &[("org", &org), ("task", done["id"].as_str().unwrap()), ("done", "true")]).await;

    let response = app.get(&format!("/o/{org}/projects/{project}/tasks.csv?sort=title&dir=asc")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(response.headers()[header::CONTENT_DISPOSITION], "attachment; filename=\"q3-launch-tasks.csv\"");
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "title",
            "status",
            "priority",
            "due_on",
            "assignee",
            "labels",
            "cycle",
            "created_at",
            "completed_at",
            "description"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let titles: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    // Open tasks only (the page's default), by title; the formula is
    // neutralized with a leading quote.
    assert_eq!(titles, ["'=HYPERLINK(\"http://evil\")", "Say \"hi\", twice"]);
    assert_eq!(&rows[1][10], "line one\nline two");
    assert!(text.contains("\r\n"), "CRLF record ends");

    let done_only = app.get(&format!("/o/{org}/projects/{project}/tasks.csv?status=done")).await.text().await.unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(done_only.as_bytes()).records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][1], &rows[0][2]), ("Done already", "done"));
    assert!(!rows[0][9].is_empty(), "completed_at");
}

#[tokio::test]
async fn a_large_export_streams_complete_even_when_compressed() {
    use std::io::Read;

    let app = spawn_app().await;
    // A client that leaves the body compressed, to see what is on the wire.
    let raw = crate::helpers::Visitor {
        address: app.address.clone(),
        client: reqwest::Client::builder()
            .cookie_store(true)
            .no_gzip()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let org = raw.signed_up(&Person::new("big")).await;
    let org = slug(&org).to_owned();
    let project = raw.project(&org, "Big").await;
    for i in 0..1100 {
        raw.task(&org, &project, &[("title", &format!("Task {i:04}"))]).await;
    }
    let response = raw
        .client
        .get(raw.url(&format!("/o/{org}/projects/{project}/tasks.csv")))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let compressed = response.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut text).unwrap();
    // Three batches of 500, all there, in order.
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(text.as_bytes()).records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1100);
    assert_eq!((&rows[0][1], &rows[1099][1]), ("Task 1099", "Task 0000"));
}

#[tokio::test]
async fn the_export_answers_401_signed_out_404_for_others_and_422_for_bad_parameters() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("guard")).await;
    let org = slug(&org).to_owned();
    let project = app.project(&org, "Guarded").await;
    let path = format!("/o/{org}/projects/{project}/tasks.csv");

    let anonymous = client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()[header::CONTENT_TYPE], "application/problem+json");

    let stranger = app.visitor();
    stranger.signed_up(&Person::new("stranger")).await;
    assert_eq!(stranger.get(&path).await.status(), 404);
    assert_eq!(app.get(&format!("/o/{org}/projects/not-an-id/tasks.csv")).await.status(), 404);

    let bad = app.get(&format!("{path}?per_page=7&sort=size")).await;
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert!(body["errors"]["per_page"].is_string() && body["errors"]["sort"].is_string(), "{body}");
}
