//! Sizes and timestamps in words.

/// `1536` → `1.5 KB`; whole bytes below one kilobyte.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// How long before `now` the moment `then` was, both in Unix seconds: `just now`, `5 min ago`,
/// `3 h ago`, `2 days ago`.
pub fn time_ago(then: u64, now: u64) -> String {
    let secs = now.saturating_sub(then);
    match secs {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} min ago", secs / 60),
        3_600..86_400 => format!("{} h ago", secs / 3_600),
        86_400..172_800 => "yesterday".to_owned(),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MB");
    }

    #[test]
    fn ages() {
        assert_eq!(time_ago(100, 130), "just now");
        assert_eq!(time_ago(0, 600), "10 min ago");
        assert_eq!(time_ago(0, 7_200), "2 h ago");
        assert_eq!(time_ago(0, 90_000), "yesterday");
        assert_eq!(time_ago(0, 3 * 86_400), "3 days ago");
        assert_eq!(time_ago(500, 100), "just now");
    }
}
