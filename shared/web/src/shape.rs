//! The shape of a JSON answer, written the way Postiz's TypeScript types read:
//! `{id: string, name: string, picture?: string | null, posts: {id: string}[]}`.
//!
//! A route says its answer's shape once ([`crate::documented::Documented::answers`]); the
//! shape becomes the answer's JSON Schema in the OpenAPI document (which schemathesis checks
//! answers against) and, with `POSTIZ_CHECK_ANSWERS=1`, every answer the route gives is
//! checked against it (see [`crate::documented`]).
//!
//! Grammar: `string`, `number`, `integer`, `boolean`, `null`, `any`, `object` (any object),
//! `'LITERAL'` (that string), `{name: T, other?: T}` (an object with those fields; `?` marks
//! one that may be missing; other fields are allowed), `T[]` (an array of `T`), `A | B`
//! (either), `(T)` (grouping); and, only for the whole body, `empty` (no body at all) and
//! `text` (a body that is not JSON, e.g. a file or a plain-text answer).

use serde_json::Value;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::RefOr;

/// A parsed answer shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// No body.
    Empty,
    /// A body that is not JSON (its content is not checked).
    Text,
    /// Any JSON value.
    Any,
    /// A JSON string.
    String,
    /// Any JSON number.
    Number,
    /// A JSON number without a fraction.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
    /// One exact string.
    Literal(String),
    /// An object with these fields (name, shape, required); other fields are allowed.
    Object(Vec<(String, Shape, bool)>),
    /// An array whose items all have this shape.
    Array(Box<Shape>),
    /// Any of these shapes.
    Union(Vec<Shape>),
}

impl Shape {
    /// Parses `text`; the error says where it stopped.
    pub fn parse(text: &str) -> Result<Shape, String> {
        let mut p = Parser {
            text: text.as_bytes(),
            at: 0,
        };
        p.space();
        for (word, shape) in [("empty", Shape::Empty), ("text", Shape::Text)] {
            if p.word_is(word) {
                p.at += word.len();
                p.space();
                return p.end(shape);
            }
        }
        let shape = p.union()?;
        p.end(shape)
    }

    /// The JSON Schema of the shape.
    pub fn schema(&self) -> RefOr<Schema> {
        let typed = |t: Type| ObjectBuilder::new().schema_type(t).into();
        match self {
            // Any JSON value: a schema without a type (utoipa's `Object::new()` says object).
            Shape::Empty | Shape::Any => ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .into(),
            Shape::String | Shape::Text => typed(Type::String),
            Shape::Number => typed(Type::Number),
            Shape::Integer => typed(Type::Integer),
            Shape::Boolean => typed(Type::Boolean),
            Shape::Null => typed(Type::Null),
            Shape::Literal(s) => ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([s.as_str()]))
                .into(),
            Shape::Object(fields) => fields
                .iter()
                .fold(
                    ObjectBuilder::new().schema_type(SchemaType::new(Type::Object)),
                    |b, (name, shape, required)| {
                        let b = b.property(name, shape.schema());
                        if *required {
                            b.required(name)
                        } else {
                            b
                        }
                    },
                )
                .into(),
            Shape::Array(item) => ArrayBuilder::new().items(item.schema()).into(),
            Shape::Union(options) => options
                .iter()
                .fold(AnyOfBuilder::new(), |b, s| b.item(s.schema()))
                .into(),
        }
    }

    /// Whether `value` has the shape; the error names the first place that does not
    /// (`$.posts[2].id: expected string, got null`).
    pub fn check(&self, value: &Value) -> Result<(), String> {
        self.check_at(value, "$")
    }

    fn check_at(&self, value: &Value, at: &str) -> Result<(), String> {
        let fits = match (self, value) {
            (Shape::Any | Shape::Text, _) => true,
            (Shape::String, Value::String(_)) => true,
            (Shape::Number, Value::Number(_)) => true,
            (Shape::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            (Shape::Boolean, Value::Bool(_)) => true,
            (Shape::Null, Value::Null) => true,
            (Shape::Literal(s), Value::String(v)) => s == v,
            (Shape::Object(fields), Value::Object(map)) => {
                for (name, shape, required) in fields {
                    match map.get(name) {
                        Some(v) => shape.check_at(v, &format!("{at}.{name}"))?,
                        None if *required => return Err(format!("{at}.{name}: missing")),
                        None => {}
                    }
                }
                true
            }
            (Shape::Array(item), Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    item.check_at(v, &format!("{at}[{i}]"))?;
                }
                true
            }
            (Shape::Union(options), _) => {
                let mut deeper = None;
                for o in options {
                    match o.check_at(value, at) {
                        Ok(()) => return Ok(()),
                        // A wrong field inside an option of the right kind says more than
                        // "not any of".
                        Err(e) if !e.starts_with(&format!("{at}: ")) => {
                            deeper.get_or_insert(e);
                        }
                        Err(_) => {}
                    }
                }
                if let Some(e) = deeper {
                    return Err(e);
                }
                false
            }
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "{at}: expected {}, got {}",
                self.describe(),
                kind(value, self.is_literal())
            ))
        }
    }

    fn describe(&self) -> String {
        match self {
            Shape::Empty => "no body".into(),
            Shape::Text => "text".into(),
            Shape::Any => "any".into(),
            Shape::String => "string".into(),
            Shape::Number => "number".into(),
            Shape::Integer => "integer".into(),
            Shape::Boolean => "boolean".into(),
            Shape::Null => "null".into(),
            Shape::Literal(s) => format!("'{s}'"),
            Shape::Object(_) => "object".into(),
            Shape::Array(_) => "array".into(),
            Shape::Union(o) => o
                .iter()
                .map(Shape::describe)
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }
}

impl Shape {
    /// One exact string, or a choice of them (a state, a role): a string found in its place
    /// is a name worth showing, never a token.
    fn is_literal(&self) -> bool {
        match self {
            Shape::Literal(_) => true,
            Shape::Union(options) => options.iter().all(Shape::is_literal),
            _ => false,
        }
    }
}

/// What `v` is; a string's content is shown only where a literal was expected (other strings
/// may be credentials, and the message reaches the log).
fn kind(v: &Value, show_string: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "boolean".into(),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if show_string && s.len() <= 40 => format!("string {s:?}"),
        Value::String(_) => "string".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    }
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        let rest = String::from_utf8_lossy(&self.text[self.at.min(self.text.len())..]);
        Err(format!("{what} at byte {}: `{rest}`", self.at))
    }

    fn eat(&mut self, c: u8) -> bool {
        self.space();
        if self.peek() == Some(c) {
            self.at += 1;
            self.space();
            true
        } else {
            false
        }
    }

    fn end(&self, shape: Shape) -> Result<Shape, String> {
        if self.at == self.text.len() {
            Ok(shape)
        } else {
            self.fail("unexpected text")
        }
    }

    fn word_is(&self, w: &str) -> bool {
        let rest = &self.text[self.at..];
        rest.starts_with(w.as_bytes())
            && !rest
                .get(w.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    }

    fn union(&mut self) -> Result<Shape, String> {
        let mut options = vec![self.member()?];
        while self.eat(b'|') {
            options.push(self.member()?);
        }
        Ok(if options.len() == 1 {
            options.remove(0)
        } else {
            Shape::Union(options)
        })
    }

    fn member(&mut self) -> Result<Shape, String> {
        let mut shape = self.primary()?;
        self.space();
        while self.text[self.at..].starts_with(b"[]") {
            self.at += 2;
            self.space();
            shape = Shape::Array(Box::new(shape));
        }
        Ok(shape)
    }

    fn name(&mut self) -> Result<String, String> {
        self.space();
        if self.peek() == Some(b'\'') {
            return self.quoted();
        }
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'-')
        {
            self.at += 1;
        }
        if start == self.at {
            return self.fail("expected a name");
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    fn quoted(&mut self) -> Result<String, String> {
        self.at += 1;
        let start = self.at;
        while self.peek().is_some_and(|c| c != b'\'') {
            self.at += 1;
        }
        if self.peek().is_none() {
            return self.fail("unterminated quote");
        }
        let s = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
        self.at += 1;
        Ok(s)
    }

    fn primary(&mut self) -> Result<Shape, String> {
        self.space();
        match self.peek() {
            Some(b'(') => {
                self.at += 1;
                let inner = self.union()?;
                if !self.eat(b')') {
                    return self.fail("expected `)`");
                }
                Ok(inner)
            }
            Some(b'\'') => Ok(Shape::Literal(self.quoted()?)),
            Some(b'{') => {
                self.at += 1;
                let mut fields = Vec::new();
                loop {
                    if self.eat(b'}') {
                        break;
                    }
                    let name = self.name()?;
                    let required = !self.eat(b'?');
                    if !self.eat(b':') {
                        return self.fail("expected `:`");
                    }
                    fields.push((name, self.union()?, required));
                    if !self.eat(b',') {
                        if self.eat(b'}') {
                            break;
                        }
                        return self.fail("expected `,` or `}`");
                    }
                }
                Ok(Shape::Object(fields))
            }
            _ => {
                let word = self.name()?;
                Ok(match word.as_str() {
                    "string" => Shape::String,
                    "number" => Shape::Number,
                    "integer" => Shape::Integer,
                    "boolean" => Shape::Boolean,
                    "null" => Shape::Null,
                    "any" => Shape::Any,
                    "object" => Shape::Object(Vec::new()),
                    other => return Err(format!("unknown type `{other}`")),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_typescript_like_notation() {
        let s =
            Shape::parse("{id: string, picture?: string | null, posts: {n: integer}[]}[]").unwrap();
        let Shape::Array(item) = &s else {
            panic!("{s:?}")
        };
        let Shape::Object(fields) = item.as_ref() else {
            panic!("{item:?}")
        };
        assert_eq!(fields.len(), 3);
        assert_eq!(
            fields[1],
            (
                "picture".into(),
                Shape::Union(vec![Shape::String, Shape::Null]),
                false
            )
        );
        assert_eq!(Shape::parse(" empty ").unwrap(), Shape::Empty);
        assert_eq!(
            Shape::parse("('A' | 'B')[]").unwrap(),
            Shape::Array(Box::new(Shape::Union(vec![
                Shape::Literal("A".into()),
                Shape::Literal("B".into())
            ])))
        );
        for bad in [
            "{id string}",
            "strin",
            "{a: string",
            "string]",
            "(string",
            "'x",
        ] {
            assert!(Shape::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_values_and_names_the_first_wrong_place() {
        let s = Shape::parse("{id: string, n?: integer, tags: {name: string}[]}").unwrap();
        assert!(s
            .check(&json!({"id": "a", "tags": [{"name": "x"}], "extra": 1}))
            .is_ok());
        assert_eq!(
            s.check(&json!({"id": "a", "tags": [{"name": null}]}))
                .unwrap_err(),
            "$.tags[0].name: expected string, got null"
        );
        assert_eq!(s.check(&json!({"tags": []})).unwrap_err(), "$.id: missing");
        assert!(s.check(&json!({"id": "a", "n": 1.5, "tags": []})).is_err());
        assert!(s.check(&json!([])).is_err());
        // Strings are shown only where a literal was expected: other ones may be tokens.
        let token = Shape::parse("{token: integer}").unwrap();
        assert_eq!(
            token.check(&json!({"token": "sk-secret"})).unwrap_err(),
            "$.token: expected integer, got string"
        );
        let lit = Shape::parse("{status: 'OK' | 'ERROR'} | null").unwrap();
        assert!(lit.check(&json!(null)).is_ok());
        assert!(lit.check(&json!({"status": "ERROR"})).is_ok());
        assert_eq!(
            lit.check(&json!({"status": "NO"})).unwrap_err(),
            "$.status: expected 'OK' | 'ERROR', got string \"NO\""
        );
    }

    #[test]
    fn renders_json_schema() {
        let s = Shape::parse("{id: string, at?: string | null, n: integer[]}").unwrap();
        let v = serde_json::to_value(s.schema()).unwrap();
        assert_eq!(v["type"], "object");
        assert_eq!(v["required"], json!(["id", "n"]));
        assert_eq!(v["properties"]["n"]["items"]["type"], "integer");
        assert_eq!(v["properties"]["at"]["anyOf"][1]["type"], "null");
        let lit = serde_json::to_value(Shape::parse("'X'").unwrap().schema()).unwrap();
        assert_eq!(lit["enum"], json!(["X"]));
        // `any` allows every value: no type at all.
        let any = serde_json::to_value(Shape::parse("{v: any}").unwrap().schema()).unwrap();
        assert_eq!(any["properties"]["v"], json!({}));
    }
}
