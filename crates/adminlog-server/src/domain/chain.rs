//! The tamper-evident chain. Each event's hash covers its canonical content
//! and the previous event's hash, in id order within one organization, so
//! editing, deleting, reordering or inserting a stored event breaks the chain
//! at that event. The encoding is specified in docs/integrity.md; changing it
//! breaks every stored chain.

use std::collections::BTreeMap;

use adminlog_types::{Action, Source};

use super::recorder::Recorder;
use sha2::{Digest, Sha256};

/// The "previous hash" of an organization's first event.
pub const GENESIS: [u8; 32] = [0; 32];
const DOMAIN_TAG: &[u8] = b"adminlog-event-v1\0";
/// Events stored with who recorded them and when they arrived.
const DOMAIN_TAG_V2: &[u8] = b"adminlog-event-v2\0";

/// What the server adds to an event's content since `adminlog-event-v2`:
/// who stored it and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub recorder: Recorder,
    pub received_at_micros: i64,
}

/// The content an event's hash covers.
#[derive(Clone, Copy, Debug)]
pub struct ChainedEvent<'a> {
    pub org_id: i64,
    pub id: i64,
    pub ts_micros: i64,
    pub action: Action,
    pub source: Source,
    pub admin_email: &'a str,
    pub user_email: &'a str,
    pub user_name: &'a str,
    pub domain_name: &'a str,
    pub client_event_id: &'a str,
    /// `None` for events stored before adminlog recorded it (hashed as v1).
    pub recorded: Option<Recorded>,
}

/// The canonical bytes. v1: a tag, three big-endian i64s (organization, id,
/// timestamp), then seven length-prefixed (u32 big-endian) UTF-8 strings.
/// v2 (events with a recorder): its own tag, six i64s (the three, then the
/// arrival time, the recorder's kind code and its id, 0 for the server),
/// then the same seven strings.
pub fn canonical(event: &ChainedEvent<'_>) -> Vec<u8> {
    let texts = [
        event.action.as_str(),
        event.source.as_str(),
        event.admin_email,
        event.user_email,
        event.user_name,
        event.domain_name,
        event.client_event_id,
    ];
    let mut out = Vec::with_capacity(DOMAIN_TAG_V2.len() + 48 + texts.iter().map(|t| 4 + t.len()).sum::<usize>());
    match event.recorded {
        None => {
            out.extend_from_slice(DOMAIN_TAG);
            for number in [event.org_id, event.id, event.ts_micros] {
                out.extend_from_slice(&number.to_be_bytes());
            }
        }
        Some(recorded) => {
            out.extend_from_slice(DOMAIN_TAG_V2);
            let (kind, id) = recorded.recorder.to_columns();
            let numbers = [
                event.org_id,
                event.id,
                event.ts_micros,
                recorded.received_at_micros,
                i64::from(kind),
                id.unwrap_or(0),
            ];
            for number in numbers {
                out.extend_from_slice(&number.to_be_bytes());
            }
        }
    }
    for text in texts {
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// SHA-256(previous hash ‖ canonical bytes).
pub fn link(previous: &[u8; 32], event: &ChainedEvent<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical(event));
    hasher.finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower- or upper-case hex of exactly `N` bytes.
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// Where and how a chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub id: i64,
    pub problem: String,
}

/// Rechecks a chain fed event by event in id order.
#[derive(Debug)]
pub struct ChainCheck {
    previous: [u8; 32],
    next_id: i64,
    /// Heads vouched for by signed checkpoints, by the event they follow.
    anchors: BTreeMap<i64, [u8; 32]>,
    pub checked: u64,
    pub broken: Option<Break>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck::after(0, GENESIS)
    }
}

impl ChainCheck {
    /// A check that starts after event `after_id`, whose hash is `previous`.
    pub fn after(after_id: i64, previous: [u8; 32]) -> ChainCheck {
        ChainCheck { previous, next_id: after_id + 1, anchors: BTreeMap::new(), checked: 0, broken: None }
    }

    /// A check that failed before reading any event.
    pub fn failed(at: Break) -> ChainCheck {
        ChainCheck { broken: Some(at), ..ChainCheck::default() }
    }

    /// Also requires the chain to pass through these signed heads: a chain
    /// rewritten with fresh hashes, head included, still breaks there.
    pub fn with_anchors(mut self, anchors: BTreeMap<i64, [u8; 32]>) -> ChainCheck {
        self.anchors = anchors;
        self
    }

    /// Feeds the next stored event; false once the chain is broken.
    pub fn feed(&mut self, event: &ChainedEvent<'_>, stored_hash: &[u8]) -> bool {
        if self.broken.is_some() {
            return false;
        }
        if event.id != self.next_id {
            let problem = if event.id > self.next_id {
                format!("event {} is missing: the next stored event is {}", self.next_id, event.id)
            } else {
                format!("event {} appears out of order", event.id)
            };
            self.broken = Some(Break { id: self.next_id.min(event.id), problem });
            return false;
        }
        let hash = link(&self.previous, event);
        if hash.as_slice() != stored_hash {
            self.broken = Some(Break {
                id: event.id,
                problem: format!("event {} does not match its hash: it was edited, reordered or inserted", event.id),
            });
            return false;
        }
        if self.anchors.get(&event.id).is_some_and(|signed| *signed != hash) {
            self.broken = Some(Break {
                id: event.id,
                problem: format!(
                    "the chain up to event {} differs from a signed checkpoint: events up to it were rewritten",
                    event.id
                ),
            });
            return false;
        }
        self.previous = hash;
        self.next_id += 1;
        self.checked += 1;
        true
    }

    /// Ends the check against the organization's recorded head: the last id
    /// and hash written by the server.
    pub fn finish(mut self, last_id: i64, head: &[u8]) -> ChainCheck {
        let seen_last = self.next_id - 1;
        if let (None, Some((&signed_id, _))) = (&self.broken, self.anchors.range(seen_last + 1..).next()) {
            self.broken = Some(Break {
                id: signed_id.min(seen_last + 1),
                problem: format!("a checkpoint was signed after event {signed_id}, but the chain ends at {seen_last}"),
            });
        }
        if self.broken.is_none() {
            if seen_last < last_id {
                self.broken = Some(Break {
                    id: seen_last + 1,
                    problem: format!("events {} to {last_id} are missing", seen_last + 1),
                });
            } else if seen_last > last_id {
                self.broken = Some(Break {
                    id: last_id + 1,
                    problem: format!("event {} was added outside the server", last_id + 1),
                });
            } else if last_id > 0 && self.previous.as_slice() != head {
                self.broken = Some(Break { id: last_id, problem: "the recorded chain head does not match".into() });
            }
        }
        self
    }

    /// The id the next fed event must have.
    pub fn next_id(&self) -> i64 {
        self.next_id
    }

    pub fn head(&self) -> [u8; 32] {
        self.previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, user_name: &str) -> ChainedEvent<'_> {
        ChainedEvent {
            org_id: 7,
            id,
            ts_micros: 1_465_480_764_000_000 + id,
            action: Action::ISSUE_TOKEN,
            source: Source::Api,
            admin_email: "",
            user_email: "",
            user_name,
            domain_name: "Office VPN",
            client_event_id: "",
            recorded: None,
        }
    }

    #[test]
    fn who_recorded_an_event_and_when_are_hashed_from_v2_on() {
        let v1 = event(1, "ann");
        let recorded = Recorded { recorder: Recorder::ApiKey(3), received_at_micros: 1_465_480_765_000_000 };
        let v2 = ChainedEvent { recorded: Some(recorded), ..v1 };
        assert!(canonical(&v1).starts_with(b"adminlog-event-v1\0"));
        assert!(canonical(&v2).starts_with(b"adminlog-event-v2\0"));
        // Another key, or another arrival time, is another hash.
        let other_key = ChainedEvent { recorded: Some(Recorded { recorder: Recorder::ApiKey(4), ..recorded }), ..v1 };
        let later = ChainedEvent { recorded: Some(Recorded { received_at_micros: 1, ..recorded }), ..v1 };
        let server = ChainedEvent { recorded: Some(Recorded { recorder: Recorder::Server, ..recorded }), ..v1 };
        let hashes = [&v1, &v2, &other_key, &later, &server].map(|e| link(&GENESIS, e));
        for (i, a) in hashes.iter().enumerate() {
            assert!(hashes[i + 1..].iter().all(|b| a != b), "distinct hashes");
        }
    }

    fn chain(names: &[&'static str]) -> Vec<(ChainedEvent<'static>, [u8; 32])> {
        let mut previous = GENESIS;
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let e = event(i as i64 + 1, name);
                previous = link(&previous, &e);
                (e, previous)
            })
            .collect()
    }

    fn check(events: &[(ChainedEvent<'_>, [u8; 32])], last_id: i64, head: [u8; 32]) -> ChainCheck {
        let mut check = ChainCheck::default();
        for (e, h) in events {
            if !check.feed(e, h) {
                break;
            }
        }
        check.finish(last_id, &head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let events = chain(&["a", "b", "c"]);
        let result = check(&events, 3, events[2].1);
        assert_eq!((result.broken, result.checked), (None, 3));
    }

    #[test]
    fn a_rewritten_chain_breaks_at_the_signed_head() {
        let events = chain(&["a", "b", "c"]);
        let signed = BTreeMap::from([(2, events[1].1)]);
        // The attacker edits event 1 and recomputes every hash and the head.
        let forged = {
            let mut previous = GENESIS;
            let mut forged = events.clone();
            forged[0].0.user_name = "mallory";
            for (e, h) in forged.iter_mut() {
                *h = link(&previous, e);
                previous = *h;
            }
            forged
        };
        let mut plain = ChainCheck::default();
        let mut anchored = ChainCheck::default().with_anchors(signed.clone());
        for (e, h) in &forged {
            plain.feed(e, h);
            anchored.feed(e, h);
        }
        assert_eq!(plain.finish(3, &forged[2].1).broken, None, "a full rewrite fools the chain alone");
        assert_eq!(anchored.finish(3, &forged[2].1).broken.map(|b| b.id), Some(2));
        // Cutting the chain before a signed head is caught too.
        let mut cut = ChainCheck::default().with_anchors(signed);
        cut.feed(&events[0].0, &events[0].1);
        assert_eq!(cut.finish(1, &events[0].1).broken.map(|b| b.id), Some(2));
    }

    #[test]
    fn a_segment_is_checked_from_its_previous_hash() {
        let events = chain(&["a", "b", "c"]);
        let mut check = ChainCheck::after(1, events[0].1);
        for (e, h) in &events[1..] {
            assert!(check.feed(e, h));
        }
        assert_eq!(check.checked, 2);
        assert_eq!(check.head(), events[2].1);
        assert_eq!(unhex::<32>(&hex(&events[2].1)), Some(events[2].1));
        assert_eq!(unhex::<2>("0g00"), None);
    }

    #[test]
    fn the_encoding_separates_fields() {
        let (a, b) = (event(1, "ab"), ChainedEvent { user_name: "a", domain_name: "bOffice VPN", ..event(1, "") });
        assert_ne!(canonical(&a), canonical(&b));
    }

    #[test]
    fn each_kind_of_tampering_names_the_event() {
        let events = chain(&["a", "b", "c", "d"]);
        let head = events[3].1;
        let mut edited = events.clone();
        edited[1].0.user_name = "mallory";
        assert_eq!(check(&edited, 4, head).broken.unwrap().id, 2);
        let mut deleted = events.clone();
        deleted.remove(2);
        assert_eq!(check(&deleted, 4, head).broken.unwrap().id, 3);
        let mut reordered = events.clone();
        reordered.swap(1, 2);
        (reordered[1].0.id, reordered[2].0.id) = (2, 3);
        assert_eq!(check(&reordered, 4, head).broken.unwrap().id, 2);
        let mut appended = events.clone();
        let extra = event(5, "e");
        appended.push((extra, link(&head, &extra)));
        assert_eq!(check(&appended, 4, head).broken.unwrap().id, 5);
        let truncated = events[..3].to_vec();
        assert_eq!(check(&truncated, 4, head).broken.unwrap().id, 4);
    }
}
