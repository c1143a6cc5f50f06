//! Quota at its strictest (contract sections 8 and 12): an insert takes one call from the daily
//! bucket and `INSERT_UNITS` from the unit pool that every other call draws on; every call,
//! even a refused one, costs at least a unit; days turn at midnight Pacific Time, read from the
//! clock so a test can make one pass.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::errors::GoogleError;
use super::state::YouTubeState;
use super::store::quota;

pub const THUMBNAIL_UNITS: i64 = 50;

fn pacific() -> TimeZone {
    // Bundled database (`tzdb-bundle-always`): the lookup does not fail in practice.
    TimeZone::get("America/Los_Angeles").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(-8)))
}

/// The Pacific date of `ms`, the ledger's key.
pub fn day_of(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(pacific()).date().to_string())
        .unwrap_or_else(|_| "invalid".into())
}

/// When the day of `ms` ends.
pub fn day_ends_ms(ms: i64) -> i64 {
    let tz = pacific();
    Timestamp::from_millisecond(ms)
        .ok()
        .and_then(|t| t.to_zoned_datetime(tz.clone()).date().tomorrow().ok())
        .and_then(|d| d.to_zoned_datetime(tz).ok())
        .map_or(ms + 86_400_000, |z| z.timestamp().as_millisecond())
}

/// Takes `units` for a call, or refuses with `quotaExceeded` (charging one unit).
pub async fn take(state: &YouTubeState, units: i64) -> Result<(), GoogleError> {
    let day = day_of(state.now_ms());
    let limit = i64::from(state.settings.units_per_day);
    if quota::take_units(&state.db, &day, units, limit).await? {
        return Ok(());
    }
    quota::charge_refusal(&state.db, &day).await?;
    Err(GoogleError::quota_exceeded())
}

/// The one unit a refused call costs.
pub async fn charge_refusal(state: &YouTubeState) -> Result<(), GoogleError> {
    quota::charge_refusal(&state.db, &day_of(state.now_ms())).await?;
    Ok(())
}

/// Takes an insert: the bucket's call and the pool's units. Past the bucket the answer is the
/// hidden 429 "Video Uploads per day"; past the pool, 403 `quotaExceeded`.
pub async fn take_insert(state: &YouTubeState) -> Result<(), GoogleError> {
    let s = &state.settings;
    let day = day_of(state.now_ms());
    let units = i64::from(s.insert_units);
    if quota::take_insert(
        &state.db,
        &day,
        units,
        i64::from(s.inserts_per_day),
        i64::from(s.units_per_day),
    )
    .await?
    {
        return Ok(());
    }
    let used = quota::day(&state.db, &day).await?;
    quota::charge_refusal(&state.db, &day).await?;
    if used.inserts >= i64::from(s.inserts_per_day) {
        Err(GoogleError::daily_uploads())
    } else {
        Err(GoogleError::quota_exceeded())
    }
}

/// `GET _/quota`: today's buckets.
pub async fn today(state: &YouTubeState) -> Result<Value, GoogleError> {
    let now = state.now_ms();
    let day = day_of(now);
    let used = quota::day(&state.db, &day).await?;
    let s = &state.settings;
    let resets = Timestamp::from_millisecond(day_ends_ms(now))
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok(json!({
        "day": day,
        "timezone": "America/Los_Angeles",
        "resets_at": resets,
        "units": {"used": used.units, "limit": s.units_per_day},
        "inserts": {"used": used.inserts, "limit": s.inserts_per_day, "units_each": s.insert_units},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().expect("ts").as_millisecond()
    }

    #[test]
    fn the_quota_day_turns_at_pacific_midnight() {
        assert_eq!(day_of(ms("2026-12-02T07:59:59Z")), "2026-12-01");
        assert_eq!(day_of(ms("2026-12-02T08:00:00Z")), "2026-12-02");
        assert_eq!(
            day_ends_ms(ms("2026-12-01T12:00:00Z")),
            ms("2026-12-02T08:00:00Z")
        );
        assert_eq!(
            day_ends_ms(ms("2026-07-01T12:00:00Z")),
            ms("2026-07-02T07:00:00Z")
        );
    }
}
