//! Someone on the internet guessing the owner's password through the tunnel: every request comes
//! from 127.0.0.1 with whatever headers the guesser chose. The owner must still get in.

use std::time::Duration;

use futures_util::StreamExt as _;

use crate::helpers::{PASSWORD, TestApp, browser_client, extract_csrf, location, spawn_app_on};
use cast::Runtime;
use cast::clock::Clock;

const WRONG: &str = "wrong password guess";

/// A clock that stands still unless the test moves it, so no wait runs out by itself.
fn still() -> Runtime {
    Runtime {
        clock: Clock::manual_now(),
        ..Default::default()
    }
}

/// Cast with the password set and nobody logged in.
async fn cast_with_password(settings: &[(&str, &str)]) -> TestApp {
    let app = spawn_app_on(settings, still()).await;
    assert_eq!(app.set_up().await.status().as_u16(), 303);
    let csrf = app.csrf_token().await;
    app.post_form("/logout", &[("csrf_token", &csrf)]).await;
    app
}

/// A browser of the guesser's: its own cookies and the login form's token.
struct Guesser {
    client: reqwest::Client,
    csrf: String,
}

impl Guesser {
    async fn new(app: &TestApp) -> Self {
        let client = browser_client();
        Self::with_client(app, client).await
    }

    async fn with_client(app: &TestApp, client: reqwest::Client) -> Self {
        let page = client
            .get(app.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        let csrf = extract_csrf(&page).expect("the login form has a token");
        Self { client, csrf }
    }

    async fn try_password(
        &self,
        app: &TestApp,
        password: &str,
        headers: &[(&str, String)],
    ) -> reqwest::Response {
        let mut req = self.client.post(app.url("/login")).form(&[
            ("csrf_token", self.csrf.as_str()),
            ("password", password),
            ("next", "/"),
        ]);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        req.send().await.expect("login request")
    }

    async fn status(&self, app: &TestApp, password: &str, headers: &[(&str, String)]) -> u16 {
        self.try_password(app, password, headers)
            .await
            .status()
            .as_u16()
    }
}

fn retry_after(res: &reqwest::Response) -> Duration {
    let secs = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("a refusal says when to try again");
    Duration::from_secs(secs)
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn a_burst_of_parallel_logins_does_not_exhaust_memory() {
    // Each guess from its own address, so only the bound on password checks holds them back.
    let app = cast_with_password(&[("TRUSTED_PROXY", "forwarded")]).await;
    let guesser = Guesser::new(&app).await;
    let statuses: Vec<(u16, bool)> = futures_util::stream::iter(0..150u32)
        .map(|i| {
            let (app, guesser) = (&app, &guesser);
            async move {
                let ip = format!("10.0.{}.{}", i / 250, i % 250 + 1);
                let res = guesser
                    .try_password(app, WRONG, &[("X-Forwarded-For", ip)])
                    .await;
                (
                    res.status().as_u16(),
                    res.headers().contains_key("retry-after"),
                )
            }
        })
        .buffer_unordered(150)
        .collect()
        .await;
    let codes: Vec<u16> = statuses.iter().map(|(s, _)| *s).collect();
    assert!(
        codes.iter().all(|s| *s == 401 || *s == 429),
        "only wrong-password and try-later answers: {codes:?}"
    );
    assert!(
        count(&codes, 429) >= 150 - 20,
        "most of the burst is refused at once: {codes:?}"
    );
    assert!(
        statuses.iter().all(|(s, ra)| *s != 429 || *ra),
        "every refusal carries Retry-After"
    );
    let peak = app.login_checks.peak_concurrent_checks();
    assert!(
        (1..=cast::owner::checker::SLOTS).contains(&peak),
        "at most {} password checks ran at once, not {peak}",
        cast::owner::checker::SLOTS
    );
}

#[tokio::test]
async fn parallel_guesses_from_one_address_are_counted_before_checking() {
    let app = cast_with_password(&[]).await;
    let guesser = Guesser::new(&app).await;
    // The right password hides at position 36, as in the attack that found this. Guesses that
    // find every checking slot busy are sent again, as an attacker would, until each has been
    // either checked or told to wait: counted only after hashing, all 40 would be checked.
    let mut pending: Vec<usize> = (0..40).collect();
    let mut answers = Vec::new();
    for _round in 0..100 {
        if pending.is_empty() {
            break;
        }
        let round: Vec<(usize, u16, String)> = futures_util::stream::iter(pending.clone())
            .map(|i| {
                let (app, guesser) = (&app, &guesser);
                async move {
                    let password = if i == 36 { PASSWORD } else { WRONG };
                    let res = guesser.try_password(app, password, &[]).await;
                    let status = res.status().as_u16();
                    (i, status, res.text().await.unwrap_or_default())
                }
            })
            .buffer_unordered(40)
            .collect()
            .await;
        pending.clear();
        for (i, status, body) in round {
            if status == 429 && body.contains("checking other passwords") {
                pending.push(i);
            } else {
                answers.push(status);
            }
        }
    }
    assert!(pending.is_empty(), "every guess got an answer");
    let checked = count(&answers, 401) + count(&answers, 303);
    // The right password, when checked, clears the address's failures (the owner got in), so the
    // guesses let through after it have 5 free tries of their own.
    let free_runs = 1 + count(&answers, 303);
    assert!(
        count(&answers, 401) <= 5 * free_runs,
        "only the 5 free tries (per run, a success starting a new one) were checked, not {checked}: {answers:?}"
    );
    assert_eq!(count(&answers, 429), 40 - checked, "{answers:?}");
    if count(&answers, 303) == 0 {
        let res = guesser.try_password(&app, PASSWORD, &[]).await;
        assert_eq!(
            res.status().as_u16(),
            429,
            "the guesses were counted: the address waits"
        );
    }
}

/// The headers a guesser sends with guess number `i`.
type Forged = fn(usize) -> Vec<(&'static str, String)>;

#[tokio::test]
async fn forged_forwarding_headers_do_not_multiply_guesses() {
    // (setting, headers for guess i): each time the forged header changes, the real one does not.
    let cases: [(&str, Forged); 3] = [
        ("none", |i| {
            vec![
                ("CF-Connecting-IP", format!("203.0.113.{i}")),
                ("X-Forwarded-For", format!("198.51.100.{i}")),
            ]
        }),
        ("cloudflare", |i| {
            vec![
                ("CF-Connecting-IP", "203.0.113.5".to_string()),
                ("X-Forwarded-For", format!("198.51.100.{i}")),
            ]
        }),
        // ngrok appends the address it saw; what comes before is the client's own word, and
        // ngrok passes a client's CF-Connecting-IP through untouched.
        ("forwarded", |i| {
            vec![
                ("CF-Connecting-IP", format!("203.0.113.{i}")),
                ("X-Forwarded-For", format!("198.51.100.{i}, 192.0.2.77")),
            ]
        }),
    ];
    for (proxy, headers) in cases {
        let app = cast_with_password(&[("TRUSTED_PROXY", proxy)]).await;
        let guesser = Guesser::new(&app).await;
        let mut codes = Vec::new();
        for i in 1..=10 {
            codes.push(guesser.status(&app, WRONG, &headers(i)).await);
        }
        assert_eq!(
            codes,
            [401, 401, 401, 401, 401, 429, 429, 429, 429, 429],
            "TRUSTED_PROXY={proxy}: one client, five tries"
        );
    }
}

#[tokio::test]
async fn a_64_block_of_ipv6_addresses_counts_as_one() {
    let app = cast_with_password(&[("TRUSTED_PROXY", "cloudflare")]).await;
    let guesser = Guesser::new(&app).await;
    let mut codes = Vec::new();
    for i in 1..=8 {
        let ip = format!("2001:db8:aa:bb:{i:x}::{i:x}");
        codes.push(
            guesser
                .status(&app, WRONG, &[("CF-Connecting-IP", ip)])
                .await,
        );
    }
    assert_eq!(codes, [401, 401, 401, 401, 401, 429, 429, 429]);
    let neighbour = [("CF-Connecting-IP", "2001:db8:aa:bc::1".to_string())];
    assert_eq!(
        guesser.status(&app, WRONG, &neighbour).await,
        401,
        "the next /64 is someone else"
    );
}

/// A patient guesser: waits out every refusal until `tries` wrong passwords were checked, so the
/// waits grow to their cap. It stops right after a checked guess, with the wait before it.
async fn attack(app: &TestApp, guesser: &Guesser, tries: usize) {
    for _ in 0..tries {
        loop {
            let res = guesser.try_password(app, WRONG, &[]).await;
            if res.status().as_u16() != 429 {
                assert_eq!(res.status().as_u16(), 401);
                break;
            }
            app.clock.advance(retry_after(&res));
        }
    }
}

#[tokio::test]
async fn the_owner_can_log_in_after_an_attack() {
    // With no trusted proxy the owner and the attacker are the same client to Cast.
    let app = cast_with_password(&[]).await;
    let attacker = Guesser::new(&app).await;
    attack(&app, &attacker, 60).await;

    let owner = Guesser::new(&app).await;
    let res = owner.try_password(&app, PASSWORD, &[]).await;
    assert_eq!(res.status().as_u16(), 429, "right after the attack: wait");
    let wait = retry_after(&res);
    assert!(
        wait <= Duration::from_secs(5 * 60),
        "a wait of minutes, not a lockout: {wait:?}"
    );
    let body = res.text().await.expect("body");
    assert!(
        body.contains("cast set-password"),
        "says the way out: {body}"
    );

    app.clock.advance(wait);
    let res = owner.try_password(&app, PASSWORD, &[]).await;
    assert_eq!(
        res.status().as_u16(),
        303,
        "the owner is in once it has passed"
    );
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn the_owner_gets_in_at_once_after_set_password() {
    let app = cast_with_password(&[]).await;
    let attacker = Guesser::new(&app).await;
    attack(&app, &attacker, 30).await;
    let owner = Guesser::new(&app).await;
    assert_eq!(owner.status(&app, PASSWORD, &[]).await, 429);

    let new_password = "a brand new owner password";
    let out = app.cast_cli(&["set-password"], Some(&format!("{new_password}\n")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        owner.status(&app, new_password, &[]).await,
        303,
        "no wait after a reset on the server"
    );
}

#[tokio::test]
async fn a_browser_that_logged_in_before_gets_in_during_an_attack() {
    let app = cast_with_password(&[("TRUSTED_PROXY", "cloudflare")]).await;
    // The owner's browser logs in once (and out again): it is now known.
    let owner = Guesser::with_client(&app, app.client.clone()).await;
    assert_eq!(owner.status(&app, PASSWORD, &[]).await, 303);
    let csrf = app.csrf_token().await;
    app.post_form("/logout", &[("csrf_token", &csrf)]).await;

    // Strangers from many addresses use up everyone's budget, and more.
    let attacker = Guesser::new(&app).await;
    for i in 0..40 {
        let ip = [("CF-Connecting-IP", format!("198.51.100.{i}"))];
        attacker.status(&app, WRONG, &ip).await;
    }
    let stranger = [("CF-Connecting-IP", "203.0.113.200".to_string())];
    assert_eq!(
        attacker.status(&app, PASSWORD, &stranger).await,
        429,
        "a browser Cast does not know waits like everyone"
    );
    let owner = Guesser::with_client(&app, app.client.clone()).await;
    assert_eq!(
        owner.status(&app, PASSWORD, &stranger).await,
        303,
        "the owner's own browser goes straight in"
    );
}

async fn login_with_next(app: &TestApp, next: &str) -> reqwest::Response {
    let guesser = Guesser::new(app).await;
    guesser
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", guesser.csrf.as_str()),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("login")
}

#[tokio::test]
async fn next_with_a_tab_stays_on_cast() {
    let app = cast_with_password(&[]).await;
    let res = login_with_next(&app, "/\t/evil.com").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/");
    // The same through the address bar, and once logged in.
    let res = app.get("/login?next=/%09/evil.com").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(!res.text().await.expect("body").contains("evil.com"));
    assert_eq!(app.login(PASSWORD).await.status().as_u16(), 303);
    let res = app.get("/login?next=/%09/evil.com").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn next_with_a_newline_is_not_a_500() {
    let app = cast_with_password(&[]).await;
    for next in ["/%0a/evil.com", "/%0d%0aSet-Cookie:%20x=1", "%0a"] {
        let res = app.get(&format!("/login?next={next}")).await;
        assert_eq!(res.status().as_u16(), 200, "{next}");
    }
    let res = login_with_next(&app, "/\r\nSet-Cookie: x=1").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn next_with_a_backslash_or_another_host_stays_on_cast() {
    let app = cast_with_password(&[]).await;
    for next in [
        "/\\evil.com",
        "\\\\evil.com",
        "//evil.com",
        "https://evil.com/",
        "http://127.0.0.1:1/",
    ] {
        let res = login_with_next(&app, next).await;
        assert_eq!(res.status().as_u16(), 303, "{next:?}");
        assert_eq!(location(&res), "/", "{next:?}");
    }
    let res = login_with_next(&app, "/history?before=x").await;
    assert_eq!(
        location(&res),
        "/history?before=x",
        "a path on Cast is kept"
    );
}
