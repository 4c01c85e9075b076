//! Password hashing with argon2id and the OWASP parameters.
//!
//! `Argon2::default()` is argon2id, m = 19 MiB, t = 2, p = 1: the first
//! configuration of the OWASP Password Storage Cheat Sheet. Hashing takes
//! tens of milliseconds of CPU, so it runs on the blocking pool, and a
//! semaphore allows one at a time per core: more would not finish sooner
//! (each is CPU-bound), would hold 19 MiB more each, and would take the
//! cores the request threads need.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;
use zxcvbn::{Score, zxcvbn};

use super::breached;
use crate::{
    error::{AppError, FieldErrors},
    model::{Password, PasswordStrength},
};

/// At most this many hashes in flight (one per core); more callers wait
/// their turn.
static HASHING_SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// A hash of a random password, verified against when the email is unknown
/// so that "no such account" takes as long as "wrong password" (OWASP
/// Authentication Cheat Sheet, "Authentication Responses").
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = uuid::Uuid::new_v4().to_string();
    hash_blocking(&random).unwrap_or_else(|err| panic!("argon2 cannot hash with its default parameters: {err}"))
});

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

async fn run_bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _permit = HASHING_SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// Computes the dummy hash now, so the first sign-in with an unknown email
/// is not slower than the rest. Call once at start-up.
pub async fn warm_up() -> Result<(), AppError> {
    run_bounded(|| LazyLock::force(&DUMMY_HASH).len()).await.map(|_| ())
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub async fn hash(password: &Password) -> Result<String, AppError> {
    let secret = password.expose().to_owned();
    run_bounded(move || hash_blocking(&secret)).await?.map_err(AppError::internal)
}

/// Checks `password` against `stored` (a PHC string), or against the dummy
/// hash when there is no account, so both cases cost the same. True only
/// for a stored hash that matches.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    run_bounded(move || {
        let exists = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&phc)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        exists && matches
    })
    .await
}

/// A new password from the form field `password`: its length rules
/// (`Password::parse`), then [`weakness`] against the person's own
/// details in `personal`. Each failure goes to `errors` under `password`;
/// `None` then.
pub fn check_new(errors: &mut FieldErrors, password: String, personal: &[&str]) -> Option<Password> {
    let password = errors.check("password", Password::parse(password))?;
    match weakness(&password, personal) {
        Some(weakness) => {
            errors.add("password", weakness);
            None
        }
        None => Some(password),
    }
}

/// Why a password is too easy to guess, or `None` when it is strong enough.
pub fn weakness(password: &Password, context: &[&str]) -> Option<String> {
    strength(password.expose(), context).problem
}

/// How guessable `password` is, for the strength meter and the rules
/// alike (the form's meter asks the server, so both judge the same way).
///
/// Refused: a password from the breached list (`auth::breached`, OWASP ASVS
/// 5.0 V6.2.12), and a zxcvbn score below 3 of 4 ("safely unguessable:
/// moderate protection from offline slow-hash scenario"; V6.2.11 asks to
/// check against context-specific words). `context` holds the person's own
/// details (email, names): each is split into words too, so
/// "ada@example.com" is weak for Ada, whose address it is. Length rules are `Password::parse`'s.
pub fn strength(password: &str, context: &[&str]) -> PasswordStrength {
    if password.is_empty() {
        return PasswordStrength { score: 0, problem: None };
    }
    if breached::is_breached(password) {
        let problem = "This password appears in lists of breached passwords. Choose another.";
        return PasswordStrength { score: 0, problem: Some(problem.to_owned()) };
    }
    let words: Vec<&str> = context
        .iter()
        .flat_map(|detail| std::iter::once(*detail).chain(detail.split(|c: char| !c.is_alphanumeric())))
        .filter(|word| word.chars().count() >= 3)
        .collect();
    let estimate = zxcvbn(password, &words);
    let score = u8::from(estimate.score());
    if estimate.score() >= Score::Three {
        return PasswordStrength { score, problem: None };
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message = format!("{warning}");
        }
        if let Some(suggestion) = feedback.suggestions().first() {
            message = format!("{message} {suggestion}");
        }
    }
    PasswordStrength { score, problem: Some(message) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s.to_owned()).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hashed = hash(&pw("a long enough passphrase")).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("a long enough passphrase".into(), Some(hashed.clone())).await.unwrap());
        assert!(!verify("a long enough passphrasf".into(), Some(hashed)).await.unwrap());
    }

    #[tokio::test]
    async fn verifying_without_an_account_is_always_false() {
        assert!(!verify("whatever it is".into(), None).await.unwrap());
    }

    #[test]
    fn common_and_personal_passwords_are_weak() {
        assert!(weakness(&pw("password1234"), &[]).is_some());
        let details = ["ada@example.com", "Ada Lovelace", "Acme Rockets"];
        // Strong on their own, guessable for this person.
        for personal in ["ada@example.com", "Acme Rockets!!"] {
            assert!(weakness(&pw(personal), &[]).is_none(), "{personal}");
            assert!(weakness(&pw(personal), &details).is_some(), "{personal}");
        }
        assert!(weakness(&pw("quiet-otter-lamp-97-harbor"), &[]).is_none());
    }

    #[test]
    fn breached_passwords_are_refused_even_when_zxcvbn_would_pass_them() {
        let breached = "xKvO9Dd2FffvODzZ";
        assert!(zxcvbn(breached, &[]).score() >= Score::Three, "zxcvbn alone lets it through");
        assert!(weakness(&pw(breached), &[]).unwrap().contains("breached"));
    }
}
