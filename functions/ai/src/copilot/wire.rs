//! CopilotKit 1.10's answer to `generateCopilotResponse`: GraphQL incremental delivery
//! (`@stream` items, `@defer` patches) over `multipart/mixed; boundary="-"`, each part sent as
//! soon as it exists (docs/copilotkit-protocol.md §5).

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

const ROOT: &str = "generateCopilotResponse";

/// A message being sent: where it sits in the answer and how many pieces it has.
pub(crate) struct Open {
    index: usize,
    typename: &'static str,
    /// `content` (text) or `arguments` (tool call).
    field: &'static str,
    pieces: usize,
}

/// The answer being written.
pub(crate) struct Reply {
    tx: UnboundedSender<Bytes>,
    messages: usize,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Starts the answer for `thread_id`: the response to return, and the writer of its parts.
pub(crate) fn start(thread_id: &str) -> (Reply, Response) {
    let (tx, rx) = unbounded_channel::<Bytes>();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, std::convert::Infallible>(bytes), rx))
    });
    let mut res = Response::new(Body::from_stream(stream));
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("multipart/mixed; boundary=\"-\""),
    );
    h.insert(
        "x-copilotkit-runtime-version",
        HeaderValue::from_static("1.10.6"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let reply = Reply { tx, messages: 0 };
    reply.raw(Bytes::from_static(b"\r\n---"));
    reply.part(&json!({
        "data": {ROOT: {
            "threadId": thread_id, "runId": null, "extensions": null,
            "__typename": "CopilotResponse", "messages": [], "metaEvents": [],
        }},
        "hasNext": true,
    }));
    (reply, res)
}

impl Reply {
    fn raw(&self, bytes: Bytes) {
        // A closed channel means the browser went away: nothing left to tell it.
        let _ = self.tx.send(bytes);
    }

    fn part(&self, payload: &Value) {
        let json = payload.to_string();
        self.raw(Bytes::from(format!(
            "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{json}\r\n---",
            json.len()
        )));
    }

    fn incremental(&self, entries: Vec<Value>) {
        self.part(&json!({"incremental": entries, "hasNext": true}));
    }

    fn item(&mut self, typename: &'static str, field: &'static str, mut fields: Value) -> Open {
        let index = self.messages;
        self.messages += 1;
        fields["__typename"] = json!(typename);
        fields["createdAt"] = json!(now());
        if !field.is_empty() {
            fields[field] = json!([]);
        }
        self.incremental(vec![
            json!({"items": [fields], "path": [ROOT, "messages", index]}),
        ]);
        Open {
            index,
            typename,
            field,
            pieces: 0,
        }
    }

    /// Starts an assistant text message.
    pub(crate) fn text(&mut self, id: &str, parent: Option<&str>) -> Open {
        self.item(
            "TextMessageOutput",
            "content",
            json!({"id": id, "role": "assistant", "parentMessageId": parent}),
        )
    }

    /// Starts a tool call (the browser runs it when it is one of its actions).
    pub(crate) fn action(&mut self, id: &str, name: &str, parent: Option<&str>) -> Open {
        self.item(
            "ActionExecutionMessageOutput",
            "arguments",
            json!({"id": id, "name": name, "parentMessageId": parent}),
        )
    }

    /// A tool's result (a tool the server ran), complete.
    pub(crate) fn result(&mut self, call_id: &str, name: &str, result: &str) {
        let open = self.item(
            "ResultMessageOutput",
            "",
            json!({"id": format!("result-{call_id}"), "result": result,
                   "actionExecutionId": call_id, "actionName": name}),
        );
        self.done(&open);
    }

    /// Adds a piece of text or of the arguments.
    pub(crate) fn piece(&self, open: &mut Open, text: &str) {
        if text.is_empty() {
            return;
        }
        self.incremental(vec![json!({
            "items": [text],
            "path": [ROOT, "messages", open.index, open.field, open.pieces],
        })]);
        open.pieces += 1;
    }

    /// Marks a message complete (the browser runs a tool call only then).
    pub(crate) fn done(&self, open: &Open) {
        self.incremental(vec![json!({
            "data": {"__typename": open.typename,
                     "status": {"code": "Success", "__typename": "SuccessMessageStatus"}},
            "path": [ROOT, "messages", open.index],
        })]);
    }

    /// Ends the answer: success, or the failure the browser shows (`description`).
    pub(crate) fn finish(self, failure: Option<&str>) {
        let status = match failure {
            None => json!({"code": "Success", "__typename": "SuccessResponseStatus"}),
            Some(description) => json!({
                "code": "Failed", "__typename": "FailedResponseStatus",
                "reason": "UNKNOWN_ERROR", "details": {"description": description},
            }),
        };
        self.part(&json!({
            "incremental": [{"data": {"__typename": "CopilotResponse", "status": status},
                             "path": [ROOT]}],
            "hasNext": false,
        }));
        self.raw(Bytes::from_static(b"--\r\n"));
    }
}
