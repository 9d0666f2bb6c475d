//! Signing push deliveries as the Standard Webhooks specification says:
//! the signed content is `<webhook-id>.<webhook-timestamp>.<body>`, sent in
//! `webhook-signature` as `v1,<base64 HMAC-SHA256>` or `v1a,<base64 Ed25519>`.
//! Also what a retry must keep (the id) and how long it waits.

use std::time::Duration;

use adminlog_types::Signing;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};

/// A stream's signing key. Derived from the server secret and the stream's
/// salt, never stored: whoever reads the database cannot sign a delivery.
pub enum StreamKey {
    /// The shared secret: 32 bytes when derived here (the specification
    /// allows 24 to 64).
    Hmac(Vec<u8>),
    Ed25519(Box<SigningKey>),
}

impl StreamKey {
    /// The key of one stream, from the server's stream master key.
    pub fn derive(master: &[u8; 32], signing: Signing, org_id: i64, stream_id: i64, salt: &[u8]) -> StreamKey {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(master).expect("HMAC takes keys of any length");
        mac.update(format!("adminlog-stream-key-v1\n{}\n{org_id}\n{stream_id}\n", signing.as_str()).as_bytes());
        mac.update(salt);
        let bytes: [u8; 32] = mac.finalize().into_bytes().into();
        match signing {
            Signing::Hmac => StreamKey::Hmac(bytes.to_vec()),
            Signing::Ed25519 => StreamKey::Ed25519(Box::new(SigningKey::from_bytes(&bytes))),
        }
    }

    /// The shared secret as receivers configure it (`whsec_<base64>`); none
    /// for Ed25519.
    pub fn secret_text(&self) -> Option<String> {
        match self {
            StreamKey::Hmac(secret) => Some(format!("whsec_{}", BASE64.encode(secret))),
            StreamKey::Ed25519(_) => None,
        }
    }

    /// The public key receivers verify with (`whpk_<base64>`); none for HMAC.
    pub fn public_key_text(&self) -> Option<String> {
        match self {
            StreamKey::Hmac(_) => None,
            StreamKey::Ed25519(key) => Some(format!("whpk_{}", BASE64.encode(key.verifying_key().as_bytes()))),
        }
    }

    /// The `webhook-signature` header's value for one attempt.
    pub fn signature_header(&self, webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut content = Vec::with_capacity(webhook_id.len() + body.len() + 24);
        content.extend_from_slice(webhook_id.as_bytes());
        content.push(b'.');
        content.extend_from_slice(timestamp.to_string().as_bytes());
        content.push(b'.');
        content.extend_from_slice(body);
        match self {
            StreamKey::Hmac(secret) => {
                let mut mac =
                    <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
                mac.update(&content);
                format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
            }
            StreamKey::Ed25519(key) => format!("v1a,{}", BASE64.encode(key.sign(&content).to_bytes())),
        }
    }
}

/// The `webhook-id` of the batch of events after `after` up to `through`:
/// the same on every retry of that batch, in any process, so a receiver can
/// drop repeats. A replay (`generation`) sends its batches under new ids.
pub fn webhook_id(org_id: i64, stream_id: i64, generation: i64, after: i64, through: i64) -> String {
    format!("msg_{org_id}_{stream_id}_{generation}_{after}_{through}")
}

/// How long to wait after the `failures`-th failure in a row: 1 s, doubling,
/// at most an hour.
pub fn retry_delay(failures: i64) -> Duration {
    const MAX: Duration = Duration::from_secs(3600);
    let exponent = failures.clamp(1, 13) - 1;
    Duration::from_secs(1u64 << exponent).min(MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = BASE64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let key = StreamKey::Hmac(secret);
        let header = key.signature_header("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn ed25519_signatures_verify_with_the_published_key_and_only_over_the_same_content() {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let key = StreamKey::derive(&[7; 32], Signing::Ed25519, 1, 2, b"salt");
        let public = key.public_key_text().unwrap();
        let public = VerifyingKey::from_bytes(
            &BASE64.decode(public.strip_prefix("whpk_").unwrap()).unwrap().try_into().unwrap(),
        )
        .unwrap();
        let header = key.signature_header("msg_1", 1700000000, b"{}");
        let signature = BASE64.decode(header.strip_prefix("v1a,").unwrap()).unwrap();
        let signature = Signature::from_slice(&signature).unwrap();
        assert!(public.verify(b"msg_1.1700000000.{}", &signature).is_ok());
        assert!(public.verify(b"msg_1.1700000001.{}", &signature).is_err());
        assert!(key.secret_text().is_none());
    }

    #[test]
    fn each_stream_and_salt_has_its_own_key() {
        let text =
            |org, stream, salt: &[u8]| StreamKey::derive(&[1; 32], Signing::Hmac, org, stream, salt).secret_text();
        assert_eq!(text(1, 2, b"a"), text(1, 2, b"a"));
        assert_ne!(text(1, 2, b"a"), text(1, 3, b"a"));
        assert_ne!(text(1, 2, b"a"), text(2, 2, b"a"));
        assert_ne!(text(1, 2, b"a"), text(1, 2, b"b"));
        assert!(text(1, 2, b"a").unwrap().starts_with("whsec_"));
    }

    #[test]
    fn retries_wait_one_second_doubling_to_an_hour() {
        let waits: Vec<u64> = (1..=14).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600]);
        assert_eq!(retry_delay(1_000_000).as_secs(), 3600);
    }

    #[test]
    fn a_batch_keeps_its_id_and_a_replay_changes_it() {
        assert_eq!(webhook_id(1, 2, 0, 10, 20), webhook_id(1, 2, 0, 10, 20));
        assert_ne!(webhook_id(1, 2, 0, 10, 20), webhook_id(1, 2, 1, 10, 20));
        assert_ne!(webhook_id(1, 2, 0, 10, 20), webhook_id(1, 2, 0, 10, 21));
    }
}
