//! Item and expression translation for DynamoDB: JSON values to attribute values in
//! DynamoDB's wire form (`{"S": "x"}`, `{"N": "3"}`, `{"M": {...}}`), typed conditions, key
//! conditions and updates to expression strings. Only placeholders that an expression uses
//! are registered (DynamoDB rejects unused ones; moto does not check).

use serde_json::{json, Map, Number, Value};
use std::collections::HashMap;

/// An attribute value in DynamoDB's JSON form.
pub type AttributeValue = Value;

fn string(text: impl Into<String>) -> AttributeValue {
    json!({ "S": text.into() })
}

fn number(number: impl ToString) -> AttributeValue {
    json!({ "N": number.to_string() })
}

use crate::item::{Item, PK, TTL};
use crate::table::{Condition, KeyRange, Update, UpdateAction};

/// A JSON value as a DynamoDB attribute.
pub fn to_attr(v: &Value) -> AttributeValue {
    match v {
        Value::Null => json!({ "NULL": true }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Number(x) => number(x),
        Value::String(x) => string(x.as_str()),
        Value::Array(a) => json!({ "L": a.iter().map(to_attr).collect::<Vec<_>>() }),
        Value::Object(o) => json!({
            "M": o.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect::<Map<_, _>>()
        }),
    }
}

/// A DynamoDB attribute as a JSON value.
pub fn from_attr(a: &AttributeValue) -> Value {
    let Some((kind, v)) = a.as_object().and_then(|o| o.iter().next()) else {
        return Value::Null;
    };
    match (kind.as_str(), v) {
        ("S", Value::String(s)) => Value::String(s.clone()),
        ("N", Value::String(n)) => n
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                n.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::Null),
        ("BOOL", Value::Bool(b)) => Value::Bool(*b),
        ("L", Value::Array(l)) => Value::Array(l.iter().map(from_attr).collect()),
        ("M", Value::Object(m)) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_attr(v))).collect())
        }
        ("SS", Value::Array(s)) => Value::Array(s.clone()),
        _ => Value::Null,
    }
}

/// An item as a DynamoDB attribute map.
pub fn to_attrs(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect())
}

/// A DynamoDB attribute map as an item (an empty item for anything but a map).
pub fn from_attrs(attrs: &Value) -> Item {
    attrs
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), from_attr(v))).collect())
        .unwrap_or_default()
}

/// Collects the `#name` and `:value` placeholders of one request.
#[derive(Debug, Default)]
pub struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// The placeholder for an attribute name (reused for repeats).
    pub fn name(&mut self, attr: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attr) {
            return placeholder.clone();
        }
        let p = format!("#n{}", self.names.len());
        self.names.insert(p.clone(), attr.to_string());
        p
    }

    /// The placeholder for a value.
    pub fn value(&mut self, v: AttributeValue) -> String {
        let p = format!(":v{}", self.values.len());
        self.values.insert(p.clone(), v);
        p
    }

    /// A condition expression; `now` decides which items count as expired.
    pub fn condition(&mut self, c: &Condition, now: i64) -> String {
        match c {
            Condition::Exists => {
                let (pk, ttl, now) = (self.name(PK), self.name(TTL), self.value(number(now)));
                format!(
                    "(attribute_exists({pk}) AND (attribute_not_exists({ttl}) OR {ttl} > {now}))"
                )
            }
            Condition::NotExists => {
                let (pk, ttl, now) = (self.name(PK), self.name(TTL), self.value(number(now)));
                format!("(attribute_not_exists({pk}) OR {ttl} <= {now})")
            }
            Condition::AttrExists(a) => format!("attribute_exists({})", self.name(a)),
            Condition::AttrNotExists(a) => format!("attribute_not_exists({})", self.name(a)),
            Condition::Equals(a, v) => {
                let (n, v) = (self.name(a), self.value(to_attr(v)));
                format!("{n} = {v}")
            }
            Condition::NotEquals(a, v) => {
                let (n, v) = (self.name(a), self.value(to_attr(v)));
                format!("(attribute_not_exists({n}) OR {n} <> {v})")
            }
            Condition::LessThan(a, v) => {
                let (n, v) = (self.name(a), self.value(to_attr(v)));
                format!("{n} < {v}")
            }
            Condition::GreaterThan(a, v) => {
                let (n, v) = (self.name(a), self.value(to_attr(v)));
                format!("{n} > {v}")
            }
            Condition::And(all) if all.is_empty() => self.condition(
                &Condition::Or(vec![Condition::Exists, Condition::NotExists]),
                now,
            ),
            Condition::Or(any) if any.is_empty() => self.condition(
                &Condition::And(vec![Condition::Exists, Condition::NotExists]),
                now,
            ),
            Condition::And(all) => self.join(all, " AND ", now),
            Condition::Or(any) => self.join(any, " OR ", now),
        }
    }

    fn join(&mut self, parts: &[Condition], sep: &str, now: i64) -> String {
        let parts: Vec<String> = parts.iter().map(|c| self.condition(c, now)).collect();
        format!("({})", parts.join(sep))
    }

    /// A key condition on a partition and sort key range.
    pub fn key_condition(
        &mut self,
        pk_attr: &str,
        pk: &str,
        sk_attr: &str,
        range: &KeyRange,
    ) -> String {
        let pk_part = {
            let (n, v) = (self.name(pk_attr), self.value(string(pk)));
            format!("{n} = {v}")
        };
        let sk = |e: &mut Self, op: &str, x: &str| {
            let (n, v) = (e.name(sk_attr), e.value(string(x)));
            format!(" AND {n} {op} {v}")
        };
        let sk_part = match range {
            KeyRange::All => String::new(),
            KeyRange::Eq(x) => sk(self, "=", x),
            KeyRange::Lt(x) => sk(self, "<", x),
            KeyRange::Le(x) => sk(self, "<=", x),
            KeyRange::Gt(x) => sk(self, ">", x),
            KeyRange::Ge(x) => sk(self, ">=", x),
            KeyRange::BeginsWith(p) => {
                let (n, v) = (self.name(sk_attr), self.value(string(p.as_str())));
                format!(" AND begins_with({n}, {v})")
            }
            KeyRange::Between(a, b) => {
                let n = self.name(sk_attr);
                let (a, b) = (
                    self.value(string(a.as_str())),
                    self.value(string(b.as_str())),
                );
                format!(" AND {n} BETWEEN {a} AND {b}")
            }
        };
        format!("{pk_part}{sk_part}")
    }

    /// An update expression (`SET ... REMOVE ... ADD ...`).
    pub fn update(&mut self, u: &Update) -> String {
        let (mut set, mut remove, mut add) = (Vec::new(), Vec::new(), Vec::new());
        for a in &u.0 {
            match a {
                UpdateAction::Set(n, v) => {
                    let (n, v) = (self.name(n), self.value(to_attr(v)));
                    set.push(format!("{n} = {v}"));
                }
                UpdateAction::SetIfNotExists(n, v) => {
                    let (n, v) = (self.name(n), self.value(to_attr(v)));
                    set.push(format!("{n} = if_not_exists({n}, {v})"));
                }
                UpdateAction::Remove(n) => remove.push(self.name(n)),
                UpdateAction::Add(n, by) => {
                    let (n, v) = (self.name(n), self.value(number(by)));
                    add.push(format!("{n} {v}"));
                }
            }
        }
        let mut out = Vec::new();
        if !set.is_empty() {
            out.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            out.push(format!("REMOVE {}", remove.join(", ")));
        }
        if !add.is_empty() {
            out.push(format!("ADD {}", add.join(", ")));
        }
        out.join(" ")
    }

    /// The names map, or `None` when empty.
    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// The values map, or `None` when empty.
    pub fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    /// Adds the placeholders this expression used to a request (none when unused).
    pub fn attach(&self, request: &mut Map<String, Value>) {
        if let Some(names) = self.names() {
            request.insert("ExpressionAttributeNames".into(), json!(names));
        }
        if let Some(values) = self.values() {
            request.insert("ExpressionAttributeValues".into(), json!(values));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_used_and_reused() {
        let mut e = Expr::default();
        let c = e.condition(
            &Condition::And(vec![Condition::NotExists, Condition::eq("state", "QUEUE")]),
            100,
        );
        assert_eq!(
            c,
            "((attribute_not_exists(#n0) OR #n1 <= :v0) AND #n2 = :v1)"
        );
        assert_eq!(e.names().unwrap().len(), 3);
        assert_eq!(e.values().unwrap().len(), 2);
        let mut e = Expr::default();
        let u = e.update(
            &Update::new()
                .set("a", 1)
                .set_if_missing("ttl", 5)
                .remove("b")
                .add("n", 2),
        );
        assert_eq!(
            u,
            "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) REMOVE #n2 ADD #n3 :v2"
        );
        for p in [":v0", ":v1", ":v2"] {
            assert!(e.values().unwrap().contains_key(p));
        }
    }

    #[test]
    fn values_have_dynamodb_wire_form() {
        let v = serde_json::json!({"a": [1, "x", null, true, 2.5]});
        assert_eq!(
            to_attrs(v.as_object().unwrap()),
            serde_json::json!({"a": {"L": [
                {"N": "1"}, {"S": "x"}, {"NULL": true}, {"BOOL": true}, {"N": "2.5"}
            ]}})
        );
        assert_eq!(
            from_attr(&serde_json::json!({"SS": ["a", "b"]})),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(from_attr(&serde_json::json!({"N": "x"})), Value::Null);
    }

    #[test]
    fn values_round_trip() {
        let v = serde_json::json!({"s": "x", "n": 3, "f": 1.5, "b": true, "z": null, "l": [1, "a"], "m": {"k": 2}});
        let item = v.as_object().unwrap().clone();
        assert_eq!(from_attrs(&to_attrs(&item)), item);
    }
}
