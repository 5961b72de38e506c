//! Pure domain types and rules: no I/O. Property tests live next to the rules.
//! One folder per capability with rules of its own (`cases`, `decisions`, `accounts`), and the
//! values several capabilities share (areas, periods, the calendar, vocabularies, masking).
#[macro_use]
pub mod kinds;
pub mod access;
pub mod accounts;
pub mod area;
pub mod calendar;
pub mod cases;
pub mod deadline;
pub mod decisions;
pub mod period;
pub mod personal;
