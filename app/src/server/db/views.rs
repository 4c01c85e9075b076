//! `saved_views`: named task-list URLs of a project, shared with the
//! organization or private to their author.

use crate::{
    model::{ProjectId, SavedView, SavedViewId, ViewName},
    server::handles::{Admin, OrgCtx, Writer},
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    projects::{ProjectAccess, rule},
    with_pool,
};

#[derive(Debug, sqlx::FromRow)]
struct ViewRow {
    id: SavedViewId,
    project_id: ProjectId,
    name: String,
    query: String,
    shared: bool,
    mine: bool,
    created_by: Option<String>,
}

impl From<ViewRow> for SavedView {
    fn from(row: ViewRow) -> Self {
        SavedView {
            id: row.id,
            project_id: row.project_id,
            name: row.name,
            query: row.query,
            shared: row.shared,
            mine: row.mine,
            created_by: row.created_by,
        }
    }
}

/// The views of a readable project that the member of `ctx` may see: the
/// shared ones and their own, by name.
#[tracing::instrument(
    name = "views::list",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn list(db: &Db, ctx: &OrgCtx, project: ProjectId) -> Result<Vec<SavedView>, sqlx::Error> {
    let sql = format!(
        "SELECT v.id, v.project_id, v.name, v.query, v.shared, \
                COALESCE(v.created_by = $3, FALSE) AS mine, u.display_name AS created_by \
         FROM saved_views v LEFT JOIN users u ON u.id = v.created_by \
         WHERE v.org_id = $1 AND v.project_id = $2 AND (v.shared OR v.created_by = $3) AND {} \
         ORDER BY v.name, v.id",
        rule(db.backend(), ProjectAccess::Read, "$1", "$2")
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, ViewRow>(&sql)
            .bind(ctx.org_id())
            .bind(project)
            .bind(ctx.user_id())
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows.into_iter().map(SavedView::from).collect())
}

/// Who saves a view, and so who sees it: a private view is any member's
/// to keep; a shared one is a change the whole organization sees, so it
/// needs a writer's handle (`Action::EditTasks`).
#[derive(Debug, Clone, Copy)]
pub enum SavedBy<'a> {
    /// Seen by its author only.
    Private(&'a OrgCtx),
    /// Seen by every member.
    Shared(&'a Writer),
}

impl SavedBy<'_> {
    fn member(&self) -> &OrgCtx {
        match self {
            SavedBy::Private(member) => member,
            SavedBy::Shared(writer) => writer,
        }
    }
}

/// Saves `query` (canonical, see `TaskQuery::to_query_string`) as the view
/// `name` of a readable project, by the member of `by`. `None` when the
/// project is not readable (another organization's, or in the trash).
#[tracing::instrument(
    name = "views::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn insert(
    db: &Db,
    by: SavedBy<'_>,
    project: ProjectId,
    name: &ViewName,
    query: &str,
) -> Result<Option<SavedView>, sqlx::Error> {
    let ctx = by.member();
    let shared = matches!(by, SavedBy::Shared(_));
    let id = SavedViewId::new();
    let sql = format!(
        "INSERT INTO saved_views (id, org_id, project_id, created_by, name, query, shared, created_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE {}",
        rule(db.backend(), ProjectAccess::Read, "$2", "$3")
    );
    let inserted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(ctx.user_id())
            .bind(name.as_str())
            .bind(query)
            .bind(shared)
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok((inserted == 1).then(|| SavedView {
        id,
        project_id: project,
        name: name.as_str().to_owned(),
        query: query.to_owned(),
        shared,
        mine: true,
        created_by: None,
    }))
}

/// Who deletes a view: its author, or one who may manage the
/// organization's settings (`Action::ManageSettings`), who may also delete
/// the shared views of others.
#[derive(Debug, Clone, Copy)]
pub enum DeletedBy<'a> {
    /// Their own views only.
    Author(&'a OrgCtx),
    /// Their own views and every shared one.
    Manager(&'a Admin),
}

/// Deletes the view `id` when the member of `by` saved it, or when it is
/// shared and they are a [`DeletedBy::Manager`]. False when there is no
/// such view they may delete (so another member's private view is as
/// absent as another organization's).
#[tracing::instrument(
    name = "views::delete",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete(db: &Db, by: DeletedBy<'_>, id: SavedViewId) -> Result<bool, sqlx::Error> {
    let (ctx, may_delete_shared): (&OrgCtx, bool) = match by {
        DeletedBy::Author(member) => (member, false),
        DeletedBy::Manager(admin) => (admin, true),
    };
    let sql = "DELETE FROM saved_views WHERE org_id = $1 AND id = $2 AND (created_by = $3 OR (shared AND $4))";
    let deleted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(ctx.user_id())
            .bind(may_delete_shared)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(deleted == 1)
}
