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
        db::{
            cycles,
            imports::{self, Refusal},
            labels, members, tasks,
        },
        job_context::{Cancelled, JobContext},
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
    let bytes = without_bom(bytes);
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
    let bytes = without_bom(bytes);
    let mut lines = Lines::new(bytes);
    reader(bytes)
        .records()
        .take(PREVIEW_ROWS)
        .map(|record| match record {
            Ok(record) => PreviewRow {
                line: lines.at(record.position().map_or(0, |p| p.byte())),
                cells: ImportField::ALL.iter().map(|f| cell(&record, mapping, *f).to_owned()).collect(),
                errors: check(&record, mapping, lookup).err().unwrap_or_default(),
            },
            Err(err) => PreviewRow {
                line: err.position().map_or(0, |p| lines.at(p.byte())),
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

/// Writes the refused rows as CSV: their line, why, then the row as it
/// was. Rows may have any number of cells (an unreadable row has none, a
/// short row fewer than the header).
fn error_report(columns: &[String], refused: &[Refusal]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut head = vec!["line".to_owned(), "error".to_owned()];
    head.extend(columns.iter().cloned());
    write_row(&mut writer, &head)?;
    for row in refused {
        let mut record = vec![row.line.to_string(), row.reason.clone()];
        record.extend(row.cells.iter().cloned());
        write_row(&mut writer, &record)?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Line numbers of records, from their byte offsets: counts the `\n`s
/// before each offset (so `\r\n` and `\n` files number the same), moving
/// forward only, so a whole file costs one pass.
struct Lines<'b> {
    bytes: &'b [u8],
    offset: usize,
    line: u64,
}

impl<'b> Lines<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Self { bytes, offset: 0, line: 1 }
    }

    /// The line (from 1) of the record starting at byte `offset`; offsets
    /// must not go back. The csv reader ends a line at its `\r`, so in a
    /// `\r\n` file a record's offset is that of the `\n` before it: line
    /// breaks at the offset belong before the record.
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while self.bytes.get(offset).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            offset += 1;
        }
        if offset > self.offset {
            self.line += self.bytes[self.offset..offset].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// The file without a UTF-8 byte-order mark.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The job: imports the rows of import `id` for `user` (who must still be
/// a Member or above of `org`), [`BATCH`] records per transaction, with
/// the import's counts, its refused rows and its resume point committed
/// in the same transaction ([`imports::commit_batch`]); progress is
/// reported after each. A new attempt (after a crash, or a failure of the
/// database or the storage) resumes after the last committed batch. A
/// cancel stops between batches, with every batch before it imported
/// whole. The import always ends: done (with or without refused rows,
/// kept as a CSV report), cancelled, or failed with a reason; an error the
/// job retries leaves it importing until its last attempt, after which
/// [`imports::end_orphaned`] ends it failed.
#[tracing::instrument(name = "imports::run", level = "debug", skip_all, fields(org = %org, import = %id, user = %user))]
pub async fn run(
    ctx: &JobContext,
    state: &AppState,
    org: OrgId,
    id: TaskImportId,
    user: UserId,
) -> Result<(), ImportError> {
    let Some((import, consumed)) = imports::find_for_run(&state.db, org, id).await? else {
        return Err(ImportError::Refused("the import is gone".into()));
    };
    if import.status != ImportStatus::Importing {
        // Cancelled before it ran, or ended: nothing to do.
        return Ok(());
    }
    match import_rows(ctx, state, org, &import, consumed, user).await {
        Ok(status) => {
            let refused = imports::refusals(&state.db, org, id).await?;
            if !refused.is_empty() {
                let report = error_report(&import.columns, &refused)
                    .map_err(|err| ImportError::Refused(format!("The report of refused rows failed: {err}.")));
                match report {
                    Ok(report) => state.storage.put(&Storage::import_errors_key(org, id), report).await?,
                    Err(err) => return fail(state, org, id, err).await,
                }
            }
            imports::end(&state.db, org, id, status, None).await?;
            if status == ImportStatus::Cancelled { Err(ImportError::Cancelled) } else { Ok(()) }
        }
        Err(ImportError::Cancelled) => {
            imports::end(&state.db, org, id, ImportStatus::Cancelled, None).await?;
            Err(ImportError::Cancelled)
        }
        // The import cannot go on, whatever the number of attempts.
        Err(err @ ImportError::Refused(_)) => fail(state, org, id, err).await,
        // Database or storage trouble: the job tries again, from the last
        // committed batch; after its last attempt the import is ended.
        Err(err) => Err(err),
    }
}

/// Ends import `id` failed with `err` as its reason, and returns `err`.
async fn fail(state: &AppState, org: OrgId, id: TaskImportId, err: ImportError) -> Result<(), ImportError> {
    if let Err(record) = imports::end(&state.db, org, id, ImportStatus::Failed, Some(&err.to_string())).await {
        tracing::error!(error = %record, import = %id, "recording a failed import failed");
    }
    Err(err)
}

/// Imports the records after the first `consumed`; how the import ended
/// (succeeded, or cancelled between batches).
async fn import_rows(
    ctx: &JobContext,
    state: &AppState,
    org: OrgId,
    import: &crate::model::TaskImport,
    consumed: i64,
    user: UserId,
) -> Result<ImportStatus, ImportError> {
    let id = import.id;
    let mapping = import.mapping.clone().unwrap_or_default();
    let member = OrgCtx::load_by_id(&state.db, user, org)
        .await
        .map_err(|_| ImportError::Refused("The person who started the import is no longer a member.".into()))?;
    let writer: Writer = member
        .writer(Action::EditTasks)
        .map_err(|err| ImportError::Refused(format!("The import is not allowed: {err}.")))?;
    let stored = state.storage.read_all(&Storage::import_key(org, id)).await?;
    let bytes = without_bom(&stored);
    let lookup = Lookup::load(state, &member, import.project_id).await.map_err(ImportError::Db)?;
    let total = i64::try_from(reader(bytes).byte_records().count()).unwrap_or(i64::MAX);
    let (mut imported, mut failed) = (import.rows_imported, import.rows_failed);
    let mut lines = Lines::new(bytes);
    let mut records = reader(bytes).into_byte_records().enumerate().skip(usize::try_from(consumed).unwrap_or(0));
    let start = if consumed > 0 { "Resuming" } else { "Importing" };
    ctx.progress(imported + failed, Some(total), start).await?;
    loop {
        let mut tasks: Vec<(TaskFields, bool)> = Vec::with_capacity(BATCH);
        let mut refused = Vec::new();
        let mut seen = 0_i64;
        for (index, record) in records.by_ref().take(BATCH) {
            seen += 1;
            let index = i64::try_from(index).unwrap_or(i64::MAX);
            match record {
                Ok(record) => {
                    let line = i64::try_from(lines.at(record.position().map_or(0, |p| p.byte()))).unwrap_or(0);
                    match csv::StringRecord::from_byte_record(record) {
                        Ok(record) => match check(&record, &mapping, &lookup) {
                            Ok(row) => tasks.push((row.fields, row.done)),
                            Err(errors) => refused.push(Refusal {
                                record: index,
                                line,
                                reason: errors.join("; "),
                                cells: record.iter().map(str::to_owned).collect(),
                            }),
                        },
                        Err(err) => {
                            let record = err.into_byte_record();
                            let cells = record.iter().map(|c| String::from_utf8_lossy(c).into_owned());
                            refused.push(Refusal {
                                record: index,
                                line,
                                reason: "The row is not UTF-8 text: save the file as UTF-8 and import it again."
                                    .to_owned(),
                                cells: cells.collect(),
                            });
                        }
                    }
                }
                Err(err) => refused.push(Refusal {
                    record: index,
                    line: i64::try_from(err.position().map_or(0, |p| lines.at(p.byte()))).unwrap_or(0),
                    reason: format!("The row cannot be read: {err}."),
                    cells: Vec::new(),
                }),
            }
        }
        if seen == 0 {
            return Ok(ImportStatus::Succeeded);
        }
        let batch = imports::Batch { tasks: &tasks, refused: &refused, records: seen, total };
        let committed = imports::commit_batch(&state.db, &writer, id, import.project_id, &batch).await.map_err(
            |err| match err {
                tasks::TaskWriteError::NotWritable => {
                    ImportError::Refused("The project was archived or trashed during the import.".into())
                }
                tasks::TaskWriteError::Db(err) => ImportError::Db(err),
            },
        )?;
        let Some(ids) = committed else {
            // Ended meanwhile (cancelled while queued again): stop here.
            return Ok(ImportStatus::Cancelled);
        };
        imported += i64::try_from(ids.len()).unwrap_or(0);
        failed += i64::try_from(refused.len()).unwrap_or(0);
        let message = format!("Imported {imported} of {total} rows, {failed} refused");
        if ctx.progress(imported + failed, Some(total), &message).await.is_err() {
            return Ok(ImportStatus::Cancelled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_numbered_by_the_line_they_start_on_for_either_line_ending() {
        for newline in ["\n", "\r\n"] {
            let text =
                format!("title,priority{newline}One,low{newline}\"Two{newline}lines\",high{newline}Three,{newline}");
            let bytes = text.as_bytes();
            let mut lines = Lines::new(bytes);
            let numbered: Vec<u64> = reader(bytes)
                .into_byte_records()
                .map(|record| lines.at(record.unwrap().position().unwrap().byte()))
                .collect();
            assert_eq!(numbered, [2, 3, 5], "{newline:?}");
        }
    }
}
