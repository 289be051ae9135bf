//! The built `coulisses` binary as a process of a test: its log lines as
//! they come, SIGTERM, its exit, and a kill when dropped, so that a failing
//! test leaves nothing running.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_coulisses");
/// How long to wait for something that should happen at once before
/// calling it a failure (a debug build on a loaded machine is slow).
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct Service {
    name: String,
    /// Taken by `exit_status`; killed on drop if still there.
    child: Option<Child>,
    /// Every line it writes, stdout and stderr (a startup error is on
    /// stderr).
    logs: Receiver<String>,
    /// The lines read so far, shown when something fails.
    seen: Vec<String>,
    /// `http://address` once it listens.
    pub base: String,
}

impl Service {
    /// Starts `coulisses serve` on 127.0.0.1, port 0, with `extra` flags,
    /// and waits until it listens.
    pub fn serve(database_url: &str, extra: &[&str], rust_log: &str) -> Self {
        let mut service = Self::spawn_serve("coulisses", database_url, extra, rust_log);
        service.wait_until_listening();
        service
    }

    /// Starts `coulisses serve` as `serve` does, and returns at once:
    /// several spawned one after the other start together.
    pub fn spawn_serve(name: &str, database_url: &str, extra: &[&str], rust_log: &str) -> Self {
        let mut child = Command::new(BINARY)
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url"])
            .arg(database_url)
            // Not the default, which depends on the machine's cores: the
            // same pool wherever the suite runs.
            .args(["--db-max-connections", "8"])
            .args(extra)
            .env("RUST_LOG", rust_log)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run {BINARY}: {err}"));
        let (sender, logs) = std::sync::mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            forward_lines(stdout, sender.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            forward_lines(stderr, sender);
        }
        Self {
            name: name.to_owned(),
            child: Some(child),
            logs,
            seen: Vec::new(),
            base: String::new(),
        }
    }

    /// Blocks until a log line contains `needle`, and returns it; fails
    /// with the logs so far if the process exits or says nothing in time.
    pub fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} logged no {needle:?} in time:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "{} exited before logging {needle:?}:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Blocks until the process says where it listens.
    pub fn wait_until_listening(&mut self) {
        let line = self.wait_for_log("listening on ");
        self.base = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let Some(child) = &self.child else {
            panic!("{} was already awaited", self.name);
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM failed");
    }

    /// Waits for the process to exit; fails if it does not in time.
    pub async fn exit_status(&mut self) -> ExitStatus {
        let Some(mut child) = self.child.take() else {
            panic!("{} was already awaited", self.name);
        };
        let waited = tokio::time::timeout(
            PATIENCE,
            tokio::task::spawn_blocking(move || {
                let status = child.wait();
                (child, status)
            }),
        )
        .await;
        match waited {
            Ok(Ok((_, Ok(status)))) => status,
            other => panic!("{} did not exit: {other:?}", self.name),
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends each line of `pipe` to `sender`, and keeps draining it when no
/// one listens any more, so that the process never blocks on a full pipe.
fn forward_lines(pipe: impl Read + Send + 'static, sender: Sender<String>) {
    std::thread::spawn(move || {
        let mut listening = true;
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if listening && sender.send(line).is_err() {
                listening = false;
            }
        }
    });
}

/// A SQLite file URL in a fresh directory, for a service to create; the
/// directory goes when the returned guard drops.
pub fn sqlite_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("coulisses.db").display()
    );
    (dir, url)
}

/// Every artist in the database at `url` (the binary's file, opened
/// beside it or after it stopped), with details.
pub async fn artists_in(url: &str) -> Vec<coulisses::domain::ArtistDetails> {
    let db = coulisses::db::connect(url, 1)
        .await
        .unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
    let details = coulisses::domain::artists::load_details(&db, None)
        .await
        .unwrap_or_else(|err| panic!("cannot read the artists of {url}: {err}"));
    let _ = db.close().await;
    details
}
