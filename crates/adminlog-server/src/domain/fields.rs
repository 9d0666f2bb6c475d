//! Checks on the strings people and clients send us.

use adminlog_types::Problem;

pub const MAX_EMAIL_CHARS: usize = 320;
pub const MAX_NAME_CHARS: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A free-text field: bounded and free of control characters.
pub fn check_text(field: &str, value: &str, max_chars: usize, problems: &mut Vec<Problem>) {
    if value.chars().count() > max_chars {
        problems.push(Problem::new(field, format!("must be at most {max_chars} characters")));
    }
    if value.chars().any(char::is_control) {
        problems.push(Problem::new(field, "must not contain control characters"));
    }
}

/// An email address, when one is given (`required` says whether empty is allowed).
pub fn check_email(field: &str, value: &str, required: bool, problems: &mut Vec<Problem>) {
    if value.is_empty() {
        if required {
            problems.push(Problem::new(field, "is required"));
        }
        return;
    }
    check_text(field, value, MAX_EMAIL_CHARS, problems);
    let well_formed = match value.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if !well_formed || value.chars().any(char::is_whitespace) {
        problems.push(Problem::new(field, format!("`{value}` is not an email address (name@example.com)")));
    }
}

/// The form in which two email addresses are compared: NFKC, then lower
/// case, then NFKC again (lower-casing can produce characters that compose).
/// `\u{212A}ate@x.io` (a Kelvin sign) and `Kate@x.io` are the same address.
pub fn email_key(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lowered: String = email.nfkc().collect::<String>().to_lowercase();
    lowered.nfkc().collect()
}

/// A required display name.
pub fn check_name(field: &str, value: &str, problems: &mut Vec<Problem>) {
    if value.trim().is_empty() {
        problems.push(Problem::new(field, "is required"));
    }
    check_text(field, value, MAX_NAME_CHARS, problems);
}

pub fn check_password(value: &str, problems: &mut Vec<Problem>) {
    let chars = value.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        problems.push(Problem::new(
            "password",
            format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long"),
        ));
    }
}

/// Problems, or nothing.
pub fn into_result(problems: Vec<Problem>) -> Result<(), Vec<Problem>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_keys_fold_case_and_compatibility_forms() {
        assert_eq!(email_key("\u{212A}ate@Acme.example"), "kate@acme.example");
        assert_eq!(email_key("KATE@ACME.EXAMPLE"), "kate@acme.example");
        // Full-width letters are the same address too.
        assert_eq!(email_key("\u{FF4B}ate@acme.example"), "kate@acme.example");
        assert_ne!(email_key("kate@acme.example"), email_key("kat@acme.example"));
    }

    fn email_problems(value: &str, required: bool) -> usize {
        let mut problems = Vec::new();
        check_email("email", value, required, &mut problems);
        problems.len()
    }

    #[test]
    fn emails() {
        assert_eq!(email_problems("ann@example.com", true), 0);
        assert_eq!(email_problems("", false), 0);
        assert_eq!(email_problems("", true), 1);
        for bad in ["ann", "@example.com", "ann@", "a b@example.com", "a@b@c"] {
            assert_eq!(email_problems(bad, true), 1, "{bad}");
        }
    }

    #[test]
    fn text_bounds_and_control_characters() {
        let mut problems = Vec::new();
        check_text("user_name", &"x".repeat(257), MAX_NAME_CHARS, &mut problems);
        check_text("user_name", "bell\u{7}", MAX_NAME_CHARS, &mut problems);
        check_text("user_name", "Zoë O'Brien", MAX_NAME_CHARS, &mut problems);
        assert_eq!(problems.len(), 2);
    }
}
