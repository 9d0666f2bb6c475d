//! Who stored an event: adminlog itself, an administrator's session, or an
//! API key. The server's record, never the sender's claim; hashed into the
//! chain with the time of arrival (`adminlog-event-v2`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recorder {
    /// adminlog's own management actions: sign-in and out, administrators,
    /// keys, exports, organizations created by the CLI.
    Server,
    /// Events sent by a super administrator's session.
    Administrator(i64),
    /// Events sent with an API key.
    ApiKey(i64),
}

const SERVER: i16 = 0;
const ADMINISTRATOR: i16 = 1;
const API_KEY: i16 = 2;

impl Recorder {
    /// The stored form: a kind code and the administrator or key id.
    pub fn to_columns(self) -> (i16, Option<i64>) {
        match self {
            Recorder::Server => (SERVER, None),
            Recorder::Administrator(id) => (ADMINISTRATOR, Some(id)),
            Recorder::ApiKey(id) => (API_KEY, Some(id)),
        }
    }

    /// `None` for codes only tampering produces.
    pub fn from_columns(kind: i16, id: Option<i64>) -> Option<Recorder> {
        match (kind, id) {
            (SERVER, None) => Some(Recorder::Server),
            (ADMINISTRATOR, Some(id)) => Some(Recorder::Administrator(id)),
            (API_KEY, Some(id)) => Some(Recorder::ApiKey(id)),
            _ => None,
        }
    }

    /// The form evidence files carry: `server`, `administrator:<id>`, `api_key:<id>`.
    pub fn to_evidence(self) -> String {
        match self {
            Recorder::Server => "server".to_owned(),
            Recorder::Administrator(id) => format!("administrator:{id}"),
            Recorder::ApiKey(id) => format!("api_key:{id}"),
        }
    }

    pub fn from_evidence(text: &str) -> Option<Recorder> {
        match text.split_once(':') {
            None if text == "server" => Some(Recorder::Server),
            Some(("administrator", id)) => id.parse().ok().map(Recorder::Administrator),
            Some(("api_key", id)) => id.parse().ok().map(Recorder::ApiKey),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_and_evidence_forms_round_trip() {
        for recorder in [Recorder::Server, Recorder::Administrator(4), Recorder::ApiKey(12)] {
            let (kind, id) = recorder.to_columns();
            assert_eq!(Recorder::from_columns(kind, id), Some(recorder));
            assert_eq!(Recorder::from_evidence(&recorder.to_evidence()), Some(recorder));
        }
        assert_eq!(Recorder::from_columns(SERVER, Some(1)), None);
        assert_eq!(Recorder::from_columns(9, Some(1)), None);
        for bad in ["", "api_key:", "api_key:x", "root", "server:1"] {
            assert_eq!(Recorder::from_evidence(bad), None, "{bad}");
        }
    }
}
