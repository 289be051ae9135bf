//! Seeded instance generators shared by the bench and the export example
//! (included with `#[path]`, so that the production module carries no
//! generator code).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use coulisses::planning::{Artist, Decisions, Problem, Rules, Slot, TimeRange};
use uuid::Uuid;

/// The benchmark families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// 50 stages x 3 days x 6 two-hour slots on a shared grid (2,000
    /// artists in the reference family; fewer makes artists scarce).
    Grid { artists: usize },
    /// Same stages, per-stage offsets, 60-180 minute slots.
    Offset { artists: usize },
    /// A small festival: 10 stages x 2 days x 3 slots of 60-180 minutes
    /// with staggered starts, 100 artists (about 170 positions); with
    /// `rest`, 30 minutes between an artist's slots.
    Small { rest: bool },
    /// 20 stages x 2 days x 4 staggered slots, 200 artists: the size up to
    /// which the planner proves its optimum.
    Medium { rest: bool },
    /// 500 crew x 28 days x 3 eight-hour shifts, 11 h rest, 20 shifts max.
    Roster,
}

/// The shape of a generated festival.
struct Festival {
    stages: usize,
    days: i64,
    slots_per_day: usize,
    artists: usize,
    offsets: bool,
    rest_minutes: i64,
}

impl Family {
    pub const ALL: [Family; 9] = [
        Family::Small { rest: false },
        Family::Small { rest: true },
        Family::Medium { rest: false },
        Family::Medium { rest: true },
        Family::Grid { artists: 2_000 },
        Family::Grid { artists: 300 },
        Family::Offset { artists: 450 },
        Family::Offset { artists: 800 },
        Family::Roster,
    ];

    pub fn name(self) -> String {
        let rest = |rest: bool| if rest { "-rest" } else { "" };
        match self {
            Family::Grid { artists: 2_000 } => String::from("grid"),
            Family::Grid { artists } => format!("grid-{artists}"),
            Family::Offset { artists } => format!("offset-{artists}"),
            Family::Small { rest: r } => format!("small{}", rest(r)),
            Family::Medium { rest: r } => format!("medium{}", rest(r)),
            Family::Roster => String::from("roster"),
        }
    }

    pub fn generate(self, seed: u64) -> Problem {
        let large = |artists, offsets| Festival {
            stages: 50,
            days: 3,
            slots_per_day: 6,
            artists,
            offsets,
            rest_minutes: 0,
        };
        let rest_minutes = |rest: bool| if rest { 30 } else { 0 };
        match self {
            Family::Grid { artists } => festival(seed, &large(artists, false)),
            Family::Offset { artists } => festival(seed, &large(artists, true)),
            Family::Small { rest } => festival(
                seed,
                &Festival {
                    stages: 10,
                    days: 2,
                    slots_per_day: 3,
                    artists: 100,
                    offsets: true,
                    rest_minutes: rest_minutes(rest),
                },
            ),
            Family::Medium { rest } => festival(
                seed,
                &Festival {
                    stages: 20,
                    days: 2,
                    slots_per_day: 4,
                    artists: 200,
                    offsets: true,
                    rest_minutes: rest_minutes(rest),
                },
            ),
            Family::Roster => roster(seed),
        }
    }
}

/// splitmix64: tiny, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (callers pass `lo <= hi`).
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + u32::try_from(self.next() % span).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// `k` distinct items of `pool`, sorted (normalized like the service).
    fn pick(&mut self, pool: &[&str], k: usize) -> Vec<String> {
        let mut idx: Vec<usize> = (0..pool.len()).collect();
        for i in 0..k.min(pool.len()) {
            let last = u32::try_from(pool.len() - i - 1).unwrap_or(0);
            let j = i + self.range(0, last) as usize;
            idx.swap(i, j);
        }
        let mut out: Vec<String> = idx[..k.min(pool.len())]
            .iter()
            .map(|&i| pool[i].to_string())
            .collect();
        out.sort();
        out
    }
}

const FESTIVAL_SKILLS: [&str; 8] = [
    "audio", "backline", "light", "pyro", "rigging", "sound", "stage", "video",
];
const CREW_SKILLS: [&str; 4] = ["electrician", "first-aid", "forklift", "rigging"];

/// 2025-07-01 00:00 UTC plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_751_328_000 + minutes * 60, 0)
        .single()
        .unwrap_or_default()
}

fn range(start: i64, end: i64) -> TimeRange {
    TimeRange {
        starts_at: at(start),
        ends_at: at(end),
    }
}

fn id(tag: u64, i: usize) -> Uuid {
    Uuid::from_u128((u128::from(tag) << 64) | i as u128)
}

const DAY: i64 = 24 * 60;

fn festival(seed: u64, shape: &Festival) -> Problem {
    let offsets = shape.offsets;
    let mut rng = Rng(seed);
    let mut slots = Vec::new();
    for stage in 0..shape.stages {
        let offset = if offsets {
            i64::from(rng.range(0, 4)) * 15
        } else {
            0
        };
        for day in 0..shape.days {
            let mut start = day * DAY + 14 * 60 + offset;
            for n in 0..shape.slots_per_day {
                let length = if offsets {
                    i64::from(rng.range(4, 12)) * 15
                } else {
                    120
                };
                let skills = match rng.range(0, 9) {
                    0..=3 => 0,
                    4..=7 => 1,
                    _ => 2,
                };
                slots.push(Slot {
                    key: format!("s{stage:02}-d{day}-{n}"),
                    starts_at: at(start),
                    ends_at: at(start + length),
                    positions: rng.range(2, 4),
                    required_skills: rng.pick(&FESTIVAL_SKILLS, skills),
                    label: Some(format!("stage-{stage:02}")),
                });
                start += length;
            }
        }
    }
    let mut artists = Vec::with_capacity(shape.artists);
    for i in 0..shape.artists {
        let skills = rng.range(1, 3) as usize;
        let skills = rng.pick(&FESTIVAL_SKILLS, skills);
        let mut availability = Vec::new();
        for day in 0..shape.days {
            let base = day * DAY;
            match rng.range(0, 9) {
                // Full day, sometimes entered as two touching ranges.
                0..=2 => {
                    if rng.chance(50) {
                        availability.push(range(base + 12 * 60, base + 20 * 60));
                        availability.push(range(base + 20 * 60, base + 28 * 60));
                    } else {
                        availability.push(range(base + 12 * 60, base + 28 * 60));
                    }
                }
                3..=5 => availability.push(range(base + 18 * 60, base + 28 * 60)),
                6..=7 => availability.push(range(base + 12 * 60, base + 20 * 60)),
                _ => {}
            }
        }
        artists.push(Artist {
            id: id(seed, i),
            name: format!("artist-{i:04}"),
            skills,
            availability,
        });
    }
    Problem {
        artists,
        slots,
        rules: Rules {
            max_slots_per_artist: None,
            min_rest: TimeDelta::minutes(shape.rest_minutes),
        },
        decisions: Decisions::default(),
    }
}

fn roster(seed: u64) -> Problem {
    let mut rng = Rng(seed);
    let mut slots = Vec::new();
    for day in 0..28 {
        for (shift, hour) in [6, 14, 22].into_iter().enumerate() {
            let start = day * DAY + hour * 60;
            let end = start + 8 * 60;
            slots.push(Slot {
                key: format!("d{day:02}-{shift}-general"),
                starts_at: at(start),
                ends_at: at(end),
                positions: rng.range(55, 75),
                required_skills: Vec::new(),
                label: None,
            });
            for skill in CREW_SKILLS {
                slots.push(Slot {
                    key: format!("d{day:02}-{shift}-{skill}"),
                    starts_at: at(start),
                    ends_at: at(end),
                    positions: rng.range(4, 9),
                    required_skills: vec![skill.to_string()],
                    label: None,
                });
            }
        }
    }
    let mut artists = Vec::with_capacity(500);
    for i in 0..500 {
        let skills = rng.range(0, 2) as usize;
        let skills = rng.pick(&CREW_SKILLS, skills);
        // Available the whole period but for one or two leave blocks.
        let mut availability = Vec::new();
        let mut from = 0;
        for _ in 0..rng.range(1, 2) {
            let leave = i64::from(rng.range(0, 27)) * DAY;
            let length = i64::from(rng.range(1, 4)) * DAY;
            if leave > from {
                availability.push(range(from, leave));
            }
            from = from.max(leave + length);
        }
        if from < 29 * DAY {
            availability.push(range(from, 29 * DAY));
        }
        artists.push(Artist {
            id: id(seed, i),
            name: format!("crew-{i:03}"),
            skills,
            availability,
        });
    }
    Problem {
        artists,
        slots,
        rules: Rules {
            // The contract rule is "at most 5 shifts a week"; the planner
            // has no per-week rule, so 20 over the 28 days approximates it.
            max_slots_per_artist: Some(20),
            min_rest: TimeDelta::hours(11),
        },
        decisions: Decisions::default(),
    }
}
