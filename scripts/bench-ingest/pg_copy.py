"""The PostgreSQL peer of the telemetry ingest benchmark: COPY batches into a table shaped
like Lepton's points table, from several connections at once, each batch its own
transaction. Prints one JSON line like the load generator's.

usage: pg_copy.py SOCKET_DIR BATCH SECONDS CONNECTIONS SYNCHRONOUS_COMMIT
"""

import json
import sys
import threading
import time

import psycopg

SERIES = 1000


def connect(socket_dir, synchronous_commit):
    conn = psycopg.connect(host=socket_dir, dbname="postgres", user="bench")
    conn.execute(f"SET synchronous_commit = {synchronous_commit}")
    conn.commit()
    return conn


def worker(socket_dir, synchronous_commit, batch, deadline, connection, connections, out):
    conn = connect(socket_dir, synchronous_commit)
    latencies = []
    index = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        rows = []
        for offset in range(batch):
            sequence = (index * connections + connection) * batch + offset
            rows.append(f"{sequence % SERIES}\t{sequence // SERIES}\t{60 + (sequence % 17) * 0.1}\n")
        with conn.cursor() as cursor:
            with cursor.copy("COPY points (series_id, ts, value) FROM STDIN") as copy:
                copy.write("".join(rows))
        conn.commit()
        latencies.append((time.perf_counter() - start) * 1000)
        index += 1
    conn.close()
    out.append(latencies)


def main():
    socket_dir, batch, seconds, connections, synchronous_commit = sys.argv[1:6]
    batch, seconds, connections = int(batch), float(seconds), int(connections)

    setup = connect(socket_dir, "on")
    setup.execute("DROP TABLE IF EXISTS points")
    setup.execute(
        "CREATE TABLE points (series_id integer NOT NULL, ts bigint NOT NULL, "
        "value double precision NOT NULL, PRIMARY KEY (series_id, ts))"
    )
    setup.commit()
    setup.close()

    out = []
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=worker,
            args=(socket_dir, synchronous_commit, batch, deadline, c, connections, out),
        )
        for c in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(l for each in out for l in each)
    quantile = lambda q: latencies[round((len(latencies) - 1) * q)] if latencies else float("nan")
    print(json.dumps({
        "batch": batch,
        "connections": connections,
        "synchronous_commit": synchronous_commit,
        "points_per_s": len(latencies) * batch / elapsed,
        "batches_per_s": len(latencies) / elapsed,
        "p50_ms": quantile(0.5),
        "p99_ms": quantile(0.99),
    }))


if __name__ == "__main__":
    main()
