//! The sandbox's ids and secrets, shaped like Meta's (contract section 14). Every id is above
//! 2^53, so a client that reads ids through a float is caught.

use crate::crypto::random_token;

fn digits(n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rand::random_range(0..10u8)))
        .collect()
}

/// `17841` and 12 digits: the professional account's id.
pub fn user_id() -> String {
    format!("17841{}", digits(12))
}

/// A different 17-digit number starting with 2: the app-scoped id.
pub fn app_scoped_id() -> String {
    format!("2{}", digits(16))
}

/// Containers and media: 17-digit numbers, as recorded (`17874543768429190`, `18068450030017032`).
pub fn container_id() -> String {
    format!("178{}", digits(14))
}

pub fn media_id() -> String {
    format!("180{}", digits(14))
}

/// A permalink's shortcode, like `DPzVvaBDZvQ`.
pub fn shortcode() -> String {
    format!("D{}", &random_token(8)[..10])
}

/// `IGAA` and about 176 more characters.
pub fn token() -> String {
    let mut t = String::from("IGAA");
    while t.len() < 180 {
        t.push_str(&random_token(48));
    }
    t.retain(|c| c.is_ascii_alphanumeric());
    t.truncate(180);
    t
}

pub fn code() -> String {
    random_token(96).replace(['-', '_'], "A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_metas_and_exceed_two_to_the_53() {
        let limit = 1u64 << 53;
        for id in [user_id(), app_scoped_id(), container_id(), media_id()] {
            assert_eq!(id.len(), 17, "{id}");
            assert!(id.parse::<u64>().expect("digits") > limit, "{id}");
        }
        assert!(user_id().starts_with("17841"));
        assert!(app_scoped_id().starts_with('2'));
        let t = token();
        assert!(
            t.starts_with("IGAA") && t.len() == 180 && t.chars().all(|c| c.is_ascii_alphanumeric())
        );
        assert_eq!(shortcode().len(), 11);
    }
}
