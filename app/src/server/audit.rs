//! The audit log's filters as people give them (the log page's fields, the
//! CSV export's query), read in one place for every door.

use crate::{
    error::{AppError, FieldErrors},
    model::{
        AuditAction, AuditEventId, AuditPage,
        args::{parse_id, parse_optional_id},
        audit::AUDIT_PAGE_SIZE,
    },
    server::db::{
        Db,
        audit::{self as db_audit, AuditFilter, AuditScope},
    },
};

/// The audit log's filters as given, each optional (empty means all);
/// see [`parse_filter`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FilterText<'a> {
    pub action: &'a str,
    pub actor: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub before: &'a str,
}

/// A page of `scope`'s events matching `filter` (see [`parse_filter`]),
/// [`AUDIT_PAGE_SIZE`] at a time, newest first, with the cursor of the
/// next page.
///
/// Errors: as [`parse_filter`].
pub async fn list_page(db: &Db, scope: &AuditScope, filter: FilterText<'_>) -> Result<AuditPage, AppError> {
    let filter = parse_filter(filter.action, filter.actor, filter.from, filter.to, filter.before)?;
    let page = db_audit::list(db, scope, &filter, AUDIT_PAGE_SIZE).await?;
    Ok(AuditPage { items: page.items, next: page.next.map(|id| id.to_string()) })
}

/// The filter of the audit log's parameters, each optional (empty means
/// all): `action`, an event type (`member.role_changed`, ...); `actor`, a
/// person's id; `from` and `to`, days (`YYYY-MM-DD`, UTC, inclusive);
/// `before`, the cursor of a page (an event id).
///
/// Errors: `Validation` on `action`, `from`, `to`; `NotFound` for a
/// malformed `actor` or `before`.
pub fn parse_filter(action: &str, actor: &str, from: &str, to: &str, before: &str) -> Result<AuditFilter, AppError> {
    let mut errors = FieldErrors::new();
    let action = match action.trim() {
        "" => None,
        name => errors.check("action", name.parse::<AuditAction>().map_err(|_| "Choose an event type from the list.")),
    };
    let mut day = |field: &str, text: &str| match text.trim() {
        "" => None,
        text => errors.check(
            field,
            time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| "Enter a date as YYYY-MM-DD."),
        ),
    };
    let (from, to) = (day("from", from), day("to", to));
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        errors.add("to", "The end date is before the start date.");
    }
    errors.into_result()?;
    Ok(AuditFilter {
        action,
        actor: parse_optional_id(actor)?,
        from,
        to,
        before: match before.trim() {
            "" => None,
            id => Some(parse_id::<AuditEventId>(id)?),
        },
    })
}
