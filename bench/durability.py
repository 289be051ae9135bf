#!/usr/bin/env python3
"""Durability under SIGKILL (issue 4): every write the service acknowledged
survives the process being killed mid-load.

Each run starts `coulisses serve` on a fresh database, puts a concurrent
write load on it (createArtist, then addAvailability to the new artist,
over and over in every worker), records every request that got a success
answer with the ID and values it returned, SIGKILLs the server at a random
moment, restarts it on the same database and checks through the API that
every acknowledged write is there with the same values. Requests that were
sent but got no answer (in flight at the kill, or sent as it died) have no
promised outcome; they are counted as "unanswered", and so is how many of
them landed anyway.

Usage: bench/durability.py [--runs 10] [--backend sqlite|postgres|both]
                           [--postgres] [--workers 8] [--bin PATH] [--seed N]

The binary is $COULISSES_BIN or --bin, else the debug build, built first
(in $CARGO_TARGET_DIR or target/). PostgreSQL runs use a database of their
own on 127.0.0.1:5432 (user postgres, trust auth, as bench/common.sh),
created with psql and dropped after. Exits 1 on any lost write, on any
answer that is neither a success nor a dropped connection, and on a run
that acknowledged nothing (it would prove nothing).
"""
import argparse
import http.client
import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = 60  # seconds for a (debug) server to listen
REQUEST_TIMEOUT = 30

CREATE = ("mutation($input: CreateArtistInput!) { createArtist(input: $input) "
          "{ __typename ... on Artist { id } ... on UserError { message } } }")
ADD = ("mutation($id: ID!, $input: AvailabilityInput!) { addAvailability(artistId: $id, input: $input) "
       "{ __typename ... on Availability { id } ... on UserError { message } } }")
ARTIST_FIELDS = "id name email skills availabilities { id startsAt endsAt note }"
DAY0 = datetime(2027, 1, 1, tzinfo=timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------ server

class Server:
    """A `coulisses serve` process on port 0, its logs kept for failures."""

    def __init__(self, binary, database_url):
        env = dict(os.environ, RUST_LOG="info")
        env.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", "127.0.0.1:0", "--database-url", database_url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        self.logs = []
        lines = queue.Queue()

        def drain():
            for line in self.proc.stdout:
                self.logs.append(line.rstrip("\n"))
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                sys.exit("the server did not listen in time:\n" + "\n".join(self.logs))
            if line is None:
                sys.exit("the server exited before listening:\n" + "\n".join(self.logs))
            if "listening on http://" in line:
                address = line.split("listening on http://", 1)[1].split()[0]
                self.host, port = address.rsplit(":", 1)
                self.port = int(port)
                return

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            sys.exit("the server did not stop on SIGTERM")

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)


def graphql(conn, query, variables):
    """(HTTP status, JSON body); raises OSError/HTTPException when the
    connection drops."""
    body = json.dumps({"query": query, "variables": variables})
    conn.request("POST", "/graphql", body, {"content-type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


# -------------------------------------------------------------------- load

class Load:
    """Workers writing until the server dies; what each request got."""

    def __init__(self, server, run, workers):
        self.server = server
        self.run = run
        self.acked_artists = {}      # id -> the input it was created with
        self.acked_availabilities = {}  # id -> (artist id, input)
        self.unanswered = []         # (kind, artist id or None, input)
        self.unexpected = []         # answers that are neither success nor a dropped connection
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, args=(w,)) for w in range(workers)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()

    def work(self, worker):
        conn = self.server.connection()
        n = 0
        while True:
            n += 1
            # Each artist is new, so its ranges collide with nothing.
            slot = n * 2
            artist_input = {
                "name": f"Durable r{self.run} w{worker} n{n}",
                "email": f"durable-r{self.run}-w{worker}-n{n}@example.org",
                "skills": ["sound"],
                "availabilities": [{
                    "startsAt": iso(DAY0 + timedelta(hours=slot)),
                    "endsAt": iso(DAY0 + timedelta(hours=slot + 1)),
                    "note": f"created with w{worker} n{n}",
                }],
            }
            artist_id = self.send(conn, "createArtist", None, CREATE, {"input": artist_input},
                                  "Artist", artist_input)
            if artist_id is None:
                return
            with self.lock:
                self.acked_artists[artist_id] = artist_input
            availability_input = {
                "startsAt": iso(DAY0 + timedelta(hours=slot + 1)),
                "endsAt": iso(DAY0 + timedelta(hours=slot + 2)),
                "note": f"added by w{worker} n{n}",
            }
            availability_id = self.send(conn, "addAvailability", artist_id, ADD,
                                        {"id": artist_id, "input": availability_input},
                                        "Availability", availability_input)
            if availability_id is None:
                return
            with self.lock:
                self.acked_availabilities[availability_id] = (artist_id, availability_input)

    def send(self, conn, kind, artist_id, query, variables, success, values):
        """The new record's ID, or None once the server is gone."""
        try:
            status, body = graphql(conn, query, variables)
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.unanswered.append((kind, artist_id, values))
            return None
        result = (body.get("data") or {}).get(kind) or {}
        if status != 200 or "errors" in body or result.get("__typename") != success:
            with self.lock:
                self.unexpected.append(f"{kind}: HTTP {status} {json.dumps(body)[:300]}")
            return None
        return result["id"]


# ------------------------------------------------------------------- check

def fetch_artists(conn, ids):
    """id -> the artist as the API returns it, or None when missing."""
    found = {}
    ids = list(ids)
    for start in range(0, len(ids), 50):
        batch = ids[start:start + 50]
        fields = " ".join(f'a{i}: artist(id: "{artist_id}") {{ {ARTIST_FIELDS} }}'
                          for i, artist_id in enumerate(batch))
        status, body = graphql(conn, "{ " + fields + " }", {})
        if status != 200 or "errors" in body:
            sys.exit(f"cannot read the artists back: HTTP {status} {body}")
        for i, artist_id in enumerate(batch):
            found[artist_id] = body["data"][f"a{i}"]
    return found


def same_range(stored, wanted):
    return (parse_time(stored["startsAt"]) == parse_time(wanted["startsAt"])
            and parse_time(stored["endsAt"]) == parse_time(wanted["endsAt"])
            and stored.get("note") == wanted.get("note"))


def check(server, load):
    """(found, lost descriptions, unanswered writes that landed)."""
    conn = server.connection()
    artist_ids = set(load.acked_artists)
    artist_ids.update(artist_id for artist_id, _ in load.acked_availabilities.values())
    artist_ids.update(artist_id for _, artist_id, _ in load.unanswered if artist_id)
    stored = fetch_artists(conn, artist_ids)
    found, lost = 0, []
    for artist_id, wanted in load.acked_artists.items():
        artist = stored.get(artist_id)
        ok = (artist is not None
              and artist["name"] == wanted["name"]
              and artist["email"] == wanted["email"]
              and artist["skills"] == wanted["skills"]
              and all(any(same_range(a, w) for a in artist["availabilities"])
                      for w in wanted["availabilities"]))
        if ok:
            found += 1
        else:
            lost.append(f"artist {artist_id} ({wanted['name']}): stored as {artist}")
    for availability_id, (artist_id, wanted) in load.acked_availabilities.items():
        artist = stored.get(artist_id) or {"availabilities": []}
        match = [a for a in artist["availabilities"] if a["id"] == availability_id]
        if match and same_range(match[0], wanted):
            found += 1
        else:
            lost.append(f"availability {availability_id} of {artist_id}: stored as {match}")

    landed = 0
    for kind, artist_id, values in load.unanswered:
        if kind == "addAvailability":
            artist = stored.get(artist_id) or {"availabilities": []}
            landed += any(same_range(a, values) for a in artist["availabilities"])
        else:
            # The email is unique, and no other one contains it.
            query = "query($s: String!) { artists(first: 10, filter: { search: $s }) { nodes { email } } }"
            status, body = graphql(conn, query, {"s": values["email"]})
            if status != 200 or "errors" in body:
                sys.exit(f"cannot search the artists: HTTP {status} {body}")
            nodes = body["data"]["artists"]["nodes"]
            landed += any(node["email"] == values["email"] for node in nodes)
    return found, lost, landed


# ---------------------------------------------------------------- backends

def psql(sql):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def postgres_answers():
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


class Database:
    """A fresh database for one run: a SQLite file in a temp dir, or a
    PostgreSQL database dropped afterwards."""

    def __init__(self, backend, run, work):
        self.backend = backend
        if backend == "sqlite":
            self.path = os.path.join(work, f"run{run}.db")
            self.url = f"sqlite://{self.path}?mode=rwc"
        else:
            self.name = f"coulisses_durability_{os.getpid()}_{run}"
            psql(f"CREATE DATABASE {self.name}")
            # Loopback: TLS would only add cost (as bench/common.sh).
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}?sslmode=disable"

    def integrity(self):
        """SQLite's own check of the file, with no server running."""
        if self.backend != "sqlite":
            return "n/a"
        with sqlite3.connect(self.path) as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]

    def drop(self):
        if self.backend == "postgres":
            psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


# --------------------------------------------------------------------- main

def binary_path(args):
    if args.bin:
        return args.bin
    if os.environ.get("COULISSES_BIN"):
        return os.environ["COULISSES_BIN"]
    subprocess.run(["nice", "cargo", "build", "--workspace", "--bin", "coulisses", "--quiet"], cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "debug", "coulisses")


def one_run(binary, backend, run, rng, args, work):
    database = Database(backend, run, work)
    server = None
    try:
        server = Server(binary, database.url)
        load = Load(server, run, args.workers)
        started = time.monotonic()
        load.start()
        # The random moment of the kill is the experiment, not a wait for
        # something: the load runs the whole time.
        time.sleep(rng.uniform(args.min_kill, args.max_kill))
        server.kill()
        killed_at = time.monotonic() - started
        load.join()

        server = Server(binary, database.url)
        found, lost, landed = check(server, load)
        server.stop()
        integrity = database.integrity()
    finally:
        if server is not None and server.proc.poll() is None:
            server.kill()
        database.drop()
    acked = len(load.acked_artists) + len(load.acked_availabilities)
    print(f"{backend:<8} run {run:>2}: acknowledged {acked:>5} "
          f"({len(load.acked_artists)} artists, {len(load.acked_availabilities)} availabilities), "
          f"found {found:>5}, lost {len(lost)}, "
          f"unanswered {len(load.unanswered)} (landed {landed}), "
          f"killed after {killed_at:.2f} s, integrity {integrity}", flush=True)
    for line in lost[:10]:
        print(f"  LOST {line}")
    for line in load.unexpected[:10]:
        print(f"  UNEXPECTED {line}")
    return {"acked": acked, "found": found, "lost": len(lost), "unanswered": len(load.unanswered),
            "landed": landed, "unexpected": len(load.unexpected),
            "bad": acked == 0 or integrity not in ("ok", "n/a")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per backend (default 10)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgres", action="store_true", help="same as --backend both")
    parser.add_argument("--workers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument("--min-kill", type=float, default=0.5, help="earliest kill, s after the load starts")
    parser.add_argument("--max-kill", type=float, default=2.0, help="latest kill, s after the load starts")
    parser.add_argument("--bin", help="the coulisses binary (default: $COULISSES_BIN, else a debug build)")
    parser.add_argument("--seed", type=int, help="seed of the kill times, to replay a series")
    args = parser.parse_args()
    backends = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[
        "both" if args.postgres else args.backend]
    if "postgres" in backends and not postgres_answers():
        sys.exit("no PostgreSQL answers on 127.0.0.1:5432")

    binary = binary_path(args)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    print(f"{binary}, {args.workers} writers, SIGKILL {args.min_kill}-{args.max_kill} s "
          f"into the load, seed {seed}", flush=True)
    started = time.monotonic()
    failed = False
    with tempfile.TemporaryDirectory(prefix="coulisses-durability-") as work:
        for backend in backends:
            runs = [one_run(binary, backend, run, rng, args, work) for run in range(1, args.runs + 1)]
            total = {key: sum(r[key] for r in runs) for key in
                     ("acked", "found", "lost", "unanswered", "landed", "unexpected")}
            print(f"{backend:<8} {args.runs} runs: acknowledged {total['acked']}, found {total['found']}, "
                  f"lost {total['lost']}; unanswered {total['unanswered']} "
                  f"(landed {total['landed']}); unexpected answers {total['unexpected']}", flush=True)
            failed |= total["lost"] > 0 or total["unexpected"] > 0 or any(r["bad"] for r in runs)
    print(f"{'FAILED' if failed else 'ok'} in {time.monotonic() - started:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
