//! Two `coulisses serve` replicas on one database (issue 4). Both are
//! started at the same moment on an empty database, so both migrate it at
//! once; then 200 concurrent mixed mutations, spread over the two and aimed
//! at the same few artists. Every answer must be HTTP 200 with the success
//! type or a typed error, and afterwards the database must hold every
//! invariant and agree with the successes.
//!
//! PostgreSQL is the deployment this is about. The same scenario also runs on
//! one SQLite file shared by two processes, which holds for the same
//! reasons as within one process: SQLite locks the file across processes
//! (WAL on a local file system, where its shared-memory index works), the
//! service takes the write lock at BEGIN, and a writer of either process
//! queues on the busy timeout. It is no way to scale (writes serialize on
//! the file), but the same locks must hold when `coulisses migrate` or
//! `seed` runs beside a service, and it caught a start-up race of its own
//! (see `db::connect`).

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use crate::common::service::{Service, sqlite_file};

use chrono::{DateTime, TimeZone, Utc};
use coulisses::db;
use coulisses::domain::ArtistDetails;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

const MUTATIONS: usize = 200;

// ------------------------------------------------------------ the scenario

/// An hour range on one day: few enough that mutations collide often.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Range {
    from: u32,
    to: u32,
}

impl Range {
    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 1, hour, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("no such hour {hour}"))
    }

    fn input(self) -> Value {
        json!({
            "startsAt": Self::at(self.from).to_rfc3339(),
            "endsAt": Self::at(self.to).to_rfc3339(),
        })
    }

    fn of(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Option<Self> {
        let hour = |time: DateTime<Utc>| {
            let hours = (time - Self::at(0)).num_hours();
            u32::try_from(hours)
                .ok()
                .filter(|_| Self::at(0) + chrono::Duration::hours(hours) == time)
        };
        Some(Self {
            from: hour(starts_at)?,
            to: hour(ends_at)?,
        })
    }
}

/// The seeded artists, by role: what may happen to each decides what can
/// soundly be checked about it afterwards.
const ARTISTS: usize = 6;
/// Deleted (several times over, concurrently) while everything else runs.
const DOOMED: [usize; 2] = [0, 1];
/// Also get `setAvailabilities`, which replaces all their availabilities.
const REPLACED: [usize; 2] = [2, 3];
/// The ranges every seeded artist starts with.
const SEEDED_RANGES: [Range; 4] = [
    Range { from: 6, to: 7 },
    Range { from: 8, to: 10 },
    Range { from: 12, to: 14 },
    Range { from: 16, to: 18 },
];
/// Where in the batch the deletions of the doomed artists go, three each.
const DELETIONS: [(usize, usize); 6] = [(40, 0), (90, 0), (140, 0), (65, 1), (115, 1), (165, 1)];

#[derive(Clone, Debug)]
enum Op {
    CreateArtist {
        name: String,
        email: String,
        ranges: Vec<Range>,
    },
    UpdateArtist {
        artist: usize,
        email: Option<String>,
        skills: Option<Vec<String>>,
    },
    DeleteArtist {
        artist: usize,
    },
    AddAvailability {
        artist: usize,
        range: Range,
    },
    /// `None`: an ID that never existed.
    UpdateAvailability {
        seeded: Option<usize>,
        range: Range,
    },
    DeleteAvailability {
        seeded: Option<usize>,
    },
    SetAvailabilities {
        artist: usize,
        ranges: Vec<Range>,
    },
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::CreateArtist { .. } => "createArtist",
            Op::UpdateArtist { .. } => "updateArtist",
            Op::DeleteArtist { .. } => "deleteArtist",
            Op::AddAvailability { .. } => "addAvailability",
            Op::UpdateAvailability { .. } => "updateAvailability",
            Op::DeleteAvailability { .. } => "deleteAvailability",
            Op::SetAvailabilities { .. } => "setAvailabilities",
        }
    }

    /// The result union's members: the success type first.
    fn allowed(&self) -> &'static [&'static str] {
        match self {
            Op::CreateArtist { .. } => &["Artist", "ValidationError", "ConflictError"],
            Op::UpdateArtist { .. } => &[
                "Artist",
                "NotFoundError",
                "ValidationError",
                "ConflictError",
            ],
            Op::DeleteArtist { .. } => &["DeletedArtist", "NotFoundError"],
            Op::AddAvailability { .. } | Op::UpdateAvailability { .. } => &[
                "Availability",
                "NotFoundError",
                "ValidationError",
                "ConflictError",
            ],
            Op::DeleteAvailability { .. } => &["DeletedAvailability", "NotFoundError"],
            Op::SetAvailabilities { .. } => &["Artist", "NotFoundError", "ValidationError"],
        }
    }

    /// The GraphQL request, under the alias `r`.
    fn request(&self, seed: &Seed) -> (&'static str, Value) {
        let availability_id = |seeded: &Option<usize>| match seeded {
            Some(index) => seed.availabilities[*index].id.to_string(),
            None => Uuid::now_v7().to_string(),
        };
        match self {
            Op::CreateArtist {
                name,
                email,
                ranges,
            } => (
                "mutation($input: CreateArtistInput!) { r: createArtist(input: $input) { __typename ... on Artist { id } ... on UserError { message } } }",
                json!({ "input": {
                    "name": name,
                    "email": email,
                    "skills": ["sound"],
                    "availabilities": ranges.iter().map(|r| r.input()).collect::<Vec<_>>(),
                } }),
            ),
            Op::UpdateArtist {
                artist,
                email,
                skills,
            } => {
                let mut input = serde_json::Map::new();
                if let Some(email) = email {
                    input.insert("email".into(), json!(email));
                }
                if let Some(skills) = skills {
                    input.insert("skills".into(), json!(skills));
                }
                (
                    "mutation($id: ID!, $input: UpdateArtistInput!) { r: updateArtist(id: $id, input: $input) { __typename ... on UserError { message } } }",
                    json!({ "id": seed.artists[*artist].to_string(), "input": input }),
                )
            }
            Op::DeleteArtist { artist } => (
                "mutation($id: ID!) { r: deleteArtist(id: $id) { __typename ... on UserError { message } } }",
                json!({ "id": seed.artists[*artist].to_string() }),
            ),
            Op::AddAvailability { artist, range } => (
                "mutation($id: ID!, $input: AvailabilityInput!) { r: addAvailability(artistId: $id, input: $input) { __typename ... on Availability { id } ... on UserError { message } } }",
                json!({ "id": seed.artists[*artist].to_string(), "input": range.input() }),
            ),
            Op::UpdateAvailability { seeded, range } => (
                "mutation($id: ID!, $input: AvailabilityInput!) { r: updateAvailability(id: $id, input: $input) { __typename ... on UserError { message } } }",
                json!({ "id": availability_id(seeded), "input": range.input() }),
            ),
            Op::DeleteAvailability { seeded } => (
                "mutation($id: ID!) { r: deleteAvailability(id: $id) { __typename ... on UserError { message } } }",
                json!({ "id": availability_id(seeded) }),
            ),
            Op::SetAvailabilities { artist, ranges } => (
                "mutation($id: ID!, $list: [AvailabilityInput!]!) { r: setAvailabilities(artistId: $id, availabilities: $list) { __typename ... on UserError { message } } }",
                json!({
                    "id": seed.artists[*artist].to_string(),
                    "list": ranges.iter().map(|r| r.input()).collect::<Vec<_>>(),
                }),
            ),
        }
    }
}

/// xorshift64*: a fixed sequence, so a failure can be replayed exactly.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // n is small; the modulo bias does not matter for a test mix.
        (x >> 33) as usize % n
    }

    fn range(&mut self) -> Range {
        let from = 6 + self.below(11) as u32;
        Range {
            from,
            to: from + 1 + self.below(3) as u32,
        }
    }

    /// An email from a small pool, in one of several cases: many collide,
    /// some only case-insensitively, some with a seeded artist's.
    fn email(&mut self) -> String {
        let local = match self.below(5) {
            0..=2 => format!("shared{}", self.below(3)),
            _ => format!("seed{}", self.below(ARTISTS)),
        };
        let address = format!("{local}@example.org");
        match self.below(3) {
            0 => address,
            1 => address.to_uppercase(),
            _ => {
                let mut chars = address.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
        }
    }
}

/// The 200 mutations, in the order they are sent.
fn mutations(seeded_availabilities: usize) -> Vec<Op> {
    let mut rng = Rng(0x5EED_C0C1_15E5_2026);
    let mut ops = Vec::with_capacity(MUTATIONS);
    for i in 0..MUTATIONS {
        if let Some(&(_, artist)) = DELETIONS.iter().find(|(at, _)| *at == i) {
            ops.push(Op::DeleteArtist { artist });
            continue;
        }
        let seeded = |rng: &mut Rng| {
            // One in ten names an availability that never existed.
            (rng.below(10) != 0).then(|| rng.below(seeded_availabilities))
        };
        let op = match rng.below(100) {
            0..15 => Op::CreateArtist {
                name: format!("New {i}"),
                email: rng.email(),
                ranges: (0..rng.below(2)).map(|_| rng.range()).collect(),
            },
            15..28 => {
                let artist = rng.below(ARTISTS);
                match rng.below(3) {
                    0 => Op::UpdateArtist {
                        artist,
                        email: Some(rng.email()),
                        skills: Some(vec!["light".into(), format!("skill{i}")]),
                    },
                    _ => Op::UpdateArtist {
                        artist,
                        email: Some(rng.email()),
                        skills: None,
                    },
                }
            }
            28..53 => Op::AddAvailability {
                artist: rng.below(ARTISTS),
                range: rng.range(),
            },
            53..75 => Op::UpdateAvailability {
                seeded: seeded(&mut rng),
                range: rng.range(),
            },
            // Only the doomed and replaced artists get replaced lists; two
            // entries may overlap each other (a ValidationError).
            75..85 => Op::SetAvailabilities {
                artist: rng.below(DOOMED.len() + REPLACED.len()),
                ranges: (0..rng.below(3)).map(|_| rng.range()).collect(),
            },
            _ => Op::DeleteAvailability {
                seeded: seeded(&mut rng),
            },
        };
        ops.push(op);
    }
    ops
}

struct SeededAvailability {
    id: Uuid,
    artist: usize,
    range: Range,
}

struct Seed {
    artists: Vec<Uuid>,
    availabilities: Vec<SeededAvailability>,
}

fn seeded_email(artist: usize) -> String {
    format!("seed{artist}@example.org")
}

async fn post(client: &reqwest::Client, base: &str, query: &str, variables: Value) -> (u16, Value) {
    let response = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response
                .json::<Value>()
                .await
                .unwrap_or_else(|err| json!({ "not json": err.to_string() }));
            (status, body)
        }
        Err(err) => (0, json!({ "transport error": err.to_string() })),
    }
}

async fn seed(client: &reqwest::Client, base: &str) -> Seed {
    let mut artists = Vec::new();
    let mut availabilities = Vec::new();
    for artist in 0..ARTISTS {
        let (status, body) = post(
            client,
            base,
            "mutation($input: CreateArtistInput!) { createArtist(input: $input) { __typename ... on Artist { id availabilities { id startsAt } } } }",
            json!({ "input": {
                "name": format!("Seed {artist}"),
                "email": seeded_email(artist),
                "skills": ["sound"],
                "availabilities": SEEDED_RANGES.iter().map(|r| r.input()).collect::<Vec<_>>(),
            } }),
        )
        .await;
        let created = &body["data"]["createArtist"];
        assert!(
            status == 200 && created["__typename"] == "Artist",
            "seeding failed: {status} {body}"
        );
        artists.push(uuid(&created["id"]));
        let listed = created["availabilities"].as_array().cloned();
        for (listed, range) in listed.unwrap_or_default().iter().zip(SEEDED_RANGES) {
            availabilities.push(SeededAvailability {
                id: uuid(&listed["id"]),
                artist,
                range,
            });
        }
    }
    assert_eq!(availabilities.len(), ARTISTS * SEEDED_RANGES.len());
    Seed {
        artists,
        availabilities,
    }
}

fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| Uuid::parse_str(text).ok())
        .unwrap_or_else(|| panic!("expected an ID, got {value}"))
}

/// One mutation and what it got.
struct Outcome {
    op: Op,
    status: u16,
    body: Value,
}

impl Outcome {
    fn typename(&self) -> &str {
        self.body["data"]["r"]["__typename"].as_str().unwrap_or("")
    }

    fn succeeded(&self) -> bool {
        self.typename() == self.op.allowed()[0]
    }

    fn id(&self) -> Uuid {
        uuid(&self.body["data"]["r"]["id"])
    }
}

/// The scenario, on a database nobody has migrated yet.
async fn two_replicas_on(database_url: &str, label: &str) {
    let started = Instant::now();
    // One right after the other: both find the database empty and migrate.
    let mut a = Service::spawn_serve("replica A", database_url, &[], "info");
    let mut b = Service::spawn_serve("replica B", database_url, &[], "info");
    a.wait_until_listening();
    b.wait_until_listening();

    let client = reqwest::Client::new();
    let seed = seed(&client, &a.base).await;
    let ops = mutations(seed.availabilities.len());
    let bases = [a.base.clone(), b.base.clone()];
    let answers = futures::future::join_all(ops.iter().enumerate().map(|(i, op)| {
        let (query, variables) = op.request(&seed);
        let (client, base) = (&client, &bases[i % 2]);
        async move { post(client, base, query, variables).await }
    }))
    .await;
    let outcomes: Vec<Outcome> = ops
        .into_iter()
        .zip(answers)
        .map(|(op, (status, body))| Outcome { op, status, body })
        .collect();
    assert!(a.is_running() && b.is_running(), "a replica died");

    print_summary(label, &outcomes);
    let mut failures = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        let allowed = outcome.op.allowed();
        if outcome.status != 200
            || outcome.body.get("errors").is_some()
            || !allowed.contains(&outcome.typename())
        {
            failures.push(format!(
                "#{i} {} got {}: {}",
                outcome.op.kind(),
                outcome.status,
                outcome.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{label}: {} of {MUTATIONS} answers were no success and no typed error:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The mix does collide: two creates with one email cannot both win, and
    // neither can two overlapping adds for an artist nobody deletes or
    // replaces. A run without conflicts would prove nothing.
    let conflicts = |kind: &str| {
        outcomes
            .iter()
            .filter(|o| o.op.kind() == kind && o.typename() == "ConflictError")
            .count()
    };
    assert!(conflicts("createArtist") > 0, "no email collided");
    assert!(conflicts("addAvailability") > 0, "no range collided");

    let db = db::connect(database_url, 2)
        .await
        .unwrap_or_else(|err| panic!("cannot open {label}: {err}"));
    check_invariants(&db, label).await;
    let details = coulisses::domain::artists::load_details(&db, None)
        .await
        .unwrap_or_else(|err| panic!("cannot read the artists: {err}"));
    let _ = db.close().await;
    check_consistency(&seed, &outcomes, &details);
    check_not_found(&seed, &outcomes);
    eprintln!(
        "{label}: two replicas, {MUTATIONS} concurrent mutations, checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn print_summary(label: &str, outcomes: &[Outcome]) {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for outcome in outcomes {
        *counts
            .entry((outcome.op.kind(), outcome.typename()))
            .or_default() += 1;
    }
    eprintln!("{label}: outcomes");
    for ((kind, typename), count) in counts {
        eprintln!("  {kind:<20} {typename:<20} {count:>4}");
    }
}

/// The rules the database must hold whatever the interleaving, in SQL of
/// their own rather than through the service's code.
async fn check_invariants(db: &DatabaseConnection, label: &str) {
    let checks = [
        (
            "pairs of overlapping availabilities of one artist",
            "SELECT COUNT(*) AS n FROM availabilities a JOIN availabilities b \
             ON a.artist_id = b.artist_id AND a.id <> b.id \
             AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at",
        ),
        (
            "availabilities without their artist",
            "SELECT COUNT(*) AS n FROM availabilities v \
             WHERE NOT EXISTS (SELECT 1 FROM artists a WHERE a.id = v.artist_id)",
        ),
        (
            "skills without their artist",
            "SELECT COUNT(*) AS n FROM artist_skills s \
             WHERE NOT EXISTS (SELECT 1 FROM artists a WHERE a.id = s.artist_id)",
        ),
        (
            "emails held by more than one artist, ignoring case",
            "SELECT COUNT(*) AS n FROM (SELECT LOWER(email) AS e FROM artists \
             WHERE email IS NOT NULL GROUP BY LOWER(email) HAVING COUNT(*) > 1) d",
        ),
    ];
    // The times each artist's row keeps (for list pages) are its
    // availabilities', whatever ran at once. (On SQLite, writers take
    // turns: tests/artist_times.rs covers it.)
    let kept = (
        "artists whose kept times are not their availabilities'",
        "SELECT COUNT(*) AS n FROM artists a WHERE \
         a.availability_spans IS DISTINCT FROM \
         (SELECT string_agg(int8send(v.starts_at) || int8send(v.ends_at), ''::bytea \
         ORDER BY v.starts_at) FROM availabilities v WHERE v.artist_id = a.id)",
    );
    let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    for (what, sql) in checks.into_iter().chain(postgres.then_some(kept)) {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap_or_else(|err| panic!("{label}: {sql}: {err}"));
        let n = row.and_then(|row| row.try_get::<i64>("", "n").ok());
        assert_eq!(n, Some(0), "{label}: {what}");
    }
}

/// What the successes say about the final state, where that is sound
/// whatever order the database ran them in.
fn check_consistency(seed: &Seed, outcomes: &[Outcome], details: &[ArtistDetails]) {
    let by_id: HashMap<Uuid, &ArtistDetails> = details.iter().map(|d| (d.artist.id, d)).collect();
    let succeeded = || outcomes.iter().filter(|o| o.succeeded());

    // Created artists: nobody else touches them, so each is exactly as sent.
    for outcome in succeeded() {
        let Op::CreateArtist {
            name,
            email,
            ranges,
        } = &outcome.op
        else {
            continue;
        };
        let Some(stored) = by_id.get(&outcome.id()) else {
            panic!("created artist {name} is missing");
        };
        assert_eq!(&stored.artist.name, name);
        assert_eq!(stored.artist.email.as_ref(), Some(email), "{name}");
        let mut expected = ranges.clone();
        expected.sort();
        assert_eq!(stored_ranges(stored), expected, "{name}'s availabilities");
    }

    for (artist, &id) in seed.artists.iter().enumerate() {
        let on_artist = |o: &&Outcome| match &o.op {
            Op::UpdateArtist { artist: a, .. }
            | Op::DeleteArtist { artist: a }
            | Op::AddAvailability { artist: a, .. }
            | Op::SetAvailabilities { artist: a, .. } => *a == artist,
            _ => false,
        };
        let deletions = succeeded()
            .filter(on_artist)
            .filter(|o| matches!(o.op, Op::DeleteArtist { .. }))
            .count();
        if DOOMED.contains(&artist) {
            // Three deletions raced: exactly one found the artist.
            assert_eq!(deletions, 1, "deletions of seeded artist {artist}");
            assert!(!by_id.contains_key(&id), "seeded artist {artist} survived");
            continue;
        }
        let Some(stored) = by_id.get(&id) else {
            panic!("seeded artist {artist} is missing, though nobody deleted it");
        };

        // The last successful update wins; we cannot tell which was last.
        let emails: BTreeSet<String> = succeeded()
            .filter(on_artist)
            .filter_map(|o| match &o.op {
                Op::UpdateArtist { email, .. } => email.clone(),
                _ => None,
            })
            .collect();
        let email = stored.artist.email.clone().unwrap_or_default();
        if emails.is_empty() {
            assert_eq!(email, seeded_email(artist), "artist {artist}'s email");
        } else {
            assert!(
                emails.contains(&email),
                "artist {artist} has {email}, none of {emails:?}"
            );
        }
        let skill_sets: Vec<Vec<String>> = succeeded()
            .filter(on_artist)
            .filter_map(|o| match &o.op {
                Op::UpdateArtist { skills, .. } => skills.clone(),
                _ => None,
            })
            .collect();
        if skill_sets.is_empty() {
            assert_eq!(stored.skills, ["sound"], "artist {artist}'s skills");
        } else {
            assert!(
                skill_sets.contains(&stored.skills),
                "artist {artist} has skills {:?}, none of {skill_sets:?}",
                stored.skills
            );
        }

        check_availabilities(seed, outcomes, artist, stored);
    }

    // A deleted availability stays deleted, and only one deletion of it
    // can find it.
    let stored_ids: BTreeSet<Uuid> = details
        .iter()
        .flat_map(|d| d.availabilities.iter().map(|a| a.id))
        .collect();
    let mut deleted = BTreeMap::new();
    for outcome in succeeded() {
        if let Op::DeleteAvailability {
            seeded: Some(index),
        } = outcome.op
        {
            *deleted.entry(index).or_insert(0) += 1;
            let id = seed.availabilities[index].id;
            assert!(
                !stored_ids.contains(&id),
                "deleted availability {id} is back"
            );
        }
    }
    assert!(
        deleted.values().all(|&n| n == 1),
        "double deletions: {deleted:?}"
    );
}

/// A NotFoundError must name something that never existed or that a
/// successful write removed: a missing record is never an accident of the
/// race.
fn check_not_found(seed: &Seed, outcomes: &[Outcome]) {
    let succeeded = || outcomes.iter().filter(|o| o.succeeded());
    let artist_deleted = |artist: usize| {
        succeeded().any(|o| matches!(o.op, Op::DeleteArtist { artist: a } if a == artist))
    };
    let availability_removed = |index: usize| {
        let artist = seed.availabilities[index].artist;
        artist_deleted(artist)
            || succeeded().any(|o| match o.op {
                Op::DeleteAvailability { seeded } => seeded == Some(index),
                Op::SetAvailabilities { artist: a, .. } => a == artist,
                _ => false,
            })
    };
    for (i, outcome) in outcomes.iter().enumerate() {
        if outcome.typename() != "NotFoundError" {
            continue;
        }
        let justified = match outcome.op {
            Op::UpdateArtist { artist, .. }
            | Op::DeleteArtist { artist }
            | Op::AddAvailability { artist, .. }
            | Op::SetAvailabilities { artist, .. } => artist_deleted(artist),
            Op::UpdateAvailability { seeded, .. } | Op::DeleteAvailability { seeded } => {
                seeded.is_none_or(availability_removed)
            }
            Op::CreateArtist { .. } => false,
        };
        assert!(
            justified,
            "#{i} {:?} got {} though nothing removed its record",
            outcome.op, outcome.body
        );
    }
}

/// A surviving seeded artist's availabilities against the successes on it.
fn check_availabilities(seed: &Seed, outcomes: &[Outcome], artist: usize, stored: &ArtistDetails) {
    let succeeded = || outcomes.iter().filter(|o| o.succeeded());
    let seeded: Vec<(usize, &SeededAvailability)> = seed
        .availabilities
        .iter()
        .enumerate()
        .filter(|(_, s)| s.artist == artist)
        .collect();
    let is_seeded_here =
        |index: &Option<usize>| index.is_some_and(|i| seed.availabilities[i].artist == artist);
    let added: BTreeMap<Uuid, Range> = succeeded()
        .filter_map(|o| match &o.op {
            Op::AddAvailability { artist: a, range } if *a == artist => Some((o.id(), *range)),
            _ => None,
        })
        .collect();
    let updated: Vec<(usize, Range)> = succeeded()
        .filter_map(|o| match &o.op {
            Op::UpdateAvailability { seeded, range } if is_seeded_here(seeded) => {
                seeded.map(|i| (i, *range))
            }
            _ => None,
        })
        .collect();
    let deleted: BTreeSet<usize> = succeeded()
        .filter_map(|o| match &o.op {
            Op::DeleteAvailability { seeded } if is_seeded_here(seeded) => *seeded,
            _ => None,
        })
        .collect();
    let replaced_with: Vec<&Vec<Range>> = succeeded()
        .filter_map(|o| match &o.op {
            Op::SetAvailabilities { artist: a, ranges } if *a == artist => Some(ranges),
            _ => None,
        })
        .collect();

    let stored_by_id: BTreeMap<Uuid, Range> = stored
        .availabilities
        .iter()
        .map(|a| {
            let range = Range::of(a.starts_at, a.ends_at)
                .unwrap_or_else(|| panic!("artist {artist}: a range no mutation sent: {a:?}"));
            (a.id, range)
        })
        .collect();
    // An added availability that is still there has the added range: only
    // seeded ones are ever updated.
    for (id, range) in &added {
        if let Some(stored) = stored_by_id.get(id) {
            assert_eq!(stored, range, "artist {artist}: added availability {id}");
        }
    }
    // A seeded availability that is still there has its own range or one
    // a successful update gave it.
    for (index, availability) in &seeded {
        if let Some(stored) = stored_by_id.get(&availability.id) {
            let mut possible: Vec<Range> = updated
                .iter()
                .filter(|(i, _)| i == index)
                .map(|(_, r)| *r)
                .collect();
            if possible.is_empty() {
                possible.push(availability.range);
            }
            assert!(
                possible.contains(stored),
                "artist {artist}: seeded availability {} is {stored:?}, none of {possible:?}",
                availability.id
            );
        }
    }

    if replaced_with.is_empty() {
        // Nothing replaced the list, so it is exactly the seeded ones not
        // deleted, plus every successful add.
        let mut expected: BTreeSet<Uuid> = seeded
            .iter()
            .filter(|(index, _)| !deleted.contains(index))
            .map(|(_, s)| s.id)
            .collect();
        expected.extend(added.keys().copied());
        let found: BTreeSet<Uuid> = stored_by_id.keys().copied().collect();
        assert_eq!(found, expected, "artist {artist}'s availabilities");
    } else {
        // A replacement won at some point: it deleted every seeded
        // availability, and every stored range came from a successful write
        // on this artist.
        for (_, availability) in &seeded {
            assert!(
                !stored_by_id.contains_key(&availability.id),
                "artist {artist}: seeded availability {} outlived a replacement",
                availability.id
            );
        }
        let mut possible: BTreeSet<Range> = added.values().copied().collect();
        possible.extend(seeded.iter().map(|(_, s)| s.range));
        possible.extend(updated.iter().map(|(_, r)| *r));
        possible.extend(replaced_with.iter().flat_map(|list| list.iter().copied()));
        for range in stored_by_id.values() {
            assert!(
                possible.contains(range),
                "artist {artist}: {range:?} came from no successful write"
            );
        }
    }
}

fn stored_ranges(details: &ArtistDetails) -> Vec<Range> {
    let mut ranges: Vec<Range> = details
        .availabilities
        .iter()
        .filter_map(|a| Range::of(a.starts_at, a.ends_at))
        .collect();
    ranges.sort();
    ranges
}

// ------------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_database_keep_every_invariant() {
    let database = common::empty_postgres().await;
    two_replicas_on(&database.url, "postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_sqlite_file_keep_every_invariant() {
    let (_dir, url) = sqlite_file();
    two_replicas_on(&url, "sqlite").await;
}

/// Replicas that start together each run the migrations: on an empty
/// database, each must either apply them or wait for the one that does and
/// find nothing left, never fail on the tables the other is creating.
async fn concurrent_migrations_on(database_url: &str, label: &str) {
    const MIGRATORS: usize = 4;
    // Connecting together matters too: the first connection to a new
    // SQLite file switches it to WAL.
    let connected =
        futures::future::join_all((0..MIGRATORS).map(|_| db::connect(database_url, 1))).await;
    let pools: Vec<DatabaseConnection> = connected
        .into_iter()
        .map(|pool| pool.unwrap_or_else(|err| panic!("cannot open {label}: {err}")))
        .collect();
    let results = futures::future::join_all(pools.iter().map(db::migrate)).await;
    for (i, result) in results.iter().enumerate() {
        assert!(result.is_ok(), "{label}: migrator {i} failed: {result:?}");
    }
    let pending = db::pending_migrations(&pools[0]).await;
    assert_eq!(pending.ok(), Some(vec![]), "{label}: migrations left");
    let applied = pools[0]
        .query_one_raw(Statement::from_string(
            pools[0].get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<i64>("", "n").ok());
    assert_eq!(
        applied,
        Some(migration::Migrator::migrations().len() as i64),
        "{label}: each migration recorded once"
    );
    for pool in pools {
        let _ = pool.close().await;
    }
}

/// Several rounds, each on a new database: one round may be won by luck.
/// Without the migration lock PostgreSQL failed every round; without the
/// retry on opening, SQLite about one round in 40.
const POSTGRES_ROUNDS: usize = 3;
const SQLITE_ROUNDS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_migrating_one_empty_postgres_database_at_once_all_start() {
    for _ in 0..POSTGRES_ROUNDS {
        let database = common::empty_postgres().await;
        concurrent_migrations_on(&database.url, "postgres").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_migrating_one_empty_sqlite_file_at_once_all_start() {
    for _ in 0..SQLITE_ROUNDS {
        let (_dir, url) = sqlite_file();
        concurrent_migrations_on(&url, "sqlite").await;
    }
}
