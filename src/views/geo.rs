//! The 招商地图 and 区域对标 shapes (issue 15): candidates per region (`GET …/geo`, the map SVG,
//! `chainscout geo`), and a chain compared across two regions with the regions worth a trip
//! (`GET …/compare`, `chainscout compare`, the /chains/{id}/compare page).

use crate::geo::MapLevel;
use crate::graph::{Graph, LinkState};
use crate::leads::{Kind, LeadQuery};
use crate::model::{RegionCode, regions};
use serde::Serialize;

/// A region as the views name it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RegionRef {
    pub code: RegionCode,
    pub name: String,
}

impl RegionRef {
    pub fn of(code: RegionCode) -> RegionRef {
        let name = regions()
            .get(code)
            .map(|_| regions().full_name(code))
            .or_else(|| crate::geo::china().unit(code, MapLevel::Province).map(|s| s.name.to_string()))
            .unwrap_or_else(|| if code.is_known() { code.to_string() } else { "地区不详".into() });
        RegionRef { code, name }
    }
}

/// The candidates of one region.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GeoRegion {
    pub code: RegionCode,
    /// The division's own name (江苏省, 苏州市, 朝阳区).
    pub name: String,
    /// Longitude and latitude of its centre (GCJ-02), where the division table has it.
    pub center: Option<[f64; 2]>,
    /// Lead rows located here: the length of the lead list with `region=` this code.
    pub leads: usize,
    /// Distinct enterprises among them.
    pub enterprises: usize,
    pub fill: usize,
    pub extend: usize,
    pub strengthen: usize,
}

/// `GET /api/v1/chains/{id}/geo`: where a chain's candidates are.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GeoView {
    pub chain: String,
    pub chain_name: String,
    pub level: MapLevel,
    /// The province a city-level map is drawn for (counts then cover it only).
    pub within: Option<RegionRef>,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub kind: Option<Kind>,
    /// The chain's own region (outlined on the map).
    pub local: RegionRef,
    /// The chain's 重点来源地区 (`source_regions`, groups such as 长三角 expanded).
    pub source_regions: Vec<RegionRef>,
    /// Lead rows that pass the filters.
    pub total: usize,
    /// Of those, rows whose enterprise has no region at this level (known by province only).
    pub unplaced: usize,
    /// Regions with candidates, most first.
    pub regions: Vec<GeoRegion>,
}

/// The filters of a map.
#[derive(Debug, Clone)]
pub struct GeoQuery {
    pub level: MapLevel,
    pub within: Option<RegionCode>,
    pub link: Option<String>,
    pub kind: Option<Kind>,
}

/// Counts a chain's candidates per region.
pub fn geo_view(app: &crate::app::App, id: &str, gq: &GeoQuery) -> crate::Result<GeoView> {
    let q = LeadQuery {
        as_of: crate::app::today(),
        kind: gq.kind,
        link: gq.link.clone(),
        region: gq.within,
        limit: 0,
        offset: 0,
        dismissed: Default::default(),
    };
    let counts = app.geo(id, q, gq.level)?;
    let graph = app.graph();
    let chain = graph.chain(id).ok_or_else(|| crate::Error::NotFound(format!("chain {id:?}")))?;
    let link_name = gq.link.as_deref().and_then(|l| chain.link(l)).map(|l| l.name.clone());
    let source_regions = chain
        .source_regions
        .iter()
        .flat_map(|s| regions().expand_group(s).unwrap_or_default())
        .map(RegionRef::of)
        .collect();
    let regions = counts
        .regions
        .into_iter()
        .map(|g| GeoRegion {
            code: g.region,
            name: regions().get(g.region).map(|r| r.name.clone()).unwrap_or_else(|| g.region.to_string()),
            center: regions().coordinates(g.region).map(|(lon, lat)| [lon, lat]),
            leads: g.leads,
            enterprises: g.enterprises,
            fill: g.fill,
            extend: g.extend,
            strengthen: g.strengthen,
        })
        .collect();
    Ok(GeoView {
        chain: chain.id.clone(),
        chain_name: chain.name.clone(),
        level: gq.level,
        within: gq.within.map(RegionRef::of),
        link: gq.link.clone(),
        link_name,
        kind: gq.kind,
        local: RegionRef::of(chain.region),
        source_regions,
        total: counts.total,
        unplaced: counts.unplaced,
        regions,
    })
}

/// One link in one region.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RegionLinkView {
    pub status: LinkState,
    /// Distinct enterprises of the region in the link and its sub-links.
    pub count: usize,
    pub leader: bool,
}

impl From<crate::leads::RegionLink> for RegionLinkView {
    fn from(r: crate::leads::RegionLink) -> Self {
        RegionLinkView { status: r.status, count: r.count, leader: r.leader }
    }
}

/// A firm named in a comparison.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FirmRef {
    pub id: String,
    pub name: String,
    pub region_name: String,
    pub leader: bool,
}

/// One link, ours beside theirs.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CompareLink {
    pub link: String,
    pub name: String,
    pub stage: crate::model::Stage,
    pub parent: Option<String>,
    pub key: bool,
    pub restricted: bool,
    pub ours: RegionLinkView,
    pub theirs: RegionLinkView,
    /// Their leading firms where we are missing or weak (leaders first, then capital).
    pub leading: Vec<FirmRef>,
}

/// A link named in a destination.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LinkName {
    pub id: String,
    pub name: String,
}

/// A region strong in some of our missing or weak links.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DestinationView {
    pub code: RegionCode,
    pub name: String,
    /// Our missing or weak links it is strong in.
    pub strong_in: Vec<LinkName>,
    /// Our missing or weak links it has firms in, not enough to be strong.
    pub weak_in: Vec<LinkName>,
    /// Its distinct firms across our missing or weak links.
    pub firms: usize,
}

/// `GET /api/v1/chains/{id}/compare`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CompareView {
    pub chain: String,
    pub chain_name: String,
    pub ours: RegionRef,
    /// The region compared with; absent when none was asked for (then `links` is empty).
    pub theirs: Option<RegionRef>,
    /// Firms a link needs in a region to be strong there (the chain's `strong_threshold`).
    pub strong_threshold: u32,
    pub links: Vec<CompareLink>,
    /// How many of our missing or weak links they are strong in.
    pub they_fill: usize,
    /// The level destinations are ranked at.
    pub level: MapLevel,
    /// Regions strong in most of our missing or weak links, best first ("where to go for 补链").
    pub destinations: Vec<DestinationView>,
}

/// Compares a chain in its region with `theirs` (when given) and ranks destinations at `level`
/// (at most `limit`).
pub fn compare_view(
    graph: &Graph,
    id: &str,
    theirs: Option<RegionCode>,
    level: MapLevel,
    limit: usize,
) -> crate::Result<CompareView> {
    let not_found = || crate::Error::NotFound(format!("chain {id:?}"));
    let chain = graph.chain(id).ok_or_else(not_found)?;
    let link_name = |l: &str| LinkName {
        id: l.to_string(),
        name: chain.link(l).map(|k| k.name.clone()).unwrap_or_else(|| l.to_string()),
    };
    let (links, they_fill) = match theirs {
        Some(r) => {
            let c = crate::leads::compare(graph, id, r).ok_or_else(not_found)?;
            let they_fill = c.they_fill().count();
            let links = c
                .links
                .into_iter()
                .filter_map(|l| {
                    let link = chain.link(&l.link)?;
                    Some(CompareLink {
                        link: l.link.clone(),
                        name: link.name.clone(),
                        stage: link.stage,
                        parent: link.parent.clone(),
                        key: link.key,
                        restricted: l.restricted,
                        ours: l.ours.into(),
                        theirs: l.theirs.into(),
                        leading: l
                            .leading
                            .iter()
                            .filter_map(|e| graph.enterprise(*e))
                            .map(|e| FirmRef {
                                id: e.id.to_string(),
                                name: e.name.clone(),
                                region_name: regions().full_name(e.region),
                                leader: e.leader,
                            })
                            .collect(),
                    })
                })
                .collect();
            (links, they_fill)
        }
        None => (Vec::new(), 0),
    };
    let destinations = crate::leads::destinations(graph, id, level)
        .ok_or_else(not_found)?
        .into_iter()
        .take(limit)
        .map(|d| DestinationView {
            code: d.region,
            name: RegionRef::of(d.region).name,
            strong_in: d.strong_in.iter().map(|l| link_name(l)).collect(),
            weak_in: d.weak_in.iter().map(|l| link_name(l)).collect(),
            firms: d.firms,
        })
        .collect();
    Ok(CompareView {
        chain: chain.id.clone(),
        chain_name: chain.name.clone(),
        ours: RegionRef::of(chain.region),
        theirs: theirs.map(RegionRef::of),
        strong_threshold: chain.strong_threshold,
        links,
        they_fill,
        level,
        destinations,
    })
}
