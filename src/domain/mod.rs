//! Pure domain types and rules: no I/O. Property tests live next to the rules.
pub mod access;
pub mod area;
pub mod kinds;
pub mod personal;
