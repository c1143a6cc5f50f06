//! Keeping secrets out of messages: a link's token (its path is its secret) and access tokens.

/// Meta quotes the `video_url` in some errors; a link's path is its secret, so only the
/// token's first 6 characters stay (`/m/AbCdEf…/video.mp4`). Access tokens (`IGAA…`,
/// `EAA…`) are cut the same way.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/m/") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let token_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
            .count();
        if token_len >= 20 && rest[token_len..].starts_with('/') {
            out.push_str(&rest[..6]);
            out.push('…');
            rest = &rest[token_len..];
        }
    }
    out.push_str(rest);
    redact_tokens(&out)
}

fn redact_tokens(text: &str) -> String {
    text.split_inclusive(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map(|part| {
            let word = part
                .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            if (word.starts_with("IGAA") || word.starts_with("EAA")) && word.len() > 40 {
                part.replacen(word, &format!("{}…", &word[..8]), 1)
            } else {
                part.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_survive_into_messages() {
        let token = format!("IGAA{}", "x".repeat(170));
        let text = redact(&format!("Invalid token {token}."));
        assert!(!text.contains(&token));
        assert!(text.contains("IGAAxxxx…"), "{text}");
    }

    #[test]
    fn link_tokens_are_cut_to_six_characters() {
        let text = redact(
            "from https://cast.example/m/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/video.mp4 and /m/tiktok.txt",
        );
        assert_eq!(
            text,
            "from https://cast.example/m/AbCdEf…/video.mp4 and /m/tiktok.txt"
        );
    }
}
