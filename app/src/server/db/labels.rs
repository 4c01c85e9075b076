//! `labels`: an organization's labels for tasks.

use std::collections::HashSet;

use crate::{
    model::{Label, LabelColor, LabelId, LabelName},
    server::handles::{OrgCtx, Writer},
};

use super::scope::Scope;
use super::{
    Db, Timestamp, UniqueKey,
    events::{self, NewEvent},
    sql::{Sql, bind_args},
    with_pool,
};

/// The outbox event of a label change by the member of `ctx`: `kind`
/// (`label.created`, `label.updated`, `label.deleted`) of label `id`, with
/// `data` (a JSON object).
fn label_event(ctx: &OrgCtx, kind: &str, id: LabelId, data: serde_json::Value) -> NewEvent {
    NewEvent::change(ctx.org_id(), kind, ("label", id.to_string()), Some(ctx.user_id()), data)
}

/// Label names are unique per organization (`labels_org_name_key`).
pub const NAME_KEY: UniqueKey = UniqueKey { postgres: "labels_org_name_key", sqlite: "labels.org_id, labels.name_key" };

/// A label write failed.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("a label with this name already exists")]
    NameTaken,
    #[error("no such label")]
    NotFound,
    /// The label is no longer as the caller saw it (or is gone).
    #[error("the label changed meanwhile")]
    Changed,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl LabelError {
    fn from_write(err: sqlx::Error) -> Self {
        if NAME_KEY.violated_by(&err) { Self::NameTaken } else { Self::Db(err) }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct LabelRow {
    id: LabelId,
    name: String,
    color: LabelColor,
}

impl From<LabelRow> for Label {
    fn from(row: LabelRow) -> Self {
        Label { id: row.id, name: row.name, color: row.color }
    }
}

/// The organization's labels, by name.
#[tracing::instrument(name = "labels::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(db: &Db, ctx: &OrgCtx) -> Result<Vec<Label>, sqlx::Error> {
    let sql = "SELECT id, name, color FROM labels WHERE org_id = $1 ORDER BY name_key, id";
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, LabelRow>(sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(Label::from).collect())
}

/// Creates a label, recording `label.created` (its fields) in the same
/// transaction.
#[tracing::instrument(name = "labels::insert", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn insert(db: &Db, ctx: &Writer, name: &LabelName, color: LabelColor) -> Result<Label, LabelError> {
    let id = LabelId::new();
    let now = Timestamp::now();
    let sql = "INSERT INTO labels (id, org_id, name, name_key, color, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $6)";
    let data = serde_json::json!({ "id": id, "name": name.as_str(), "color": color.as_str() });
    let event = label_event(ctx, "label.created", id, data);
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(color)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, &event).await?;
        tx.commit().await
    }.await)
    .map_err(LabelError::from_write)?;
    Ok(Label { id, name: name.as_str().to_owned(), color })
}

/// Renames or recolours a label, recording `label.updated` (its fields) in
/// the same transaction; with `seen`, only while its name and colour are
/// still those (else `Changed`: a conditional update).
#[tracing::instrument(
    name = "labels::update",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update(
    db: &Db,
    ctx: &Writer,
    id: LabelId,
    name: &LabelName,
    color: LabelColor,
    seen: Option<&Label>,
) -> Result<Label, LabelError> {
    let mut sql = String::from(
        "UPDATE labels SET name = $3, name_key = $4, color = $5, updated_at = $6 WHERE org_id = $1 AND id = $2",
    );
    if seen.is_some() {
        sql.push_str(" AND name = $7 AND color = $8");
    }
    let data = serde_json::json!({ "id": id, "name": name.as_str(), "color": color.as_str() });
    let event = label_event(ctx, "label.updated", id, data);
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        let mut query = sqlx::query(&sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(color)
            .bind(Timestamp::now());
        if let Some(seen) = seen {
            query = query.bind(seen.name.as_str()).bind(seen.color);
        }
        let changed = query.execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(changed)
    }.await)
    .map_err(LabelError::from_write)?;
    if changed == 0 {
        return Err(if seen.is_some() { LabelError::Changed } else { LabelError::NotFound });
    }
    Ok(Label { id, name: name.as_str().to_owned(), color })
}

/// Deletes a label (and takes it off every task), recording
/// `label.deleted` in the same transaction. False when there was no such
/// label.
#[tracing::instrument(
    name = "labels::delete",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete(db: &Db, ctx: &Writer, id: LabelId) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM labels WHERE org_id = $1 AND id = $2";
    let event = label_event(ctx, "label.deleted", id, serde_json::json!({ "id": id }));
    let done = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done = sqlx::query(sql).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?.rows_affected();
        if done == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        done
    });
    Ok(done == 1)
}

/// True when every id in `ids` is a label of this organization.
#[tracing::instrument(name = "labels::all_exist", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn all_exist(db: &Db, ctx: &OrgCtx, ids: &[LabelId]) -> Result<bool, sqlx::Error> {
    let unique: HashSet<LabelId> = ids.iter().copied().collect();
    if unique.is_empty() {
        return Ok(true);
    }
    let mut sql = Sql::new("SELECT COUNT(*) FROM labels WHERE org_id = ");
    sql.arg(ctx.org_id()).push(" AND id IN (").arg_list(unique.iter().copied()).push(")");
    let found: i64 = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        bind_args!(sqlx::query_scalar(sql.text()), sql.args().iter().cloned()).fetch_one(&mut *conn).await?
    });
    Ok(usize::try_from(found).is_ok_and(|found| found == unique.len()))
}
