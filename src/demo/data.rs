//! The demo data set: 40 artists, a three-day festival and a four-week tour
//! in 2027 (fixed dates, so the data never goes stale against the examples
//! in docs/examples/).
//!
//! - Festival "Les Trois Scènes": Friday 9 to Sunday 11 July 2027, three
//!   stages (Grande scène, Chapiteau, Club). Festival crews work days
//!   (08:00-18:00), evenings (15:00-02:00) or both (10:00-02:00).
//! - Tour "Le Grand Voyage": Monday 6 September to Sunday 3 October 2027,
//!   four weeks, shows Tuesday to Saturday.
//!
//! Every time is local Central European Summer Time (UTC+02:00), as a
//! stage manager in Europe would type it; the API answers in UTC.
//!
//! A few artists are there for the planner to explain something: Kenji
//! Watanabe alone works past 02:00, and only on Friday; Chloé Dubois, Priya
//! Nair and Marta Nowak cover only part of the evening shows; nobody on
//! the festival has both light and video; Henrik Larsen is the only sound
//! engineer of the tour's first week; Anna Kowalczyk has no availability yet.

/// One artist of the set.
pub struct DemoArtist {
    /// 1 to 40, the last digits of the artist's ID (see `super::artist_id`).
    pub number: u8,
    pub name: &'static str,
    pub email: Option<&'static str>,
    pub skills: &'static [&'static str],
    /// Blocks of time ranges; the n-th range overall (from 1) gets the ID
    /// `super::availability_id(number, n)`.
    pub availabilities: &'static [&'static [Range]],
}

/// [start, end) as "YYYY-MM-DD HH:MM", local time (UTC+02:00).
pub struct Range {
    pub start: &'static str,
    pub end: &'static str,
    pub note: Option<&'static str>,
}

const fn r(start: &'static str, end: &'static str) -> Range {
    Range {
        start,
        end,
        note: None,
    }
}

const fn noted(start: &'static str, end: &'static str, note: &'static str) -> Range {
    Range {
        start,
        end,
        note: Some(note),
    }
}

/// The offset of every local time of the set: CEST.
pub const UTC_OFFSET_HOURS: i32 = 2;

pub const FESTIVAL_FRIDAY: &str = "2027-07-09";
pub const FESTIVAL_SUNDAY: &str = "2027-07-11";
pub const TOUR_FIRST_DAY: &str = "2027-09-06";
pub const TOUR_LAST_DAY: &str = "2027-10-03";

const FESTIVAL_DAYS: &[Range] = &[
    r("2027-07-09 08:00", "2027-07-09 18:00"),
    r("2027-07-10 08:00", "2027-07-10 18:00"),
    r("2027-07-11 08:00", "2027-07-11 18:00"),
];

const FESTIVAL_EVENINGS: &[Range] = &[
    r("2027-07-09 15:00", "2027-07-10 02:00"),
    r("2027-07-10 15:00", "2027-07-11 02:00"),
    r("2027-07-11 15:00", "2027-07-12 02:00"),
];

const FESTIVAL_FULL: &[Range] = &[
    r("2027-07-09 10:00", "2027-07-10 02:00"),
    r("2027-07-10 10:00", "2027-07-11 02:00"),
    r("2027-07-11 10:00", "2027-07-12 02:00"),
];

const WEEKEND_EVENINGS: &[Range] = &[
    r("2027-07-10 15:00", "2027-07-11 02:00"),
    r("2027-07-11 15:00", "2027-07-12 02:00"),
];

const TOUR: &[Range] = &[r("2027-09-06 08:00", "2027-10-03 20:00")];
const TOUR_WEEK_1: &[Range] = &[r("2027-09-06 08:00", "2027-09-12 20:00")];
const TOUR_WEEK_2: &[Range] = &[r("2027-09-13 08:00", "2027-09-19 20:00")];
const TOUR_WEEK_3: &[Range] = &[r("2027-09-20 08:00", "2027-09-26 20:00")];
const TOUR_WEEK_4: &[Range] = &[r("2027-09-27 08:00", "2027-10-03 20:00")];

/// Friday noon to Sunday evening, each week of the tour.
const TOUR_WEEKENDS: &[Range] = &[
    r("2027-09-10 12:00", "2027-09-12 20:00"),
    r("2027-09-17 12:00", "2027-09-19 20:00"),
    r("2027-09-24 12:00", "2027-09-26 20:00"),
    r("2027-10-01 12:00", "2027-10-03 20:00"),
];

const fn artist(
    number: u8,
    name: &'static str,
    email: Option<&'static str>,
    skills: &'static [&'static str],
    availabilities: &'static [&'static [Range]],
) -> DemoArtist {
    DemoArtist {
        number,
        name,
        email,
        skills,
        availabilities,
    }
}

pub const ARTISTS: &[DemoArtist] = &[
    // Festival crews.
    artist(
        1,
        "Amara Okafor",
        Some("amara.okafor@example.org"),
        &["sound", "stage"],
        &[FESTIVAL_EVENINGS],
    ),
    artist(
        2,
        "Lucas Martin",
        Some("lucas.martin@example.com"),
        &["sound"],
        &[FESTIVAL_EVENINGS, TOUR_WEEK_4],
    ),
    artist(
        3,
        "Sofía Hernández",
        Some("sofia.hernandez@example.net"),
        &["sound", "musician"],
        &[&[
            r("2027-07-09 15:00", "2027-07-10 02:00"),
            noted(
                "2027-07-10 15:00",
                "2027-07-11 02:00",
                "flies back to Madrid on Sunday",
            ),
        ]],
    ),
    artist(
        4,
        "Kenji Watanabe",
        None,
        &["sound", "video"],
        &[&[
            noted(
                "2027-07-09 20:00",
                "2027-07-10 03:30",
                "night shift: the Club",
            ),
            r("2027-07-10 14:00", "2027-07-11 02:00"),
        ]],
    ),
    artist(
        5,
        "Chloé Dubois",
        Some("chloe.dubois@example.org"),
        &["sound"],
        &[&[noted(
            "2027-07-10 18:00",
            "2027-07-10 23:00",
            "Saturday evening only",
        )]],
    ),
    artist(
        6,
        "Ingrid Johansson",
        Some("ingrid.johansson@example.com"),
        &["light", "sound"],
        &[FESTIVAL_EVENINGS],
    ),
    artist(
        7,
        "Tomasz Kowalski",
        Some("tomasz.kowalski@example.net"),
        &["light", "rigging"],
        &[FESTIVAL_FULL],
    ),
    artist(
        8,
        "Aisha Rahman",
        Some("aisha.rahman@example.org"),
        &["light"],
        &[FESTIVAL_EVENINGS],
    ),
    artist(
        9,
        "Mateus Costa",
        Some("mateus.costa@example.com"),
        &["rigging", "sound"],
        &[FESTIVAL_DAYS],
    ),
    artist(
        10,
        "Olusegun Adeyemi",
        Some("olusegun.adeyemi@example.org"),
        &["rigging", "stage"],
        &[FESTIVAL_DAYS],
    ),
    artist(
        11,
        "Hannah Schmidt",
        Some("hannah.schmidt@example.net"),
        &["rigging"],
        &[&[
            r("2027-07-10 08:00", "2027-07-10 18:00"),
            r("2027-07-11 08:00", "2027-07-11 18:00"),
        ]],
    ),
    artist(
        12,
        "Diego Ramírez",
        Some("diego.ramirez@example.com"),
        &["stage"],
        &[FESTIVAL_EVENINGS],
    ),
    artist(
        13,
        "Fatou Diop",
        Some("fatou.diop@example.org"),
        &["actor", "stage"],
        &[FESTIVAL_EVENINGS, TOUR],
    ),
    artist(
        14,
        "Liam O'Connor",
        None,
        &["rigging", "stage"],
        &[&[
            r("2027-07-10 10:00", "2027-07-11 02:00"),
            r("2027-07-11 10:00", "2027-07-12 02:00"),
        ]],
    ),
    artist(
        15,
        "Priya Nair",
        None,
        &["stage"],
        &[&[noted(
            "2027-07-09 16:00",
            "2027-07-09 20:00",
            "then front of house",
        )]],
    ),
    artist(
        16,
        "Emma Rossi",
        Some("emma.rossi@example.com"),
        &["video"],
        &[&[r("2027-07-11 12:00", "2027-07-12 02:00")]],
    ),
    artist(
        17,
        "Youssef Amrani",
        Some("youssef.amrani@example.net"),
        &["light", "stage"],
        &[&[r("2027-07-10 15:00", "2027-07-11 02:00")]],
    ),
    artist(
        18,
        "Marta Nowak",
        Some("marta.nowak@example.org"),
        &["light"],
        &[&[
            r("2027-07-09 12:00", "2027-07-09 20:00"),
            r("2027-07-10 12:00", "2027-07-10 20:00"),
            r("2027-07-11 12:00", "2027-07-11 20:00"),
        ]],
    ),
    artist(
        19,
        "Samuel Cohen",
        Some("samuel.cohen@example.com"),
        &["musician"],
        &[WEEKEND_EVENINGS],
    ),
    artist(
        20,
        "Ahmed El-Amin",
        Some("ahmed.elamin@example.org"),
        &["stage"],
        &[FESTIVAL_EVENINGS, TOUR_WEEK_3, TOUR_WEEK_4],
    ),
    // Tour company and crew.
    artist(
        21,
        "Pierre Lefèvre",
        Some("pierre.lefevre@example.com"),
        &["light", "video"],
        &[TOUR],
    ),
    artist(
        22,
        "Nadia Benali",
        Some("nadia.benali@example.org"),
        &["actor"],
        &[TOUR],
    ),
    artist(
        23,
        "Jonas Becker",
        Some("jonas.becker@example.net"),
        &["actor"],
        &[TOUR],
    ),
    artist(
        24,
        "Valentina Greco",
        Some("valentina.greco@example.com"),
        &["actor", "musician"],
        &[TOUR_WEEK_1, TOUR_WEEK_2, TOUR_WEEK_4],
    ),
    artist(
        25,
        "Oliver Bennett",
        None,
        &["actor"],
        &[TOUR_WEEK_1, TOUR_WEEK_2],
    ),
    artist(
        26,
        "Mei Lin",
        Some("mei.lin@example.org"),
        &["musician"],
        &[TOUR],
    ),
    artist(
        27,
        "Rafael Souza",
        Some("rafael.souza@example.net"),
        &["musician"],
        &[TOUR_WEEKENDS],
    ),
    artist(
        28,
        "Zainab Hassan",
        Some("zainab.hassan@example.com"),
        &["actor", "musician"],
        &[TOUR],
    ),
    artist(
        29,
        "Henrik Larsen",
        Some("henrik.larsen@example.org"),
        &["sound"],
        &[TOUR],
    ),
    artist(
        30,
        "Camille Moreau",
        Some("camille.moreau@example.com"),
        &["light"],
        &[TOUR],
    ),
    artist(
        31,
        "Kwame Mensah",
        Some("kwame.mensah@example.net"),
        &["rigging", "stage"],
        &[TOUR],
    ),
    artist(
        32,
        "Elena Popescu",
        Some("elena.popescu@example.org"),
        &["sound", "video"],
        &[&[noted(
            "2027-09-13 08:00",
            "2027-10-03 20:00",
            "joins the tour in week 2",
        )]],
    ),
    artist(
        33,
        "Arjun Mehta",
        Some("arjun.mehta@example.com"),
        &["video"],
        &[TOUR_WEEK_3, TOUR_WEEK_4],
    ),
    artist(
        34,
        "Lucía Fernández",
        Some("lucia.fernandez@example.net"),
        &["actor", "musician"],
        &[TOUR_WEEK_3, TOUR_WEEK_4],
    ),
    artist(
        35,
        "Marie Laurent",
        Some("marie.laurent@example.org"),
        &["actor"],
        &[FESTIVAL_EVENINGS],
    ),
    artist(36, "Sven Nilsson", None, &["rigging"], &[TOUR]),
    artist(
        37,
        "Anna Kowalczyk",
        Some("anna.kowalczyk@example.com"),
        &["video"],
        &[],
    ),
    artist(
        38,
        "Tariq Aziz",
        Some("tariq.aziz@example.net"),
        &["musician"],
        &[TOUR_WEEKENDS],
    ),
    artist(39, "Nour Haddad", None, &["actor"], &[TOUR_WEEK_2]),
    artist(
        40,
        "Giulia Bianchi",
        Some("giulia.bianchi@example.org"),
        &["stage"],
        &[WEEKEND_EVENINGS],
    ),
];
