//! How times and amounts read on every page.

/// A time as `2026-11-22 14:05 UTC`.
pub fn when(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

/// A duration as `4 s`, `3 min 20 s` or `2 h 5 min`.
pub fn duration(span: time::Duration) -> String {
    let seconds = span.whole_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// `part` of `whole` as a whole percentage (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part.clamp(0, whole) * 100) / whole }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_percentages_read_naturally() {
        assert_eq!(duration(time::Duration::seconds(4)), "4 s");
        assert_eq!(duration(time::Duration::seconds(200)), "3 min 20 s");
        assert_eq!(duration(time::Duration::seconds(7500)), "2 h 5 min");
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(5, 0), 0);
    }
}
