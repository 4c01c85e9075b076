//! CSV imports of tasks: reading the header, checking rows against the
//! mapping (the preview and the import use the same check), and the job
//! that imports in batches.
//!
//! The task export's own columns import without mapping (`ImportMapping::
//! guess`), and a cell the export guarded against spreadsheet formulas
//! (a leading `'`) comes back as it was.

use std::collections::HashMap;

use crate::server::csv_out::{FORMULA_STARTS, write_row};
use crate::{
    model::{
        Action, ImportField, ImportMapping, ImportStatus, OrgId, PreviewRow, Priority, ProjectId, TaskDescription,
        TaskFields, TaskImportId, TaskTitle, UserId, task::parse_date_field,
    },
    server::{
        AppState,
        ctx::{OrgCtx, Writer},
        db::{cycles, imports, labels, members, tasks},
        jobs::{Cancelled, JobContext},
        storage::Storage,
    },
};

/// The largest CSV accepted, in bytes (10 MiB: some 100,000 tasks).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Rows imported per transaction; a cancel stops between two.
pub const BATCH: usize = 200;
/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A CSV reader that tolerates rows of uneven length (each is checked on
/// its own) and a byte-order mark.
fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new().flexible(true).from_reader(bytes)
}

/// The header row; an error for people when there is none.
pub fn header(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut reader = reader(bytes);
    let header = reader.headers().map_err(|err| format!("This is not a CSV file we can read: {err}."))?;
    let columns: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    if columns.iter().all(String::is_empty) {
        return Err("The file has no header row: its first line must name the columns.".to_owned());
    }
    Ok(columns)
}

/// Names the organization's labels, members and the project's cycles are
/// found by, lowercased.
pub struct Lookup {
    labels: HashMap<String, crate::model::LabelId>,
    members: HashMap<String, UserId>,
    cycles: HashMap<String, crate::model::CycleId>,
}

impl Lookup {
    pub async fn load(state: &AppState, ctx: &OrgCtx, project: ProjectId) -> Result<Self, sqlx::Error> {
        let labels = labels::list(&state.db, ctx).await?.into_iter().map(|l| (l.name.to_lowercase(), l.id)).collect();
        let mut members_by_name = HashMap::new();
        for member in members::list_all(&state.db, ctx).await? {
            members_by_name.insert(member.display_name.to_lowercase(), member.user_id);
            if let Some(email) = member.email {
                members_by_name.insert(email.to_lowercase(), member.user_id);
            }
        }
        let cycles = cycles::list_for_project(&state.db, ctx, project)
            .await?
            .into_iter()
            .map(|c| (c.name.to_lowercase(), c.id))
            .collect();
        Ok(Self { labels, members: members_by_name, cycles })
    }
}

/// A cell as the export wrote it, without the `'` that guarded a formula.
fn cell<'r>(record: &'r csv::StringRecord, mapping: &ImportMapping, field: ImportField) -> &'r str {
    let value = mapping.column(field).and_then(|i| record.get(i)).unwrap_or_default().trim();
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => value,
    }
}

/// A row ready to insert: the task, and whether it is done.
pub struct ImportRow {
    pub fields: TaskFields,
    pub done: bool,
}

/// Checks one record against the mapping: the task it makes, or every
/// reason it cannot (people fix them all at once).
pub fn check(record: &csv::StringRecord, mapping: &ImportMapping, lookup: &Lookup) -> Result<ImportRow, Vec<String>> {
    let mut errors = Vec::new();
    let mut note = |field: ImportField, message: String| errors.push(format!("{}: {message}", field.label()));
    let title = TaskTitle::parse(cell(record, mapping, ImportField::Title))
        .map_err(|err| note(ImportField::Title, err.to_string()))
        .ok();
    let description = TaskDescription::parse(cell(record, mapping, ImportField::Description))
        .map_err(|err| note(ImportField::Description, err.to_string()))
        .ok();
    let done = match cell(record, mapping, ImportField::Status).to_lowercase().as_str() {
        "" | "open" | "todo" | "to do" => false,
        "done" | "completed" | "closed" => true,
        other => {
            note(ImportField::Status, format!("{other:?} is neither open nor done."));
            false
        }
    };
    let priority = match cell(record, mapping, ImportField::Priority).to_lowercase().as_str() {
        "" => Some(Priority::None),
        text => text.parse::<Priority>().map_err(|err| note(ImportField::Priority, err.to_string())).ok(),
    };
    let due_on = parse_date_field(cell(record, mapping, ImportField::DueOn))
        .map_err(|err| note(ImportField::DueOn, err))
        .unwrap_or(None);
    let assignee = match cell(record, mapping, ImportField::Assignee) {
        "" => None,
        name => match lookup.members.get(&name.to_lowercase()) {
            Some(id) => Some(*id),
            None => {
                note(ImportField::Assignee, format!("No member is called {name:?}."));
                None
            }
        },
    };
    let cycle = match cell(record, mapping, ImportField::Cycle) {
        "" => None,
        name => match lookup.cycles.get(&name.to_lowercase()) {
            Some(id) => Some(*id),
            None => {
                note(ImportField::Cycle, format!("The project has no cycle {name:?}."));
                None
            }
        },
    };
    let mut labels = Vec::new();
    for name in cell(record, mapping, ImportField::Labels).split(';').map(str::trim).filter(|n| !n.is_empty()) {
        match lookup.labels.get(&name.to_lowercase()) {
            Some(id) => labels.push(*id),
            None => note(ImportField::Labels, format!("There is no label {name:?}.")),
        }
    }
    match (title, description, priority) {
        (Some(title), Some(description), Some(priority)) if errors.is_empty() => {
            Ok(ImportRow { fields: TaskFields { title, description, priority, due_on, assignee, cycle, labels }, done })
        }
        _ => Err(errors),
    }
}

/// The mapping is unusable: a column out of range, or no title.
pub fn check_mapping(mapping: &ImportMapping, columns: usize) -> Result<(), String> {
    if mapping.column(ImportField::Title).is_none() {
        return Err("Choose the column that holds the task titles.".to_owned());
    }
    if mapping.0.iter().any(|(_, column)| *column >= columns) {
        return Err("Choose columns of the file.".to_owned());
    }
    Ok(())
}

/// The first [`PREVIEW_ROWS`] rows of the file with what is wrong with
/// each, as the import would find it.
pub fn preview(bytes: &[u8], mapping: &ImportMapping, lookup: &Lookup) -> Vec<PreviewRow> {
    reader(bytes)
        .records()
        .take(PREVIEW_ROWS)
        .map(|record| match record {
            Ok(record) => PreviewRow {
                line: record.position().map_or(0, |p| p.line()),
                cells: ImportField::ALL.iter().map(|f| cell(&record, mapping, *f).to_owned()).collect(),
                errors: check(&record, mapping, lookup).err().unwrap_or_default(),
            },
            Err(err) => PreviewRow {
                line: err.position().map_or(0, |p| p.line()),
                cells: Vec::new(),
                errors: vec![format!("The row cannot be read: {err}.")],
            },
        })
        .collect()
}

/// The import could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] crate::server::storage::StorageError),
    #[error("{0}")]
    Refused(String),
    #[error("cancelled")]
    Cancelled,
}

impl From<Cancelled> for ImportError {
    fn from(_: Cancelled) -> Self {
        ImportError::Cancelled
    }
}

/// Writes the refused rows as CSV: their line, why, then the row as it was.
fn error_report(columns: &[String], refused: &[(u64, String, Vec<String>)]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut head = vec!["line".to_owned(), "error".to_owned()];
    head.extend(columns.iter().cloned());
    write_row(&mut writer, &head)?;
    for (line, reason, cells) in refused {
        let mut row = vec![line.to_string(), reason.clone()];
        row.extend(cells.iter().cloned());
        write_row(&mut writer, &row)?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The job: imports the rows of import `id` for `user` (who must still be
/// a Member or above of `org`), [`BATCH`] rows per transaction, reporting
/// progress after each; a cancel stops between batches, with every batch
/// before it imported whole. Refused rows (line, reasons) are kept as a
/// CSV report.
pub async fn run(
    ctx: &JobContext,
    state: &AppState,
    org: OrgId,
    id: TaskImportId,
    user: UserId,
) -> Result<(), ImportError> {
    let import =
        imports::find_in(&state.db, org, id).await?.ok_or_else(|| ImportError::Refused("the import is gone".into()))?;
    if import.status != ImportStatus::Importing {
        // Cancelled before it ran, or ended: nothing to do.
        return Ok(());
    }
    let mapping = import.mapping.clone().unwrap_or_default();
    let outcome = async {
        let member = OrgCtx::load_by_id(&state.db, user, org)
            .await
            .map_err(|_| ImportError::Refused("The person who started the import is no longer a member.".into()))?;
        let writer: Writer = member
            .writer(Action::EditTasks)
            .map_err(|err| ImportError::Refused(format!("The import is not allowed: {err}.")))?;
        let bytes = state.storage.read_all(&Storage::import_key(org, id)).await?;
        let lookup = Lookup::load(state, &member, import.project_id).await.map_err(ImportError::Db)?;
        let total = i64::try_from(reader(&bytes).records().count()).unwrap_or(i64::MAX);
        let (mut imported, mut refused) = (0_i64, Vec::new());
        let mut records = reader(&bytes).into_records();
        ctx.progress(0, Some(total), "Importing").await?;
        loop {
            let mut batch: Vec<ImportRow> = Vec::with_capacity(BATCH);
            let mut seen = 0;
            for record in records.by_ref().take(BATCH) {
                seen += 1;
                match record {
                    Ok(record) => match check(&record, &mapping, &lookup) {
                        Ok(row) => batch.push(row),
                        Err(errors) => refused.push((
                            record.position().map_or(0, |p| p.line()),
                            errors.join("; "),
                            record.iter().map(str::to_owned).collect(),
                        )),
                    },
                    Err(err) => refused.push((
                        err.position().map_or(0, |p| p.line()),
                        format!("The row cannot be read: {err}."),
                        Vec::new(),
                    )),
                }
            }
            if seen == 0 {
                break;
            }
            if !batch.is_empty() {
                let fields: Vec<TaskFields> = batch.iter().map(|row| row.fields.clone()).collect();
                let ids =
                    tasks::insert_many(&state.db, &writer, import.project_id, &fields).await.map_err(
                        |err| match err {
                            tasks::TaskWriteError::NotWritable => {
                                ImportError::Refused("The project was archived or trashed during the import.".into())
                            }
                            tasks::TaskWriteError::Db(err) => ImportError::Db(err),
                        },
                    )?;
                let done: Vec<_> = ids.iter().zip(&batch).filter(|(_, row)| row.done).map(|(id, _)| *id).collect();
                if !done.is_empty() {
                    tasks::set_completed(&state.db, &writer, &done, true).await?;
                }
                imported += i64::try_from(ids.len()).unwrap_or(0);
            }
            let failed = i64::try_from(refused.len()).unwrap_or(0);
            imports::record(&state.db, org, id, Some(total), imported, failed, None).await?;
            let message = format!("Imported {imported} of {total} rows, {failed} refused");
            if ctx.progress(imported + failed, Some(total), &message).await.is_err() {
                return Ok((imported, refused, ImportStatus::Cancelled));
            }
        }
        Ok::<_, ImportError>((imported, refused, ImportStatus::Succeeded))
    }
    .await;
    match outcome {
        Ok((imported, refused, status)) => {
            if !refused.is_empty() {
                let report =
                    error_report(&import.columns, &refused).map_err(|err| ImportError::Refused(err.to_string()))?;
                state.storage.put(&Storage::import_errors_key(org, id), report).await?;
            }
            let failed = i64::try_from(refused.len()).unwrap_or(0);
            imports::record(&state.db, org, id, None, imported, failed, Some(status)).await?;
            if status == ImportStatus::Cancelled { Err(ImportError::Cancelled) } else { Ok(()) }
        }
        Err(err) => {
            // Cancelled before the first batch; or refused, or storage or
            // database trouble: the import ends failed, keeping the counts
            // of the batches that are in (it is not retried).
            let status =
                if matches!(err, ImportError::Cancelled) { ImportStatus::Cancelled } else { ImportStatus::Failed };
            if let Err(record) = imports::end(&state.db, org, id, status).await {
                tracing::error!(error = %record, import = %id, "recording a failed import failed");
            }
            Err(err)
        }
    }
}
