//! The one error shape the front end sees: `till_api::ErrorView`, `{code, message,
//! details}`. The code is the register's (the same the CLI prints), so the screen can react
//! to `permission` (ask for a manager), `sign_in`, `underpaid`…; the details carry the
//! refusal's data for a screen that says it in its own language.

pub use till_api::ErrorView as AppError;
