//! Projects and assessment (SPEC §10), pure: the [`Book`] is the in-memory copy of every unit,
//! project, event, target and published month the store holds, kept by the app as it applies each
//! commit (as the graph is) and rebuilt from the store at open. The stage rules and the fold are in
//! [`state`], the monthly 通报 in [`report`]. No IO here.

pub mod report;
pub mod state;
#[cfg(test)]
mod tests;

use crate::model::project::{Event, Project, ProjectId, Targets, Unit};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A project with its events, sorted by (date, id).
#[derive(Debug, Clone)]
pub struct Entry {
    pub project: Project,
    pub events: Vec<Event>,
    /// Events a correction struck (usually none).
    voided: HashSet<u64>,
}

impl Entry {
    pub fn new(project: Project) -> Entry {
        Entry { project, events: Vec::new(), voided: HashSet::new() }
    }

    /// The events that count, in date order.
    pub fn effective(&self) -> impl Iterator<Item = &Event> {
        let none_voided = self.voided.is_empty();
        self.events.iter().filter(move |e| none_voided || !self.voided.contains(&e.id))
    }

    fn add_event(&mut self, e: Event) {
        let voids = e.voids.is_some();
        let at = self.events.partition_point(|x| (x.date, x.id) <= (e.date, e.id));
        self.events.insert(at, e);
        if voids {
            self.voided = state::struck(&self.events);
        }
    }

    /// The date of its first event that counts, else the (local) day it was created.
    pub fn taken_up(&self) -> chrono::NaiveDate {
        self.effective()
            .next()
            .map(|e| e.date)
            .unwrap_or_else(|| self.project.created_at.with_timezone(&chrono::Local).date_naive())
    }

    /// The history with `e` added, for checking the stage rules on it.
    pub fn with_event(&self, e: &Event) -> Vec<Event> {
        let mut v = self.events.clone();
        v.push(e.clone());
        v
    }
}

/// A month frozen by publishing it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Published {
    pub month: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: String,
    /// Events with a larger id were recorded after publishing.
    pub last_event: u64,
    /// The report as it was published (the API's JSON shape).
    pub report: serde_json::Value,
}

/// Every unit, project, event, target and published month, in memory.
#[derive(Debug, Default)]
pub struct Book {
    pub units: BTreeMap<String, Unit>,
    entries: Vec<Entry>,
    by_id: HashMap<ProjectId, usize>,
    pub targets: HashMap<(String, i32), Targets>,
    pub published: BTreeMap<String, Published>,
    events: usize,
    last_event: u64,
    last_project: u64,
}

impl Book {
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: ProjectId) -> Option<&Entry> {
        self.by_id.get(&id).map(|i| &self.entries[*i])
    }

    pub fn event_count(&self) -> usize {
        self.events
    }

    /// The next ids to hand out (the caller holds the write lock).
    pub fn next_project_id(&self) -> ProjectId {
        ProjectId(self.last_project + 1)
    }

    pub fn next_event_id(&self) -> u64 {
        self.last_event + 1
    }

    pub fn last_event_id(&self) -> u64 {
        self.last_event
    }

    /// `unit` and the units above it, nearest first (stops at a cycle or an unknown parent).
    pub fn ancestry<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(unit);
        let mut seen = 0;
        std::iter::from_fn(move || {
            let u = next?;
            seen += 1;
            next = if seen > 64 { None } else { self.units.get(u).and_then(|x| x.parent.as_deref()) };
            Some(u)
        })
    }

    /// Whether `unit` is `root` or below it.
    pub fn within(&self, unit: &str, root: &str) -> bool {
        self.ancestry(unit).any(|u| u == root)
    }

    /// `root` and every unit below it, in id order.
    pub fn subtree<'a>(&'a self, root: &str) -> Vec<&'a str> {
        self.units.keys().map(String::as_str).filter(|u| self.within(u, root)).collect()
    }

    pub fn put_unit(&mut self, u: Unit) {
        self.units.insert(u.id.clone(), u);
    }

    pub fn put_project(&mut self, p: Project) {
        self.last_project = self.last_project.max(p.id.0);
        match self.by_id.get(&p.id) {
            Some(i) => self.entries[*i].project = p,
            None => {
                self.by_id.insert(p.id, self.entries.len());
                self.entries.push(Entry::new(p));
            }
        }
    }

    /// Adds an event to its project (which must be in the book).
    pub fn put_event(&mut self, e: Event) {
        self.last_event = self.last_event.max(e.id);
        if let Some(i) = self.by_id.get(&e.project) {
            self.events += 1;
            self.entries[*i].add_event(e);
        }
    }

    pub fn put_targets(&mut self, unit: String, year: i32, t: Targets) {
        self.targets.insert((unit, year), t);
    }

    pub fn put_published(&mut self, p: Published) {
        self.published.insert(p.month.clone(), p);
    }
}
