//! Every transition of the state machine is a row of `ALLOWED`; every other pair of a target
//! (one of `targets()`) and an event (one of `events()`) must be refused, and the test walks the
//! whole matrix to check both. Specific rows check the columns that matter.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::platforms::{Event, Outcome, Visibility};

const NOW: i64 = 1_800_000_000;
const SIZE: u64 = 70_000_000;

fn fresh(state: TargetState) -> Facts {
    Facts {
        state,
        attempts: 0,
        trouble_since: None,
        committed: false,
        has_remote: false,
        session_valid_until: None,
        bytes_sent: 0,
        size: SIZE,
        initiating: false,
        orphaned_inits: 0,
        link_pending: false,
        polls: 0,
        resends: 0,
        platform: "TikTok",
    }
}

fn with_remote(state: TargetState) -> Facts {
    Facts {
        has_remote: true,
        session_valid_until: Some(NOW + 3000),
        bytes_sent: 10_485_760,
        ..fresh(state)
    }
}

fn committed(state: TargetState) -> Facts {
    Facts {
        committed: true,
        has_remote: true,
        bytes_sent: SIZE,
        ..fresh(state)
    }
}

/// The targets the matrix walks, by name.
fn targets() -> Vec<(&'static str, Facts)> {
    use TargetState as S;
    vec![
        ("scheduled", fresh(S::Scheduled)),
        ("queued", fresh(S::Queued)),
        (
            "queued_initiating",
            Facts {
                initiating: true,
                orphaned_inits: 1,
                ..fresh(S::Queued)
            },
        ),
        ("waiting", fresh(S::Waiting)),
        ("uploading", with_remote(S::Uploading)),
        (
            "uploading_no_session",
            Facts {
                session_valid_until: None,
                ..with_remote(S::Uploading)
            },
        ),
        ("processing", committed(S::Processing)),
        ("published", committed(S::Published)),
        (
            "published_link_pending",
            Facts {
                link_pending: true,
                ..committed(S::Published)
            },
        ),
        ("in_inbox", committed(S::InInbox)),
        ("failed", fresh(S::Failed)),
        ("failed_resumable", with_remote(S::Failed)),
        (
            "failed_session_gone",
            Facts {
                session_valid_until: Some(NOW + 30),
                ..with_remote(S::Failed)
            },
        ),
        ("failed_committed", committed(S::Failed)),
        ("cancelled", fresh(S::Cancelled)),
    ]
}

/// The events the matrix walks, by name.
fn events() -> Vec<(&'static str, Event)> {
    vec![
        ("initiating", Event::Initiating),
        ("nothing_created", Event::NothingCreated),
        (
            "initialised",
            Event::Initialised {
                remote_id: "p1".into(),
                session: Some("https://upload/1".into()),
                session_expires_at: Some(NOW + 3600),
                progress: json!({"chunk_size": 5242880}),
            },
        ),
        ("progress", Event::Progress(json!({"refused": [1]}))),
        ("bytes", Event::BytesAcknowledged { total: 20_971_520 }),
        (
            "committed",
            Event::Committed {
                next_poll_at: NOW + 2,
            },
        ),
        (
            "still_processing",
            Event::StillProcessing {
                next_poll_at: NOW + 3,
            },
        ),
        ("pause", Event::Pause { until: NOW + 50 }),
        ("nudge", Event::Nudge),
        (
            "published",
            Event::Finished(Outcome::Published {
                url: Some("https://www.tiktok.com/@a/video/7".into()),
                post_id: Some("7".into()),
                visibility: Visibility::Public,
                link_pending_until: None,
            }),
        ),
        (
            "in_inbox",
            Event::Finished(Outcome::InInbox {
                note: Some("moved".into()),
            }),
        ),
        (
            "link",
            Event::LinkArrived {
                url: Some("https://www.tiktok.com/@a/video/7".into()),
                post_id: Some("7".into()),
            },
        ),
        (
            "no_longer_public",
            Event::NoLongerPublic {
                note: "taken down".into(),
            },
        ),
        (
            "trouble",
            Event::trouble("internal_error", "TikTok had a problem."),
        ),
        (
            "session_lost",
            Event::session_lost("upload_url_expired", "expired"),
        ),
        (
            "session_lost_definitive",
            Event::SessionLost {
                code: "internal".into(),
                message: "TikTok failed it".into(),
                definitive: true,
            },
        ),
        (
            "wait",
            Event::Wait {
                until: NOW + 86_400,
                code: "daily_cap".into(),
                message: "the daily cap".into(),
            },
        ),
        ("refused", Event::refused("invalid_param", "no")),
        (
            "refused_definitive",
            Event::Refused {
                code: "spam_risk".into(),
                message: "TikTok said FAILED".into(),
                definitive: true,
            },
        ),
        (
            "not_confirmed",
            Event::NotConfirmed {
                message: "never confirmed".into(),
            },
        ),
        ("cancel", Event::Cancel),
        ("retry", Event::Retry),
        ("send_again", Event::SendAgain),
    ]
}

/// (target, event, the state it leads to). Anything not here is refused.
const ALLOWED: &[(&str, &str, TargetState)] = {
    use TargetState as S;
    &[
        // Starting the upload: the marker, then TikTok's answer.
        ("scheduled", "initiating", S::Queued),
        ("queued", "initiating", S::Queued),
        ("queued_initiating", "initiating", S::Queued),
        ("waiting", "initiating", S::Queued),
        ("scheduled", "nothing_created", S::Scheduled),
        ("queued", "nothing_created", S::Queued),
        ("queued_initiating", "nothing_created", S::Queued),
        ("waiting", "nothing_created", S::Waiting),
        ("uploading", "nothing_created", S::Uploading),
        ("uploading_no_session", "nothing_created", S::Uploading),
        ("failed", "nothing_created", S::Failed),
        ("failed_resumable", "nothing_created", S::Failed),
        ("failed_session_gone", "nothing_created", S::Failed),
        ("failed_committed", "nothing_created", S::Failed),
        ("scheduled", "initialised", S::Uploading),
        ("queued", "initialised", S::Uploading),
        ("queued_initiating", "initialised", S::Uploading),
        ("waiting", "initialised", S::Uploading),
        ("uploading", "initialised", S::Uploading),
        ("uploading_no_session", "initialised", S::Uploading),
        // The platform's notes, in any state that is still moving.
        ("scheduled", "progress", S::Scheduled),
        ("queued", "progress", S::Queued),
        ("queued_initiating", "progress", S::Queued),
        ("waiting", "progress", S::Waiting),
        ("uploading", "progress", S::Uploading),
        ("uploading_no_session", "progress", S::Uploading),
        ("processing", "progress", S::Processing),
        ("published_link_pending", "progress", S::Published),
        // Sending.
        ("uploading", "bytes", S::Uploading),
        ("uploading_no_session", "bytes", S::Uploading),
        ("uploading", "committed", S::Processing),
        ("uploading_no_session", "committed", S::Processing),
        // Following.
        ("processing", "still_processing", S::Processing),
        ("published_link_pending", "still_processing", S::Published),
        ("scheduled", "pause", S::Scheduled),
        ("queued", "pause", S::Queued),
        ("queued_initiating", "pause", S::Queued),
        ("waiting", "pause", S::Waiting),
        ("uploading", "pause", S::Uploading),
        ("uploading_no_session", "pause", S::Uploading),
        ("processing", "pause", S::Processing),
        ("published_link_pending", "pause", S::Published),
        // A webhook's hint: ask now, only where Cast is asking anyway.
        ("processing", "nudge", S::Processing),
        ("published_link_pending", "nudge", S::Published),
        ("processing", "published", S::Published),
        ("processing", "in_inbox", S::InInbox),
        ("published_link_pending", "link", S::Published),
        // A published post made private on the platform: only its visibility and note change.
        ("published", "no_longer_public", S::Published),
        ("published_link_pending", "no_longer_public", S::Published),
        // Trouble: waited out before commit, followed after.
        ("scheduled", "trouble", S::Scheduled),
        ("queued", "trouble", S::Queued),
        ("queued_initiating", "trouble", S::Queued),
        ("waiting", "trouble", S::Waiting),
        ("uploading", "trouble", S::Uploading),
        ("uploading_no_session", "trouble", S::Uploading),
        ("processing", "trouble", S::Processing),
        ("published_link_pending", "trouble", S::Published),
        // Starting over: before commit, or after it when the platform said so for certain.
        ("scheduled", "session_lost", S::Queued),
        ("queued", "session_lost", S::Queued),
        ("queued_initiating", "session_lost", S::Queued),
        ("waiting", "session_lost", S::Queued),
        ("uploading", "session_lost", S::Queued),
        ("uploading_no_session", "session_lost", S::Queued),
        ("scheduled", "session_lost_definitive", S::Queued),
        ("queued", "session_lost_definitive", S::Queued),
        ("queued_initiating", "session_lost_definitive", S::Queued),
        ("waiting", "session_lost_definitive", S::Queued),
        ("uploading", "session_lost_definitive", S::Queued),
        ("uploading_no_session", "session_lost_definitive", S::Queued),
        ("processing", "session_lost_definitive", S::Queued),
        // A platform's cap.
        ("scheduled", "wait", S::Waiting),
        ("queued", "wait", S::Waiting),
        ("queued_initiating", "wait", S::Waiting),
        ("waiting", "wait", S::Waiting),
        ("uploading", "wait", S::Waiting),
        ("uploading_no_session", "wait", S::Waiting),
        // Refusals.
        ("scheduled", "refused", S::Failed),
        ("queued", "refused", S::Failed),
        ("queued_initiating", "refused", S::Failed),
        ("waiting", "refused", S::Failed),
        ("uploading", "refused", S::Failed),
        ("uploading_no_session", "refused", S::Failed),
        ("processing", "refused", S::Failed),
        ("scheduled", "refused_definitive", S::Failed),
        ("queued", "refused_definitive", S::Failed),
        ("queued_initiating", "refused_definitive", S::Failed),
        ("waiting", "refused_definitive", S::Failed),
        ("uploading", "refused_definitive", S::Failed),
        ("uploading_no_session", "refused_definitive", S::Failed),
        ("processing", "refused_definitive", S::Failed),
        ("processing", "not_confirmed", S::Failed),
        // The owner.
        ("scheduled", "cancel", S::Cancelled),
        ("queued", "cancel", S::Cancelled),
        ("queued_initiating", "cancel", S::Cancelled),
        ("waiting", "cancel", S::Cancelled),
        ("failed", "cancel", S::Cancelled),
        ("failed_resumable", "cancel", S::Cancelled),
        ("failed_session_gone", "cancel", S::Cancelled),
        ("failed_committed", "cancel", S::Cancelled),
        ("failed", "retry", S::Queued),
        ("failed_resumable", "retry", S::Uploading),
        ("failed_session_gone", "retry", S::Uploading),
        ("failed_committed", "retry", S::Processing),
        ("failed_committed", "send_again", S::Queued),
    ]
};

#[test]
fn every_pair_of_target_and_event_is_a_row_or_refused() {
    let mut rows_seen = 0;
    for (target, facts) in targets() {
        for (event_name, event) in events() {
            let expected = ALLOWED
                .iter()
                .find(|(t, e, _)| *t == target && *e == event_name)
                .map(|(_, _, to)| *to);
            match (apply(&facts, &event, NOW), expected) {
                (Ok(change), Some(to)) => {
                    rows_seen += 1;
                    assert_eq!(
                        change.state.unwrap_or(facts.state),
                        to,
                        "{target} + {event_name}"
                    );
                    assert_eq!(
                        change.expected,
                        Some(facts.state),
                        "{target} + {event_name} is guarded on the state it found"
                    );
                }
                (Err(refusal), None) => {
                    assert_eq!(refusal.state, facts.state);
                    assert!(!refusal.message.is_empty());
                }
                (Ok(change), None) => {
                    panic!("{target} + {event_name} should be refused, got {change:?}")
                }
                (Err(e), Some(_)) => panic!("{target} + {event_name} was refused: {e}"),
            }
        }
    }
    assert_eq!(rows_seen, ALLOWED.len(), "every row names a real pair");
}

fn get(target: &str) -> Facts {
    targets()
        .into_iter()
        .find(|(n, _)| *n == target)
        .map(|(_, f)| f)
        .expect("a named target")
}

fn ev(name: &str) -> Event {
    events()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e)
        .expect("a named event")
}

fn change(target: &str, event: &str) -> Change {
    apply(&get(target), &ev(event), NOW).expect("allowed")
}

#[test]
fn an_initiating_found_unanswered_counts_one_orphaned_init() {
    assert_eq!(change("queued", "initiating").orphaned_inits, None);
    assert_eq!(
        change("queued_initiating", "initiating").orphaned_inits,
        Some(2)
    );
    assert_eq!(
        change("queued", "initiating").initiating_at,
        Some(Some(NOW))
    );
    assert_eq!(
        change("queued", "nothing_created").initiating_at,
        Some(None)
    );
    assert_eq!(change("queued", "initialised").initiating_at, Some(None));
}

#[test]
fn initialising_records_the_upload_and_clears_the_trouble() {
    let c = change("queued", "initialised");
    assert_eq!(c.remote_id, Some(Some("p1".into())));
    assert_eq!(c.session, Some(Some("https://upload/1".into())));
    assert_eq!(c.bytes_sent, Some(0));
    assert_eq!(c.attempts, Some(0));
    assert_eq!(c.error, Some(None));
}

#[test]
fn commit_forgets_the_session_and_schedules_the_first_poll() {
    let c = change("uploading", "committed");
    assert_eq!(c.committed, Some(true));
    assert_eq!(c.committed_at, Some(Some(NOW)));
    assert_eq!(c.session, Some(None));
    assert_eq!(c.bytes_sent, Some(SIZE));
    assert_eq!(c.run_at, Some(NOW + 2));
}

#[test]
fn trouble_before_commit_backs_off_and_fails_after_the_last_attempt() {
    let c = change("queued", "trouble");
    assert_eq!(c.state, None, "the same state");
    assert_eq!(c.attempts, Some(1));
    assert_eq!(c.trouble_since, Some(Some(NOW)));
    let run_at = c.run_at.expect("later");
    assert!((NOW + 15..=NOW + 17).contains(&run_at), "{run_at}");
    let (code, message) = c.error.flatten().expect("an error");
    assert_eq!(code, "internal_error");
    assert!(message.contains("attempt 1 of 10"), "{message}");
    let last = Facts {
        attempts: MAX_ATTEMPTS - 1,
        trouble_since: Some(NOW - 3600),
        ..get("queued")
    };
    let c = apply(&last, &ev("trouble"), NOW).expect("allowed");
    assert_eq!(c.state, Some(TargetState::Failed));
    let (_, message) = c.error.flatten().expect("an error");
    assert!(message.contains("Press Retry"), "{message}");
    assert!(message.contains("tried 10 times"), "{message}");
}

#[test]
fn trouble_while_processing_is_followed_not_counted() {
    let c = change("processing", "trouble");
    assert_eq!(c.state, None);
    assert_eq!(
        c.attempts, None,
        "never a failure before the processing bound"
    );
    assert_eq!(c.polls, Some(1));
    assert_eq!(c.run_at, Some(NOW + 15));
    let (_, message) = c.error.flatten().expect("shown");
    assert!(message.contains("keeps asking"), "{message}");
    let slow = Event::Trouble {
        code: "rate_limit_exceeded".into(),
        message: "slow down".into(),
        retry_after: Some(Duration::from_secs(90)),
    };
    let c = apply(&get("processing"), &slow, NOW).expect("allowed");
    assert_eq!(c.run_at, Some(NOW + 90));
}

#[test]
fn a_lost_session_starts_over_at_once_then_backs_off() {
    let c = change("uploading", "session_lost");
    assert_eq!(c.remote_id, Some(None));
    assert_eq!(c.session, Some(None));
    assert_eq!(c.bytes_sent, Some(0));
    assert_eq!(c.run_at, Some(NOW), "the first start-over goes at once");
    let again = Facts {
        attempts: 1,
        ..get("uploading")
    };
    let c = apply(&again, &ev("session_lost"), NOW).expect("allowed");
    assert!(c.run_at.expect("later") >= NOW + 15);
    // After commit only the platform's certain word starts over, and it takes commit back.
    let c = change("processing", "session_lost_definitive");
    assert_eq!(c.committed, Some(false));
    assert!(apply(&get("processing"), &ev("session_lost"), NOW).is_err());
}

#[test]
fn a_definitive_refusal_makes_a_committed_target_safe_to_retry() {
    assert_eq!(
        change("processing", "refused_definitive").committed,
        Some(false)
    );
    assert_eq!(change("processing", "refused").committed, None);
    assert_eq!(change("processing", "not_confirmed").committed, None);
    let (code, _) = change("processing", "not_confirmed")
        .error
        .flatten()
        .expect("why");
    assert_eq!(code, "not_confirmed");
}

#[test]
fn a_wait_holds_the_target_until_the_cap_lifts() {
    let c = change("queued", "wait");
    assert_eq!(c.waiting_until, Some(Some(NOW + 86_400)));
    assert_eq!(c.run_at, Some(NOW + 86_400));
    assert_eq!(c.attempts, None, "a cap is not a failure");
    assert_eq!(change("waiting", "initiating").waiting_until, Some(None));
}

#[test]
fn publishing_records_the_link_or_waits_for_it() {
    let c = change("processing", "published");
    assert_eq!(c.result_post_id, Some(Some("7".into())));
    assert_eq!(c.result_visibility, Some(Some(Visibility::Public)));
    assert_eq!(c.finished_at, Some(Some(NOW)));
    assert_eq!(c.link_pending_until, Some(None));
    let pending = Event::Finished(Outcome::Published {
        url: Some("https://www.tiktok.com/@a".into()),
        post_id: None,
        visibility: Visibility::Public,
        link_pending_until: Some(NOW + 86_400),
    });
    let c = apply(&get("processing"), &pending, NOW).expect("allowed");
    assert_eq!(c.link_pending_until, Some(Some(NOW + 86_400)));
    assert_eq!(c.run_at, Some(NOW + 60));
    let c = change("published_link_pending", "link");
    assert_eq!(c.link_pending_until, Some(None));
    assert_eq!(c.result_post_id, Some(Some("7".into())));
}

#[test]
fn retry_resumes_restarts_or_checks_again_by_what_the_platform_holds() {
    let resume = change("failed_resumable", "retry");
    assert_eq!(resume.session, None, "the session is kept");
    assert_eq!(resume.attempts, Some(0));
    let ask_first = change("failed_session_gone", "retry");
    assert_eq!(ask_first.session, Some(None));
    assert_eq!(ask_first.remote_id, None, "the upload is asked about first");
    let start_over = change("failed", "retry");
    assert_eq!(start_over.remote_id, Some(None));
    assert_eq!(start_over.progress, Some(json!({})));
    let check_again = change("failed_committed", "retry");
    assert_eq!(check_again.committed_at, Some(Some(NOW)));
    assert_eq!(check_again.remote_id, None, "the same upload");
    let send_again = change("failed_committed", "send_again");
    assert_eq!(send_again.resends, Some(1));
    assert_eq!(send_again.committed, Some(false));
    assert_eq!(send_again.remote_id, Some(None));
}

#[test]
fn the_owners_refusals_say_what_is_possible() {
    let e = apply(&get("published"), &Event::Cancel, NOW).expect_err("refused");
    assert_eq!(e.code, "cannot_cancel");
    let e = apply(&get("processing"), &Event::Retry, NOW).expect_err("refused");
    assert_eq!(e.code, "cannot_retry");
    assert!(e.message.contains("nothing to retry"), "{}", e.message);
    let e = apply(&get("failed"), &Event::SendAgain, NOW).expect_err("refused");
    assert_eq!(e.code, "cannot_retry");
}

#[test]
fn the_actions_follow_the_lists() {
    use TargetState as S;
    assert_eq!(actions(S::Queued, false), [Action::Cancel]);
    assert_eq!(actions(S::Waiting, false), [Action::Cancel]);
    assert_eq!(actions(S::Failed, false), [Action::Retry, Action::Cancel]);
    assert_eq!(
        actions(S::Failed, true),
        [Action::CheckAgain, Action::SendAgain, Action::Cancel]
    );
    assert!(actions(S::Processing, true).is_empty());
    assert!(actions(S::Published, true).is_empty());
    // Nothing re-sends a committed video but the explicit Send again.
    for state in TargetState::ALL {
        assert!(!actions(state, true).contains(&Action::Retry));
        assert!(!actions(state, false).contains(&Action::SendAgain));
    }
    assert_eq!(
        sql_in(&CANCELLABLE),
        "state IN ('scheduled', 'queued', 'waiting', 'failed')"
    );
}

#[test]
fn states_round_trip_through_their_names() {
    for s in TargetState::ALL {
        assert_eq!(TargetState::parse(s.as_str()), Some(s));
    }
    assert_eq!(TargetState::parse("nope"), None);
    assert!(TargetState::Failed.is_final());
    assert!(!TargetState::Waiting.is_final());
}

#[test]
fn a_nudge_makes_a_followed_target_due_now_and_changes_nothing_else() {
    let facts = Facts {
        polls: 4,
        ..committed(TargetState::Processing)
    };
    let change = apply(&facts, &Event::Nudge, NOW).expect("allowed");
    assert_eq!(
        change,
        Change {
            expected: Some(TargetState::Processing),
            run_at: Some(NOW),
            ..Change::default()
        }
    );
}
