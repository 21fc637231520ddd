//! `chainscout units …`, `projects …`, `report`, `conflicts` (SPEC §10): the same operations and
//! shapes as the HTTP API, as the local administrator. Record fields are given as `key=value`
//! (the API's JSON field names), so every field the API takes works here too.

use super::{Ctx, UsageError};
use crate::app::{Actor, App};
use crate::model::project::{ProjectId, Stage};
use crate::views::projects::{self as pv, ProjectFilter};
use clap::Subcommand;
use serde_json::{Map, Value};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum UnitsAction {
    /// List units.
    List,
    /// Create or replace a unit: `id=wujin name=武进高新区招商局 region=320412 kind=park parent=changzhou`.
    Put { fields: Vec<String> },
    /// Set a unit's targets for a year: `signed=12 started=8 invested=500000`.
    Targets { unit: String, year: i32, fields: Vec<String> },
}

#[derive(Subcommand)]
pub enum ProjectsAction {
    /// List projects with their stage and warnings.
    List {
        #[arg(long)]
        unit: Option<String>,
        /// lead, contacted, negotiating, signed, started, completed, producing, at_capacity, on_hold, dropped (or 签约…)
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        chain: Option<String>,
        /// shadow, stalled, empty_nest or overdue_start
        #[arg(long)]
        warning: Option<String>,
        /// Words in the project, enterprise, unit or leader's name.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One project with its events.
    Show { id: String },
    /// Create a project: `unit=wujin enterprise=E00000042 investment=120000 stage=contacted`.
    Add { fields: Vec<String> },
    /// Record an event: `P00000001 stage=signed date=2026-03-02 signed_amount=120000`.
    Event { id: String, fields: Vec<String> },
}

/// `key=value` pairs as a JSON object (values as text: the API reads numbers and dates from text).
fn fields(pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut map = Map::new();
    for pair in pairs {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            UsageError(format!("{pair:?}: give fields as key=value (e.g. investment=120000)"))
        })?;
        map.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
    }
    Ok(map)
}

fn actor() -> Actor {
    Actor::admin("cli")
}

fn project_id(s: &str) -> anyhow::Result<ProjectId> {
    Ok(ProjectId::parse(s).ok_or_else(|| UsageError(format!("{s:?} is not a project id (P00000001)")))?)
}

fn print_project(p: &pv::ProjectView) {
    let warnings: Vec<&str> = p.warnings.iter().map(|w| w.label.as_ref()).collect();
    println!(
        "{}  {}  {}  {}  {}万元  {}",
        p.id,
        p.stage_label,
        p.unit_name.as_deref().unwrap_or(&p.unit),
        p.name,
        p.investment,
        warnings.join("；")
    );
}

pub fn units(ctx: &Ctx, action: UnitsAction) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    match action {
        UnitsAction::List => {
            let book = app.book();
            let list = pv::UnitList { units: book.units.values().map(|u| pv::unit_view(&book, u)).collect() };
            ctx.print(&list, |l| {
                for u in &l.units {
                    println!(
                        "{}  {}  {:?}  上级：{}",
                        u.id,
                        u.name,
                        u.kind,
                        u.parent.as_deref().unwrap_or("—")
                    );
                }
            })
        }
        UnitsAction::Put { fields: f } => {
            let body = fields(&f)?;
            let id = body.get("id").and_then(Value::as_str).map(str::to_string);
            let (unit, _) = app.put_unit(id.as_deref(), &body, &actor())?;
            let view = pv::unit_view(&app.book(), &unit);
            ctx.print(&view, |u| println!("unit {} ({}) stored", u.id, u.name))
        }
        UnitsAction::Targets { unit, year, fields: f } => {
            let targets = app.put_targets(&unit, year, &fields(&f)?, &actor())?;
            let view = pv::TargetsView { unit, year, targets };
            ctx.print(&view, |t| println!("targets of {} for {} stored", t.unit, t.year))
        }
    }
}

pub fn projects(ctx: &Ctx, action: ProjectsAction) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    match action {
        ProjectsAction::List { unit, stage, chain, warning, q, limit } => {
            let stage = stage
                .map(|s| {
                    Stage::parse(&s)
                        .ok_or_else(|| UsageError(format!("--stage {s:?}: {}", crate::app::stage_list())))
                })
                .transpose()?;
            let filter = ProjectFilter { unit, stage, chain, warning, q, as_of: None, limit, offset: 0 };
            let list = pv::list(&app, &filter, &actor())?;
            ctx.print(&list, |l| {
                println!("{} projects as of {}", l.total, l.as_of);
                for p in &l.projects {
                    print_project(p);
                }
            })
        }
        ProjectsAction::Show { id } => {
            let view = pv::detail(&app, project_id(&id)?, &actor())?;
            ctx.print(&view, |p| {
                print_project(p);
                for e in p.events.iter().flatten() {
                    println!(
                        "  {}  {}  {}{}",
                        e.date,
                        e.stage_label.as_deref().unwrap_or("（数字更新）"),
                        e.note.as_deref().unwrap_or(""),
                        e.reason.as_deref().map(|r| format!("（{r}）")).unwrap_or_default()
                    );
                }
            })
        }
        ProjectsAction::Add { fields: f } => {
            let id = app.create_project(&fields(&f)?, None, &actor())?;
            let view = pv::detail(&app, id, &actor())?;
            ctx.print(&view, |p| {
                print_project(p);
                for c in p.conflicts.iter().flatten() {
                    println!("撞单：{} 已由 {} 首报（{}）", c.enterprise, c.first.unit, c.first.project);
                }
            })
        }
        ProjectsAction::Event { id, fields: f } => {
            let id = project_id(&id)?;
            let event = app.add_event(id, &fields(&f)?, &actor())?;
            let view = pv::event_view(&event, false);
            ctx.print(&view, |e| {
                println!(
                    "event {} on {} recorded: {}",
                    e.id,
                    e.date,
                    e.stage_label.as_deref().unwrap_or("数字更新")
                )
            })
        }
    }
}

pub fn report(
    ctx: &Ctx,
    month: &str,
    unit: Option<&str>,
    out: Option<PathBuf>,
    publish: bool,
) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let report = if publish {
        pv::publish(&app, month, &actor())?
    } else {
        pv::monthly(&app, month, unit, &actor())?.0
    };
    if let Some(out) = &out {
        let (report, lines) = pv::monthly(&app, month, unit, &actor())?;
        let sheets = pv::report_sheets(&app.book(), &app.graph(), &report, &lines);
        let bytes = crate::export::workbook_bytes(&sheets)?;
        std::fs::write(out, bytes).map_err(|e| crate::Error::io(out, e))?;
    }
    ctx.print(&report, |r| {
        println!(
            "{} 通报（截至 {}）{}",
            r.month,
            r.as_of,
            if r.published.is_some() { "（已发布）" } else { "" }
        );
        for u in &r.units {
            println!(
                "{:>3}  {:<24}  得分 {:>7}  {}  项目 {}",
                u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                u.name,
                u.score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "—".into()),
                match u.card.as_deref() {
                    Some("red") => "红牌",
                    Some("yellow") => "黄牌",
                    _ => "    ",
                },
                u.projects
            );
        }
        for n in &r.notes {
            println!("注：{n}");
        }
        if let Some(out) = &out {
            println!("wrote {}", out.display());
        }
    })
}

pub fn conflicts(ctx: &Ctx) -> anyhow::Result<()> {
    let app = App::open(ctx.at())?;
    let list = pv::conflicts(&app, &actor());
    ctx.print(&list, |l| {
        for c in &l.conflicts {
            println!(
                "{}：首报 {}（{}），后报 {}（{}）",
                c.enterprise_name.as_deref().unwrap_or(&c.enterprise),
                c.first.project,
                c.first.unit,
                c.second.project,
                c.second.unit
            );
        }
    })
}
