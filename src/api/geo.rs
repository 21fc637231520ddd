//! Handlers of the 招商地图 and 区域对标 (issue 15): candidates per region as JSON and as the map
//! picture, and a chain compared across regions. Parse → role → app on a blocking thread → view.

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::openapi::{Kind as K, Param, param};
use super::routes::{blocking, get, params, region_param, shared, svg_response};
use crate::geo::MapLevel;
use crate::views::geo::{self as gv, CompareView, GeoQuery, GeoView};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

type ApiResult<T> = Result<T, ApiError>;

pub(super) const GEO_PARAMS: &[Param] = &[
    param("link", K::Text),
    param("kind", K::OneOf(&["fill", "extend", "strengthen"])),
    param("level", K::OneOf(&["province", "city"])),
    param("within", K::Text),
];
pub(super) const COMPARE_PARAMS: &[Param] = &[
    param("region", K::Text),
    param("level", K::OneOf(&["province", "city"])),
    param("limit", K::PageSize(MAX_LIMIT)),
];

/// Regions a page holds at most.
const MAX_LIMIT: usize = 100;

fn level(pairs: &[(String, String)]) -> ApiResult<MapLevel> {
    match get(pairs, "level") {
        None => Ok(MapLevel::Province),
        Some(l) => MapLevel::parse(l).ok_or_else(|| {
            ApiError::new(crate::error::Code::InvalidParameter, format!("level={l:?}: use province or city"))
                .with_field("level")
        }),
    }
}

fn geo_query(q: Option<String>) -> ApiResult<GeoQuery> {
    let pairs = params(q, GEO_PARAMS)?;
    let within = get(&pairs, "within").map(crate::params::region).transpose().map_err(|p| {
        ApiError::from(crate::Error::Invalid(vec![crate::error::Problem { field: "within".into(), ..p }]))
    })?;
    Ok(GeoQuery {
        level: level(&pairs)?,
        within,
        link: get(&pairs, "link").map(str::to_string),
        kind: get(&pairs, "kind").map(|k| shared(crate::params::kind(k))).transpose()?,
    })
}

pub async fn geo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<GeoView>> {
    caller.require_read(state.public_read)?;
    let gq = geo_query(q)?;
    Ok(Json(blocking(&state.app, move |app| gv::geo_view(app, &id, &gq)).await?))
}

pub async fn geo_svg(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    caller.require_read(state.public_read)?;
    let gq = geo_query(q)?;
    let svg =
        blocking(&state.app, move |app| Ok(crate::views::geo_svg::china_map(&gv::geo_view(app, &id, &gq)?)))
            .await?;
    Ok(svg_response(svg))
}

pub async fn compare(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<CompareView>> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, COMPARE_PARAMS)?;
    let theirs = region_param(&pairs)?;
    let level = level(&pairs)?;
    let limit = super::routes::page_size(&pairs, 10, MAX_LIMIT)?;
    Ok(Json(
        blocking(&state.app, move |app| gv::compare_view(&app.graph(), &id, theirs, level, limit)).await?,
    ))
}
