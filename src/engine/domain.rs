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

/// Whether `host` (lowercase, whose registrable domain is `host_registrable`)
/// is under the pack domain `domain`.
pub fn covers(domain: &str, host: &str, host_registrable: Option<&str>) -> bool {
    if host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
    {
        return true;
    }
    match host_registrable {
        Some(h) => registrable(domain).as_deref() == Some(h),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_registrable_domain_is_one_publisher() {
        let reg = |h: &str| registrable(h);
        assert_eq!(reg("news.bbc.co.uk").as_deref(), Some("bbc.co.uk"));
        assert!(covers(
            "bbc.co.uk",
            "feeds.bbc.co.uk",
            reg("feeds.bbc.co.uk").as_deref()
        ));
        assert!(covers(
            "naharnet.com",
            "cdn.naharnet.com",
            reg("cdn.naharnet.com").as_deref()
        ));
        assert!(covers(
            "english.aawsat.com",
            "aawsat.com",
            reg("aawsat.com").as_deref()
        ));
        assert!(!covers(
            "bbc.co.uk",
            "notbbc.co.uk",
            reg("notbbc.co.uk").as_deref()
        ));
        let blog = "aawsat-english.blogspot.com";
        assert!(!covers("other.blogspot.com", blog, reg(blog).as_deref()));
    }
}
