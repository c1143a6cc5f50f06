//! Which bytes a request for a link gets (RFC 9110 section 14, as contract section 11 narrows it):
//! the whole file, one range, or "unsatisfiable". Pure, so every edge is unit-tested.

/// What to send for a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200 with the whole file.
    Full { size: u64 },
    /// 206 with bytes `first..=last` of `size`.
    Partial { first: u64, last: u64, size: u64 },
    /// 416 with `Content-Range: bytes */size`.
    Unsatisfiable { size: u64 },
}

impl Answer {
    pub fn status(&self) -> u16 {
        match self {
            Self::Full { .. } => 200,
            Self::Partial { .. } => 206,
            Self::Unsatisfiable { .. } => 416,
        }
    }

    /// The bytes this answer's body carries (what `Content-Length` says).
    pub fn body_len(&self) -> u64 {
        match *self {
            Self::Full { size } => size,
            Self::Partial { first, last, .. } => last - first + 1,
            Self::Unsatisfiable { .. } => 0,
        }
    }

    /// Where the body starts in the file.
    pub fn offset(&self) -> u64 {
        match *self {
            Self::Partial { first, .. } => first,
            _ => 0,
        }
    }

    pub fn content_range(&self) -> Option<String> {
        match *self {
            Self::Full { .. } => None,
            Self::Partial { first, last, size } => Some(format!("bytes {first}-{last}/{size}")),
            Self::Unsatisfiable { size } => Some(format!("bytes */{size}")),
        }
    }
}

/// The answer to a request with this `Range` header (if any) and `If-Range` (if any), for a file
/// of `size` bytes whose strong ETag is `etag`.
///
/// - No `Range`, another unit, or a header that does not parse: the whole file (RFC 9110 says to
///   ignore a Range it cannot read).
/// - Several ranges: the whole file, as the contract asks (no multipart/byteranges).
/// - `If-Range` naming another version: the whole file.
pub fn answer(range: Option<&str>, if_range: Option<&str>, size: u64, etag: &str) -> Answer {
    let full = Answer::Full { size };
    let Some(range) = range else { return full };
    if if_range.is_some_and(|v| v.trim() != etag) {
        return full;
    }
    let Some(spec) = range
        .trim()
        .split_once('=')
        .filter(|(unit, _)| unit.trim().eq_ignore_ascii_case("bytes"))
        .map(|(_, spec)| spec.trim())
    else {
        return full;
    };
    if spec.contains(',') {
        return full;
    }
    match parse_spec(spec) {
        None => full,
        Some(spec) => resolve(spec, size),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `a-b` or `a-`.
    From { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

fn digits(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => digits(n).map(Spec::Suffix),
        (a, "") => digits(a).map(|first| Spec::From { first, last: None }),
        (a, b) => {
            let (first, last) = (digits(a)?, digits(b)?);
            // `5-3` is not a valid range-spec: ignore the header.
            (first <= last).then_some(Spec::From {
                first,
                last: Some(last),
            })
        }
    }
}

fn resolve(spec: Spec, size: u64) -> Answer {
    let unsatisfiable = Answer::Unsatisfiable { size };
    if size == 0 {
        return unsatisfiable;
    }
    match spec {
        Spec::From { first, .. } if first >= size => unsatisfiable,
        Spec::From { first, last } => Answer::Partial {
            first,
            last: last.map_or(size - 1, |l| l.min(size - 1)),
            size,
        },
        Spec::Suffix(0) => unsatisfiable,
        Spec::Suffix(n) => Answer::Partial {
            first: size.saturating_sub(n),
            last: size - 1,
            size,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";

    fn a(range: &str, size: u64) -> Answer {
        answer(Some(range), None, size, ETAG)
    }

    fn part(first: u64, last: u64, size: u64) -> Answer {
        Answer::Partial { first, last, size }
    }

    #[test]
    fn single_ranges_of_each_form() {
        assert_eq!(a("bytes=0-99", 1000), part(0, 99, 1000));
        assert_eq!(a("bytes=900-", 1000), part(900, 999, 1000));
        assert_eq!(a("bytes=-100", 1000), part(900, 999, 1000));
        assert_eq!(a("bytes=999-999", 1000), part(999, 999, 1000));
        assert_eq!(a("BYTES = 0 - 0", 1000), part(0, 0, 1000));
    }

    #[test]
    fn ranges_past_the_end_are_clipped_or_unsatisfiable() {
        assert_eq!(a("bytes=0-5000", 1000), part(0, 999, 1000));
        assert_eq!(a("bytes=-5000", 1000), part(0, 999, 1000));
        for r in ["bytes=1000-", "bytes=1000-1001", "bytes=-0"] {
            assert_eq!(a(r, 1000), Answer::Unsatisfiable { size: 1000 }, "{r}");
        }
        assert_eq!(a("bytes=0-0", 0), Answer::Unsatisfiable { size: 0 });
    }

    #[test]
    fn what_cannot_be_read_as_one_range_gets_the_whole_file() {
        let full = Answer::Full { size: 1000 };
        for r in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=abc",
            "bytes=5-3",
            "bytes=-",
            "bytes=+1-2",
            "bytes=1-2-3",
            "",
        ] {
            assert_eq!(a(r, 1000), full, "{r:?}");
        }
        assert_eq!(answer(None, None, 1000, ETAG), full);
    }

    #[test]
    fn if_range_for_another_version_gets_the_whole_file() {
        assert_eq!(
            answer(Some("bytes=0-9"), Some(ETAG), 100, ETAG),
            part(0, 9, 100)
        );
        assert_eq!(
            answer(Some("bytes=0-9"), Some("\"old\""), 100, ETAG),
            Answer::Full { size: 100 }
        );
    }

    #[test]
    fn headers_and_lengths_follow_the_answer() {
        let p = part(10, 19, 100);
        assert_eq!((p.status(), p.body_len(), p.offset()), (206, 10, 10));
        assert_eq!(p.content_range().as_deref(), Some("bytes 10-19/100"));
        let u = Answer::Unsatisfiable { size: 100 };
        assert_eq!((u.status(), u.body_len()), (416, 0));
        assert_eq!(u.content_range().as_deref(), Some("bytes */100"));
        let f = Answer::Full { size: 100 };
        assert_eq!(
            (f.status(), f.body_len(), f.content_range()),
            (200, 100, None)
        );
    }
}
