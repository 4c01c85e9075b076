//! Background jobs through HTTP: account mail and the hourly maintenance
//! run on the queue, the platform admin sees them, and nobody else does.

use serde_json::Value;

use crate::helpers::{Person, platform_admin, spawn_app};

/// The platform's jobs once those matching `done` are there (workers run
/// beside the test), waiting up to five seconds.
async fn jobs_when(admin: &crate::helpers::Visitor, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..100 {
        let jobs: Vec<Value> = serde_json::from_value(admin.ok("list_platform_jobs", &[]).await).unwrap();
        if done(&jobs) {
            return jobs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the jobs did not get there: {:?}", admin.ok("list_platform_jobs", &[]).await);
}

fn of_kind<'a>(jobs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    jobs.iter().filter(|job| job["kind"] == kind).collect()
}

#[tokio::test]
async fn account_mail_and_maintenance_run_as_jobs_the_platform_admin_can_see() {
    let app = spawn_app().await;
    let ada = Person::new("ada");
    app.signed_up(&ada).await;
    app.ok("forgot_password", &[("email", &ada.email)]).await;
    let admin = platform_admin(&app).await;

    let jobs = jobs_when(&admin, |jobs| {
        ["maintenance", "password_reset"]
            .iter()
            .all(|kind| of_kind(jobs, kind).iter().any(|job| job["status"] == "succeeded"))
    })
    .await;
    // The maintenance scheduled at start-up ran once and reported each step.
    let maintenance = of_kind(&jobs, "maintenance");
    assert_eq!(maintenance.len(), 1, "once per hour however often it is scheduled");
    assert_eq!(maintenance[0]["progress_done"], 8);
    assert_eq!(maintenance[0]["progress_total"], 8);
    assert!(maintenance[0]["progress_message"].as_str().unwrap().starts_with("Purged "));
    assert_eq!(maintenance[0]["attempts"], 1);
    // Each sign-up's verification mail is a job too.
    assert!(of_kind(&jobs, "verify_email").len() >= 2, "{jobs:?}");
    app.mail_about(&ada.email, "Reset your Atrium password").await;

    // Ended jobs cannot be cancelled; unknown ids are 404.
    let id = maintenance[0]["id"].as_str().unwrap();
    assert_eq!(admin.call("cancel_platform_job", &[("job", id)]).await.status(), 409);
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(admin.call("cancel_platform_job", &[("job", &unknown)]).await.status(), 404);
    assert_eq!(admin.get("/admin/jobs").await.status(), 200);

    // Nobody else sees them, not even that they exist.
    assert_eq!(app.call("list_platform_jobs", &[]).await.status(), 404);
    assert_eq!(app.visitor().call("list_platform_jobs", &[]).await.status(), 401);
    assert_eq!(app.call("cancel_platform_job", &[("job", id)]).await.status(), 404);
    assert_eq!(app.get("/admin/jobs").await.status(), 404);
}
