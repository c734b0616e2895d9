//! Outbound requests to URLs that strangers submit (repository registration): which addresses
//! essor refuses to reach (loopback, private, link-local, CGNAT, multicast, cloud metadata…),
//! checked after DNS resolution at connect time (the resolver below) and on every redirect (the
//! redirect policy), with caps on redirects, time and response size. Without these, a
//! registration form is a way to make the server read its own cloud credentials or an intranet.
//!
//! Literal IP hosts never reach a resolver (hyper connects to them directly), so
//! [`check_target`] checks them itself, before the first request and at every redirect. A name
//! is resolved once per connection by [`GuardedResolver`], which hands hyper only the addresses
//! it allows: a name that resolves to 127.0.0.1 (or rebinds to it later) cannot be reached.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::HarvestError;
use super::client::{USER_AGENT, describe_reqwest};

/// The environment variable that lets essor reach private networks (tests on 127.0.0.1,
/// deployments that harvest an intranet). Only the exact value `true` allows it.
pub const ALLOW_PRIVATE_ENV: &str = "ESSOR_ALLOW_PRIVATE_NETWORKS";

/// Redirects followed per request (a registration's base URL may move once or twice).
pub const MAX_REDIRECTS: usize = 5;

/// Each request, body included, ends within this (BASE OVAL's rule: 20 s per answer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A response body larger than this is refused (after decompression): a first page of an
/// OAI-PMH list is a few megabytes at most.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Which networks outbound requests to untrusted URLs may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkPolicy {
    /// Loopback, private, link-local… allowed too (`ESSOR_ALLOW_PRIVATE_NETWORKS=true`).
    pub allow_private: bool,
}

impl NetworkPolicy {
    /// Public addresses only unless `ESSOR_ALLOW_PRIVATE_NETWORKS=true`.
    pub fn from_env() -> NetworkPolicy {
        NetworkPolicy {
            allow_private: std::env::var(ALLOW_PRIVATE_ENV).is_ok_and(|value| value == "true"),
        }
    }
}

/// Why a URL or an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("only http and https URLs are fetched, not {0}:")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error(
        "{host} is {address}, a {why} address: essor does not fetch from it (set {ALLOW_PRIVATE_ENV}=true on a private deployment)"
    )]
    Address {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    #[error("{host} resolves to no address essor may reach ({addresses})")]
    Resolved { host: String, addresses: String },
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

/// Why `address` may not be reached from a public service, or `None` when it may. IPv4
/// addresses embedded in IPv6 ones (mapped, compatible, NAT64, 6to4) are judged as IPv4.
pub fn forbidden(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    Some(match (a, b, c) {
        _ if address == Ipv4Addr::new(169, 254, 169, 254) => "cloud metadata",
        (0, _, _) => "unspecified (\"this network\")",
        (127, _, _) => "loopback",
        (10, _, _) | (192, 168, _) => "private",
        (172, 16..=31, _) => "private",
        (100, 64..=127, _) => "carrier-grade NAT (shared)",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "IETF protocol assignment",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved or broadcast",
        _ => return None,
    })
}

fn forbidden_v6(address: Ipv6Addr) -> Option<&'static str> {
    let segments = address.segments();
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if address.is_unspecified() {
        return Some("unspecified");
    }
    if address.is_loopback() {
        return Some("loopback");
    }
    if address == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some("cloud metadata");
    }
    match segments {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
        [0, 0, 0, 0, 0, 0xffff | 0, high, low] => forbidden_v4(embedded_v4(high, low)),
        // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => forbidden_v4(embedded_v4(high, low)),
        // 6to4 (2002::/16) embeds an IPv4 address in bits 16..48.
        [0x2002, high, low, ..] => forbidden_v4(embedded_v4(high, low)),
        [first, ..] if first & 0xfe00 == 0xfc00 => Some("unique local (private)"),
        [first, ..] if first & 0xffc0 == 0xfe80 => Some("link-local"),
        [first, ..] if first & 0xffc0 == 0xfec0 => Some("site-local (private)"),
        [first, ..] if first & 0xff00 == 0xff00 => Some("multicast"),
        [0x0100, 0, 0, 0, ..] => Some("discard-only"),
        _ => None,
    }
}

/// Whether `url` may be requested: http or https, with a host, and a literal IP host allowed
/// by `policy`. Names are checked when they are resolved ([`GuardedResolver`]).
pub fn check_target(url: &url::Url, policy: NetworkPolicy) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scheme(url.scheme().to_owned()));
    }
    let address = match url.host() {
        None => return Err(Refused::NoHost),
        Some(url::Host::Domain(_)) => return Ok(()),
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    match forbidden(address) {
        Some(why) if !policy.allow_private => Err(Refused::Address {
            host: url.host_str().unwrap_or_default().to_owned(),
            address,
            why,
        }),
        _ => Ok(()),
    }
}

/// The redirect decision, apart from reqwest so it can be tested: `hops` redirects already
/// followed, `next` the one asked for.
pub fn check_redirect(next: &url::Url, hops: usize, policy: NetworkPolicy) -> Result<(), Refused> {
    if hops >= MAX_REDIRECTS {
        return Err(Refused::TooManyRedirects);
    }
    check_target(next, policy)
}

/// A resolver that only hands out addresses [`forbidden`] allows: names are looked up with the
/// system's resolver (on a blocking thread), and the forbidden addresses removed; a name left
/// with none is refused with every address it had.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver;

impl GuardedResolver {
    /// Resolves `host` and keeps the addresses allowed.
    pub async fn lookup(
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        let allowed: Vec<SocketAddr> = resolved
            .iter()
            .filter(|address| forbidden(address.ip()).is_none())
            .copied()
            .collect();
        if allowed.is_empty() {
            let addresses = resolved
                .iter()
                .map(|address| {
                    let why = forbidden(address.ip()).unwrap_or("allowed");
                    format!("{}: {why}", address.ip())
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Box::new(Refused::Resolved {
                host: host.to_owned(),
                addresses: if addresses.is_empty() {
                    "none".to_owned()
                } else {
                    addresses
                },
            }));
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let allowed = GuardedResolver::lookup(&host).await?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client for untrusted URLs: the guarded resolver (unless `policy` allows private
/// networks), every redirect re-checked, at most [`MAX_REDIRECTS`] of them, no proxy from the
/// environment (a proxy would resolve names itself), [`REQUEST_TIMEOUT`] per request.
pub fn untrusted_client(policy: NetworkPolicy) -> Result<reqwest::Client, HarvestError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        match check_redirect(attempt.url(), attempt.previous().len(), policy) {
            Ok(()) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    });
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(redirects)
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(REQUEST_TIMEOUT)
        .gzip(true)
        .deflate(true);
    if !policy.allow_private {
        builder = builder.dns_resolver(GuardedResolver);
    }
    builder
        .build()
        .map_err(|e| HarvestError::Setup(format!("HTTP client: {e}")))
}

/// Reads a response's body, refusing it once it passes `cap` bytes (decompressed).
pub async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| describe_reqwest(&error))?
    {
        if body.len() + chunk.len() > cap {
            return Err(format!(
                "the response is larger than {} MiB",
                cap / (1024 * 1024)
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: NetworkPolicy = NetworkPolicy {
        allow_private: false,
    };
    const PRIVATE_ALLOWED: NetworkPolicy = NetworkPolicy {
        allow_private: true,
    };

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for address in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "169.254.1.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert!(forbidden(ip).is_some(), "{address} should be forbidden");
        }
        assert_eq!(
            forbidden("169.254.169.254".parse().unwrap()),
            Some("cloud metadata")
        );
        assert_eq!(
            forbidden("fd00:ec2::254".parse().unwrap()),
            Some("cloud metadata")
        );
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in [
            "1.1.1.1",
            "193.54.0.1",
            "172.32.0.1",
            "100.128.0.1",
            "2001:660::1",
            "::ffff:193.54.0.1",
            "2a00:1450::1",
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(forbidden(ip), None, "{address}");
        }
    }

    #[test]
    fn literal_private_hosts_are_refused_unless_allowed() {
        for target in [
            "http://127.0.0.1:8080/oai",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/oai",
            "http://[::ffff:127.0.0.1]/oai",
            "http://10.0.0.7/oai",
            "http://100.64.1.1/oai",
            "http://2130706433/oai",
            "http://0x7f.1/oai",
        ] {
            let refused = check_target(&url(target), DEFAULT);
            assert!(
                matches!(refused, Err(Refused::Address { .. })),
                "{target}: {refused:?}"
            );
            assert_eq!(
                check_target(&url(target), PRIVATE_ALLOWED),
                Ok(()),
                "{target}"
            );
        }
        assert_eq!(
            check_target(&url("https://hal.science/oai"), DEFAULT),
            Ok(())
        );
    }

    #[test]
    fn only_http_and_https_are_fetched_even_on_private_deployments() {
        for target in ["file:///etc/passwd", "ftp://example.org/", "gopher://x/"] {
            assert!(matches!(
                check_target(&url(target), PRIVATE_ALLOWED),
                Err(Refused::Scheme(_))
            ));
        }
    }

    #[test]
    fn redirects_are_checked_at_every_hop() {
        let public = url("https://theses.example.org/oai");
        assert_eq!(check_redirect(&public, 0, DEFAULT), Ok(()));
        for private in [
            "http://127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:7f00:1]/",
            "http://10.0.0.1/",
        ] {
            assert!(
                matches!(
                    check_redirect(&url(private), 1, DEFAULT),
                    Err(Refused::Address { .. })
                ),
                "{private}"
            );
            assert_eq!(check_redirect(&url(private), 1, PRIVATE_ALLOWED), Ok(()));
        }
        assert_eq!(
            check_redirect(&url("file:///etc/passwd"), 0, PRIVATE_ALLOWED),
            Err(Refused::Scheme("file".into()))
        );
        assert_eq!(
            check_redirect(&public, MAX_REDIRECTS, PRIVATE_ALLOWED),
            Err(Refused::TooManyRedirects)
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        let name: Name = "localhost".parse().unwrap();
        let refused = GuardedResolver.resolve(name).await;
        let message = refused.err().expect("localhost refused").to_string();
        assert!(message.contains("loopback"), "{message}");
    }

    /// Redirects through a real client and a server on 127.0.0.1. Reaching that server at all
    /// needs private networks allowed, so what is checked here is what holds even then (a
    /// redirect to file: is not followed, an endless one is cut) and that the default policy
    /// refuses the server by literal address and by name; a redirect *to* a private address runs
    /// `check_redirect`, tested above.
    #[tokio::test]
    async fn a_real_redirect_goes_through_the_policy() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = vec![0u8; 4096];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).to_string();
                let location = if request.starts_with("GET /to-file") {
                    "file:///etc/passwd".to_owned()
                } else {
                    // Loops on itself: /loop → /loop.
                    format!("http://127.0.0.1:{port}/loop")
                };
                let answer = format!(
                    "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        let client = untrusted_client(PRIVATE_ALLOWED).unwrap();
        // reqwest does not follow a redirect to another scheme at all: the 302 is the answer.
        let response = client
            .get(format!("http://127.0.0.1:{port}/to-file"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 302);
        assert_eq!(response.url().path(), "/to-file");
        let error = client
            .get(format!("http://127.0.0.1:{port}/loop"))
            .send()
            .await
            .expect_err("an endless redirect is refused");
        assert!(error.is_redirect(), "{error:?}");

        // Under the default policy the very first hop to the test server is refused: literal
        // loopback, before any connection.
        assert!(check_target(&url(&format!("http://127.0.0.1:{port}/")), DEFAULT).is_err());
        // And a client built with the default policy cannot reach `localhost` by name.
        let guarded = untrusted_client(DEFAULT).unwrap();
        let error = guarded
            .get(format!("http://localhost:{port}/loop"))
            .send()
            .await
            .expect_err("localhost refused by the resolver");
        let message = describe_reqwest(&error);
        assert!(message.contains("loopback"), "{message}");
    }
}
