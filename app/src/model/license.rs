//! Software licensing: policies, licenses, machines and entitlements.
//!
//! The vocabulary and the rules are Keygen's (keygen.sh, whose client
//! protocol the public `/v1` API speaks): a *policy* says how its licenses
//! behave, a *license* carries a key its holder enters in the software, a
//! *machine* is one activation of a license (identified by the client's
//! *fingerprint*), an *entitlement* is a named feature a policy grants.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{EntitlementId, LicenseId, MachineId, PolicyId, text::one_line_text};
use crate::error::FieldErrors;

/// A machine without a policy interval stays alive this long after a
/// heartbeat (Keygen's default, 10 minutes).
pub const DEFAULT_HEARTBEAT_SECONDS: u32 = 600;

/// After its interval a dead machine is kept this much longer before the
/// culler deactivates it, for clocks and networks that run late (Keygen's
/// heartbeat drift, 30 seconds).
pub const HEARTBEAT_GRACE_SECONDS: i64 = 30;

/// A license expiring within this many days is `EXPIRING` (Keygen: 3).
pub const EXPIRING_WITHIN_DAYS: i64 = 3;

/// A license neither created nor validated for this many days is
/// `INACTIVE` (Keygen: 90).
pub const INACTIVE_AFTER_DAYS: i64 = 90;

one_line_text!(
    /// A policy's name: 1–100 characters.
    PolicyName,
    max = 100,
    noun = "A policy name",
    empty = "Enter a name for the policy."
);

one_line_text!(
    /// An entitlement's display name: 1–100 characters.
    EntitlementName,
    max = 100,
    noun = "An entitlement name",
    empty = "Enter a name for the entitlement."
);

/// What an expired license may still do (Keygen's `expirationStrategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpirationStrategy {
    /// Validation fails (`EXPIRED`); the license key still authenticates.
    #[default]
    RestrictAccess,
    /// Validation fails and the key no longer authenticates at all
    /// (`LICENSE_EXPIRED` on every other call).
    RevokeAccess,
    /// Validation succeeds with code `EXPIRED`, so the software keeps
    /// working as it is.
    MaintainAccess,
    /// Validation succeeds with code `EXPIRED` and nothing is restricted.
    AllowAccess,
}

impl ExpirationStrategy {
    pub const ALL: [ExpirationStrategy; 4] = [
        ExpirationStrategy::RestrictAccess,
        ExpirationStrategy::RevokeAccess,
        ExpirationStrategy::MaintainAccess,
        ExpirationStrategy::AllowAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpirationStrategy::RestrictAccess => "RESTRICT_ACCESS",
            ExpirationStrategy::RevokeAccess => "REVOKE_ACCESS",
            ExpirationStrategy::MaintainAccess => "MAINTAIN_ACCESS",
            ExpirationStrategy::AllowAccess => "ALLOW_ACCESS",
        }
    }

    /// How the dashboard names it.
    pub fn label(self) -> &'static str {
        match self {
            ExpirationStrategy::RestrictAccess => "Restrict access",
            ExpirationStrategy::RevokeAccess => "Revoke access",
            ExpirationStrategy::MaintainAccess => "Maintain access",
            ExpirationStrategy::AllowAccess => "Allow access",
        }
    }

    /// Whether an expired license still validates (`valid: true`, code
    /// `EXPIRED`).
    pub fn expired_is_valid(self) -> bool {
        matches!(self, ExpirationStrategy::MaintainAccess | ExpirationStrategy::AllowAccess)
    }
}

impl std::str::FromStr for ExpirationStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown expiration strategy {s:?}"))
    }
}

/// The unit of a policy's check-in interval (Keygen's `checkInInterval`:
/// `day`, `week`, `month` or `year`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckInInterval {
    #[default]
    Day,
    Week,
    Month,
    Year,
}

impl CheckInInterval {
    pub const ALL: [CheckInInterval; 4] =
        [CheckInInterval::Day, CheckInInterval::Week, CheckInInterval::Month, CheckInInterval::Year];

    /// Keygen's name, as stored and as the API and the form carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInInterval::Day => "day",
            CheckInInterval::Week => "week",
            CheckInInterval::Month => "month",
            CheckInInterval::Year => "year",
        }
    }

    /// How the dashboard names `count` of them ("1 day", "3 weeks").
    pub fn label(self, count: u16) -> String {
        let unit = self.as_str();
        if count == 1 { format!("1 {unit}") } else { format!("{count} {unit}s") }
    }
}

impl std::str::FromStr for CheckInInterval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown check-in interval {s:?}"))
    }
}

/// How often a policy's licenses must check in (`POST
/// /v1/licenses/{id}/actions/check-in`): every `count` (1 to
/// [`CheckIn::MAX_COUNT`], Keygen's `checkInIntervalCount`) of
/// `interval`. A license whose next check-in has passed validates as
/// `OVERDUE` (Keygen's `requireCheckIn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckIn {
    pub interval: CheckInInterval,
    pub count: u16,
}

impl CheckIn {
    /// Most intervals between check-ins (Keygen: 1 to 365).
    pub const MAX_COUNT: u16 = 365;

    /// `at` moved on by `count` intervals. Days and weeks are 24-hour days
    /// (times are UTC); months and years go by the calendar, a day past
    /// the end of the month taking its last day (31 January and a month:
    /// 28 or 29 February), as Rails' `advance`, which Keygen uses.
    pub fn after(self, at: OffsetDateTime) -> OffsetDateTime {
        let count = i64::from(self.count);
        match self.interval {
            CheckInInterval::Day => at + Duration::days(count),
            CheckInInterval::Week => at + Duration::weeks(count),
            CheckInInterval::Month => add_months(at, count),
            CheckInInterval::Year => add_months(at, count * 12),
        }
    }

    /// When a license's next check-in is due: an interval after its last
    /// check-in or, when it has none, after it was issued (Keygen's
    /// `nextCheckIn`; Keygen stamps a license's first check-in when it is
    /// issued under a policy that requires them).
    pub fn next(self, last: Option<OffsetDateTime>, issued: OffsetDateTime) -> OffsetDateTime {
        self.after(last.unwrap_or(issued))
    }

    /// "every day", "every 3 weeks".
    pub fn label(self) -> String {
        match self.count {
            1 => format!("every {}", self.interval.as_str()),
            n => format!("every {}", self.interval.label(n)),
        }
    }
}

/// `at` moved on by `months` calendar months, clamped to the last day of
/// the month it lands in; past the calendar's end (year 9999), 30-day
/// months.
fn add_months(at: OffsetDateTime, months: i64) -> OffsetDateTime {
    let index = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + months;
    let landed = i32::try_from(index.div_euclid(12)).ok().and_then(|year| {
        let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
        let day = at.day().min(month.length(year));
        time::Date::from_calendar_date(year, month, day).ok()
    });
    match landed {
        Some(date) => at.replace_date(date),
        None => at.saturating_add(Duration::days(30 * months)),
    }
}

/// How many of the components a validation scope names must be the
/// scoped machine's (Keygen's `componentMatchingStrategy`; the scope's
/// list counted without duplicates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComponentMatchingStrategy {
    /// At least one.
    #[default]
    MatchAny,
    /// At least two.
    MatchTwo,
    /// At least half, rounded up (Keygen's `MATCH_MOST`: 2 of 3, 2 of 4).
    MatchMost,
    /// All of them.
    MatchAll,
}

impl ComponentMatchingStrategy {
    pub const ALL: [ComponentMatchingStrategy; 4] = [
        ComponentMatchingStrategy::MatchAny,
        ComponentMatchingStrategy::MatchTwo,
        ComponentMatchingStrategy::MatchMost,
        ComponentMatchingStrategy::MatchAll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentMatchingStrategy::MatchAny => "MATCH_ANY",
            ComponentMatchingStrategy::MatchTwo => "MATCH_TWO",
            ComponentMatchingStrategy::MatchMost => "MATCH_MOST",
            ComponentMatchingStrategy::MatchAll => "MATCH_ALL",
        }
    }

    /// How the dashboard names it.
    pub fn label(self) -> &'static str {
        match self {
            ComponentMatchingStrategy::MatchAny => "Any one",
            ComponentMatchingStrategy::MatchTwo => "At least two",
            ComponentMatchingStrategy::MatchMost => "Most (half or more)",
            ComponentMatchingStrategy::MatchAll => "All",
        }
    }

    /// Whether `matched` of the `asked` components a scope names are
    /// enough (Keygen's `LicenseValidationService`).
    pub fn satisfied(self, matched: usize, asked: usize) -> bool {
        match self {
            ComponentMatchingStrategy::MatchAny => matched >= 1,
            ComponentMatchingStrategy::MatchTwo => matched >= 2,
            ComponentMatchingStrategy::MatchMost => matched >= asked.div_ceil(2),
            ComponentMatchingStrategy::MatchAll => matched >= asked,
        }
    }
}

impl std::str::FromStr for ComponentMatchingStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown component matching strategy {s:?}"))
    }
}

/// A license's state, as Keygen reports it (first that applies wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    Active,
    /// Neither created nor validated in the last 90 days.
    Inactive,
    /// Expires within 3 days.
    Expiring,
    Expired,
    Suspended,
    Banned,
}

impl LicenseStatus {
    pub const ALL: [LicenseStatus; 6] = [
        LicenseStatus::Active,
        LicenseStatus::Inactive,
        LicenseStatus::Expiring,
        LicenseStatus::Expired,
        LicenseStatus::Suspended,
        LicenseStatus::Banned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "ACTIVE",
            LicenseStatus::Inactive => "INACTIVE",
            LicenseStatus::Expiring => "EXPIRING",
            LicenseStatus::Expired => "EXPIRED",
            LicenseStatus::Suspended => "SUSPENDED",
            LicenseStatus::Banned => "BANNED",
        }
    }

    /// Lower case, for URLs and the status filter.
    pub fn slug(self) -> &'static str {
        match self {
            LicenseStatus::Active => "active",
            LicenseStatus::Inactive => "inactive",
            LicenseStatus::Expiring => "expiring",
            LicenseStatus::Expired => "expired",
            LicenseStatus::Suspended => "suspended",
            LicenseStatus::Banned => "banned",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.slug() == s)
    }

    /// The status at `now` of a license with these facts.
    pub fn of(
        banned: bool,
        suspended: bool,
        expiry: Option<OffsetDateTime>,
        last_active: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Self {
        match expiry {
            _ if banned => LicenseStatus::Banned,
            _ if suspended => LicenseStatus::Suspended,
            Some(expiry) if expiry < now => LicenseStatus::Expired,
            Some(expiry) if expiry < now + Duration::days(EXPIRING_WITHIN_DAYS) => LicenseStatus::Expiring,
            _ if last_active < now - Duration::days(INACTIVE_AFTER_DAYS) => LicenseStatus::Inactive,
            _ => LicenseStatus::Active,
        }
    }
}

/// Whether a machine is keeping up its heartbeats (Keygen's
/// `heartbeatStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeartbeatStatus {
    /// No heartbeat yet, and (when one is required) still within the
    /// first interval after activation.
    NotStarted,
    Alive,
    /// The last heartbeat (or the activation, when none came) is older
    /// than the interval.
    Dead,
}

impl HeartbeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatStatus::NotStarted => "NOT_STARTED",
            HeartbeatStatus::Alive => "ALIVE",
            HeartbeatStatus::Dead => "DEAD",
        }
    }

    /// The status at `now` of a machine activated at `created` whose last
    /// heartbeat was `last_heartbeat`, under a policy that does or does
    /// not `require` them with an interval of `interval_seconds`.
    pub fn of(
        require: bool,
        interval_seconds: u32,
        created: OffsetDateTime,
        last_heartbeat: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        let interval = Duration::seconds(i64::from(interval_seconds));
        match last_heartbeat {
            Some(at) if at + interval >= now => HeartbeatStatus::Alive,
            Some(_) => HeartbeatStatus::Dead,
            None if !require || created + interval >= now => HeartbeatStatus::NotStarted,
            None => HeartbeatStatus::Dead,
        }
    }
}

/// An entitlement code: 1–64 characters of letters, digits, `-`, `_` and
/// `.`, unique in the organization. Clients ask for entitlements by code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntitlementCode(String);

impl EntitlementCode {
    pub const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim();
        if code.is_empty() {
            return Err("Enter a code, such as pro-export.".into());
        }
        if code.chars().count() > Self::MAX_LEN {
            return Err(format!("A code is at most {} characters.", Self::MAX_LEN));
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err("Use letters, digits, '-', '_' and '.' only.".into());
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An entitlement: a named feature a policy grants its licenses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    pub id: EntitlementId,
    pub code: String,
    pub name: String,
}

/// A policy as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: PolicyId,
    pub name: String,
    pub fields: PolicyFields,
    pub entitlements: Vec<Entitlement>,
    /// Licenses issued under it.
    pub licenses: u64,
}

/// What a policy says, checked: the form's fields, parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFields {
    /// The product its licenses are for, as clients name it in the
    /// product scope; `None`: any product.
    pub product: Option<String>,
    /// Most machines a license may have at once; `None`: no limit.
    pub max_machines: Option<u32>,
    /// Seconds from issue to expiry; `None`: licenses do not expire.
    pub duration_seconds: Option<i64>,
    /// Floating licenses may be active on several machines; node-locked
    /// ones on exactly one.
    pub floating: bool,
    /// A strict policy's licenses validate only with their machines
    /// activated (and no more than allowed).
    pub strict: bool,
    pub require_heartbeat: bool,
    /// Seconds a machine stays alive after a heartbeat.
    pub heartbeat_seconds: u32,
    pub expiration_strategy: ExpirationStrategy,
    /// Licenses must check in (Keygen's `requireCheckIn`); `check_in` is
    /// then set.
    pub require_check_in: bool,
    /// How often they must; may be kept while check-ins are not required.
    pub check_in: Option<CheckIn>,
    pub component_matching_strategy: ComponentMatchingStrategy,
}

impl PolicyFields {
    /// The check-in rule in force: `check_in` when check-ins are required.
    pub fn required_check_in(&self) -> Option<CheckIn> {
        self.check_in.filter(|_| self.require_check_in)
    }
}

/// Longest policy duration: 100 years, in days.
pub const MAX_DURATION_DAYS: i64 = 36_500;

/// The policy form as typed: every field text, so nothing typed is lost
/// when another field has an error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub name: String,
    pub product: String,
    /// Empty: no limit.
    pub max_machines: String,
    /// Days; empty: licenses do not expire.
    pub duration_days: String,
    pub floating: bool,
    pub strict: bool,
    pub require_heartbeat: bool,
    /// Minutes; empty: 10.
    pub heartbeat_minutes: String,
    pub expiration_strategy: ExpirationStrategy,
    pub entitlements: Vec<EntitlementId>,
    /// An exact duration in seconds, which takes the place of
    /// `duration_days` when given (Keygen's API counts in seconds; a year
    /// there is 31,556,952): from a day to [`MAX_DURATION_DAYS`].
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    pub require_check_in: bool,
    /// `day`, `week`, `month` or `year`; needed when check-ins are.
    pub check_in_interval: String,
    /// 1 to 365 intervals between check-ins; needed when check-ins are.
    pub check_in_interval_count: String,
    pub component_matching_strategy: ComponentMatchingStrategy,
}

impl PolicyForm {
    /// Checks every field, collecting each field's error (Keygen's rules:
    /// a node-locked policy allows exactly one machine, a floating one at
    /// least one; a duration is at least a day; a heartbeat interval at
    /// least a minute).
    pub fn parse(&self) -> Result<(PolicyName, PolicyFields), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", PolicyName::parse(&self.name));
        let product = match self.product.trim() {
            "" => None,
            p if p.chars().count() > 200 => {
                errors.add("product", "A product is at most 200 characters.");
                None
            }
            p => Some(p.to_owned()),
        };
        let max_machines = match self.max_machines.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(0) | Err(_) => {
                    errors.add("max_machines", "Enter a whole number of at least 1, or leave empty for no limit.");
                    None
                }
                Ok(n) if !self.floating && n != 1 => {
                    errors.add("max_machines", "A node-locked policy allows exactly 1 machine.");
                    None
                }
                Ok(n) => Some(n),
            },
        };
        let max_machines = if self.floating { max_machines } else { Some(1) };
        let duration_seconds = match self.duration_days.trim() {
            _ if self.duration_seconds.is_some() => match self.duration_seconds {
                Some(seconds) if (86_400..=MAX_DURATION_DAYS * 86_400).contains(&seconds) => Some(seconds),
                _ => {
                    errors.add(
                        "duration_days",
                        format!(
                            "A duration is from 86400 seconds (a day) to {} (100 years).",
                            MAX_DURATION_DAYS * 86_400
                        ),
                    );
                    None
                }
            },
            "" => None,
            text => match text.parse::<i64>() {
                Ok(days) if (1..=MAX_DURATION_DAYS).contains(&days) => Some(days * 86_400),
                _ => {
                    errors.add(
                        "duration_days",
                        format!("Enter a number of days from 1 to {MAX_DURATION_DAYS}, or leave empty for no expiry."),
                    );
                    None
                }
            },
        };
        let heartbeat_seconds = match self.heartbeat_minutes.trim() {
            "" => DEFAULT_HEARTBEAT_SECONDS,
            text => match text.parse::<u32>() {
                Ok(minutes) if (1..=10_080).contains(&minutes) => minutes * 60,
                _ => {
                    errors.add("heartbeat_minutes", "Enter a number of minutes from 1 to 10080 (a week).");
                    DEFAULT_HEARTBEAT_SECONDS
                }
            },
        };
        let check_in = self.check_in(&mut errors);
        match name {
            Some(name) if errors.is_empty() => Ok((
                name,
                PolicyFields {
                    product,
                    max_machines,
                    duration_seconds,
                    floating: self.floating,
                    strict: self.strict,
                    require_heartbeat: self.require_heartbeat,
                    heartbeat_seconds,
                    expiration_strategy: self.expiration_strategy,
                    require_check_in: self.require_check_in,
                    check_in,
                    component_matching_strategy: self.component_matching_strategy,
                },
            )),
            _ => Err(errors),
        }
    }

    /// The check-in interval and count (Keygen's rules: a unit of `day`,
    /// `week`, `month`, `year` and a count from 1 to 365, both required
    /// when check-ins are). A policy that does not require check-ins keeps
    /// them when they are valid, and ignores them otherwise.
    fn check_in(&self, errors: &mut FieldErrors) -> Option<CheckIn> {
        let interval = match self.check_in_interval.trim() {
            "" => Err("Choose how often licenses check in: days, weeks, months or years."),
            text => text.parse::<CheckInInterval>().map_err(|_| "Choose days, weeks, months or years."),
        };
        let count = match self.check_in_interval_count.trim() {
            "" => Err(format!("Enter a number of intervals between check-ins, from 1 to {}.", CheckIn::MAX_COUNT)),
            text => text
                .parse::<u16>()
                .ok()
                .filter(|n| (1..=CheckIn::MAX_COUNT).contains(n))
                .ok_or_else(|| format!("Enter a whole number from 1 to {}.", CheckIn::MAX_COUNT)),
        };
        match (interval, count) {
            (Ok(interval), Ok(count)) => Some(CheckIn { interval, count }),
            _ if !self.require_check_in => None,
            (interval, count) => {
                if let Err(message) = interval {
                    errors.add("check_in_interval", message);
                }
                if let Err(message) = count {
                    errors.add("check_in_interval_count", message);
                }
                None
            }
        }
    }

    /// The form filled in from a stored policy (for editing).
    pub fn of(policy: &Policy) -> Self {
        let f = &policy.fields;
        Self {
            name: policy.name.clone(),
            product: f.product.clone().unwrap_or_default(),
            max_machines: if f.floating {
                f.max_machines.map(|n| n.to_string()).unwrap_or_default()
            } else {
                String::new()
            },
            duration_days: f.duration_seconds.map(|s| (s / 86_400).to_string()).unwrap_or_default(),
            floating: f.floating,
            strict: f.strict,
            require_heartbeat: f.require_heartbeat,
            heartbeat_minutes: (f.heartbeat_seconds / 60).to_string(),
            expiration_strategy: f.expiration_strategy,
            entitlements: policy.entitlements.iter().map(|e| e.id).collect(),
            duration_seconds: f.duration_seconds.filter(|s| s % 86_400 != 0),
            require_check_in: f.require_check_in,
            check_in_interval: f.check_in.map(|c| c.interval.as_str().to_owned()).unwrap_or_default(),
            check_in_interval_count: f.check_in.map(|c| c.count.to_string()).unwrap_or_default(),
            component_matching_strategy: f.component_matching_strategy,
        }
    }
}

/// Longest license key accepted (given keys; generated ones are 38).
pub const MAX_KEY_LEN: usize = 255;

/// Shortest license key an admin may give.
pub const MIN_KEY_LEN: usize = 16;
/// Least estimated strength of a given key, in bits (see [`key_bits`]).
pub const MIN_KEY_BITS: f64 = 80.0;

/// A license key given by an admin: [`MIN_KEY_LEN`]–[`MAX_KEY_LEN`]
/// printable ASCII characters without spaces (so it survives an
/// `Authorization` header), of at least [`MIN_KEY_BITS`] by [`key_bits`].
/// A key is a bearer secret that the unauthenticated `validate-key`, and
/// the "already in use" answer of issuing one, would confirm: it must be
/// too strong to guess (OWASP ASVS 5.0 V6.2, applied to keys; generated
/// keys carry 120 random bits).
pub fn parse_license_key(input: &str) -> Result<String, String> {
    let key = input.trim();
    if key.len() < MIN_KEY_LEN || key.len() > MAX_KEY_LEN {
        return Err(format!("A key is {MIN_KEY_LEN} to {MAX_KEY_LEN} characters."));
    }
    if !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err("A key uses printable characters without spaces.".into());
    }
    if key_bits(key) < MIN_KEY_BITS {
        return Err("This key is too easy to guess: use more characters, mixed, or let Atrium generate one.".into());
    }
    Ok(key.to_owned())
}

/// An estimate of a key's strength in bits, as if each character were
/// drawn at random from the classes the key uses (digits 10, lower case
/// 26, upper case 26, other symbols 32): `log2(pool)` per character, but
/// only 1 bit for a character that repeats the one before or continues a
/// run (`a` after `b` or before it, `4` after `3`), and nothing for the
/// separators `-`, `_`, `.` and `:`. An over-estimate for keys made of
/// words, an under-estimate for none that is random: a random 16-character
/// key of upper-case letters and digits scores 82.7; `ACME-0042` scores
/// 32 and `AAAA-BBBB-CCCC-DDDD` 20.
pub fn key_bits(key: &str) -> f64 {
    let chars: Vec<u8> = key.bytes().filter(|b| !matches!(b, b'-' | b'_' | b'.' | b':')).collect();
    let mut pool = 0_u32;
    if chars.iter().any(u8::is_ascii_digit) {
        pool += 10;
    }
    if chars.iter().any(u8::is_ascii_lowercase) {
        pool += 26;
    }
    if chars.iter().any(u8::is_ascii_uppercase) {
        pool += 26;
    }
    if chars.iter().any(|c| !c.is_ascii_alphanumeric()) {
        pool += 32;
    }
    let per_char = f64::from(pool.max(2)).log2();
    let mut bits = 0.0;
    for (i, c) in chars.iter().enumerate() {
        let predictable = i > 0 && chars[i - 1].abs_diff(*c) <= 1;
        bits += if predictable { 1.0 } else { per_char };
    }
    bits
}

/// A license's metadata: a JSON object, at most 16 KiB as text.
pub fn parse_metadata(input: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(serde_json::Map::new());
    }
    if text.len() > 16 * 1024 {
        return Err("Metadata is at most 16 KiB.".into());
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("Metadata must be a JSON object, such as {\"seats\": 5}.".into()),
        Err(err) => Err(format!("Metadata is not valid JSON: {err}.")),
    }
}

/// A license as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseItem {
    pub id: LicenseId,
    pub key: String,
    pub name: Option<String>,
    pub owner_email: Option<String>,
    pub policy_id: PolicyId,
    pub policy_name: String,
    pub status: LicenseStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiry: Option<OffsetDateTime>,
    pub machines: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One license with what its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseDetail {
    pub license: LicenseItem,
    /// Suspended (which a ban's status hides).
    pub suspended: bool,
    /// The metadata object as pretty JSON.
    pub metadata: String,
    pub max_machines: Option<u32>,
    pub machines: Vec<Machine>,
    pub entitlements: Vec<Entitlement>,
    /// Validations answered for this license.
    pub validations: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_validated_at: Option<OffsetDateTime>,
    /// Its check-ins, when its policy requires them.
    pub check_in: Option<LicenseCheckIn>,
}

/// A license's check-ins under a policy that requires them, as of when
/// the server read them (times are computed there: the browser's clock is
/// not asked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseCheckIn {
    pub rule: CheckIn,
    /// The last check-in; `None`: none yet.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last: Option<OffsetDateTime>,
    /// When the next one is due ([`CheckIn::next`]).
    #[serde(with = "time::serde::rfc3339")]
    pub next: OffsetDateTime,
    /// `next` has passed: validation answers `OVERDUE`.
    pub overdue: bool,
}

impl LicenseCheckIn {
    /// The check-ins at `now` of a license issued at `issued` and last
    /// checked in at `last`, under `rule`.
    pub fn of(rule: CheckIn, last: Option<OffsetDateTime>, issued: OffsetDateTime, now: OffsetDateTime) -> Self {
        let next = rule.next(last, issued);
        Self { rule, last, next, overdue: next < now }
    }
}

/// One hardware component of a machine, as the license page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineComponent {
    pub fingerprint: String,
    pub name: String,
}

/// A machine (an activation of a license).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub id: MachineId,
    pub fingerprint: String,
    pub name: Option<String>,
    pub hostname: Option<String>,
    pub platform: Option<String>,
    pub cores: Option<i32>,
    pub heartbeat: HeartbeatStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last heartbeat, or the activation when none came yet.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    /// Its components (activated with it), by name.
    pub components: Vec<MachineComponent>,
}

/// The license form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LicenseForm {
    pub policy: String,
    pub name: String,
    pub owner_email: String,
    /// Empty: generate one in Keygen's format.
    pub key: String,
    /// A JSON object; empty: `{}`.
    pub metadata: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn status_takes_the_first_rule_that_applies() {
        let recent = NOW - Duration::days(1);
        assert_eq!(LicenseStatus::of(true, true, None, recent, NOW), LicenseStatus::Banned);
        assert_eq!(
            LicenseStatus::of(false, true, Some(NOW - Duration::days(9)), recent, NOW),
            LicenseStatus::Suspended
        );
        assert_eq!(
            LicenseStatus::of(false, false, Some(NOW - Duration::seconds(1)), recent, NOW),
            LicenseStatus::Expired
        );
        assert_eq!(
            LicenseStatus::of(false, false, Some(NOW + Duration::days(2)), recent, NOW),
            LicenseStatus::Expiring
        );
        assert_eq!(LicenseStatus::of(false, false, None, NOW - Duration::days(91), NOW), LicenseStatus::Inactive);
        assert_eq!(LicenseStatus::of(false, false, Some(NOW + Duration::days(30)), recent, NOW), LicenseStatus::Active);
    }

    #[test]
    fn heartbeats_die_after_their_interval() {
        let created = NOW - Duration::seconds(700);
        assert_eq!(HeartbeatStatus::of(false, 600, created, None, NOW), HeartbeatStatus::NotStarted);
        assert_eq!(HeartbeatStatus::of(true, 600, created, None, NOW), HeartbeatStatus::Dead);
        assert_eq!(HeartbeatStatus::of(true, 900, created, None, NOW), HeartbeatStatus::NotStarted);
        assert_eq!(
            HeartbeatStatus::of(true, 600, created, Some(NOW - Duration::seconds(599)), NOW),
            HeartbeatStatus::Alive
        );
        assert_eq!(
            HeartbeatStatus::of(false, 600, created, Some(NOW - Duration::seconds(601)), NOW),
            HeartbeatStatus::Dead
        );
    }

    #[test]
    fn policy_form_reports_each_bad_field_and_locks_node_locked_to_one_machine() {
        let form = PolicyForm {
            name: " ".into(),
            max_machines: "3".into(),
            duration_days: "0".into(),
            heartbeat_minutes: "x".into(),
            ..PolicyForm::default()
        };
        let errors = form.parse().unwrap_err();
        for field in ["name", "max_machines", "duration_days", "heartbeat_minutes"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let form = PolicyForm { name: "Pro".into(), duration_days: "365".into(), ..PolicyForm::default() };
        let (_, fields) = form.parse().unwrap();
        assert_eq!(
            (fields.max_machines, fields.duration_seconds, fields.heartbeat_seconds),
            (Some(1), Some(31_536_000), 600)
        );
        let floating =
            PolicyForm { name: "Team".into(), floating: true, max_machines: "5".into(), ..PolicyForm::default() };
        assert_eq!(floating.parse().unwrap().1.max_machines, Some(5));
    }

    #[test]
    fn entitlement_codes_and_metadata_are_checked() {
        assert!(EntitlementCode::parse("pro-export.v2").is_ok());
        assert!(EntitlementCode::parse("two words").is_err());
        assert!(parse_metadata("").unwrap().is_empty());
        assert!(parse_metadata("[1]").is_err());
        assert!(parse_metadata("{\"seats\": 5}").is_ok());
        assert!(parse_license_key("short").is_err());
        assert!(parse_license_key("ACME-0042").is_err(), "too short");
        assert!(parse_license_key("AAAA-BBBB-CCCC-DDDD").is_err(), "too easy: {}", key_bits("AAAA-BBBB-CCCC-DDDD"));
        assert!(parse_license_key("ACME-0001-0002-0003").is_err(), "{}", key_bits("ACME-0001-0002-0003"));
        assert!(parse_license_key("Q7XK-M2PD-9RWT-H4VZ").is_ok(), "{}", key_bits("Q7XK-M2PD-9RWT-H4VZ"));
    }

    #[test]
    fn policy_form_requires_a_check_in_interval_only_when_check_ins_are_required() {
        let base = PolicyForm { name: "Offline".into(), require_check_in: true, ..PolicyForm::default() };
        let errors = base.parse().unwrap_err();
        assert!(errors.get("check_in_interval").is_some() && errors.get("check_in_interval_count").is_some());
        for (interval, count, field) in [
            ("fortnight", "1", "check_in_interval"),
            ("day", "0", "check_in_interval_count"),
            ("week", "366", "check_in_interval_count"),
            ("day", "x", "check_in_interval_count"),
        ] {
            let form = PolicyForm {
                check_in_interval: interval.into(),
                check_in_interval_count: count.into(),
                ..base.clone()
            };
            let errors = form.parse().unwrap_err();
            assert!(errors.get(field).is_some(), "{interval} {count}");
        }
        let form = PolicyForm { check_in_interval: "week".into(), check_in_interval_count: "2".into(), ..base.clone() };
        let (_, fields) = form.parse().unwrap();
        let every_two_weeks = CheckIn { interval: CheckInInterval::Week, count: 2 };
        assert_eq!((fields.require_check_in, fields.check_in), (true, Some(every_two_weeks)));
        assert_eq!(fields.required_check_in(), Some(every_two_weeks));
        // Not required: valid values are kept, others dropped without an error.
        let off = PolicyForm { require_check_in: false, ..form.clone() };
        let (_, fields) = off.parse().unwrap();
        assert_eq!((fields.check_in, fields.required_check_in()), (Some(every_two_weeks), None));
        let off = PolicyForm { check_in_interval_count: "0".into(), ..off };
        assert_eq!(off.parse().unwrap().1.check_in, None);
        // A stored policy fills the form back in.
        let policy = Policy {
            id: PolicyId::new(),
            name: "Offline".into(),
            fields: form.parse().unwrap().1,
            entitlements: vec![],
            licenses: 0,
        };
        let again = PolicyForm::of(&policy);
        assert_eq!((again.check_in_interval.as_str(), again.check_in_interval_count.as_str()), ("week", "2"));
    }

    #[test]
    fn check_ins_fall_due_an_interval_after_the_last_or_the_issue() {
        let every = |count, interval| CheckIn { interval, count };
        let at = datetime!(2026-01-31 10:30 UTC);
        assert_eq!(every(1, CheckInInterval::Day).after(at), datetime!(2026-02-01 10:30 UTC));
        assert_eq!(every(2, CheckInInterval::Week).after(at), datetime!(2026-02-14 10:30 UTC));
        assert_eq!(every(1, CheckInInterval::Month).after(at), datetime!(2026-02-28 10:30 UTC), "clamped");
        assert_eq!(every(13, CheckInInterval::Month).after(at), datetime!(2027-02-28 10:30 UTC));
        assert_eq!(
            every(1, CheckInInterval::Month).after(datetime!(2028-01-31 0:00 UTC)),
            datetime!(2028-02-29 0:00 UTC)
        );
        assert_eq!(
            every(1, CheckInInterval::Year).after(datetime!(2028-02-29 0:00 UTC)),
            datetime!(2029-02-28 0:00 UTC)
        );
        assert_eq!(every(365, CheckInInterval::Year).after(at), datetime!(2391-01-31 10:30 UTC));
        let daily = every(1, CheckInInterval::Day);
        assert_eq!(daily.next(None, NOW), NOW + Duration::days(1), "from the issue when never checked in");
        assert_eq!(daily.next(Some(NOW + Duration::days(3)), NOW), NOW + Duration::days(4));
        let state = LicenseCheckIn::of(daily, Some(NOW - Duration::days(2)), NOW - Duration::days(9), NOW);
        assert!(state.overdue && state.next == NOW - Duration::days(1));
        assert!(!LicenseCheckIn::of(daily, None, NOW - Duration::hours(23), NOW).overdue);
        assert_eq!(
            (daily.label(), every(3, CheckInInterval::Month).label()),
            ("every day".into(), "every 3 months".into())
        );
        assert_eq!("year".parse(), Ok(CheckInInterval::Year));
    }

    #[test]
    fn component_matching_strategies_count_as_keygen_does() {
        use ComponentMatchingStrategy::*;
        for (strategy, matched, asked, ok) in [
            (MatchAny, 1, 5, true),
            (MatchAny, 0, 5, false),
            (MatchTwo, 2, 5, true),
            (MatchTwo, 1, 1, false),
            (MatchMost, 2, 3, true),
            (MatchMost, 1, 3, false),
            (MatchMost, 2, 4, true),
            (MatchMost, 1, 2, true),
            (MatchAll, 3, 3, true),
            (MatchAll, 2, 3, false),
        ] {
            assert_eq!(strategy.satisfied(matched, asked), ok, "{strategy:?} {matched} of {asked}");
        }
        for strategy in ComponentMatchingStrategy::ALL {
            assert_eq!(strategy.as_str().parse(), Ok(strategy));
        }
    }
}
