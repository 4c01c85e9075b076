//! Passwords seen in public breaches, refused for new passwords (OWASP
//! ASVS 5.0 V6.2.12; NIST SP 800-63B §3.1.1.2).
//!
//! Checking against a k-anonymity range service (Have I Been Pwned) needs
//! the network; Atrium runs offline, so it ships a list instead:
//! `app/data/breached-passwords.txt`, every entry of an acceptable length
//! (12–128 characters) from the top million of a public breach corpus
//! (44,150 entries, ~640 KB; where it comes from is in `app/data/README.md`).
//! The list is sorted into memory on first use and searched by binary
//! search.

use std::sync::LazyLock;

static LIST: &str = include_str!("../../../data/breached-passwords.txt");

static SORTED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut entries: Vec<&'static str> = LIST.lines().filter(|line| !line.is_empty()).collect();
    entries.sort_unstable();
    entries.dedup();
    entries
});

/// Whether `password` is on the list, as it is or in lower case (the list
/// is mostly lower case; "Qwertyuiop123" is as guessable as
/// "qwertyuiop123").
pub fn is_breached(password: &str) -> bool {
    let found = |candidate: &str| SORTED.binary_search(&candidate).is_ok();
    found(password) || found(&password.to_lowercase())
}

/// Sorts the list now, so the first sign-up does not pay for it. Call once
/// at start-up.
pub fn warm_up() {
    LazyLock::force(&SORTED);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breached_passwords_are_found_in_any_case_and_others_are_not() {
        assert!(SORTED.len() > 40_000);
        assert!(is_breached("1qaz2wsx3edc"));
        assert!(is_breached("xKvO9Dd2FffvODzZ"));
        assert!(is_breached("1QAZ2WSX3EDC"));
        assert!(!is_breached("quiet-otter-lamp-97-harbor"));
    }
}
