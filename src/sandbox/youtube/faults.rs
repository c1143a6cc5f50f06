//! Fault injection (`CAST_SANDBOX_YOUTUBE_FAULTS`): the first COUNT calls of a step fail as told.

use std::sync::Mutex;

use crate::config::youtube_sandbox::{Fault, FaultAction, FaultStep};

pub struct Faults {
    remaining: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn new(faults: &[Fault]) -> Self {
        Self {
            remaining: Mutex::new(faults.to_vec()),
        }
    }

    /// The fault this call of `step` must act out, if one is still armed. Several faults for
    /// one step fire one after another, in the order configured. `final_chunk` says whether a
    /// chunk `PUT` ends the file: `lost` waits for one that does.
    pub fn take(&self, step: FaultStep, final_chunk: bool) -> Option<FaultAction> {
        let mut remaining = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        let fault = remaining.iter_mut().find(|f| {
            f.step == step && f.count > 0 && (f.action != FaultAction::Lost || final_chunk)
        })?;
        fault.count -= 1;
        tracing::info!(?step, action = ?fault.action, left = fault.count, "youtube sandbox: injected fault");
        Some(fault.action)
    }

    /// For steps that only answer statuses.
    pub fn status(&self, step: FaultStep) -> Option<u16> {
        match self.take(step, false) {
            Some(FaultAction::Status(s)) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(step: FaultStep, action: FaultAction, count: u32) -> Fault {
        Fault {
            step,
            action,
            count,
        }
    }

    #[test]
    fn faults_fire_count_times_in_order_and_lost_waits_for_the_final_chunk() {
        let faults = Faults::new(&[
            fault(FaultStep::Chunk, FaultAction::Lost, 1),
            fault(FaultStep::Chunk, FaultAction::Status(503), 1),
            fault(FaultStep::Init, FaultAction::Status(429), 2),
        ]);
        assert_eq!(
            faults.take(FaultStep::Chunk, false),
            Some(FaultAction::Status(503))
        );
        assert_eq!(faults.take(FaultStep::Chunk, false), None);
        assert_eq!(faults.take(FaultStep::Chunk, true), Some(FaultAction::Lost));
        assert_eq!(faults.take(FaultStep::Chunk, true), None);
        assert_eq!(faults.status(FaultStep::Init), Some(429));
        assert_eq!(faults.status(FaultStep::Init), Some(429));
        assert_eq!(faults.status(FaultStep::Init), None);
        assert_eq!(faults.status(FaultStep::Probe), None);
    }
}
