//! The links service: making, revoking, opening and logging links.

use std::sync::Arc;

use sqlx::SqlitePool;

use super::meter::{Meter, Meters};
use super::range::{self, Answer};
use super::settings::LinkSettings;
use super::types::{
    Fetch, FetchRequest, FetchSummary, LinkInfo, LinkState, OpenLink, PublicLink, RevokeReason,
};
use super::{LinkError, LinkName, LinkedFile, PREFIX, store};
use crate::clock::Clock;
use crate::crypto::{constant_time_eq, hash_token, random_token};

#[derive(Clone)]
pub struct Links {
    pub(super) db: SqlitePool,
    pub(super) clock: Clock,
    settings: LinkSettings,
    /// `BASE_URL` without a trailing slash.
    pub(super) base_url: String,
    meters: Arc<Meters>,
}

impl Links {
    pub fn new(db: SqlitePool, clock: Clock, base_url: &str, settings: LinkSettings) -> Self {
        Self {
            db,
            clock,
            settings,
            base_url: base_url.trim_end_matches('/').to_string(),
            meters: Arc::default(),
        }
    }

    pub fn settings(&self) -> &LinkSettings {
        &self.settings
    }

    /// Makes a link to `file` for `job_id`, live for `PUBLIC_LINK_TTL` from now.
    pub async fn create(
        &self,
        job_id: &str,
        name: LinkName,
        file: &LinkedFile,
    ) -> Result<PublicLink, LinkError> {
        if job_id.trim().is_empty() {
            return Err(LinkError::NoJob);
        }
        let token = random_token(32);
        let prefix = &token[..6];
        let now = self.clock.now_ms();
        let ttl = i64::try_from(self.settings.ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let expires_ms = now.saturating_add(ttl);
        let name = name.as_string();
        let id = store::insert_link(
            &self.db,
            &store::NewLink {
                token_hash: &hash_token(&token),
                token_prefix: prefix,
                job_id,
                name: &name,
                path: &file.path().to_string_lossy(),
                size: i64::try_from(file.size()).unwrap_or(i64::MAX),
                content_type: file.content_type(),
                sha256: file.sha256(),
                created_ms: now,
                expires_ms,
            },
        )
        .await?;
        tracing::info!(link = id, job_id, token = prefix, "public link made");
        Ok(PublicLink {
            id,
            url: format!("{}{PREFIX}{token}/{name}", self.base_url),
            token_prefix: prefix.to_string(),
            expires_at_ms: expires_ms,
        })
    }

    /// Revokes one link; false when it was already revoked.
    pub async fn revoke(&self, link_id: i64, reason: RevokeReason) -> Result<bool, LinkError> {
        let done = store::revoke(&self.db, link_id, self.clock.now_ms(), reason.as_str()).await?;
        if done {
            tracing::info!(
                link = link_id,
                reason = reason.as_str(),
                "public link revoked"
            );
        }
        Ok(done)
    }

    /// Revokes every live link of a job; returns how many there were.
    pub async fn revoke_job(&self, job_id: &str, reason: RevokeReason) -> Result<u64, LinkError> {
        let n = store::revoke_job(&self.db, job_id, self.clock.now_ms(), reason.as_str()).await?;
        if n > 0 {
            tracing::info!(
                job_id,
                links = n,
                reason = reason.as_str(),
                "public links revoked"
            );
        }
        Ok(n)
    }

    /// Records links past their lifetime as revoked (for housekeeping); they already answer 404.
    pub async fn sweep_expired(&self) -> Result<u64, LinkError> {
        Ok(store::sweep_expired(&self.db, self.clock.now_ms()).await?)
    }

    /// Whether any link of the job ran out its lifetime before the platform was done: the job
    /// then fails with "the platform did not fetch the video in time".
    pub async fn expired_unused(&self, job_id: &str) -> Result<bool, LinkError> {
        Ok(self
            .links(job_id)
            .await?
            .iter()
            .any(|l| matches!(&l.state, LinkState::Revoked { reason, .. } if reason == "expired")))
    }

    pub async fn links(&self, job_id: &str) -> Result<Vec<LinkInfo>, LinkError> {
        let now = self.clock.now_ms();
        Ok(store::of_job(&self.db, job_id)
            .await?
            .into_iter()
            .map(|row| {
                let state = match (row.revoked_ms, row.revoked_reason) {
                    (Some(at_ms), reason) => LinkState::Revoked {
                        at_ms,
                        reason: reason.unwrap_or_default(),
                    },
                    // Past its lifetime but not swept yet: it already answers 404.
                    (None, _) if row.expires_ms <= now => LinkState::Revoked {
                        at_ms: row.expires_ms,
                        reason: RevokeReason::Expired.as_str().into(),
                    },
                    (None, _) => LinkState::Live,
                };
                LinkInfo {
                    id: row.id,
                    job_id: row.job_id,
                    token_prefix: row.token_prefix,
                    name: row.name,
                    size: u64::try_from(row.size).unwrap_or(0),
                    content_type: row.content_type,
                    sha256: row.sha256,
                    created_at_ms: row.created_ms,
                    expires_at_ms: row.expires_ms,
                    state,
                }
            })
            .collect())
    }

    /// Every request the job's links answered, oldest first, with the bytes sent so far.
    pub async fn fetches(&self, job_id: &str) -> Result<Vec<Fetch>, LinkError> {
        let live = self.meters.snapshot();
        Ok(store::fetches_of_job(&self.db, job_id)
            .await?
            .into_iter()
            .map(|row| Fetch {
                link_id: row.link_id,
                at: row.at_ms.div_euclid(1000),
                at_ms: row.at_ms,
                method: row.method,
                range: row.range,
                status: u16::try_from(row.status).unwrap_or(0),
                bytes: live
                    .get(&row.id)
                    .copied()
                    .unwrap_or_else(|| u64::try_from(row.bytes).unwrap_or(0)),
                user_agent: row.user_agent,
                client_ip: row.client_ip,
            })
            .collect())
    }

    pub async fn summary(&self, job_id: &str) -> Result<FetchSummary, LinkError> {
        let fetches = self.fetches(job_id).await?;
        Ok(FetchSummary {
            requests: fetches.len(),
            bytes: fetches.iter().map(|f| f.bytes).sum(),
        })
    }

    /// The live link behind `token`, if any. Every token takes the same path: one indexed
    /// lookup by its hash, which a revoked or expired link cannot match.
    pub async fn open(&self, token: &str) -> Result<Option<OpenLink>, LinkError> {
        let hash = hash_token(token);
        let Some(row) = store::live_by_hash(&self.db, &hash, self.clock.now_ms()).await? else {
            return Ok(None);
        };
        if !row
            .token_hash
            .as_deref()
            .is_some_and(|stored| constant_time_eq(stored, &hash))
        {
            return Ok(None);
        }
        let size = u64::try_from(row.size).unwrap_or(0);
        let file = LinkedFile::new(row.path, size, &row.content_type, &row.sha256)?;
        Ok(Some(OpenLink {
            id: row.id,
            job_id: row.job_id,
            token_prefix: row.token_prefix,
            file,
            created_ms: row.created_ms,
        }))
    }

    /// Which bytes this request gets.
    pub fn answer(&self, link: &OpenLink, req: &FetchRequest) -> Answer {
        range::answer(
            req.range.as_deref(),
            req.if_range.as_deref(),
            link.file.size(),
            &link.etag(),
        )
    }

    /// Writes the request to the job's fetch log; the returned meter counts the body as it goes
    /// out and records the total when dropped.
    pub async fn record(
        &self,
        link: &OpenLink,
        req: &FetchRequest,
        status: u16,
    ) -> Result<Meter, LinkError> {
        let id = store::insert_fetch(
            &self.db,
            &store::NewFetch {
                link_id: link.id,
                job_id: &link.job_id,
                at_ms: self.clock.now_ms(),
                method: req.method.as_str(),
                range: req.range.as_deref(),
                status,
                user_agent: req.user_agent.as_deref(),
                client_ip: req.client_ip.as_deref(),
            },
        )
        .await?;
        Ok(Meter::start(id, self.meters.clone(), self.db.clone()))
    }
}
