"""Time `handouts serve` making a personal handout, with 8 clients at once.

Starts a real server on 127.0.0.1 (a free port) on a project of its own (`handouts init` in a temporary
folder: the server records each handout it gives, and the repository's record stays clean), then 8
client threads, each with its own kept-alive connection, POST the handout form with a different
patient each time (nothing can be served from a cache) and read the PDF back:

- paced: each client asks every 250 ms (8 front-desk staff typing, the page asking on each pause: 32/s);
- flat out: each client asks again as soon as its answer arrives (the most the server can do; with 8
  clients on 2 cores its p50 is about 8 x CPU per request / 2, whatever the server does).

Also times the page's live preview (JSON, then the first page's PNG). Traffic only to 127.0.0.1 and a
fixed number of requests. Prints p50/p99 per scenario (target p50 <= 50 ms, p99 <= 200 ms), and splits
the cost: the render's share (the same handout drawn in this process, no server, in the same run) and
the server's (one client alone minus that; and the CPU per request of the server process apart from
its render workers').

    python benchmarks/serve.py [--requests 60] [--clients 8] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

FORM = [
    ("codes", "01992"), ("codes", "77003"), ("layout", "riverside-spine"), ("patient", "Maria Lopez"),
    ("date", "2026-12-03"), ("time", "07:45"), ("provider", "Dr. Chen"), ("location", "Suite 200"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, project: Path, workers: int | None) -> subprocess.Popen:
    extra = ["--workers", str(workers)] if workers is not None else []
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), "serve", "--port", str(port), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(300):  # 30 s at most
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", "/")
        response = self.connection.getresponse()
        page = response.read().decode()
        self.cookie = re.search(r"handouts_csrf=([^;]+)", response.getheader("set-cookie")).group(1)
        assert re.search(r'name="csrf_token" value="([^"]+)"', page).group(1) == self.cookie
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"handouts_csrf={self.cookie}"}
        self.sent = 0

    def post(self, path: str) -> bytes:
        self.sent += 1  # a different patient each time, as at the desk: nothing can be served from a cache
        form = [(k, f"{v} {self.sent}" if k == "patient" else v) for k, v in FORM]
        self.connection.request("POST", path, urlencode(form + [("csrf_token", self.cookie)]), self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {data[:200]!r}")
        return data

    def handout(self) -> None:
        assert self.post("/handout.pdf").startswith(b"%PDF")

    def preview(self) -> None:
        pages = json.loads(self.post("/api/preview"))["pages"]
        self.connection.request("GET", pages[0], headers={"Cookie": f"handouts_csrf={self.cookie}"})
        assert self.connection.getresponse().read().startswith(b"\x89PNG")


def scenario(port: int, clients: int, requests: int, interval: float, what: str) -> tuple[list[float], float]:
    times: list[float] = []
    lock = threading.Lock()
    connections = [Client(port) for _ in range(clients)]

    def work(client: Client, offset: float) -> None:
        time.sleep(offset)
        next_at = time.perf_counter()
        for _ in range(requests):
            started = time.perf_counter()
            getattr(client, what)()
            took = time.perf_counter() - started
            with lock:
                times.append(took * 1000)
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))

    threads = [threading.Thread(target=work, args=(c, i * interval / clients)) for i, c in enumerate(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, len(times) / (time.perf_counter() - began)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time used so far by the server process itself and by its render workers (Linux /proc):
    the server's share (HTTP, forms, CSRF, handing work over) apart from the renders."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    own = children = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if entry.name == str(pid):
            own += used
        elif fields[1] == str(pid):  # fields[1]: the parent's pid
            children += used
    return own, children


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def render_only(project_root: Path, count: int = 25) -> tuple[float, float]:
    """The pipeline alone, warm, in this process, for the same form (a different patient each time,
    as the server gets): the render's share. What the server adds is the rest."""
    from handouts.appointment import from_mapping
    from handouts.pipeline import render_pdf
    from handouts.project import Project

    project = Project(project_root)
    values = dict(FORM[2:])
    layout = project.layout(values.pop("layout"))
    procedures = [project.procedure("01992"), project.procedure("77003")]
    times, cpu = [], []
    for number in range(count):
        person = {**values, "patient": f"{values['patient']} r{number}", "codes": ["01992", "77003"]}
        started, used = time.perf_counter(), time.process_time()
        render_pdf(procedures, layout, from_mapping(person, "the appointment"))
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(times[5:]), statistics.median(cpu[5:])


SCENARIOS = (
    ("PDF, one client alone", 1, "handout", 0.0),
    ("PDF, paced (each client every 250 ms)", None, "handout", 0.25),
    ("PDF, flat out", None, "handout", 0.0),
    ("preview (JSON + page-1 PNG), paced", None, "preview", 0.25),
)


def main() -> None:
    import os
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="per client and scenario")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # A project of its own: the server records every handout, and the repository's record stays clean.
        project = Path(folder) / "clinic"
        subprocess.run([sys.executable, "-m", "handouts", "init", str(project)], check=True, stdout=subprocess.DEVNULL)
        run(project, args)


def run(project: Path, args) -> None:
    import os

    port = free_port()
    server = start(port, project, args.workers)
    try:
        warm = Client(port)
        for _ in range(20):
            warm.handout()
            warm.preview()
        print(f"{args.clients} clients x {args.requests} requests each; personal handout, 2 codes, riverside-spine "
              "(logo), a different patient each request")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run "
              "(other work slows every figure)")
        wall, cpu = render_only(project)
        print(f"render share: the same handout drawn in this process, no server: {wall:.1f} ms "
              f"({cpu:.1f} ms CPU; p50 of 20)")
        print(f"{'scenario':<40} {'p50':>8} {'p99':>8} {'max':>8} {'rate':>8}   CPU/request: server + renders")
        alone = None
        for label, clients, what, interval in SCENARIOS:
            clients = clients or args.clients
            before = cpu_seconds(server.pid)
            times, rate = scenario(port, clients, args.requests, interval, what)
            own, renders = ((b - a) / len(times) * 1000 for a, b in zip(before, cpu_seconds(server.pid)))
            print(f"{label:<40} {statistics.median(times):6.1f}ms {percentile(times, 99):6.1f}ms "
                  f"{max(times):6.1f}ms {rate:6.1f}/s   {own:5.1f} + {renders:5.1f} ms")
            alone = alone or statistics.median(times)
        print(f"one client alone: {alone:.1f} ms = render {wall:.1f} ms + server {alone - wall:.1f} ms")
        print(f"load average after: {os.getloadavg()[0]:.1f}; target: p50 <= 50 ms, p99 <= 200 ms")
    finally:
        server.send_signal(2)  # Ctrl-C, as a person stops it
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
