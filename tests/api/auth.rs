//! The owner's story: set up once, log in, stay logged in, log out; strangers get nothing.

use crate::helpers::{PASSWORD, extract_csrf, spawn_app};

#[tokio::test]
async fn health_answers_without_login() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn the_setup_link_works_once_only() {
    let app = spawn_app().await;
    let token = app.setup_token.clone().expect("setup token on first start");
    assert_eq!(app.set_up().await.status().as_u16(), 303);
    assert_eq!(
        app.get("/").await.status().as_u16(),
        200,
        "setup logs the owner in"
    );

    let stranger = crate::helpers::browser_client();
    let res = stranger
        .get(app.url(&format!("/setup?token={token}")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 403);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("setup link has been used")
    );
}

#[tokio::test]
async fn a_wrong_setup_token_shows_no_form() {
    let app = spawn_app().await;
    let res = app.get("/setup?token=guess").await;
    assert_eq!(res.status().as_u16(), 403);
    assert!(
        !res.text()
            .await
            .expect("body")
            .contains("name=\"password\"")
    );
}

#[tokio::test]
async fn setup_refuses_a_short_or_mismatched_password_and_keeps_the_link() {
    let app = spawn_app().await;
    let token = app.setup_token.clone().expect("token");
    let page = app.get_text(&format!("/setup?token={token}")).await;
    let csrf = extract_csrf(&page).expect("csrf");
    let res = app
        .post_form(
            "/setup",
            &[
                ("csrf_token", &csrf),
                ("token", &token),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("at least 8 characters")
    );
    let res = app
        .post_form(
            "/setup",
            &[
                ("csrf_token", &csrf),
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", "other thing"),
            ],
        )
        .await;
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("two passwords differ")
    );
    assert_eq!(
        app.set_up().await.status().as_u16(),
        303,
        "the link still works after a mistake"
    );
}

#[tokio::test]
async fn login_and_logout() {
    let app = spawn_app().await;
    app.logged_in().await;
    let csrf = app.csrf_token().await;
    let res = app.post_form("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        app.get("/").await.status().as_u16(),
        303,
        "logged out: the dashboard redirects to login"
    );

    let res = app.login("not the password").await;
    assert_eq!(res.status().as_u16(), 401);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("That password is not right")
    );
    assert_eq!(app.get("/").await.status().as_u16(), 303);

    let res = app.login(PASSWORD).await;
    assert_eq!(res.status().as_u16(), 303);
    let page = app.get_text("/").await;
    assert!(page.contains("Connect TikTok"));
    assert!(page.contains("Sandbox mode"), "the sandbox banner is shown");
}

#[tokio::test]
async fn logout_deletes_the_session_on_the_server() {
    let app = spawn_app().await;
    app.logged_in().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert!(rows >= 1);
    let csrf = app.csrf_token().await;
    app.post_form("/logout", &[("csrf_token", &csrf)]).await;
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE state LIKE '%owner%'")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(owners, 0);
}

#[tokio::test]
async fn anonymous_requests_are_sent_to_login_or_refused_with_json() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2F");

    let res = app.get("/api/me").await;
    assert_eq!(res.status().as_u16(), 401);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(body["error"]["message"].is_string());

    let res = app
        .client
        .get(app.url("/anything"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 401);
    assert!(
        res.headers()["hx-redirect"]
            .to_str()
            .expect("header")
            .starts_with("/login")
    );
}

#[tokio::test]
async fn unknown_routes_get_a_friendly_404_page_or_json() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status().as_u16(), 404);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("This page does not exist")
    );
    let res = app.get("/api/nope").await;
    assert_eq!(res.status().as_u16(), 404);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_session_survives_a_restart() {
    let app = spawn_app().await;
    app.logged_in().await;
    let app = app.restart().await;
    assert_eq!(app.get("/").await.status().as_u16(), 200);
    assert!(
        app.setup_token.is_none(),
        "no new setup link once a password exists"
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app
        .client
        .post(app.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.expect("body").contains("Reload the page"));
    assert_eq!(app.get("/").await.status().as_u16(), 200, "still logged in");

    let res = app
        .client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", "forged")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.get("/").await.status().as_u16(), 200, "still logged in");
}

#[tokio::test]
async fn login_itself_needs_the_csrf_token() {
    let app = spawn_app().await;
    app.set_up().await;
    let fresh = crate::helpers::browser_client();
    let res = fresh
        .post(app.url("/login"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_address_out() {
    // A clock that stands still: the wait after the free tries cannot run out mid-test.
    let runtime = cast::Runtime {
        clock: cast::clock::Clock::manual_now(),
        ..Default::default()
    };
    let app = crate::helpers::spawn_app_on(&[], runtime).await;
    app.set_up().await;
    let csrf = app.csrf_token().await;
    app.post_form("/logout", &[("csrf_token", &csrf)]).await;
    let mut last = 0;
    for _ in 0..11 {
        last = app.login("wrong password").await.status().as_u16();
    }
    assert_eq!(last, 429);
    let res = app.login(PASSWORD).await;
    assert_eq!(
        res.status().as_u16(),
        429,
        "even the right password waits out the lockout"
    );
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Too many wrong passwords")
    );
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    app.set_up().await;
    for path in ["/healthz", "/login", "/"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    // Only the owner gets a session: the cookie comes with the login that setup makes.
    let res = app.set_up().await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("cast_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(
        !cookie.contains("Secure"),
        "plain http BASE_URL: no Secure flag"
    );
}

#[tokio::test]
async fn static_files_are_embedded_and_cached() {
    let app = spawn_app().await;
    let page = app.get_text("/login").await;
    let start = page.find("/static/").expect("asset link");
    let end = start + page[start..].find('"').expect("end");
    let res = app.get(&page[start..end]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
}
