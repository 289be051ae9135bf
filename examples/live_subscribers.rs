//! Load for live updates, run by `bench/live.sh`: idle subscribers of one
//! schedule on one service process, then changes made one at a time.
//! Prints the service's memory per subscriber (its RSS before and after
//! they connect) and, per change, the delay from sending the mutation to
//! the last subscriber's event, beside the mutation's own time.
//!
//! cargo run --release --example live_subscribers -- BASE PID SCHEDULE_ID SUBSCRIBERS CHANGES SELECTION
//!
//! SELECTION is `light` (version and status), `full` (every assignment
//! with its artist's name) or `judged` (the same with the rules each breaks
//! today, the empty positions and the figures).

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const LIGHT: &str = "subscription($id: ID!, $after: Int) {
  scheduleChanged(id: $id, afterVersion: $after) { version schedule { version status } } }";
const FULL: &str = "subscription($id: ID!, $after: Int) {
  scheduleChanged(id: $id, afterVersion: $after) {
    version schedule { version status assignments { id slotKey status artist { name } } } } }";
const JUDGED: &str = "subscription($id: ID!, $after: Int) {
  scheduleChanged(id: $id, afterVersion: $after) {
    version schedule { version status assignments { id slotKey status artist { name } problems }
      unfilled { slotKey missing } stats { positions filled } } } }";
const PATIENCE: Duration = Duration::from_secs(60);

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, pid, id, subscribers, changes, selection] = args.as_slice() else {
        return Err(
            "usage: live_subscribers BASE PID SCHEDULE_ID SUBSCRIBERS CHANGES light|full|judged"
                .into(),
        );
    };
    let subscribers: usize = subscribers.parse()?;
    let changes: usize = changes.parse()?;
    let query = match selection.as_str() {
        "light" => LIGHT,
        "full" => FULL,
        "judged" => JUDGED,
        other => return Err(format!("selection {other:?}: light, full or judged").into()),
    };
    let http = reqwest::Client::new();

    // One subscriber and one change first: what the first connection
    // allocates once is not counted per subscriber.
    let (events, mut received) = mpsc::unbounded_channel();
    let version = current_version(&http, base, id).await?;
    let warm = subscribe(base, id, version, query, events.clone()).await?;
    let version = rename(&http, base, id, version).await?.0;
    collect(&mut received, version, 1).await?;
    warm.abort();
    let before = rss_kib(pid)?;

    let mut tasks = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        tasks.push(subscribe(base, id, version, query, events.clone()).await?);
    }
    // Every subscription runs once each saw a change.
    let (version, _) = rename(&http, base, id, version).await?;
    collect(&mut received, version, subscribers).await?;
    let after = rss_kib(pid)?;
    println!(
        "rss: {before} KiB before, {after} KiB with {subscribers} subscribers: {:.1} KiB each",
        (after.saturating_sub(before)) as f64 / subscribers as f64
    );

    let mut last = Vec::with_capacity(changes);
    let mut all = Vec::with_capacity(changes * subscribers);
    let mut mutations = Vec::with_capacity(changes);
    let mut version = version;
    for _ in 0..changes {
        let sent = Instant::now();
        let (next, took) = rename(&http, base, id, version).await?;
        version = next;
        mutations.push(took);
        let arrivals = collect(&mut received, version, subscribers).await?;
        let delays: Vec<Duration> = arrivals.iter().map(|at| *at - sent).collect();
        last.push(delays.iter().copied().max().unwrap_or_default());
        all.extend(delays);
    }
    for task in tasks {
        task.abort();
    }
    println!(
        "delay to the last subscriber: median {:.1} ms, p99 {:.1} ms ({changes} changes)",
        ms(percentile(&mut last, 50)),
        ms(percentile(&mut last, 99))
    );
    println!(
        "delay to any subscriber: median {:.1} ms, p99 {:.1} ms",
        ms(percentile(&mut all, 50)),
        ms(percentile(&mut all, 99))
    );
    println!(
        "the mutation itself: median {:.1} ms, p99 {:.1} ms",
        ms(percentile(&mut mutations, 50)),
        ms(percentile(&mut mutations, 99))
    );
    Ok(())
}

/// Opens a connection, initialises it and subscribes; the task that
/// forwards each event's version and arrival time.
async fn subscribe(
    base: &str,
    id: &str,
    after: i64,
    query: &str,
    events: mpsc::UnboundedSender<(i64, Instant)>,
) -> Result<tokio::task::JoinHandle<()>, Failure> {
    let mut request =
        format!("{}/graphql", base.replacen("http", "ws", 1)).into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": {} }).to_string(),
        ))
        .await?;
    match socket.next().await {
        Some(Ok(Message::Text(text))) if text.contains("connection_ack") => {}
        other => return Err(format!("no connection_ack: {other:?}").into()),
    }
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe",
                "payload": { "query": query, "variables": { "id": id, "after": after } } })
            .to_string(),
        ))
        .await?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(version) = message["payload"]["data"]["scheduleChanged"]["version"].as_i64()
            {
                let _ = events.send((version, Instant::now()));
            }
        }
    }))
}

/// The arrival times of `count` events of `version`.
async fn collect(
    received: &mut mpsc::UnboundedReceiver<(i64, Instant)>,
    version: i64,
    count: usize,
) -> Result<Vec<Instant>, Failure> {
    let mut arrivals = Vec::with_capacity(count);
    while arrivals.len() < count {
        match tokio::time::timeout(PATIENCE, received.recv()).await {
            Ok(Some((seen, at))) if seen == version => arrivals.push(at),
            Ok(Some((seen, _))) => {
                return Err(format!("version {seen} while {version} was due").into());
            }
            Ok(None) => return Err("every subscriber is gone".into()),
            Err(_) => {
                return Err(format!(
                    "{} of {count} events of version {version} within {PATIENCE:?}",
                    arrivals.len()
                )
                .into());
            }
        }
    }
    Ok(arrivals)
}

async fn graphql(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
) -> Result<Value, Failure> {
    let body: Value = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if body.get("errors").is_some() {
        return Err(format!("{query}: {body}").into());
    }
    Ok(body["data"].clone())
}

async fn current_version(http: &reqwest::Client, base: &str, id: &str) -> Result<i64, Failure> {
    let data = graphql(
        http,
        base,
        "query($id: ID!) { schedule(id: $id) { version } }",
        json!({ "id": id }),
    )
    .await?;
    data["schedule"]["version"]
        .as_i64()
        .ok_or_else(|| format!("no schedule {id}").into())
}

/// Renames the schedule: its new version, and how long the mutation took.
async fn rename(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    version: i64,
) -> Result<(i64, Duration), Failure> {
    let started = Instant::now();
    let data = graphql(
        http,
        base,
        "mutation($id: ID!, $name: String!) { updateSchedule(id: $id, input: { name: $name }) {
           ... on ScheduleChange { schedule { version } } } }",
        json!({ "id": id, "name": format!("Saturday, take {}", version + 1) }),
    )
    .await?;
    let took = started.elapsed();
    let next = data["updateSchedule"]["schedule"]["version"]
        .as_i64()
        .ok_or("the rename changed nothing")?;
    Ok((next, took))
}

fn rss_kib(pid: &str) -> Result<u64, Failure> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

fn percentile(values: &mut [Duration], p: usize) -> Duration {
    values.sort();
    if values.is_empty() {
        return Duration::ZERO;
    }
    let index = (values.len() * p).div_ceil(100).saturating_sub(1);
    values[index.min(values.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
