//! A project's state on a date is the fold of its events dated on or before it (SPEC §10), and the
//! stage rules are checked on the same fold: a new event is valid when the whole history with it,
//! in date order, breaks no rule. So a back-dated event is judged where it falls, not at the end.

use crate::model::project::{Event, Figures, Stage};
use chrono::NaiveDate;
use std::collections::HashSet;

/// Where a project stands on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The current stage (`lead` before any event).
    pub stage: Stage,
    /// While on hold: the main-line stage it holds.
    pub held: Option<Stage>,
    /// The first date each main-line stage was reached (index: `Stage::rank`).
    pub reached: [Option<NaiveDate>; 8],
    /// The latest value of each figure on or before the date.
    pub figures: Figures,
    /// The date of the latest event on or before the date.
    pub last_event: Option<NaiveDate>,
    /// The reason given when the project was put on hold or dropped.
    pub reason: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            stage: Stage::Lead,
            held: None,
            reached: [None; 8],
            figures: Figures::default(),
            last_event: None,
            reason: None,
        }
    }
}

impl State {
    /// The date `stage` was first reached, if it has been.
    pub fn date_of(&self, stage: Stage) -> Option<NaiveDate> {
        stage.rank().and_then(|r| self.reached[r])
    }

    /// The furthest main-line stage reached, whatever happened after (`lead` when none).
    pub fn furthest(&self) -> Stage {
        (0..8).rev().find(|r| self.reached[*r].is_some()).map(|r| Stage::LINE[r]).unwrap_or(Stage::Lead)
    }

    /// Whether the furthest stage is at least `stage`.
    pub fn reached(&self, stage: Stage) -> bool {
        self.furthest() >= stage
    }

    /// The main-line stage the project is at or holds (`None` when dropped).
    fn line_stage(&self) -> Option<Stage> {
        match self.stage {
            Stage::OnHold => self.held,
            Stage::Dropped => None,
            s => Some(s),
        }
    }

    fn apply(&mut self, e: &Event) {
        self.figures.overlay(&e.figures);
        self.last_event = Some(e.date);
        let Some(stage) = e.stage else { return };
        match stage {
            Stage::Dropped => {
                self.stage = Stage::Dropped;
                self.held = None;
                self.reason = e.reason.clone();
            }
            Stage::OnHold => {
                self.held = self.line_stage();
                self.stage = Stage::OnHold;
                self.reason = e.reason.clone();
            }
            s => {
                let r = s.rank().expect("on the line");
                if e.correction {
                    // A correction says the later stages were recorded wrongly.
                    for later in &mut self.reached[r + 1..] {
                        *later = None;
                    }
                }
                self.reached[r].get_or_insert(e.date);
                self.stage = s;
                self.held = None;
                self.reason = None;
            }
        }
    }
}

/// The events a correction has struck. A correction that is itself struck strikes nothing, so a
/// mistaken void is undone by voiding it: the latest recorded decides.
pub fn struck(events: &[Event]) -> HashSet<u64> {
    let mut voids: Vec<(u64, u64)> = events.iter().filter_map(|e| e.voids.map(|v| (e.id, v))).collect();
    voids.sort_by_key(|(by, _)| std::cmp::Reverse(*by));
    let mut out = HashSet::new();
    for (by, target) in voids {
        if !out.contains(&by) {
            out.insert(target);
        }
    }
    out
}

/// The events that count: those no correction has struck, in date order (ties in recording order).
pub fn effective(events: &[Event]) -> Vec<&Event> {
    let voided = struck(events);
    let mut v: Vec<&Event> = events.iter().filter(|e| !voided.contains(&e.id)).collect();
    v.sort_by_key(|e| (e.date, e.id));
    v
}

/// The state on `as_of`, and the figures as they stood at the end of `base` (for a year's
/// increments: `base` is the last day of the year before).
pub fn fold<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    base: NaiveDate,
    as_of: NaiveDate,
) -> (State, Figures) {
    let mut state = State::default();
    let mut at_base = Figures::default();
    for e in events {
        if e.date > as_of {
            break;
        }
        state.apply(e);
        if e.date <= base {
            at_base = state.figures;
        }
    }
    (state, at_base)
}

/// The state on `as_of` of a project with these events.
pub fn state_on(events: &[Event], as_of: NaiveDate) -> State {
    fold(effective(events), NaiveDate::MIN, as_of).0
}

/// Checks that `events` (a project's whole history, the new event included) breaks no stage
/// rule. The message says the rule in Chinese.
pub fn check_history(events: &[Event]) -> Result<(), String> {
    let mut state = State::default();
    for e in effective(events) {
        check_step(&state, e)?;
        state.apply(e);
    }
    Ok(())
}

fn check_step(state: &State, e: &Event) -> Result<(), String> {
    let when = format!("{}的", e.date);
    if e.correction && e.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(format!("{when}纠正须填写原因（reason）"));
    }
    let Some(stage) = e.stage else { return Ok(()) };
    let needs_reason = matches!(stage, Stage::OnHold | Stage::Dropped);
    if needs_reason && e.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(format!("{when}“{}”须填写原因（reason）", stage.label()));
    }
    if state.stage == Stage::Dropped && !e.correction {
        return Err(format!("{when}“{}”：项目已终止，不能再变更阶段（管理员可纠正）", stage.label()));
    }
    match stage {
        Stage::Dropped => Ok(()),
        Stage::OnHold if state.stage == Stage::OnHold => Err(format!("{when}“搁置”：项目已在搁置中")),
        Stage::OnHold => Ok(()),
        s => {
            let base = state.line_stage().unwrap_or(Stage::Lead);
            if s < base && !e.correction {
                return Err(format!(
                    "{when}“{}”：阶段只能前进，项目已到“{}”，不能回到“{}”（回退属于纠正，须管理员操作并注明原因）",
                    s.label(),
                    base.label(),
                    s.label()
                ));
            }
            if s == base && state.stage != Stage::OnHold && state.last_event.is_some() && !e.correction {
                return Err(format!("{when}“{}”：项目已在该阶段；只更新数字时不要填阶段", s.label()));
            }
            let needs: &[Stage] = match s {
                Stage::Started => &[Stage::Signed],
                Stage::Completed => &[Stage::Started],
                Stage::Producing => &[Stage::Completed, Stage::Started],
                Stage::AtCapacity => &[Stage::Producing],
                _ => &[],
            };
            if !needs.is_empty() && !needs.iter().any(|n| state.date_of(*n).is_some()) {
                let names: Vec<&str> = needs.iter().map(|n| n.label()).collect();
                return Err(format!(
                    "{when}“{}”：须先有{}（在 {} 或更早的“{}”记录）",
                    s.label(),
                    names.join("或"),
                    e.date,
                    names.join("”或“")
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::project::ProjectId;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ev(id: u64, stage: Option<Stage>, date: &str) -> Event {
        Event {
            id,
            project: ProjectId(1),
            stage,
            date: d(date),
            recorded_at: chrono::Utc::now(),
            by: "t".into(),
            note: None,
            reason: None,
            figures: Figures::default(),
            correction: false,
            voids: None,
            synthetic: false,
        }
    }

    fn with_reason(mut e: Event, r: &str) -> Event {
        e.reason = Some(r.into());
        e
    }

    #[test]
    fn stages_move_forward_and_may_skip() {
        let h = vec![ev(1, Some(Stage::Contacted), "2024-01-05"), ev(2, Some(Stage::Signed), "2024-02-01")];
        assert!(check_history(&h).is_ok());
        let mut back = h.clone();
        back.push(ev(3, Some(Stage::Negotiating), "2024-03-01"));
        assert!(check_history(&back).unwrap_err().contains("阶段只能前进"));
        let mut same = h.clone();
        same.push(ev(3, Some(Stage::Signed), "2024-03-01"));
        assert!(check_history(&same).unwrap_err().contains("已在该阶段"));
    }

    #[test]
    fn each_later_stage_needs_its_predecessor() {
        let started_unsigned =
            vec![ev(1, Some(Stage::Negotiating), "2024-01-05"), ev(2, Some(Stage::Started), "2024-02-01")];
        assert!(check_history(&started_unsigned).unwrap_err().contains("须先有签约"));
        let completed_unstarted =
            vec![ev(1, Some(Stage::Signed), "2024-01-05"), ev(2, Some(Stage::Completed), "2024-02-01")];
        assert!(check_history(&completed_unstarted).unwrap_err().contains("须先有开工"));
        let producing_after_start = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            ev(2, Some(Stage::Started), "2024-02-01"),
            ev(3, Some(Stage::Producing), "2024-06-01"),
        ];
        assert!(check_history(&producing_after_start).is_ok(), "投产 may follow 开工 directly");
        let capacity_unproduced = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            ev(2, Some(Stage::Started), "2024-02-01"),
            ev(3, Some(Stage::AtCapacity), "2024-06-01"),
        ];
        assert!(check_history(&capacity_unproduced).unwrap_err().contains("须先有投产"));
    }

    #[test]
    fn a_back_dated_event_is_judged_where_it_falls() {
        let mut h = vec![ev(1, Some(Stage::Signed), "2024-03-01"), ev(2, Some(Stage::Started), "2024-05-01")];
        h.push(ev(3, Some(Stage::Negotiating), "2024-01-10"));
        assert!(check_history(&h).is_ok(), "在谈 before 签约 in date order");
        let mut late_sign =
            vec![ev(1, Some(Stage::Negotiating), "2024-03-01"), ev(2, Some(Stage::Signed), "2024-05-01")];
        late_sign.push(ev(3, Some(Stage::Started), "2024-04-01"));
        assert!(check_history(&late_sign).unwrap_err().contains("须先有签约"), "开工 dated before its 签约");
    }

    #[test]
    fn hold_and_drop_need_a_reason_and_hold_resumes_to_its_stage() {
        let no_reason =
            vec![ev(1, Some(Stage::Signed), "2024-01-05"), ev(2, Some(Stage::OnHold), "2024-02-01")];
        assert!(check_history(&no_reason).unwrap_err().contains("须填写原因"));
        let resumed = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            with_reason(ev(2, Some(Stage::OnHold), "2024-02-01"), "资金未落实"),
            ev(3, Some(Stage::Signed), "2024-03-01"),
        ];
        assert!(check_history(&resumed).is_ok());
        let s = state_on(&resumed, d("2024-02-15"));
        assert_eq!((s.stage, s.held), (Stage::OnHold, Some(Stage::Signed)));
        let mut below = resumed[..2].to_vec();
        below.push(ev(3, Some(Stage::Negotiating), "2024-03-01"));
        assert!(check_history(&below).unwrap_err().contains("阶段只能前进"));
        let dropped = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            with_reason(ev(2, Some(Stage::Dropped), "2024-02-01"), "no_interest"),
            ev(3, Some(Stage::Started), "2024-03-01"),
        ];
        assert!(check_history(&dropped).unwrap_err().contains("已终止"));
        let s = state_on(&dropped[..2], d("2024-12-31"));
        assert_eq!(
            (s.stage, s.furthest()),
            (Stage::Dropped, Stage::Signed),
            "a dropped project keeps what it reached"
        );
    }

    #[test]
    fn a_correction_moves_back_and_strikes_later_stages_a_void_strikes_an_event() {
        let mut fix = with_reason(ev(3, Some(Stage::Signed), "2024-04-01"), "开工系误录");
        fix.correction = true;
        let h =
            vec![ev(1, Some(Stage::Signed), "2024-01-05"), ev(2, Some(Stage::Started), "2024-03-01"), fix];
        assert!(check_history(&h).is_ok());
        let s = state_on(&h, d("2024-12-31"));
        assert_eq!(
            (s.stage, s.furthest(), s.date_of(Stage::Signed)),
            (Stage::Signed, Stage::Signed, Some(d("2024-01-05")))
        );
        let mut void = with_reason(ev(4, None, "2024-04-01"), "重复录入");
        void.correction = true;
        void.voids = Some(2);
        let h2 =
            vec![ev(1, Some(Stage::Signed), "2024-01-05"), ev(2, Some(Stage::Started), "2024-03-01"), void];
        assert_eq!(state_on(&h2, d("2024-03-15")).stage, Stage::Signed, "the struck event never counts");
    }

    #[test]
    fn voiding_a_void_brings_the_event_back() {
        let mut strike = with_reason(ev(3, None, "2024-04-01"), "误作废");
        strike.correction = true;
        strike.voids = Some(2);
        let mut undo = with_reason(ev(4, None, "2024-04-02"), "作废有误");
        undo.correction = true;
        undo.voids = Some(3);
        let h = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            ev(2, Some(Stage::Started), "2024-03-01"),
            strike.clone(),
        ];
        assert_eq!(state_on(&h, d("2024-12-31")).stage, Stage::Signed);
        let h = vec![
            ev(1, Some(Stage::Signed), "2024-01-05"),
            ev(2, Some(Stage::Started), "2024-03-01"),
            strike,
            undo,
        ];
        assert_eq!(state_on(&h, d("2024-12-31")).stage, Stage::Started, "the void was voided");
        assert_eq!(struck(&h), HashSet::from([3]));
    }

    #[test]
    fn totals_are_the_latest_on_or_before_the_date() {
        let mut a = ev(1, Some(Stage::Signed), "2023-11-01");
        a.figures.invested_total = Some(100.0);
        a.figures.signed_amount = Some(5000.0);
        let mut b = ev(2, None, "2024-02-01");
        b.figures.invested_total = Some(300.0);
        let h = vec![a, b];
        let eff = effective(&h);
        let (s, base) = fold(eff.iter().copied(), d("2023-12-31"), d("2024-06-30"));
        assert_eq!(
            (s.figures.invested_total, base.invested_total, s.figures.signed_amount),
            (Some(300.0), Some(100.0), Some(5000.0))
        );
        let (s, _) = fold(eff.iter().copied(), d("2023-12-31"), d("2024-01-31"));
        assert_eq!(s.figures.invested_total, Some(100.0));
    }
}
