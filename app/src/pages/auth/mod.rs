//! Account entry: sign-up, sign-in (with its two-factor step), and the
//! pages mailed links lead to (password reset, email verification, ending
//! every session).

pub(crate) mod card;
mod forgot;
mod links;
mod login;
pub(crate) mod password_field;
mod signup;
mod two_factor;

pub use forgot::ForgotPasswordPage;
pub use links::{EndSessionsPage, ResetPasswordPage, VerifyEmailPage};
pub use login::LoginPage;
pub use signup::SignupPage;
pub use two_factor::TwoFactorPage;
