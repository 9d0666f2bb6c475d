//! A push-stream receiver for tests: a small HTTP server on loopback that
//! checks each delivery's Standard Webhooks signature on its own (HMAC-SHA256
//! or Ed25519, written here from the specification, not with the server's
//! code), records it, and answers as the test tells it to.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the receiver answers the next deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 204 No Content.
    Accept,
    /// This status, without accepting.
    Answer(u16),
    /// Reads the request and never answers.
    Stall,
    /// Reads the request and closes the connection without answering.
    Hang,
}

/// The key a receiver verifies with.
#[derive(Clone, Debug)]
pub enum VerifyKey {
    /// `whsec_<base64>`
    Secret(String),
    /// `whpk_<base64>`
    Public(String),
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub webhook_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub answered: Mode,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a delivery's body is JSON")
    }

    /// The ids of its events.
    pub fn event_ids(&self) -> Vec<i64> {
        self.json()["events"].as_array().expect("events").iter().map(|e| e["id"].as_i64().expect("id")).collect()
    }
}

#[derive(Default)]
struct Shared {
    mode: Option<Mode>,
    key: Option<VerifyKey>,
    deliveries: Vec<Delivery>,
    refused_signatures: usize,
}

pub struct Receiver {
    pub url: String,
    address: std::net::SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Mutex<Shared>>,
    accepting: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Receiver {
    /// Starts listening on 127.0.0.1, accepting until told otherwise.
    pub async fn start() -> Receiver {
        Receiver::listen(None).await
    }

    /// The same over TLS, with this certificate chain and key (PEM files).
    pub async fn start_tls(chain: &std::path::Path, key: &std::path::Path) -> Receiver {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(chain).expect("a PEM chain").map(|c| c.expect("a certificate")).collect();
        let key = PrivateKeyDer::from_pem_file(key).expect("a PEM key");
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a certificate and its key");
        Receiver::listen(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn listen(tls: Option<tokio_rustls::TlsAcceptor>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address = listener.local_addr().expect("address");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Mutex::new(Shared { mode: Some(Mode::Accept), ..Shared::default() }));
        let receiver = Receiver {
            url: format!("{scheme}://{address}/hooks/adminlog"),
            address,
            tls,
            shared,
            accepting: Mutex::new(None),
        };
        receiver.accept_on(listener);
        receiver
    }

    fn accept_on(&self, listener: TcpListener) {
        let (serving, tls) = (self.shared.clone(), self.tls.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (serving, tls) = (serving.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                serve(stream, serving).await;
                            }
                        }
                        None => serve(stream, serving).await,
                    }
                });
            }
        });
        *self.accepting.lock().unwrap() = Some(task);
    }

    /// Stops listening: connections are refused until [`Receiver::reopen`].
    pub fn close(&self) {
        if let Some(task) = self.accepting.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn reopen(&self) {
        let listener = TcpListener::bind(self.address).await.expect("the same port again");
        self.accept_on(listener);
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().unwrap().mode = Some(mode);
    }

    pub fn set_key(&self, key: VerifyKey) {
        self.shared.lock().unwrap().key = Some(key);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().unwrap().deliveries.clone()
    }

    /// Deliveries whose signature did not verify (none, ever, in a good run).
    pub fn refused_signatures(&self) -> usize {
        self.shared.lock().unwrap().refused_signatures
    }

    /// The events accepted, after dropping repeated `webhook-id`s, in the
    /// order they arrived.
    pub fn accepted_event_ids(&self) -> Vec<i64> {
        let mut seen = std::collections::HashSet::new();
        self.deliveries()
            .iter()
            .filter(|d| d.answered == Mode::Accept && seen.insert(d.webhook_id.clone()))
            .flat_map(|d| d.event_ids())
            .collect()
    }

    /// Waits until `done` holds for the deliveries, or panics after `within`.
    pub async fn wait_for(&self, within: Duration, what: &str, done: impl Fn(&[Delivery]) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if done(&self.deliveries()) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "waited {within:?} for {what}: got {:#?}", self.summary());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn summary(&self) -> Vec<String> {
        self.deliveries().iter().map(|d| format!("{} {:?} {:?}", d.webhook_id, d.answered, d.event_ids())).collect()
    }
}

async fn serve(mut stream: impl AsyncRead + AsyncWrite + Unpin, shared: Arc<Mutex<Shared>>) {
    let mode = shared.lock().unwrap().mode.unwrap_or(Mode::Accept);
    let Some((headers, body)) = read_request(&mut stream).await else { return };
    let header = |name: &str| {
        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let delivery = Delivery {
        webhook_id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered: mode,
    };
    {
        let mut shared = shared.lock().unwrap();
        if let Some(key) = &shared.key {
            if verify(key, &delivery, time::OffsetDateTime::now_utc().unix_timestamp()).is_err() {
                shared.refused_signatures += 1;
            }
        }
        shared.deliveries.push(delivery);
    }
    let status = match mode {
        Mode::Accept => "204 No Content",
        Mode::Answer(410) => "410 Gone",
        Mode::Answer(_) => "500 Internal Server Error",
        Mode::Stall => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Mode::Hang => return,
    };
    let _ = stream
        .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes())
        .await;
    // TLS: a close_notify, so the client reads a whole answer.
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> Option<(Vec<(String, String)>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some((headers, body))
}

/// How far a delivery's timestamp may be from the receiver's clock, as the
/// specification recommends: older ones may be replays.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// A receiver's check of one delivery, as the Standard Webhooks specification
/// describes it: the timestamp is recent, and one of the signatures in the
/// header is over `id.timestamp.body` with the stream's key.
pub fn verify(key: &VerifyKey, delivery: &Delivery, now: i64) -> Result<(), String> {
    let timestamp: i64 = delivery.timestamp.parse().map_err(|_| "no timestamp".to_owned())?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(format!("timestamp {timestamp} is too far from {now}"));
    }
    let mut content = format!("{}.{}.", delivery.webhook_id, delivery.timestamp).into_bytes();
    content.extend_from_slice(&delivery.body);
    for signature in delivery.signature.split(' ') {
        let ok = match (key, signature.split_once(',')) {
            (VerifyKey::Secret(secret), Some(("v1", given))) => {
                let secret = BASE64.decode(secret.trim_start_matches("whsec_")).map_err(|e| e.to_string())?;
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&secret).expect("any key length");
                mac.update(&content);
                let given = BASE64.decode(given).unwrap_or_default();
                mac.verify_slice(&given).is_ok()
            }
            (VerifyKey::Public(public), Some(("v1a", given))) => {
                use ed25519_dalek::Verifier;
                let public = BASE64.decode(public.trim_start_matches("whpk_")).map_err(|e| e.to_string())?;
                let public: [u8; 32] = public.try_into().map_err(|_| "a public key is 32 bytes".to_owned())?;
                let public = ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|e| e.to_string())?;
                let given = BASE64.decode(given).unwrap_or_default();
                ed25519_dalek::Signature::from_slice(&given).is_ok_and(|s| public.verify(&content, &s).is_ok())
            }
            _ => false,
        };
        if ok {
            return Ok(());
        }
    }
    Err("no signature matches".into())
}
