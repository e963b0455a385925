//! `poolctl-http`: what every REST provider of poolctl does the same way around its HTTP
//! calls, written once: the process's one HTTP client, telling a loopback endpoint (an
//! emulator) from a cloud, naming an endpoint and a call in messages and log lines, and
//! keeping secrets out of those lines.
//!
//! It knows no cloud: retries, errors and wire types stay in each provider.

use std::time::Duration;

/// One HTTP client for the whole process: building one loads the system's root
/// certificates (tens of milliseconds), and a fleet plan would otherwise pay that per
/// cluster; sharing it also shares connections to the same endpoint.
pub fn shared_client() -> Result<reqwest::Client, reqwest::Error> {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(http) = HTTP.get() {
        return Ok(http.clone());
    }
    let http = reqwest::Client::builder()
        .user_agent(concat!("poolctl/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()?;
    Ok(HTTP.get_or_init(|| http).clone())
}

/// True when the URL points at this machine (an emulator, a local proxy): providers send
/// no credentials there unless asked to.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// `host[:port]` of a URL, for "could not reach" messages.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// The path and query of a URL, for the `-v` lines.
pub fn path_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

/// reqwest's own message only says "error sending request for url (...)"; the causes
/// under it say what happened (refused, timed out, bad certificate).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = err.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        err.to_string()
    } else {
        causes.join(": ")
    }
}

/// A body for the `-vv` log: JSON with the values of secret-looking keys replaced, or the
/// start of the raw text when it is not JSON.
pub fn redacted(body: &[u8]) -> String {
    fn scrub(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    let key = key.to_ascii_lowercase();
                    let secret = [
                        "token",
                        "secret",
                        "password",
                        "private_key",
                        "authorization",
                    ]
                    .iter()
                    .any(|s| key.contains(s));
                    if secret {
                        *value = serde_json::Value::String("[redacted]".into());
                    } else {
                        scrub(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            scrub(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).chars().take(2000).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_are_recognized() {
        assert!(is_loopback("http://127.0.0.1:8787"));
        assert!(is_loopback("http://localhost:1"));
        assert!(is_loopback("http://[::1]:9000/"));
        assert!(!is_loopback("https://container.googleapis.com"));
        assert!(!is_loopback("https://management.azure.com"));
        assert!(!is_loopback("http://10.0.0.1"));
        assert!(!is_loopback("not a url"));
    }

    #[test]
    fn urls_are_named_by_host_and_path() {
        assert_eq!(host_of("http://127.0.0.1:8787/v1/x?y=1"), "127.0.0.1:8787");
        assert_eq!(
            host_of("https://management.azure.com/s"),
            "management.azure.com"
        );
        assert_eq!(path_of("https://h/a/b?api-version=1"), "/a/b?api-version=1");
        assert_eq!(path_of("https://h/a"), "/a");
    }

    #[test]
    fn secrets_never_reach_a_log_line() {
        let body = br#"{"access_token":"abc","nested":{"clientSecret":"s","name":"x"},"list":[{"Password":"p"}]}"#;
        let shown = redacted(body);
        for secret in ["abc", "\"s\"", "\"p\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("\"name\":\"x\""), "{shown}");
        assert_eq!(redacted(b"plain text"), "plain text");
    }
}
