//! The document itself: every JSON route's `#[utoipa::path]`, gathered, with the API token as
//! its security scheme.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::web::handlers::{api_instagram, api_me, api_posts, api_tiktok, api_youtube, health};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cast",
        description = "Cast's JSON API. Every route but /healthz needs the owner's login or an API token (`cast token`), sent as `Authorization: Bearer cast_…`."
    ),
    paths(
        health::health_check,
        api_me::me_show,
        api_posts::post_create,
        api_posts::posts_list,
        api_posts::post_show,
        api_posts::targets_add,
        api_posts::target_retry,
        api_posts::target_cancel,
        api_tiktok::auth_url_show,
        api_tiktok::connect_finish,
        api_tiktok::account_disconnect,
        api_tiktok::accounts_list,
        api_tiktok::creator_info_show,
        api_youtube::auth_url_show,
        api_youtube::connect_finish,
        api_youtube::channel_disconnect,
        api_youtube::channels_list,
        api_instagram::auth_url_show,
        api_instagram::connect_finish,
        api_instagram::account_disconnect,
        api_instagram::accounts_list,
    ),
    modifiers(&ApiToken),
    security(("api_token" = [])),
    tags((name = "posts"), (name = "tiktok"), (name = "youtube"), (name = "instagram"), (name = "cast"))
)]
struct ApiDoc;

struct ApiToken;

impl Modify for ApiToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /api/openapi.json`, behind the owner's login or token like the rest of `/api`.
pub async fn openapi_show() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
