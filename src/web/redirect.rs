//! Where a `next=` parameter may send the owner after logging in: somewhere on Cast, or home.

use url::Url;

const MAX_LEN: usize = 2048;

/// `next` resolved against `BASE_URL` and kept only if it stays on Cast's origin. Browsers drop
/// tabs and newlines and read `\` as `/` (so `/%09/evil.com` is `//evil.com`), and a control
/// character cannot go into a Location header at all: any of those, or another origin, is `/`.
pub fn safe_next(base: &Url, next: Option<&str>) -> String {
    let home = || "/".to_string();
    let Some(next) = next else {
        return home();
    };
    let plain = next.len() <= MAX_LEN
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if !plain {
        return home();
    }
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() => url[url::Position::BeforePath..].to_string(),
        _ => home(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(n: &str) -> String {
        let base = Url::parse("https://cast.example.com").expect("url");
        safe_next(&base, Some(n))
    }

    #[test]
    fn paths_on_cast_are_kept() {
        assert_eq!(next("/history?before=abc"), "/history?before=abc");
        assert_eq!(next("/uploads/x1#top"), "/uploads/x1#top");
        assert_eq!(next("/a/../history"), "/history");
    }

    #[test]
    fn anything_that_could_leave_cast_goes_home() {
        for bad in [
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r\n/evil.com",
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com/",
            "http://cast.example.com/",
            "evil.com",
            "",
            "/\u{0}",
            "/\u{7f}x",
        ] {
            assert_eq!(next(bad), "/", "{bad:?}");
        }
        let base = Url::parse("https://cast.example.com").expect("url");
        assert_eq!(safe_next(&base, None), "/");
        assert_eq!(
            safe_next(&base, Some(&format!("/{}", "a".repeat(3000)))),
            "/"
        );
    }

    #[test]
    fn a_base_url_with_a_path_still_keeps_the_owner_on_cast() {
        let base = Url::parse("https://example.com/cast/").expect("url");
        assert_eq!(safe_next(&base, Some("/history")), "/history");
    }
}
