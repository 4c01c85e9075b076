//! Graceful restarts: the `atrium` binary sent SIGTERM while an upload
//! and a job are in flight.

use std::{
    process::{Child, Command},
    time::Duration,
};

use reqwest::{
    Body, header,
    multipart::{Form, Part},
};
use serde_json::Value;

use crate::{
    helpers::{Person, Visitor, client, free_port, slug, started, test_database, visitor_on},
    webhooks::{Behaviour, Receiver},
};

/// Sends SIGTERM to `server`, as a service manager stopping it does.
pub(crate) fn terminate(server: &Child) {
    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// How `server` exited, waiting up to `within`.
pub(crate) async fn exit_of(server: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            return status;
        }
        assert!(tokio::time::Instant::now() < deadline, "the server did not exit within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Settings for plain-http deliveries to the test's receiver on loopback.
const LOOPBACK_WEBHOOKS: [(&str, &str); 2] =
    [("ATRIUM_WEBHOOK_ALLOW_HTTP", "true"), ("ATRIUM_WEBHOOK_ALLOWED_NETWORKS", "[127.0.0.0/8]")];

/// Signs up on `visitor`, and adds a webhook endpoint for `task.created`
/// to `receiver` in a new project: the organization's slug and the
/// project's and endpoint's ids.
async fn organization_with_endpoint(visitor: &Visitor, receiver: &Receiver) -> (String, String, String) {
    let org = slug(&visitor.signed_up(&Person::new("stopping")).await).to_owned();
    let project = visitor.project(&org, "Shutdown").await;
    let form = [
        ("org", org.as_str()),
        ("url", receiver.url.as_str()),
        ("description", "slow receiver"),
        ("enabled", "on"),
        ("event_types[]", "task.created"),
    ];
    let endpoint = visitor.ok("create_webhook_endpoint", &form).await["endpoint"]["id"].as_str().unwrap().to_owned();
    (org, project, endpoint)
}

#[tokio::test]
async fn sigterm_lets_an_upload_and_a_job_in_flight_finish_answers_not_ready_and_exits_cleanly() {
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    let mut settings = vec![("ATRIUM_SHUTDOWN_DRAIN_SECONDS", "2"), ("ATRIUM_SHUTDOWN_TIMEOUT_SECONDS", "15")];
    settings.extend(LOOPBACK_WEBHOOKS);
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    // A receiver that takes 4 seconds to answer: its delivery job is
    // running when the process is told to stop.
    let receiver = Receiver::start(Behaviour::Slow(Duration::from_secs(4))).await;
    let (org, project, endpoint) = organization_with_endpoint(&visitor, &receiver).await;
    visitor.task(&org, &project, &[("title", "Delivered across a restart")]).await;
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1, "the delivery started");

    // An upload whose body takes four seconds to arrive: past the drain.
    let chunk = vec![b'x'; 16 * 1024];
    let chunks = 16;
    let slow_body = futures_util::stream::unfold(0, move |sent| {
        let chunk = chunk.clone();
        async move {
            (sent < chunks).then_some(())?;
            tokio::time::sleep(Duration::from_millis(250)).await;
            Some((Ok::<_, std::io::Error>(chunk), sent + 1))
        }
    });
    let length = 16 * 1024 * chunks;
    let part = Part::stream_with_length(Body::wrap_stream(slow_body), length).file_name("slow.txt");
    let upload = visitor
        .client
        .post(visitor.url(&format!("/o/{org}/projects/{project}/files")))
        .header(header::ACCEPT, "application/json")
        .multipart(Form::new().part("file", part))
        .send();
    let upload = tokio::spawn(upload);
    tokio::time::sleep(Duration::from_millis(500)).await;

    terminate(&server);
    // Not ready at once (a balancer stops sending requests), while it
    // still serves.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ready = client().get(visitor.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "stopping");

    // The upload in flight completes.
    let uploaded = upload.await.unwrap().unwrap();
    let status = uploaded.status();
    assert!(status.is_success(), "the upload finished: {status} {}", uploaded.text().await.unwrap());
    // The job too, and then the process exits 0.
    let exit = exit_of(&mut server, Duration::from_secs(20)).await;
    assert!(exit.success(), "{exit:?}");

    // On the next start: the file is there whole, and the delivery was
    // made once, answered 200.
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    let files = visitor.ok("list_files", &[("org", &org), ("project", &project)]).await;
    let file = &files["files"]["items"][0];
    assert_eq!((file["name"].as_str(), file["size_bytes"].as_i64()), (Some("slow.txt"), Some(length as i64)), "{file}");
    let log = visitor.ok("list_webhook_deliveries", &[("org", &org), ("endpoint", &endpoint)]).await;
    let attempts: Vec<Option<i64>> = log.as_array().unwrap().iter().map(|d| d["status_code"].as_i64()).collect();
    assert_eq!(attempts, [Some(200)], "{log}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.received().len(), 1, "delivered once");
    terminate(&server);
    assert!(exit_of(&mut server, Duration::from_secs(20)).await.success());
}

#[tokio::test]
async fn a_job_still_running_at_the_shutdown_timeout_is_handed_back_and_resumes_on_the_next_process() {
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    // A lease of a minute: a job taken up again within seconds was handed
    // back, not found abandoned.
    let mut settings = vec![
        ("ATRIUM_SHUTDOWN_DRAIN_SECONDS", "0"),
        ("ATRIUM_SHUTDOWN_TIMEOUT_SECONDS", "1"),
        ("ATRIUM_JOB_LEASE_SECONDS", "60"),
    ];
    settings.extend(LOOPBACK_WEBHOOKS);
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    // A receiver that never answers: the delivery runs until its own
    // 10-second timeout, longer than the shutdown's.
    let receiver = Receiver::start(Behaviour::Hang).await;
    let (org, project, _) = organization_with_endpoint(&visitor, &receiver).await;
    visitor.task(&org, &project, &[("title", "Handed back")]).await;
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1, "the delivery started");

    terminate(&server);
    let exit = exit_of(&mut server, Duration::from_secs(8)).await;
    assert!(exit.success(), "{exit:?}");

    let mut server = started(&database_url, port, dir.path(), &settings).await;
    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2, "the handed-back delivery ran again on the next process");
    assert_eq!(received[0].headers["webhook-id"], received[1].headers["webhook-id"], "the same event");
    server.kill().unwrap();
    let _ = server.wait();
}
