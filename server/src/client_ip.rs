//! Who the client is, for per-client limits: the TCP peer, unless the peer is one of the
//! configured `trusted_proxies`; then the right-most address in the forwarding header
//! (`X-Forwarded-For` by default, or RFC 7239 `Forwarded`) that is not itself a trusted proxy.
//! A header from an untrusted peer is never read, so a client cannot choose its own bucket.
//! Limits key IPv6 clients by their /64 (one subscriber's prefix) and IPv4 by the address.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// An address range, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr[/prefix]`; `None` for anything else (a host bit set is refused too, so a
    /// typo such as `10.0.0.1/8` is not silently widened).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => p.parse::<u8>().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix > max || masked(net, prefix) != net {
            return None;
        }
        Some(Cidr { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && masked(ip, self.prefix) == self.net
    }
}

/// `ip` with all but its first `prefix` bits cleared.
fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & mask).into())
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, what a dual-stack listener reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Which header a trusted proxy writes the client's address into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, HAProxy, cloud load balancers, zkauth-lb).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"`.
    Forwarded,
}

/// The addresses in the forwarding header, left (farthest) to right (nearest); an entry that
/// is not an address (`unknown`, an obfuscated identifier, garbage) is `None`.
fn hops(headers: &HeaderMap, which: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match which {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let mut out = Vec::new();
    for value in headers.get_all(name) {
        let Ok(text) = value.to_str() else {
            out.push(None);
            continue;
        };
        for element in text.split(',') {
            let element = element.trim();
            let addr = match which {
                ForwardedHeader::XForwardedFor => Some(element),
                ForwardedHeader::Forwarded => element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .map(|(_, v)| v.trim()),
            };
            out.push(addr.and_then(parse_node));
        }
    }
    out
}

/// One node: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`, optionally quoted.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(s);
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().ok()).map(IpAddr::V6);
    }
    let (host, port) = s.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The client's address: `peer` unless it is a trusted proxy; then the right-most hop of the
/// header that is not a trusted proxy. When the header runs out (or names no address) the
/// nearest address known is the client: a proxy whose header is missing or unreadable shares
/// its own bucket, and nothing a client writes on the left can move it to another one.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr], which: ForwardedHeader) -> IpAddr {
    let trusted_ip = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = canonical(peer);
    if !trusted_ip(client) {
        return client;
    }
    for hop in hops(headers, which).into_iter().rev() {
        let Some(ip) = hop else { return client };
        client = canonical(ip);
        if !trusted_ip(client) {
            return client;
        }
    }
    client
}

/// The rate-limit key of an address: IPv4 as is, IPv6 by its /64.
/// The network a session records instead of the address: IPv4 /24, IPv6 /48.
pub fn network_prefix(ip: IpAddr) -> String {
    match canonical(ip) {
        v4 @ IpAddr::V4(_) => format!("{}/24", masked(v4, 24)),
        v6 => format!("{}/48", masked(v6, 48)),
    }
}

pub fn limit_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        v6 => format!("{}/64", masked(v6, 64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_session_keeps_only_the_network() {
        assert_eq!(network_prefix(ip("203.0.113.77")), "203.0.113.0/24");
        assert_eq!(network_prefix(ip("2001:db8:abcd:12:1:2:3:4")), "2001:db8:abcd::/48");
        assert_eq!(network_prefix(ip("::ffff:198.51.100.9")), "198.51.100.0/24", "a v4-mapped address is IPv4");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cidrs_parse_strictly_and_match_by_prefix() {
        let ten = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(ten.contains(ip("10.255.1.2")) && !ten.contains(ip("11.0.0.1")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped peer is IPv4");
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")) && !v6.contains(ip("10.0.0.1")));
        assert!(Cidr::parse("127.0.0.1").unwrap().contains(ip("127.0.0.1")));
        assert!(!Cidr::parse("127.0.0.1").unwrap().contains(ip("127.0.0.2")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.1/8", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/08x", "localhost", "", "10.0.0/8"] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let h = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &trusted, ForwardedHeader::XForwardedFor), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &[], ForwardedHeader::XForwardedFor), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap(), Cidr::parse("fd00::/8").unwrap()];
        let xff = ForwardedHeader::XForwardedFor;
        // The client wrote "6.6.6.6" itself; the load balancer appended the real 198.51.100.7.
        let h = headers("x-forwarded-for", &["6.6.6.6, 198.51.100.7"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted, xff), ip("198.51.100.7"));
        // Two trusted hops (an edge proxy, then an internal one), over two header lines.
        let h = headers("x-forwarded-for", &["6.6.6.6, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted, xff), ip("198.51.100.7"));
        // Garbage nearest to us: the proxy's own bucket, never the client's left-hand claims.
        let h = headers("x-forwarded-for", &["6.6.6.6, not-an-ip"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted, xff), ip("10.0.0.2"));
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted, xff), ip("10.0.0.2"));
        // Forwarded (RFC 7239 §7.4's examples), ports and brackets, and X-Forwarded-For ignored.
        let mut h = headers("forwarded", &[r#"for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https"#, "for=10.9.9.9"]);
        h.append("x-forwarded-for", HeaderValue::from_static("7.7.7.7"));
        assert_eq!(client_ip(ip("fd00::1"), &h, &trusted, ForwardedHeader::Forwarded), ip("2001:db8:cafe::17"));
        let h = headers("forwarded", &["for=192.0.2.60:8080;proto=http;by=203.0.113.43"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted, ForwardedHeader::Forwarded), ip("192.0.2.60"));
        let h = headers("forwarded", &["for=unknown"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted, ForwardedHeader::Forwarded), ip("10.0.0.2"));
    }

    #[test]
    fn limits_key_ipv6_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), limit_key(ip("2001:db8:1:2::1")));
        assert_eq!(limit_key(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }
}
