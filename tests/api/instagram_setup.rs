//! Instagram with no Meta app: Cast runs its Instagram sandbox, mounted beside Cast behind the
//! owner's login, and says so on every page.

use crate::helpers::{browser_client, spawn_app, spawn_app_with};

#[tokio::test]
async fn without_an_instagram_app_the_banner_names_the_instagram_sandbox_and_how_to_go_real() {
    let app = spawn_app().await;
    app.logged_in().await;
    let page = app.get_text("/").await;
    assert!(page.contains("Instagram"), "{page}");
    assert!(
        page.contains("Set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET"),
        "{page}"
    );
    assert!(page.contains("/sandbox/instagram/_/posts"), "{page}");
}

#[tokio::test]
async fn only_the_owner_sees_the_instagram_sandboxs_listing() {
    let app = spawn_app().await;
    app.logged_in().await;
    let stranger = browser_client()
        .get(format!("{}/sandbox/instagram/_/posts", app.address))
        .send()
        .await
        .expect("listing");
    assert_ne!(stranger.status().as_u16(), 200, "a stranger is turned away");
    let owner = app.get("/sandbox/instagram/_/posts").await;
    assert_eq!(owner.status().as_u16(), 200);
}

#[tokio::test]
async fn with_an_instagram_app_there_is_no_instagram_sandbox() {
    let app = spawn_app_with(&[
        ("INSTAGRAM_APP_ID", "1234567890123456"),
        ("INSTAGRAM_APP_SECRET", "app-secret"),
    ])
    .await;
    app.logged_in().await;
    let page = app.get_text("/").await;
    assert!(!page.contains("Set INSTAGRAM_APP_ID"), "{page}");
    let listing = app.get("/sandbox/instagram/_/posts").await;
    assert_eq!(listing.status().as_u16(), 404);
}
