//! Checksums. Each event's checksum is a CRC-32 over the previous event's checksum and
//! every column of the row, so changing, removing or reordering a record breaks the chain
//! from that record on. The chain starts from the meta record's checksum, so events cannot
//! be moved into another journal either.
//!
//! This detects accidental damage and careless edits; it is not a signature (anyone who
//! can write the file can recompute it).

use crc32fast::Hasher;

/// Checksum of the meta record; also the seed of the event chain.
pub fn meta(
    format_version: i64,
    runbook_name: &str,
    runbook_digest: &str,
    runbook_text: &str,
    created_at: &str,
    warroom_version: &str,
) -> u32 {
    let mut h = Hasher::new();
    h.update(&format_version.to_le_bytes());
    for field in [
        runbook_name,
        runbook_digest,
        runbook_text,
        created_at,
        warroom_version,
    ] {
        field_into(&mut h, field);
    }
    h.finalize()
}

/// One link of the event chain.
pub fn event(prev: u32, seq: u64, at: &str, actor: &str, kind: &str, payload: &str) -> u32 {
    let mut h = Hasher::new();
    h.update(&prev.to_le_bytes());
    h.update(&seq.to_le_bytes());
    for field in [at, actor, kind, payload] {
        field_into(&mut h, field);
    }
    h.finalize()
}

/// A telemetry sample's own checksum (samples are not chained).
pub fn telemetry(id: i64, at: &str, kind: &str, payload: &str) -> u32 {
    let mut h = Hasher::new();
    h.update(&id.to_le_bytes());
    for field in [at, kind, payload] {
        field_into(&mut h, field);
    }
    h.finalize()
}

/// Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
fn field_into(h: &mut Hasher, field: &str) {
    h.update(&(field.len() as u64).to_le_bytes());
    h.update(field.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_delimited() {
        assert_ne!(
            event(0, 1, "ab", "c", "k", "{}"),
            event(0, 1, "a", "bc", "k", "{}")
        );
    }

    #[test]
    fn chain_depends_on_previous() {
        assert_ne!(
            event(1, 1, "a", "b", "k", "{}"),
            event(2, 1, "a", "b", "k", "{}")
        );
        assert_ne!(
            event(1, 1, "a", "b", "k", "{}"),
            event(1, 2, "a", "b", "k", "{}")
        );
    }
}
