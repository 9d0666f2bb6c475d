//! Turning what a client sends into events fit to store.

use adminlog_types::{Action, NewEvent, Problem, Source};
use time::{Duration, OffsetDateTime};

use super::fields::{check_email, check_text, MAX_NAME_CHARS};
use super::recorder::Recorder;

pub const MAX_BATCH_EVENTS: usize = 1000;
pub const MAX_EVENT_ID_CHARS: usize = 128;
/// How far ahead of the server's clock a timestamp may be: clocks drift, but
/// an event from next week is a bug in the sender.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// An event that passed validation, ready for storage. Empty strings mean
/// "not given".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventDraft {
    pub client_event_id: Option<String>,
    pub timestamp: OffsetDateTime,
    pub action: Action,
    pub source: Source,
    pub admin_email: String,
    pub user_email: String,
    pub user_name: String,
    pub domain_name: String,
    /// Who is storing it: the server's record, not the sender's claim.
    pub recorder: Recorder,
    /// Whether the sender gave the timestamp (a retry without one gets a
    /// new time of receipt, so it is not compared with the stored event).
    pub timestamp_given: bool,
}

impl EventDraft {
    /// An event the service records about its own management actions.
    pub fn now(action: Action, actor_email: &str, source: Source) -> EventDraft {
        EventDraft {
            client_event_id: None,
            timestamp: OffsetDateTime::now_utc(),
            action,
            source,
            admin_email: actor_email.to_owned(),
            user_email: String::new(),
            user_name: String::new(),
            domain_name: String::new(),
            recorder: Recorder::Server,
            timestamp_given: true,
        }
    }

    /// Whether `self`, re-sent with a stored event's `event_id`, says the
    /// same as that stored event (its time only when the sender gave one).
    pub fn same_content(&self, stored: &EventDraft) -> bool {
        // Stored times keep whole microseconds.
        let micros = |at: OffsetDateTime| at.unix_timestamp_nanos().div_euclid(1_000);
        (!self.timestamp_given || micros(self.timestamp) == micros(stored.timestamp))
            && self.action == stored.action
            && self.source == stored.source
            && self.admin_email == stored.admin_email
            && self.user_email == stored.user_email
            && self.user_name == stored.user_name
            && self.domain_name == stored.domain_name
    }

    pub fn about_user(mut self, email: &str, name: &str) -> EventDraft {
        self.user_email = email.to_owned();
        self.user_name = name.to_owned();
        self
    }
}

/// Checks one event of a batch; `index` places its problems in the batch.
pub fn validate_event(
    index: usize,
    event: NewEvent,
    now: OffsetDateTime,
    recorder: Recorder,
) -> Result<EventDraft, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut local = Vec::new();
    if event.action.is_extension() {
        local.push(Problem::new(
            "action",
            format!("`{}` is recorded by adminlog itself: clients cannot send it", event.action),
        ));
    }
    if let Some(id) = &event.event_id {
        if id.is_empty() {
            local.push(Problem::new("event_id", "must not be empty when given"));
        }
        check_text("event_id", id, MAX_EVENT_ID_CHARS, &mut local);
    }
    // An offset can carry a timestamp past the calendar's end: checked.
    let timestamp = match event.timestamp.map(|t| t.checked_to_offset(time::UtcOffset::UTC)) {
        None => now,
        Some(Some(utc)) => utc,
        Some(None) => {
            local.push(Problem::new("timestamp", "is beyond the last representable time"));
            now
        }
    };
    if timestamp > now + MAX_CLOCK_SKEW {
        local.push(Problem::new("timestamp", "is more than 5 minutes in the future: check the sender's clock"));
    }
    if timestamp.year() < 1970 {
        local.push(Problem::new("timestamp", "must not be before 1970"));
    }
    check_email("admin_email", &event.admin_email, false, &mut local);
    check_email("user_email", &event.user_email, false, &mut local);
    check_text("user_name", &event.user_name, MAX_NAME_CHARS, &mut local);
    let domain_name = event.domain_name.unwrap_or_default();
    check_text("domain_name", &domain_name, MAX_NAME_CHARS, &mut local);
    let source = event.source.unwrap_or_else(|| Source::default_for(&event.admin_email));
    if source == Source::AdminPanel && event.admin_email.is_empty() {
        local.push(Problem::new("admin_email", "is required when source is admin_panel"));
    }
    problems.extend(local.into_iter().map(|p| Problem { index: Some(index), ..p }));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(EventDraft {
        client_event_id: event.event_id,
        timestamp,
        timestamp_given: event.timestamp.is_some(),
        action: event.action,
        source,
        admin_email: event.admin_email,
        user_email: event.user_email,
        user_name: event.user_name,
        domain_name,
        recorder,
    })
}

/// The body of `POST /api/v1/admin-logs`: the events stay raw JSON until
/// [`validate_batch`], so one malformed event is reported with its index
/// instead of failing the whole body's parse.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestBody {
    pub events: Vec<serde_json::Value>,
}

/// A JSON body that is not `{"events": [...]}`.
#[derive(Debug)]
pub enum BodyError {
    /// Not an object at all: not a batch.
    NotAnObject,
    /// An object with fields a batch does not have, or without its events.
    Problems(Vec<Problem>),
}

impl IngestBody {
    /// The batch in an already parsed body, each problem named by its field.
    pub fn from_value(body: serde_json::Value) -> Result<IngestBody, BodyError> {
        let serde_json::Value::Object(mut fields) = body else { return Err(BodyError::NotAnObject) };
        let mut problems: Vec<Problem> = fields
            .keys()
            .filter(|name| *name != "events")
            .map(|name| Problem::new(name, "is not a field of the body: send {\"events\": [ ... ]}"))
            .collect();
        match fields.remove("events") {
            Some(serde_json::Value::Array(events)) if problems.is_empty() => return Ok(IngestBody { events }),
            Some(serde_json::Value::Array(_)) => {}
            Some(_) => problems.push(Problem::new("events", "must be a list of events")),
            None => {
                problems.push(Problem::new("events", format!("is required: a list of 1 to {MAX_BATCH_EVENTS} events")))
            }
        }
        Err(BodyError::Problems(problems))
    }
}

/// Parses and checks a whole batch that `recorder` sends. Any invalid event
/// rejects the batch, and the error lists every problem of every event by
/// index.
pub fn validate_batch(
    events: Vec<serde_json::Value>,
    now: OffsetDateTime,
    recorder: Recorder,
) -> Result<Vec<EventDraft>, Vec<Problem>> {
    if events.is_empty() || events.len() > MAX_BATCH_EVENTS {
        return Err(vec![Problem::new(
            "events",
            format!("must hold 1 to {MAX_BATCH_EVENTS} events; this batch has {}", events.len()),
        )]);
    }
    let mut drafts = Vec::with_capacity(events.len());
    let mut problems = Vec::new();
    for (index, value) in events.into_iter().enumerate() {
        // Read in place: the value stays for naming problems, uncopied.
        match <NewEvent as serde::Deserialize>::deserialize(&value) {
            Ok(event) => match validate_event(index, event, now, recorder) {
                Ok(draft) => drafts.push(draft),
                Err(found) => problems.extend(found),
            },
            // Only a refused event is read again, field by field, to name
            // where it went wrong.
            Err(error) => match shape_problems(index, &value) {
                named if !named.is_empty() => problems.extend(named),
                _ => problems.push(Problem::at(index, "event", error.to_string())),
            },
        }
    }
    if problems.is_empty() {
        Ok(drafts)
    } else {
        Err(problems)
    }
}

/// What is wrong with the shape of one event, field by field: each field is
/// read on its own, so a problem names the field it is in (`action` for an
/// unknown action, `colour` for a field events do not have) instead of the
/// event as a whole.
fn shape_problems(index: usize, value: &serde_json::Value) -> Vec<Problem> {
    let Some(fields) = value.as_object() else {
        return vec![Problem::at(index, "event", "must be a JSON object with an `action`")];
    };
    let mut problems = Vec::new();
    if !fields.contains_key("action") {
        problems.push(Problem::at(index, "action", "is required: one of the action names of GET /api/v1/actions"));
    }
    for (name, field) in fields {
        // The field alone, beside a valid action unless it is the action.
        let mut alone = serde_json::Map::new();
        if name != "action" {
            alone.insert("action".into(), serde_json::Value::String("LOG_IN".into()));
        }
        alone.insert(name.clone(), field.clone());
        if let Err(error) = serde_json::from_value::<NewEvent>(serde_json::Value::Object(alone)) {
            problems.push(Problem::at(index, name, error.to_string()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
    const KEY: Recorder = Recorder::ApiKey(1);

    #[test]
    fn adminlogs_own_actions_cannot_be_sent_and_the_sender_is_recorded() {
        let problems = validate_batch(vec![json!({"action": "EXPORT_ADMIN_LOGS"})], NOW, KEY).unwrap_err();
        assert_eq!((problems[0].index, problems[0].field.as_str()), (Some(0), "action"));
        let drafts = validate_batch(vec![json!({"action": "LOG_IN", "admin_email": "a@x.io"})], NOW, KEY).unwrap();
        assert_eq!((drafts[0].recorder, drafts[0].timestamp_given), (KEY, false));
    }

    #[test]
    fn defaults_fill_timestamp_and_source() {
        let drafts = validate_batch(
            vec![
                json!({"action": "ISSUE_TOKEN", "user_name": "john.doe"}),
                json!({"action": "LOG_IN", "admin_email": "a@x.io"}),
            ],
            NOW,
            KEY,
        )
        .unwrap();
        assert_eq!(drafts[0].timestamp, NOW);
        assert_eq!(drafts[0].source, Source::Api);
        assert_eq!(drafts[1].source, Source::AdminPanel);
    }

    #[test]
    fn every_problem_is_listed_by_index() {
        let problems = validate_batch(
            vec![
                json!({"action": "ISSUE_TOKEN"}),
                json!({"action": "NOT_AN_ACTION"}),
                json!({"action": "LOG_IN", "admin_email": "nope", "timestamp": "2027-01-01T00:00:00Z"}),
                json!({"action": "LOG_IN", "colour": "red"}),
            ],
            NOW,
            KEY,
        )
        .unwrap_err();
        let places: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.index, p.field.as_str())).collect();
        assert_eq!(
            places,
            vec![(Some(1), "action"), (Some(2), "timestamp"), (Some(2), "admin_email"), (Some(3), "colour")]
        );
        assert!(problems[0].message.contains("NOT_AN_ACTION"));
        assert!(problems[3].message.contains("colour"));
    }

    #[test]
    fn batch_size_is_bounded() {
        assert!(validate_batch(vec![], NOW, KEY).is_err());
        let many = vec![json!({"action": "LOG_IN", "admin_email": "a@x.io"}); MAX_BATCH_EVENTS + 1];
        assert!(validate_batch(many, NOW, KEY).is_err());
    }

    #[test]
    fn admin_panel_events_need_an_administrator() {
        let problems =
            validate_batch(vec![json!({"action": "LOG_IN", "source": "admin_panel"})], NOW, KEY).unwrap_err();
        assert_eq!(problems[0].field, "admin_email");
    }

    #[test]
    fn a_timestamp_pushed_past_the_calendar_by_its_offset_is_a_problem() {
        let edge = json!({"action": "LOG_IN", "admin_email": "a@x.io", "timestamp": "9999-12-31T23:59:59-01:00"});
        let problems = validate_batch(vec![edge], NOW, KEY).unwrap_err();
        assert_eq!(problems[0].field, "timestamp");
    }

    #[test]
    fn small_clock_skew_is_accepted() {
        let ahead = json!({"action": "LOG_IN", "admin_email": "a@x.io", "timestamp": "2026-11-26T12:04:00Z"});
        assert!(validate_batch(vec![ahead], NOW, KEY).is_ok());
    }
}
