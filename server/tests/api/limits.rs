//! What one organization or person can pile up is bounded: labels, cycles
//! and saved views (every project page sends them all), invitation mails,
//! files per upload, and storage held by imports, checked under the
//! organization's lock.

use futures_util::future::join_all;
use reqwest::{
    StatusCode,
    multipart::{Form, Part},
};
use serde_json::Value;

use app::api::{
    cycles::MAX_CYCLES, invitations::INVITATION_MAILS_PER_HOUR, labels::MAX_LABELS, views::MAX_VIEWS_PER_PERSON,
};

use crate::helpers::{Org, field_error, platform_admin};

#[tokio::test]
async fn labels_cycles_and_saved_views_stop_at_their_limit_with_a_field_error() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Bounded").await;
    for n in 0..MAX_LABELS {
        app.ok("create_label", &org.form(&[("name", &format!("label {n}"))])).await;
    }
    let refused = app.call("create_label", &org.form(&[("name", "one too many")])).await;
    assert_eq!(refused.status(), 422);
    assert!(field_error(refused, "name").await.contains("at most 200 labels"));

    for n in 0..MAX_CYCLES {
        let name = format!("Cycle {n}");
        let form =
            org.form(&[("project", &project), ("name", &name), ("starts_on", "2026-11-01"), ("ends_on", "2026-11-14")]);
        app.ok("create_cycle", &form).await;
    }
    let form =
        org.form(&[("project", &project), ("name", "Late"), ("starts_on", "2026-11-01"), ("ends_on", "2026-11-14")]);
    let refused = app.call("create_cycle", &form).await;
    assert_eq!(refused.status(), 422);
    assert!(field_error(refused, "name").await.contains("at most 100 cycles"));

    for n in 0..MAX_VIEWS_PER_PERSON {
        app.ok("save_view", &org.form(&[("project", &project), ("name", &format!("View {n}")), ("query", "")])).await;
    }
    let refused = app.call("save_view", &org.form(&[("project", &project), ("name", "Another"), ("query", "")])).await;
    assert_eq!(refused.status(), 422);
    assert!(field_error(refused, "name").await.contains("at most 50 views per person"));
}

#[tokio::test]
async fn a_saved_view_naming_another_organizations_label_or_member_is_not_found() {
    let org = Org::new().await;
    let other = Org::new().await;
    let project = org.app.project(&org.slug, "Mine").await;
    let label =
        other.app.ok("create_label", &other.form(&[("name", "theirs")])).await["id"].as_str().unwrap().to_owned();
    let stranger = other.app.current_user().await["id"].as_str().unwrap().to_owned();
    for query in [format!("label={label}"), format!("assignee={stranger}")] {
        let saved =
            org.app.call("save_view", &org.form(&[("project", &project), ("name", "Spy"), ("query", &query)])).await;
        assert_eq!(saved.status(), 404, "{query}");
        let listed = org
            .app
            .list_tasks(&org.slug, &project, &[(query.split('=').next().unwrap(), query.split('=').nth(1).unwrap())])
            .await;
        assert_eq!(listed.status(), 404, "the list answers the same: {query}");
    }
}

#[tokio::test]
async fn an_organization_sends_a_bounded_number_of_invitation_mails_an_hour() {
    let org = Org::new().await;
    let app = &org.app;
    let mut last = String::new();
    for n in 0..INVITATION_MAILS_PER_HOUR {
        last = format!("guest{n}@example.com");
        app.ok("invite_member", &org.form(&[("email", &last), ("role", "guest")])).await;
    }
    let refused = app.call("invite_member", &org.form(&[("email", "late@example.com"), ("role", "guest")])).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(app.mails_to("late@example.com").is_empty(), "nothing sent");
    let pending: Value = app.ok("list_invitations", &org.form(&[])).await;
    assert!(pending.to_string().contains(&last));
    let invitation = pending[0]["id"].as_str().unwrap().to_owned();
    let resent = app.call("resend_invitation", &org.form(&[("invitation", &invitation)])).await;
    assert_eq!(resent.status(), 429, "resending counts too");
}

#[tokio::test]
async fn one_upload_stores_at_most_a_hundred_files_and_lists_the_rest_as_refused() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Many files").await;
    let mut form = Form::new();
    for n in 0..101 {
        form = form.part("file", Part::bytes(format!("file {n}").into_bytes()).file_name(format!("f{n}.txt")));
    }
    let response = app
        .client
        .post(app.url(&format!("/o/{}/projects/{project}/files", org.slug)))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["files"].as_array().map(Vec::len), Some(100), "{body}");
    assert_eq!(body["refused"].as_array().map(Vec::len), Some(1), "{body}");
    assert!(body["refused"][0]["reason"].as_str().unwrap().contains("At most 100 files"), "{body}");
}

#[tokio::test]
async fn imports_uploaded_at_once_cannot_both_take_the_last_storage() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Imports").await;
    let admin = platform_admin(app).await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    admin.ok("set_organization_plan", &[("org", &id), ("plan", "pro"), ("storage", "1")]).await;
    // Each 600 KiB: one fits in the 1 MiB limit, two do not.
    let mut csv = String::from("title\n");
    while csv.len() < 600 * 1024 {
        csv.push_str("A task with a longish title to fill the file\n");
    }
    let uploads = (0..4).map(|_| {
        let form = Form::new().part("file", Part::bytes(csv.clone().into_bytes()).file_name("tasks.csv"));
        app.client.post(app.url(&format!("/o/{}/projects/{project}/imports", org.slug))).multipart(form).send()
    });
    let answers = join_all(uploads).await;
    let mut taken = 0;
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let to = answer.headers()["location"].to_str().unwrap().to_owned();
        if to.contains("/imports/") {
            taken += 1;
        } else {
            assert!(to.ends_with("error=storage_full"), "{to}");
        }
    }
    assert_eq!(taken, 1, "exactly one import took the room");
}
