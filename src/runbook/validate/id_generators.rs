//! `[[id_generator]]`: a unique name, a known connection, a query, and exactly one way to
//! know the ceiling (`max`, `bits` or a `snowflake` layout).

use std::collections::HashMap;

use toml::Spanned;

use super::Validator;
use crate::runbook::model::{IdGeneratorSpec, SnowflakeLayout};
use crate::runbook::raw::RawIdGenerator;

impl Validator<'_, '_> {
    pub(super) fn id_generators(
        &mut self,
        raw: &[Spanned<RawIdGenerator>],
    ) -> Vec<IdGeneratorSpec> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for g in raw {
            let span = g.span();
            let g = g.get_ref();
            let name = g.name.get_ref().clone();
            self.identifier(&g.name, "id generator name");
            self.duplicate(&mut seen, &g.name, "id generator");
            let what = format!("id generator `{name}`");
            self.connection(&g.connection, &what);
            if g.query.get_ref().trim().is_empty() {
                self.error(
                    g.query.span(),
                    format!("{what} has an empty `query`"),
                    "write the SQL that returns its current value (and, optionally, values per day)",
                );
            }
            let ceilings = usize::from(g.max.is_some())
                + usize::from(g.bits.is_some())
                + usize::from(g.snowflake.is_some());
            if ceilings != 1 {
                self.error(
                    span.clone(),
                    format!("{what} must have exactly one of `max`, `bits` and `snowflake`"),
                    "say how far it may count: max = 2147483647, bits = 63, or snowflake = { timestamp_bits = 41, low_bits = 22 }",
                );
            }
            let mut max = g.max.as_ref().map(|m| i128::from(*m.get_ref()));
            if let Some(m) = g.max.as_ref().filter(|m| *m.get_ref() <= 0) {
                self.error(
                    m.span(),
                    format!("`max` of {what} must be above 0"),
                    "write the largest value it may hand out",
                );
            }
            if let Some(b) = &g.bits {
                match u32::try_from(*b.get_ref()) {
                    Ok(bits @ 1..=64) => max = Some((1_i128 << bits) - 1),
                    _ => self.error(
                        b.span(),
                        format!("`bits` of {what} must be from 1 to 64"),
                        "write how many bits the value has (63 for a signed BIGINT)",
                    ),
                }
            }
            let snowflake = g.snowflake.as_ref().and_then(|s| {
                let layout = s.get_ref();
                let ts = u32::try_from(layout.timestamp_bits).ok().filter(|b| (1..=63).contains(b));
                let low = u32::try_from(layout.low_bits).ok().filter(|b| *b <= 63);
                match (ts, low) {
                    (Some(timestamp_bits), Some(low_bits)) if timestamp_bits + low_bits <= 64 => {
                        Some(SnowflakeLayout {
                            timestamp_bits,
                            low_bits,
                        })
                    }
                    _ => {
                        self.error(
                            s.span(),
                            format!("`snowflake` of {what} is not a bit layout of at most 64 bits"),
                            "write timestamp_bits (1 to 63) and low_bits (worker and sequence bits below the timestamp), e.g. { timestamp_bits = 41, low_bits = 22 }",
                        );
                        None
                    }
                }
            });
            if let Some(p) = g.per_day.as_ref().filter(|p| {
                // NaN is not above 0 either.
                p.get_ref().partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            }) {
                self.error(
                    p.span(),
                    format!("`per_day` of {what} must be above 0"),
                    "write how many values it hands out a day, or leave it out",
                );
            }
            out.push(IdGeneratorSpec {
                name,
                connection: g.connection.get_ref().clone(),
                query: g.query.get_ref().clone(),
                max,
                per_day: g.per_day.as_ref().map(|p| *p.get_ref()),
                snowflake,
            });
        }
        out
    }
}
