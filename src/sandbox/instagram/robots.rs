//! robots.txt as Meta's crawler reads it (RFC 9309): the group for `facebookexternalhit`, else
//! `*`; the longest matching rule wins, `Allow` on a tie; `*` and `$` in patterns.

pub const AGENT: &str = "facebookexternalhit";

/// Whether `path` may be fetched under these rules.
/// User agents, and their rules as (allow, pattern).
type Group = (Vec<String>, Vec<(bool, String)>);

pub fn allowed(robots: &str, path: &str) -> bool {
    let mut groups: Vec<Group> = Vec::new();
    let mut in_agents = false;
    for line in robots.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_string());
        match key.as_str() {
            "user-agent" => {
                if !in_agents {
                    groups.push((Vec::new(), Vec::new()));
                }
                in_agents = true;
                if let Some(g) = groups.last_mut() {
                    g.0.push(value.to_ascii_lowercase());
                }
            }
            "allow" | "disallow" => {
                in_agents = false;
                if let Some(g) = groups.last_mut()
                    && !value.is_empty()
                {
                    g.1.push((key == "allow", value));
                }
            }
            _ => {}
        }
    }
    let ours = groups
        .iter()
        .filter(|(agents, _)| agents.iter().any(|a| a == AGENT))
        .flat_map(|(_, rules)| rules.iter())
        .collect::<Vec<_>>();
    let rules = if ours.is_empty() {
        groups
            .iter()
            .filter(|(agents, _)| agents.iter().any(|a| a == "*"))
            .flat_map(|(_, rules)| rules.iter())
            .collect()
    } else {
        ours
    };
    let best = rules
        .iter()
        .filter(|(_, pattern)| matches(pattern, path))
        .max_by_key(|(allow, pattern)| (pattern.len(), *allow));
    best.is_none_or(|(allow, _)| *allow)
}

fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else {
            match path[pos..].find(part) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    !anchored || pos == path.len() || pattern.ends_with('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_own_robots_lets_media_links_through() {
        let robots = "User-agent: *\nAllow: /m/\nDisallow: /\n";
        assert!(allowed(robots, "/m/abc/video.mp4"));
        assert!(!allowed(robots, "/login"));
    }

    #[test]
    fn our_own_group_wins_over_star() {
        let robots = "User-agent: *\nAllow: /\n\nUser-agent: facebookexternalhit\nDisallow: /m/\n";
        assert!(!allowed(robots, "/m/abc/video.mp4"));
        let others = "User-agent: Googlebot\nDisallow: /\n";
        assert!(allowed(others, "/m/x"));
    }

    #[test]
    fn longest_match_and_wildcards() {
        let robots = "User-agent: *\nDisallow: /m/\nAllow: /m/*.mp4$\n";
        assert!(allowed(robots, "/m/t/video.mp4"));
        assert!(!allowed(robots, "/m/t/video.mp4x"));
        assert!(allowed("", "/anything"));
        assert!(
            allowed("User-agent: *\nDisallow:\n", "/m/x"),
            "an empty Disallow allows all"
        );
    }
}
