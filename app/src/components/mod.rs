//! Building blocks shared by pages.

pub mod chart;
pub mod errors;
pub mod forms;
pub mod labels;
pub mod layout;
pub mod org;
pub mod pagination;
