//! Where push deliveries may go. The operator lists the allowed receivers
//! (`ADMINLOG_STREAM_ALLOW`): networks in CIDR notation, single addresses,
//! and host names (`hooks.example.com`, or `*.example.com` for its
//! subdomains). Nothing else is ever connected to: a host name that is not
//! listed is allowed only through the addresses it resolves to, each checked
//! at every connection (so a name re-pointed at an internal address is
//! refused then).

use std::net::IpAddr;

use adminlog_types::MAX_STREAM_URL_CHARS;
use url::{Host, Url};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    networks: Vec<(IpAddr, u8)>,
    hosts: Vec<String>,
}

impl AllowList {
    /// Entries separated by commas or white space.
    pub fn parse(text: &str) -> Result<AllowList, String> {
        let mut list = AllowList::default();
        for entry in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry, None),
            };
            match (address.parse::<IpAddr>(), prefix) {
                (Ok(ip), prefix) => {
                    let width = if ip.is_ipv4() { 32 } else { 128 };
                    let prefix = match prefix {
                        None => width,
                        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= width).ok_or_else(|| {
                            format!("`{entry}`: the prefix length must be a number from 0 to {width}")
                        })?,
                    };
                    list.networks.push((normalise(ip), prefix));
                }
                (Err(_), None) if is_host_pattern(entry) => list.hosts.push(entry.to_ascii_lowercase()),
                _ => return Err(format!("`{entry}` is neither a network (10.0.0.0/8), an address, nor a host name")),
            }
        }
        Ok(list)
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty() && self.hosts.is_empty()
    }

    /// Whether the operator listed this host name (then whatever it resolves
    /// to is allowed).
    pub fn allows_host_name(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.iter().any(|allowed| match allowed.strip_prefix("*.") {
            Some(parent) => host.strip_suffix(parent).is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => *allowed == host,
        })
    }

    pub fn allows_address(&self, ip: IpAddr) -> bool {
        let ip = normalise(ip);
        self.networks.iter().any(|(network, prefix)| in_network(ip, *network, *prefix))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is that IPv4 address.
fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
        if prefix == 0 {
            0
        } else {
            bits >> (width - u32::from(prefix))
        }
    }
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            masked(u32::from(a).into(), 32, prefix) == masked(u32::from(n).into(), 32, prefix)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => masked(u128::from(a), 128, prefix) == masked(u128::from(n), 128, prefix),
        _ => false,
    }
}

fn is_host_pattern(entry: &str) -> bool {
    let name = entry.strip_prefix("*.").unwrap_or(entry);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
        })
}

/// Checks a receiver URL's shape: http or https, a host, no credentials, no
/// fragment. Whether it may be reached is [`AllowList`]'s question.
pub fn receiver_url(text: &str) -> Result<Url, String> {
    if text.chars().count() > MAX_STREAM_URL_CHARS {
        return Err(format!("use a URL of at most {MAX_STREAM_URL_CHARS} characters"));
    }
    let url = Url::parse(text)
        .map_err(|e| format!("not an absolute URL ({e}): give one like https://siem.example/hooks/adminlog"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the receiver must be an http or https URL".into());
    }
    if url.host().is_none() {
        return Err("the URL has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put no credentials in the URL: receivers check the signature instead".into());
    }
    if url.fragment().is_some() {
        return Err("a receiver URL has no #fragment".into());
    }
    Ok(url)
}

/// The URL's host as an address, when it is written as one.
pub fn literal_address(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_addresses_and_host_names_are_allowed_as_listed() {
        let list = AllowList::parse("10.0.0.0/8, 192.168.1.7 ::1/128\n*.hooks.example hooks.example.org").unwrap();
        assert!(list.allows_address(ip("10.200.3.4")));
        assert!(!list.allows_address(ip("11.0.0.1")));
        assert!(list.allows_address(ip("192.168.1.7")));
        assert!(!list.allows_address(ip("192.168.1.8")));
        assert!(list.allows_address(ip("::1")));
        assert!(!list.allows_address(ip("127.0.0.1")));
        assert!(list.allows_address(ip("::ffff:10.0.0.1")), "an IPv4-mapped address is its IPv4 address");
        assert!(list.allows_host_name("a.hooks.example"));
        assert!(list.allows_host_name("A.HOOKS.EXAMPLE."));
        assert!(!list.allows_host_name("hooks.example"), "*.name allows subdomains, not the name");
        assert!(!list.allows_host_name("evilhooks.example"));
        assert!(list.allows_host_name("hooks.example.org"));
        assert!(!list.allows_host_name("x.hooks.example.org"));
    }

    #[test]
    fn an_empty_list_allows_nothing_and_zero_prefixes_allow_everything_of_their_family() {
        let empty = AllowList::parse("").unwrap();
        assert!(empty.is_empty());
        assert!(!empty.allows_address(ip("127.0.0.1")));
        let all_v4 = AllowList::parse("0.0.0.0/0").unwrap();
        assert!(all_v4.allows_address(ip("8.8.8.8")));
        assert!(!all_v4.allows_address(ip("2001:db8::1")));
    }

    #[test]
    fn malformed_entries_are_refused_with_the_entry_named() {
        for entry in ["10.0.0.0/33", "::1/129", "10.0.0.0/x", "http://x", "a..b", "-a.b", "host/8"] {
            let error = AllowList::parse(entry).unwrap_err();
            assert!(error.contains(entry), "{error}");
        }
    }

    #[test]
    fn receiver_urls_are_http_with_a_host_and_nothing_secret() {
        assert!(receiver_url("https://siem.example/hooks?a=1").is_ok());
        assert!(receiver_url("http://127.0.0.1:8080/").is_ok());
        for refused in ["ftp://x/", "siem.example/hooks", "https://user:pw@x/", "https://x/#frag", "file:///etc/passwd"]
        {
            assert!(receiver_url(refused).is_err(), "{refused}");
        }
        let long = format!("https://x/{}", "a".repeat(MAX_STREAM_URL_CHARS));
        assert!(receiver_url(&long).is_err());
        assert_eq!(literal_address(&receiver_url("http://[::1]:9/").unwrap()), Some(ip("::1")));
        assert_eq!(literal_address(&receiver_url("http://siem.example/").unwrap()), None);
    }
}
