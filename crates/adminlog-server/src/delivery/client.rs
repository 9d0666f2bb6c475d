//! The one way out to receivers: an HTTP client that connects only to
//! addresses the operator allowed ([`AllowList`], checked on every
//! connection after name resolution, so a name later re-pointed at an
//! internal address is refused), follows no redirect, uses no proxy, and
//! gives a receiver 5 s to accept the connection and 10 s in all to answer.
//! Only the status line and headers are read (within hyper's limits); the
//! body of an answer is never read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use crate::domain::outbound::{literal_address, AllowList};
use crate::domain::webhook::StreamKey;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a check at creation waits for a name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a receiver said to a delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A 2xx: the batch is delivered.
    Accepted,
    /// 410 Gone: the receiver wants no more deliveries.
    Gone,
}

#[derive(Clone)]
pub struct Receivers {
    client: reqwest::Client,
    allow: Arc<AllowList>,
}

impl Receivers {
    /// `extra_roots`: a PEM file of root certificates https receivers may
    /// also chain to.
    pub fn new(allow: Arc<AllowList>, extra_roots: Option<&std::path::Path>) -> Result<Receivers, String> {
        let mut builder = reqwest::Client::builder();
        if let Some(path) = extra_roots {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let roots = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("{} holds no PEM certificates: {e}", path.display()))?;
            if roots.is_empty() {
                return Err(format!("{} holds no PEM certificates", path.display()));
            }
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
        }
        let client = builder
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ANSWER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("adminlog-streams/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(AllowedAddresses { allow: allow.clone() }))
            .build()
            .map_err(|e| format!("cannot set up the push-delivery client: {e}"))?;
        Ok(Receivers { client, allow })
    }

    /// Whether `url` may be delivered to: refused with a sentence for the
    /// super administrator when the operator allowed none of its addresses.
    pub async fn admissible(&self, url: &Url) -> Result<(), String> {
        if self.allow.is_empty() {
            return Err("this server delivers to no receiver yet: its operator lists the allowed ones in \
                        ADMINLOG_STREAM_ALLOW"
                .into());
        }
        if let Some(ip) = literal_address(url) {
            return self.check_literal(ip);
        }
        let host = url.host_str().unwrap_or_default();
        if self.allow.allows_host_name(host) {
            return Ok(());
        }
        let port = url.port_or_known_default().unwrap_or(443);
        match tokio::time::timeout(RESOLVE_TIMEOUT, allowed_addresses(&self.allow, host, port)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(refused)) => Err(refused),
            Err(_) => Err(format!("{host} did not resolve within {} s", RESOLVE_TIMEOUT.as_secs())),
        }
    }

    fn check_literal(&self, ip: std::net::IpAddr) -> Result<(), String> {
        if self.allow.allows_address(ip) {
            Ok(())
        } else {
            Err(format!("{ip} is not an address this server's operator allows (ADMINLOG_STREAM_ALLOW)"))
        }
    }

    /// One signed delivery attempt. `Err` explains a failure worth a retry.
    pub async fn deliver(&self, url: &Url, webhook_id: &str, key: &StreamKey, body: Vec<u8>) -> Result<Answer, String> {
        // A literal address is never resolved, so it is checked here.
        if let Some(ip) = literal_address(url) {
            self.check_literal(ip)?;
        }
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = key.signature_header(webhook_id, timestamp, &body);
        let response = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|error| describe(&error))?;
        let status = response.status();
        drop(response);
        if status.is_success() {
            Ok(Answer::Accepted)
        } else if status == reqwest::StatusCode::GONE {
            Ok(Answer::Gone)
        } else {
            Err(format!("the receiver answered {status}"))
        }
    }
}

/// A failed request in words, with its causes (the allow-list's refusal is
/// one of them).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!("the receiver did not answer within {} s", ANSWER_TIMEOUT.as_secs());
    }
    let mut text = String::from(if error.is_connect() { "could not connect" } else { "the request failed" });
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(inner) = cause {
        let said = inner.to_string();
        // hyper's own wrapper ("client error (Connect)") says nothing more.
        if !text.ends_with(&said) && !said.starts_with("client error (") {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

/// Resolves `host` and keeps the addresses the operator allows: all of them
/// when the name itself is listed.
async fn allowed_addresses(allow: &AllowList, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let resolved = tokio::net::lookup_host((host, port)).await.map_err(|e| format!("{host} does not resolve: {e}"))?;
    let by_name = allow.allows_host_name(host);
    let allowed: Vec<SocketAddr> = resolved.filter(|a| by_name || allow.allows_address(a.ip())).collect();
    if allowed.is_empty() {
        Err(format!("{host} resolves to no address this server's operator allows (ADMINLOG_STREAM_ALLOW)"))
    } else {
        Ok(allowed)
    }
}

struct AllowedAddresses {
    allow: Arc<AllowList>,
}

impl Resolve for AllowedAddresses {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let addresses = allowed_addresses(&allow, name.as_str(), 0)
                .await
                .map_err(|refused| -> Box<dyn std::error::Error + Send + Sync> { refused.into() })?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}
