//! Unit tests of the drill engine.
