//! Checking an evidence file offline: the checkpoint's signature against a
//! key the auditor trusts, then every event's hash from the header's
//! previous hash up to the signed head. Needs no database.

use std::io::BufRead;

use adminlog_types::{Action, Checkpoint, EvidenceEvent, EvidenceHeader, Source, EVIDENCE_FORMAT};
use ed25519_dalek::VerifyingKey;

use super::chain::{unhex, Break, ChainCheck, ChainedEvent, Recorded};
use super::checkpoint::{anchors, verify_checkpoint};
use super::recorder::Recorder;

/// The outcome: the chain check, and the checkpoint it was held against.
#[derive(Debug)]
pub struct EvidenceCheck {
    pub header: EvidenceHeader,
    pub chain: ChainCheck,
}

/// Reads the file line by line; `Err` only when it is not an evidence file
/// at all (no readable header).
/// `kept` are older checkpoints the auditor held on to: the file's chain
/// must pass through their heads too, so a database rewritten and then
/// exported afresh (with a fresh, validly signed checkpoint) is still caught.
pub fn verify_evidence(
    reader: impl BufRead,
    trusted: &VerifyingKey,
    kept: &[Checkpoint],
) -> Result<EvidenceCheck, String> {
    let mut lines = reader.lines();
    let first = lines.next().ok_or("the file is empty")?.map_err(|e| format!("cannot read the file: {e}"))?;
    let header: EvidenceHeader =
        serde_json::from_str(&first).map_err(|e| format!("line 1 is not an evidence header: {e}"))?;
    if header.format != EVIDENCE_FORMAT {
        return Err(format!("unknown evidence format \"{}\": this verifier reads {EVIDENCE_FORMAT}", header.format));
    }
    let chain = check_chain(&header, lines.enumerate().map(|(i, line)| (i + 2, line)), trusted, kept);
    Ok(EvidenceCheck { header, chain })
}

fn check_chain(
    header: &EvidenceHeader,
    lines: impl Iterator<Item = (usize, std::io::Result<String>)>,
    trusted: &VerifyingKey,
    kept: &[Checkpoint],
) -> ChainCheck {
    let checkpoint: &Checkpoint = &header.checkpoint;
    let first_id = header.after_id + 1;
    let fail = |id: i64, problem: String| ChainCheck::failed(Break { id, problem });
    let head = match verify_checkpoint(checkpoint, trusted) {
        Ok(head) => head,
        Err(error) => return fail(checkpoint.last_event_id, format!("checkpoint: {error}")),
    };
    let Some(previous) = unhex::<32>(&header.previous_hash) else {
        return fail(first_id, "the header's previous_hash is not 64 hex characters".into());
    };
    let kept: Vec<Checkpoint> =
        kept.iter().filter(|c| c.org_id == checkpoint.org_id && c.last_event_id > header.after_id).cloned().collect();
    let anchors = match anchors(&kept, trusted) {
        Ok(anchors) => anchors,
        Err((id, error)) => return fail(id, format!("the kept checkpoint after event {id}: {error}")),
    };
    let mut check = ChainCheck::after(header.after_id, previous).with_anchors(anchors);
    for (number, line) in lines {
        let parsed = line
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<EvidenceEvent>(&text).map_err(|e| e.to_string()));
        let event = match parsed {
            Ok(event) => event,
            Err(error) => return fail(check.next_id(), format!("line {number} is not an event: {error}")),
        };
        let recorded = match (&event.recorder, event.received_at_micros) {
            (None, None) => Some(None),
            (Some(recorder), Some(received_at_micros)) => {
                Recorder::from_evidence(recorder).map(|recorder| Some(Recorded { recorder, received_at_micros }))
            }
            _ => None,
        };
        let (Ok(action), Some(source), Some(hash), Some(recorded)) =
            (event.action.parse::<Action>(), parse_source(&event.source), unhex::<32>(&event.hash), recorded)
        else {
            let problem = format!("event {} (line {number}) has an unknown action, source, recorder or hash", event.id);
            return fail(event.id, problem);
        };
        let chained = ChainedEvent {
            org_id: checkpoint.org_id,
            id: event.id,
            ts_micros: event.ts_micros,
            action,
            source,
            admin_email: &event.admin_email,
            user_email: &event.user_email,
            user_name: &event.user_name,
            domain_name: &event.domain_name,
            client_event_id: &event.event_id,
            recorded,
        };
        if !check.feed(&chained, &hash) {
            break;
        }
    }
    check.finish(checkpoint.last_event_id, &head)
}

fn parse_source(text: &str) -> Option<Source> {
    [Source::AdminPanel, Source::Api].into_iter().find(|s| s.as_str() == text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chain::{hex, link, GENESIS};
    use crate::domain::checkpoint::CheckpointSigner;

    /// A three-event evidence file signed by key 1, as text lines.
    fn evidence(after_id: i64) -> Vec<String> {
        let signer = CheckpointSigner::from_seed([1; 32]);
        let mut previous = GENESIS;
        let mut events = Vec::new();
        let mut previous_hash = GENESIS;
        for id in 1..=3 {
            let name = format!("user{id}");
            // Event 1 predates recorders (v1); the others say who stored them.
            let recorded =
                (id > 1).then_some(Recorded { recorder: Recorder::ApiKey(id), received_at_micros: 2_000 * id });
            let chained = ChainedEvent {
                org_id: 5,
                id,
                ts_micros: 1_000 * id,
                action: Action::LOG_IN,
                source: Source::AdminPanel,
                admin_email: "ann@acme.example",
                user_email: "",
                user_name: &name,
                domain_name: "",
                client_event_id: "",
                recorded,
            };
            previous = link(&previous, &chained);
            if id == after_id {
                previous_hash = previous;
            }
            if id > after_id {
                events.push(EvidenceEvent {
                    id,
                    ts_micros: chained.ts_micros,
                    action: "LOG_IN".into(),
                    source: "admin_panel".into(),
                    admin_email: "ann@acme.example".into(),
                    user_email: String::new(),
                    user_name: name.clone(),
                    domain_name: String::new(),
                    event_id: String::new(),
                    recorder: recorded.map(|r| r.recorder.to_evidence()),
                    received_at_micros: recorded.map(|r| r.received_at_micros),
                    hash: hex(&previous),
                });
            }
        }
        let checkpoint = signer.sign(5, 3, &previous, time::OffsetDateTime::now_utc());
        let header = EvidenceHeader {
            format: EVIDENCE_FORMAT.into(),
            organization: "Acme".into(),
            after_id,
            previous_hash: hex(&previous_hash),
            checkpoint,
        };
        std::iter::once(serde_json::to_string(&header).unwrap())
            .chain(events.iter().map(|e| serde_json::to_string(e).unwrap()))
            .collect()
    }

    fn run(lines: &[String]) -> ChainCheck {
        let key = CheckpointSigner::from_seed([1; 32]).verifying_key();
        verify_evidence(lines.join("\n").as_bytes(), &key, &[]).unwrap().chain
    }

    #[test]
    fn a_whole_file_and_a_segment_verify() {
        let whole = run(&evidence(0));
        assert_eq!((whole.broken, whole.checked), (None, 3));
        let segment = run(&evidence(1));
        assert_eq!((segment.broken, segment.checked), (None, 2));
    }

    #[test]
    fn edits_names_the_event() {
        let mut lines = evidence(0);
        lines[2] = lines[2].replace("user2", "mallory");
        assert_eq!(run(&lines).broken.map(|b| b.id), Some(2));
        // Rewriting the hashes too only moves the break to the signed head.
        let mut dropped = evidence(0);
        dropped.remove(2);
        assert_eq!(run(&dropped).broken.map(|b| b.id), Some(2));
        let mut cut = evidence(0);
        cut.pop();
        assert_eq!(run(&cut).broken.map(|b| b.id), Some(3));
    }

    #[test]
    fn who_recorded_an_event_cannot_be_changed_or_dropped() {
        let mut other_key = evidence(0);
        other_key[2] = other_key[2].replace("api_key:2", "api_key:9");
        assert_eq!(run(&other_key).broken.map(|b| b.id), Some(2));
        let mut claimed_by_server = evidence(0);
        claimed_by_server[2] = claimed_by_server[2].replace("api_key:2", "server");
        assert_eq!(run(&claimed_by_server).broken.map(|b| b.id), Some(2));
        let mut half = evidence(0);
        half[2] = half[2].replace(r#""recorder":"api_key:2","#, "");
        let check = run(&half);
        assert_eq!(check.broken.as_ref().map(|b| b.id), Some(2));
        assert!(check.broken.unwrap().problem.contains("recorder"));
    }

    #[test]
    fn a_foreign_or_altered_checkpoint_is_refused() {
        let lines = evidence(0);
        let stranger = CheckpointSigner::from_seed([2; 32]).verifying_key();
        let check = verify_evidence(lines.join("\n").as_bytes(), &stranger, &[]).unwrap().chain;
        assert!(check.broken.unwrap().problem.contains("another key"));
        let mut altered = evidence(0);
        altered[0] = altered[0].replace("\"last_event_id\":3", "\"last_event_id\":2");
        assert!(run(&altered).broken.unwrap().problem.contains("signature"));
        assert!(verify_evidence("not json".as_bytes(), &stranger, &[]).is_err());
    }
}
