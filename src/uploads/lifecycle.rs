//! Exactly once: which job states allow which of the owner's actions, in one table.
//!
//! The one fact that decides whether sending the file again could post the video twice is
//! whether TikTok has acknowledged the last chunk of the job's current upload ("delivered"):
//! from then on TikTok may publish it whatever Cast does. It is stored as
//! `processing_started_at IS NOT NULL` (set when the last chunk is acknowledged, cleared when
//! TikTok itself says the upload FAILED, since a failed upload can no longer be published).
//!
//! The table below is used by the SQL that changes states (`repository`), by the status page's
//! buttons and by the API (`UploadView::actions`, `Uploads::retry` and `cancel`). The worker
//! itself re-sends (a new init after an expired link) only where `DELIVERED_SQL` does not hold,
//! or after TikTok said that upload FAILED (`repository::restart_upload`); and before giving up
//! an upload it asks TikTok whether the whole file arrived (`transfer`).

use serde::Serialize;

use super::JobState;

/// What the owner may ask of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Stop it (nothing is sent to TikTok; the video is deleted).
    Cancel,
    /// Send it again, resuming TikTok's upload when it is still valid. Only where TikTok has
    /// not acknowledged the whole file, so it cannot post the video twice.
    Retry,
    /// Ask TikTok again about the same upload (same `publish_id`): never sends the file.
    CheckAgain,
    /// Send the file anew after TikTok acknowledged it: may post it twice, so only on the
    /// owner's explicit request ("Send again (this may post it twice)", `{"resend": true}`).
    SendAgain,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Retry => "retry",
            Self::CheckAgain => "check_again",
            Self::SendAgain => "send_again",
        }
    }

    /// Whether this action sends the video's bytes to TikTok again.
    pub fn resends(self) -> bool {
        matches!(self, Self::Retry | Self::SendAgain)
    }
}

/// One row of the rules: in `state`, with the file delivered or not (`None`: either), these
/// actions are allowed.
pub struct Rule {
    pub state: JobState,
    pub delivered: Option<bool>,
    pub actions: &'static [Action],
}

/// The rules. Anything not listed is refused.
pub const RULES: &[Rule] = &[
    // Nothing has gone to TikTok yet.
    Rule {
        state: JobState::Scheduled,
        delivered: None,
        actions: &[Action::Cancel],
    },
    Rule {
        state: JobState::Queued,
        delivered: None,
        actions: &[Action::Cancel],
    },
    // The worker is sending or following it; it finishes by itself.
    Rule {
        state: JobState::Uploading,
        delivered: None,
        actions: &[],
    },
    Rule {
        state: JobState::Processing,
        delivered: None,
        actions: &[],
    },
    // Failed before TikTok had the whole file (or TikTok said FAILED): sending again is safe.
    Rule {
        state: JobState::Failed,
        delivered: Some(false),
        actions: &[Action::Retry, Action::Cancel],
    },
    // Failed after TikTok had the whole file (e.g. `not_confirmed`): TikTok may have posted it.
    Rule {
        state: JobState::Failed,
        delivered: Some(true),
        actions: &[Action::CheckAgain, Action::SendAgain, Action::Cancel],
    },
    Rule {
        state: JobState::Published,
        delivered: None,
        actions: &[],
    },
    Rule {
        state: JobState::InInbox,
        delivered: None,
        actions: &[],
    },
    Rule {
        state: JobState::Cancelled,
        delivered: None,
        actions: &[],
    },
];

/// The SQL for "delivered", on an `uploads` row.
pub const DELIVERED_SQL: &str = "processing_started_at IS NOT NULL";

/// What a job in `state` (delivered or not) allows.
pub fn allowed(state: JobState, delivered: bool) -> Vec<Action> {
    RULES
        .iter()
        .filter(|r| r.state == state && r.delivered.is_none_or(|d| d == delivered))
        .flat_map(|r| r.actions.iter().copied())
        .collect()
}

pub fn allows(state: JobState, delivered: bool, action: Action) -> bool {
    allowed(state, delivered).contains(&action)
}

/// The `WHERE` condition that holds exactly for the rows allowing `action`, so a state change
/// guarded by it can never act on a row that changed meanwhile.
pub fn sql_condition(action: Action) -> String {
    let parts: Vec<String> = RULES
        .iter()
        .filter(|r| r.actions.contains(&action))
        .map(|r| match r.delivered {
            None => format!("state = '{}'", r.state.as_str()),
            Some(true) => format!("(state = '{}' AND {DELIVERED_SQL})", r.state.as_str()),
            Some(false) => format!("(state = '{}' AND NOT ({DELIVERED_SQL}))", r.state.as_str()),
        })
        .collect();
    if parts.is_empty() {
        "0".to_string()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_rule_for_both_delivery_facts() {
        for state in JobState::ALL {
            for delivered in [false, true] {
                let n = RULES
                    .iter()
                    .filter(|r| r.state == state && r.delivered.is_none_or(|d| d == delivered))
                    .count();
                assert_eq!(n, 1, "{state:?} delivered={delivered}");
            }
        }
    }

    #[test]
    fn nothing_resends_a_delivered_video_without_the_explicit_send_again() {
        for state in JobState::ALL {
            for action in allowed(state, true) {
                assert!(
                    !action.resends() || action == Action::SendAgain,
                    "{state:?} allows {action:?}"
                );
            }
            assert!(!allowed(state, false).contains(&Action::SendAgain));
            assert!(!allowed(state, false).contains(&Action::CheckAgain));
        }
    }

    #[test]
    fn failed_jobs_retry_or_check_again_by_delivery() {
        assert_eq!(
            allowed(JobState::Failed, false),
            [Action::Retry, Action::Cancel]
        );
        assert_eq!(
            allowed(JobState::Failed, true),
            [Action::CheckAgain, Action::SendAgain, Action::Cancel]
        );
        assert!(allowed(JobState::Processing, true).is_empty());
        assert!(allows(JobState::Queued, false, Action::Cancel));
        assert!(!allows(JobState::Published, true, Action::Retry));
    }

    #[test]
    fn the_sql_matches_the_table() {
        assert_eq!(
            sql_condition(Action::CheckAgain),
            "((state = 'failed' AND processing_started_at IS NOT NULL))"
        );
        assert_eq!(
            sql_condition(Action::Cancel),
            "(state = 'scheduled' OR state = 'queued' OR (state = 'failed' AND NOT (processing_started_at IS NOT NULL)) OR (state = 'failed' AND processing_started_at IS NOT NULL))"
        );
    }
}
