"""Serve the bench database with gunicorn and measure pages under a bounded load.

    .venv/bin/python bench/load.py [--requests 300] [--concurrency 8] [--workers 3]
        [--cache both|on|off] [--cluster]

Logs in through the real login form, then sends a fixed number of requests to each URL in
URLS from a pool of keep-alive connections on 127.0.0.1, and prints requests per second
and median/p95 latency. A URL that does not answer 200 is reported as skipped. The first
row, a trivial view behind the same middleware, is the ceiling; each page's share of it is
printed against its target (TARGETS), "ok" or "SHORT", with the board page's size in KiB.
The ceiling is measured again after each page, and a page is compared with the mean of the
first ceiling and that one, so that a machine shared with other work skews less. Results go to
bench/results/load-<time>.json and bench/results/load.json.

Every page is measured twice, each time on a fresh server: with the page cache as configured
(the settings' defaults unless the environment says otherwise), then without it
(PAGE_CACHE_SECONDS=0 DASHBOARD_CACHE_SECONDS=0), where every request does all its work.

With --cluster (or BENCH_CLUSTER=1; `make bench-cluster`) the same URLs are then measured
through HAProxy in front of deploy.cluster's topology on the same bench database (two web
nodes of --workers each, two Celery workers, beat, Redis, an S3 server), and a last table
puts each page's single-node and cluster figures side by side.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime

try:
    from bench import _setup
except ModuleNotFoundError:  # run as a script
    import _setup

HOST = "127.0.0.1"
# BENCH_PORT: several checkouts benching on one machine each need a port of their own.
PORT = int(os.environ.get("BENCH_PORT", "8107"))

# (name, path). {incident} is an incident of typical size from the bench data set.
# Extend freely: a page that does not exist yet is reported as skipped.
URLS = [
    ("ceiling (trivial view)", "/bench/ceiling/"),
    ("incident list", "/incidents/"),
    ("incident page", "/incidents/{incident}/"),
    # What the incident page loads after itself (here as the page it is without JavaScript).
    ("similar incidents of the incident", "/search/incidents/{incident}/similar/"),
    ("rendered postmortem", "/postmortems/{incident}/"),
    ("action items board, open and overdue", "/incidents/action-items/?status=open&overdue=true"),
    ("dashboard", "/incidents/dashboard/"),
]
CEILING = URLS[0][0]
BOARD = "action items board, open and overdue"
# Each page's requests per second as a share of the ceiling's, and the share it should reach.
TARGETS = {
    "incident list": 0.10,
    "incident page": 0.10,
    "rendered postmortem": 0.10,
    BOARD: 0.05,
    "dashboard": 0.03,
}
BOARD_KIB_TARGET = 60
# Web nodes behind HAProxy with --cluster (deploy/cluster.py).
CLUSTER_WEB_NODES = 2
# The two passes: their name and what they add to the server's environment.
CACHE_PASSES = {
    "on": {},
    "off": {"PAGE_CACHE_SECONDS": "0", "DASHBOARD_CACHE_SECONDS": "0"},
}


def start_server(workers: int, env: dict[str, str]) -> subprocess.Popen:
    """Start gunicorn on the bench settings, with `env` added, and wait until it answers."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind={HOST}:{PORT}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=_setup.ROOT, env={**_setup.server_env(), **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=2)
            connection.request("GET", "/login/")
            connection.getresponse().read()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("load: gunicorn exited; see its output above") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"load: gunicorn did not answer on {HOST}:{PORT} within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and wait until nothing answers on the port, so the next pass can bind it."""
    server.terminate()
    server.wait(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection(HOST, PORT, timeout=1).connect()
        except OSError:
            return
        time.sleep(0.3)  # its workers are still finishing their requests


def log_in(port: int) -> str:
    """Log in through the login form like a browser; return the Cookie header to send."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf_cookie or not token:
        raise SystemExit("load: the login page has no CSRF token")
    body = urllib.parse.urlencode(
        {
            "username": _setup.BENCH_USERNAME,
            "password": _setup.BENCH_PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        }
    )
    connection.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
            "Referer": f"http://{HOST}:{port}/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"load: logging in as {_setup.BENCH_USERNAME} failed ({response.status})")
    return f"sessionid={session.group(1)}"


def drive(port: int, path: str, cookie: str, requests: int, concurrency: int) -> dict:
    """Send `requests` GETs over `concurrency` keep-alive connections; return the figures."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            began = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                if response.status != 200:
                    errors.append(response.status)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }


def probe(port: int, path: str, cookie: str) -> tuple[int, int]:
    """GET path once; return its status and the size of its body in bytes."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    return response.status, len(body)


def ratios(results: list[dict]) -> list[dict]:
    """Return each targeted page's requests per second as a share of the ceiling's.

    The ceiling is the mean of the first row and the one measured right after the page.
    """
    measured = {r["name"]: r for r in results if "requests_per_second" in r}
    first = measured.get(CEILING, {}).get("requests_per_second")
    if not first:
        return []
    shares = []
    for name, target in TARGETS.items():
        if name not in measured:
            continue
        ceiling = (first + measured[name].get("ceiling_requests_per_second", first)) / 2
        shares.append(
            {
                "name": name,
                "share": round(measured[name]["requests_per_second"] / ceiling, 4),
                "ceiling_requests_per_second": round(ceiling, 1),
                "target": target,
            }
        )
    return shares


def typical_incident() -> int:
    """Return the id of an incident with a median number of timeline events."""
    _setup.setup_django()
    from django.db.models import Count

    from incidents.models import Incident

    incidents = Incident.objects.annotate(n=Count("timeline_events")).order_by("n", "pk")
    total = incidents.count()
    if not total:
        raise SystemExit("load: the bench database is empty; run bench/generate.py first")
    return incidents.values_list("pk", flat=True)[total // 2]


def measure(port: int, args: argparse.Namespace, incident: int) -> list[dict]:
    """Log in on port, measure every URL and print a row for each; return the figures."""
    cookie = log_in(port)
    print(f"{'page':40} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'ceiling after':>14}")
    results = []
    ceiling_path = URLS[0][1]
    for name, template in URLS:
        path = template.format(incident=incident)
        status, size = probe(port, path, cookie)
        if status != 200:
            results.append({"name": name, "path": path, "skipped": f"HTTP {status}"})
            print(f"{name:40} skipped: {status} at {path}")
            continue
        # Warm the workers up (template caches, connections) before measuring.
        drive(port, path, cookie, args.concurrency * 2, args.concurrency)
        figures = drive(port, path, cookie, args.requests, args.concurrency)
        if name != CEILING:
            # The ceiling again, right after: on a machine others share, the load moves
            # between the first row and the last, and a page is compared with the
            # ceiling measured under the same load.
            figures["ceiling_requests_per_second"] = drive(
                port, ceiling_path, cookie, args.requests, args.concurrency
            )["requests_per_second"]
        results.append({"name": name, "path": path, "bytes": size, **figures})
        note = f"  ({figures['errors']} not 200)" if figures["errors"] else ""
        after = figures.get("ceiling_requests_per_second", "")
        print(
            f"{name:40} {figures['requests_per_second']:>8} "
            f"{figures['median_ms']:>10} {figures['p95_ms']:>8} {after:>14}{note}"
        )
    return results


def print_shares(results: list[dict]) -> list[dict]:
    """Print each page's share of the ceiling against its target; return the shares."""
    shares = ratios(results)
    if shares:
        print(f"\n{'share of the ceiling':40} {'req/s %':>8} {'target':>10}  (ceiling req/s)")
        for row in shares:
            verdict = "ok" if row["share"] >= row["target"] else "SHORT"
            print(
                f"{row['name']:40} {row['share'] * 100:>7.1f}% "
                f"{'≥' + format(row['target'] * 100, '.0f') + '%':>10}  {verdict:5} "
                f"({row['ceiling_requests_per_second']})"
            )
    board = next((r for r in results if r["name"] == BOARD and "bytes" in r), None)
    if board:
        kib = board["bytes"] / 1024
        verdict = "ok" if kib < BOARD_KIB_TARGET else "SHORT"
        print(f"{'board page size':40} {kib:>7.1f} KiB (target < {BOARD_KIB_TARGET})  {verdict}")
    return shares


def measure_cluster(args: argparse.Namespace, incident: int) -> list[dict]:
    """Start deploy.cluster's topology on the bench database and measure through HAProxy."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from deploy.cluster import Cluster, free_port

    smtp = Controller(Sink(), hostname=HOST, port=free_port())
    smtp.start()
    # The bench's production-like settings; SITE_URL stays the load balancer's.
    settings = {name: value for name, value in _setup.SERVER_ENV.items() if name != "SITE_URL"}
    cluster = Cluster(database_url=_setup.database_url(), smtp_port=smtp.port, extra_env=settings)
    try:
        cluster.start(web_nodes=CLUSTER_WEB_NODES, web_workers=args.workers)
        print(
            f"\nload through HAProxy: {args.requests} requests per URL, {args.concurrency} "
            f"connections, {CLUSTER_WEB_NODES} web nodes x {args.workers} gunicorn workers, "
            "with 2 Celery workers, beat, Redis and an S3 server on the same machine"
        )
        return measure(cluster.port, args, incident)
    finally:
        cluster.stop()
        smtp.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)


def print_side_by_side(single: list[dict], cluster: list[dict]) -> None:
    """Print each page's figures on one node and through the load balancer, side by side."""
    through = {row["name"]: row for row in cluster if "requests_per_second" in row}
    print(
        f"\n{'single node vs cluster':40} {'req/s':>8} {'req/s':>8} {'ratio':>6} "
        f"{'p95 ms':>8} {'p95 ms':>8}"
    )
    print(f"{'':40} {'single':>8} {'cluster':>8} {'':>6} {'single':>8} {'cluster':>8}")
    for row in single:
        other = through.get(row["name"])
        if "requests_per_second" not in row or other is None:
            print(f"{row['name']:40} skipped")
            continue
        ratio = other["requests_per_second"] / row["requests_per_second"]
        print(
            f"{row['name']:40} {row['requests_per_second']:>8} {other['requests_per_second']:>8} "
            f"{ratio:>6.2f} {row['p95_ms']:>8} {other['p95_ms']:>8}"
        )
    print(
        "(one machine: both share its cores and PostgreSQL, and the cluster runs "
        f"{CLUSTER_WEB_NODES} nodes' workers to the single node's one set, so this is the "
        "cost or gain of the hop and the extra processes here, not of a second machine)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per URL")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (per node)")
    parser.add_argument(
        "--cache", choices=["both", *CACHE_PASSES], default="both", help="which passes to run"
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        default=os.environ.get("BENCH_CLUSTER", "") not in ("", "0", "false"),
        help="then measure the same URLs through HAProxy in front of deploy.cluster's nodes "
        "(also BENCH_CLUSTER=1)",
    )
    args = parser.parse_args()

    incident = typical_incident()
    # DEBUG is off, so pages name hashed static files: build the manifest as a deploy does.
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    print(
        f"load: {args.requests} requests per URL, {args.concurrency} connections, "
        f"{args.workers} gunicorn workers"
    )
    passes = []
    for cache, env in CACHE_PASSES.items():
        if args.cache not in ("both", cache):
            continue
        settings = " ".join(f"{k}={v}" for k, v in env.items()) or "as configured"
        print(f"\n== cache {cache} ({settings})")
        server = start_server(args.workers, env)
        try:
            results = measure(PORT, args, incident)
        finally:
            stop_server(server)
        passes.append(
            {
                "cache": cache,
                "env": env,
                "results": results,
                "share_of_ceiling": print_shares(results),
            }
        )
    # The cluster is compared with the first pass (cache as configured, unless --cache off).
    results = passes[0]["results"]

    cluster = None
    if args.cluster:
        cluster_results = measure_cluster(args, incident)
        cluster = {
            "web_nodes": CLUSTER_WEB_NODES,
            "gunicorn_workers_per_node": args.workers,
            "results": cluster_results,
            "share_of_ceiling": print_shares(cluster_results),
        }
        print_side_by_side(results, cluster_results)

    _setup.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "benchmark": "load",
        "at": stamp,
        "requests_per_url": args.requests,
        "concurrency": args.concurrency,
        "gunicorn_workers": args.workers,
        "database": _setup.database_url().rsplit("/", 1)[-1],
        "passes": passes,
    }
    if cluster:
        report["cluster"] = cluster
    text = json.dumps(report, indent=2)
    (_setup.RESULTS / f"load-{stamp}.json").write_text(text + "\n")
    (_setup.RESULTS / "load.json").write_text(text + "\n")
    print(f"load: results in bench/results/load-{stamp}.json")


if __name__ == "__main__":
    main()
