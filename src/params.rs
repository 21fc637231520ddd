//! The parameters the command line and the HTTP API share — a lead kind, an as-of date, a
//! `CHAIN/LINK`, a sort order, a region — parsed once, with one message each, so `--kind x` and
//! `?kind=x` are refused alike. The CLI turns a [`BadParam`] into a usage error (exit 2), the API
//! into 400 `invalid_parameter` naming the field; a region keeps its own codes (422).

use crate::error::{Code, Problem};

/// A parameter value that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct BadParam {
    pub name: &'static str,
    pub message: String,
}

fn bad(name: &'static str, message: String) -> BadParam {
    BadParam { name, message }
}

/// `fill`, `extend` or `strengthen` (or 补链, 延链, 强链).
pub fn kind(v: &str) -> Result<crate::leads::Kind, BadParam> {
    crate::leads::Kind::parse(v)
        .ok_or_else(|| bad("kind", format!("kind={v:?}: use fill, extend or strengthen")))
}

/// `YYYY-MM-DD`.
pub fn as_of(v: &str) -> Result<chrono::NaiveDate, BadParam> {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| bad("as_of", format!("as_of={v:?}: use YYYY-MM-DD")))
}

/// `CHAIN/LINK`, e.g. `lithium-battery/cathode`.
pub fn link(v: &str) -> Result<crate::model::LinkRef, BadParam> {
    crate::model::LinkRef::parse(v)
        .ok_or_else(|| bad("link", format!("link={v:?}: use CHAIN/LINK, e.g. lithium-battery/cathode")))
}

/// `relevance` or `capital`.
pub fn sort(v: &str) -> Result<crate::search::Sort, BadParam> {
    match v {
        "relevance" => Ok(crate::search::Sort::Relevance),
        "capital" => Ok(crate::search::Sort::Capital),
        _ => Err(bad("sort", format!("sort={v:?}: use relevance or capital"))),
    }
}

/// A division code or name; an unknown or ambiguous one is a problem with its own code.
pub fn region(v: &str) -> Result<crate::model::RegionCode, Problem> {
    crate::model::regions().parse(v).map_err(|e| Problem::new("region", e.code(), e.to_string()))
}

/// Lead query defaults shared by both surfaces: 50 a page, at most 5,000.
/// How many leads a JSON page holds: 50 unless asked, at most 5,000.
pub fn lead_limit(v: Option<usize>) -> usize {
    v.unwrap_or(50).clamp(1, 5000)
}

/// How many leads a file (XLSX, CSV) holds: the whole list unless a limit is asked for — an
/// analyst exporting a chain's leads wants all of them, not the first page.
pub fn file_lead_limit(v: Option<usize>) -> usize {
    v.map_or(usize::MAX, |n| n.max(1))
}

impl BadParam {
    pub fn code(&self) -> Code {
        Code::InvalidParameter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_parameters_parse_or_say_what_to_use() {
        assert_eq!(kind("补链"), Ok(crate::leads::Kind::Fill));
        assert!(kind("best").unwrap_err().message.contains("fill, extend or strengthen"));
        assert_eq!(as_of("2026-01-31").unwrap().to_string(), "2026-01-31");
        assert_eq!(as_of("31/01/2026").unwrap_err().name, "as_of");
        assert_eq!(link("lithium-battery/cathode").unwrap().link, "cathode");
        assert!(link("cathode").is_err());
        assert!(sort("capital").is_ok() && sort("size").is_err());
        assert_eq!(region("朝阳区").unwrap_err().code, Code::AmbiguousRegion);
        assert_eq!(lead_limit(Some(0)), 1);
        assert_eq!(lead_limit(None), 50);
        assert_eq!(file_lead_limit(None), usize::MAX, "a file holds every lead");
        assert_eq!(file_lead_limit(Some(20)), 20);
    }
}
