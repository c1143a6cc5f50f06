//! One line of `cast doctor`'s report: how serious it is, and what it says.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

pub struct Check {
    pub level: Level,
    pub text: String,
}

pub fn ok(text: impl Into<String>) -> Check {
    Check {
        level: Level::Ok,
        text: text.into(),
    }
}

pub fn warn(text: impl Into<String>) -> Check {
    Check {
        level: Level::Warn,
        text: text.into(),
    }
}

pub fn fail(text: impl Into<String>) -> Check {
    Check {
        level: Level::Fail,
        text: text.into(),
    }
}
