"""ClickHouse (chdb, in-process) for bench/peers: one long-lived process, so neither its start
nor the engine's first load is measured. Reads one JSON request per line on stdin
({"sql": "..."}), runs it in one chdb session whose data lives under argv[1], and writes one
JSON line back: {"ms": <wall time of the query, result formatted included>, "data": [[...]]}
or {"error": "..."}. The first line written is {"ready": true, "version": "<ClickHouse version>"}.
"""
import json
import sys
import time

from chdb import session


def main() -> None:
    db = session.Session(sys.argv[1])

    def run(sql: str):
        started = time.perf_counter()
        result = db.query(sql, "JSONCompact")
        ms = (time.perf_counter() - started) * 1000
        text = result.bytes().decode("utf-8") if hasattr(result, "bytes") else str(result)
        return ms, (json.loads(text)["data"] if text.strip() else [])

    _, version = run("SELECT version()")
    print(json.dumps({"ready": True, "version": version[0][0]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            ms, data = run(json.loads(line)["sql"])
            print(json.dumps({"ms": ms, "data": data}), flush=True)
        except Exception as err:  # the bench prints it and stops
            print(json.dumps({"error": str(err)}), flush=True)
    db.close()


if __name__ == "__main__":
    main()
