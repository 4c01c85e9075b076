//! Building blocks shared by pages.

pub mod chart;
pub mod confirm;
pub mod errors;
pub mod format;
pub mod forms;
pub mod jobs;
pub mod labels;
pub mod layout;
pub mod list;
pub mod live;
pub mod org;
pub mod org_form;
pub mod pagination;
pub mod toast;
