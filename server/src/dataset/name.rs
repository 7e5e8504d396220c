//! Names of datasets and of models uploaded from the Lab: what a person types to find one
//! again, checked before anything is stored.
//!
//! A name never becomes a path (blobs are addressed by their hash) and always reaches SQL as
//! a bound parameter, but it is shown on pages, in file names of downloads and in logs, so it
//! is held to letters, digits, spaces and `_ - . ( )`: no separators, no `..`, no quotes, no
//! markup, no control characters.

/// Longest name, in characters.
pub(crate) const NAME_MAX: usize = 100;

/// Why a name was refused; the message says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NameError {
    /// Empty or only spaces.
    #[error("the name is empty; give one with ?name=")]
    Empty,
    /// Too long.
    #[error("the name has {0} characters; at most {NAME_MAX} are allowed")]
    TooLong(usize),
    /// A character outside the allowed set.
    #[error(
        "the name may hold only letters, digits, spaces and _ - . ( ); {0:?} is not \
         allowed"
    )]
    Character(char),
    /// Starts with a dot, which would read as a hidden or relative name.
    #[error("the name may not start with '.'")]
    LeadingDot,
}

/// Checks `name` and returns it with surrounding spaces removed.
///
/// # Errors
///
/// A [`NameError`] saying what is wrong.
pub(crate) fn check(name: &str) -> Result<&str, NameError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }

    let length = name.chars().count();
    if length > NAME_MAX {
        return Err(NameError::TooLong(length));
    }
    if let Some(bad) = name.chars().find(|&character| !allowed(character)) {
        return Err(NameError::Character(bad));
    }
    if name.starts_with('.') {
        return Err(NameError::LeadingDot);
    }
    Ok(name)
}

/// A name derived from an uploaded file's name: its stem with every other character turned
/// into `_`, or `None` when nothing usable is left.
pub(crate) fn from_file_name(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let name: String = stem
        .chars()
        .take(NAME_MAX)
        .map(|character| if allowed(character) { character } else { '_' })
        .collect();
    let name = name.trim().trim_start_matches('.');

    let has_content = name.chars().any(char::is_alphanumeric);
    has_content.then(|| name.to_owned())
}

fn allowed(character: char) -> bool {
    character.is_alphanumeric() || matches!(character, ' ' | '_' | '-' | '.' | '(' | ')')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in [
            "sensors",
            "Sensor log (March)",
            "delivery_log-2026.v2",
            "Kühlung",
        ] {
            assert_eq!(check(name), Ok(name));
        }
        assert_eq!(check("  padded  "), Ok("padded"));
    }

    #[test]
    fn refuses_hostile_names() {
        assert_eq!(check("../etc/passwd"), Err(NameError::Character('/')));
        assert_eq!(check("a\\b"), Err(NameError::Character('\\')));
        assert_eq!(check(".."), Err(NameError::LeadingDot));
        assert_eq!(
            check("x'; DROP TABLE datasets; --"),
            Err(NameError::Character('\''))
        );
        assert_eq!(check("<script>"), Err(NameError::Character('<')));
        assert_eq!(check("tab\there"), Err(NameError::Character('\t')));
        assert_eq!(check(&"a".repeat(5000)), Err(NameError::TooLong(5000)));
        assert_eq!(check("   "), Err(NameError::Empty));
    }

    #[test]
    fn derives_names_from_file_names() {
        assert_eq!(from_file_name("sensors.csv").as_deref(), Some("sensors"));
        assert_eq!(
            from_file_name("C:\\data\\March \"log\".jsonl").as_deref(),
            Some("March _log_")
        );
        assert_eq!(from_file_name("../../.csv"), None);
        assert_eq!(from_file_name("..hidden.csv").as_deref(), Some("hidden"));
    }
}
