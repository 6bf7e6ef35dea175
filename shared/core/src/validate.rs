//! Field checks that produce class-validator style messages, so errors read like Postiz's.

/// Collects validation messages for one request body.
#[derive(Debug, Default)]
pub struct Checks(Vec<String>);

impl Checks {
    /// An empty set of messages.
    pub fn new() -> Self {
        Self::default()
    }

    /// `field` must be present and a valid email address.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) if is_email(v) => {}
            _ => self.0.push(format!("{field} must be an email")),
        }
        self
    }

    /// `field` must be a string whose length (in characters) lies in `min..=max`.
    pub fn length(
        &mut self,
        field: &str,
        value: Option<&str>,
        min: usize,
        max: usize,
    ) -> &mut Self {
        let n = value.map(|v| v.chars().count());
        match n {
            None => self.0.push(format!("{field} must be a string")),
            Some(n) if n < min => self.0.push(format!(
                "{field} must be longer than or equal to {min} characters"
            )),
            Some(n) if n > max => self.0.push(format!(
                "{field} must be shorter than or equal to {max} characters"
            )),
            _ => {}
        }
        self
    }

    /// `field` must be present and non-empty.
    pub fn required(&mut self, field: &str, value: Option<&str>) -> &mut Self {
        if value.map(str::trim).unwrap_or("").is_empty() {
            self.0.push(format!("{field} should not be empty"));
        }
        self
    }

    /// `field` must be one of `allowed`.
    pub fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) -> &mut Self {
        if !value.is_some_and(|v| allowed.contains(&v)) {
            self.0.push(format!(
                "{field} must be one of the following values: {}",
                allowed.join(", ")
            ));
        }
        self
    }

    /// Adds a message when `ok` is false.
    pub fn check(&mut self, ok: bool, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.0.push(message.into());
        }
        self
    }

    /// `Ok` when no check failed, else the validation error with every message.
    pub fn finish(&mut self) -> crate::Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Validation(std::mem::take(&mut self.0)))
        }
    }
}

/// Whether a record id from a path or body can name a stored record: 1 to 128 characters,
/// none of them a control character (a NUL cannot be stored in a key). Anything else is
/// answered as "not found" without touching the store.
pub fn is_plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && !id.chars().any(char::is_control)
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_email(v: &str) -> bool {
    let v = v.trim();
    if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_plausible_id("0b1c-22"));
        for bad in ["", "a\0b", "a\nb", &"x".repeat(129)] {
            assert!(!is_plausible_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.co"));
        assert!(is_email("first.last+tag@example.org"));
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b..c", "a@b.c.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn messages() {
        let err = Checks::new()
            .email("email", Some("x"))
            .length("password", Some("ab"), 3, 64)
            .finish()
            .unwrap_err();
        match err {
            crate::Error::Validation(m) => assert_eq!(
                m,
                vec![
                    "email must be an email",
                    "password must be longer than or equal to 3 characters"
                ]
            ),
            other => panic!("{other:?}"),
        }
    }
}
