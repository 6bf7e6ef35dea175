//! The attempt limits of accounts, counted with [`postiz_storage::throttle`].

use postiz_storage::throttle::Limit;

/// Failed logins of one account: ten in a row lock it for the rest of the 15-minute window
/// (a success clears the count).
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit = Limit {
    scope: "login-account",
    max: 10,
    window_secs: 15 * 60,
    message: "Too many failed login attempts for this account, please try again later",
};

/// Failed logins from one address, whatever the account (password spraying).
pub const LOGIN_FAILURES_PER_ADDRESS: Limit = Limit {
    scope: "login-address",
    max: 50,
    window_secs: 15 * 60,
    message: "Too many failed login attempts, please try again later",
};

/// Password-reset emails asked for one account per hour.
pub const RESETS_PER_ACCOUNT: Limit = Limit {
    scope: "reset-account",
    max: 5,
    window_secs: 3600,
    message: "Too many password reset requests, please try again later",
};

/// Password-reset requests from one address per hour.
pub const RESETS_PER_ADDRESS: Limit = Limit {
    scope: "reset-address",
    max: 20,
    window_secs: 3600,
    message: "Too many password reset requests, please try again later",
};
