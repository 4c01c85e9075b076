//! `organizations` and `memberships`.

use std::collections::HashSet;

use crate::{
    model::{OrgId, OrgName, OrgSlug, OrgSummary, Role, UserId},
    server::ctx::{Admin, OrgCtx},
};

use super::{Db, UniqueKey, with_pool};

/// The unique slug constraint (`organizations_slug_key`).
pub const SLUG_KEY: UniqueKey = UniqueKey { postgres: "organizations_slug_key", sqlite: "organizations.slug" };

/// Longest slug stem taken from a name, leaving room for a `-N` suffix
/// within [`OrgSlug::MAX_LEN`].
const SLUG_STEM_MAX: usize = 40;

/// An organization joined with one member's role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgMembershipRow {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub role: Role,
}

impl From<OrgMembershipRow> for OrgSummary {
    fn from(row: OrgMembershipRow) -> Self {
        OrgSummary { id: row.id, name: row.name, slug: row.slug, role: row.role }
    }
}

/// The slug stem for an organization name: transliterated to ASCII (the `slug` crate: "🚀" becomes "rocket"), lowercase,
/// hyphen-separated, at most 40 characters; `org` when
/// nothing of the name survives (punctuation only, say).
pub fn slug_stem(name: &OrgName) -> String {
    let slug = slug::slugify(name.as_str());
    let cut = slug.char_indices().nth(SLUG_STEM_MAX).map_or(slug.len(), |(i, _)| i);
    let stem = slug[..cut].trim_matches('-');
    if stem.is_empty() { "org".to_owned() } else { stem.to_owned() }
}

/// The first of `stem`, `stem-2`, `stem-3`, ... not in `taken`.
pub fn first_free_slug(stem: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(stem) {
        return stem.to_owned();
    }
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| unreachable!("an unbounded range always finds a free suffix"))
}

/// Inside the open transaction `$tx`: creates an organization named
/// `$name` (`&OrgName`) with a free slug, and `$user`'s membership in it
/// with `$role`, created at `$now`. Evaluates to the new `OrgSummary`; SQL
/// errors propagate with `?`.
macro_rules! insert_in_tx {
    ($tx:ident, $name:expr, $user:expr, $role:expr, $now:expr) => {{
        let name: &$crate::model::OrgName = $name;
        let stem = $crate::server::db::orgs::slug_stem(name);
        let taken: std::collections::HashSet<String> =
            sqlx::query_scalar("SELECT slug FROM organizations WHERE slug = $1 OR slug LIKE $2")
                .bind(&stem)
                .bind(format!("{stem}-%"))
                .fetch_all(&mut *$tx)
                .await?
                .into_iter()
                .collect();
        let slug = $crate::server::db::orgs::first_free_slug(&stem, &taken);
        let id = $crate::model::OrgId::new();
        sqlx::query(
            "INSERT INTO organizations (id, name, name_key, slug, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
            .bind(id)
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(&slug)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind($user)
            .bind($role)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        $crate::model::OrgSummary { id, name: name.as_str().to_owned(), slug, role: $role }
    }};
}
pub(crate) use insert_in_tx;

const SELECT_MEMBERSHIP: &str = "SELECT o.id, o.name, o.slug, m.role \
     FROM memberships m JOIN organizations o ON o.id = m.org_id";

/// Every organization `user` belongs to, with their role, by name.
pub async fn list_for_user(db: &Db, user: UserId) -> Result<Vec<OrgSummary>, sqlx::Error> {
    // The one tenant lookup that starts from the person, not the tenant
    // (memberships_user_id_idx).
    let sql = format!(
        "{SELECT_MEMBERSHIP} /* one person, every organization */ WHERE m.user_id = $1 ORDER BY o.name_key, o.id"
    );
    let rows = with_pool!(db, pool => {
        sqlx::query_as::<_, OrgMembershipRow>(&sql).bind(user).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(OrgSummary::from).collect())
}

/// The organization with `slug` and `user`'s role in it; `None` when there
/// is no such organization *or* the user is not a member (callers answer
/// both with 404).
pub async fn find_membership(db: &Db, user: UserId, slug: &OrgSlug) -> Result<Option<OrgSummary>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBERSHIP} WHERE o.slug = $1 AND m.user_id = $2");
    let row = with_pool!(db, pool => {
        sqlx::query_as::<_, OrgMembershipRow>(&sql).bind(slug.as_str()).bind(user).fetch_optional(pool).await?
    });
    Ok(row.map(OrgSummary::from))
}

/// How many members the context's organization has.
pub async fn member_count(db: &Db, ctx: &OrgCtx) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM memberships WHERE org_id = $1";
    with_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).bind(ctx.org_id()).fetch_one(pool).await)
}

/// True when `user` is a member of the organization.
pub async fn is_member(db: &Db, ctx: &OrgCtx, user: UserId) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2";
    let count: i64 =
        with_pool!(db, pool => sqlx::query_scalar(sql).bind(ctx.org_id()).bind(user).fetch_one(pool).await?);
    Ok(count > 0)
}

/// Creates another organization named `name` for `user`, who becomes its
/// Owner; its slug is the first free one derived from the name. Two
/// creations may pick the same free slug at once; the loser retries with
/// the winner's slug taken.
pub async fn create(db: &Db, user: UserId, name: &OrgName) -> Result<OrgSummary, sqlx::Error> {
    let mut attempts_left = 3;
    loop {
        let now = super::Timestamp::now();
        let result = with_pool!(db, pool => async {
            let mut tx = pool.begin().await?;
            let org = insert_in_tx!(tx, name, user, Role::Owner, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(org)
        }.await);
        attempts_left -= 1;
        match result {
            Err(err) if attempts_left > 0 && SLUG_KEY.violated_by(&err) => continue,
            other => return other,
        }
    }
}

/// Adds `user` to the organization with `role`, by an Admin.
pub async fn add_member(db: &Db, ctx: &Admin, user: UserId, role: Role) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)";
    with_pool!(db, pool => {
        sqlx::query(sql).bind(ctx.org_id()).bind(user).bind(role).bind(super::Timestamp::now()).execute(pool).await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> OrgName {
        OrgName::parse(s).unwrap()
    }

    #[test]
    fn slug_stem_folds_to_ascii_and_hyphenates() {
        assert_eq!(slug_stem(&name("Acme Rockets, Inc.")), "acme-rockets-inc");
        assert_eq!(slug_stem(&name("Café Müller")), "cafe-muller");
        assert_eq!(slug_stem(&name("🚀 Launch")), "rocket-launch");
        assert_eq!(slug_stem(&name("!!! ???")), "org");
    }

    #[test]
    fn slug_stem_is_at_most_40_characters_without_a_trailing_hyphen() {
        let stem = slug_stem(&name(&format!("{} tail", "a".repeat(39))));
        assert_eq!(stem, "a".repeat(39));
        assert!(slug_stem(&name(&"word ".repeat(20))).len() <= SLUG_STEM_MAX);
    }

    #[test]
    fn first_free_slug_counts_up_from_2() {
        let taken: HashSet<String> = ["acme", "acme-2"].into_iter().map(String::from).collect();
        assert_eq!(first_free_slug("acme", &taken), "acme-3");
        assert_eq!(first_free_slug("globex", &taken), "globex");
    }
}
