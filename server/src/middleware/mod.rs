//! Cross-cutting HTTP behaviour: security headers, the cross-site request
//! check, request ids and request logs, and form drafts for pages without
//! JavaScript.

pub mod form_drafts;
pub mod moved_orgs;
pub mod origin;
pub mod request_id;
pub mod request_memo;
pub mod security_headers;
pub mod server_fn_args;
pub mod server_fn_span;
pub mod server_fn_status;
pub mod static_cache;
