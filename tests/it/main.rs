//! Black-box tests: the real `chainscout` binary on temporary data directories.

mod api;
mod browser;
mod check;
mod cli_chains;
mod cli_import;
mod crash;
mod fuzz;
mod geo;
mod helpers;
mod hostile;
mod import_real;
mod leads;
mod membership;
mod process;
mod projects;
mod properties;
mod races;
mod rebuild;
mod search;
mod shared_store;
mod webdriver;
