//! All SQL for `posts` and `targets`. A target's state changes only through `apply`, which
//! writes a state machine `Change` guarded on the state it expected; the queue (claim, leases,
//! next due) is here too, since the target row is the queue.

use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::PostError;
use super::model::{HistoryRow, Post, Target, TargetRow};
use super::state::{ACTIVE, Change, TargetState};
use crate::platforms::PlatformId;

const TARGET_COLUMNS: &str = "seq, id, post_id, position, platform, account_id, options, state, \
    attempts, trouble_since, run_at, lease_until, lease_owner, remote_id, session, \
    session_expires_at, bytes_sent, committed, committed_at, initiating_at, orphaned_inits, \
    progress, polls, result_url, result_post_id, result_visibility, link_pending_until, warnings, \
    waiting_until, error_code, last_error, note, resends, finished_at, created_at, updated_at";

const POST_COLUMNS: &str = "seq, id, file_path, content_type, size, sha256, video_info, \
    idempotency_key, browser_upload_id, publish_at, spool_deleted, created_at, updated_at, \
    check_state, check_reason";

/// Targets whose post's video has passed its check: a post accepted before its upload ended
/// waits for the check (see `relay`). `t` as in `has_work`.
/// A relayed post's targets on platforms that commit with their last chunk may go before the
/// check: they send what has arrived and hold that chunk until it passes (see `relay`).
fn checked(t: &str) -> String {
    let relayed: Vec<String> = PlatformId::ALL
        .into_iter()
        .filter(|p| p.commits_with_last_chunk())
        .map(|p| format!("'{}'", p.as_str()))
        .collect();
    format!(
        "{t}post_id NOT IN (SELECT id FROM posts WHERE check_state != 'passed'
                             AND NOT (relay = 1 AND check_state IN ('pending', 'checking')
                                      AND {t}platform IN ({})))",
        relayed.join(", ")
    )
}

/// Rows the worker has work in: the active states, and published posts whose link is awaited.
/// `t` is the table's alias with its dot, or "".
fn has_work(t: &str) -> String {
    let active: Vec<String> = ACTIVE.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!(
        "({t}state IN ({}) OR ({t}state = 'published' AND {t}link_pending_until IS NOT NULL))",
        active.join(", ")
    )
}

fn parse(row: Option<TargetRow>) -> Result<Option<Target>, PostError> {
    row.map(|r| Target::try_from(r).map_err(PostError::from))
        .transpose()
}

fn parse_all(rows: Vec<TargetRow>) -> Result<Vec<Target>, PostError> {
    rows.into_iter()
        .map(|r| Target::try_from(r).map_err(PostError::from))
        .collect()
}

pub struct NewPost<'a> {
    pub id: &'a str,
    pub file_path: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub sha256: &'a str,
    pub video_info: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub browser_upload_id: Option<&'a str>,
    pub publish_at: Option<i64>,
    pub now: i64,
}

pub struct NewTarget {
    pub id: String,
    pub platform: PlatformId,
    pub account_id: String,
    pub options: String,
    pub warnings: String,
}

/// Inserts the post and its targets in one transaction (the caller's). False when another post
/// already has this idempotency key or browser upload: nothing was inserted.
pub async fn insert(
    tx: &mut SqliteConnection,
    post: &NewPost<'_>,
    targets: &[NewTarget],
) -> Result<bool, PostError> {
    let done = sqlx::query(
        "INSERT INTO posts (id, file_path, content_type, size, sha256, video_info, idempotency_key,
                            browser_upload_id, publish_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(post.id)
    .bind(post.file_path)
    .bind(post.content_type)
    .bind(post.size as i64)
    .bind(post.sha256)
    .bind(post.video_info)
    .bind(post.idempotency_key)
    .bind(post.browser_upload_id)
    .bind(post.publish_at)
    .bind(post.now)
    .bind(post.now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    insert_targets(tx, post.id, 0, targets, post.publish_at, post.now).await?;
    Ok(true)
}

/// Inserts `targets` into the post, from `first_position` on: scheduled for `publish_at`, or
/// queued now.
pub async fn insert_targets(
    tx: &mut SqliteConnection,
    post_id: &str,
    first_position: i64,
    targets: &[NewTarget],
    publish_at: Option<i64>,
    now: i64,
) -> Result<(), PostError> {
    let (state, run_at) = match publish_at {
        Some(at) => (TargetState::Scheduled, at),
        None => (TargetState::Queued, now),
    };
    for (i, t) in targets.iter().enumerate() {
        sqlx::query(
            "INSERT INTO targets (id, post_id, position, platform, account_id, options, state,
                                  run_at, warnings, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&t.id)
        .bind(post_id)
        .bind(first_position + i as i64)
        .bind(t.platform.as_str())
        .bind(&t.account_id)
        .bind(&t.options)
        .bind(state.as_str())
        .bind(run_at)
        .bind(&t.warnings)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Holds the post's video for targets about to be added, in the caller's transaction: the
/// write takes SQLite's lock, so the spool cleanup (`claim_spool_deletion`) runs wholly before
/// (and this answers false) or wholly after (and sees the new targets). False when the video
/// was already given up.
pub async fn hold_video(
    tx: &mut SqliteConnection,
    post_id: &str,
    now: i64,
) -> Result<bool, PostError> {
    let done = sqlx::query("UPDATE posts SET updated_at = ? WHERE id = ? AND spool_deleted = 0")
        .bind(now)
        .bind(post_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The position after the post's last target.
pub async fn next_position(tx: &mut SqliteConnection, post_id: &str) -> Result<i64, PostError> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM targets WHERE post_id = ?")
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?,
    )
}

pub async fn find_post(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<Post>, PostError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST_COLUMNS} FROM posts WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The post an earlier request made with this idempotency key, or from this browser upload.
pub async fn find_post_by_key(
    db: impl SqliteExecutor<'_>,
    idempotency_key: Option<&str>,
    browser_upload_id: Option<&str>,
) -> Result<Option<Post>, PostError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST_COLUMNS} FROM posts
         WHERE (?1 IS NOT NULL AND idempotency_key = ?1) OR (?2 IS NOT NULL AND browser_upload_id = ?2)
         LIMIT 1"
    )))
    .bind(idempotency_key)
    .bind(browser_upload_id)
    .fetch_optional(db)
    .await?)
}

pub async fn targets_of(
    db: impl SqliteExecutor<'_>,
    post_id: &str,
) -> Result<Vec<Target>, PostError> {
    let rows: Vec<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM targets WHERE post_id = ? ORDER BY position"
    )))
    .bind(post_id)
    .fetch_all(db)
    .await?;
    parse_all(rows)
}

pub async fn find_target(
    db: impl SqliteExecutor<'_>,
    id: &str,
) -> Result<Option<Target>, PostError> {
    let row: Option<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM targets WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    parse(row)
}

/// The newest target a platform knows as `remote_id` (its upload id), if Cast made it.
pub async fn find_by_remote(
    db: impl SqliteExecutor<'_>,
    platform: PlatformId,
    remote_id: &str,
) -> Result<Option<Target>, PostError> {
    let row: Option<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM targets WHERE platform = ? AND remote_id = ?
         ORDER BY seq DESC LIMIT 1"
    )))
    .bind(platform.as_str())
    .bind(remote_id)
    .fetch_optional(db)
    .await?;
    parse(row)
}

/// A post's place in the newest-first order, for `before=` cursors.
pub async fn post_seq(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<i64>, PostError> {
    Ok(sqlx::query_scalar("SELECT seq FROM posts WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

pub async fn target_seq(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<i64>, PostError> {
    Ok(sqlx::query_scalar("SELECT seq FROM targets WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Newest first; `before` is the `seq` of the last post of the previous page.
pub async fn list_posts(
    db: impl SqliteExecutor<'_>,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<Post>, PostError> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {POST_COLUMNS} FROM posts WHERE ?1 IS NULL OR seq < ?1 ORDER BY seq DESC LIMIT ?2"
    )))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}

/// The targets of the posts `list_posts` would give, in one query: newest post first, each
/// post's targets in their order.
pub async fn targets_of_page(
    db: impl SqliteExecutor<'_>,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<Target>, PostError> {
    let columns: Vec<String> = TARGET_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect();
    let rows: Vec<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {} FROM targets t JOIN posts p ON p.id = t.post_id
         WHERE p.seq IN (SELECT seq FROM posts WHERE ?1 IS NULL OR seq < ?1
                         ORDER BY seq DESC LIMIT ?2)
         ORDER BY p.seq DESC, t.position",
        columns.join(", ")
    )))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    parse_all(rows)
}

/// Targets newest first, whatever their post (the `/api/uploads` listing).
pub async fn list_targets(
    db: impl SqliteExecutor<'_>,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<Target>, PostError> {
    let rows: Vec<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM targets WHERE ?1 IS NULL OR seq < ?1
         ORDER BY seq DESC LIMIT ?2"
    )))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    parse_all(rows)
}

/// THE write of a target's state: the `Change`, where the target is still in the state the
/// change expected. Returns the target as it now is, or None when it had moved meanwhile.
pub async fn apply(
    db: impl SqliteExecutor<'_>,
    id: &str,
    change: &Change,
    now: i64,
) -> Result<Option<Target>, PostError> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE targets SET updated_at = ");
    q.push_bind(now);
    fn set<T>(q: &mut QueryBuilder<Sqlite>, column: &str, value: T)
    where
        T: 'static + Send + sqlx::Encode<'static, Sqlite> + sqlx::Type<Sqlite>,
    {
        q.push(format!(", {column} = "));
        q.push_bind(value);
    }
    let c = change;
    if let Some(v) = c.state {
        set(&mut q, "state", v.as_str());
    }
    if let Some(v) = c.attempts {
        set(&mut q, "attempts", i64::from(v));
    }
    if let Some(v) = c.trouble_since {
        set(&mut q, "trouble_since", v);
    }
    if let Some(v) = c.run_at {
        set(&mut q, "run_at", v);
    }
    if let Some(v) = &c.remote_id {
        set(&mut q, "remote_id", v.clone());
    }
    if let Some(v) = &c.session {
        set(&mut q, "session", v.clone());
    }
    if let Some(v) = c.session_expires_at {
        set(&mut q, "session_expires_at", v);
    }
    if let Some(v) = c.bytes_sent {
        set(&mut q, "bytes_sent", i64::try_from(v).unwrap_or(i64::MAX));
    }
    if let Some(v) = c.committed {
        set(&mut q, "committed", i64::from(v));
    }
    if let Some(v) = c.committed_at {
        set(&mut q, "committed_at", v);
    }
    if let Some(v) = c.initiating_at {
        set(&mut q, "initiating_at", v);
    }
    if let Some(v) = c.orphaned_inits {
        set(&mut q, "orphaned_inits", i64::from(v));
    }
    if let Some(v) = &c.progress {
        set(&mut q, "progress", v.to_string());
    }
    if let Some(v) = c.polls {
        set(&mut q, "polls", i64::from(v));
    }
    if let Some(v) = &c.result_url {
        set(&mut q, "result_url", v.clone());
    }
    if let Some(v) = &c.result_post_id {
        set(&mut q, "result_post_id", v.clone());
    }
    if let Some(v) = c.result_visibility {
        set(&mut q, "result_visibility", v.map(|v| v.as_str()));
    }
    if let Some(v) = c.link_pending_until {
        set(&mut q, "link_pending_until", v);
    }
    if let Some(v) = c.waiting_until {
        set(&mut q, "waiting_until", v);
    }
    if let Some(v) = &c.error {
        let (code, message) = v.clone().unzip();
        set(&mut q, "error_code", code);
        set(&mut q, "last_error", message);
    }
    if let Some(v) = &c.note {
        set(&mut q, "note", v.clone());
    }
    if let Some(v) = c.resends {
        set(&mut q, "resends", i64::from(v));
    }
    if let Some(v) = c.finished_at {
        set(&mut q, "finished_at", v);
    }
    q.push(" WHERE id = ");
    q.push_bind(id.to_string());
    if let Some(expected) = c.expected {
        q.push(" AND state = ");
        q.push_bind(expected.as_str());
    }
    q.push(format!(" RETURNING {TARGET_COLUMNS}"));
    let row: Option<TargetRow> = q.build_query_as().fetch_optional(db).await?;
    parse(row)
}

/// Claims the target due first, atomically (one statement: two workers never take the same
/// one), and never a target of an account another target holds a live lease for.
pub async fn claim(
    db: impl SqliteExecutor<'_>,
    now: i64,
    lease_until: i64,
    owner: &str,
) -> Result<Option<Target>, PostError> {
    let row: Option<TargetRow> = sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE targets SET lease_until = ?1, lease_owner = ?2
         WHERE id = (SELECT t.id FROM targets t
                     WHERE {} AND {} AND t.run_at <= ?3
                       AND (t.lease_until IS NULL OR t.lease_until < ?3)
                       AND NOT EXISTS (SELECT 1 FROM targets o
                                       WHERE o.platform = t.platform
                                         AND o.account_id = t.account_id
                                         AND o.id != t.id AND o.lease_until >= ?3)
                     ORDER BY t.run_at, t.seq LIMIT 1)
         RETURNING {TARGET_COLUMNS}",
        has_work("t."),
        checked("t.")
    )))
    .bind(lease_until)
    .bind(owner)
    .bind(now)
    .fetch_optional(db)
    .await?;
    parse(row)
}

/// The step is over: the target is free for the next one.
pub async fn release(db: impl SqliteExecutor<'_>, id: &str, owner: &str) -> Result<(), PostError> {
    sqlx::query(
        "UPDATE targets SET lease_until = NULL, lease_owner = NULL WHERE id = ? AND lease_owner = ?",
    )
    .bind(id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}

/// Every lease `owner` holds (a worker stopping), or every lease at all (`None`: at start,
/// whatever held one died with the previous process). Returns how many.
pub async fn release_all(
    db: impl SqliteExecutor<'_>,
    owner: Option<&str>,
) -> Result<u64, PostError> {
    let done = sqlx::query(
        "UPDATE targets SET lease_until = NULL, lease_owner = NULL
         WHERE lease_until IS NOT NULL AND (?1 IS NULL OR lease_owner = ?1)",
    )
    .bind(owner)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// When the next target falls due (Unix seconds), if any has work left.
pub async fn next_due(db: impl SqliteExecutor<'_>) -> Result<Option<i64>, PostError> {
    Ok(sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT MIN(MAX(run_at, COALESCE(lease_until + 1, 0))) FROM targets WHERE {} AND {}",
        has_work(""),
        checked("")
    )))
    .fetch_one(db)
    .await?)
}

/// Marks the post's video deleted, in one statement, only when no target of it may still need
/// it (one that is moving, or a failed one the owner may retry). True when it was marked: the
/// caller may then delete the file, and no target added later can want it (`hold_video`).
pub async fn claim_spool_deletion(
    db: impl SqliteExecutor<'_>,
    post_id: &str,
) -> Result<bool, PostError> {
    let done = sqlx::query(
        "UPDATE posts SET spool_deleted = 1
         WHERE id = ?1 AND spool_deleted = 0
           AND NOT EXISTS (SELECT 1 FROM targets WHERE post_id = ?1
                           AND state NOT IN ('published', 'in_inbox', 'cancelled'))",
    )
    .bind(post_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Posts whose every target is done (published, in the inbox or cancelled) since before
/// `finished_before`, with their video still on disk: (post id, path).
pub async fn spools_to_delete(
    db: impl SqliteExecutor<'_>,
    finished_before: i64,
) -> Result<Vec<(String, String)>, PostError> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.file_path FROM posts p
         WHERE p.spool_deleted = 0
           AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.post_id = p.id
                           AND (t.state NOT IN ('published', 'in_inbox', 'cancelled')
                                OR t.finished_at > ?))
         LIMIT 100",
    )
    .bind(finished_before)
    .fetch_all(db)
    .await?)
}

/// Post ids other targets of this account already have: a lookup by caption must not take them.
pub async fn taken_post_ids(
    db: impl SqliteExecutor<'_>,
    platform: PlatformId,
    account_id: &str,
    except_id: &str,
) -> Result<Vec<String>, PostError> {
    Ok(sqlx::query_scalar(
        "SELECT result_post_id FROM targets
         WHERE platform = ? AND account_id = ? AND id != ? AND result_post_id IS NOT NULL",
    )
    .bind(platform.as_str())
    .bind(account_id)
    .bind(except_id)
    .fetch_all(db)
    .await?)
}

/// The History page's rows in one query: each post of the page (newest first) with each of its
/// targets (in their order) and the name of the target's account.
pub async fn history(
    db: impl SqliteExecutor<'_>,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<HistoryRow>, PostError> {
    let columns: Vec<String> = TARGET_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect();
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {}, p.seq AS post_seq, p.size AS post_size, p.publish_at AS post_publish_at,
                p.created_at AS post_created_at,
                COALESCE(a.username, '') AS account_username,
                COALESCE(a.display_name, '') AS account_display_name
         FROM targets t JOIN posts p ON p.id = t.post_id
         LEFT JOIN accounts a ON a.platform = t.platform AND a.account_id = t.account_id
         WHERE p.seq IN (SELECT seq FROM posts WHERE ?1 IS NULL OR seq < ?1
                         ORDER BY seq DESC LIMIT ?2)
         ORDER BY p.seq DESC, t.position",
        columns.join(", ")
    )))
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}
