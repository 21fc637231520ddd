//! Where a chain's candidates are (the 招商地图, issue 15): the lead list's candidates counted per
//! province or city, by lead kind. Counted from the same candidate enumeration the lead list is
//! ranked from (without scoring), so a region's count is the length of the lead list filtered to
//! that region.

use super::{Analysis, Kind, LeadQuery, candidates};
use crate::geo::{MapLevel, unit_of};
use crate::graph::Graph;
use crate::model::{EnterpriseId, RegionCode};
use std::collections::{HashMap, HashSet};

/// The candidates of one map unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoCount {
    pub region: RegionCode,
    /// Lead rows (an enterprise that is a candidate in two links is two rows, as in the list).
    pub leads: usize,
    /// Distinct enterprises among them.
    pub enterprises: usize,
    pub fill: usize,
    pub extend: usize,
    pub strengthen: usize,
}

/// Counts for every map unit with at least one candidate, most leads first.
#[derive(Debug, Clone, Default)]
pub struct GeoCounts {
    /// Every lead row that passes the query's filters.
    pub total: usize,
    /// Rows whose enterprise has no unit at this level (known by its province only, at city
    /// level; or of unknown region).
    pub unplaced: usize,
    pub regions: Vec<GeoCount>,
}

/// Counts the candidates of an analysed chain per map unit at `level`. The query's kind, link,
/// region and dismissals apply as in the lead list; its limit and offset do not.
pub fn geo(
    graph: &Graph,
    chain_id: &str,
    analysis: &Analysis,
    q: &LeadQuery,
    level: MapLevel,
) -> Option<GeoCounts> {
    let chain = graph.chain(chain_id)?;
    let all = candidates(graph, chain, analysis, q, |_, _, _, _| 0.0);
    let mut by_unit: HashMap<RegionCode, GeoCount> = HashMap::new();
    let mut seen: HashSet<(RegionCode, EnterpriseId)> = HashSet::new();
    let mut out = GeoCounts { total: all.len(), ..Default::default() };
    for c in &all {
        let Some(unit) = unit_of(c.region, level) else {
            out.unplaced += 1;
            continue;
        };
        let g = by_unit.entry(unit).or_insert_with(|| GeoCount {
            region: unit,
            leads: 0,
            enterprises: 0,
            fill: 0,
            extend: 0,
            strengthen: 0,
        });
        g.leads += 1;
        match c.kind {
            Kind::Fill => g.fill += 1,
            Kind::Extend => g.extend += 1,
            Kind::Strengthen => g.strengthen += 1,
        }
        if seen.insert((unit, c.enterprise)) {
            g.enterprises += 1;
        }
    }
    out.regions = by_unit.into_values().collect();
    out.regions.sort_by(|a, b| b.leads.cmp(&a.leads).then(a.region.cmp(&b.region)));
    Some(out)
}
