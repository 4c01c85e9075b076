//! Cross-cutting HTTP behaviour: security headers, the cross-site request
//! check, request ids and request logs.

pub mod origin;
pub mod request_id;
pub mod security_headers;
pub mod server_fn_status;
