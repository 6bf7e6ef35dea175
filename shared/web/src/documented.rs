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

use std::borrow::Cow;

use crate::shape::Shape;

use crate::extract::{ApiKeyOrg, Authed, ClientAddress, JsonBody, JsonBytes, RawBody};

/// Name of the internal API's security scheme: the session token in the `auth` cookie or
/// header.
pub const SESSION: &str = "session";

/// The shape of every error answer of the internal API (`ApiError`, one place): Nest's
/// `{statusCode, message, error?}` (with `provider` and `name` for a post a network refuses,
/// `url` for a payment), `{msg}` where Postiz answers so, and OAuth's `{error,
/// error_description?}`. Some 400s are plain text, and a 401 that ends the session has no body.
pub const ERROR_ANSWER: &str = "{statusCode: integer, message: any, error?: string} | {msg: string} | {error: string, error_description?: string}";

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
    answer: Option<Answer>,
    handler: MethodRouter<S>,
}

/// A route's success answer: its status and the shape of its body ([`Shape`] notation).
#[derive(Clone)]
struct Answer {
    status: u16,
    shape: Cow<'static, str>,
}

impl Answer {
    /// The parsed shape; a shape that does not parse is a bug in the route's registration.
    fn parsed(&self, method: &str, path: &str) -> Shape {
        Shape::parse(&self.shape)
            .unwrap_or_else(|e| panic!("the answer shape of {method} {path}: {e}"))
    }
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

    /// The last route's success answer has this [`Shape`] (in Postiz's TypeScript-like
    /// notation), with Nest's status: 201 for a `POST`, 200 otherwise.
    pub fn answers(self, shape: impl Into<Cow<'static, str>>) -> Self {
        let status = match self.entries.last() {
            Some(e) if e.method == "POST" => 201,
            _ => 200,
        };
        self.answers_with(status, shape)
    }

    /// The last route's success answer has this status and [`Shape`].
    pub fn answers_with(mut self, status: u16, shape: impl Into<Cow<'static, str>>) -> Self {
        if let Some(last) = self.entries.last_mut() {
            last.answer = Some(Answer {
                status,
                shape: shape.into(),
            });
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
            answer: None,
            handler,
        });
        self
    }

    /// The routes, for the router, each behind its body cap. With `POSTIZ_CHECK_ANSWERS=1`
    /// (tests and fuzzing) each success answer is checked against its documented status and
    /// shape, and one that does not match becomes a 500 naming the difference.
    pub fn into_router(self) -> Router<S> {
        let check = std::env::var("POSTIZ_CHECK_ANSWERS").is_ok_and(|v| v == "1");
        self.router(check)
    }

    fn router(self, check: bool) -> Router<S> {
        self.entries.into_iter().fold(Router::new(), |router, e| {
            let mut handler = e.handler.layer(DefaultBodyLimit::max(e.limit));
            if check {
                let expected = e
                    .answer
                    .as_ref()
                    .map(|a| (a.status, a.parsed(e.method, e.path)));
                let route = format!("{} {}", e.method, e.path);
                handler = handler.layer(axum::middleware::from_fn(move |req, next| {
                    crate::answer_check::checked(route.clone(), expected.clone(), req, next)
                }));
            }
            router.route(e.path, handler)
        })
    }

    /// The OpenAPI paths of the routes.
    pub fn paths(&self) -> Paths {
        let mut paths = Paths::new();
        for e in &self.entries {
            let success = match &e.answer {
                Some(a) => {
                    let response = ResponseBuilder::new().description("Postiz's answer");
                    let response = match a.parsed(e.method, e.path) {
                        Shape::Empty => response.description("Postiz's answer (no body)"),
                        Shape::Text => response
                            .description(
                                "Postiz's answer: a stream, a file, or a body of more than one \
                                 form (e.g. JSON or none); its content is not described",
                            )
                            .content(
                                "text/plain",
                                ContentBuilder::new()
                                    .schema(Some(Shape::Text.schema()))
                                    .build(),
                            ),
                        shape => response.content(
                            "application/json",
                            ContentBuilder::new().schema(Some(shape.schema())).build(),
                        ),
                    };
                    (a.status.to_string(), response.build())
                }
                None => (
                    "200".to_string(),
                    ResponseBuilder::new()
                        .description("Postiz's answer (JSON)")
                        .build(),
                ),
            };
            let mut op = OperationBuilder::new()
                .operation_id(Some(operation_id(e.method, e.path)))
                .summary(Some(e.summary))
                .tag(self.tag)
                .response(success.0, success.1)
                .response(
                    "4XX",
                    utoipa::openapi::Ref::new(format!("#/components/responses/{ERROR_RESPONSE}")),
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

    /// The `(METHOD, path)` of every route that does not say its answer's shape, for tests.
    pub fn without_answers(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|e| e.answer.is_none())
            .map(|e| (e.method.to_string(), e.path.to_string()))
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
/// The name of the shared error response in the document's components.
pub const ERROR_RESPONSE: &str = "InternalError";

/// Every internal route's error answers (the component [`ERROR_RESPONSE`] each operation's
/// `4XX` refers to): [`ERROR_ANSWER`] in JSON, or a plain-text message.
pub fn error_response() -> utoipa::openapi::Response {
    let shape = Shape::parse(ERROR_ANSWER).expect("the error answer's shape parses");
    ResponseBuilder::new()
        .description(
            "Invalid input, a refusal or a missing resource, in Postiz's error shapes \
             (`{statusCode, message, error}` mostly), or a plain-text message",
        )
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(shape.schema())).build(),
        )
        .content(
            "text/plain",
            ContentBuilder::new()
                .schema(Some(Shape::Text.schema()))
                .build(),
        )
        .build()
}

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

    async fn listing() -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!([{"id": "a"}, {"id": 7}]))
    }

    async fn refused() -> crate::error::ApiError {
        postiz_core::Error::NotFound("Post not found".into()).into()
    }

    async fn odd_refusal() -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
        (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"reason": "made up here"})),
        )
    }

    #[tokio::test]
    async fn answers_are_documented_and_checked_in_check_mode() {
        use tower::ServiceExt;
        let routes = || {
            Documented::<()>::new("t")
                .get("/good", "read", ok)
                .answers_with(200, "any")
                .get("/list", "list", listing)
                .answers("{id: string}[]")
                .post("/made", "make", ok)
                .answers("string")
                .get("/refused", "refuse", refused)
                .answers("any")
                .get("/odd", "refuse oddly", odd_refusal)
                .answers("any")
        };
        let doc = serde_json::to_value(routes().paths()).unwrap();
        let list = &doc["/list"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(
            list["schema"]["items"]["required"],
            serde_json::json!(["id"])
        );
        assert!(
            doc["/made"]["post"]["responses"]["201"].is_object(),
            "{doc}"
        );
        assert_eq!(routes().without_answers().len(), 0);
        assert_eq!(
            doc["/list"]["get"]["responses"]["4XX"]["$ref"],
            serde_json::json!("#/components/responses/InternalError")
        );
        let error = serde_json::to_value(error_response()).unwrap();
        let errors = &error["content"];
        assert_eq!(
            errors["application/json"]["schema"]["anyOf"][0]["required"],
            serde_json::json!(["statusCode", "message"])
        );
        assert!(errors["text/plain"].is_object(), "{errors}");

        let call = |router: Router<()>, method: &str, path: &str| {
            let req = axum::http::Request::builder()
                .method(method)
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap();
            router.oneshot(req)
        };
        // Unchecked, answers pass through; checked, a wrong item and a wrong status are 500s.
        let plain = call(routes().router(false), "GET", "/list").await.unwrap();
        assert_eq!(plain.status(), 200);
        let checked = call(routes().router(true), "GET", "/list").await.unwrap();
        assert_eq!(checked.status(), 500);
        let body = axum::body::to_bytes(checked.into_body(), 10_000)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("$[1].id: expected string, got number 7"),
            "{text}"
        );
        let made = call(routes().router(true), "POST", "/made").await.unwrap();
        assert_eq!(made.status(), 500, "a 200 documented as 201");
        // `any` is any JSON value; "ok" is text.
        let good = call(routes().router(true), "GET", "/good").await.unwrap();
        assert_eq!(good.status(), 500);
        // Error answers: the application's own pass; one off every error shape is a 500.
        let not_found = call(routes().router(true), "GET", "/refused")
            .await
            .unwrap();
        assert_eq!(not_found.status(), 404);
        let odd = call(routes().router(true), "GET", "/odd").await.unwrap();
        assert_eq!(odd.status(), 500);
        let body = axum::body::to_bytes(odd.into_body(), 10_000).await.unwrap();
        assert!(
            String::from_utf8_lossy(&body).contains("a 400 error answer"),
            "{}",
            String::from_utf8_lossy(&body)
        );
        let plain = call(routes().router(false), "GET", "/odd").await.unwrap();
        assert_eq!(plain.status(), 400, "unchecked, it passes through");
    }
}
