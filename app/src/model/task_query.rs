//! What a task list shows: filters, search, sort and page, as typed values
//! and as the URL query that makes a list linkable.
//!
//! URL parameters (all optional): `status` (`open` default, `done`, `all`, `trash`),
//! `assignee` (`me`, `nobody` or a user id), `label` (id), `priority`,
//! `due_before` and `due_after` (`YYYY-MM-DD`, inclusive), `overdue` (`1`),
//! `q` (search in title and description), `sort` (`created` default,
//! `updated`, `due`, `priority`, `title`), `dir` (`asc`/`desc`; each sort
//! has its natural default), `per_page` (25, 50, 100), and where the page
//! starts: `after` or `before` a task (its id; the list's next- and
//! previous-page links), or `page` (from 1) within the first 1,000 tasks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{
    LabelId, Priority, TaskId, UserId,
    listing::{DEFAULT_PAGE_SIZE, check_page_size},
    task::{format_date, parse_date_field},
};
use crate::error::FieldErrors;

/// Longest search text, in characters.
pub const MAX_SEARCH_LEN: usize = 200;

/// The deepest a page may start by offset (`page`, `offset`); deeper pages
/// are reached by the keyset links (`after`, `before`), which cost the same
/// however deep they go. An offset costs the rows it skips.
pub const MAX_OFFSET: u32 = 1_000;

/// Filtered lists count their matches up to this many; beyond it the count
/// says "1,000+". Counting every match of a filter on a large project
/// would cost a scan of all of them on every page.
pub const COUNT_CAP: i64 = 1_000;

/// Open, done, both (the live tasks), or the trash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    Open,
    Done,
    All,
    /// Tasks in the trash, open or done.
    Trash,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 4] = [StatusFilter::Open, StatusFilter::Done, StatusFilter::All, StatusFilter::Trash];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Open => "open",
            StatusFilter::Done => "done",
            StatusFilter::All => "all",
            StatusFilter::Trash => "trash",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Open => "Open",
            StatusFilter::Done => "Done",
            StatusFilter::All => "All",
            StatusFilter::Trash => "Trash",
        }
    }
}

/// Whose tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AssigneeFilter {
    /// The signed-in member's.
    Me,
    /// Unassigned tasks.
    Nobody,
    User(UserId),
}

impl std::str::FromStr for AssigneeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "me" => Ok(AssigneeFilter::Me),
            "nobody" => Ok(AssigneeFilter::Nobody),
            other => {
                other.parse().map(AssigneeFilter::User).map_err(|_| "Choose an assignee from the list.".to_owned())
            }
        }
    }
}

impl TryFrom<String> for AssigneeFilter {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<AssigneeFilter> for String {
    fn from(value: AssigneeFilter) -> Self {
        match value {
            AssigneeFilter::Me => "me".to_owned(),
            AssigneeFilter::Nobody => "nobody".to_owned(),
            AssigneeFilter::User(id) => id.to_string(),
        }
    }
}

/// What a list is ordered by. Ties are broken by id, so pages never
/// overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSort {
    #[default]
    Created,
    Updated,
    /// By due date; tasks without one come last in either direction.
    Due,
    Priority,
    /// By title, case-insensitively.
    Title,
}

impl TaskSort {
    pub const ALL: [TaskSort; 5] =
        [TaskSort::Created, TaskSort::Updated, TaskSort::Due, TaskSort::Priority, TaskSort::Title];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskSort::Created => "created",
            TaskSort::Updated => "updated",
            TaskSort::Due => "due",
            TaskSort::Priority => "priority",
            TaskSort::Title => "title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskSort::Created => "Created",
            TaskSort::Updated => "Updated",
            TaskSort::Due => "Due date",
            TaskSort::Priority => "Priority",
            TaskSort::Title => "Title",
        }
    }

    /// The direction people expect first: newest, soonest due, most
    /// urgent, A to Z.
    pub fn natural_dir(self) -> SortDir {
        match self {
            TaskSort::Created | TaskSort::Updated | TaskSort::Priority => SortDir::Desc,
            TaskSort::Due | TaskSort::Title => SortDir::Asc,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// Every parameter a task list reads (see the module docs); `limit` and
/// `offset` are accepted as other names of `per_page` and an offset in
/// tasks.
pub const PARAMS: [&str; 16] = [
    "status",
    "assignee",
    "label",
    "priority",
    "due_before",
    "due_after",
    "overdue",
    "q",
    "sort",
    "dir",
    "per_page",
    "page",
    "limit",
    "offset",
    "after",
    "before",
];

/// A task list request as its URL parameters: the wire form of
/// `list_tasks`' `query` argument (`query[status]=done&query[per_page]=50`),
/// so a list is asked for by the same names whether it is a page's URL or
/// a server-function call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskParams(pub BTreeMap<String, String>);

impl From<&TaskQuery> for TaskParams {
    fn from(query: &TaskQuery) -> Self {
        Self(query.to_params().into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

impl TaskParams {
    /// The query these parameters ask for. Unlike a page's URL, which shows
    /// a list whatever it holds, a call must be right: every unusable value
    /// and every name not in [`PARAMS`] is an error, keyed by its name.
    pub fn parse(&self) -> Result<TaskQuery, FieldErrors> {
        let (query, mut errors) = TaskQuery::from_params(|name| self.0.get(name).cloned());
        for name in self.0.keys().filter(|name| !PARAMS.contains(&name.as_str())) {
            errors.add(name, format!("Unknown list parameter; use one of: {}.", PARAMS.join(", ")));
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }
}

/// A task list request. `limit` is 25, 50 or 100; `offset` counts items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskQuery {
    pub status: StatusFilter,
    pub assignee: Option<AssigneeFilter>,
    pub label: Option<LabelId>,
    pub priority: Option<Priority>,
    /// Due on or before this day.
    pub due_before: Option<Date>,
    /// Due on or after this day.
    pub due_after: Option<Date>,
    /// Only open tasks due before today.
    pub overdue: bool,
    /// Words to find in the title or description (case-insensitive).
    pub q: String,
    pub sort: TaskSort,
    pub dir: SortDir,
    pub limit: u32,
    /// Tasks skipped before the page (at most [`MAX_OFFSET`]); zero when
    /// the page starts at a cursor.
    pub offset: u32,
    /// The page starts just after this task, in the list's order.
    pub after: Option<TaskId>,
    /// The page ends just before this task, in the list's order.
    pub before: Option<TaskId>,
}

impl Default for TaskQuery {
    fn default() -> Self {
        Self {
            status: StatusFilter::Open,
            assignee: None,
            label: None,
            priority: None,
            due_before: None,
            due_after: None,
            overdue: false,
            q: String::new(),
            sort: TaskSort::Created,
            dir: TaskSort::Created.natural_dir(),
            limit: DEFAULT_PAGE_SIZE,
            offset: 0,
            after: None,
            before: None,
        }
    }
}

impl TaskQuery {
    /// Reads a query from URL parameters (`get` returns a parameter's
    /// value). Unusable values fall back to their default and are reported
    /// per parameter name, so a hand-edited URL still shows a list.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> (Self, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut query = TaskQuery::default();
        let present = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        if let Some(v) = present("status") {
            match StatusFilter::ALL.into_iter().find(|s| s.as_str() == v) {
                Some(status) => query.status = status,
                None => errors.add("status", "Show open, done, all or trashed tasks."),
            }
        }
        if let Some(v) = present("assignee") {
            query.assignee = errors.check("assignee", v.parse::<AssigneeFilter>());
        }
        if let Some(v) = present("label") {
            query.label = errors.check("label", v.parse::<LabelId>().map_err(|_| "Choose a label from the list."));
        }
        if let Some(v) = present("priority") {
            query.priority = errors.check("priority", v.parse::<Priority>());
        }
        if let Some(v) = present("due_before") {
            query.due_before = errors.check("due_before", parse_date_field(&v)).flatten();
        }
        if let Some(v) = present("due_after") {
            query.due_after = errors.check("due_after", parse_date_field(&v)).flatten();
        }
        query.overdue = present("overdue").is_some_and(|v| v == "1" || v == "true" || v == "on");
        if let Some(v) = present("q") {
            query.q = v;
        }
        if let Some(v) = present("sort") {
            match TaskSort::ALL.into_iter().find(|s| s.as_str() == v) {
                Some(sort) => query.sort = sort,
                None => errors.add("sort", "Sort by created, updated, due, priority or title."),
            }
        }
        query.dir = match present("dir").as_deref() {
            Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(_) => {
                errors.add("dir", "Sort ascending or descending.");
                query.sort.natural_dir()
            }
            None => query.sort.natural_dir(),
        };
        // `limit` and `offset` are the names of `TaskQuery`'s own fields,
        // which earlier clients of `list_tasks` sent; they mean the same.
        if let Some(v) = present("per_page").or_else(|| present("limit")) {
            match v.parse::<u32>().map_err(|_| "Choose 25, 50 or 100 per page.".to_owned()).and_then(check_page_size) {
                Ok(limit) => query.limit = limit,
                Err(message) => errors.add("per_page", message),
            }
        }
        if let Some(v) = present("page") {
            match v.parse::<u32>() {
                Ok(page) if page >= 1 => query.offset = (page - 1).saturating_mul(query.limit),
                _ => errors.add("page", "Pages are numbered from 1."),
            }
        } else if let Some(v) = present("offset") {
            match v.parse::<u32>() {
                Ok(offset) => query.offset = offset,
                Err(_) => errors.add("offset", "The offset is a number of tasks, from 0."),
            }
        }
        if query.offset > MAX_OFFSET {
            let field = if present("page").is_some() { "page" } else { "offset" };
            errors.add(field, "Pages beyond the first 1,000 tasks open from the next-page link.");
            query.offset = 0;
        }
        for (name, slot) in [("after", &mut query.after), ("before", &mut query.before)] {
            if let Some(v) = present(name) {
                *slot = errors.check(name, v.parse::<TaskId>().map_err(|_| "Not a task of this list."));
            }
        }
        if query.after.is_some() && query.before.is_some() {
            errors.add("before", "A page starts after a task or ends before one, not both.");
            query.before = None;
        }
        if (query.after.is_some() || query.before.is_some()) && query.offset > 0 {
            errors.add("page", "A page starts at a task or at a number, not both.");
            query.offset = 0;
        }
        if let Err(message) = query.check_ranges() {
            errors.add(message.0, message.1);
        }
        (query, errors)
    }

    /// The URL parameters for this query, leaving out defaults, in a fixed
    /// order (so equal queries make equal links).
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if self.status != StatusFilter::Open {
            params.push(("status", self.status.as_str().to_owned()));
        }
        if let Some(assignee) = self.assignee {
            params.push(("assignee", String::from(assignee)));
        }
        if let Some(label) = self.label {
            params.push(("label", label.to_string()));
        }
        if let Some(priority) = self.priority {
            params.push(("priority", priority.as_str().to_owned()));
        }
        if let Some(date) = self.due_before {
            params.push(("due_before", format_date(date)));
        }
        if let Some(date) = self.due_after {
            params.push(("due_after", format_date(date)));
        }
        if self.overdue {
            params.push(("overdue", "1".to_owned()));
        }
        if !self.q.is_empty() {
            params.push(("q", self.q.clone()));
        }
        if self.sort != TaskSort::Created {
            params.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.dir != self.sort.natural_dir() {
            params.push(("dir", self.dir.as_str().to_owned()));
        }
        if self.limit != DEFAULT_PAGE_SIZE {
            params.push(("per_page", self.limit.to_string()));
        }
        if self.offset > 0 {
            if self.offset.is_multiple_of(self.limit.max(1)) {
                params.push(("page", (self.offset / self.limit.max(1) + 1).to_string()));
            } else {
                params.push(("offset", self.offset.to_string()));
            }
        }
        if let Some(after) = self.after {
            params.push(("after", after.to_string()));
        }
        if let Some(before) = self.before {
            params.push(("before", before.to_string()));
        }
        params
    }

    /// `?a=b&...` (URL-encoded), or empty for the default query.
    pub fn to_query_string(&self) -> String {
        let params = self.to_params();
        if params.is_empty() {
            return String::new();
        }
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.extend_pairs(&params);
        format!("?{}", serializer.finish())
    }

    /// The same list from its first page.
    pub fn first_page(&self) -> Self {
        Self { offset: 0, after: None, before: None, ..self.clone() }
    }

    /// The same list's page that starts just after `task`.
    pub fn page_after(&self, task: TaskId) -> Self {
        Self { after: Some(task), ..self.first_page() }
    }

    /// The same list's page that ends just before `task`.
    pub fn page_before(&self, task: TaskId) -> Self {
        Self { before: Some(task), ..self.first_page() }
    }

    /// Whether any filter narrows the status's tasks (so the total has to
    /// be counted, not read from the project's counters).
    pub fn is_filtered(&self) -> bool {
        self.assignee.is_some()
            || self.label.is_some()
            || self.priority.is_some()
            || self.due_before.is_some()
            || self.due_after.is_some()
            || self.overdue
            || !self.q.trim().is_empty()
    }

    fn check_ranges(&self) -> Result<(), (&'static str, String)> {
        if self.q.chars().count() > MAX_SEARCH_LEN {
            return Err(("q", format!("Search for at most {MAX_SEARCH_LEN} characters.")));
        }
        if let (Some(before), Some(after)) = (self.due_before, self.due_after)
            && after > before
        {
            return Err(("due_after", "The start of the due range is after its end.".to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use time::macros::date;

    fn parse(pairs: &[(&str, &str)]) -> (TaskQuery, FieldErrors) {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TaskQuery::from_params(|name| map.get(name).cloned())
    }

    #[test]
    fn call_parameters_use_the_url_names_and_refuse_unknown_ones() {
        let params = |pairs: &[(&str, &str)]| {
            TaskParams(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).parse()
        };
        let query = params(&[("per_page", "50"), ("page", "2")]).unwrap();
        assert_eq!((query.limit, query.offset), (50, 50));
        let query = params(&[("limit", "100"), ("offset", "7")]).unwrap();
        assert_eq!((query.limit, query.offset), (100, 7));
        let errors = params(&[("perpage", "50"), ("status", "closed")]).unwrap_err();
        assert!(errors.get("perpage").unwrap().contains("Unknown"));
        assert!(errors.get("status").is_some());
        let round_trip = TaskQuery { limit: 50, offset: 100, q: "x".into(), ..TaskQuery::default() };
        assert_eq!(TaskParams::from(&round_trip).parse().unwrap(), round_trip);
        let task = TaskId::new();
        let after = TaskQuery::default().page_after(task);
        assert_eq!(TaskParams::from(&after).parse().unwrap(), after);
    }

    #[test]
    fn deep_pages_open_from_cursors_not_offsets() {
        let params = |pairs: &[(&str, &str)]| {
            TaskParams(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).parse()
        };
        assert_eq!(params(&[("page", "41")]).unwrap().offset, 1_000);
        assert!(params(&[("page", "42")]).unwrap_err().get("page").is_some());
        assert!(params(&[("offset", "1001")]).unwrap_err().get("offset").is_some());
        let id = TaskId::new().to_string();
        assert!(params(&[("after", &id), ("before", &id)]).unwrap_err().get("before").is_some());
        assert!(params(&[("after", &id), ("page", "2")]).unwrap_err().get("page").is_some());
        assert!(params(&[("after", "nope")]).unwrap_err().get("after").is_some());
        assert_eq!(params(&[("before", &id)]).unwrap().before.map(|t| t.to_string()), Some(id));
    }

    #[test]
    fn an_empty_url_is_the_default_query() {
        let (query, errors) = parse(&[]);
        assert_eq!(query, TaskQuery::default());
        assert!(errors.is_empty());
        assert_eq!(query.to_query_string(), "");
    }

    #[test]
    fn every_parameter_round_trips_through_the_url() {
        let user = UserId::new();
        let label = LabelId::new();
        let user_s = user.to_string();
        let label_s = label.to_string();
        let pairs = [
            ("status", "all"),
            ("assignee", user_s.as_str()),
            ("label", label_s.as_str()),
            ("priority", "high"),
            ("due_before", "2026-12-31"),
            ("due_after", "2026-12-01"),
            ("overdue", "1"),
            ("q", "spec & plan"),
            ("sort", "due"),
            ("dir", "desc"),
            ("per_page", "50"),
            ("page", "3"),
        ];
        let (query, errors) = parse(&pairs);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(query.assignee, Some(AssigneeFilter::User(user)));
        assert_eq!(query.due_before, Some(date!(2026 - 12 - 31)));
        assert_eq!((query.limit, query.offset), (50, 100));
        assert_eq!(query.dir, SortDir::Desc);

        let url = query.to_query_string();
        assert!(url.starts_with("?status=all&"), "{url}");
        assert!(url.contains("q=spec+%26+plan"), "{url}");
        let reparsed: HashMap<String, String> = form_urlencoded::parse(&url.as_bytes()[1..]).into_owned().collect();
        let (again, _) = TaskQuery::from_params(|name| reparsed.get(name).cloned());
        assert_eq!(again, query);
    }

    #[test]
    fn each_sort_has_its_natural_direction_unless_told() {
        assert_eq!(parse(&[("sort", "due")]).0.dir, SortDir::Asc);
        assert_eq!(parse(&[("sort", "priority")]).0.dir, SortDir::Desc);
        assert_eq!(parse(&[("sort", "title"), ("dir", "desc")]).0.dir, SortDir::Desc);
        let (query, _) = parse(&[("sort", "title")]);
        assert_eq!(query.to_query_string(), "?sort=title");
    }

    #[test]
    fn bad_parameters_fall_back_and_are_reported_by_name() {
        let (query, errors) = parse(&[
            ("status", "closed"),
            ("assignee", "someone"),
            ("per_page", "30"),
            ("page", "0"),
            ("sort", "size"),
            ("due_before", "tomorrow"),
        ]);
        assert_eq!(query, TaskQuery::default());
        for field in ["status", "assignee", "per_page", "page", "sort", "due_before"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn calls_with_odd_page_sizes_long_searches_and_inverted_ranges_are_refused() {
        let long = "x".repeat(MAX_SEARCH_LEN + 1);
        let bad = TaskParams([("per_page", "30"), ("q", long.as_str())].map(|(k, v)| (k.into(), v.into())).into());
        let errors = bad.parse().unwrap_err();
        assert!(errors.get("per_page").is_some());
        assert!(errors.get("q").is_some());
        let inverted = TaskQuery {
            due_before: Some(date!(2026 - 01 - 01)),
            due_after: Some(date!(2026 - 02 - 01)),
            ..TaskQuery::default()
        };
        assert!(TaskParams::from(&inverted).parse().unwrap_err().get("due_after").is_some());
        assert!(TaskParams::default().parse().is_ok());
    }
}
