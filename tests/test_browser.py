"""The front-desk page in a real browser (Debian's chromium driven by Playwright), against a real
`handouts serve` process. Skipped only when chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, pdf_reader, pdf_text

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
expect = None  # playwright's, once the browser fixture has imported it
if not Path(CHROMIUM).exists() and os.environ.get("CI"):
    raise RuntimeError("CI must run the browser tests: .ci/run installs chromium with apt-get")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    for folder in ("procedures", "layouts", "examples"):
        shutil.copytree(ROOT / folder, root / folder)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(root), "serve", "--port", str(port), "-l", "riverside-spine", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"handouts serve stopped: {process.stderr.read().decode()}")
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("handouts serve did not start in 30 s")
    yield f"http://127.0.0.1:{port}", root
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    global expect
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert problems == []  # nothing the page needs is blocked by its own CSP


def test_make_a_patients_handout(server, page):
    base, _ = server
    page.goto(base + "/")
    assert page.locator("#layout").input_value() == "riverside-spine"  # the clinic's default
    page.locator("#procedure").type("nerve block")
    # The list follows each key press: wait for the answer to the whole words, not an earlier one.
    expect(page.locator("#suggestions li").first).to_contain_text("01992")
    page.keyboard.press("Enter")  # picks the highlighted procedure
    page.locator("#procedure").type("77003")
    # The list follows each key press: wait for the answer to the whole code, not an earlier one.
    page.locator("#suggestions li", has_text="77003").first.click()
    assert page.locator("#chips input[name=codes]").evaluate_all("els => els.map(e => e.value)") == ["01992", "77003"]
    page.fill("#patient", "Maria Lopez")
    page.fill("#date", "2026-12-03")
    page.fill("#time", "07:45")
    page.fill("#provider", "Dr. Chen")
    # (expect() polls without eval: the page's CSP forbids it, for the test's scripts too)
    expect(page.locator("#value-appointment_provider")).to_have_text("Dr. Chen")  # the last preview is in
    expect(page.locator("#value-appointment_arrive")).to_have_text("6:45 AM on Thursday, December 3")
    expect(page.locator("#value-appointment_stop_eating")).to_have_text("11:45 PM on Wednesday, December 2")
    expect(page.locator("#value-appointment_stop_liquids")).to_have_text("5:45 AM on Thursday, December 3")
    from handouts.appointment import Appointment
    from handouts.pipeline import render_pdf
    from handouts.project import Project
    import datetime as dt

    repo = Project(ROOT)
    expected = render_pdf([repo.procedure("01992"), repo.procedure("77003")], repo.layout("riverside-spine"), Appointment(
        date=dt.date(2026, 12, 3), time=dt.time(7, 45), patient="Maria Lopez", provider="Dr. Chen"))
    pages = len(pdf_reader(expected).pages)
    expect(page.locator("#status")).to_contain_text(f"Ready: {pages} pages")
    images = page.locator("#pages img")
    expect(images).to_have_count(pages)
    for i in range(pages):
        expect(images.nth(i)).to_have_js_property("complete", True)
        assert images.nth(i).evaluate("img => img.naturalWidth") > 300
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "2026-12-03-0745-01992-77003-riverside-spine.pdf"
    pdf = Path(download.value.path()).read_bytes()
    text = pdf_text(pdf)
    assert "Maria Lopez" in text and "Dr. Chen" in text
    assert "6:45 AM on Thursday, December 3" in text and "11:45 PM on Wednesday, December 2" in text
    assert "Maria" not in str(pdf_reader(pdf).metadata)


def test_a_bad_date_is_shown_beside_the_date(server, page):
    base, _ = server
    page.goto(base + "/")
    page.locator("#procedure").type("64634")
    expect(page.locator("#suggestions li").first).to_contain_text("64634")
    page.keyboard.press("Enter")
    page.fill("#patient", "James Okafor")
    page.fill("#time", "08:30")
    page.fill("#date", "2026-02-30")
    message = page.locator("#error-date")
    expect(message).to_have_text(
        "the appointment: date: '2026-02-30' is not a real date; write it as YYYY-MM-DD, e.g. 2026-12-03"
    )
    expect(page.locator("#date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pages img")).to_have_count(0)
    # Fixing it clears the message and brings the preview back.
    page.fill("#date", "2026-12-03")
    expect(page.locator("#pages img")).not_to_have_count(0)
    expect(message).to_have_text("")
    # Without the script's preview, the download itself answers with the message beside the field.
    page.fill("#date", "2026-02-31")
    page.click("#download")
    page.wait_for_load_state()
    assert "is not a real date" in page.locator("#error-date").inner_text()
    assert page.locator("#date").input_value() == "2026-02-31"


def test_upload_a_day_and_download_the_packet(server, page):
    base, _ = server
    page.goto(base + "/day")
    page.set_input_files("#file", str(ROOT / "examples" / "schedule-2026-12-03.csv"))
    page.click("#make-day")
    page.wait_for_selector("#packet")
    assert "5 handouts made, 0 rows with errors" in page.locator("#result-title").inner_text()
    assert page.locator("table.rows tbody tr").count() == 5
    with page.expect_download() as download:
        page.click("#packet")
    assert download.value.suggested_filename == "2026-12-03-packet.pdf"
    packet = Path(download.value.path()).read_bytes()
    text = pdf_text(packet)
    for appointment in ("A1001", "A1002", "A1003", "A1004", "A1005"):
        assert appointment in text
    assert "Maria Lopez" in text and "Grace Kim" in text
    assert len(pdf_reader(packet).pages) % 2 == 0
