//! YouTube's day: quotas and the daily upload bucket reset at midnight Pacific Time (contract
//! section 8), which moves with daylight saving. The zone comes from jiff's bundled copy of the
//! time-zone database, so a Raspberry Pi without `tzdata` computes the same instant.

use jiff::Timestamp;
use jiff::tz::TimeZone;

const ZONE: &str = "America/Los_Angeles";

fn pacific() -> TimeZone {
    // The database is compiled in (`tzdb-bundle-always`), so the lookup cannot fail in practice;
    // should it ever, standard time is off by at most an hour, which only delays a retry.
    TimeZone::get(ZONE).unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(-8)))
}

/// The first Pacific midnight strictly after `now_ms` (Unix milliseconds).
pub fn next_midnight_ms(now_ms: i64) -> i64 {
    let tz = pacific();
    let Ok(now) = Timestamp::from_millisecond(now_ms) else {
        return now_ms.saturating_add(86_400_000);
    };
    now.to_zoned_datetime(tz.clone())
        .date()
        .tomorrow()
        .and_then(|d| d.to_zoned_datetime(tz))
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_else(|_| now_ms.saturating_add(86_400_000))
}

/// The Pacific calendar date of `now_ms`, as `YYYY-MM-DD`: the key of a quota day.
pub fn day(now_ms: i64) -> String {
    match Timestamp::from_millisecond(now_ms) {
        Ok(t) => t.to_zoned_datetime(pacific()).date().to_string(),
        Err(_) => "invalid".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> i64 {
        rfc3339
            .parse::<Timestamp>()
            .expect("timestamp")
            .as_millisecond()
    }

    #[test]
    fn winter_midnight_is_eight_hours_behind_utc() {
        assert_eq!(
            next_midnight_ms(ms("2026-12-01T20:00:00Z")),
            ms("2026-12-02T08:00:00Z")
        );
    }

    #[test]
    fn summer_midnight_is_seven_hours_behind_utc() {
        assert_eq!(
            next_midnight_ms(ms("2026-07-01T06:59:59Z")),
            ms("2026-07-01T07:00:00Z")
        );
        assert_eq!(
            next_midnight_ms(ms("2026-07-01T07:00:00Z")),
            ms("2026-07-02T07:00:00Z")
        );
    }

    #[test]
    fn the_day_the_clocks_go_back_has_twenty_five_hours() {
        // 1 November 2026: PDT ends at 02:00 local.
        let start = ms("2026-11-01T07:00:00Z");
        assert_eq!(next_midnight_ms(start), ms("2026-11-02T08:00:00Z"));
        assert_eq!(day(start), "2026-11-01");
        assert_eq!(day(ms("2026-11-02T07:59:59Z")), "2026-11-01");
        assert_eq!(day(ms("2026-11-02T08:00:00Z")), "2026-11-02");
    }
}
