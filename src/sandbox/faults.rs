//! Fault injection (`CAST_SANDBOX_FAULTS`): the first COUNT calls of a step answer STATUS.

use std::sync::Mutex;

use super::errors::ApiError;
use super::settings::{Fault, FaultStep};

pub struct Faults {
    remaining: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn new(faults: &[Fault]) -> Self {
        Self {
            remaining: Mutex::new(faults.to_vec()),
        }
    }

    /// The status this call of `step` must answer, if a fault is still armed for it.
    /// Several faults for one step fire one after another, in the order configured.
    pub fn take(&self, step: FaultStep) -> Option<u16> {
        let mut remaining = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        let fault = remaining
            .iter_mut()
            .find(|f| f.step == step && f.count > 0)?;
        fault.count -= 1;
        tracing::info!(
            ?step,
            status = fault.status,
            left = fault.count,
            "sandbox: injected fault"
        );
        Some(fault.status)
    }

    /// For the v2 API steps: the fault as TikTok's matching envelope error.
    pub fn check(&self, step: FaultStep) -> Result<(), ApiError> {
        match self.take(step) {
            None => Ok(()),
            Some(status) => Err(ApiError::Fault {
                status,
                code: api_code(step, status),
            }),
        }
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
        _ if step == FaultStep::UserInfo => "invalid_params",
        _ => "invalid_param",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_count_times_per_step_in_order() {
        let faults = Faults::new(&[
            Fault {
                step: FaultStep::Init,
                status: 429,
                count: 1,
            },
            Fault {
                step: FaultStep::Init,
                status: 500,
                count: 1,
            },
            Fault {
                step: FaultStep::Chunk,
                status: 503,
                count: 0,
            },
        ]);
        assert_eq!(faults.take(FaultStep::Status), None);
        assert_eq!(faults.take(FaultStep::Chunk), None);
        assert_eq!(faults.take(FaultStep::Init), Some(429));
        assert_eq!(faults.take(FaultStep::Init), Some(500));
        assert_eq!(faults.take(FaultStep::Init), None);
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
