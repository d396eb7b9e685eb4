//! Idempotency keys: one per queued message and target, journaled with it, sent with every
//! attempt (header and JSON body), so a receiver can drop a message it already has (one
//! sent again after a crash between its delivery and the journal's record of it).

use chrono::Utc;

/// A fresh key: 128 random bits in hex.
pub fn new() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: the time and a counter still make keys unique here.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        bytes[..8].copy_from_slice(&t.to_be_bytes());
        bytes[8..].copy_from_slice(&n.to_be_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_32_hex_digits_and_differ() {
        let (a, b) = (super::new(), super::new());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
