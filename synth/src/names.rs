//! Fixed word lists and the naming conventions orrery and its generated code share.
//!
//! Servlet and library names come from disjoint word lists and always end in digits, so no
//! servlet, `<servlet>_api` crate, library or service can share a name, and no name is a Rust
//! keyword or a YAML boolean (`on`, `no`, `y`).

pub const TEAMS: &[&str] = &[
    "web", "files", "growth", "platform", "payments", "search", "infra", "mobile",
];

/// The external service every repository declares in orrery.yaml.
pub const SERVICE: &str = "ledger";

pub const SERVLET_WORDS: &[&str] = &[
    "billing", "inbox", "feed", "profile", "notify", "upload", "preview", "thumbs", "comments",
    "session", "invoice", "catalog", "cart", "checkout", "orders", "shipping", "reviews",
    "ranking", "adverts", "audit", "export", "backup", "sync", "devices", "contacts", "calendar",
    "photos", "albums", "quota", "signup", "referral", "coupons", "pricing", "support", "tickets",
    "alerts", "reports", "insights", "sharing", "folders",
];

pub const LIB_WORDS: &[&str] = &[
    "strings",
    "retry",
    "codec",
    "layout",
    "bitset",
    "clock",
    "tracing_kit",
    "ratelimit",
    "bloom",
    "lru",
    "cursor",
    "paging",
    "crypto_kit",
    "base32",
    "intervals",
    "ledger_math",
    "units",
    "geo",
    "locale",
    "templating",
    "markdown",
    "sanitize",
    "backoff",
    "shard_map",
    "hashing",
    "flags",
    "quantile",
    "histogram",
    "tokens",
    "slugs",
];

/// Library directories: a library lives directly under libs/ or one level deeper.
pub const LIB_AREAS: &[&str] = &["", "platform", "web", "data"];

/// (verb, what it does in a doc comment, bound to POST rather than GET) for RPC names:
/// `GetInvoice`, `ArchiveInvoice`.
pub const RPC_VERBS: &[(&str, &str, bool)] = &[
    ("Get", "returns", false),
    ("List", "lists the entries of", false),
    ("Search", "searches within", false),
    ("Count", "counts the entries of", false),
    ("Preview", "previews", false),
    ("Create", "creates", true),
    ("Update", "updates", true),
    ("Archive", "archives", true),
    ("Refresh", "refreshes", true),
    ("Validate", "validates", true),
];

pub const RPC_NOUNS: &[&str] = &[
    "Invoice", "Account", "Report", "Widget", "Ticket", "Message", "Device", "Folder", "Policy",
    "Session", "Export", "Payment", "Review", "Channel", "Summary", "Schedule",
];

pub const MODULE_WORDS: &[&str] = &[
    "store", "codec", "policy", "metrics", "routing", "render", "validate", "cache", "retry",
    "schedule", "index", "limits", "audit", "config", "errors", "batch", "snapshot", "stats",
    "pipeline", "registry",
];

pub const ADJECTIVES: &[&str] = &[
    "Cached", "Pending", "Shared", "Sorted", "Bounded", "Merged", "Remote", "Local", "Signed",
    "Frozen", "Weighted", "Partial", "Staged", "Indexed", "Batched", "Verified",
];

pub const NOUNS: &[&str] = &[
    "Entry", "Batch", "Window", "Bucket", "Cursor", "Plan", "Frame", "Slot", "Ledger", "Digest",
    "Token", "Span", "Lease", "Quota", "Segment", "Snapshot", "Budget", "Marker",
];

pub const FIELDS: &[&str] = &[
    "name",
    "owner_id",
    "created_at",
    "updated_at",
    "retries",
    "weight",
    "labels",
    "region",
    "shard",
    "capacity",
    "deadline_ms",
    "checksum",
    "parent",
    "revision",
    "priority",
    "tags",
];

pub const DESCRIPTIONS: &[&str] = &[
    "Keeps the canonical state and answers the website's reads",
    "Batches writes and replays them after a failure",
    "Serves the mobile clients with compact responses",
    "Aggregates per-account counters for dashboards",
    "Validates user input before it reaches the stores",
    "Fans requests out to the services it depends on",
    "Renders previews and caches them by content hash",
    "Tracks quotas and refuses work over the limit",
];

/// `billing_0001` → `Billing0001`, as orrery's generated client names are built
/// (`Billing0001Client`).
pub fn camel(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// `GetInvoice` → `get_invoice`, as tonic names the handler of an RPC (words only, no digits).
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The path from directory `from` to directory `to`, both repository-relative.
pub fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').collect();
    let to: Vec<&str> = to.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        assert_eq!(camel("billing_0001"), "Billing0001");
        assert_eq!(camel("tracing_kit_012"), "TracingKit012");
        assert_eq!(snake("GetInvoice"), "get_invoice");
        assert_eq!(relative("libs/web/a", "libs/b"), "../../b");
        assert_eq!(relative("servlets/x", "servlets/y/api"), "../y/api");
        assert_eq!(relative("libs/a", "servlets/s"), "../../servlets/s");
    }
}
