"""Time `handouts serve` making a personal handout, with 8 clients at once.

Starts a real server on 127.0.0.1 (a free port), then 8 client threads, each with its own kept-alive
connection, POST the handout form and read the PDF back:

- paced: each client asks every 250 ms (8 front-desk staff typing, the page asking on each pause: 32/s);
- flat out: each client asks again as soon as its answer arrives (the most the server can do).

Also times the page's live preview (JSON, then the first page's PNG). Traffic only to 127.0.0.1 and a
fixed number of requests. Prints p50/p99 per scenario; target p50 <= 50 ms, p99 <= 200 ms.

    python benchmarks/serve.py [--requests 60] [--clients 8]
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

ROOT = Path(__file__).resolve().parents[1]
FORM = [
    ("codes", "01992"), ("codes", "77003"), ("layout", "riverside-spine"), ("patient", "Maria Lopez"),
    ("date", "2026-12-03"), ("time", "07:45"), ("provider", "Dr. Chen"), ("location", "Suite 200"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(ROOT), "serve", "--port", str(port)],
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


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by the server and its worker processes (Linux /proc), to tell the
    server's own cost from waiting for a busy machine."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def render_only() -> tuple[float, float]:
    """The pipeline alone, warm, for the same form: what the server adds is the rest."""
    from handouts.appointment import from_mapping
    from handouts.pipeline import render_pdf
    from handouts.project import Project

    project = Project(ROOT)
    values = dict(FORM[2:])
    layout = project.layout(values.pop("layout"))
    appointment = from_mapping({**values, "codes": ["01992", "77003"]}, "the appointment")
    procedures = [project.procedure("01992"), project.procedure("77003")]
    times, cpu = [], []
    for _ in range(25):
        started, used = time.perf_counter(), time.process_time()
        render_pdf(procedures, layout, appointment)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(times[5:]), statistics.median(cpu[5:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="per client and scenario")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    server = start(port)
    try:
        warm = Client(port)
        for _ in range(20):
            warm.handout()
            warm.preview()
        print(f"{args.clients} clients x {args.requests} requests each; personal handout, 2 codes, riverside-spine (logo)")
        import os

        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work slows every figure)")
        wall, cpu = render_only()
        print(f"the same handout drawn in this process, no server: {wall:.1f} ms ({cpu:.1f} ms CPU; p50 of 20)")
        print(f"{'scenario':<40} {'p50':>8} {'p99':>8} {'max':>8} {'rate':>8} {'CPU/request':>12}")
        for label, clients, what, interval in (
            ("PDF, one client alone", 1, "handout", 0.0),
            ("PDF, paced (each client every 250 ms)", args.clients, "handout", 0.25),
            ("PDF, flat out", args.clients, "handout", 0.0),
            ("preview (JSON + page-1 PNG), paced", args.clients, "preview", 0.25),
        ):
            cpu = cpu_seconds(server.pid)
            times, rate = scenario(port, clients, args.requests, interval, what)
            cpu = (cpu_seconds(server.pid) - cpu) / len(times) * 1000
            print(f"{label:<40} {statistics.median(times):6.1f}ms {percentile(times, 99):6.1f}ms "
                  f"{max(times):6.1f}ms {rate:6.1f}/s {cpu:9.1f} ms")
        print("target: p50 <= 50 ms, p99 <= 200 ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
