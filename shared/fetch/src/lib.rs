//! SSRF-guarded fetching of user-supplied URLs.
