//! The integration suite, one binary (linked once): in-process API tests,
//! HTTP tests with `oneshot` or on a port, and tests of the built binary.
//! Scenarios run on SQLite and on PostgreSQL (`common`); the
//! PostgreSQL-only ones fail, never skip, when no server answers.

mod common;

mod artist_times;
mod artists;
mod auth;
mod availabilities;
mod binary;
mod calendars;
mod compiled;
mod demo;
mod examples;
mod first_run;
mod front_door;
mod fuzz;
mod golden;
mod http;
mod lean_path;
mod limits;
mod listing;
mod live;
mod nodes;
mod planning;
mod postgres_session;
mod read_sessions;
mod replicas;
mod schedule_changes;
mod schedule_scenario;
mod schedule_storage;
mod schedules;
mod shutdown;
