//! Authentication: password hashing, the signed-in session, and the limits
//! on guessing.

pub mod client_ip;
pub mod lockout;
pub mod password;
pub mod rate_limit;
pub mod session;
