//! Fault injection (`CAST_SANDBOX_INSTAGRAM_FAULTS`): the first COUNT calls of a step answer so.

use std::sync::Mutex;

use super::settings::{Answer, Fault, Step};

pub struct Faults(Mutex<Vec<Fault>>);

impl Faults {
    pub fn new(faults: &[Fault]) -> Self {
        Self(Mutex::new(faults.to_vec()))
    }

    /// What this call of `step` must answer, if a fault is still armed for it. Several faults
    /// for one step fire one after another, in the order configured.
    pub fn take(&self, step: Step) -> Option<Answer> {
        let mut faults = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let fault = faults.iter_mut().find(|f| f.step == step && f.count > 0)?;
        fault.count -= 1;
        tracing::info!(?step, answer = ?fault.answer, left = fault.count, "instagram sandbox: injected fault");
        Some(fault.answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_count_times_in_order() {
        let f = Faults::new(&[
            Fault {
                step: Step::Publish,
                answer: Answer::Status(500),
                count: 1,
            },
            Fault {
                step: Step::Publish,
                answer: Answer::Lost,
                count: 1,
            },
        ]);
        assert_eq!(f.take(Step::Create), None);
        assert_eq!(f.take(Step::Publish), Some(Answer::Status(500)));
        assert_eq!(f.take(Step::Publish), Some(Answer::Lost));
        assert_eq!(f.take(Step::Publish), None);
    }
}
