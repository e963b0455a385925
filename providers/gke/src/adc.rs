//! Which Google credentials application default credentials (ADC) will use, found the way
//! google-cloud-auth looks for them (the key file in GOOGLE_APPLICATION_CREDENTIALS, then
//! gcloud's file under $HOME, then the metadata server), so that a failure says what was
//! tried and how to fix it instead of the library's generic sentence.

use std::path::PathBuf;

/// Where ADC takes credentials from on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AdcSource {
    /// The file GOOGLE_APPLICATION_CREDENTIALS names (even when it is missing: ADC then
    /// fails rather than falling back).
    EnvFile(PathBuf),
    /// gcloud's file, written by `gcloud auth application-default login`.
    WellKnown(PathBuf),
    /// Neither file: the metadata server of a Google Cloud machine.
    MetadataServer {
        /// The gcloud file that was looked for, when HOME is set.
        well_known: Option<PathBuf>,
        host: String,
    },
}

/// How to get credentials, whatever went wrong.
pub(crate) const FIX: &str = "run `gcloud auth application-default login`; or set \
    GOOGLE_APPLICATION_CREDENTIALS to a service-account key file; or run poolctl on Google \
    Cloud, where the metadata server provides credentials; or try poolctl without a cloud \
    with --emulator";

pub(crate) fn adc_source() -> AdcSource {
    if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
        return AdcSource::EnvFile(path.into());
    }
    let well_known = std::env::var_os("HOME").map(|home| {
        PathBuf::from(home).join(".config/gcloud/application_default_credentials.json")
    });
    if let Some(path) = &well_known {
        // Only a missing file falls through to the metadata server; an unreadable one is
        // an error, as in google-cloud-auth.
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            _ => return AdcSource::WellKnown(path.clone()),
        }
    }
    let host = std::env::var("GCE_METADATA_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "metadata.google.internal".to_string());
    AdcSource::MetadataServer { well_known, host }
}

impl AdcSource {
    /// What went wrong, in one sentence, given the innermost cause of the failure.
    pub(crate) fn failure(&self, cause: &str) -> String {
        match self {
            AdcSource::EnvFile(path) => format!(
                "cannot use the credentials file {} named by GOOGLE_APPLICATION_CREDENTIALS: {cause}",
                path.display()
            ),
            AdcSource::WellKnown(path) => format!(
                "cannot use the gcloud application default credentials in {}: {cause}",
                path.display()
            ),
            AdcSource::MetadataServer { well_known, host } => {
                let file = match well_known {
                    Some(path) => format!("{} does not exist", path.display()),
                    None => "HOME is not set, so gcloud's credentials file was not looked for"
                        .to_string(),
                };
                format!(
                    "no Google credentials found: GOOGLE_APPLICATION_CREDENTIALS is not set, \
                     {file}, and the metadata server at {host} (only on Google Cloud) gave no \
                     token: {cause}"
                )
            }
        }
    }
}

/// The innermost cause of an error chain, without google-cloud-auth's retry commentary.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &dyn std::error::Error = err;
    while let Some(next) = last.source() {
        last = next;
    }
    let text = last.to_string();
    let text = text
        .trim_end_matches(" but future attempts may succeed")
        .trim_end_matches(" and future attempts will not succeed");
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chain(&'static str, Option<Box<Chain>>);

    impl std::fmt::Display for Chain {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Chain {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|c| c as _)
        }
    }

    #[test]
    fn the_root_cause_loses_the_retry_commentary() {
        let err = Chain(
            "Fetching the token resulted in transient errors.",
            Some(Box::new(Chain(
                "Connection refused (os error 111) but future attempts may succeed",
                None,
            ))),
        );
        assert_eq!(root_cause(&err), "Connection refused (os error 111)");
    }

    #[test]
    fn the_metadata_server_failure_names_what_was_tried() {
        let source = AdcSource::MetadataServer {
            well_known: Some(PathBuf::from("/home/me/.config/gcloud/adc.json")),
            host: "metadata.google.internal".into(),
        };
        let text = source.failure("connection refused");
        assert!(
            text.contains("GOOGLE_APPLICATION_CREDENTIALS is not set"),
            "{text}"
        );
        assert!(
            text.contains("/home/me/.config/gcloud/adc.json does not exist"),
            "{text}"
        );
        assert!(text.contains("metadata.google.internal"), "{text}");
    }
}
