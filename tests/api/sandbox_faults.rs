//! CAST_SANDBOX_FAULTS: the first COUNT calls of a step answer STATUS in TikTok's shape.

use serde_json::Value;

use crate::helpers::sandbox::*;

#[tokio::test]
async fn an_init_fault_answers_tiktoks_error_then_init_works() {
    let app = sandbox_app(&[("CAST_SANDBOX_FAULTS", "init:429:2")]).await;
    let c = connect(&app, "maria").await;
    for _ in 0..2 {
        let (status, body) = init_direct(
            &app,
            &c.access_token,
            "SELF_ONLY",
            file_source(1000, 1000, 1),
        )
        .await;
        assert_api_error(status, &body, 429, "rate_limit_exceeded");
    }
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn a_token_fault_answers_the_oauth_error_shape() {
    let app = sandbox_app(&[("CAST_SANDBOX_FAULTS", "token:500:1,token:503:1")]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    for (want_status, want_error) in [(500, "server_error"), (503, "temporarily_unavailable")] {
        let res = exchange(&app, &code).await;
        assert_eq!(res.status().as_u16(), want_status);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], want_error, "{body}");
        assert_eq!(body["log_id"].as_str().map(str::len), Some(34));
    }
    // The faults did not spend the code.
    assert_eq!(exchange(&app, &code).await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_chunk_fault_refuses_that_put_and_the_retry_is_stored() {
    let app = sandbox_app(&[("CAST_SANDBOX_FAULTS", "chunk:500:1")]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (_, url) = accepted(status, &body);
    let res = put_chunk(&url, 0, 1000, garbage(1000, 0)).await;
    assert_eq!(res.status().as_u16(), 500);
    assert!(res.bytes().await.expect("body").len() < 100, "a short body");
    assert_eq!(
        put_chunk(&url, 0, 1000, garbage(1000, 0))
            .await
            .status()
            .as_u16(),
        201
    );
}

#[tokio::test]
async fn user_creator_and_status_faults_use_the_envelope() {
    let app = sandbox_app(&[(
        "CAST_SANDBOX_FAULTS",
        "userinfo:401:1,creator_info:500:1,status:503:1",
    )])
    .await;
    let c = connect(&app, "maria").await;
    let res = reqwest::Client::new()
        .get(api_url(&app, "/v2/user/info/?fields=open_id"))
        .bearer_auth(&c.access_token)
        .send()
        .await
        .expect("user info");
    let status = res.status().as_u16();
    assert_api_error(
        status,
        &res.json().await.expect("json"),
        401,
        "access_token_invalid",
    );
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_api_error(status, &body, 500, "internal_error");
    let (status, body) = status_of(&app, &c.access_token, "v_pub_file~v2-1.1").await;
    assert_api_error(status, &body, 503, "internal_error");
    // Each fired once.
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_ok(status, &body);
}
