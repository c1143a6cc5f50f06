//! One thing wrong with a request, with a stable `code` for scripts and a `message` that says
//! what to do. Which target it is about (its index in the request) is the API's to add.

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
