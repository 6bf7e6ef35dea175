//! Routers that document themselves: each route is registered once, with a summary, for both
//! the axum router and the OpenAPI document of the internal API (the routes Postiz's frontend
//! calls with its session), so the document cannot drift from what is served.

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use axum::Router;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Paths, Required, ResponseBuilder};

/// Name of the internal API's security scheme: the session token in the `auth` cookie or
/// header.
pub const SESSION: &str = "session";

/// One documented route.
#[derive(Debug, Clone)]
struct Entry {
    path: &'static str,
    method: &'static str,
    summary: &'static str,
    public: bool,
}

/// An axum router that keeps the OpenAPI description of what it serves.
pub struct Documented<S> {
    tag: &'static str,
    router: Router<S>,
    entries: Vec<Entry>,
}

impl<S: Clone + Send + Sync + 'static> Documented<S> {
    /// An empty router whose operations carry `tag`.
    pub fn new(tag: &'static str) -> Self {
        Self {
            tag,
            router: Router::new(),
            entries: Vec::new(),
        }
    }

    /// `GET path`, behind the session.
    pub fn get<H: Handler<T, S>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "GET", summary, routing::get(h))
    }

    /// `POST path`, behind the session.
    pub fn post<H: Handler<T, S>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "POST", summary, routing::post(h))
    }

    /// `PUT path`, behind the session.
    pub fn put<H: Handler<T, S>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "PUT", summary, routing::put(h))
    }

    /// `DELETE path`, behind the session.
    pub fn delete<H: Handler<T, S>, T: 'static>(
        self,
        path: &'static str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.route(path, "DELETE", summary, routing::delete(h))
    }

    /// A route served without a session (sign-up, login, password reset).
    pub fn open(mut self) -> Self {
        if let Some(last) = self.entries.last_mut() {
            last.public = true;
        }
        self
    }

    /// `method path` (`"GET"`, `"POST"`, `"PUT"` or `"DELETE"`) with a prepared method router
    /// (one that carries its own layers).
    pub fn route(
        mut self,
        path: &'static str,
        method: &'static str,
        summary: &'static str,
        handler: MethodRouter<S>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.entries.push(Entry {
            path,
            method,
            summary,
            public: false,
        });
        self
    }

    /// The routes, for the router.
    pub fn into_router(self) -> Router<S> {
        self.router
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
}
