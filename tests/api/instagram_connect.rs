//! Connecting Instagram accounts through Cast: the card with the account's type, a personal
//! account refused with what to do, and disconnecting.

use serde_json::{Value, json};

use crate::helpers::spawn_app_with;
use crate::instagram_steps::*;

#[tokio::test]
async fn connecting_instagram_shows_the_accounts_card_with_its_name_and_type() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let page = app.get_text("/").await;
    assert!(page.contains("id=\"connect-instagram\""), "{page}");
    assert!(
        page.contains("Posts to Instagram go to Cast's built-in Instagram emulator"),
        "the banner names Instagram as emulated: {page}"
    );
    let res = connect_instagram(&app, "lima_tests", "MEDIA_CREATOR").await;
    assert_eq!(res.status().as_u16(), 303);
    let all = instagram_accounts(&app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let a = &all[0];
    let user_id = a["user_id"].as_str().expect("user_id is text");
    assert!(
        user_id.starts_with("17841") && user_id.len() == 17,
        "the professional account's id, every digit kept: {user_id}"
    );
    assert_eq!(a["username"], "lima_tests");
    assert_eq!(a["account_type"], "Creator");
    assert_eq!(a["status"], "active");
    assert_eq!(a["missing_scopes"], json!([]));
    let page = app.get_text("/").await;
    assert!(page.contains("@lima_tests · Instagram"), "{page}");
    assert!(
        page.contains("Instagram Creator account."),
        "the card says the type: {page}"
    );

    connect_instagram(&app, "shop_tests", "BUSINESS").await;
    let all = instagram_accounts(&app).await;
    assert_eq!(all.len(), 2, "several accounts can be connected");
    assert!(
        all.iter().any(|a| a["account_type"] == "Business"),
        "{all:?}"
    );
}

#[tokio::test]
async fn a_personal_account_is_refused_with_what_to_switch_in_the_instagram_app() {
    let app = spawn_app_with(&[("CAST_SANDBOX_INSTAGRAM_ACCOUNT_TYPE", "PERSONAL")]).await;
    app.logged_in().await;
    let res = connect_instagram(&app, "just_me", "PERSONAL").await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    assert!(status >= 400, "{status}: {body}");
    assert!(
        body.contains("switch it to a Creator or Business account in the Instagram app"),
        "{body}"
    );
    assert!(
        instagram_accounts(&app).await.is_empty(),
        "nothing is connected"
    );
    assert!(!app.get_text("/").await.contains("@just_me"));
}

#[tokio::test]
async fn disconnecting_instagram_forgets_the_account_and_says_where_else_to_remove_cast() {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    connected(&app, "lima_tests").await;
    let res = app
        .client
        .post(app.url("/api/instagram/logout"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["note"]
            .as_str()
            .unwrap_or_default()
            .contains("Apps and websites"),
        "{body}"
    );
    assert!(instagram_accounts(&app).await.is_empty());
    assert!(!app.get_text("/").await.contains("@lima_tests · Instagram"));
}

#[tokio::test]
async fn cast_doctor_names_the_instagram_redirect_uri_and_what_a_tunnel_or_plain_http_costs() {
    let dir = tempfile::tempdir().expect("dir");
    let out = crate::helpers::run_cast(
        dir.path(),
        &["doctor"],
        None,
        &[
            ("BASE_URL", "https://cast.ngrok-free.app"),
            ("INSTAGRAM_APP_ID", "meta-app"),
            ("INSTAGRAM_APP_SECRET", "s3cret"),
        ],
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Redirect URI to paste in the Meta app")
            && text.contains("https://cast.ngrok-free.app/auth/instagram/callback"),
        "{text}"
    );
    assert!(
        text.contains("INSTAGRAM_APP_ID is meta-app: it is a number"),
        "{text}"
    );
    assert!(
        text.contains("1 GB out and 20,000 requests a month"),
        "{text}"
    );
    assert!(text.contains("Graph API v25.0"), "{text}");
    assert!(!text.contains("s3cret"), "the secret is never printed");

    // The sandbox on a plain-http address: it publishes, and doctor says why Meta would not.
    let out = crate::helpers::run_cast(
        dir.path(),
        &["doctor"],
        None,
        &[("BASE_URL", "http://192.168.1.20:3000")],
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("Meta fetches reels only from https links"),
        "{text}"
    );
    assert!(text.contains("No Instagram credentials"), "{text}");
}

async fn token_of(app: &crate::helpers::TestApp, user_id: &str) -> String {
    app.accounts
        .tokens(&cast::accounts::AccountKey::new(
            cast::platforms::PlatformId::Instagram,
            user_id,
        ))
        .await
        .expect("tokens")
        .access_token
}

#[tokio::test]
async fn a_week_after_connecting_cast_renews_the_token_before_posting_and_the_old_one_stops_working()
 {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_tests").await;
    let before = token_of(&app, &user_id).await;
    app.advance(std::time::Duration::from_secs(8 * 86_400));
    let dir = tempfile::tempdir().expect("dir");
    let video = crate::media_helpers::reel(dir.path(), 0);
    let post = crate::helpers::posts::posted(
        &app,
        &csrf,
        &video,
        json!([instagram_target(&user_id, "A week later")]),
    )
    .await;
    let post = step_post_until_settled(
        &app,
        post["id"].as_str().expect("id"),
        std::time::Duration::from_secs(3600),
    )
    .await;
    assert_eq!(target(&post, "instagram")["state"], "published", "{post}");
    let after = token_of(&app, &user_id).await;
    assert_ne!(before, after, "the token was renewed");
    let me = |token: String| {
        let url = app.url("/sandbox/instagram/graph/v25.0/me");
        async move {
            reqwest::Client::new()
                .get(url)
                .query(&[("fields", "user_id"), ("access_token", token.as_str())])
                .send()
                .await
                .expect("me")
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(after).await, 200, "the new token works");
    assert_ne!(me(before).await, 200, "the old one died with the renewal");
    assert_eq!(instagram_accounts(&app).await[0]["status"], "active");
}

#[tokio::test]
async fn a_token_that_dies_before_it_could_be_renewed_marks_the_account_for_reconnecting() {
    // A token that lives an hour can never be renewed: Instagram refreshes only after a day.
    let app = spawn_app_with(&[("CAST_SANDBOX_INSTAGRAM_TOKEN_TTL", "3600")]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_tests").await;
    app.advance(std::time::Duration::from_secs(2 * 3600));
    let dir = tempfile::tempdir().expect("dir");
    let video = crate::media_helpers::reel(dir.path(), 0);
    let res = crate::helpers::posts::post_video(
        &app,
        &csrf,
        &video,
        json!([instagram_target(&user_id, "Too late")]),
        None,
        None,
    )
    .await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    if status == 202 {
        let post = step_post_until_settled(
            &app,
            body["post"]["id"].as_str().expect("id"),
            std::time::Duration::from_secs(3600),
        )
        .await;
        assert_eq!(target(&post, "instagram")["state"], "failed", "{post}");
    }
    let a = &instagram_accounts(&app).await[0];
    assert_eq!(a["status"], "needs_reconnect", "{a}");
    let reason = a["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("Connect the account again"), "{reason}");
    assert!(app.get_text("/").await.contains("Needs reconnecting"));
}

#[tokio::test]
async fn cancelling_on_instagrams_page_connects_nothing_and_says_so() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let back = consent(&app, "lima_tests", "MEDIA_CREATOR", "cancel").await;
    assert!(back.contains("error=access_denied"), "{back}");
    assert!(
        !back.contains("state="),
        "Instagram's cancel carries no state: {back}"
    );
    let res = app.client.get(&back).send().await.expect("callback");
    let body = res.text().await.unwrap_or_default();
    assert!(
        body.contains("You did not allow Cast to use your Instagram account"),
        "{body}"
    );
    assert!(instagram_accounts(&app).await.is_empty());
}

#[tokio::test]
async fn instagram_sending_the_owner_back_twice_with_one_code_keeps_the_account_connected() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let callback = consent(&app, "lima_tests", "MEDIA_CREATOR", "allow").await;
    let first = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(first.status().as_u16(), 303, "the first callback connects");
    let connected = instagram_accounts(&app).await;
    assert_eq!(connected.len(), 1, "{connected:?}");

    // The same redirect again, as Meta has been seen to do: the code is already used up.
    let second = app.client.get(&callback).send().await.expect("callback");
    let status = second.status().as_u16();
    let body = second.text().await.unwrap_or_default();
    assert_eq!(
        status, 303,
        "the repeat shows the first connect's result: {body}"
    );
    let after = instagram_accounts(&app).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["user_id"], connected[0]["user_id"]);
    assert_eq!(
        after[0]["status"], "active",
        "nothing was undone: {after:?}"
    );
    let page = app.get_text("/").await;
    assert!(page.contains("@lima_tests · Instagram"), "{page}");
    assert!(!page.contains("already used"), "{page}");
}

#[tokio::test]
async fn a_used_sign_in_link_opened_by_another_browser_connects_nothing() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let callback = consent(&app, "lima_tests", "MEDIA_CREATOR", "allow").await;
    app.client.get(&callback).send().await.expect("callback");
    // Someone else logged in as the owner elsewhere replays the link: it is not their sign-in.
    let other = crate::helpers::browser_client();
    let page = other
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let csrf = crate::helpers::extract_csrf(&page.text().await.expect("body")).expect("csrf");
    let login = other
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("password", crate::helpers::PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 303, "the second browser logs in");
    let res = other.get(&callback).send().await.expect("callback");
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("Start again from Connect Instagram"),
        "{body}"
    );
    assert_eq!(instagram_accounts(&app).await.len(), 1);
}
