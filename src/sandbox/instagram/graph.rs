//! The versioned Graph paths (`graph/{version}/...`): who asks, which node, which edge, and the
//! answer's headers (`Instagram-Api-Version`, `X-App-Usage`, `X-Fb-Request-Id`).

use std::collections::HashMap;

use actix_web::body::SizedStream;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::caller::{Caller, graph_caller, params};
use super::errors::{GraphError, fbtrace_id};
use super::oauth::injected_graph;
use super::settings::Step;
use super::status::{status_code, status_text};
use super::store::containers;
use super::{State, fetcher, publishing};

/// A Graph answer with the headers recorded from `graph.instagram.com`.
pub fn answer(version: &str, usage: u32, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .insert_header(("Instagram-Api-Version", version.to_string()))
        .insert_header((
            "X-App-Usage",
            format!(r#"{{"call_volume":{usage},"cpu_time":0}}"#),
        ))
        .insert_header(("X-Fb-Request-Id", fbtrace_id()))
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The call took effect, but its answer is cut off halfway (`…:lost:N`): headers and half the
/// body go out, then the connection drops.
pub fn lost(body: String) -> HttpResponse {
    let bytes = Bytes::from(body);
    let half = bytes.slice(..bytes.len() / 2);
    let stream = futures_util::stream::iter(vec![
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::other(
            "Cast sandbox: the answer was lost on purpose",
        )),
    ]);
    HttpResponse::Ok()
        .content_type("application/json; charset=UTF-8")
        .body(SizedStream::new(bytes.len() as u64, stream))
}

/// The `fields` asked for; unknown ones answer Meta's `(#100)`.
fn fields<'a>(
    p: &'a HashMap<String, String>,
    known: &[&str],
    node: &str,
) -> Result<Vec<&'a str>, GraphError> {
    let asked: Vec<&str> = p
        .get("fields")
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = asked.iter().find(|f| !known.contains(f)) {
        return Err(GraphError::nonexisting_field(bad, node));
    }
    Ok(asked)
}

fn pick(all: Map<String, Value>, asked: &[&str]) -> Value {
    let mut out = Map::new();
    // `id` comes back whatever was asked, as Graph does.
    if let Some(id) = all.get("id") {
        out.insert("id".into(), id.clone());
    }
    for f in asked {
        if let Some(v) = all.get(*f) {
            out.insert((*f).to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// `GET graph/{version}/{node}`: `me` (or the user id), a container, or a published media.
pub async fn get_node(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, GraphError> {
    let (version, node) = path.into_inner();
    let p = params(&req, None);
    let caller = graph_caller(&state, &req, &version, &p).await?;
    if node == "me" || node == caller.user_id {
        return me(&state, &caller, &p, &version);
    }
    let state_arc = state.clone().into_inner();
    if let Some(c) = containers::by_id(&state.db, &node)
        .await?
        .filter(|c| c.user_id == caller.user_id)
    {
        if let Some(answer) = state.faults.take(Step::Status) {
            return Err(injected_graph(answer));
        }
        let c = fetcher::refresh(&state_arc, c).await?;
        let code = status_code(&c, state.now_ms(), &state.settings);
        let asked = fields(
            &p,
            &["id", "status_code", "status", "copyright_check_status"],
            "ShadowIGMediaBuilder",
        )?;
        let mut all = Map::new();
        all.insert("id".into(), json!(c.container_id));
        all.insert("status_code".into(), json!(code.as_str()));
        all.insert(
            "status".into(),
            json!(status_text(code, &c, state.settings.verbose_status)),
        );
        all.insert(
            "copyright_check_status".into(),
            json!({"status": "not_started", "matches_found": false}),
        );
        return Ok(answer(
            &version,
            caller.usage,
            pick(all, &asked).to_string(),
        ));
    }
    if let Some(c) = containers::by_media_id(&state.db, &node)
        .await?
        .filter(|c| c.user_id == caller.user_id)
    {
        if let Some(answer) = state.faults.take(Step::Permalink) {
            return Err(injected_graph(answer));
        }
        let asked = fields(&p, publishing::MEDIA_FIELDS, "IGMedia")?;
        let all = publishing::media_fields(&c, &caller.username);
        // Recorded: `"permalink":"https:\/\/www.instagram.com\/reel\/…\/"`, slashes escaped.
        let body = pick(all, &asked).to_string().replace('/', "\\/");
        return Ok(answer(&version, caller.usage, body));
    }
    Err(GraphError::no_such_object(&node, "get"))
}

fn me(
    state: &State,
    caller: &Caller,
    p: &HashMap<String, String>,
    version: &str,
) -> Result<HttpResponse, GraphError> {
    if let Some(answer) = state.faults.take(Step::Me) {
        return Err(injected_graph(answer));
    }
    if !caller.has("instagram_business_basic") {
        return Err(GraphError::permission(
            "The instagram_business_basic permission is needed to read the user.",
        ));
    }
    let known = [
        "id",
        "user_id",
        "username",
        "name",
        "account_type",
        "profile_picture_url",
        "followers_count",
        "follows_count",
        "media_count",
    ];
    let asked = fields(p, &known, "User")?;
    let mut all = Map::new();
    // Flat, ids as strings (section 3); `id` is the app-scoped id, `user_id` the account's.
    all.insert("id".into(), json!(caller.app_scoped_id));
    all.insert("user_id".into(), json!(caller.user_id));
    all.insert("username".into(), json!(caller.username));
    all.insert(
        "name".into(),
        json!(format!("{} (sandbox)", caller.username)),
    );
    all.insert("account_type".into(), json!(caller.account_type));
    all.insert(
        "profile_picture_url".into(),
        json!(state.url(&format!("/_/avatar/{}.svg", caller.user_id))),
    );
    all.insert("followers_count".into(), json!(0));
    all.insert("follows_count".into(), json!(0));
    all.insert("media_count".into(), json!(0));
    Ok(answer(version, caller.usage, pick(all, &asked).to_string()))
}

/// Publishing edges take the professional account's `user_id` and nothing else (stricter
/// reading of Unsure 5): `me` and the app-scoped id answer `(#100)`.
fn check_node(caller: &Caller, node: &str, edge: &str, verb: &str) -> Result<(), GraphError> {
    if node == caller.user_id {
        return Ok(());
    }
    if node == "me" || node == caller.app_scoped_id {
        return Err(GraphError::nonexisting_field(edge, "User"));
    }
    Err(GraphError::no_such_object(node, verb))
}

/// `GET graph/{version}/{user_id}/{edge}`: `content_publishing_limit` and `media`.
pub async fn get_edge(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, GraphError> {
    let (version, node, edge) = path.into_inner();
    let p = params(&req, None);
    let caller = graph_caller(&state, &req, &version, &p).await?;
    check_node(&caller, &node, &edge, "get")?;
    let body = match edge.as_str() {
        "content_publishing_limit" => publishing::limit(&state, &caller, &p).await?,
        "media" => publishing::list(&state, &caller, &p).await?,
        other => return Err(GraphError::nonexisting_field(other, "User")),
    };
    Ok(answer(
        &version,
        caller.usage,
        body.to_string().replace('/', "\\/"),
    ))
}

/// `POST graph/{version}/{user_id}/{edge}`: `media` (a container) and `media_publish`.
pub async fn post_edge(
    req: HttpRequest,
    state: web::Data<State>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, GraphError> {
    let (version, node, edge) = path.into_inner();
    let p = params(&req, Some(&body));
    let caller = graph_caller(&state, &req, &version, &p).await?;
    check_node(&caller, &node, &edge, "post")?;
    let state_arc = state.clone().into_inner();
    let (outcome, lost_answer) = match edge.as_str() {
        "media" => publishing::create(&state_arc, &caller, &p).await?,
        "media_publish" => publishing::publish(&state_arc, &caller, &p).await?,
        other => return Err(GraphError::nonexisting_field(other, "User")),
    };
    if lost_answer {
        return Ok(lost(outcome.to_string()));
    }
    Ok(answer(&version, caller.usage, outcome.to_string()))
}
