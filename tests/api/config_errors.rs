//! A bad setting stops `cast` before it listens, with one line that says what to fix.

use crate::helpers::run_cast;

#[test]
fn each_bad_setting_gives_one_line_naming_it() {
    let cases: &[(&str, &str)] = &[
        ("LISTEN", "not-an-address"),
        ("BASE_URL", "example.com"),
        ("SECRET_KEY", "tooshort"),
        ("TIKTOK_CLIENT_KEY", "only-the-key"),
        ("TIKTOK_CHUNK_SIZE", "100"),
        ("CAST_SANDBOX_FAULTS", "init:429"),
        ("CAST_SANDBOX_MAX_DURATION_SEC", "forever"),
        ("TIKTOK_LOOKUP_POST_IDS", "yes"),
        ("CAST_SANDBOX_PKCE", "off"),
        ("CAST_SANDBOX_POST_ID_FORM", "float"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "later"),
        ("CAST_SANDBOX_CHUNK_REPLY", "418"),
        ("CAST_SANDBOX_OAUTH_ERROR_STATUS", "500"),
        ("CAST_SANDBOX_TOKEN_TYPE", "sometimes"),
        ("CAST_SANDBOX_REFRESH_TTL", "0"),
        ("CAST_SANDBOX_ACCOUNT_PRIVATE", "yes"),
        ("CAST_SANDBOX_INBOX_DOWNGRADE", "yes"),
        ("CAST_SANDBOX_REFUSE_MULTI_CHUNK", "yes"),
        ("CAST_SANDBOX_FAULTS", "video_list:503:a while"),
    ];
    for (name, value) in cases {
        let dir = tempfile::tempdir().expect("dir");
        let out = run_cast(dir.path(), &["serve"], None, &[(name, value)]);
        assert!(!out.status.success(), "{name}={value} should stop start-up");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}: {stderr}");
        let expected = if *name == "TIKTOK_CLIENT_KEY" {
            "TIKTOK_CLIENT_SECRET"
        } else {
            name
        };
        assert!(lines[0].contains(expected), "{name}: {stderr}");
        assert!(lines[0].contains("for example"), "{name}: {stderr}");
    }
}

#[test]
fn help_lists_every_command() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run_cast(dir.path(), &["--help"], None, &[]);
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "set-password", "token", "doctor"] {
        assert!(help.contains(cmd), "{help}");
    }
}
