//! `/saved-views`: an administrator's named views of the log, kept by the
//! server so they follow them from browser to browser.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{LogQuery, Problem, QueryKind};

/// Longest name of a saved view, in characters.
pub const MAX_VIEW_NAME_CHARS: usize = 80;
/// Views one administrator may keep: a menu, not an archive.
pub const MAX_SAVED_VIEWS: usize = 100;
/// Longest query string a view may keep.
pub const MAX_VIEW_QUERY_CHARS: usize = 2048;

/// One saved view: a name and the query string of the view (as the app's
/// address bar carries it: a relative range stays relative).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub query: String,
    #[serde(with = "crate::wire_time")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSavedViewRequest {
    pub name: String,
    pub query: String,
}

impl CreateSavedViewRequest {
    /// The name trimmed and the query as the view's first page (no cursor),
    /// printed the way the app prints it; or every problem with them.
    pub fn checked(&self) -> Result<(String, String), Vec<Problem>> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(Problem::new("name", "is empty: name the view"));
        } else if name.chars().count() > MAX_VIEW_NAME_CHARS {
            problems.push(Problem::new("name", format!("must be at most {MAX_VIEW_NAME_CHARS} characters")));
        } else if name.chars().any(char::is_control) {
            problems.push(Problem::new("name", "must not contain control characters"));
        }
        let query = if self.query.chars().count() > MAX_VIEW_QUERY_CHARS {
            problems.push(Problem::new("query", format!("must be at most {MAX_VIEW_QUERY_CHARS} characters")));
            None
        } else {
            match LogQuery::parse(self.query.trim_start_matches('?'), QueryKind::Page) {
                Ok(mut query) => {
                    query.cursor = None;
                    Some(query.to_query_string(QueryKind::Page))
                }
                Err(found) => {
                    problems
                        .extend(found.into_iter().map(|p| Problem::new("query", format!("{} {}", p.field, p.message))));
                    None
                }
            }
        };
        match query {
            Some(query) if problems.is_empty() => Ok((name.to_owned(), query)),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, query: &str) -> CreateSavedViewRequest {
        CreateSavedViewRequest { name: name.into(), query: query.into() }
    }

    #[test]
    fn a_view_keeps_its_filters_from_the_first_page() {
        let checked = request("  Token churn ", "?from=now-7d&actions=ISSUE_TOKEN,REVOKE_TOKEN&limit=100&cursor=abc");
        assert_eq!(
            checked.checked(),
            Ok(("Token churn".into(), "from=now-7d&actions=ISSUE_TOKEN%2CREVOKE_TOKEN&limit=100".into()))
        );
        assert_eq!(request("Everything", "").checked(), Ok(("Everything".into(), String::new())));
    }

    #[test]
    fn bad_names_and_queries_are_refused_naming_the_field() {
        let fields = |r: CreateSavedViewRequest| -> Vec<String> {
            r.checked().unwrap_err().into_iter().map(|p| p.field).collect()
        };
        assert_eq!(fields(request(" ", "")), ["name"]);
        assert_eq!(fields(request(&"x".repeat(MAX_VIEW_NAME_CHARS + 1), "")), ["name"]);
        assert_eq!(fields(request("a\u{7}b", "")), ["name"]);
        assert_eq!(fields(request("ok", "from=2016-07-01&to=2016-06-01")), ["query"]);
        assert_eq!(fields(request("ok", "actions=NOPE")), ["query"]);
        assert_eq!(fields(request("", &"a".repeat(MAX_VIEW_QUERY_CHARS + 1))), ["name", "query"]);
        assert!(request(&"x".repeat(MAX_VIEW_NAME_CHARS), "").checked().is_ok());
    }
}
