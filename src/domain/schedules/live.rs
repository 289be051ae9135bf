//! Live updates: who follows which schedule, and the changes that wake
//! them, whichever replica made them.
//!
//! A change says which schedules it changed when it commits (`commit`).
//! On PostgreSQL that is a `NOTIFY` in the change's own transaction, sent
//! only if it commits, and every replica `LISTEN`s; on SQLite, where one
//! process holds the database, it is said in-process after the commit.
//! The notice is only a wake-up: it carries the schedule's ID, and the
//! schedule is read again. So a notice lost (a listener's connection
//! dropped) costs nothing but a read: on reconnecting, the listener wakes
//! every followed schedule, and each is read as it stands.
//!
//! Each followed schedule has one reader per process, whatever the number
//! of its followers: woken, it reads the schedule once and shows it to all
//! of them (a `watch`, which keeps the latest only). A follower that falls
//! behind sees the latest state, never a queue of old ones, so a slow or
//! gone client holds no memory and no database connection. The reader
//! ends with its last follower.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement};
use tokio::sync::{Notify, oneshot, watch};
use uuid::Uuid;

use super::{Evaluation, Schedule, store};
use crate::domain::errors::DomainError;
use crate::domain::{Artist, artists};

/// The PostgreSQL channel of schedule changes; the payload is the ID.
const CHANNEL: &str = "coulisses_schedule_changes";

/// How long a reader whose read failed waits before it reads again (a
/// wake-up reads at once).
const RETRY_READ: Duration = Duration::from_secs(1);

/// How long the listener waits before connecting again after it failed to.
const RECONNECT: Duration = Duration::from_secs(1);

/// The followed schedules of this process, and their readers.
#[derive(Clone)]
pub struct Live(Arc<Followed>);

struct Followed {
    db: DatabaseConnection,
    schedules: Mutex<HashMap<Uuid, Arc<Reader>>>,
    /// Dropped with the last handle, which stops the listener.
    _listening: Option<oneshot::Sender<()>>,
}

/// What one process knows of a followed schedule.
struct Reader {
    shown: watch::Sender<Option<Shown>>,
    wake: Notify,
}

/// A schedule as its reader last read it.
#[derive(Clone)]
enum Shown {
    Kept(Arc<Snapshot>),
    /// Not there. `after` is the version its reader last saw, if any: it
    /// was deleted then.
    Gone {
        after: Option<i64>,
    },
}

/// A schedule as read after a change, with the artists its assignments
/// name: read once for every follower, who would otherwise each read them.
#[derive(Debug)]
pub struct Snapshot {
    pub schedule: Arc<Schedule>,
    pub artists: Vec<Artist>,
    /// What the schedule is worth today, computed by the first follower
    /// that asks, for all of them.
    pub evaluation: Arc<tokio::sync::OnceCell<Evaluation>>,
}

/// What a follower gets.
#[derive(Debug)]
pub enum Seen {
    /// The schedule after a change.
    Changed(Arc<Snapshot>),
    /// The schedule was deleted; the version after the deletion.
    Deleted { version: i64 },
}

impl Live {
    /// Followers in this process only: woken by the changes it commits
    /// itself (SQLite, or an embedder without replicas).
    pub fn in_process(db: DatabaseConnection) -> Self {
        Self(Arc::new(Followed {
            db,
            schedules: Mutex::new(HashMap::new()),
            _listening: None,
        }))
    }

    /// Followers of this process, woken by the changes of every process
    /// on the database: on PostgreSQL, a listener on its own connection;
    /// elsewhere as `in_process`.
    pub fn listening(db: DatabaseConnection) -> Self {
        if db.get_database_backend() != DbBackend::Postgres {
            return Self::in_process(db);
        }
        let (stop, stopped) = oneshot::channel();
        let live = Self(Arc::new(Followed {
            db: db.clone(),
            schedules: Mutex::new(HashMap::new()),
            _listening: Some(stop),
        }));
        tokio::spawn(listen(db, Arc::downgrade(&live.0), stopped));
        live
    }

    /// Commits `txn`, a change of the schedules `changed`, and wakes their
    /// followers in every process.
    pub(crate) async fn commit(
        &self,
        txn: DatabaseTransaction,
        changed: &[Uuid],
    ) -> Result<(), DomainError> {
        if changed.is_empty() {
            txn.commit().await?;
            return Ok(());
        }
        if txn.get_database_backend() == DbBackend::Postgres {
            // Sent at commit, and only if it commits.
            let ids = changed
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",");
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, id) FROM unnest(string_to_array($2, ',')) AS id",
                [CHANNEL.into(), ids.into()],
            ))
            .await?;
            txn.commit().await?;
        } else {
            txn.commit().await?;
            for id in changed {
                self.0.wake(*id);
            }
        }
        Ok(())
    }

    /// Follows schedule `id`. With `after_version`, the first `next` gives
    /// the schedule at once if it is newer than that; without, the first
    /// change from now. NotFound when there is no such schedule.
    pub async fn follow(
        &self,
        id: Uuid,
        after_version: Option<i64>,
    ) -> Result<Following, DomainError> {
        let mut shown = self.0.follow(id);
        let current = shown
            .wait_for(Option::is_some)
            .await
            .map_err(|_| DomainError::internal(format!("the reader of schedule {id} is gone")))?
            .clone();
        match current {
            Some(Shown::Kept(snapshot)) => {
                let version = snapshot.schedule.summary.version;
                Ok(Following {
                    shown,
                    last: after_version.unwrap_or(version),
                    ready: after_version.is_some_and(|after| version > after),
                    ended: false,
                })
            }
            _ => Err(DomainError::not_found("Schedule", id)),
        }
    }
}

impl Followed {
    /// The readers, by schedule. A lock poisoned by a panic elsewhere
    /// still guards a consistent map: each change to it is one call.
    fn readers(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Reader>>> {
        self.schedules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the reader of schedule `id` shows, the reader started if it
    /// has none.
    fn follow(self: &Arc<Self>, id: Uuid) -> watch::Receiver<Option<Shown>> {
        let mut schedules = self.readers();
        // Under the lock: a reader forgets itself under it too, once it
        // has no follower, so it never leaves one behind.
        if let Some(reader) = schedules.get(&id) {
            return reader.shown.subscribe();
        }
        let reader = Arc::new(Reader {
            shown: watch::Sender::new(None),
            wake: Notify::new(),
        });
        let shown = reader.shown.subscribe();
        schedules.insert(id, reader.clone());
        tokio::spawn(read(self.db.clone(), Arc::downgrade(self), id, reader));
        shown
    }

    fn wake(&self, id: Uuid) {
        let schedules = self.readers();
        if let Some(reader) = schedules.get(&id) {
            reader.wake.notify_one();
        }
    }

    fn wake_all(&self) {
        let schedules = self.readers();
        for reader in schedules.values() {
            reader.wake.notify_one();
        }
    }

    /// Forgets `reader` of schedule `id` if nobody follows it any more, or
    /// if `gone`; whether it did.
    fn forget(&self, id: Uuid, reader: &Arc<Reader>, gone: bool) -> bool {
        let mut schedules = self.readers();
        // Under the lock, no follower subscribes in between.
        if !gone && reader.shown.receiver_count() > 0 {
            return false;
        }
        if schedules
            .get(&id)
            .is_some_and(|current| Arc::ptr_eq(current, reader))
        {
            schedules.remove(&id);
        }
        true
    }
}

/// A schedule's reader: reads it now and on every wake-up, until nobody
/// follows it or it is gone.
async fn read(db: DatabaseConnection, followed: Weak<Followed>, id: Uuid, reader: Arc<Reader>) {
    let mut last_version = None;
    loop {
        let retry = match read_once(&db, id).await {
            Ok(Some(snapshot)) => {
                last_version = Some(snapshot.schedule.summary.version);
                reader
                    .shown
                    .send_replace(Some(Shown::Kept(Arc::new(snapshot))));
                None
            }
            Ok(None) => {
                reader.shown.send_replace(Some(Shown::Gone {
                    after: last_version,
                }));
                if let Some(followed) = followed.upgrade() {
                    followed.forget(id, &reader, true);
                }
                return;
            }
            Err(err) => {
                tracing::warn!(schedule = %id, error = %err, "cannot read a followed schedule");
                Some(RETRY_READ)
            }
        };
        loop {
            tokio::select! {
                () = reader.wake.notified() => break,
                () = reader.shown.closed() => {
                    let Some(followed) = followed.upgrade() else { return };
                    if followed.forget(id, &reader, false) {
                        return;
                    }
                }
                () = sleep_or_forever(retry) => break,
            }
        }
    }
}

async fn sleep_or_forever(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}

/// The schedule as committed, with its artists, in one snapshot.
async fn read_once(db: &DatabaseConnection, id: Uuid) -> Result<Option<Snapshot>, DomainError> {
    let txn = store::snapshot(db).await?;
    let Some(schedule) = store::get(&txn, id).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let mut named: Vec<Uuid> = schedule.assignments.iter().map(|a| a.artist_id).collect();
    named.sort_unstable();
    named.dedup();
    let artists = artists::get_many(&txn, &named).await?;
    txn.commit().await?;
    Ok(Some(Snapshot {
        schedule: Arc::new(schedule),
        artists,
        evaluation: Arc::default(),
    }))
}

/// Listens for the changes of every process, until the last handle of
/// `followed` is dropped (`stopped`).
async fn listen(
    db: DatabaseConnection,
    followed: Weak<Followed>,
    mut stopped: oneshot::Receiver<()>,
) {
    use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
    // Its own connection, with the pool's options (TLS included), never
    // taken from the pool nor given back.
    let options = db
        .get_postgres_connection_pool()
        .connect_options()
        .as_ref()
        .clone();
    let notices = async move {
        loop {
            let connected = async {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .min_connections(0)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connect_with(options.clone())
                    .await?;
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, sea_orm::sqlx::Error>(listener)
            }
            .await;
            let mut listener = match connected {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for schedule changes; trying again");
                    tokio::time::sleep(RECONNECT).await;
                    continue;
                }
            };
            // Changes made while nobody listened are read now.
            let Some(live) = followed.upgrade() else {
                return;
            };
            live.wake_all();
            drop(live);
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) => {
                        let Some(live) = followed.upgrade() else {
                            return;
                        };
                        match notice.payload().parse::<Uuid>() {
                            Ok(id) => live.wake(id),
                            Err(_) => tracing::warn!(
                                payload = notice.payload(),
                                "a schedule change notice without a schedule ID"
                            ),
                        }
                    }
                    Ok(None) => {
                        // Reconnected: notices sent meanwhile are lost.
                        tracing::warn!("the schedule change listener reconnected");
                        let Some(live) = followed.upgrade() else {
                            return;
                        };
                        live.wake_all();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "the schedule change listener failed; connecting again");
                        break;
                    }
                }
            }
        }
    };
    tokio::select! {
        () = notices => {}
        _ = &mut stopped => {}
    }
}

/// One follower of a schedule.
pub struct Following {
    shown: watch::Receiver<Option<Shown>>,
    /// The last version given, or the one the follower said it has.
    last: i64,
    /// The schedule shown is newer than the follower's: give it at once.
    ready: bool,
    ended: bool,
}

impl Following {
    /// The schedule's next state, newer than every one given before; None
    /// once it was deleted.
    pub async fn next(&mut self) -> Option<Seen> {
        if self.ended {
            return None;
        }
        loop {
            if !std::mem::take(&mut self.ready) && self.shown.changed().await.is_err() {
                // The reader is gone without a word: the process stops.
                self.ended = true;
                return None;
            }
            let shown = self.shown.borrow_and_update().clone();
            match shown {
                Some(Shown::Kept(snapshot)) if snapshot.schedule.summary.version > self.last => {
                    self.last = snapshot.schedule.summary.version;
                    return Some(Seen::Changed(snapshot));
                }
                Some(Shown::Gone { after }) => {
                    self.ended = true;
                    let version = after.unwrap_or(self.last).max(self.last) + 1;
                    return Some(Seen::Deleted { version });
                }
                _ => {}
            }
        }
    }
}
