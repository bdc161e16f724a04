//! What the grammar says about single words: which are names and which are
//! its keywords. For the checker (a rename must give a name that parses
//! as one) and the formatter (a custom event type is written unquoted only
//! when it is a name); the grammar stays the one place that knows.

/// A name the grammar accepts: ASCII letters, digits and `_`, not starting
/// with a digit.
pub fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every word the grammar spells out (its `kw_…` rules and reserved
/// words), read from the grammar itself so the list cannot drift.
pub fn is_keyword(word: &str) -> bool {
    static KEYWORDS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    KEYWORDS
        .get_or_init(|| {
            let grammar = include_str!("../../grammar/nurture.pest");
            let mut words = std::collections::HashSet::new();
            let mut in_reserved = false;
            for line in grammar.lines() {
                let line = line.trim_start();
                if line.starts_with("reserved") {
                    in_reserved = true;
                }
                if in_reserved || line.starts_with("kw_") {
                    words.extend(line.split('"').skip(1).step_by(2).filter(|w| is_name(w)));
                }
                if in_reserved && line.starts_with('}') {
                    in_reserved = false;
                }
            }
            words
        })
        .contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_come_from_the_grammar() {
        for word in [
            "and", "segment", "email", "add", "points", "stage", "exactly",
        ] {
            assert!(is_keyword(word), "{word}");
        }
        for word in ["Lead", "budget", "welcome", "rich"] {
            assert!(!is_keyword(word), "{word}");
        }
    }

    #[test]
    fn names_are_ascii_words() {
        assert!(is_name("_a1"));
        assert!(!is_name("1a"));
        assert!(!is_name(""));
        assert!(!is_name("a-b"));
        assert!(!is_name("é"));
    }
}
