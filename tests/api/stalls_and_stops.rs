//! Nothing hangs, nothing is cut: a platform that never answers holds up only its own account's
//! target, which is cut at the step deadline and tried again; a SIGTERM in the middle of an
//! upload stops Cast within its stated bound, and the restarted Cast finishes the same upload.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::posts::*;
use crate::helpers::process::{CastProcess, connect_with_token};
use crate::helpers::{PASSWORD, run_cast};

const HOUR: Duration = Duration::from_secs(3600);
/// A bound on a hang of the test itself (real time), never a wait for time to pass.
const HANG: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_stalled_upload_holds_up_only_its_own_account_and_is_retried_after_its_deadline() {
    // The first chunk PUT TikTok gets is read and never answered.
    let (app, csrf, [alice, bob]) =
        app_with_two_accounts(&[("CAST_SANDBOX_FAULTS", "chunk:stall:1")]).await;
    let video = fixture("ok.mp4");
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY"})),
            tiktok_target(&bob, json!({"privacy_level": "SELF_ONLY"})),
        ]),
    )
    .await;
    let id = post["id"].as_str().expect("post id").to_string();

    // Two steps side by side, as the worker runs them: each claims a target of its own account,
    // and whichever chunk reaches TikTok first is the one that stalls.
    let step = || {
        let posts = app.posts.clone();
        tokio::spawn(async move { posts.try_execute_job().await.expect("step") })
    };
    let (mut one, mut two) = (step(), step());
    let first_done = tokio::time::timeout(HANG, async {
        tokio::select! {
            done = &mut one => (done, 1),
            done = &mut two => (done, 2),
        }
    })
    .await
    .expect("one step ends while the other is stalled");
    assert_eq!(
        first_done.0.expect("no panic"),
        cast::posts::ExecutionOutcome::TaskCompleted
    );
    let stalled = if first_done.1 == 1 { two } else { one };

    let now = post_of(&app, &id).await;
    let targets = now["targets"].as_array().expect("targets");
    let (free, stuck): (Vec<&Value>, Vec<&Value>) =
        targets.iter().partition(|t| t["committed"] == true);
    let ([free], [stuck]) = (free.as_slice(), stuck.as_slice()) else {
        panic!("one target has sent its video, one is stuck on its chunk: {now}");
    };
    let (free_id, stuck_id) = (
        free["id"].as_str().expect("id").to_string(),
        stuck["id"].as_str().expect("id").to_string(),
    );
    assert_eq!(stuck["state"], "uploading", "{now}");
    assert_eq!(stuck["bytes_sent"], 0);

    // The other account's target goes on to published while the stalled step still waits, and
    // well inside its deadline.
    let done = step_until(&app, &free_id, &["published"], Duration::from_secs(60)).await;
    assert_eq!(done["state"], "published", "{done}");
    assert!(
        !stalled.is_finished(),
        "the stalled step is still waiting for TikTok"
    );
    let stuck_now = job(&app, &stuck_id).await;
    assert_eq!(stuck_now["state"], "uploading", "{stuck_now}");

    // At the step deadline (the app's clock) the stalled step is cut: trouble, not failure.
    app.advance(cast::posts::PostSettings::STEP_DEADLINE);
    tokio::time::timeout(HANG, stalled)
        .await
        .expect("the deadline cuts the stalled step")
        .expect("no panic");
    let cut = post_of(&app, &id).await;
    let cut = cut["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["id"] == stuck_id.as_str())
        .cloned()
        .expect("the stalled target");
    assert_ne!(cut["state"], "failed", "{cut}");
    assert_eq!(cut["error"]["code"], "timeout", "{cut}");
    assert!(
        cut["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("did not finish answering within 10 minutes")),
        "{cut}"
    );
    assert!(
        cut["next_attempt_at"].is_i64(),
        "it is taken up again: {cut}"
    );

    // Taken up again, it is sent and published; each account holds one post, the file's bytes.
    let settled = step_until_settled(&app, &id, HOUR).await;
    for t in settled["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{settled}");
    }
    let sha = sha256_file(&video);
    let mut got: Vec<(String, String)> = sandbox_posts(&app)
        .await
        .iter()
        .map(|p| {
            (
                p["open_id"].as_str().expect("open_id").to_string(),
                p["sha256"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![(alice, sha.clone()), (bob, sha)];
    want.sort();
    assert_eq!(got, want);
}

/// The real binary on the real clock: SIGTERM while chunks are going out.
#[tokio::test]
async fn sigterm_mid_upload_stops_within_the_bound_and_the_restart_publishes_the_same_bytes_once() {
    let dir = tempfile::tempdir().expect("data dir");
    // The same port after the restart: the upload URL TikTok (the sandbox) gave names it.
    let listen = format!("127.0.0.1:{}", free_port());
    let env = [
        ("LISTEN", listen.as_str()),
        // The line each acknowledged chunk logs is how the test knows the upload is under way.
        ("RUST_LOG", "info,cast::platforms::tiktok::send=debug"),
        ("CAST_SANDBOX_PROCESSING_MS", "0"),
        ("CAST_SANDBOX_POST_ID_FORM", "list"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "0"),
    ];
    let out = run_cast(
        dir.path(),
        &["set-password"],
        Some(&format!("{PASSWORD}\n")),
        &env,
    );
    assert!(out.status.success(), "{out:?}");
    let out = run_cast(dir.path(), &["token", "create", "--name", "t"], None, &env);
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("token")
        .trim()
        .to_string();
    let bearer = format!("Bearer {token}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let mut cast = CastProcess::start(dir.path(), &["serve"], &env);
    let base = cast.address();
    let open_id = connect_with_token(&client, &base, &bearer, "alice").await;
    // Thirteen chunks of TikTok's smallest size (5,242,880 bytes), the last one larger.
    let files = tempfile::tempdir().expect("files");
    let video = padded_mp4(files.path(), 66_000_000);
    let form = reqwest::multipart::Form::new()
        .text(
            "targets",
            json!([tiktok_target(
                &open_id,
                json!({"privacy_level": "SELF_ONLY"})
            )])
            .to_string(),
        )
        .part(
            "video",
            reqwest::multipart::Part::file(&video)
                .await
                .expect("video")
                .mime_str("video/mp4")
                .expect("mime"),
        );
    let res = client
        .post(format!("{base}/api/posts"))
        .header("Authorization", &bearer)
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 202);
    let post: Value = res.json().await.expect("json");
    let id = post["post"]["id"].as_str().expect("id").to_string();
    let size = post["post"]["video"]["size"].as_u64().expect("size");

    // The first chunk is acknowledged: stop Cast as systemd would.
    cast.wait_for_line("chunk stored", HANG);
    let asked = std::time::Instant::now();
    cast.terminate();
    let bound = cast::web::app::SHUTDOWN_BOUND;
    let status = cast.wait_for_exit(bound).unwrap_or_else(|| {
        panic!(
            "Cast still runs {bound:?} after SIGTERM:\n{}",
            cast.output()
        )
    });
    let took = asked.elapsed();
    let log = cast.output();
    assert!(status.success(), "a clean stop: {status:?}\n{log}");
    assert!(took < bound, "{took:?}");
    assert!(
        log.contains("the worker stopped and released its targets"),
        "{log}"
    );
    drop(cast);

    // What the stopped Cast left: part of the file acknowledged, and no lease held.
    let (sent, state, lease): (i64, String, Option<String>) = {
        let db = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}?mode=ro",
            dir.path().join("cast.db").display()
        ))
        .await
        .expect("open the database");
        let row = sqlx::query_as("SELECT bytes_sent, state, lease_owner FROM targets")
            .fetch_one(&db)
            .await
            .expect("the target");
        db.close().await;
        row
    };
    assert!(
        sent > 0 && (sent as u64) < size,
        "stopped mid-upload: {sent} of {size} bytes acknowledged"
    );
    assert_eq!(state, "uploading");
    assert_eq!(lease, None, "the lease was released on the way out");

    // Started again on the same data folder, it resumes where it stopped and publishes.
    let cast = CastProcess::start(dir.path(), &["serve"], &env);
    let base = cast.address();
    cast.wait_for_line("resuming the TikTok upload", HANG);
    cast.wait_for_line("sandbox: upload complete", HANG);
    let done = loop {
        let post: Value = client
            .get(format!("{base}/api/posts/{id}"))
            .header("Authorization", &bearer)
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        let t = post["post"]["targets"][0].clone();
        if ["published", "failed"].contains(&t["state"].as_str().unwrap_or("")) {
            break t;
        }
        // Cast polls TikTok's status after 2 s of real time; this waits for that event.
        cast.wait_for_line("to=\"published\"", HANG);
    };
    assert_eq!(done["state"], "published", "{done}\n{}", cast.output());
    let log = cast.output();
    assert!(
        !log.contains("released targets left mid-step"),
        "nothing was left leased: {log}"
    );
    let received: Vec<Value> = client
        .get(format!("{base}/sandbox/tiktok/_/posts"))
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("json");
    assert_eq!(
        received.len(),
        1,
        "resumed, not started again: {received:?}"
    );
    assert_eq!(received[0]["size"], size);
    assert_eq!(received[0]["sha256"], sha256_file(&video));
}
