//! Fault injection (`CAST_SANDBOX_FAULTS`): the first COUNT calls of a step answer STATUS, or
//! every call within the first SECONDS of the sandbox clock from start (`60s`).

use std::sync::Mutex;

use super::errors::ApiError;
use crate::config::tiktok_sandbox::{Fault, FaultAction, FaultSpan, FaultStep};

pub struct Faults {
    remaining: Mutex<Vec<Fault>>,
    /// When the sandbox started (its clock, ms): time-spanned faults count from here.
    start_ms: i64,
}

impl Faults {
    pub fn new(faults: &[Fault], start_ms: i64) -> Self {
        Self {
            remaining: Mutex::new(faults.to_vec()),
            start_ms,
        }
    }

    /// What this call of `step` must do at `now_ms`, if a fault is still armed for it.
    /// Several faults for one step fire one after another, in the order configured.
    pub fn take(&self, step: FaultStep, now_ms: i64) -> Option<FaultAction> {
        let mut remaining = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = now_ms - self.start_ms;
        let fault = remaining.iter_mut().find(|f| {
            f.step == step
                && match f.span {
                    FaultSpan::Calls(n) => n > 0,
                    FaultSpan::Millis(ms) => elapsed < ms,
                }
        })?;
        if let FaultSpan::Calls(n) = &mut fault.span {
            *n -= 1;
        }
        tracing::info!(?step, action = ?fault.action, span = ?fault.span, "sandbox: injected fault");
        Some(fault.action)
    }

    /// The status this call of `step` must answer, for steps whose faults are statuses only.
    pub fn take_status(&self, step: FaultStep, now_ms: i64) -> Option<u16> {
        match self.take(step, now_ms)? {
            FaultAction::Status(status) => Some(status),
            // The knob takes stall and lost only where they mean something; elsewhere a 500.
            FaultAction::Stall | FaultAction::Lost => Some(500),
        }
    }

    /// For a v2 API step that can also stall: Err for a status fault, the action for another.
    pub fn check_or_act(
        &self,
        step: FaultStep,
        now_ms: i64,
    ) -> Result<Option<FaultAction>, ApiError> {
        match self.take(step, now_ms) {
            None => Ok(None),
            Some(FaultAction::Status(status)) => Err(ApiError::Fault {
                status,
                code: api_code(step, status),
                message: api_message(step, status),
            }),
            Some(other) => Ok(Some(other)),
        }
    }

    /// For the v2 API steps: the fault as TikTok's matching envelope error.
    pub fn check(&self, step: FaultStep, now_ms: i64) -> Result<(), ApiError> {
        match self.take_status(step, now_ms) {
            None => Ok(()),
            Some(status) => Err(ApiError::Fault {
                status,
                code: api_code(step, status),
                message: api_message(step, status),
            }),
        }
    }
}

/// A 400 on init is most often TikTok's "The chunk size is invalid" (contract §6), so that is
/// what an injected one says; Cast's fallback plans can be tested with it.
fn api_message(step: FaultStep, status: u16) -> &'static str {
    match (step, status) {
        (FaultStep::Init, 400) => {
            "The chunk size is invalid (injected fault, CAST_SANDBOX_FAULTS)."
        }
        _ => "Injected fault (CAST_SANDBOX_FAULTS).",
    }
}

/// The v2 code TikTok pairs with each status (contract section 1, and 5.1 for a 403 on init).
fn api_code(step: FaultStep, status: u16) -> &'static str {
    match status {
        401 => "access_token_invalid",
        403 if step == FaultStep::Init => "spam_risk_too_many_posts",
        403 => "scope_not_authorized",
        429 => "rate_limit_exceeded",
        500..=599 => "internal_error",
        _ if matches!(step, FaultStep::UserInfo | FaultStep::VideoList) => "invalid_params",
        _ => "invalid_param",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_count_times_per_step_in_order() {
        let faults = Faults::new(
            &[
                Fault {
                    step: FaultStep::Init,
                    action: FaultAction::Status(429),
                    span: FaultSpan::Calls(1),
                },
                Fault {
                    step: FaultStep::Init,
                    action: FaultAction::Status(500),
                    span: FaultSpan::Calls(1),
                },
                Fault {
                    step: FaultStep::Chunk,
                    action: FaultAction::Status(503),
                    span: FaultSpan::Calls(0),
                },
            ],
            0,
        );
        assert_eq!(faults.take(FaultStep::Status, 0), None);
        assert_eq!(faults.take(FaultStep::Chunk, 0), None);
        assert_eq!(
            faults.take(FaultStep::Init, 0),
            Some(FaultAction::Status(429))
        );
        assert_eq!(
            faults.take(FaultStep::Init, 0),
            Some(FaultAction::Status(500))
        );
        assert_eq!(faults.take(FaultStep::Init, 0), None);
    }

    #[test]
    fn a_fault_in_seconds_lasts_that_long_on_the_sandbox_clock() {
        let faults = Faults::new(
            &[Fault {
                step: FaultStep::Status,
                action: FaultAction::Status(503),
                span: FaultSpan::Millis(60_000),
            }],
            1_000_000,
        );
        for _ in 0..100 {
            assert_eq!(
                faults.take(FaultStep::Status, 1_059_999),
                Some(FaultAction::Status(503))
            );
        }
        assert_eq!(faults.take(FaultStep::Status, 1_060_000), None);
    }

    #[test]
    fn statuses_map_to_tiktok_codes() {
        assert_eq!(api_code(FaultStep::Init, 429), "rate_limit_exceeded");
        assert_eq!(api_code(FaultStep::Status, 500), "internal_error");
        assert_eq!(
            api_code(FaultStep::CreatorInfo, 401),
            "access_token_invalid"
        );
        assert_eq!(api_code(FaultStep::UserInfo, 400), "invalid_params");
    }
}
