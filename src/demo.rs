//! The bundled demo: the chain maps in `graphs/` and real A-share listed companies, embedded in
//! the binary so `chainscout import demo` and `serve` work from any directory with no network.
//!
//! Provenance: `src/demo/enterprises.jsonl` is made by scripts/convert-reference-data.py from
//! public data (ChainKnowledgeGraph 2021: names, products, Shenwan industries; a Tushare export to
//! 2025-11: provinces). Listed companies carry a province (深圳 firms carry 440300), so the demo
//! chains are drawn for 江苏省 (320000).

pub mod history;

/// The demo's city-level unit (SPEC §10), whose subtree holds most of the demo projects.
pub const DEMO_CITY_UNIT: &str = "changzhou";

/// The demo enterprises as JSON Lines.
pub const ENTERPRISES_JSONL: &str = include_str!("demo/enterprises.jsonl");

/// The chain map files shipped in `graphs/`, by file name.
pub const CHAIN_FILES: &[(&str, &str)] = &[
    ("graphs/lithium-battery.toml", include_str!("../graphs/lithium-battery.toml")),
    ("graphs/new-energy-vehicle.toml", include_str!("../graphs/new-energy-vehicle.toml")),
    ("graphs/photovoltaic.toml", include_str!("../graphs/photovoltaic.toml")),
    ("graphs/integrated-circuit.toml", include_str!("../graphs/integrated-circuit.toml")),
    ("graphs/biomedicine.toml", include_str!("../graphs/biomedicine.toml")),
    ("graphs/industrial-robot.toml", include_str!("../graphs/industrial-robot.toml")),
    ("graphs/carbon-fiber.toml", include_str!("../graphs/carbon-fiber.toml")),
    ("graphs/green-food.toml", include_str!("../graphs/green-food.toml")),
];
