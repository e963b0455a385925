//! The cluster lock: two `poolctl apply` runs never act on one cluster at once. The lock is
//! kept in the cloud itself, as cluster-level tags or labels (no local state), written once
//! here for every cloud through the provider's three lock calls.
//!
//! # The protocol: write your own key, then look again
//!
//! The clouds offer no compare-and-swap on a tag (EKS none at all), but every provider can add
//! or remove one record under its own key without losing anyone else's. That is enough:
//!
//! 1. Read the records. If another one is live (not expired), the lock is held: wait (poll
//!    until [`LockRequest::wait`] has passed) or refuse with [`LockError::Held`].
//! 2. Write our own record under a fresh random key `poolctl-lock-<8 hex>`, with the value
//!    `<since_unix>_<expires_unix>_<holder>`.
//! 3. Read again. If another live record is there, we lost a race: remove ours, back off a
//!    random time, and start over. Otherwise we hold the lock until we remove our record (or
//!    it expires).
//!
//! Why two contenders cannot both hold it: each one's record is in place (written, never
//! removed while it goes on) from before its second read to after it. Of the two second
//! reads, take the later one: it comes after the other contender's write, so it sees that
//! record, and that contender lost. (Both may lose and start over; the random back-off makes
//! that unlikely to repeat.) This needs what the providers give: a write is visible to every
//! read that starts after it returns (GKE's operation is waited for, ARM and EKS answer after
//! the change), and writes of other keys never undo it (GKE's fingerprint, ARM's Merge and
//! Delete, EKS's TagResource and UntagResource all change one key). It also needs leases much
//! longer than one round of the protocol, and clocks that agree to well within a lease.
//!
//! Records whose expiry has passed are ignored (a crashed run's lock frees itself), reported,
//! and removed by the next run that takes the lock; a record that cannot be read counts as
//! held. The values stay within what every cloud accepts: GKE label values are at most 63
//! characters of `[a-z0-9_-]`.

use poolctl_provider::{Provider, ProviderError, LOCK_KEY_PREFIX};
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longest record value: GKE's limit on a label value.
const MAX_VALUE_CHARS: usize = 63;
/// Rounds of lost races before poolctl gives up (each round backs off longer).
const MAX_RACE_ROUNDS: u32 = 30;
/// Longest pause between two reads while waiting for a held lock.
const MAX_POLL: Duration = Duration::from_secs(5);
const MIN_POLL: Duration = Duration::from_millis(100);

/// What `acquire` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    /// Who takes the lock, as others will see it (`alice@laptop-4242`); sanitized to
    /// `[a-z0-9-]` and shortened to fit in a record.
    pub holder: String,
    /// How long the lock lasts unless it is released (or renewed) before.
    pub lease: Duration,
    /// How long to wait for a lock held by someone else; zero refuses at once.
    pub wait: Duration,
}

/// A lock record as read from the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The tag or label key (`poolctl-lock-0a1b2c3d`).
    pub key: String,
    /// Who wrote it, as sanitized (`alice-laptop-4242`).
    pub holder: String,
    pub since: SystemTime,
    pub expires: SystemTime,
    /// Whether `expires` had passed when the record was read.
    pub expired: bool,
}

impl LockHolder {
    /// Reads one record; a value that is not `<since>_<expires>_<holder>` counts as a live
    /// lock held by someone poolctl cannot name (a newer poolctl's format, or a hand-made tag):
    /// breaking it is left to `poolctl unlock`.
    fn parse(key: &str, value: &str, now: SystemTime) -> LockHolder {
        let parsed = value.split_once('_').and_then(|(since, rest)| {
            let (expires, holder) = rest.split_once('_')?;
            Some((
                UNIX_EPOCH + Duration::from_secs(since.parse().ok()?),
                UNIX_EPOCH + Duration::from_secs(expires.parse().ok()?),
                holder.to_string(),
            ))
        });
        match parsed {
            Some((since, expires, holder)) => LockHolder {
                key: key.to_string(),
                holder,
                since,
                expires,
                expired: expires <= now,
            },
            None => LockHolder {
                key: key.to_string(),
                holder: format!("an unreadable record `{value}`"),
                since: UNIX_EPOCH,
                expires: UNIX_EPOCH,
                expired: false,
            },
        }
    }

    /// Whether the record could not be read (its times are unknown).
    pub fn is_unreadable(&self) -> bool {
        self.since == UNIX_EPOCH && self.expires == UNIX_EPOCH && !self.expired
    }
}

impl fmt::Display for LockHolder {
    /// `alice-laptop-4242 since 2026-11-30T14:38:00Z (12 minutes ago), until
    /// 2026-11-30T16:38:00Z (in 108 minutes)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unreadable() {
            return write!(f, "{} (key {})", self.holder, self.key);
        }
        let now = SystemTime::now();
        write!(
            f,
            "{} since {} ({}), {} {} ({})",
            self.holder,
            rfc3339(self.since),
            relative(self.since, now),
            if self.expired { "expired" } else { "until" },
            rfc3339(self.expires),
            relative(self.expires, now),
        )
    }
}

/// The lock, held: release it when done.
#[derive(Debug)]
#[must_use = "a lock that is not released stays until its lease expires"]
pub struct ClusterLock {
    key: String,
    value: String,
    holder: String,
    expires: SystemTime,
    expired: Vec<LockHolder>,
}

impl ClusterLock {
    /// The key of this run's record.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Who holds it, as the record says.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// When the lock frees itself unless renewed.
    pub fn expires(&self) -> SystemTime {
        self.expires
    }

    /// The expired records that were found, ignored and (as far as possible) removed while
    /// taking the lock: runs that ended without releasing theirs.
    pub fn expired_records(&self) -> &[LockHolder] {
        &self.expired
    }

    /// Moves the expiry to `lease` from now, rewriting this run's record in place.
    pub async fn renew(
        &mut self,
        provider: &dyn Provider,
        lease: Duration,
    ) -> Result<(), LockError> {
        let since = self
            .value
            .split_once('_')
            .and_then(|(since, _)| since.parse::<u64>().ok())
            .unwrap_or_else(|| unix(SystemTime::now()));
        let expires = SystemTime::now() + lease;
        let value = record_value(since, unix(expires), &self.holder);
        provider.put_lock_record(&self.key, &value).await?;
        self.value = value;
        self.expires = expires;
        Ok(())
    }

    /// Removes this run's record: the lock is free.
    pub async fn release(self, provider: &dyn Provider) -> Result<(), LockError> {
        provider.remove_lock_record(&self.key).await?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds the lock (and did not let go within the wait).
    #[error(
        "the cluster is locked by {holder}, since {} ({}), until {} ({}){}",
        rfc3339(*since),
        relative(*since, SystemTime::now()),
        rfc3339(*expires),
        relative(*expires, SystemTime::now()),
        waited_text(*waited)
    )]
    Held {
        holder: String,
        since: SystemTime,
        expires: SystemTime,
        /// The record's key, for `poolctl unlock --key`.
        key: String,
        /// How long poolctl waited before giving up.
        waited: Duration,
    },
    /// Reading or writing the lock records failed. (Not a `source`: the message already
    /// says it, and diagnostics would print it twice.)
    #[error("cluster lock: {0}")]
    Provider(ProviderError),
    /// Other runs kept taking the lock at the same moment, round after round.
    #[error("could not take the cluster lock: {rounds} attempts met another run taking it at the same moment")]
    Contended { rounds: u32 },
    /// The request cannot make a lock.
    #[error("cluster lock: {0}")]
    Invalid(String),
}

impl From<ProviderError> for LockError {
    fn from(err: ProviderError) -> Self {
        LockError::Provider(err)
    }
}

fn waited_text(waited: Duration) -> String {
    if waited.is_zero() {
        String::new()
    } else {
        format!("; waited {}", duration_text(waited))
    }
}

impl miette::Diagnostic for LockError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self {
            LockError::Held { .. } => "poolctl::lock::held",
            LockError::Provider(_) => "poolctl::lock::provider",
            LockError::Contended { .. } => "poolctl::lock::contended",
            LockError::Invalid(_) => "poolctl::lock::invalid",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match self {
            LockError::Held { key, .. } => format!(
                "another poolctl run is changing this cluster. Wait for it: `poolctl apply \
                 --lock-timeout 15m` waits up to 15 minutes for the lock. If that run is gone \
                 (a killed CI job), its lock ends by itself at its expiry, or break it now: \
                 `poolctl unlock -f BLUEPRINT --key {key}`"
            ),
            LockError::Provider(err) => err.help()?,
            LockError::Contended { .. } => {
                "run it again; `poolctl unlock -f BLUEPRINT` lists the lock records".to_string()
            }
            LockError::Invalid(_) => return None,
        };
        Some(Box::new(help))
    }
}

/// Who takes the lock, as others will see it, sanitized for a record: `POOLCTL_LOCK_HOLDER`
/// when set (a CI job names itself: `POOLCTL_LOCK_HOLDER=deploy-prod-1234`), else
/// `user@host-pid`.
pub fn default_holder() -> String {
    if let Some(named) = std::env::var("POOLCTL_LOCK_HOLDER")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return sanitize_holder(&named);
    }
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    sanitize_holder(&format!("{user}@{host}-{}", std::process::id()))
}

/// Lowercase letters, digits and single dashes: a valid part of a GKE label value.
fn sanitize_holder(holder: &str) -> String {
    let mut out = String::with_capacity(holder.len());
    for c in holder.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "unknown".to_string()
    } else {
        out
    }
}

/// `<since>_<expires>_<holder>`, the holder shortened so the whole is at most 63 characters.
fn record_value(since: u64, expires: u64, holder: &str) -> String {
    let prefix = format!("{since}_{expires}_");
    let room = MAX_VALUE_CHARS.saturating_sub(prefix.len()).max(1);
    let holder = sanitize_holder(holder);
    let holder: String = holder.chars().take(room).collect();
    format!("{prefix}{}", holder.trim_end_matches('-'))
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A number that differs between runs and calls: std's `RandomState` is seeded randomly.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

fn fresh_key() -> String {
    format!("{LOCK_KEY_PREFIX}{:08x}", random_u64() as u32)
}

/// Uniform in `[0, ceiling]`.
fn jitter(ceiling: Duration) -> Duration {
    ceiling.mul_f64((random_u64() >> 11) as f64 / (1u64 << 53) as f64)
}

/// Every lock record of the cluster, oldest first.
pub async fn holders(provider: &dyn Provider) -> Result<Vec<LockHolder>, LockError> {
    let records = provider.lock_records().await?;
    Ok(parse_records(&records, SystemTime::now()))
}

fn parse_records(records: &BTreeMap<String, String>, now: SystemTime) -> Vec<LockHolder> {
    let mut holders: Vec<LockHolder> = records
        .iter()
        .filter(|(key, _)| key.starts_with(LOCK_KEY_PREFIX))
        .map(|(key, value)| LockHolder::parse(key, value, now))
        .collect();
    holders.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.key.cmp(&b.key)));
    holders
}

/// The live records other than `own`, oldest first.
fn live_others(holders: &[LockHolder], own: Option<&str>) -> Vec<LockHolder> {
    holders
        .iter()
        .filter(|h| !h.expired && Some(h.key.as_str()) != own)
        .cloned()
        .collect()
}

/// Takes the cluster lock, waiting up to `req.wait` while someone else holds it;
/// `on_wait` is called with the holder before each pause of that wait.
pub async fn acquire(
    provider: &dyn Provider,
    req: &LockRequest,
    on_wait: &(dyn Fn(&LockHolder) + Sync),
) -> Result<ClusterLock, LockError> {
    if req.lease.is_zero() {
        return Err(LockError::Invalid(
            "a lock needs a lease longer than zero".to_string(),
        ));
    }
    let started = Instant::now();
    let poll = (req.wait / 20).clamp(MIN_POLL, MAX_POLL);
    let mut rounds = 0u32;
    loop {
        // 1. Is it held?
        let seen = holders(provider).await?;
        if let Some(holder) = live_others(&seen, None).into_iter().next() {
            let waited = started.elapsed();
            if waited >= req.wait {
                return Err(LockError::Held {
                    holder: holder.holder,
                    since: holder.since,
                    expires: holder.expires,
                    key: holder.key,
                    waited: if req.wait.is_zero() {
                        Duration::ZERO
                    } else {
                        waited
                    },
                });
            }
            on_wait(&holder);
            let pause = (poll + jitter(poll / 5)).min(req.wait - waited);
            tokio::time::sleep(pause.max(Duration::from_millis(1))).await;
            continue;
        }
        // 2. Write our own record.
        let key = fresh_key();
        let now = SystemTime::now();
        let expires = now + req.lease;
        let value = record_value(unix(now), unix(expires), &req.holder);
        let round_started = Instant::now();
        if let Err(err) = provider.put_lock_record(&key, &value).await {
            // The write may have landed even so: leave nothing behind.
            let _ = provider.remove_lock_record(&key).await;
            return Err(err.into());
        }
        // 3. Look again.
        let after = match holders(provider).await {
            Ok(after) => after,
            Err(err) => {
                let _ = provider.remove_lock_record(&key).await;
                return Err(err);
            }
        };
        let ours = after.iter().any(|h| h.key == key);
        let others = live_others(&after, Some(&key));
        if ours && others.is_empty() {
            let expired: Vec<LockHolder> = after.into_iter().filter(|h| h.expired).collect();
            for stale in &expired {
                tracing::warn!(
                    "ignoring an expired cluster lock: {stale}; removing it (its run ended \
                     without releasing it)"
                );
                if let Err(err) = provider.remove_lock_record(&stale.key).await {
                    tracing::warn!("could not remove the expired lock {}: {err}", stale.key);
                }
            }
            return Ok(ClusterLock {
                key,
                holder: value.splitn(3, '_').nth(2).unwrap_or_default().to_string(),
                value,
                expires,
                expired,
            });
        }
        // Lost a race (or our record is not there to be seen): step back and start over.
        provider.remove_lock_record(&key).await?;
        rounds += 1;
        if rounds >= MAX_RACE_ROUNDS {
            return Err(LockError::Contended { rounds });
        }
        let round_trip = round_started.elapsed().max(Duration::from_millis(10));
        let back_off = jitter(round_trip * (1u32 << rounds.min(4)));
        tracing::info!(
            "another run took the cluster lock at the same moment; trying again in {:.1}s",
            back_off.as_secs_f64()
        );
        tokio::time::sleep(back_off).await;
    }
}

/// `2026-11-30T14:38:00Z`: RFC 3339 in UTC, to the second.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = unix(time);
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `12 minutes ago` or `in 3 hours`, from `now`.
pub fn relative(time: SystemTime, now: SystemTime) -> String {
    match now.duration_since(time) {
        Ok(past) => format!("{} ago", duration_text(past)),
        Err(future) => format!("in {}", duration_text(future.duration())),
    }
}

/// `42 seconds`, `1 minute`, `12 minutes`, `3 hours`, `2 days`: whole units, rounded down.
fn duration_text(d: Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = if secs < 60 {
        (secs, "second")
    } else if secs < 2 * 3600 {
        (secs / 60, "minute")
    } else if secs < 2 * 86_400 {
        (secs / 3600, "hour")
    } else {
        (secs / 86_400, "day")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_and_relative() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_693_020)),
            "2026-11-26T11:37:00Z"
        );
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let ago = |s: u64| relative(now - Duration::from_secs(s), now);
        assert_eq!(ago(0), "0 seconds ago");
        assert_eq!(ago(59), "59 seconds ago");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(12 * 60 + 30), "12 minutes ago");
        assert_eq!(ago(119 * 60), "119 minutes ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(3 * 86_400), "3 days ago");
        assert_eq!(
            relative(now + Duration::from_secs(90 * 60), now),
            "in 90 minutes"
        );
    }

    #[test]
    fn values_fit_every_cloud_and_read_back() {
        let holder = "Alice.Smith@build-runner-17.eu-west-1.compute.internal-4242_x";
        let value = record_value(1_795_693_020, 1_795_700_220, holder);
        assert!(value.len() <= MAX_VALUE_CHARS, "{value}");
        assert!(
            value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'),
            "{value}"
        );
        assert!(value.starts_with("1795693020_1795700220_alice-smith-build-runner"));
        let now = UNIX_EPOCH + Duration::from_secs(1_795_693_100);
        let read = LockHolder::parse("poolctl-lock-0a1b2c3d", &value, now);
        assert_eq!(read.since, UNIX_EPOCH + Duration::from_secs(1_795_693_020));
        assert!(!read.expired);
        assert!(read.holder.starts_with("alice-smith"));
        let later = UNIX_EPOCH + Duration::from_secs(1_795_700_220);
        assert!(LockHolder::parse("k", &value, later).expired);
        // A value poolctl cannot read is a live lock, never a free cluster.
        let odd = LockHolder::parse("poolctl-lock-x", "someone's", now);
        assert!(!odd.expired && odd.is_unreadable());
        assert_eq!(sanitize_holder("@@"), "unknown");
        assert_eq!(sanitize_holder("CI Runner #7"), "ci-runner-7");
    }

    #[test]
    fn keys_are_fresh_and_valid_gke_label_keys() {
        let a = fresh_key();
        let b = fresh_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), LOCK_KEY_PREFIX.len() + 8);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert!(!default_holder().is_empty());
    }
}
