//! How long one pool operation may take before poolctl gives up on it: sized per pool
//! class to what the clouds take (a pool is usually ready in 5 to 15 minutes; GPU pools,
//! whose drivers install on every node, up to about 35), with room to spare, and
//! configurable with `--timeout [CLASS=]DURATION`.

use crate::plan::{ownership::CLASS_TAG, PoolChange};
use std::time::Duration;

const MINUTE: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub core: Duration,
    pub workload: Duration,
    pub spot: Duration,
    pub gpu: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            core: Duration::from_secs(30 * MINUTE),
            workload: Duration::from_secs(30 * MINUTE),
            spot: Duration::from_secs(30 * MINUTE),
            gpu: Duration::from_secs(60 * MINUTE),
        }
    }
}

impl Timeouts {
    /// Applies `--timeout` values in order: `DURATION` sets every class, `CLASS=DURATION`
    /// one of them.
    pub fn with(mut self, settings: &[String]) -> Result<Self, String> {
        for setting in settings {
            let (class, duration) = match setting.split_once('=') {
                Some((class, duration)) => (Some(class.trim()), duration.trim()),
                None => (None, setting.trim()),
            };
            let duration =
                parse_duration(duration).map_err(|why| format!("--timeout {setting}: {why}"))?;
            match class {
                None => {
                    self = Timeouts {
                        core: duration,
                        workload: duration,
                        spot: duration,
                        gpu: duration,
                    }
                }
                Some("core") => self.core = duration,
                Some("workload") => self.workload = duration,
                Some("spot") => self.spot = duration,
                Some("gpu") => self.gpu = duration,
                Some(other) => {
                    return Err(format!(
                        "--timeout {setting}: `{other}` is not a pool class (core, workload, \
                         spot, gpu)"
                    ))
                }
            }
        }
        Ok(self)
    }

    /// The deadline of each provider call of this change. A pool with GPUs takes the GPU
    /// time whatever its class; otherwise the class its tags or the blueprint give.
    pub fn for_change(&self, change: &PoolChange) -> Duration {
        let specs = [change.desired.as_ref(), change.live.as_ref()];
        if specs.iter().flatten().any(|s| s.gpu.is_some()) {
            return self.gpu;
        }
        let class = specs
            .iter()
            .flatten()
            .find_map(|s| s.tags.get(CLASS_TAG))
            .map(String::as_str);
        match class {
            Some("gpu") => self.gpu,
            Some("spot") => self.spot,
            Some("core") => self.core,
            _ if change.core => self.core,
            _ => self.workload,
        }
    }
}

/// `90s`, `45m`, `2h`, `1h30m`. A bare number is refused: `90` could be meant as
/// minutes, and a GPU pool given 90 seconds would fail for no reason.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("no duration".into());
    }
    if text.parse::<u64>().is_ok() {
        return Err(format!("`{text}` has no unit: write {text}s or {text}m"));
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => MINUTE,
            'h' => 60 * MINUTE,
            _ => return Err(format!("`{c}` is not a unit (s, m, h)")),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` has a unit without a number"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("`{text}` ends without a unit"));
    }
    if total == 0 {
        return Err("a timeout must be longer than zero".into());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("45m"), Ok(Duration::from_secs(2700)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("120").unwrap_err().contains("120s or 120m"));
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5").is_err());
    }

    #[test]
    fn a_class_setting_changes_that_class_only() {
        let t = Timeouts::default()
            .with(&["20m".into(), "gpu=90m".into()])
            .unwrap();
        assert_eq!(t.core, Duration::from_secs(1200));
        assert_eq!(t.gpu, Duration::from_secs(5400));
        assert!(Timeouts::default().with(&["highmem=1h".into()]).is_err());
    }
}
