//! A machine-readable API: scripts and automation tools read `/api/openapi.json`.

use crate::helpers::{browser_client, spawn_app};

#[tokio::test]
async fn the_openapi_document_lists_the_json_api_and_the_shape_of_a_post() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status().as_u16(), 200);
    let doc: serde_json::Value = res.json().await.expect("valid JSON");
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "{version}");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/posts",
        "/api/posts/{id}",
        "/api/posts/{id}/targets/{target_id}/retry",
        "/api/posts/{id}/targets/{target_id}/cancel",
        "/api/tiktok/auth-url",
        "/api/tiktok/login",
        "/api/tiktok/logout",
        "/api/tiktok/accounts",
        "/api/tiktok/creator-info",
        "/api/youtube/auth-url",
        "/api/youtube/login",
        "/api/youtube/logout",
        "/api/youtube/channels",
        "/api/me",
        "/healthz",
    ] {
        assert!(paths.contains_key(path), "{path} is missing");
    }
    assert!(paths["/api/posts"].get("post").is_some());
    assert!(paths["/api/posts"].get("get").is_some());

    // The answer of a post names its targets, and each target its state.
    let created = &paths["/api/posts"]["post"]["responses"]["202"]["content"]["application/json"]["schema"]
        ["$ref"];
    assert_eq!(created, "#/components/schemas/PostAnswer");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["PostAnswer"]["properties"]["post"]["$ref"],
        "#/components/schemas/PostView"
    );
    let post = &schemas["PostView"]["properties"];
    assert!(post.get("targets").is_some(), "{post}");
    let target = &schemas["TargetView"]["properties"];
    assert_eq!(target["state"]["type"], "string", "{target}");
    assert!(
        doc["components"]["securitySchemes"]["api_token"].is_object(),
        "the token is how scripts call it"
    );
}

#[tokio::test]
async fn the_openapi_document_needs_the_owners_login_or_token() {
    let app = spawn_app().await;
    let res = browser_client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
}
