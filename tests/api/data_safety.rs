//! The owner's data outliving accidents: other users on the machine, a second Cast started by
//! mistake, a downgrade, a dead disk (and the backup made before it died).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::helpers::posts::{accepted, app_with_account, padded_mp4};
use crate::helpers::process::CastProcess;
use crate::helpers::{
    PASSWORD, TestApp, run_cast, spawn_app, spawn_app_in, spawn_app_on, test_config,
};
use cast::Runtime;

/// Every file and folder under `dir` that someone other than its owner could read or write.
#[cfg(unix)]
fn loose_entries(dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut loose = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("meta");
        if meta.permissions().mode() & 0o077 != 0 {
            loose.push(format!(
                "{} {:o}",
                path.display(),
                meta.permissions().mode() & 0o777
            ));
        }
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .expect("dir")
                    .map(|e| e.expect("entry").path()),
            );
        }
    }
    loose
}

#[cfg(unix)]
fn loosen(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("meta");
        let mode = if meta.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .expect("dir")
                    .map(|e| e.expect("entry").path()),
            );
        }
    }
}

/// A browser upload left halfway: its bytes in `tus/`, its row in the database.
async fn half_sent_browser_upload(app: &TestApp, csrf: &str) -> String {
    let res = app
        .client
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Upload-Length", "1000")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    let url = crate::helpers::location(&res);
    let res = app
        .client
        .patch(app.url(&url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(vec![7u8; 400])
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status().as_u16(), 204);
    url
}

#[cfg(unix)]
#[tokio::test]
async fn data_files_are_private_to_casts_user() {
    let (app, csrf) = app_with_account(&[]).await;
    let job = accepted(
        &app,
        &csrf,
        &crate::helpers::posts::fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    crate::helpers::posts::step_until(
        &app,
        job["id"].as_str().expect("id"),
        &["published"],
        std::time::Duration::from_secs(3600),
    )
    .await;
    half_sent_browser_upload(&app, &csrf).await;
    let dir = app.data_path();
    for made in [
        "cast.db",
        "cast.db-wal",
        "secret.key",
        "cast.lock",
        "tus",
        "sandbox",
    ] {
        assert!(dir.join(made).exists(), "{made} was made");
    }
    assert_eq!(
        loose_entries(&dir),
        Vec::<String>::new(),
        "database, key, spool, tus and sandbox files are 0600 in a 0700 folder"
    );

    // An older Cast (or a hand-made folder) left everything readable: the next start fixes it.
    let dir_handle = app.stop().await;
    loosen(dir_handle.path());
    assert!(!loose_entries(dir_handle.path()).is_empty());
    let app = spawn_app_in(dir_handle, &[], Runtime::default()).await;
    assert_eq!(loose_entries(&app.data_path()), Vec::<String>::new());
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_second_cast_on_the_same_data_folder_refuses_to_start() {
    let (app, csrf) = app_with_account(&[]).await;
    let upload = half_sent_browser_upload(&app, &csrf).await;

    let again = cast::Application::build(test_config(&app.data_path(), &[])).await;
    let message = again
        .err()
        .expect("a second Cast in this process is refused")
        .to_string();
    assert!(
        message.contains("already in use by another Cast"),
        "{message}"
    );
    assert!(
        message.contains(&format!("process {}", std::process::id())),
        "names the other: {message}"
    );

    let mut other = CastProcess::start(&app.data_path(), &["serve"], &[("LISTEN", "127.0.0.1:0")]);
    let status = other
        .wait_for_exit(Duration::from_secs(60))
        .expect("a second `cast serve` stops by itself");
    assert!(!status.success());
    let said = other.output();
    assert!(said.contains("already in use by another Cast"), "{said}");
    assert!(
        said.contains("stop the other one first"),
        "says what to do: {said}"
    );

    // The first one carries on, its browser upload untouched.
    let res = app
        .client
        .head(app.url(&upload))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["upload-offset"], "400");
}

#[tokio::test]
async fn a_database_from_a_newer_cast_is_refused() {
    let app = spawn_app().await;
    app.set_up().await;
    let dir = app.stop().await;
    let db_path = dir.path().join("cast.db");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .expect("db");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (99991231000000, 'from a newer cast', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(&db)
    .await
    .expect("a newer Cast's migration");
    db.close().await;
    let before = std::fs::read(&db_path).expect("db bytes");

    let refused = cast::Application::build(test_config(dir.path(), &[])).await;
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("newer Cast"), "{message}");
    assert!(message.contains("99991231000000"), "{message}");
    assert!(message.contains("Nothing was changed"), "{message}");
    assert_eq!(
        std::fs::read(&db_path).expect("db bytes"),
        before,
        "the database is untouched"
    );

    let out = run_cast(
        dir.path(),
        &["set-password"],
        Some("another password\n"),
        &[],
    );
    assert!(!out.status.success(), "the command line refuses it too");
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer Cast"));
}

#[tokio::test]
async fn a_backup_taken_during_an_upload_restores_everything() {
    let manual = || Runtime {
        manual_worker: true,
        ..Default::default()
    };
    let app = spawn_app_on(&[], manual()).await;
    let csrf = app.logged_in().await;
    assert_eq!(app.connect_account("alice").await.status().as_u16(), 303);
    let token = app.api_token("script");

    // One job handed to TikTok and being processed, one waiting, one browser upload halfway.
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 3_000_000);
    let sent = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    app.posts.try_execute_job().await.expect("a worker step");
    let waiting = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    half_sent_browser_upload(&app, &csrf).await;
    let before: serde_json::Value = app.get("/api/uploads").await.json().await.expect("json");
    let states: Vec<String> = before["uploads"]
        .as_array()
        .expect("uploads")
        .iter()
        .map(|u| {
            format!(
                "{} {}",
                u["id"].as_str().expect("id"),
                u["state"].as_str().expect("state")
            )
        })
        .collect();
    assert_eq!(states.len(), 2);
    assert!(
        states.iter().any(|s| s.ends_with("processing")),
        "{states:?}"
    );

    let backup = dir.path().join("backup");
    let out = app.cast_cli(&["backup", &backup.display().to_string()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(backup.join("cast.db").exists() && backup.join("secret.key").exists());

    // The disk dies; the owner restores onto a fresh one.
    let fresh = Arc::new(tempfile::tempdir().expect("dir"));
    let out = run_cast(
        fresh.path(),
        &["restore", &backup.display().to_string()],
        None,
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = spawn_app_in(fresh.clone(), &[], manual()).await;
    assert!(restored.setup_token.is_none(), "the password came back");
    assert_eq!(restored.login(PASSWORD).await.status().as_u16(), 303);

    let accounts: serde_json::Value = restored
        .client
        .get(restored.url("/api/tiktok/accounts"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("accounts")
        .json()
        .await
        .expect("json");
    assert_eq!(accounts["accounts"][0]["username"], "alice", "{accounts}");
    assert_eq!(accounts["accounts"][0]["status"], "active");
    assert!(
        !restored.accounts_access_token("alice").await.is_empty(),
        "the key came back too: the sealed TikTok tokens open"
    );
    let after: serde_json::Value = restored
        .get("/api/uploads")
        .await
        .json()
        .await
        .expect("json");
    let restored_states: Vec<String> = after["uploads"]
        .as_array()
        .expect("uploads")
        .iter()
        .map(|u| {
            format!(
                "{} {}",
                u["id"].as_str().expect("id"),
                u["state"].as_str().expect("state")
            )
        })
        .collect();
    assert_eq!(
        restored_states, states,
        "every upload, in the state it was in"
    );
    for job in [&sent, &waiting] {
        let id = job["id"].as_str().expect("id");
        assert_eq!(
            restored
                .get(&format!("/api/uploads/{id}"))
                .await
                .status()
                .as_u16(),
            200
        );
    }
}

#[tokio::test]
async fn a_restore_under_a_running_cast_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.logged_in().await;
    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("backup");
    let out = app.cast_cli(&["backup", &backup.display().to_string()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cast_cli(&["restore", &backup.display().to_string()], None);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("another Cast") && said.contains("stop it, restore"),
        "{said}"
    );
    assert_eq!(
        app.get("/").await.status().as_u16(),
        200,
        "the running Cast is untouched"
    );
    assert!(
        !std::fs::read_dir(app.data_path()).expect("dir").any(|e| e
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .starts_with("before-restore")),
        "nothing was moved aside"
    );
}
