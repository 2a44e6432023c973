//! `GET /api/openapi.json`: the HTTP API described in OpenAPI 3.1. The router is built from the
//! handlers' own `#[utoipa::path]` annotations (`utoipa_axum::routes!`), so a route cannot be
//! served without being described, and the answers' schemas come from the types the handlers
//! return (`answers`), so the description cannot drift from what is sent.
//! `tests/fast/openapi.rs` checks live answers of every route against it.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

/// The part of the description that is not a route: its title, the tags and who may call what.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "scpm",
        description = "The Smart City Platform for the Mayor: the office wall's commands, the city's \
                       screens (office and public), calls to officials, complaint intake and operations. \
                       Errors are always `{\"error\", \"message\"}`. Without a token a request is the \
                       public's (rate-limited, restricted data removed); with the office token it is \
                       the office's.",
        license(name = "see README.md")
    ),
    modifiers(&Tokens),
    tags(
        (name = "screens", description = "What the wall's screens draw; the office and the public"),
        (name = "office", description = "The office's wall: commands, its state, the audit log; the office token"),
        (name = "calls", description = "Video calls to officials"),
        (name = "intake", description = "Complaints and suggestions from the city's systems; the intake token"),
        (name = "search", description = "The city's index"),
        (name = "operations", description = "Liveness, readiness, metrics, this description"),
        (name = "pages", description = "The pages, their files and sockets"),
    )
)]
pub struct ApiDoc;

/// The tokens: the office's and the intake's as bearer tokens; an official's and the wall's media
/// as `?token=` (a page's `<img>` and a socket cannot send headers).
struct Tokens;

impl Modify for Tokens {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |what: &str| {
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(what)).build())
        };
        components.add_security_scheme("office", bearer("The office token (`var/office_token`, or `office.token`)"));
        components.add_security_scheme("intake", bearer("The intake token (`server.intake_token`)"));
        components.add_security_scheme(
            "link",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "An official's link token, or the office token where a header cannot be sent",
            ))),
        );
    }
}

/// The description as served: axum's wildcard `{*file}` is an ordinary path parameter in
/// OpenAPI.
pub fn finish(mut doc: Document) -> Document {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths.into_iter().map(|(path, item)| (path.replace("{*", "{"), item)).collect();
    doc
}

/// The description as served: serialised once, when the routes are built.
pub struct Described(String);

impl Described {
    pub fn of(doc: Document) -> Described {
        Described(serde_json::to_string(&doc).unwrap_or_default())
    }
}

/// `GET /api/openapi.json`: this description.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "The HTTP API in OpenAPI 3.1", content_type = "application/json", body = Object)))]
pub async fn described(
    axum::Extension(doc): axum::Extension<std::sync::Arc<Described>>,
) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], doc.0.clone())
}
