//! Authentication: password hashing, the signed-in session, the limits
//! on guessing, breached passwords, two-factor, and naming devices.

pub mod breached;
pub mod client_ip;
pub mod device;
pub mod lockout;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod two_factor;
pub mod user_agent;
