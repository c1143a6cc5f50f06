//! The platforms this Cast publishes to, by id. Filled by the app factory (which alone knows
//! whether each is real or emulated); the core asks it for a target's platform.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::boundary::Platform;
use super::id::PlatformId;

#[derive(Clone, Default)]
pub struct Platforms(BTreeMap<PlatformId, Arc<dyn Platform>>);

impl Platforms {
    pub fn with(mut self, platform: Arc<dyn Platform>) -> Self {
        self.0.insert(platform.id(), platform);
        self
    }

    pub fn get(&self, id: PlatformId) -> Option<&Arc<dyn Platform>> {
        self.0.get(&id)
    }

    pub fn ids(&self) -> impl Iterator<Item = PlatformId> + '_ {
        self.0.keys().copied()
    }
}
