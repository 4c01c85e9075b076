//! `atrium seed-demo`: an organization to look around in.
//!
//! "Northwind Studio", owned by the given email, with four more people (an
//! Admin, two Members and a Guest), five labels, three projects (one archived), two-week
//! cycles around today, and a few hundred tasks created and completed over
//! the last twelve weeks, so the dashboard's chart, the cycles' progress and
//! the task filters all have something to show. The content is the same on
//! every run: variety comes from a fixed hash of each task's number, not
//! from a random source.

use app::{
    model::{
        Action, CycleName, DisplayName, Email, LabelColor, LabelName, OrgName, Password, Plan, Priority,
        ProjectDescription, ProjectName, Role, TaskDescription, TaskFields, TaskId, TaskTitle, UserId,
    },
    server::{
        Config,
        auth::password,
        ctx::{OrgCtx, Writer},
        db::{Db, Timestamp, cycles, labels, orgs, projects, tasks, testing, users},
    },
};
use secrecy::ExposeSecret;
use time::{Date, Duration, OffsetDateTime};

use crate::seed::SeedError;

/// What `seed-demo` made: where to sign in.
#[derive(Debug, serde::Serialize)]
pub struct Demo {
    /// The owner's email; every demo person signs in with the same password.
    pub email: String,
    /// The other people, as `(email, role)`.
    pub people: Vec<(String, Role)>,
    /// The organization's slug: its pages are under `/o/{org}`.
    pub org: String,
    pub tasks: usize,
}

/// The people besides the owner: name, the tag of their address
/// (`owner+tag@domain`) and role.
const PEOPLE: [(&str, &str, Role); 4] = [
    ("Ari Admin", "ari", Role::Admin),
    ("Mo Member", "mo", Role::Member),
    ("Sam Member", "sam", Role::Member),
    ("Gail Guest", "gail", Role::Guest),
];

const LABELS: [(&str, LabelColor); 5] = [
    ("bug", LabelColor::Red),
    ("feature", LabelColor::Blue),
    ("design", LabelColor::Purple),
    ("docs", LabelColor::Teal),
    ("urgent", LabelColor::Orange),
];

/// Projects: name, description, tasks, archived.
const PROJECTS: [(&str, &str, usize, bool); 3] = [
    ("Website relaunch", "The new marketing site: pages, copy, and the move off the old CMS.", 160, false),
    ("Mobile app", "The iOS and Android app's first public release.", 120, false),
    ("Spring conference", "Our booth and talk at the spring conference (done and archived).", 40, true),
];

const VERBS: [&str; 10] = ["Draft", "Review", "Fix", "Design", "Test", "Ship", "Plan", "Write", "Measure", "Update"];
const OBJECTS: [&str; 16] = [
    "the pricing page",
    "the sign-in flow",
    "push notifications",
    "the onboarding checklist",
    "the release notes",
    "the press kit",
    "image compression",
    "the settings screen",
    "the search results",
    "the offline mode",
    "the newsletter template",
    "the accessibility audit",
    "the crash reports",
    "the app store listing",
    "the booth layout",
    "the analytics dashboard",
];
const DESCRIPTIONS: [&str; 4] = [
    "",
    "Agree on the scope first, then split what is left into tasks of a day or less.",
    "Customers asked for this twice last month; see the support thread for their words.",
    "Pair on it: one writes, one checks against the checklist in the handbook.",
];

/// Weeks of history behind today's tasks (the dashboard charts twelve).
const WEEKS: i64 = 12;

/// A stable pseudo-random number for `n` (SplitMix64's finalizer), so the
/// demo looks varied yet is the same on every run.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Picks one of `items` for task `n`'s `salt`.
fn pick<T: Copy>(items: &[T], n: u64, salt: u64) -> T {
    items[(mix(n.wrapping_mul(31).wrapping_add(salt)) % items.len() as u64) as usize]
}

/// Creates the demo organization in the database of `config` (migrating
/// it first), owned by `email` with `password_text`.
///
/// # Errors
/// `SeedError::Input` when the email or password is not valid or the email
/// already has an account; database errors as they come.
pub async fn seed_demo(config: &Config, email: &str, password_text: &str) -> Result<Demo, SeedError> {
    let db = Db::connect(config.database_url.expose_secret(), config.database_max_connections).await?;
    db.migrate().await?;
    let made = create(&db, email, password_text).await;
    db.close().await;
    made
}

/// Creates the demo organization in `db`, owned by `email` with
/// `password_text` (see the module's documentation).
///
/// # Errors
/// As [`seed_demo`].
pub async fn create(db: &Db, email: &str, password_text: &str) -> Result<Demo, SeedError> {
    let input = |what: &str, e: &dyn std::fmt::Display| SeedError::Input(format!("{what}: {e}"));
    let password = Password::parse(password_text.to_owned()).map_err(|e| input("password", &e))?;
    let owner_email = Email::parse(email).map_err(|e| input("email", &e))?;
    let (local, domain) = owner_email.as_str().split_once('@').ok_or_else(|| input("email", &"no domain"))?;
    // Every address is checked before anything is written: a half-made
    // demo would block the next try.
    let mut addresses = vec![owner_email.clone()];
    for (_, tag, _) in PEOPLE {
        addresses.push(Email::parse(&format!("{local}+{tag}@{domain}")).map_err(|e| input("email", &e))?);
    }
    for address in &addresses {
        if users::find_by_email(db, address).await?.is_some() {
            return Err(SeedError::Input(format!(
                "{address} already has an account: pass another --email for a second demo"
            )));
        }
    }
    let hash = password::hash(&password).await?;

    let owner_name = DisplayName::parse("Dana Owner").map_err(|e| input("name", &e))?;
    let org_name = OrgName::parse("Northwind Studio").map_err(|e| input("organization", &e))?;
    let (owner, org) = users::insert_with_organization(
        db,
        new_user(&owner_email, &owner_name, &hash),
        (&org_name, Plan::Pro),
        users::founded_event,
    )
    .await
    .map_err(|e| input("owner", &e))?;
    let ctx = OrgCtx::load(db, owner.id, &org.slug).await?;
    let admin = ctx.admin(Action::TrashProjects)?;
    let writer: &Writer = &admin;

    let mut people = Vec::new();
    let mut workers = vec![owner.id];
    for ((name, _, role), email) in PEOPLE.into_iter().zip(&addresses[1..]) {
        let name = DisplayName::parse(name).map_err(|e| input("name", &e))?;
        let user = users::insert(db, new_user(email, &name, &hash)).await.map_err(|e| input("member", &e))?;
        orgs::add_member(db, &admin, user.id, role).await?;
        if role != Role::Guest {
            workers.push(user.id);
        }
        people.push((email.as_str().to_owned(), role));
    }

    let mut label_ids = Vec::new();
    for (name, color) in LABELS {
        let name = LabelName::parse(name).map_err(|e| input("label", &e))?;
        label_ids.push(labels::insert(db, writer, &name, color).await.map_err(|e| input("label", &e))?.id);
    }

    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let mut made = 0;
    for (p, (name, description, count, archived)) in PROJECTS.into_iter().enumerate() {
        let project = projects::insert(
            db,
            writer,
            &ProjectName::parse(name).map_err(|e| input("project", &e))?,
            &ProjectDescription::parse(description).map_err(|e| input("project", &e))?,
            projects::created_event(writer),
        )
        .await
        .map_err(|e| input("project", &e))?;
        // Two-week cycles: three behind today's, today's, and the next.
        let this_monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
        let mut cycle_ids = Vec::new();
        for c in -3..=1_i64 {
            let starts = this_monday + Duration::weeks(2 * c);
            let name = CycleName::parse(&format!("Sprint {}", c + 4)).map_err(|e| input("cycle", &e))?;
            let cycle = cycles::insert(db, writer, project.id, &name, starts, starts + Duration::days(13))
                .await?
                .ok_or_else(|| input("cycle", &"project not writable"))?;
            cycle_ids.push((cycle.id, starts));
        }

        // Each task's number and the day it was made.
        let numbers: Vec<(u64, Date)> =
            (0..count).map(|i| ((p as u64) << 32) | i as u64).map(|n| (n, created_on(n, today, archived))).collect();
        let fields: Vec<TaskFields> = numbers
            .iter()
            .map(|&(n, created)| task(n, created, &workers, &label_ids, &cycle_ids))
            .collect::<Result<_, _>>()
            .map_err(|e| input("task", &e))?;
        let ids = tasks::insert_many(db, writer, project.id, &fields).await.map_err(|e| input("tasks", &e))?;
        let history: Vec<(TaskId, Timestamp, Option<Timestamp>)> = numbers
            .iter()
            .zip(&ids)
            .map(|(&(n, created), &id)| {
                let created_at = at(created, n);
                let completed_at = completed_on(n, created, today, archived).map(|day| at(day, n + 1));
                (id, created_at, completed_at)
            })
            .collect();
        let done: Vec<TaskId> = history.iter().filter(|(_, _, c)| c.is_some()).map(|(id, _, _)| *id).collect();
        tasks::set_completed(db, writer, &done, true).await?;
        testing::backdate_tasks(db, writer, &history).await?;
        if archived {
            projects::set_archived(
                db,
                writer,
                project.id,
                true,
                projects::changed_event(writer, "project.archived", project.id),
            )
            .await
            .map_err(|e| input("project", &e))?;
        }
        made += ids.len();
    }
    Ok(Demo { email: owner_email.as_str().to_owned(), people, org: org.slug, tasks: made })
}

/// A demo account: its address already confirmed.
fn new_user<'a>(email: &'a Email, name: &'a DisplayName, hash: &'a str) -> users::NewUser<'a> {
    users::NewUser { email, display_name: name, password_hash: hash, is_platform_admin: false, email_verified: true }
}

/// The day task `n` was created: the archived project's tasks in the
/// oldest weeks, the others spread over all twelve, more of them recently
/// (work picks up).
fn created_on(n: u64, today: Date, archived: bool) -> Date {
    let span = WEEKS * 7;
    let r = mix(n) % 1000;
    let x = r as i64;
    let days_ago = if archived {
        span - 1 - (x * 28 / 1000)
    } else {
        // Squaring leans the spread towards today.
        x * x * (span - 1) / 1_000_000
    };
    today - Duration::days(days_ago)
}

/// The day task `n` (created on `created`) was completed, if it was: the
/// archived project's every task, the others more often the older they
/// are, a few days to three weeks after creation and never after today.
fn completed_on(n: u64, created: Date, today: Date, archived: bool) -> Option<Date> {
    let age = (today - created).whole_days();
    let odds = if archived { 1000 } else { (age * 1000 / (WEEKS * 7)).clamp(50, 900) as u64 };
    if mix(n ^ 0xd0e) % 1000 >= odds {
        return None;
    }
    let after = 1 + (mix(n ^ 0xa11) % 21) as i64;
    Some((created + Duration::days(after)).min(today))
}

/// A time of day within working hours for `day`, varied by `n`.
fn at(day: Date, n: u64) -> Timestamp {
    let minutes = 8 * 60 + (mix(n ^ 0x71e) % (10 * 60)) as i64;
    Timestamp::from(OffsetDateTime::new_utc(day, time::Time::MIDNIGHT) + Duration::minutes(minutes))
}

/// The fields of task `n`, created on `created`.
fn task(
    n: u64,
    created: Date,
    workers: &[UserId],
    labels: &[app::model::LabelId],
    cycles: &[(app::model::CycleId, Date)],
) -> Result<TaskFields, String> {
    let title = format!("{} {}", pick(&VERBS, n, 1), pick(&OBJECTS, n, 2));
    let priority = pick(&Priority::ALL, n, 3);
    let due_on = (!mix(n ^ 4).is_multiple_of(3)).then(|| created + Duration::days(3 + (mix(n ^ 5) % 25) as i64));
    let assignee = (!mix(n ^ 6).is_multiple_of(5)).then(|| pick(workers, n, 7));
    let mut task_labels = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        if mix(n ^ (8 + i as u64)).is_multiple_of(5) {
            task_labels.push(*label);
        }
    }
    // The cycle running when the task was made, when there is one.
    let cycle = cycles.iter().rev().find(|(_, starts)| *starts <= created).map(|(id, _)| *id);
    Ok(TaskFields {
        title: TaskTitle::parse(&title).map_err(|e| e.to_string())?,
        description: TaskDescription::parse(pick(&DESCRIPTIONS, n, 9)).map_err(|e| e.to_string())?,
        priority,
        due_on,
        assignee,
        cycle: cycle.filter(|_| !mix(n ^ 10).is_multiple_of(4)),
        labels: task_labels,
    })
}
