//! Warn and critical thresholds: a value is classified OK, WARN or CRITICAL.
//!
//! Comparisons are strict: `above = 10` trips at 10.000001, not at 10; `outside {min, max}`
//! trips below `min` or above `max`. Critical is checked before warn. A NaN value is no data.

use crate::runbook::Threshold;

use super::sample::ProbeStatus;

/// Whether `value` crosses `threshold`.
pub fn crosses(threshold: &Threshold, value: f64) -> bool {
    match *threshold {
        Threshold::Above(limit) => value > limit,
        Threshold::Below(limit) => value < limit,
        Threshold::Outside { min, max } => value < min || value > max,
    }
}

/// The status of one value against the probe's thresholds.
pub fn classify(value: f64, warn: Option<&Threshold>, critical: Option<&Threshold>) -> ProbeStatus {
    if value.is_nan() {
        ProbeStatus::NoData
    } else if critical.is_some_and(|t| crosses(t, value)) {
        ProbeStatus::Critical
    } else if warn.is_some_and(|t| crosses(t, value)) {
        ProbeStatus::Warn
    } else {
        ProbeStatus::Ok
    }
}

/// How far a value is into the bad side, for picking the worst of several series with the
/// same status: larger is worse. `Below` thresholds make low values worse; everything else
/// (including no threshold) makes high values worse; `Outside` measures the distance from
/// the range's middle.
pub fn badness(value: f64, warn: Option<&Threshold>, critical: Option<&Threshold>) -> f64 {
    match critical.or(warn) {
        Some(Threshold::Below(_)) => -value,
        Some(Threshold::Outside { min, max }) => (value - (min + max) / 2.0).abs(),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProbeStatus::*;

    #[test]
    fn above() {
        let warn = Threshold::Above(5.0);
        let crit = Threshold::Above(10.0);
        assert_eq!(classify(1.0, Some(&warn), Some(&crit)), Ok);
        assert_eq!(classify(5.0, Some(&warn), Some(&crit)), Ok, "strict");
        assert_eq!(classify(5.5, Some(&warn), Some(&crit)), Warn);
        assert_eq!(classify(10.0, Some(&warn), Some(&crit)), Warn);
        assert_eq!(classify(10.5, Some(&warn), Some(&crit)), Critical);
    }

    #[test]
    fn below() {
        let warn = Threshold::Below(0.99);
        let crit = Threshold::Below(0.9);
        assert_eq!(classify(1.0, Some(&warn), Some(&crit)), Ok);
        assert_eq!(classify(0.95, Some(&warn), Some(&crit)), Warn);
        assert_eq!(classify(0.5, Some(&warn), Some(&crit)), Critical);
        assert_eq!(classify(-1.0, None, Some(&crit)), Critical);
    }

    #[test]
    fn outside() {
        let warn = Threshold::Outside {
            min: 10.0,
            max: 20.0,
        };
        let crit = Threshold::Outside {
            min: 0.0,
            max: 30.0,
        };
        assert_eq!(classify(15.0, Some(&warn), Some(&crit)), Ok);
        assert_eq!(classify(10.0, Some(&warn), Some(&crit)), Ok);
        assert_eq!(classify(9.0, Some(&warn), Some(&crit)), Warn);
        assert_eq!(classify(25.0, Some(&warn), Some(&crit)), Warn);
        assert_eq!(classify(-1.0, Some(&warn), Some(&crit)), Critical);
        assert_eq!(classify(31.0, Some(&warn), Some(&crit)), Critical);
    }

    #[test]
    fn no_thresholds_and_nan() {
        assert_eq!(classify(1e12, None, None), Ok);
        assert_eq!(
            classify(f64::NAN, None, Some(&Threshold::Above(1.0))),
            NoData
        );
        assert_eq!(
            classify(f64::INFINITY, None, Some(&Threshold::Above(1.0))),
            Critical
        );
    }

    #[test]
    fn only_warn_never_critical() {
        let warn = Threshold::Above(1.0);
        assert_eq!(classify(1e9, Some(&warn), None), Warn);
    }

    #[test]
    fn badness_follows_the_threshold_direction() {
        let below = Threshold::Below(1.0);
        assert!(badness(0.1, None, Some(&below)) > badness(0.5, None, Some(&below)));
        let above = Threshold::Above(1.0);
        assert!(badness(5.0, Some(&above), None) > badness(2.0, Some(&above), None));
        let outside = Threshold::Outside {
            min: 0.0,
            max: 10.0,
        };
        assert!(badness(-20.0, None, Some(&outside)) > badness(12.0, None, Some(&outside)));
    }
}
