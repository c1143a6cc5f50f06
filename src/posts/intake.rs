//! Taking a post in: the request parsed (every problem of every target at once), the video
//! probed, each target checked by its platform against fresh facts about its account, then the
//! post and its targets stored in one transaction. Anything refused leaves nothing behind.

use serde_json::{Map, Value};

use super::core::Core;
use super::error::{PostError, TargetProblem};
use super::model::{Notice, PostView};
use super::repository::{self, NewPost, NewTarget};
use super::spool::{self, SpooledFile};
use crate::accounts::{AccountKey, AccountStatus};
use crate::media;
use crate::platforms::{PlatformId, Problem};

/// A `publish_at` this far in the past is taken as "now" (clocks and slow uploads differ a little).
const PAST_TOLERANCE_SECS: i64 = 5 * 60;
/// More targets than this in one post is a mistake, not a plan.
const MAX_TARGETS: usize = 20;

/// One target as asked: its platform and account, and the platform's options.
#[derive(Debug, Clone)]
pub struct TargetRequest {
    pub platform: String,
    pub account: String,
    pub options: Map<String, Value>,
}

/// A post as asked, before anything is checked.
#[derive(Debug, Clone, Default)]
pub struct PostRequest {
    pub targets: Vec<TargetRequest>,
    /// RFC 3339; None (or empty) means now.
    pub publish_at: Option<String>,
}

/// How a repeated request is recognised.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    None,
    /// The script's `Idempotency-Key`.
    Idempotency(&'a str),
    /// The browser upload the video came from: a repeated Publish of it finds its post.
    BrowserUpload(&'a str),
}

impl Key<'_> {
    pub(super) fn columns(&self) -> (Option<&str>, Option<&str>) {
        match *self {
            Key::None => (None, None),
            Key::Idempotency(k) => (Some(k), None),
            Key::BrowserUpload(id) => (None, Some(id)),
        }
    }
}

/// The `targets` field of `POST /api/posts`: a JSON array of objects, each with `platform`,
/// `account` and that platform's options.
pub fn parse_targets(raw: &str) -> Result<Vec<TargetRequest>, Vec<TargetProblem>> {
    let value: Value = serde_json::from_str(raw).map_err(|e| {
        vec![TargetProblem::post(
            "invalid_targets",
            format!(
                "`targets` must be a JSON array of objects like {{\"platform\": \"tiktok\", \"account\": \"…\", …}}: {e}"
            ),
        )]
    })?;
    parse_target_list(value)
}

/// The same from JSON already parsed (the `targets` of `POST /api/posts/{id}/targets`).
pub fn parse_target_list(value: Value) -> Result<Vec<TargetRequest>, Vec<TargetProblem>> {
    let Value::Array(items) = value else {
        return Err(vec![TargetProblem::post(
            "invalid_targets",
            "`targets` must be a JSON array of objects, one per account to post to.",
        )]);
    };
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(mut map) = item else {
            problems.push(TargetProblem::of(
                i,
                Problem::new("invalid_target", "Each target must be a JSON object."),
            ));
            continue;
        };
        let mut field = |name: &str| match map.remove(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(TargetProblem::of(
                i,
                Problem::new(
                    "invalid_target",
                    format!("Each target needs `{name}` as a string."),
                ),
            )),
        };
        match (field("platform"), field("account")) {
            (Ok(platform), Ok(account)) => out.push(TargetRequest {
                platform,
                account,
                options: map,
            }),
            (a, b) => problems.extend(a.err().into_iter().chain(b.err())),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn parse_publish_at(raw: Option<&str>, now: i64) -> Result<Option<i64>, TargetProblem> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let at = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            TargetProblem::post(
                "invalid_publish_at",
                format!("publish_at '{s}' is not an RFC 3339 time, e.g. 2026-12-01T18:00:00Z."),
            )
        })?
        .unix_timestamp();
    if at < now - PAST_TOLERANCE_SECS {
        return Err(TargetProblem::post(
            "publish_at_in_the_past",
            format!("publish_at '{s}' is in the past. Leave it out to post now."),
        ));
    }
    Ok((at > now).then_some(at))
}

/// A target that parsed: its platform, account and normalised options.
pub(super) struct Parsed {
    pub(super) platform: PlatformId,
    pub(super) account: String,
    pub(super) options: Value,
}

/// Every target's platform, account and options, or every problem with them.
pub(super) async fn parse_all(
    core: &Core,
    request: &PostRequest,
    now: i64,
) -> Result<(Vec<Parsed>, Option<i64>), Vec<TargetProblem>> {
    parse_beside(core, request, &[], now).await
}

/// `parse_all` for targets added to a post that already has `existing` (platform, account)
/// targets: they count toward the limit, and an account among them is refused as a duplicate.
pub(super) async fn parse_beside(
    core: &Core,
    request: &PostRequest,
    existing: &[(PlatformId, String)],
    now: i64,
) -> Result<(Vec<Parsed>, Option<i64>), Vec<TargetProblem>> {
    let mut problems = Vec::new();
    let publish_at = parse_publish_at(request.publish_at.as_deref(), now)
        .map_err(|p| problems.push(p))
        .ok()
        .flatten();
    if request.targets.is_empty() {
        problems.push(TargetProblem::post(
            "no_targets",
            "Say where to post: at least one target, a connected account.",
        ));
    }
    if request.targets.len() + existing.len() > MAX_TARGETS {
        problems.push(TargetProblem::post(
            "too_many_targets",
            format!("A post goes to at most {MAX_TARGETS} accounts."),
        ));
    }
    let mut parsed = Vec::new();
    let mut seen: Vec<(PlatformId, String)> = existing.to_vec();
    for (i, t) in request.targets.iter().enumerate() {
        let platform =
            match PlatformId::parse(&t.platform).filter(|p| core.platforms.get(*p).is_some()) {
                Some(p) => p,
                None => {
                    let known: Vec<&str> = core.platforms.ids().map(PlatformId::as_str).collect();
                    problems.push(TargetProblem::of(
                        i,
                        Problem::new(
                            "unknown_platform",
                            format!(
                                "'{}' is not a platform this Cast posts to: use {}.",
                                t.platform.chars().take(40).collect::<String>(),
                                known.join(", ")
                            ),
                        ),
                    ));
                    continue;
                }
            };
        let key = AccountKey::new(platform, &t.account);
        match core.accounts.find(&key).await {
            Ok(Some(a)) if a.status == AccountStatus::Active => {}
            Ok(Some(a)) if a.status == AccountStatus::NeedsReconnect => {
                problems.push(TargetProblem::of(
                    i,
                    Problem::new(
                        "needs_reconnect",
                        format!(
                            "{} needs to be connected again before it can post: {}",
                            a.label(),
                            a.status_reason
                        ),
                    ),
                ));
            }
            Ok(_) => problems.push(TargetProblem::of(
                i,
                Problem::new(
                    "unknown_account",
                    format!(
                        "No connected {} account has the id '{}'. Connect it first.",
                        platform.name(),
                        t.account.chars().take(64).collect::<String>()
                    ),
                ),
            )),
            Err(e) => problems.push(TargetProblem::of(
                i,
                Problem::new("internal", e.to_string()),
            )),
        }
        if seen.contains(&(platform, t.account.clone())) {
            problems.push(TargetProblem::of(
                i,
                Problem::new(
                    "duplicate_target",
                    "This account is already a target of this post: each account gets the video once.",
                ),
            ));
        }
        seen.push((platform, t.account.clone()));
        let Some(p) = core.platforms.get(platform) else {
            continue;
        };
        match p.parse_options(&t.options, now) {
            Ok(options) => parsed.push(Parsed {
                platform,
                account: t.account.clone(),
                options,
            }),
            Err(ps) => problems.extend(ps.into_iter().map(|p| TargetProblem::of(i, p))),
        }
    }
    if problems.is_empty() {
        Ok((parsed, publish_at))
    } else {
        problems.sort_by_key(|p| p.target.map_or(0, |t| t + 1));
        Err(problems)
    }
}

/// The video's facts, read from its index; a file that is not a video Cast can post is refused.
pub(super) async fn probe(
    post_id: &str,
    path: &std::path::Path,
    size: u64,
) -> Result<media::VideoInfo, PostError> {
    let path = path.to_path_buf();
    let started = std::time::Instant::now();
    let probed = tokio::task::spawn_blocking(move || media::probe::probe(&path))
        .await
        .map_err(|e| PostError::Probe(e.to_string()))?;
    // The check reads the index only; its time should not grow with the file (see BENCHMARKS.md).
    tracing::info!(
        post_id,
        size,
        probe_ms = started.elapsed().as_secs_f64() * 1000.0,
        "video checked"
    );
    probed.map_err(|e| PostError::rejected(e.code(), e.to_string()))
}

/// Each parsed target checked by its platform against the video: the rows to insert, or every
/// refusal. `one_target_id` names the target of a one-target post (the `/api/uploads` alias);
/// other targets get fresh ids.
pub(super) async fn check_all(
    core: &Core,
    parsed: &[Parsed],
    info: &media::VideoInfo,
    one_target_id: Option<&str>,
) -> Result<Vec<NewTarget>, Vec<TargetProblem>> {
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for (i, t) in parsed.iter().enumerate() {
        let Some(platform) = core.platforms.get(t.platform) else {
            continue;
        };
        match platform.check(&t.account, &t.options, info).await {
            Ok(warnings) => {
                let warnings: Vec<Notice> = warnings
                    .into_iter()
                    .map(|w| Notice {
                        code: w.code.to_string(),
                        message: w.message,
                    })
                    .collect();
                targets.push(NewTarget {
                    id: one_target_id
                        .map(str::to_string)
                        .unwrap_or_else(|| crate::crypto::random_token(12)),
                    platform: t.platform,
                    account_id: t.account.clone(),
                    options: t.options.to_string(),
                    warnings: serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()),
                });
            }
            Err(refusals) => problems.extend(refusals.into_iter().map(|p| TargetProblem::of(i, p))),
        }
    }
    if problems.is_empty() {
        Ok(targets)
    } else {
        Err(problems)
    }
}

/// The post an earlier request with this key made.
pub async fn existing(core: &Core, key: Key<'_>) -> Result<Option<PostView>, PostError> {
    let (idempotency, browser) = key.columns();
    existing_either(core, idempotency, browser).await
}

/// The post holding either key, if any.
pub(super) async fn existing_either(
    core: &Core,
    idempotency: Option<&str>,
    browser: Option<&str>,
) -> Result<Option<PostView>, PostError> {
    if idempotency.is_none() && browser.is_none() {
        return Ok(None);
    }
    let Some(post) = repository::find_post_by_key(&core.db, idempotency, browser).await? else {
        return Ok(None);
    };
    let targets = repository::targets_of(&core.db, &post.id).await?;
    Ok(Some(PostView::new(&post, &targets)))
}

/// Checks everything and stores the post; on any refusal the file is deleted. Returns the post,
/// and whether this call made it (`false`: an earlier request with the same key did).
pub async fn submit(
    core: &Core,
    request: &PostRequest,
    file: SpooledFile,
    key: Key<'_>,
) -> Result<(PostView, bool), PostError> {
    let result = admit(core, request, &file, key).await;
    if !matches!(result, Ok((_, true))) {
        spool::remove(&file.path).await;
    }
    if let Ok((view, true)) = &result {
        let platforms: Vec<&str> = view.targets.iter().map(|t| t.platform.as_str()).collect();
        tracing::info!(post_id = %view.id, size = view.video.size, targets = ?platforms, "post queued");
        core.wake.notify_one();
    }
    result
}

async fn admit(
    core: &Core,
    request: &PostRequest,
    file: &SpooledFile,
    key: Key<'_>,
) -> Result<(PostView, bool), PostError> {
    if let Some(view) = existing(core, key).await? {
        return Ok((view, false));
    }
    let now = core.now();
    let (parsed, publish_at) = parse_all(core, request, now)
        .await
        .map_err(PostError::Rejected)?;
    let info = probe(&file.id, &file.path, file.size).await?;
    let one_target_id = (parsed.len() == 1).then_some(file.id.as_str());
    let targets = check_all(core, &parsed, &info, one_target_id)
        .await
        .map_err(PostError::Rejected)?;
    let (idempotency_key, browser_upload_id) = key.columns();
    let video_info = serde_json::to_string(&info).unwrap_or_else(|_| "{}".into());
    let post = NewPost {
        id: &file.id,
        file_path: &file.path.display().to_string(),
        content_type: info.container.mime(),
        size: file.size,
        sha256: &file.sha256,
        video_info: &video_info,
        idempotency_key,
        browser_upload_id,
        publish_at,
        now,
    };
    let mut tx = core.db.begin().await?;
    let created = repository::insert(&mut tx, &post, &targets).await?;
    tx.commit().await?;
    if !created {
        // Another request with the same key won the race: answer with its post.
        let view = existing(core, key).await?.ok_or(PostError::NotFound)?;
        return Ok((view, false));
    }
    let stored = repository::find_post(&core.db, &file.id)
        .await?
        .ok_or(PostError::NotFound)?;
    let targets = repository::targets_of(&core.db, &file.id).await?;
    Ok((PostView::new(&stored, &targets), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_a_json_array_of_objects_naming_platform_and_account() {
        let ok = parse_targets(
            r#"[{"platform": "tiktok", "account": "a1", "privacy_level": "SELF_ONLY"}]"#,
        )
        .expect("valid");
        assert_eq!(ok[0].platform, "tiktok");
        assert_eq!(ok[0].account, "a1");
        assert_eq!(ok[0].options["privacy_level"], "SELF_ONLY");
        assert!(!ok[0].options.contains_key("platform"));
        let bad = parse_targets(r#"[{"platform": "tiktok"}, 3]"#).expect_err("refused");
        assert_eq!(
            bad.iter().map(|p| (p.code, p.target)).collect::<Vec<_>>(),
            [("invalid_target", Some(0)), ("invalid_target", Some(1))]
        );
        assert_eq!(parse_targets("{}").expect_err("not a list")[0].target, None);
    }

    #[test]
    fn publish_at_in_the_future_schedules_and_now_ish_does_not() {
        let now = 1_800_000_000;
        assert_eq!(
            parse_publish_at(Some("2027-02-01T08:00:00Z"), now).expect("ok"),
            Some(time::macros::datetime!(2027-02-01 08:00 UTC).unix_timestamp())
        );
        assert_eq!(
            parse_publish_at(Some("2020-01-01T00:00:00Z"), now)
                .expect_err("past")
                .code,
            "publish_at_in_the_past"
        );
        assert_eq!(
            parse_publish_at(Some("tomorrow"), now)
                .expect_err("bad")
                .code,
            "invalid_publish_at"
        );
        assert_eq!(parse_publish_at(None, now).expect("ok"), None);
    }
}
