//! Which publisher domain a URL's host is under.
//!
//! A host is under a pack's domain when it is that domain, a subdomain of
//! it, or shares its registrable domain (the part a registrant owns, by the
//! public suffix list): `cdn.naharnet.com` and `naharnet.com` are one
//! publisher, while `aawsat-english.blogspot.com` is not `blogspot.com`.

/// The lowercase host of a URL, without a leading `www.`.
pub fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("https://{url}")))
        .ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// The registrable domain of `host` (`news.bbc.co.uk` → `bbc.co.uk`), when
/// the public suffix list knows its suffix.
pub fn registrable(host: &str) -> Option<String> {
    psl::domain_str(host.trim_end_matches('.')).map(str::to_ascii_lowercase)
}

/// Whether `host` (lowercase) is the pack domain `domain` or a subdomain of
/// it. A host is also under a domain whose registrable domain it shares;
/// the caller compares those.
pub fn covers(domain: &str, host: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Whether `host` is under `domain`: [`covers`], or the same registrable
/// domain.
pub fn under(domain: &str, host: &str) -> bool {
    covers(domain, host) || registrable(host).is_some_and(|h| registrable(domain) == Some(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_registrable_domain_is_one_publisher() {
        assert_eq!(registrable("news.bbc.co.uk").as_deref(), Some("bbc.co.uk"));
        assert!(under("bbc.co.uk", "feeds.bbc.co.uk"));
        assert!(under("naharnet.com", "cdn.naharnet.com"));
        assert!(under("english.aawsat.com", "aawsat.com"));
        assert!(!under("bbc.co.uk", "notbbc.co.uk"));
        assert!(!under("other.blogspot.com", "aawsat-english.blogspot.com"));
    }
}
