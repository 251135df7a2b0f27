//! "did you mean" suggestions for misspelled names.

/// The candidate closest to `wrong`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(wrong, candidate), candidate))
        .filter(|&(distance, candidate)| distance > 0 && distance <= typo_budget(wrong, candidate))
        .min()
        .map(|(_, candidate)| candidate)
}

/// One edit per three characters, at least one: `ownr` → `owner`, but not `web` → `files`.
fn typo_budget(wrong: &str, candidate: &str) -> usize {
    (wrong.chars().count().max(candidate.chars().count()) / 3).max(1)
}

/// ", did you mean `x`?" or nothing; appended to a message.
pub fn hint<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(wrong, candidates)
        .map(|near| format!("; did you mean `{near}`?"))
        .unwrap_or_default()
}

/// `` `a`, `b`, `c` ``: names listed in a message.
pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_near_names_only() {
        let keys = ["name", "owner", "visibility", "calls"];
        assert_eq!(did_you_mean("ownr", keys), Some("owner"));
        assert_eq!(did_you_mean("visiblity", keys), Some("visibility"));
        assert_eq!(did_you_mean("tier", keys), None);
        assert_eq!(did_you_mean("owner", keys), None);
    }
}
