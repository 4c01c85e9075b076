//! Labels' rules for every door (server functions, the REST API): how a
//! label's fields are read, the organization's label limit, and what a
//! refused write answers.

use crate::{
    error::{AppError, FieldErrors},
    model::{Label, LabelColor, LabelId, LabelName, args::parse_id, label::MAX_LABELS},
    server::{
        ctx::{OrgCtx, Writer},
        db::{
            Db,
            labels::{self as db_labels, LabelError},
        },
    },
};

/// A label's fields as people give them: `name` 1–50 characters; `color`
/// a palette name, gray when empty.
///
/// Errors: `Validation` on `name`, `color`.
pub fn parse_fields(name: &str, color: &str) -> Result<(LabelName, LabelColor), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", LabelName::parse(name));
    let color =
        if color.is_empty() { Some(LabelColor::Gray) } else { errors.check("color", color.parse::<LabelColor>()) };
    match (name, color) {
        (Some(name), Some(color)) => Ok((name, color)),
        _ => Err(AppError::Validation(errors)),
    }
}

fn label_error(err: LabelError) -> AppError {
    match err {
        LabelError::NameTaken => AppError::field("name", "A label with this name already exists."),
        LabelError::NotFound => AppError::NotFound,
        LabelError::Changed => AppError::Conflict("Someone changed this label meanwhile.".into()),
        LabelError::Db(err) => err.into(),
    }
}

/// The organization's labels, by name.
pub async fn list(db: &Db, ctx: &OrgCtx) -> Result<Vec<Label>, AppError> {
    Ok(db_labels::list(db, ctx).await?)
}

/// The label `id` (text) of the organization.
///
/// Errors: `NotFound` when malformed or not the organization's.
pub async fn find(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Label, AppError> {
    let id: LabelId = parse_id(id)?;
    db_labels::list(db, ctx).await?.into_iter().find(|label| label.id == id).ok_or(AppError::NotFound)
}

/// Creates a label (see [`parse_fields`]; names are unique in the
/// organization, case-insensitively; at most [`MAX_LABELS`]).
///
/// Errors: `Validation` on `name` (taken too, or the limit reached) and
/// `color`.
pub async fn create(db: &Db, writer: &Writer, name: &str, color: &str) -> Result<Label, AppError> {
    let (name, color) = parse_fields(name, color)?;
    if db_labels::list(db, writer).await?.len() >= MAX_LABELS {
        return Err(AppError::field(
            "name",
            format!("An organization has at most {MAX_LABELS} labels: delete or reuse one."),
        ));
    }
    db_labels::insert(db, writer, &name, color).await.map_err(label_error)
}

/// Renames or recolours the label `id` (text; rules as [`create`]),
/// only if it is still as `seen` (when given: a conditional request).
///
/// Errors: as [`create`]; `NotFound`; `Conflict` when it is no longer
/// as `seen`.
pub async fn update(
    db: &Db,
    writer: &Writer,
    id: &str,
    (name, color): (&str, &str),
    seen: Option<&Label>,
) -> Result<Label, AppError> {
    let id: LabelId = parse_id(id)?;
    let (name, color) = parse_fields(name, color)?;
    db_labels::update(db, writer, id, &name, color, seen).await.map_err(label_error)
}

/// Deletes the label `id` (text); it disappears from every task.
///
/// Errors: `NotFound`.
pub async fn delete(db: &Db, writer: &Writer, id: &str) -> Result<(), AppError> {
    let id: LabelId = parse_id(id)?;
    if db_labels::delete(db, writer, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}
