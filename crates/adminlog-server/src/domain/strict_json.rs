//! Refusing JSON that repeats a key in an object.
//!
//! RFC 8259 leaves the meaning of `{"action":"LOG_IN","action":"DELETE_USER"}`
//! open: some parsers keep the first value, serde_json keeps the last. A
//! gateway that checks one and adminlog that stores the other would read one
//! event two ways, so every body is walked once, before it is deserialised,
//! and any object that names a key twice is refused.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// How deeply arrays and objects may nest. No endpoint takes more than three
/// levels; the bound is below serde_json's own (128), so it is this one that
/// applies, reported as such, and the walk's recursion stays shallow.
pub const MAX_DEPTH: usize = 64;

/// Why a body was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrictJsonError {
    /// An object names `key` twice; `path` is where that object sits in the
    /// document (`events[0]`), empty for the top level.
    DuplicateKey { key: String, path: String },
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Not JSON at all; the caller's own parse explains it better.
    Syntax(String),
}

impl fmt::Display for StrictJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrictJsonError::DuplicateKey { key, path } if path.is_empty() => {
                write!(f, "the body repeats the key `{key}` at the top level: send each key once")
            }
            StrictJsonError::DuplicateKey { key, path } => {
                write!(f, "the body repeats the key `{key}` in {path}: send each key once")
            }
            StrictJsonError::TooDeep => {
                write!(f, "the body nests arrays and objects more than {MAX_DEPTH} levels deep")
            }
            StrictJsonError::Syntax(error) => write!(f, "the body is not valid JSON: {error}"),
        }
    }
}

/// Checks that no object in the JSON document `body` repeats a key, at any
/// depth. Keys are compared after unescaping, so `"a"` and `"\u0061"` are
/// the same key. Objects are checked independently: siblings may share keys.
pub fn check_unique_keys(body: &[u8]) -> Result<(), StrictJsonError> {
    let mut walk = Walk { path: Vec::new(), found: None };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let outcome = Node { walk: &mut walk, depth: 0 }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
    match (walk.found, outcome) {
        (Some(found), _) => Err(found),
        (None, Ok(())) => Ok(()),
        (None, Err(error)) => Err(StrictJsonError::Syntax(error.to_string())),
    }
}

/// One step from an enclosing value to the current one.
enum Step {
    Key(String),
    Index(usize),
}

/// The state of one walk: where it is, and what stopped it.
struct Walk {
    path: Vec<Step>,
    found: Option<StrictJsonError>,
}

impl Walk {
    /// Records why the walk stops and returns the error that unwinds it.
    fn stop<E: de::Error>(&mut self, reason: StrictJsonError) -> E {
        let message = reason.to_string();
        self.found = Some(reason);
        E::custom(message)
    }

    /// `events[0].detail["odd key"]`.
    fn rendered_path(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Index(index) => out.push_str(&format!("[{index}]")),
                Step::Key(key) if is_plain_name(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Step::Key(key) => {
                    out.push('[');
                    out.push_str(&serde_json::to_string(key).unwrap_or_default());
                    out.push(']');
                }
            }
        }
        out
    }
}

fn is_plain_name(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value at `depth` (the number of arrays and objects around it).
struct Node<'w> {
    walk: &'w mut Walk,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(self.walk.stop(StrictJsonError::TooDeep));
        }
        let mut index = 0;
        loop {
            self.walk.path.push(Step::Index(index));
            let item = items.next_element_seed(Node { walk: &mut *self.walk, depth })?;
            self.walk.path.pop();
            if item.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(self.walk.stop(StrictJsonError::TooDeep));
        }
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = entries.next_key::<String>()? {
            if seen.contains(&key) {
                let path = self.walk.rendered_path();
                return Err(self.walk.stop(StrictJsonError::DuplicateKey { key, path }));
            }
            self.walk.path.push(Step::Key(key.clone()));
            entries.next_value_seed(Node { walk: &mut *self.walk, depth })?;
            self.walk.path.pop();
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(body: &str) -> Option<(String, String)> {
        match check_unique_keys(body.as_bytes()) {
            Err(StrictJsonError::DuplicateKey { key, path }) => Some((key, path)),
            Ok(()) => None,
            Err(other) => panic!("{body}: {other:?}"),
        }
    }

    fn found(key: &str, path: &str) -> Option<(String, String)> {
        Some((key.to_owned(), path.to_owned()))
    }

    #[test]
    fn unique_keys_pass() {
        for body in [
            "{}",
            "[]",
            "null",
            "1.5e3",
            "\"text\"",
            r#"{"events":[{"action":"LOG_IN","admin_email":"a@x.io"}]}"#,
            r#"{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]},"c":[1,-2,3.5,true,false,null,"a"]}"#,
        ] {
            assert_eq!(check_unique_keys(body.as_bytes()), Ok(()), "{body}");
        }
    }

    #[test]
    fn a_repeated_top_level_key_is_found() {
        assert_eq!(duplicate(r#"{"email":"a@x.io","password":"x","email":"b@x.io"}"#), found("email", ""));
        let message = check_unique_keys(br#"{"events":[],"events":[]}"#).unwrap_err().to_string();
        assert_eq!(message, "the body repeats the key `events` at the top level: send each key once");
    }

    #[test]
    fn a_repeated_key_inside_arrays_is_found_with_its_path() {
        let body = r#"{"events":[{"action":"LOG_IN"},{"action":"LOG_IN","action":"DELETE_USER"}]}"#;
        assert_eq!(duplicate(body), found("action", "events[1]"));
        let message = check_unique_keys(body.as_bytes()).unwrap_err().to_string();
        assert_eq!(message, "the body repeats the key `action` in events[1]: send each key once");
        assert_eq!(duplicate(r#"[[{"a":{"b":[0,{"c":1,"c":2}]}}]]"#), found("c", "[0][0].a.b[1]"));
        assert_eq!(duplicate(r#"{"odd key":{"x-y":{"k":1,"k":1}}}"#), found("k", r#"["odd key"]["x-y"]"#));
    }

    #[test]
    fn escaped_spellings_of_one_key_are_the_same_key() {
        assert_eq!(duplicate(r#"{"a":1,"\u0061":2}"#), found("a", ""));
        assert_eq!(
            duplicate(r#"{"events":[{"action":"LOG_IN","\u0061ction":"DELETE_USER"}]}"#),
            found("action", "events[0]")
        );
        assert_eq!(duplicate(r#"{"\/":1,"/":2}"#), found("/", ""));
        assert_eq!(duplicate(r#"{"\ud83d\ude00":1,"😀":2}"#), found("😀", ""));
        // Different keys stay different, however close.
        assert_eq!(duplicate(r#"{"a":1,"A":2,"a ":3,"\u00e1":4,"a\u0301":5}"#), None);
    }

    #[test]
    fn the_same_key_in_sibling_or_nested_objects_is_no_repetition() {
        assert_eq!(duplicate(r#"{"events":[{"action":"LOG_IN"},{"action":"DELETE_USER"}]}"#), None);
        assert_eq!(duplicate(r#"{"a":{"a":{"a":1}},"b":{"a":2}}"#), None);
        assert_eq!(duplicate(r#"[{"k":1},{"k":2},{"k":3}]"#), None);
    }

    #[test]
    fn nesting_is_bounded_without_exhausting_the_stack() {
        let arrays = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = |depth: usize| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        assert_eq!(check_unique_keys(arrays(MAX_DEPTH).as_bytes()), Ok(()));
        assert_eq!(check_unique_keys(objects(MAX_DEPTH).as_bytes()), Ok(()));
        assert_eq!(check_unique_keys(arrays(MAX_DEPTH + 1).as_bytes()), Err(StrictJsonError::TooDeep));
        assert_eq!(check_unique_keys(objects(MAX_DEPTH + 1).as_bytes()), Err(StrictJsonError::TooDeep));
        // Far deeper, closed or not, on a thread with a small stack: refused
        // at the bound, never a stack overflow.
        let deep = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                [
                    check_unique_keys("[".repeat(1_000_000).as_bytes()),
                    check_unique_keys(arrays(100_000).as_bytes()),
                    check_unique_keys(r#"{"a":"#.repeat(100_000).as_bytes()),
                    check_unique_keys(r#"[{"a":"#.repeat(50_000).as_bytes()),
                ]
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert!(deep.iter().all(|outcome| *outcome == Err(StrictJsonError::TooDeep)), "{deep:?}");
    }

    #[test]
    fn what_is_not_json_is_a_syntax_error() {
        for body in ["", "{", r#"{"a":1,}"#, "[1] [2]", r#"{"a" 1}"#, "\u{feff}{}"] {
            assert!(matches!(check_unique_keys(body.as_bytes()), Err(StrictJsonError::Syntax(_))), "{body:?}");
        }
    }
}
