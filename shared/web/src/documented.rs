//! Routers that document themselves: each route is registered once, with a summary, for both
//! the axum router and the OpenAPI document of the internal API (the routes Postiz's frontend
//! calls with its session), so the document cannot drift from what is served. The request
//! body's schema comes from the handler's own signature (its [`JsonBody`] type), and each
//! route carries its body size cap.

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, Method};
use axum::routing::{self, MethodRouter};
use axum::Router;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Paths, RefOr, Required, ResponseBuilder};
use utoipa::ToSchema;

use crate::extract::{ApiKeyOrg, Authed, ClientAddress, JsonBody, JsonBytes, RawBody};

/// Name of the internal API's security scheme: the session token in the `auth` cookie or
/// header.
pub const SESSION: &str = "session";

/// The body cap of an internal JSON route unless it says otherwise ([`Documented::limit`]):
/// every settings, tag, comment or member body fits many times over.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// A documented request body and the named schemas it refers to.
#[derive(Clone)]
pub struct BodyDoc {
    body: RequestBody,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl BodyDoc {
    /// A JSON body of type `T`: its schema inline, the types it refers to as components.
    pub fn json<T: ToSchema>() -> Self {
        let mut schemas = Vec::new();
        T::schemas(&mut schemas);
        Self::of("application/json", T::schema(), schemas)
    }

    /// Any JSON object (a body read as raw JSON).
    pub fn any_json() -> Self {
        Self::of(
            "application/json",
            ObjectBuilder::new().schema_type(Type::Object).into(),
            Vec::new(),
        )
    }

    /// A `multipart/form-data` upload with one `file` part.
    pub fn multipart_file() -> Self {
        let file = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/octet-stream");
        let form = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("file", file)
            .required("file");
        Self::of("multipart/form-data", form.into(), Vec::new())
    }

    fn of(kind: &str, schema: RefOr<Schema>, schemas: Vec<(String, RefOr<Schema>)>) -> Self {
        let body = RequestBodyBuilder::new()
            .content(kind, ContentBuilder::new().schema(Some(schema)).build())
            .build();
        Self { body, schemas }
    }
}

/// One argument of a handler, as the document sees it: only a body says something.
pub trait DocArg {
    /// The request body this argument reads, if it reads one.
    fn body() -> Option<BodyDoc> {
        None
    }
}

impl<T: ToSchema> DocArg for JsonBody<T> {
    fn body() -> Option<BodyDoc> {
        Some(BodyDoc::json::<T>())
    }
}

impl DocArg for JsonBytes {
    fn body() -> Option<BodyDoc> {
        Some(BodyDoc::any_json())
    }
}

impl DocArg for RawBody {}
impl<T> DocArg for State<T> {}
impl<T> DocArg for Path<T> {}
impl<T> DocArg for Query<T> {}
impl DocArg for HeaderMap {}
impl DocArg for Method {}
impl DocArg for Authed {}
impl DocArg for ApiKeyOrg {}
impl DocArg for ClientAddress {}

/// A handler's argument list (axum's `(marker, args...)` tuple), as the document sees it.
pub trait DocArgs {
    /// The request body one of the arguments reads.
    fn body() -> Option<BodyDoc>;
}

macro_rules! doc_args {
    ($($t:ident),*) => {
        impl<M, $($t: DocArg),*> DocArgs for (M, $($t,)*) {
            fn body() -> Option<BodyDoc> {
                None$(.or_else($t::body))*
            }
        }
    };
}

doc_args!();
doc_args!(A);
doc_args!(A, B);
doc_args!(A, B, C);
doc_args!(A, B, C, D);
doc_args!(A, B, C, D, E);
doc_args!(A, B, C, D, E, F);
doc_args!(A, B, C, D, E, F, G);

/// One documented route.
struct Entry<S> {
    path: &'static str,
    method: &'static str,
    summary: &'static str,
    public: bool,
    body: Option<BodyDoc>,
    limit: usize,
    handler: MethodRouter<S>,
}

/// An axum router that keeps the OpenAPI description of what it serves.
pub struct Documented<S> {
    tag: &'static str,
    entries: Vec<Entry<S>>,
}

impl<S: Clone + Send + Sync + 'static> Documented<S> {
    /// An empty router whose operations carry `tag`.
    pub fn new(tag: &'static str) -> Self {
        Self {
            tag,
            entries: Vec::new(),
        }
    }

    /// `GET path`, behind the session.
    pub fn get<H: Handler<T, S>, T: DocArgs + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "GET", summary, routing::get(h))
            .body(T::body())
    }

    /// `POST path`, behind the session.
    pub fn post<H: Handler<T, S>, T: DocArgs + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "POST", summary, routing::post(h))
            .body(T::body())
    }

    /// `PUT path`, behind the session.
    pub fn put<H: Handler<T, S>, T: DocArgs + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "PUT", summary, routing::put(h))
            .body(T::body())
    }

    /// `DELETE path`, behind the session.
    pub fn delete<H: Handler<T, S>, T: DocArgs + 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "DELETE", summary, routing::delete(h))
            .body(T::body())
    }

    /// The last route is served without a session (sign-up, login, password reset).
    pub fn open(mut self) -> Self {
        if let Some(last) = self.entries.last_mut() {
            last.public = true;
        }
        self
    }

    /// The last route takes bodies up to `bytes` (default [`JSON_BODY_LIMIT`]); a bigger
    /// one is refused with 413 before it is read.
    pub fn limit(mut self, bytes: usize) -> Self {
        if let Some(last) = self.entries.last_mut() {
            last.limit = bytes;
        }
        self
    }

    /// Every route registered so far takes bodies up to `bytes` (a function whose bodies
    /// are all small, like sign-up and login).
    pub fn limit_all(mut self, bytes: usize) -> Self {
        for e in &mut self.entries {
            e.limit = bytes;
        }
        self
    }

    /// Documents the last route's body (for a route whose handler cannot say it).
    pub fn body(mut self, body: Option<BodyDoc>) -> Self {
        if let (Some(last), Some(body)) = (self.entries.last_mut(), body) {
            last.body = Some(body);
        }
        self
    }

    /// `method path` (`"GET"`, `"POST"`, `"PUT"` or `"DELETE"`) with a prepared method router
    /// (one that carries its own layers); say its body with [`Documented::body`].
    pub fn route(
        mut self,
        path: &'static str,
        method: &'static str,
        summary: &'static str,
        handler: MethodRouter<S>,
    ) -> Self {
        self.entries.push(Entry {
            path,
            method,
            summary,
            public: false,
            body: None,
            limit: JSON_BODY_LIMIT,
            handler,
        });
        self
    }

    /// The routes, for the router, each behind its body cap.
    pub fn into_router(self) -> Router<S> {
        self.entries.into_iter().fold(Router::new(), |router, e| {
            router.route(e.path, e.handler.layer(DefaultBodyLimit::max(e.limit)))
        })
    }

    /// The OpenAPI paths of the routes.
    pub fn paths(&self) -> Paths {
        let mut paths = Paths::new();
        for e in &self.entries {
            let mut op = OperationBuilder::new()
                .operation_id(Some(operation_id(e.method, e.path)))
                .summary(Some(e.summary))
                .tag(self.tag)
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("Postiz's answer (JSON)")
                        .build(),
                )
                .response(
                    "400",
                    ResponseBuilder::new()
                        .description("Invalid input: `{\"statusCode\", \"message\", \"error\"}`")
                        .build(),
                );
            if let Some(body) = &e.body {
                op = op.request_body(Some(body.body.clone())).response(
                    "413",
                    ResponseBuilder::new()
                        .description(format!("The body is over {} bytes", e.limit))
                        .build(),
                );
            }
            for name in path_params(e.path) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
                );
            }
            op = if e.public {
                op.security(SecurityRequirement::default())
            } else {
                op.security(SecurityRequirement::new(SESSION, Vec::<String>::new()))
                    .response(
                        "401",
                        ResponseBuilder::new()
                            .description("No session, or an expired one")
                            .build(),
                    )
            };
            let method = match e.method {
                "POST" => HttpMethod::Post,
                "PUT" => HttpMethod::Put,
                "DELETE" => HttpMethod::Delete,
                _ => HttpMethod::Get,
            };
            paths.add_path_operation(e.path, vec![method], op);
        }
        paths
    }

    /// The paths and the schemas they refer to, for the document.
    pub fn document(&self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        (self.paths(), self.schemas())
    }

    /// The named schemas the documented bodies refer to (for the document's components).
    pub fn schemas(&self) -> Vec<(String, RefOr<Schema>)> {
        self.entries
            .iter()
            .filter_map(|e| e.body.as_ref())
            .flat_map(|b| b.schemas.iter().cloned())
            .collect()
    }

    /// Every documented `(METHOD, path)`, for tests.
    pub fn operations(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|e| (e.method.to_string(), e.path.to_string()))
            .collect()
    }
}

/// `get_posts_id_date` for `GET /posts/{id}/date`: unique per method and path.
fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    format!("{}_{}", method.to_lowercase(), words.join("_"))
}

/// The `{name}` segments of a path.
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn each_route_is_served_and_documented_once() {
        let d: Documented<()> = Documented::new("t")
            .get("/a/{id}", "read", ok)
            .delete("/a/{id}", "remove", ok)
            .post("/login", "log in", ok)
            .open();
        assert_eq!(
            d.operations(),
            [
                ("GET".to_string(), "/a/{id}".to_string()),
                ("DELETE".into(), "/a/{id}".into()),
                ("POST".into(), "/login".into())
            ]
        );
        let paths = d.paths();
        let item = &paths.paths["/a/{id}"];
        assert!(item.get.is_some() && item.delete.is_some());
        let get = item.get.as_ref().unwrap();
        assert_eq!(get.parameters.as_ref().map(Vec::len), Some(1));
        assert!(get.responses.responses.contains_key("401"));
        let login = paths.paths["/login"].post.as_ref().unwrap();
        assert!(!login.responses.responses.contains_key("401"));
        let _router: Router<()> = d.into_router();
    }

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    struct Note {
        /// The text.
        text: String,
        /// Where it goes.
        place: Place,
    }

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    struct Place {
        id: String,
    }

    async fn take_note(JsonBody(n): JsonBody<Note>) -> String {
        format!("{}@{}", n.text, n.place.id)
    }

    async fn take_raw(_s: State<()>, JsonBytes(b): JsonBytes) -> String {
        b.len().to_string()
    }

    #[tokio::test]
    async fn bodies_are_documented_from_the_handler_and_capped_per_route() {
        use tower::ServiceExt;
        let d: Documented<()> = Documented::new("t")
            .post("/notes", "take a note", take_note)
            .limit(64)
            .put("/raw", "raw JSON", take_raw)
            .get("/a", "read", ok);
        let paths = d.paths();
        let json = |path: &str, op: Option<&utoipa::openapi::path::Operation>| {
            let body = op.and_then(|o| o.request_body.clone());
            serde_json::to_value(body)
                .map(|v| (path.to_string(), v))
                .unwrap()
        };
        let (_, note) = json("/notes", paths.paths["/notes"].post.as_ref());
        let schema = &note["content"]["application/json"]["schema"];
        assert_eq!(schema["properties"]["text"]["type"], "string", "{note}");
        assert_eq!(
            schema["properties"]["place"]["$ref"],
            "#/components/schemas/Place"
        );
        let names: Vec<String> = d.schemas().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Place"]);
        let (_, raw) = json("/raw", paths.paths["/raw"].put.as_ref());
        assert_eq!(
            raw["content"]["application/json"]["schema"]["type"],
            "object"
        );
        let (_, none) = json("/a", paths.paths["/a"].get.as_ref());
        assert!(none.is_null());
        let over = paths.paths["/notes"].post.as_ref().unwrap();
        assert!(over.responses.responses.contains_key("413"));

        let router = d.into_router();
        let send = |path: &'static str, body: String| {
            let req = axum::http::Request::builder()
                .method(if path == "/raw" { "PUT" } else { "POST" })
                .uri(path)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            router.clone().oneshot(req)
        };
        let small = r#"{"text":"hi","place":{"id":"p"}}"#.to_string();
        assert_eq!(send("/notes", small).await.unwrap().status(), 200);
        let big = format!(r#"{{"text":"{}","place":{{"id":"p"}}}}"#, "x".repeat(64));
        assert_eq!(send("/notes", big.clone()).await.unwrap().status(), 413);
        // The default cap of a JSON route is far above that.
        assert_eq!(send("/raw", big).await.unwrap().status(), 200);
        let huge = format!(r#"{{"text":"{}"}}"#, "x".repeat(JSON_BODY_LIMIT));
        assert_eq!(send("/raw", huge).await.unwrap().status(), 413);
    }
}
