//! One runnable probe built from a `[[probe]]`: measures with its timeout and turns the
//! outcome into a classified [`ProbeSample`]. Never fails and never panics on what a server
//! answers: every failure becomes an `Error` sample with the reason.

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::runbook::{Connection, ProbeKind, ProbeSpec, Runbook};

use super::error::ProbeError;
use super::http::HttpProbe;
use super::prometheus::{PromAuth, PrometheusProbe};
use super::reading::Reading;
use super::sample::{ProbeSample, ProbeStatus};
use super::sql::SqlProbe;
use super::thresholds::{badness, classify};

/// Series kept per sample (sorted by labels); the value and status still come from all.
pub const MAX_SERIES: usize = 200;

enum Source {
    Prometheus(PrometheusProbe),
    Sql(SqlProbe),
    Http(HttpProbe),
    /// Declared wrongly: every sample is an error saying why.
    Invalid(ProbeError),
}

/// A probe ready to sample.
pub struct Probe {
    spec: ProbeSpec,
    source: Source,
}

impl Probe {
    /// Builds a probe, reading credentials and `${VAR}`s from the process environment.
    pub fn new(spec: &ProbeSpec, connections: &[Connection]) -> Probe {
        Probe::with_env(spec, connections, &|var| std::env::var(var).ok())
    }

    /// Builds a probe with `lookup` standing in for the environment (for URLs and
    /// Prometheus credentials; SQL connection URLs are expanded by the db layer).
    pub fn with_env(
        spec: &ProbeSpec,
        connections: &[Connection],
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Probe {
        let source = build(spec, connections, lookup).unwrap_or_else(Source::Invalid);
        Probe {
            spec: spec.clone(),
            source,
        }
    }

    pub fn spec(&self) -> &ProbeSpec {
        &self.spec
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Measures once, within the probe's timeout, and classifies the result.
    pub async fn sample(&mut self) -> ProbeSample {
        let started = Instant::now();
        let timeout = self.spec.timeout;
        let outcome = match tokio::time::timeout(timeout, self.measure()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ProbeError::Timeout(timeout)),
        };
        let latency = started.elapsed();
        if let Err(e) = &outcome {
            tracing::debug!(probe = %self.spec.name, error = %e, "probe failed");
        }
        to_sample(&self.spec, outcome, latency)
    }

    async fn measure(&mut self) -> Result<Reading, ProbeError> {
        match &mut self.source {
            Source::Prometheus(p) => p.measure().await,
            Source::Sql(p) => p.measure().await,
            Source::Http(p) => p.measure().await,
            Source::Invalid(e) => Err(e.clone()),
        }
    }
}

/// Every probe of a runbook, in order.
pub fn probes_for(runbook: &Runbook) -> Vec<Probe> {
    runbook
        .probes
        .iter()
        .map(|spec| Probe::new(spec, &runbook.connections))
        .collect()
}

fn build(
    spec: &ProbeSpec,
    connections: &[Connection],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Source, ProbeError> {
    let need = |field: &Option<String>, what: &str| {
        field
            .clone()
            .ok_or_else(|| ProbeError::Config(format!("probe `{}` needs `{what}`", spec.name)))
    };
    if spec.timeout.is_zero() {
        return Err(ProbeError::Config(format!(
            "probe `{}`: timeout must be more than 0",
            spec.name
        )));
    }
    Ok(match spec.kind {
        ProbeKind::Prometheus => Source::Prometheus(PrometheusProbe::new(
            &need(&spec.url, "url")?,
            &need(&spec.query, "query")?,
            PromAuth::from_env(&spec.name, lookup),
            spec.timeout,
            lookup,
        )?),
        ProbeKind::Http => Source::Http(HttpProbe::new(
            &need(&spec.url, "url")?,
            spec.json_pointer.as_deref(),
            spec.timeout,
            lookup,
        )?),
        ProbeKind::Sql => {
            let name = need(&spec.connection, "connection")?;
            let connection = connections.iter().find(|c| c.name == name).ok_or_else(|| {
                ProbeError::Config(format!(
                    "probe `{}`: no connection named `{name}`",
                    spec.name
                ))
            })?;
            Source::Sql(SqlProbe::new(
                &name,
                &connection.url_template,
                spec.query.as_deref(),
                spec.timeout,
            ))
        }
    })
}

/// Classifies a measurement. With several series, each is classified and the probe takes
/// the worst one's status and value (ties broken by how far into the bad side it is); NaN
/// series count only when every series is NaN.
pub(crate) fn to_sample(
    spec: &ProbeSpec,
    outcome: Result<Reading, ProbeError>,
    latency: Duration,
) -> ProbeSample {
    let at = Utc::now();
    let mut sample = ProbeSample {
        probe: spec.name.clone(),
        at,
        value: None,
        series: vec![],
        status: ProbeStatus::Error,
        error: None,
        latency,
    };
    let reading = match outcome {
        Ok(r) => r,
        Err(e) => {
            sample.error = Some(e.to_string());
            return sample;
        }
    };
    let (warn, critical) = (spec.warn.as_ref(), spec.critical.as_ref());
    let worst = reading
        .series
        .iter()
        .filter(|(_, v)| !v.is_nan())
        .map(|(_, v)| (classify(*v, warn, critical), *v))
        .max_by(|a, b| {
            a.0.cmp(&b.0)
                .then(badness(a.1, warn, critical).total_cmp(&badness(b.1, warn, critical)))
        });
    if let Some((status, value)) = worst {
        sample.status = status;
        sample.value = Some(value);
    } else {
        sample.status = ProbeStatus::NoData;
        sample.error = Some(if reading.series.is_empty() {
            reading.no_data.unwrap_or_else(|| "no data".into())
        } else {
            "every series is NaN".into()
        });
    }
    if reading.labelled {
        let mut series = reading.series;
        series.sort_by(|a, b| a.0.cmp(&b.0));
        series.truncate(MAX_SERIES);
        sample.series = series;
    }
    sample
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::sample::Labels;
    use crate::runbook::Threshold;

    fn spec(kind: ProbeKind) -> ProbeSpec {
        ProbeSpec {
            name: "p".into(),
            kind,
            url: None,
            query: None,
            connection: None,
            json_pointer: None,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            stale_after: Duration::from_secs(5),
            unit: None,
            warn: Some(Threshold::Above(5.0)),
            critical: Some(Threshold::Above(10.0)),
            rollback_path: false,
            active: None,
        }
    }

    fn labelled(values: &[(&str, f64)]) -> Reading {
        Reading {
            labelled: true,
            series: values
                .iter()
                .map(|(i, v)| (Labels::from([("instance".to_string(), i.to_string())]), *v))
                .collect(),
            no_data: Some("the query returned no series".into()),
        }
    }

    #[test]
    fn the_worst_series_decides() {
        let s = to_sample(
            &spec(ProbeKind::Prometheus),
            Ok(labelled(&[("a", 1.0), ("b", 12.0), ("c", 7.0)])),
            Duration::ZERO,
        );
        assert_eq!((s.status, s.value), (ProbeStatus::Critical, Some(12.0)));
        assert_eq!(s.series.len(), 3);
        let s = to_sample(
            &spec(ProbeKind::Prometheus),
            Ok(labelled(&[("a", 1.0), ("b", 3.0), ("c", f64::NAN)])),
            Duration::ZERO,
        );
        assert_eq!((s.status, s.value), (ProbeStatus::Ok, Some(3.0)));
    }

    #[test]
    fn series_are_sorted_and_capped_but_all_count() {
        let mut values: Vec<(String, f64)> = (0..MAX_SERIES + 50)
            .map(|i| (format!("i{i:04}"), 1.0))
            .collect();
        values.reverse();
        values.push(("zzz".into(), 42.0));
        let refs: Vec<(&str, f64)> = values.iter().map(|(i, v)| (i.as_str(), *v)).collect();
        let s = to_sample(
            &spec(ProbeKind::Prometheus),
            Ok(labelled(&refs)),
            Duration::ZERO,
        );
        assert_eq!(s.series.len(), MAX_SERIES);
        assert_eq!(
            s.series[0].0.get("instance").map(String::as_str),
            Some("i0000")
        );
        assert_eq!((s.status, s.value), (ProbeStatus::Critical, Some(42.0)));
    }

    #[test]
    fn no_series_is_no_data_not_zero() {
        let s = to_sample(
            &spec(ProbeKind::Prometheus),
            Ok(labelled(&[])),
            Duration::ZERO,
        );
        assert_eq!(s.status, ProbeStatus::NoData);
        assert_eq!(s.value, None);
        assert_eq!(s.error.as_deref(), Some("the query returned no series"));
        let s = to_sample(
            &spec(ProbeKind::Prometheus),
            Ok(labelled(&[("a", f64::NAN)])),
            Duration::ZERO,
        );
        assert_eq!(s.status, ProbeStatus::NoData);
    }

    #[test]
    fn errors_carry_their_text() {
        let s = to_sample(
            &spec(ProbeKind::Http),
            Err(ProbeError::Timeout(Duration::from_secs(2))),
            Duration::from_secs(2),
        );
        assert_eq!(s.status, ProbeStatus::Error);
        assert_eq!(s.error.as_deref(), Some("timed out after 2s"));
    }

    #[tokio::test]
    async fn a_misdeclared_probe_samples_as_an_error() {
        let mut p = Probe::new(&spec(ProbeKind::Sql), &[]);
        let s = p.sample().await;
        assert_eq!(s.status, ProbeStatus::Error);
        assert_eq!(s.error.as_deref(), Some("probe `p` needs `connection`"));
        let mut sql = spec(ProbeKind::Sql);
        sql.connection = Some("ghost".into());
        let s = Probe::new(&sql, &[]).sample().await;
        assert_eq!(
            s.error.as_deref(),
            Some("probe `p`: no connection named `ghost`")
        );
    }
}
