//! Whatever bytes arrive on a WebSocket, the frame decoders return a value or an error:
//! never a panic, never unbounded work past the size limit. What decodes re-encodes to
//! something that decodes to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::net::frame::{decode_client, decode_server, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode_client(data) {
        let again = decode_client(encode(&frame).as_bytes());
        assert_eq!(again.as_ref().ok(), Some(&frame));
    }
    if let Ok(frame) = decode_server(data) {
        let again = decode_server(encode(&frame).as_bytes());
        assert!(again.is_ok());
    }
});
