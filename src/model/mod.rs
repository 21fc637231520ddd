//! Pure domain types: chains, links, enterprises, credit codes, regions. No IO here: this module
//! knows nothing of sled, tantivy, HTTP or files, which keeps it fast to test.

pub mod chain;
pub mod credit_code;
pub mod enterprise;
pub mod industry;
pub mod product;
pub mod project;
pub mod region;
pub mod role;
pub mod values;

pub use chain::{Chain, Flow, Link, LinkRef, Stage};
pub use credit_code::CreditCode;
pub use enterprise::{
    Enterprise, EnterpriseFacts, EnterpriseId, EnterprisePatch, Partner, RegionSource, Relation, Signal,
};
pub use product::Product;
pub use region::{RegionCode, regions};
pub use role::Role;
