//! Writes a generated bench instance and the planner's result as JSON on
//! stdout, for `bench/cpsat_compare.py`: its fill, its bound and its median
//! time over five runs.
//!
//! Usage: `cargo run --release --example export_instance -- offset-450 [seed] [replan]`
//! (families: those of `benches/common/generate.rs`; default seed 2025, the
//! bench's). With `replan`, the instance is re-planned: its own planning is
//! the previous one, and the artist of its first assignment declined that
//! slot; the export then also holds the decisions and the changes.
//! `COULISSES_PLANNER_EFFORT` sets the planner's effort, as for the service.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use coulisses::planning::{Assignment, Effort, Pick, Problem, plan, plan_with_effort};
use serde_json::{Value, json};

#[path = "../benches/common/generate.rs"]
mod generate;

use generate::Family;

/// The planning, and the median time of five runs.
fn timed(problem: &Problem, effort: Effort) -> (coulisses::planning::Planning, Duration) {
    let mut times = Vec::new();
    let mut planning = plan_with_effort(problem, effort);
    for _ in 0..5 {
        let started = Instant::now();
        planning = plan_with_effort(problem, effort);
        times.push(started.elapsed());
    }
    times.sort();
    (planning, times[times.len() / 2])
}

/// The problem re-planned after one refusal: its planning is the previous
/// one, and the first assignment's artist declined that slot.
fn replanned(problem: &Problem) -> Problem {
    let planning = plan(problem);
    let mut replanned = problem.clone();
    replanned.decisions.previous = planning.assignments.iter().map(Assignment::pick).collect();
    replanned.decisions.refused = replanned
        .decisions
        .previous
        .iter()
        .take(1)
        .copied()
        .collect();
    replanned
}

fn export(name: &str, problem: &Problem, effort: Effort) -> Value {
    let (planning, median) = timed(problem, effort);
    let stats = &planning.stats;
    let kept = planning
        .assignments
        .iter()
        .filter(|assignment| problem.decisions.previous.contains(&assignment.pick()))
        .count();
    let pairs = |picks: &[Pick]| -> Vec<[usize; 2]> {
        picks.iter().map(|pick| [pick.slot, pick.artist]).collect()
    };
    json!({
        "family": name,
        "decisions": {
            "previous": pairs(&problem.decisions.previous),
            "refused": pairs(&problem.decisions.refused),
        },
        "rules": {
            "max_slots_per_artist": problem.rules.max_slots_per_artist,
            "min_rest_seconds": problem.rules.min_rest.num_seconds(),
        },
        "artists": problem.artists.iter().map(|artist| json!({
            "id": artist.id.to_string(),
            "name": artist.name,
            "skills": artist.skills,
            "availability": artist.availability.iter()
                .map(|r| [r.starts_at.timestamp(), r.ends_at.timestamp()])
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "slots": problem.slots.iter().map(|slot| json!({
            "key": slot.key,
            "start": slot.starts_at.timestamp(),
            "end": slot.ends_at.timestamp(),
            "positions": slot.positions,
            "required_skills": slot.required_skills,
        })).collect::<Vec<_>>(),
        "planner": {
            "filled": stats.filled,
            "positions": stats.positions,
            "filled_upper_bound": stats.filled_upper_bound,
            "max_load": stats.max_load,
            "median_ms": median.as_secs_f64() * 1e3,
            "effort": effort.factor(),
            "changes": problem.decisions.previous.len() - kept,
        },
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| String::from("offset-450"));
    let seed = match args.next().map(|s| s.parse::<u64>()) {
        None => 2025,
        Some(Ok(seed)) => seed,
        Some(Err(e)) => {
            eprintln!("bad seed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(family) = Family::ALL.into_iter().find(|f| f.name() == name) else {
        let names: Vec<String> = Family::ALL.iter().map(|f| f.name()).collect();
        eprintln!(
            "unknown family {name}; expected one of {}",
            names.join(", ")
        );
        return ExitCode::FAILURE;
    };
    let effort = match std::env::var("COULISSES_PLANNER_EFFORT") {
        Err(_) => Effort::DEFAULT,
        Ok(raw) => match raw.parse().ok().and_then(Effort::new) {
            Some(effort) => effort,
            None => {
                eprintln!(
                    "bad COULISSES_PLANNER_EFFORT {raw:?}: a factor from {} to {}",
                    Effort::LEAST,
                    Effort::MOST
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let problem = family.generate(seed);
    match args.next().as_deref() {
        None => println!("{}", export(&name, &problem, effort)),
        Some("replan") => println!(
            "{}",
            export(&format!("{name} replan"), &replanned(&problem), effort)
        ),
        Some(other) => {
            eprintln!("unknown option {other}; expected replan");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
