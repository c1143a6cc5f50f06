//! Posts as the rest of Cast uses them: take one in, look at it, act on a target, and the worker
//! that moves targets on. Each call is one function of the module that owns it.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::core::{Core, PostSettings};
use super::error::PostError;
use super::heard::{self, Heard};
use super::history::{self, HistoryPost};
use super::intake::{self, Key, PostRequest, TargetRequest};
use super::legacy::UploadView;
use super::model::PostView;
use super::model::Target;
use super::spool::{SpoolWriter, SpooledFile};
use super::worker::{self, ExecutionOutcome};
use super::{actions, again, browser_upload, paused, relay};
use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::notify::Notifier;
use crate::platforms::{Event, PlatformId, Platforms};
use crate::tus::BrowserUploads;

#[derive(Clone)]
pub struct Posts {
    core: Arc<Core>,
}

impl Posts {
    // Each is a separate service the core shares with the web side; a bundle would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: sqlx::SqlitePool,
        platforms: Platforms,
        accounts: Accounts,
        tus: BrowserUploads,
        notifier: Notifier,
        clock: Clock,
        settings: PostSettings,
        links: crate::links::Links,
    ) -> Self {
        Self {
            core: Arc::new(Core::new(
                db, platforms, accounts, tus, notifier, clock, settings, links,
            )),
        }
    }

    pub fn settings(&self) -> &PostSettings {
        &self.core.settings
    }

    /// A new file to receive a video into, under a fresh random id (which becomes the post's).
    pub async fn receive(&self) -> Result<SpoolWriter, PostError> {
        let id = crate::crypto::random_token(12);
        Ok(SpoolWriter::create(
            &self.core.settings.spool_dir,
            &id,
            self.core.settings.max_upload_bytes,
        )
        .await?)
    }

    /// The post an earlier request with this idempotency key made.
    pub async fn by_idempotency_key(&self, key: &str) -> Result<Option<PostView>, PostError> {
        intake::existing(&self.core, Key::Idempotency(key)).await
    }

    /// Checks the request and the video against each target's platform and queues the post.
    /// Returns it, and whether this call made it (`false`: the idempotency key's post).
    pub async fn submit(
        &self,
        request: &PostRequest,
        file: SpooledFile,
        idempotency_key: Option<&str>,
    ) -> Result<(PostView, bool), PostError> {
        let key = idempotency_key.map_or(Key::None, Key::Idempotency);
        intake::submit(&self.core, request, file, key).await
    }

    /// A photo post (a TikTok carousel): 1 to 35 images, each judged before anything is stored.
    pub async fn submit_photos(
        &self,
        request: &PostRequest,
        images: Vec<SpooledFile>,
        idempotency_key: Option<&str>,
    ) -> Result<(PostView, bool), PostError> {
        let key = idempotency_key.map_or(Key::None, Key::Idempotency);
        super::photos::submit(&self.core, request, images, key).await
    }

    /// A one-target post (the seed endpoint): the account may be left out when the platform has
    /// exactly one connected.
    pub async fn submit_one(
        &self,
        platform: PlatformId,
        account: Option<&str>,
        options: Map<String, Value>,
        publish_at: Option<String>,
        file: SpooledFile,
        idempotency_key: Option<&str>,
    ) -> Result<(PostView, bool), PostError> {
        if let Some(key) = idempotency_key
            && let Some(view) = self.by_idempotency_key(key).await?
        {
            super::spool::remove(&file.path).await;
            return Ok((view, false));
        }
        let account = match self.core.accounts.resolve(platform, account).await {
            Ok(a) => a,
            Err(e) => {
                super::spool::remove(&file.path).await;
                return Err(e.into());
            }
        };
        let request = PostRequest {
            targets: vec![TargetRequest {
                platform: platform.as_str().to_string(),
                account: account.account_id,
                options,
            }],
            publish_at,
        };
        self.submit(&request, file, idempotency_key).await
    }

    /// The posting screen's Publish: the finished browser upload becomes the post's video.
    pub async fn submit_browser_upload(
        &self,
        upload_id: &str,
        request: &PostRequest,
    ) -> Result<(PostView, bool), PostError> {
        browser_upload::submit(&self.core, upload_id, request).await
    }

    /// What the posting screen says of a picked video for these accounts.
    pub async fn check_browser_upload(
        &self,
        upload_id: &str,
        accounts: &[crate::accounts::AccountKey],
    ) -> Result<browser_upload::VideoCheck, PostError> {
        browser_upload::check(&self.core, upload_id, accounts).await
    }

    /// Post again: the post's video to more accounts, checked as a new post's targets are, with
    /// its existing targets counted (an account already among them is refused).
    pub async fn add_targets(
        &self,
        post_id: &str,
        request: &PostRequest,
    ) -> Result<PostView, PostError> {
        again::add_targets(&self.core, post_id, request).await
    }

    pub async fn get(&self, id: &str) -> Result<PostView, PostError> {
        actions::view(&self.core, id).await
    }

    /// A post for its page: each target with its account's name and its options in words.
    pub async fn detail(&self, id: &str) -> Result<history::PostDetail, PostError> {
        history::detail(&self.core, id).await
    }

    pub async fn list(&self, limit: u32, before: Option<&str>) -> Result<Vec<PostView>, PostError> {
        actions::list(&self.core, limit, before).await
    }

    pub async fn history(
        &self,
        limit: u32,
        before: Option<&str>,
    ) -> Result<(Vec<HistoryPost>, Option<String>), PostError> {
        history::page(&self.core, limit, before).await
    }

    /// Cancels one target of a post.
    pub async fn cancel(&self, post_id: &str, target_id: &str) -> Result<PostView, PostError> {
        actions::act(&self.core, Some(post_id), target_id, Event::Cancel).await?;
        self.get(post_id).await
    }

    /// The owner's Retry on one target: sends it again where the platform does not have the
    /// whole file; where it does, only asks again ("Check again"), unless `resend` is the
    /// owner's explicit "Send again (this may post it twice)".
    pub async fn retry(
        &self,
        post_id: &str,
        target_id: &str,
        resend: bool,
    ) -> Result<PostView, PostError> {
        actions::act(
            &self.core,
            Some(post_id),
            target_id,
            retry_event(self, target_id, resend).await?,
        )
        .await?;
        self.get(post_id).await
    }

    /// A target as the seed API shows it.
    pub async fn upload(&self, target_id: &str) -> Result<UploadView, PostError> {
        let (post, target) = actions::target(&self.core, target_id).await?;
        Ok(UploadView::new(&post, &target))
    }

    pub async fn uploads(
        &self,
        limit: u32,
        before: Option<&str>,
    ) -> Result<Vec<UploadView>, PostError> {
        Ok(actions::list_targets(&self.core, limit, before)
            .await?
            .iter()
            .map(|(p, t)| UploadView::new(p, t))
            .collect())
    }

    pub async fn cancel_upload(&self, target_id: &str) -> Result<UploadView, PostError> {
        let (post, target) = actions::act(&self.core, None, target_id, Event::Cancel).await?;
        Ok(UploadView::new(&post, &target))
    }

    pub async fn retry_upload(
        &self,
        target_id: &str,
        resend: bool,
    ) -> Result<UploadView, PostError> {
        let event = retry_event(self, target_id, resend).await?;
        let (post, target) = actions::act(&self.core, None, target_id, event).await?;
        Ok(UploadView::new(&post, &target))
    }

    /// Whether the post is a carousel of images rather than a video.
    pub async fn is_photo_post(&self, post_id: &str) -> Result<bool, PostError> {
        Ok(!super::images::of_post(&self.core.db, post_id)
            .await?
            .is_empty())
    }

    /// The target a platform knows by its own upload id (TikTok's publish_id), if Cast made it.
    pub async fn target_by_remote(
        &self,
        platform: PlatformId,
        remote_id: &str,
    ) -> Result<Option<Target>, PostError> {
        heard::target(&self.core, platform, remote_id).await
    }

    /// What a platform said about one of its uploads outside any step (a webhook), applied
    /// through the state machine like the worker's events; the worker is woken for it.
    pub async fn hear(
        &self,
        platform: PlatformId,
        remote_id: &str,
        event: &Event,
    ) -> Result<Heard, PostError> {
        heard::hear(&self.core, platform, remote_id, event).await
    }

    /// A browser upload got its last bytes: the post accepted before that, if any, has its video
    /// checked now (see `relay`).
    pub async fn upload_finished(&self, upload_id: &str) -> Result<(), PostError> {
        relay::upload_finished(&self.core, upload_id).await
    }

    /// Bytes of a browser upload were stored: targets relaying it go on (see `relay`).
    pub async fn upload_progressed(&self, upload_id: &str) -> Result<(), PostError> {
        paused::upload_progressed(&self.core, upload_id).await
    }

    /// At start, before serving: checks the previous process was running are to be done again,
    /// and a script's body that was arriving then fails its post (it cannot be resumed).
    pub async fn reset_checks(&self) -> Result<(), PostError> {
        relay::reset_checks(&self.core).await?;
        super::api_arrival::fail_cut_by_restart(&self.core).await
    }

    /// A script's post whose video starts arriving in its request body (see `api_arrival`): accepted
    /// now, relayed as the bytes are written into the tus upload `upload_id`.
    pub async fn submit_arriving(
        &self,
        upload_id: &str,
        request: &PostRequest,
        idempotency_key: Option<&str>,
    ) -> Result<(PostView, bool), PostError> {
        super::api_arrival::admit(&self.core, upload_id, request, idempotency_key).await
    }

    /// A script's body ended wrong (`why`): its post fails at once, nothing posted. `false`:
    /// its check had begun (the whole declared video was in), so the post goes on.
    pub async fn arriving_cut(&self, upload_id: &str, why: &str) -> Result<bool, PostError> {
        super::api_arrival::cut(&self.core, upload_id, why).await
    }

    /// A script's whole body was checked: the check's words when its video failed (its key is
    /// then freed), `None` when the post goes on.
    pub async fn arrival_refused(&self, post_id: &str) -> Result<Option<String>, PostError> {
        super::api_arrival::refused(&self.core, post_id).await
    }

    /// The handler receiving a script's body ended before the body (see `api_arrival`).
    pub async fn arrival_abandoned(&self, upload_id: &str) -> Result<(), PostError> {
        super::api_arrival::handler_gone(&self.core, upload_id).await
    }

    /// Checks of posts made before their upload ended that could not run when it ended (see
    /// `relay::resume_checks`); the worker runs them as it starts, tests call it themselves.
    pub async fn resume_checks(&self) -> Result<(), PostError> {
        resume_checks(&self.core).await
    }

    /// One step of the worker (tests drive the queue with it).
    pub async fn try_execute_job(&self) -> Result<ExecutionOutcome, PostError> {
        worker::try_execute_job(&self.core).await
    }

    /// Steps until nothing is due now; how many steps ran.
    pub async fn run_until_idle(&self) -> Result<usize, PostError> {
        worker::run_until_idle(&self.core).await
    }

    /// When the next target falls due (Unix seconds of the app clock).
    pub async fn next_due(&self) -> Result<Option<i64>, PostError> {
        worker::next_due(&self.core).await
    }

    /// The worker's loop, until `stop` (see `worker::run`).
    pub async fn run_worker(self) {
        if let Err(e) = resume_checks(&self.core).await {
            tracing::warn!(error = %e, "could not resume the video checks of posts made early");
        }
        worker::run(self.core).await
    }

    /// Asks the worker to stop: it takes no new target, and steps in flight end after their chunk.
    pub fn stop(&self) {
        self.core.stop();
    }

    /// Deletes videos kept past `SPOOL_RETENTION_HOURS`.
    pub async fn delete_expired_spools(&self) {
        worker::delete_expired_spools(&self.core).await
    }
}

/// Each part runs whatever became of the others; the first error is returned after all ran.
async fn resume_checks(core: &Core) -> Result<(), PostError> {
    let results = [
        relay::resume_checks(core).await,
        super::api_arrival::fail_lost(core).await,
        super::unsettled::finish_failed_checks(core).await,
    ];
    results.into_iter().collect()
}

/// `resend` asks for Send again where the platform has the file; elsewhere Retry is Retry.
async fn retry_event(posts: &Posts, target_id: &str, resend: bool) -> Result<Event, PostError> {
    let (_, target) = actions::target(&posts.core, target_id).await?;
    Ok(if resend && target.committed {
        Event::SendAgain
    } else {
        Event::Retry
    })
}
