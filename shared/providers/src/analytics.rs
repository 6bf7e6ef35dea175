//! Statistics in Postiz's shape: `[{label, data: [{total, date}], percentageChange}]`, one
//! entry per metric, with a point per day.

use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One metric's daily totals.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// The metric's name as shown.
    pub label: String,
    /// Total per day.
    pub days: BTreeMap<NaiveDate, f64>,
}

impl Series {
    /// An empty series named `label`.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            days: BTreeMap::new(),
        }
    }

    /// Adds `value` to the total of `day`.
    pub fn add(&mut self, day: NaiveDate, value: f64) {
        *self.days.entry(day).or_default() += value;
    }

    /// Every day of `from..=to` with a point (0 where nothing happened), in Postiz's shape.
    /// `percentageChange` compares the later half of the period with the earlier half.
    pub fn to_json(&self, from: NaiveDate, to: NaiveDate) -> Value {
        let mut points = Vec::new();
        let mut day = from;
        while day <= to {
            points.push((day, self.days.get(&day).copied().unwrap_or(0.0)));
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        let half = points.len() / 2;
        let earlier: f64 = points[..half].iter().map(|p| p.1).sum();
        let later: f64 = points[half..].iter().map(|p| p.1).sum();
        json!({
            "label": self.label,
            "percentageChange": percentage_change(earlier, later),
            "data": points
                .iter()
                .map(|(d, total)| json!({"total": number(*total), "date": d.format("%Y-%m-%d").to_string()}))
                .collect::<Vec<_>>(),
        })
    }
}

/// A total as JSON: an integer when it is one.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// The change from `earlier` to `later` in percent, rounded to one decimal (0 when there
/// was nothing before).
pub fn percentage_change(earlier: f64, later: f64) -> f64 {
    if earlier == 0.0 {
        return 0.0;
    }
    ((later - earlier) / earlier * 1000.0).round() / 10.0
}

/// Single figures of one post (Postiz's post analytics): one point, today.
pub fn snapshot(today: NaiveDate, figures: &[(&str, Option<f64>)]) -> Vec<Value> {
    figures
        .iter()
        .filter_map(|(label, v)| {
            v.map(|v| {
                json!({"label": label, "percentageChange": 0, "data": [{"total": number(v), "date": today.format("%Y-%m-%d").to_string()}]})
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_has_a_point_and_the_halves_are_compared() {
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let mut s = Series::new("Likes");
        s.add(d(1), 2.0);
        s.add(d(4), 3.0);
        s.add(d(4), 3.0);
        let v = s.to_json(d(1), d(4));
        assert_eq!(v["data"].as_array().unwrap().len(), 4);
        assert_eq!(v["data"][0], json!({"total": 2, "date": "2026-12-01"}));
        assert_eq!(v["data"][1]["total"], 0);
        assert_eq!(v["data"][3]["total"], 6);
        assert_eq!(v["percentageChange"], 200.0);
        assert_eq!(percentage_change(0.0, 5.0), 0.0);
        assert_eq!(
            snapshot(d(2), &[("Likes", Some(3.0)), ("Views", None)]).len(),
            1
        );
    }
}
