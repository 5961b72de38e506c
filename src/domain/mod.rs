//! Pure domain types and rules: no I/O. Property tests live next to the rules.
#[macro_use]
pub mod kinds;
pub mod access;
pub mod area;
pub mod case;
pub mod deadline;
pub mod personal;
pub mod rates;
pub mod vote;
