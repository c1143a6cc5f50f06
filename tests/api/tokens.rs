//! API tokens: made on the server's command line, used by scripts, revocable.

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_bearer_token_works_until_revoked() {
    let app = spawn_app().await;
    let out = app.cast_cli(&["token", "create", "--name", "backup-script"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout
        .lines()
        .last()
        .expect("token line")
        .trim()
        .to_string();
    assert!(token.starts_with("cast_"));

    let api = reqwest::Client::new();
    let res = api
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);
    let me: serde_json::Value = res.json().await.expect("json");
    assert_eq!(me["mode"], "sandbox");
    assert_eq!(me["base_url"], app.address);
    assert!(me["version"].is_string());

    let list = app.cast_cli(&["token", "list"], None);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("backup-script"));
    assert!(!listed.contains(&token), "the list never shows the token");

    let out = app.cast_cli(&["token", "revoke", "backup-script"], None);
    assert!(out.status.success());
    let res = api
        .get(app.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn a_made_up_bearer_token_is_refused() {
    let app = spawn_app().await;
    let res = reqwest::Client::new()
        .get(app.url("/api/me"))
        .bearer_auth("cast_madeup")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 401);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn token_names_are_checked() {
    let app = spawn_app().await;
    let out = app.cast_cli(&["token", "create", "--name", "bad name!"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("token name"));
    app.cast_cli(&["token", "create", "--name", "dup"], None);
    let out = app.cast_cli(&["token", "create", "--name", "dup"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

#[tokio::test]
async fn set_password_reads_stdin_and_ends_existing_logins() {
    let app = spawn_app().await;
    app.logged_in().await;
    let out = app.cast_cli(&["set-password"], Some("a brand new password\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.get("/").await.status().as_u16(),
        303,
        "the old session ended"
    );
    assert_eq!(
        app.login("a brand new password").await.status().as_u16(),
        303
    );
    let out = app.cast_cli(&["set-password"], Some("short\n"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));
}
