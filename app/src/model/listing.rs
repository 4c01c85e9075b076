//! Pages of a list.

use serde::{Deserialize, Serialize};

/// One page of a longer list: the items, how many there are in all, and
/// where this page sits. `has_more` is true when items follow this page.
///
/// Lists paged by keyset (tasks) also give the cursors of the pages around
/// this one: `next` is the id to ask for as `after`, `previous` the id to
/// ask for as `before`. When the list was only counted up to a cap,
/// `total_capped` is true and `total` is that cap ("1,000+").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    #[serde(default)]
    pub total_capped: bool,
    pub limit: u32,
    pub offset: u32,
    pub has_more: bool,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
}

impl<T> Page<T> {
    /// A page of an offset-paged list with an exact total.
    pub fn new(items: Vec<T>, total: i64, limit: u32, offset: u32) -> Self {
        let seen = i64::from(offset) + items.len() as i64;
        Self { has_more: seen < total, items, total, total_capped: false, limit, offset, next: None, previous: None }
    }

    /// The 1-based number of this page.
    pub fn number(&self) -> u32 {
        self.offset / self.limit.max(1) + 1
    }

    /// How many pages the whole list fills (at least 1).
    pub fn page_count(&self) -> u32 {
        let limit = i64::from(self.limit.max(1));
        u32::try_from(((self.total + limit - 1) / limit).max(1)).unwrap_or(u32::MAX)
    }

    /// The total as people read it: `1,234`, or `1,000+` when capped.
    pub fn total_label(&self) -> String {
        count_label(self.total, self.total_capped)
    }

    /// Where this page sits among the others, for page links.
    pub fn position(&self) -> PagePosition {
        PagePosition {
            number: self.number(),
            pages: self.page_count(),
            total: self.total,
            previous: (self.offset > 0).then(|| self.offset.saturating_sub(self.limit)),
            next: self.has_more.then(|| self.offset + self.limit),
        }
    }
}

/// A page's place in its list: its 1-based number of `pages`, the list's
/// `total`, and the offsets of the previous and next pages if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagePosition {
    pub number: u32,
    pub pages: u32,
    pub total: i64,
    pub previous: Option<u32>,
    pub next: Option<u32>,
}

/// A count as people read it: `1,234,567`, with `+` when it is a lower
/// bound (a count that stopped at its cap).
pub fn count_label(count: i64, capped: bool) -> String {
    let mut digits = count.unsigned_abs().to_string();
    let mut at = digits.len();
    while at > 3 {
        at -= 3;
        digits.insert(at, ',');
    }
    let sign = if count < 0 { "-" } else { "" };
    if capped { format!("{sign}{digits}+") } else { format!("{sign}{digits}") }
}

/// Page sizes a list offers.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];

/// The default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// `limit` when it is one of [`PAGE_SIZES`].
pub fn check_page_size(limit: u32) -> Result<u32, String> {
    if PAGE_SIZES.contains(&limit) { Ok(limit) } else { Err(format!("Choose 25, 50 or 100 per page, not {limit}.")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_more_is_true_until_the_last_item_is_on_a_page() {
        assert!(Page::new(vec![1; 25], 60, 25, 0).has_more);
        assert!(Page::new(vec![1; 25], 60, 25, 25).has_more);
        assert!(!Page::new(vec![1; 10], 60, 25, 50).has_more);
        assert!(!Page::new(Vec::<u8>::new(), 0, 25, 0).has_more);
        assert!(!Page::new(vec![1; 25], 50, 25, 25).has_more, "exactly full");
    }

    #[test]
    fn page_positions_number_pages_and_link_neighbours() {
        let last = Page::new(vec![1; 10], 60, 25, 50).position();
        assert_eq!(last, PagePosition { number: 3, pages: 3, total: 60, previous: Some(25), next: None });
        let first = Page::new(vec![1; 25], 50, 25, 0).position();
        assert_eq!(first, PagePosition { number: 1, pages: 2, total: 50, previous: None, next: Some(25) });
        assert_eq!(Page::new(Vec::<u8>::new(), 0, 25, 0).position().pages, 1, "an empty list is one page");
    }

    #[test]
    fn totals_read_with_thousands_separators_and_a_plus_when_capped() {
        let mut page = Page::new(vec![1], 1_234_567, 25, 0);
        assert_eq!(page.total_label(), "1,234,567");
        page.total = 1_000;
        page.total_capped = true;
        assert_eq!(page.total_label(), "1,000+");
        assert_eq!(Page::new(Vec::<u8>::new(), 7, 25, 0).total_label(), "7");
    }

    #[test]
    fn only_25_50_and_100_are_page_sizes() {
        assert_eq!(check_page_size(50), Ok(50));
        assert!(check_page_size(0).is_err());
        assert!(check_page_size(101).is_err());
    }
}
