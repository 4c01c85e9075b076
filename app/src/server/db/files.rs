//! `project_files` and `upload_sessions`: what a project keeps and how it
//! arrived. The bytes are in object storage (`server::storage`); rows here
//! say what people see, and a deleted row's objects are queued for removal
//! by a trigger (`deleted_objects`), however the row went.

use crate::{
    model::{
        CycleId, FileId, FileStatus, OrgId, Page, ProjectFile, ProjectId, RefusedFile, UploadSession, UploadSessionId,
        UploadStats, UploadStatus,
    },
    server::handles::{OrgCtx, Writer},
};

use super::projects::{ProjectAccess, rule};
use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    with_pool,
};

/// Days a trashed file stays restorable, as tasks and projects do.
pub const TRASH_RETENTION_DAYS: i64 = 30;

/// Takes the organization's row lock on PostgreSQL and the write lock on
/// SQLite before the limit is read, so uploads of one organization take
/// room one at a time (a plain read first would let two both see room, or
/// on SQLite fail to upgrade to a write).
pub(crate) const LOCK_ORGANIZATION: &str = "UPDATE organizations SET updated_at = updated_at WHERE id = $1";

#[derive(sqlx::FromRow)]
struct FileRow {
    id: FileId,
    project_id: ProjectId,
    upload_session_id: Option<UploadSessionId>,
    name: String,
    size_bytes: i64,
    content_type: Option<String>,
    sha256: Option<String>,
    width: Option<i64>,
    height: Option<i64>,
    has_thumbnail: bool,
    status: FileStatus,
    failure: Option<String>,
    uploaded_by: Option<String>,
    created_at: Timestamp,
    deleted_at: Option<Timestamp>,
}

impl From<FileRow> for ProjectFile {
    fn from(row: FileRow) -> Self {
        ProjectFile {
            id: row.id,
            project_id: row.project_id,
            upload_session_id: row.upload_session_id,
            name: row.name,
            size_bytes: row.size_bytes,
            content_type: row.content_type,
            sha256: row.sha256,
            width: row.width,
            height: row.height,
            has_thumbnail: row.has_thumbnail,
            status: row.status,
            failure: row.failure,
            uploaded_by: row.uploaded_by,
            created_at: row.created_at.into_inner(),
            deleted_at: row.deleted_at.map(Timestamp::into_inner),
        }
    }
}

const FILE_COLUMNS: &str = "f.id, f.project_id, f.upload_session_id, f.name, f.size_bytes, f.content_type, \
     f.sha256, f.width, f.height, f.has_thumbnail, f.status, f.failure, u.display_name AS uploaded_by, \
     f.created_at, f.deleted_at";
const FILE_FROM: &str = "project_files f LEFT JOIN users u ON u.id = f.uploaded_by";

/// A file could not be added.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The project is archived, trashed or not the organization's.
    #[error("the project takes no files")]
    NotWritable,
    /// The organization's storage limit (bytes) would be passed.
    #[error("storage limit reached")]
    StorageFull { limit_bytes: i64, used_bytes: i64 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Returns `StorageFull` from the enclosing function unless `$more` bytes
/// fit in the organization's limit, read in the transaction `$tx` (which
/// has locked the organization with [`LOCK_ORGANIZATION`]).
macro_rules! check_room {
    ($tx:ident, $org:expr, $more:expr) => {{
        let sql = format!(
            "SELECT o.storage_limit_mb, {} FROM organizations o WHERE o.id = $1",
            $crate::server::db::orgs::STORAGE_USAGE
        );
        let (limit_mb, used): (Option<i64>, i64) = sqlx::query_as(&sql).bind($org).fetch_one(&mut *$tx).await?;
        if let Some(limit_mb) = limit_mb {
            // `storage_limit_mb` is in MiB.
            let limit_bytes = limit_mb.saturating_mul(1024 * 1024);
            if used.saturating_add($more) > limit_bytes {
                return Err($crate::server::db::files::UploadError::StorageFull { limit_bytes, used_bytes: used });
            }
        }
    }};
}
pub(crate) use check_room;

/// Starts a file in `project` (and `session`): a row in `uploading` that
/// holds `reserve` bytes of the organization's storage limit while its
/// bytes arrive. The limit check and the insert are one transaction,
/// serialized per organization, so two uploads cannot both take the last
/// room.
///
/// Errors: `NotWritable`; `StorageFull` when `reserve` bytes do not fit.
#[tracing::instrument(
    name = "files::reserve",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn reserve(
    db: &Db,
    ctx: &Writer,
    project: ProjectId,
    session: Option<UploadSessionId>,
    name: &str,
    declared_type: Option<&str>,
    reserve: i64,
) -> Result<FileId, UploadError> {
    let id = FileId::new();
    let now = Timestamp::now();
    let backend = db.backend();
    let sql = format!(
        "INSERT INTO project_files (id, org_id, project_id, upload_session_id, name, size_bytes, declared_type, \
           has_thumbnail, status, uploaded_by, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, FALSE, 'uploading', $8, $9, $9 WHERE {}",
        rule(backend, ProjectAccess::Write, "$2", "$3")
    );
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(LOCK_ORGANIZATION).bind(ctx.org_id()).execute(&mut *tx).await?;
        check_room!(tx, ctx.org_id(), reserve);
        let inserted = sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(session)
            .bind(name)
            .bind(reserve)
            .bind(declared_type)
            .bind(ctx.user_id())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(UploadError::NotWritable);
        }
        tx.commit().await?;
        Ok(id)
    })
}

/// Holds `more` bytes more for the uploading file `id` (its bytes turned
/// out larger than held so far), within the storage limit.
///
/// Errors: `StorageFull`; `NotWritable` when the file is no longer
/// uploading.
#[tracing::instrument(
    name = "files::grow",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn grow(db: &Db, ctx: &Writer, id: FileId, more: i64) -> Result<(), UploadError> {
    let sql = "UPDATE project_files SET size_bytes = size_bytes + $3, updated_at = $4 \
               WHERE org_id = $1 AND id = $2 AND status = 'uploading'";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(LOCK_ORGANIZATION).bind(ctx.org_id()).execute(&mut *tx).await?;
        check_room!(tx, ctx.org_id(), more);
        let updated = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(more)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(UploadError::NotWritable);
        }
        tx.commit().await?;
        Ok(())
    })
}

/// The uploading file `id` has all its `size` bytes stored: it waits for
/// its processing job. Records `file.created` (its id, project, name and
/// size) in the same transaction: the file exists for others from now on.
/// `false` (and nothing recorded) when it was not uploading.
#[tracing::instrument(
    name = "files::uploaded",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn uploaded(db: &Db, ctx: &Writer, id: FileId, size: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE project_files SET status = 'queued', size_bytes = $3, updated_at = $4 \
               WHERE org_id = $1 AND id = $2 AND status = 'uploading' RETURNING project_id, name";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done: Option<(ProjectId, String)> =
            sqlx::query_as(sql).bind(ctx.org_id()).bind(id).bind(size).bind(Timestamp::now()).fetch_optional(&mut *tx).await?;
        if let Some((project, name)) = &done {
            let data = serde_json::json!({ "id": id, "project_id": project, "name": name, "size_bytes": size, "status": "queued" });
            let event = NewEvent::change(ctx.org_id(), "file.created", ("file", id.to_string()), Some(ctx.user_id()), data);
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        Ok(done.is_some())
    })
}

/// Forgets the file `id` whose upload failed or was refused (its held
/// bytes are free again, and whatever was stored goes with the row).
#[tracing::instrument(
    name = "files::discard",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn discard(db: &Db, ctx: &Writer, id: FileId) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM project_files WHERE org_id = $1 AND id = $2 AND status = 'uploading'";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(id).execute(&mut *conn).await?;
    });
    Ok(())
}

/// The file `id` of the organization, in the trash too; `None` for another
/// organization's, or when its project is in the trash.
#[tracing::instrument(
    name = "files::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, id: FileId) -> Result<Option<ProjectFile>, sqlx::Error> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM {FILE_FROM} WHERE f.org_id = $1 AND f.id = $2 AND {}",
        rule(db.backend(), ProjectAccess::Read, "f.org_id", "f.project_id")
    );
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, FileRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(ProjectFile::from))
}

/// Which of a project's files a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileView {
    /// Not in the trash, newest first.
    Live,
    /// In the trash, most recently trashed first.
    Trash,
}

/// A page of `project`'s files in `view`.
#[tracing::instrument(
    name = "files::list",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn list(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    view: FileView,
    limit: u32,
    offset: u32,
) -> Result<Page<ProjectFile>, sqlx::Error> {
    let (filter, order) = match view {
        FileView::Live => ("f.deleted_at IS NULL", "f.created_at DESC, f.id DESC"),
        FileView::Trash => ("f.deleted_at IS NOT NULL", "f.deleted_at DESC, f.id DESC"),
    };
    let count_sql =
        format!("SELECT COUNT(*) FROM project_files f WHERE f.org_id = $1 AND f.project_id = $2 AND {filter}");
    let page_sql = format!(
        "SELECT {FILE_COLUMNS} FROM {FILE_FROM} WHERE f.org_id = $1 AND f.project_id = $2 AND {filter} \
         ORDER BY {order} LIMIT $3 OFFSET $4"
    );
    let (total, rows) = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let total: i64 = sqlx::query_scalar(&count_sql).bind(ctx.org_id()).bind(project).fetch_one(&mut *conn).await?;
        let rows = sqlx::query_as::<_, FileRow>(&page_sql)
            .bind(ctx.org_id())
            .bind(project)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *conn)
            .await?;
        (total, rows)
    });
    Ok(Page::new(rows.into_iter().map(ProjectFile::from).collect(), total, limit, offset))
}

/// The files of upload session `session`, in the order they were sent.
#[tracing::instrument(
    name = "files::list_for_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn list_for_session(
    db: &Db,
    ctx: &OrgCtx,
    session: UploadSessionId,
) -> Result<Vec<ProjectFile>, sqlx::Error> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM {FILE_FROM} WHERE f.org_id = $1 AND f.upload_session_id = $2 \
         ORDER BY f.created_at, f.id"
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, FileRow>(&sql).bind(ctx.org_id()).bind(session).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(ProjectFile::from).collect())
}

/// The condition that the file `f` may be changed: in a writable project.
fn writable(db: &Db) -> String {
    rule(db.backend(), ProjectAccess::Write, "$1", "project_files.project_id")
}

/// Renames a live file, and records `event` in the same transaction.
/// `false` (and nothing recorded) when there is none to rename.
#[tracing::instrument(
    name = "files::rename",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn rename(db: &Db, ctx: &Writer, id: FileId, name: &str, event: &NewEvent) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE project_files SET name = $3, updated_at = $4 \
         WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL AND status <> 'uploading' AND {}",
        writable(db)
    );
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done = sqlx::query(&sql).bind(ctx.org_id()).bind(id).bind(name).bind(Timestamp::now()).execute(&mut *tx).await?;
        let renamed = done.rows_affected() == 1;
        if renamed {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        Ok(renamed)
    })
}

/// Moves live files to the trash (`true`) or takes them out (`false`),
/// recording the event `event` makes of each file that moved in the same
/// transaction. Returns how many moved.
#[tracing::instrument(
    name = "files::set_trashed",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn set_trashed(
    db: &Db,
    ctx: &Writer,
    ids: &[FileId],
    trashed: bool,
    event: impl Fn(FileId) -> NewEvent,
) -> Result<u64, sqlx::Error> {
    let (set, state) = if trashed {
        ("deleted_at = $3", "deleted_at IS NULL AND status <> 'uploading'")
    } else {
        ("deleted_at = NULL", "deleted_at IS NOT NULL")
    };
    let sql = format!(
        "UPDATE project_files SET {set}, updated_at = $3 WHERE org_id = $1 AND id = $2 AND {state} AND {}",
        writable(db)
    );
    let now = Timestamp::now();
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let mut moved = 0;
        for id in ids {
            let done = sqlx::query(&sql).bind(ctx.org_id()).bind(*id).bind(now).execute(&mut *tx).await?.rows_affected();
            if done == 1 {
                events::record(&mut *tx, &event(*id)).await?;
            }
            moved += done;
        }
        tx.commit().await?;
        Ok(moved)
    })
}

/// What the processing job needs of a file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unprocessed {
    pub name: String,
    pub declared_type: Option<String>,
    pub size_bytes: i64,
}

/// Marks the file `id` as processing and returns it; `None` when it is
/// gone or not waiting (a job run twice finds it processed).
#[tracing::instrument(
    name = "files::start_processing",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn start_processing(db: &Db, org: OrgId, id: FileId) -> Result<Option<Unprocessed>, sqlx::Error> {
    let sql = "UPDATE project_files SET status = 'processing', updated_at = $3 \
               WHERE org_id = $1 AND id = $2 AND status IN ('queued', 'processing') \
               RETURNING name, declared_type, size_bytes";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as(sql).bind(org).bind(id).bind(Timestamp::now()).fetch_optional(&mut *conn).await
    })
}

/// What processing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    Ready { content_type: String, sha256: String, width: Option<i64>, height: Option<i64>, has_thumbnail: bool },
    Failed { content_type: Option<String>, sha256: Option<String>, reason: String },
}

/// Records how processing the file `id` ended, with its `file.updated`
/// event (the new status; by nobody: the processing job) in the same
/// transaction.
#[tracing::instrument(
    name = "files::finish_processing",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn finish_processing(db: &Db, org: OrgId, id: FileId, processed: &Processed) -> Result<(), sqlx::Error> {
    let sql = "UPDATE project_files SET status = $3, content_type = $4, sha256 = $5, width = $6, height = $7, \
                 has_thumbnail = $8, failure = $9, updated_at = $10 \
               WHERE org_id = $1 AND id = $2 AND status = 'processing'";
    let (status, content_type, sha256, width, height, thumbnail, failure) = match processed {
        Processed::Ready { content_type, sha256, width, height, has_thumbnail } => {
            (FileStatus::Ready, Some(content_type), Some(sha256), *width, *height, *has_thumbnail, None)
        }
        Processed::Failed { content_type, sha256, reason } => {
            (FileStatus::Failed, content_type.as_ref(), sha256.as_ref(), None, None, false, Some(reason))
        }
    };
    let data = serde_json::json!({ "id": id, "status": status.as_str(), "content_type": content_type, "has_thumbnail": thumbnail });
    let event = NewEvent::change(org, "file.updated", ("file", id.to_string()), None, data);
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done = sqlx::query(sql)
            .bind(org)
            .bind(id)
            .bind(status)
            .bind(content_type)
            .bind(sha256)
            .bind(width)
            .bind(height)
            .bind(thumbnail)
            .bind(failure)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Deletes files trashed more than [`TRASH_RETENTION_DAYS`] before `now`,
/// and uploads cut off mid-way (still `uploading` since before
/// `abandoned_before`). Their objects are queued for removal by the
/// trigger. Maintenance, across organizations.
#[tracing::instrument(
    name = "files::purge_expired",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn purge_expired(
    db: &Db,
    now: time::OffsetDateTime,
    abandoned_before: Timestamp,
) -> Result<u64, sqlx::Error> {
    let cutoff = Timestamp::from(now - time::Duration::days(TRASH_RETENTION_DAYS));
    let sql = "DELETE FROM project_files /* maintenance: every organization */ \
               WHERE (deleted_at IS NOT NULL AND deleted_at < $1) OR (status = 'uploading' AND created_at < $2)";
    with_pool!(db, Scope::maintenance(), conn => {
        Ok(sqlx::query(sql).bind(cutoff).bind(abandoned_before).execute(&mut *conn).await?.rows_affected())
    })
}

/// Objects whose rows are gone: (owner id, organization, kind).
#[tracing::instrument(
    name = "files::deleted_objects",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn deleted_objects(db: &Db, limit: i64) -> Result<Vec<(uuid::Uuid, OrgId, String)>, sqlx::Error> {
    let sql = "SELECT owner_id, org_id, kind FROM deleted_objects LIMIT $1";
    with_pool!(db, Scope::maintenance(), conn => sqlx::query_as(sql).bind(limit).fetch_all(&mut *conn).await)
}

/// Forgets the deleted object of `owner` once it is removed from storage.
#[tracing::instrument(
    name = "files::forget_deleted_object",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_deleted_object(db: &Db, owner: uuid::Uuid) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM deleted_objects WHERE owner_id = $1";
    with_pool!(db, Scope::maintenance(), conn => {
        sqlx::query(sql).bind(owner).execute(&mut *conn).await?;
    });
    Ok(())
}

// Upload sessions.

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: UploadSessionId,
    project_id: ProjectId,
    cycle_id: Option<CycleId>,
    cycle_name: Option<String>,
    created_by: Option<String>,
    status: UploadStatus,
    files_total: i64,
    files_uploaded: i64,
    files_failed: i64,
    bytes_uploaded: i64,
    failures: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl From<SessionRow> for UploadSession {
    fn from(row: SessionRow) -> Self {
        UploadSession {
            id: row.id,
            project_id: row.project_id,
            cycle_id: row.cycle_id,
            cycle_name: row.cycle_name,
            created_by: row.created_by,
            status: row.status,
            files_total: row.files_total,
            files_uploaded: row.files_uploaded,
            files_failed: row.files_failed,
            bytes_uploaded: row.bytes_uploaded,
            failures: serde_json::from_str(&row.failures).unwrap_or_default(),
            created_at: row.created_at.into_inner(),
            updated_at: row.updated_at.into_inner(),
            finished_at: row.finished_at.map(Timestamp::into_inner),
        }
    }
}

const SESSION_COLUMNS: &str = "s.id, s.project_id, s.cycle_id, c.name AS cycle_name, u.display_name AS created_by,      s.status, s.files_total, s.files_uploaded, s.files_failed, s.bytes_uploaded, s.failures, s.created_at,      s.updated_at, s.finished_at";
const SESSION_FROM: &str =
    "upload_sessions s LEFT JOIN cycles c ON c.id = s.cycle_id LEFT JOIN users u ON u.id = s.created_by";

/// Starts an upload session of `files_total` files into `project` (and
/// `cycle`, which the caller has checked is the project's). `None` when
/// the project takes no files.
#[tracing::instrument(
    name = "files::start_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project, cycle = cycle.map(tracing::field::display))
)]
pub async fn start_session(
    db: &Db,
    ctx: &Writer,
    project: ProjectId,
    cycle: Option<CycleId>,
    files_total: i64,
) -> Result<Option<UploadSessionId>, sqlx::Error> {
    let id = UploadSessionId::new();
    let sql = format!(
        "INSERT INTO upload_sessions (id, org_id, project_id, cycle_id, created_by, status, files_total, \
            files_uploaded, files_failed, bytes_uploaded, failures, created_at, updated_at) \
            SELECT $1, $2, $3, $4, $5, 'in_progress', $6, 0, 0, 0, '[]', $7, $7 WHERE {}",
        rule(db.backend(), ProjectAccess::Write, "$2", "$3")
    );
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let done = sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(cycle)
            .bind(ctx.user_id())
            .bind(files_total)
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await?;
        Ok((done.rows_affected() == 1).then_some(id))
    })
}

/// The session `id` of the organization; `None` for another's.
#[tracing::instrument(
    name = "files::find_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_session(db: &Db, ctx: &OrgCtx, id: UploadSessionId) -> Result<Option<UploadSession>, sqlx::Error> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.org_id = $1 AND s.id = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, SessionRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(UploadSession::from))
}

/// A page of `project`'s sessions, newest first.
#[tracing::instrument(
    name = "files::list_sessions",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn list_sessions(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    limit: u32,
    offset: u32,
) -> Result<Page<UploadSession>, sqlx::Error> {
    let count_sql = "SELECT COUNT(*) FROM upload_sessions WHERE org_id = $1 AND project_id = $2";
    let page_sql = format!(
        "SELECT {SESSION_COLUMNS} FROM {SESSION_FROM} WHERE s.org_id = $1 AND s.project_id = $2 \
         ORDER BY s.created_at DESC, s.id DESC LIMIT $3 OFFSET $4"
    );
    let (total, rows) = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let total: i64 = sqlx::query_scalar(count_sql).bind(ctx.org_id()).bind(project).fetch_one(&mut *conn).await?;
        let rows = sqlx::query_as::<_, SessionRow>(&page_sql)
            .bind(ctx.org_id())
            .bind(project)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *conn)
            .await?;
        (total, rows)
    });
    Ok(Page::new(rows.into_iter().map(UploadSession::from).collect(), total, limit, offset))
}

/// `project`'s uploads in numbers, over all its sessions.
#[tracing::instrument(
    name = "files::stats",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn stats(db: &Db, ctx: &OrgCtx, project: ProjectId) -> Result<UploadStats, sqlx::Error> {
    let sql = "SELECT COUNT(*), CAST(COALESCE(SUM(files_uploaded), 0) AS BIGINT), \
        CAST(COALESCE(SUM(files_failed), 0) AS BIGINT), CAST(COALESCE(SUM(bytes_uploaded), 0) AS BIGINT) \
        FROM upload_sessions WHERE org_id = $1 AND project_id = $2";
    let (sessions, files_uploaded, files_failed, bytes_uploaded): (i64, i64, i64, i64) = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as(sql).bind(ctx.org_id()).bind(project).fetch_one(&mut *conn).await?
    });
    Ok(UploadStats { sessions, files_uploaded, files_failed, bytes_uploaded })
}

/// How one file of a session ended.
#[derive(Debug, Clone)]
pub enum Arrival {
    Stored { bytes: i64 },
    Refused(RefusedFile),
}

/// Counts a file of the in-progress session `id` as stored or refused.
/// `false` when the session is not in progress (cancelled, or ended as
/// abandoned).
#[tracing::instrument(
    name = "files::record_arrival",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn record_arrival(
    db: &Db,
    ctx: &Writer,
    id: UploadSessionId,
    arrival: &Arrival,
) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let (failed, bytes) = match arrival {
        Arrival::Stored { bytes } => (0_i64, *bytes),
        Arrival::Refused(_) => (1, 0),
    };
    // The counting write comes first: it takes the write lock (SQLite) or
    // the row lock (PostgreSQL) before the list of refusals is read.
    let count = "UPDATE upload_sessions SET files_uploaded = files_uploaded + $3, files_failed = files_failed + $4, \
                   bytes_uploaded = bytes_uploaded + $5, updated_at = $6 \
                 WHERE org_id = $1 AND id = $2 AND status = 'in_progress'";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let counted = sqlx::query(count)
            .bind(ctx.org_id())
            .bind(id)
            .bind(1 - failed)
            .bind(failed)
            .bind(bytes)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if let (1, Arrival::Refused(refused)) = (counted, arrival) {
            let failures: String = sqlx::query_scalar("SELECT failures FROM upload_sessions WHERE org_id = $1 AND id = $2")
                .bind(ctx.org_id())
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let mut list: Vec<RefusedFile> = serde_json::from_str(&failures).unwrap_or_default();
            list.push(refused.clone());
            sqlx::query("UPDATE upload_sessions SET failures = $3 WHERE org_id = $1 AND id = $2")
                .bind(ctx.org_id())
                .bind(id)
                .bind(serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(counted == 1)
    })
}

/// Ends the in-progress session `id` once every file is counted:
/// `completed` when any arrived, else `failed`. `files_total` first sets
/// how many files it had (a form upload learns it at the end).
#[tracing::instrument(
    name = "files::settle_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn settle_session(
    db: &Db,
    ctx: &Writer,
    id: UploadSessionId,
    files_total: Option<i64>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE upload_sessions SET files_total = COALESCE($4, files_total), \
                 status = CASE WHEN files_uploaded > 0 THEN 'completed' ELSE 'failed' END, finished_at = $3, \
                 updated_at = $3 \
               WHERE org_id = $1 AND id = $2 AND status = 'in_progress' \
                 AND files_uploaded + files_failed >= COALESCE($4, files_total)";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(Timestamp::now()).bind(files_total).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Cancels the in-progress session `id`: files still on their way are
/// refused when they arrive. `false` when it was not in progress.
#[tracing::instrument(
    name = "files::cancel_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn cancel_session(db: &Db, ctx: &Writer, id: UploadSessionId) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE upload_sessions SET status = 'cancelled', finished_at = $3, updated_at = $3 \
        WHERE org_id = $1 AND id = $2 AND status = 'in_progress'";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        Ok(sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(Timestamp::now()).execute(&mut *conn).await?.rows_affected() == 1)
    })
}

/// A session could not be deleted.
#[derive(Debug, thiserror::Error)]
pub enum SessionDeleteError {
    #[error("no such upload session")]
    NotFound,
    /// Files are still arriving: cancel it first.
    #[error("the upload session is in progress")]
    InProgress,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Deletes the finished session `id` and moves its files to the trash
/// (restorable for 30 days, like any trashed file). Returns how many files
/// went to the trash, and records the event `event` makes of that count
/// in the same transaction.
///
/// Errors: `NotFound`; `InProgress` while files are still arriving.
#[tracing::instrument(
    name = "files::delete_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn delete_session(
    db: &Db,
    ctx: &Writer,
    id: UploadSessionId,
    event: impl FnOnce(u64) -> NewEvent,
) -> Result<u64, SessionDeleteError> {
    let now = Timestamp::now();
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        // Lock first (see `record_arrival`), then read the status.
        sqlx::query("UPDATE upload_sessions SET updated_at = updated_at WHERE org_id = $1 AND id = $2")
            .bind(ctx.org_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let status: Option<UploadStatus> =
            sqlx::query_scalar("SELECT status FROM upload_sessions WHERE org_id = $1 AND id = $2")
                .bind(ctx.org_id())
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match status {
            None => return Err(SessionDeleteError::NotFound),
            Some(UploadStatus::InProgress) => return Err(SessionDeleteError::InProgress),
            Some(_) => {}
        }
        let trashed = sqlx::query(
                "UPDATE project_files SET deleted_at = $3, updated_at = $3 \
                WHERE org_id = $1 AND upload_session_id = $2 AND deleted_at IS NULL",
        )
        .bind(ctx.org_id())
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM upload_sessions WHERE org_id = $1 AND id = $2 AND status <> 'in_progress'")
            .bind(ctx.org_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, &event(trashed)).await?;
        tx.commit().await?;
        Ok(trashed)
    })
}

/// Ends sessions left in progress with no file arriving since `before`
/// (the browser went away): `completed` when any file arrived, else
/// `failed`. Maintenance, across organizations.
#[tracing::instrument(
    name = "files::end_abandoned_sessions",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn end_abandoned_sessions(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE upload_sessions /* maintenance: every organization */ SET \
        status = CASE WHEN files_uploaded > 0 THEN 'completed' ELSE 'failed' END, finished_at = updated_at \
        WHERE status = 'in_progress' AND updated_at < $1";
    with_pool!(db, Scope::maintenance(), conn => Ok(sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()))
}
