//! Pure domain types and rules: no I/O. Property tests live next to the rules.
#[macro_use]
pub mod kinds;
pub mod access;
pub mod account;
pub mod area;
pub mod ballot_chain;
pub mod case;
pub mod category;
pub mod deadline;
pub mod decision;
pub mod period;
pub mod personal;
pub mod rates;
pub mod roll;
pub mod vote;
pub mod vote_files;
