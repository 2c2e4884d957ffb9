"""`handouts serve` over HTTP: the rules that keep patient data safe, the same PDF as the CLI, errors
beside their fields, and a server that keeps working while its files change."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import files_under, pdf_reader, pdf_text, run

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from handouts import record  # noqa: E402
from handouts.errors import HandoutsError  # noqa: E402
from handouts.serve.app import create_app  # noqa: E402
from handouts.serve.config import Settings, check_bind  # noqa: E402

BASE = "http://127.0.0.1:8765"
PATIENT = "Zelda Quackenbush"
PERSON = {
    "codes": ["01992", "77003"], "layout": "riverside-spine", "patient": PATIENT, "date": "2026-12-03",
    "time": "07:45", "provider": "Dr. Chen", "location": "Suite 200",
}


def client_for(project: Path, **settings) -> TestClient:
    app = create_app(Settings(project, **settings))
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


@pytest.fixture
def client(project):
    with client_for(project) as c:
        c.get("/")  # sets the CSRF cookie, as a browser opening the page does
        yield c


def token(client: TestClient) -> str:
    return client.cookies.get("handouts_csrf")


def post(client: TestClient, path: str, data: dict, **kwargs):
    return client.post(path, data={**data, "csrf_token": token(client)}, **kwargs)


# ---------------------------------------------------------------- who may connect


def test_another_address_without_a_token_is_refused(project):
    with pytest.raises(HandoutsError, match="--token-file"):
        check_bind("0.0.0.0", None)
    result = run(project, "serve", "--host", "0.0.0.0", "--port", "1")
    assert result.exit_code == 2
    assert "--host 0.0.0.0" in result.output and "--token-file" in result.output
    assert check_bind("127.0.0.1", None) is None and check_bind("::1", None) is None


def test_a_token_file_must_be_long_and_private(tmp_path):
    secret = tmp_path / "token.txt"
    secret.write_text("short\n")
    secret.chmod(0o600)
    with pytest.raises(HandoutsError, match="at least 16"):
        check_bind("0.0.0.0", secret)
    secret.write_text("a-long-enough-secret-value-123\n")
    secret.chmod(0o644)
    with pytest.raises(HandoutsError, match="chmod 600"):
        check_bind("0.0.0.0", secret)
    secret.chmod(0o600)
    assert check_bind("0.0.0.0", secret) == "a-long-enough-secret-value-123"


def test_with_a_token_every_request_signs_in(project):
    secret = "a-long-enough-secret-value-123"
    with client_for(project, host="0.0.0.0", token=secret) as c:
        refused = c.get("/")
        assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
        assert c.get("/", auth=("desk", "wrong-secret-000000")).status_code == 401
        assert c.get("/", auth=("desk", secret)).status_code == 200
        assert c.get("/", headers={"authorization": f"Bearer {secret}"}).status_code == 200


def test_only_this_computers_names_are_answered_locally(client):
    # A page on another site whose name points at 127.0.0.1 (DNS rebinding) gets nothing.
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


# ---------------------------------------------------------------- forms


def test_a_cross_site_post_is_refused(client):
    good = post(client, "/handout.pdf", PERSON)
    assert good.status_code == 200
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"referer": "https://evil.example/form"}):
        refused = post(client, "/handout.pdf", PERSON, headers=headers)
        assert refused.status_code == 403, headers
        assert "another site" in refused.text
    no_token = client.post("/handout.pdf", data=PERSON)
    assert no_token.status_code == 403 and "reload the page" in no_token.text
    wrong = client.post("/handout.pdf", data={**PERSON, "csrf_token": "x" * 43})
    assert wrong.status_code == 403


def test_every_post_route_checks_the_csrf_token(client):
    posts = [r.path for r in client.app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert set(posts) == {"/api/preview", "/handout.pdf", "/day"}
    for path in posts:
        assert client.post(path, data={"x": "1"}).status_code == 403, path


def test_headers_keep_the_page_strict_and_pdfs_out_of_caches(client):
    for response in (client.get("/"), post(client, "/handout.pdf", PERSON), client.get("/day")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert "server" not in client.get("/").headers
    page = client.get("/").text
    assert "<script>" not in page and "style=" not in page  # nothing inline for the CSP to allow
    client.cookies.clear()
    cookie = client.get("/").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_requests_are_limited_in_size(client):
    huge = post(client, "/api/preview", {**PERSON, "location": "x" * 70_000})
    assert huge.status_code == 413
    upload = client.post("/day", data={"csrf_token": token(client)},
                         files={"file": ("day.csv", b"a" * (3 * 1024 * 1024), "text/csv")})
    assert upload.status_code == 413
    long_field = post(client, "/api/preview", {**PERSON, "provider": "Dr. " + "x" * 300})
    assert long_field.status_code == 422
    assert long_field.json()["errors"]["provider"] == ["provider: longer than 200 characters; shorten it"]


def test_the_patients_name_is_not_in_the_log_nor_on_disk(client, project, caplog):
    caplog.set_level(logging.DEBUG)
    post(client, "/api/preview", PERSON)
    post(client, "/handout.pdf", PERSON)
    client.get(f"/api/procedures?q={PATIENT}")
    post(client, "/api/preview", {**PERSON, "date": "2026-02-30"})
    csv = Path(__file__).parents[1] / "examples" / "schedule-2026-12-03.csv"
    client.post("/day", data={"csrf_token": token(client)}, files={"file": ("day.csv", csv.read_bytes(), "text/csv")})
    access = [r.getMessage() for r in caplog.records if r.name == "handouts.serve"]
    assert any('"POST /handout.pdf" 200' in line for line in access)
    assert any('"GET /api/procedures" 200' in line for line in access)  # the path, without the query
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    names = (PATIENT, "Zelda", "Quackenbush", "Maria Lopez", "James Okafor", "Grace Kim")
    for forbidden in (*names, "Suite 200"):
        assert forbidden not in ours
    # On disk: only the education record (SQLite and its write-ahead log), owner-only, without a name.
    written = files_under(project / "output")
    assert written and all(p.name.startswith("education-record.sqlite3") for p in written)
    for path in written:
        assert path.stat().st_mode & 0o077 == 0
        assert not any(name.encode() in path.read_bytes() for name in names)


# ---------------------------------------------------------------- the handout


def test_the_pdf_is_the_clis_pdf_byte_for_byte(client, project, tmp_path):
    web = post(client, "/handout.pdf", PERSON)
    assert web.status_code == 200 and web.headers["content-type"] == "application/pdf"
    name = web.headers["content-disposition"]
    assert name == 'attachment; filename="2026-12-03-0745-01992-77003-riverside-spine.pdf"'
    cli_pdf = tmp_path / "cli.pdf"
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--patient", PATIENT,
                 "--date", "2026-12-03", "--time", "07:45", "--provider", "Dr. Chen", "--location", "Suite 200",
                 "-o", str(cli_pdf))
    assert result.exit_code == 0, result.output
    assert web.content == cli_pdf.read_bytes()
    generic = post(client, "/handout.pdf", {"codes": "64634", "layout": "northgate-pain", "large_print": "on"})
    run(project, "render", "64634", "-l", "northgate-pain", "--large-print", "-o", str(tmp_path / "g.pdf"))
    assert generic.content == (tmp_path / "g.pdf").read_bytes()
    printed = post(client, "/handout.pdf", {**PERSON, "action": "print"})
    assert printed.headers["content-disposition"].startswith("inline;") and printed.content == web.content


def test_the_preview_shows_the_times_and_the_pages(client):
    response = post(client, "/api/preview", PERSON)
    assert response.status_code == 200
    body = response.json()
    rows = {key: value for key, _, value in body["box"]}
    # As printed: a no-break space keeps each time with its AM/PM.
    assert rows["appointment_arrive"] == "6:45\u00a0AM on Thursday, December 3"
    assert rows["appointment_stop_eating"] == "11:45\u00a0PM on Wednesday, December 2"
    assert rows["appointment_stop_liquids"] == "5:45\u00a0AM on Thursday, December 3"
    assert len(body["pages"]) >= 2
    image = client.get(body["pages"][0])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert image.headers["cache-control"] == "no-store"
    assert client.get(body["pages"][0].replace("page-1", "page-99")).status_code == 404
    assert client.get("/preview/not-a-key/page-1.png").status_code == 404


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"date": "2026-02-30"}, "date", "the appointment: date: '2026-02-30' is not a real date; write it as YYYY-MM-DD"),
        ({"time": "25:00"}, "time", "the appointment: time: '25:00' is not a real time"),
        ({"date": "2026-03-08", "time": "02:30"}, "time", "02:30 does not exist on 2026-03-08"),
        ({"date": ""}, "date", "the appointment: date is missing; add it"),
        ({"codes": "64643"}, "procedure", "unknown procedure '64643'"),
        ({"codes": []}, "procedure", "no procedure given"),
        ({"layout": "riverside"}, "layout", "unknown layout 'riverside'; did you mean 'riverside-spine'?"),
        ({"appointment_id": "A/1"}, "appointment_id", "the appointment id may use only letters"),
        # The box's details are never repeated in a message (they may identify a patient): said for the form.
        ({"patient": "Zoë 😀"}, "form", "cannot print 1 character(s) of the details there"),
    ],
)
def test_an_error_is_shown_beside_its_field_in_the_clis_words(client, project, change, field, words):
    data = {**PERSON, **change}
    preview = post(client, "/api/preview", data)
    assert preview.status_code == 422
    errors = preview.json()["errors"]
    assert list(errors) == [field] and words in errors[field][0]
    page = post(client, "/handout.pdf", data)
    assert page.status_code == 400
    if field != "form":  # a form-wide error is shown at the top of the form
        shown = re.search(rf'<p class="error" id="error-{field}"[^>]*>(.*?)</p>', page.text, re.S).group(1)
        assert words.replace("'", "&#39;") in shown
    else:
        assert words in page.text
    args = ["render", *(data["codes"] if isinstance(data["codes"], list) else [data["codes"]] if data["codes"] else [])]
    for key in ("patient", "date", "time", "provider", "location"):
        if data.get(key):
            args += [f"--{key}", data[key]]
    if data.get("appointment_id"):
        args += ["--appointment-id", data["appointment_id"]]
    cli = run(project, *args, "-l", data["layout"])
    if field != "date" or data["date"]:  # the CLI checks a missing --date before building the appointment
        assert words in cli.output


def test_a_past_date_is_a_warning_beside_the_date(client):
    body = post(client, "/api/preview", {**PERSON, "date": "2020-01-06"}).json()
    assert body["warnings"]["date"][0].startswith("the appointment date 2020-01-06 is in the past")
    assert body["pages"]


def test_procedure_search_by_code_and_words(client):
    by_code = client.get("/api/procedures?q=646").json()
    assert [c["code"] for c in by_code] == ["64634"]
    by_words = client.get("/api/procedures?q=nerve BLOCK").json()
    assert [c["code"] for c in by_words] == ["01992"]
    assert client.get("/api/procedures?q=").json() == []
    assert client.get("/api/procedures?q=" + "x" * 5000).status_code == 200


def test_the_clinics_default_layout_is_preselected(project):
    with client_for(project, default_layout="northgate-pain") as c:
        assert re.search(r'<option value="northgate-pain" selected>', c.get("/").text)


def test_a_handout_given_is_on_record_and_a_preview_is_not(client, project, tmp_path):
    output = project / "output"
    assert post(client, "/api/preview", PERSON).status_code == 200
    assert record.entries(output) == []  # looked at on screen, never given
    downloaded = post(client, "/handout.pdf", PERSON)
    printed = post(client, "/handout.pdf", {**PERSON, "action": "print"})
    post(client, "/handout.pdf", {"codes": "64634", "layout": "default"})  # no patient: not a personal handout
    entries = record.entries(output)
    assert len(entries) == 2 and [e.program for e in entries] == ["serve", "serve"]
    entry = entries[0]
    assert (entry.source_format, entry.codes, entry.layout) == ("form", ("01992", "77003"), "riverside-spine")
    assert entry.language == "en"
    assert entry.appointment_start.startswith("2026-12-03T07:45:00") and entry.patient_name is None
    assert entry.pdf_sha256 == hashlib.sha256(downloaded.content).hexdigest() == entries[1].pdf_sha256
    assert entry.pages == len(pdf_reader(downloaded.content).pages) and printed.content == downloaded.content
    assert [p.code for p in entry.procedures] == ["01992", "77003"]
    given = tmp_path / "given.pdf"
    given.write_bytes(downloaded.content)
    verified = run(project, "record", "verify", str(given))
    assert verified.exit_code == 0, verified.output


def test_a_handout_in_the_patients_language_is_the_clis_and_is_drawn_once(client, project, tmp_path, monkeypatch):
    import handouts.render

    spanish = {**PERSON, "language": "es"}
    drawn = []
    real = handouts.render.render
    monkeypatch.setattr(handouts.render, "render", lambda handout, *a, **k: drawn.append(1) or real(handout, *a, **k))
    web = post(client, "/handout.pdf", spanish)
    assert web.status_code == 200 and len(drawn) == 1  # the English box is not drawn for a download
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--language", "es", "--patient", PATIENT,
                 "--date", "2026-12-03", "--time", "07:45", "--provider", "Dr. Chen", "--location", "Suite 200",
                 "-o", str(tmp_path / "es.pdf"))
    assert result.exit_code == 0, result.output
    assert web.content == (tmp_path / "es.pdf").read_bytes() and "Página 1 de" in pdf_text(web.content)
    drawn.clear()
    preview = post(client, "/api/preview", spanish).json()
    assert len(drawn) == 1 and preview["box_title"] == "Your appointment"  # the page's box: the layout's language
    assert record.entries(project / "output")[-1].language == "es"


def test_a_handout_that_cannot_be_recorded_is_not_given(client, project):
    (project / "output").mkdir(exist_ok=True)
    (project / "output" / "education-record.sqlite3").mkdir()  # the record cannot be opened
    refused = post(client, "/handout.pdf", PERSON)
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
    assert "education-record.sqlite3: cannot open the education record" in refused.text
    assert post(client, "/api/preview", PERSON).status_code == 200  # the preview still works
    day = upload(client, (project / "examples" / "schedule-2026-12-03.csv").read_bytes())
    assert "0 handouts made, 5 rows with errors" in day.text and "cannot open the education record" in day.text
    assert re.findall(r'href="(/day/[^/"]+/[^"]+\.pdf)"', day.text) == []


# ---------------------------------------------------------------- keeps working


def test_edits_are_picked_up_and_a_broken_file_never_stops_the_server(client, project):
    layout = project / "layouts" / "riverside-spine" / "layout.yaml"
    original = layout.read_text()
    first = post(client, "/handout.pdf", PERSON)
    assert "Riverside Lakes Clinic" not in pdf_text(first.content)
    layout.write_text(original.replace("name: Riverside Spine Center", "name: Riverside Lakes Clinic"))
    assert "Riverside Lakes Clinic" in pdf_text(post(client, "/handout.pdf", PERSON).content)
    layout.write_text(original.replace('primary: "#143D59"', "primary: navyish"))
    broken = post(client, "/api/preview", PERSON)
    assert broken.status_code == 422
    assert "colors.primary" in broken.json()["errors"]["layout"][0]
    other = post(client, "/api/preview", {**PERSON, "layout": "northgate-pain"})
    assert other.status_code == 200  # the rest of the server goes on
    assert "(has an error)" in client.get("/").text
    procedure = project / "procedures" / "64634.yaml"
    procedure.write_text("title: [unclosed\n")
    bad = post(client, "/api/preview", {**PERSON, "layout": "northgate-pain", "codes": "64634"})
    assert bad.status_code == 422 and bad.json()["errors"]["procedure"][0].startswith("procedures/64634.yaml")
    assert client.get("/api/procedures?q=6463").json()[0]["error"]
    layout.write_text(original)
    assert post(client, "/handout.pdf", PERSON).content == first.content


def served(project: Path, port: int, workers: int) -> subprocess.Popen:
    import http.client
    import time

    server = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), "serve", "--port", str(port),
         "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:  # it listens at once, and answers once its render processes are warm
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail(f"handouts serve did not start: {server.communicate()[1]}")


def at_once(port: int, count: int, form: dict, path: str = "/handout.pdf") -> list[tuple[int, bytes]]:
    """`count` requests at the same moment, each on its own connection (so the workers share them)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    def one(_):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        opened = connection.getresponse()
        opened.read()
        cookie = re.search(r"handouts_csrf=([^;]+)", opened.getheader("set-cookie")).group(1)
        connection.request("POST", path, urlencode({**form, "csrf_token": cookie}, doseq=True),
                           {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"handouts_csrf={cookie}"})
        response = connection.getresponse()
        return response.status, response.read()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_every_render_process_picks_up_edits_and_ctrl_c_stops_them_all(project):
    import signal
    import socket
    import time
    from pathlib import Path as P

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = served(project, port, workers=2)
    try:
        workers = [int(c) for c in P(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        assert len(workers) >= 2  # the render processes (and multiprocessing's resource tracker)
        first = at_once(port, 4, PERSON)
        assert [status for status, _ in first] == [200] * 4
        layout = project / "layouts" / "riverside-spine" / "layout.yaml"
        original = layout.read_text()
        layout.write_text(original.replace("name: Riverside Spine Center", "name: Riverside Lakes Clinic"))
        assert all("Riverside Lakes Clinic" in pdf_text(pdf) for _, pdf in at_once(port, 4, PERSON))
        layout.write_text(original.replace('primary: "#143D59"', "primary: navyish"))
        broken = at_once(port, 4, PERSON, "/api/preview")
        assert {status for status, _ in broken} == {422} and all(b"colors.primary" in body for _, body in broken)
        assert {status for status, _ in at_once(port, 4, {**PERSON, "layout": "northgate-pain"})} == {200}
        layout.write_text(original)
        assert {pdf for _, pdf in at_once(port, 4, PERSON)} == {first[0][1]}
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole process group
        out, err = server.communicate(timeout=15)
    assert "Traceback" not in err and PERSON["patient"] not in err
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.1)
    assert [(pid, P(f"/proc/{pid}/cmdline").read_bytes()) for pid in workers if alive(pid)] == []


def test_odd_input_is_a_4xx_never_a_500(client):
    odd = [
        {"codes": "\x00"}, {"codes": "../../etc/passwd"}, {"layout": "../../etc"}, {"time": "7:99 PM"},
        {"date": "9999-99-99"}, {"patient": "<script>alert(1)</script>"}, {"patient": "{{ 7*7 }}"},
        {"language": "xx"}, {"codes": ["64634"] * 20}, {"large_print": "maybe"}, {"date": "2026-12-03\n"},
    ]
    for change in odd:
        response = post(client, "/api/preview", {**PERSON, **change})
        assert response.status_code < 500, change
    shown = post(client, "/handout.pdf", {**PERSON, "patient": "<script>x</script>", "date": "bad"}).text
    assert "<script>x</script>" not in shown and "&lt;script&gt;" in shown
    assert client.post("/api/preview", content=b"\xff\xfe", headers={"content-type": "multipart/form-data"}).status_code < 500
    assert client.get("/day/unknown/packet.pdf").status_code == 404
    assert client.put("/handout.pdf").status_code == 405


# ---------------------------------------------------------------- the day view


def upload(client: TestClient, data: bytes, name: str = "day.csv", layout: str = "riverside-spine"):
    return client.post("/day", data={"csrf_token": token(client), "layout": layout},
                       files={"file": (name, data, "text/csv")})


def test_a_days_schedule_gives_each_pdf_and_the_packet(client, project, tmp_path):
    csv = (project / "examples" / "schedule-2026-12-03.csv").read_bytes()
    page = upload(client, csv + b"A1006,Ann Other,2026-12-03,11:00,99999,Dr. Chen,Suite 200\n")
    assert page.status_code == 200
    assert "5 handouts made, 1 rows with errors" in page.text
    assert "row 7: codes: the 1st code has no procedure file in procedures/" in page.text
    links = re.findall(r'href="(/day/[^/"]+/[^"]+\.pdf)"', page.text)
    assert len(links) == 6 and links[0].endswith("/packet.pdf")
    one = client.get(links[1])
    assert one.headers["content-disposition"] == 'attachment; filename="2026-12-03-A1001.pdf"'
    assert one.headers["cache-control"] == "no-store"
    result = run(project, "schedule", "examples/schedule-2026-12-03.csv", "-l", "riverside-spine",
                 "-o", str(tmp_path / "cli"), "--packet")
    assert result.exit_code == 0, result.output
    assert one.content == (tmp_path / "cli" / "2026-12-03-A1001.pdf").read_bytes()
    packet = client.get(links[0])
    assert packet.headers["content-disposition"] == 'attachment; filename="2026-12-03-packet.pdf"'
    assert packet.content == (tmp_path / "cli" / "2026-12-03-packet.pdf").read_bytes()
    # The page wrote nothing but the education record: each row's handout, as the command line records it.
    assert [p for p in files_under(project / "output") if not p.name.startswith("education-record")] == []
    web = [e for e in record.entries(project / "output") if e.program == "serve"]
    assert [e.appointment_id for e in web] == ["A1001", "A1002", "A1003", "A1004", "A1005"]
    assert {e.source_format for e in web} == {"csv"} and {e.patient_name for e in web} == {None}
    assert web[0].pdf_sha256 == hashlib.sha256(one.content).hexdigest() and web[0].file is None


@pytest.mark.parametrize(
    "data, words",
    [
        (b"appointment_id,patient\nA1,X\n", "night.csv: the header row lacks the column(s) date, time, codes"),
        (b"\xff\xfe\x00bad", "night.csv: not UTF-8 text; save the CSV as UTF-8"),
        (b"", "night.csv: the header row lacks"),
    ],
)
def test_a_bad_schedule_file_is_explained_beside_the_file_field(client, data, words):
    page = upload(client, data, "night.csv")
    assert page.status_code == 400
    shown = re.search(r'<p class="error" id="error-file"[^>]*>(.*?)</p>', page.text, re.S).group(1)
    assert words in shown.replace("&#39;", "'")


def test_an_upload_is_never_spooled_to_disk():
    from starlette.formparsers import MultiPartParser

    assert Settings(Path(".")).upload_limit < MultiPartParser.spool_max_size


def test_a_schedule_is_limited_in_rows(client):
    rows = "".join(f"A{i},,2026-12-03,07:00,64634,,\n" for i in range(600))
    page = upload(client, ("appointment_id,patient,date,time,codes,provider,location\n" + rows).encode())
    assert page.status_code == 400 and "the number of appointments is 501, over the limit of 500" in page.text


def test_no_file_chosen(client):
    page = client.post("/day", data={"csrf_token": token(client)})
    assert page.status_code == 400 and "choose the day" in page.text


# ---------------------------------------------------------------- start-up cost


def test_the_cli_does_not_import_the_web_framework():
    code = "import sys, handouts.cli; print(any(m.split('.')[0] in ('starlette', 'uvicorn', 'multipart') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_readmes_serve_commands_start_a_server(project, monkeypatch):
    """The front-desk section's commands, up to the point where the server would start listening."""
    import shlex

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    commands = [line.split("  #")[0].strip() for block in re.findall(r"```console\n(.*?)```", readme, re.S)
                for line in block.splitlines()]
    started = []
    monkeypatch.setattr("handouts.serve.server.run", lambda settings, tls=None, echo=print: started.append(settings))
    monkeypatch.chdir(project)
    serve = [c for c in commands if c.startswith("handouts serve")]
    assert len(serve) == 3
    for command in commands:
        if command.startswith("python3 -c"):
            subprocess.run(command, shell=True, check=True, cwd=project)
        elif command.startswith("handouts serve"):
            result = run(project, *shlex.split(command)[1:])
            assert result.exit_code == 0, result.output
    assert [(s.host, s.port, s.default_layout, bool(s.token)) for s in started] == [
        ("127.0.0.1", 8765, None, False), ("127.0.0.1", 8080, "riverside-spine", False), ("0.0.0.0", 8765, None, True),
    ]


def test_a_port_in_use_is_one_clear_line():
    import socket

    from handouts.serve.server import bind

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(HandoutsError, match=f"--port {port}: cannot listen there .*choose another --port"):
            bind("127.0.0.1", port)


def test_connections_send_at_once_without_waiting_for_acks():
    """The listening socket says TCP, so asyncio turns Nagle off on each connection (TCP_NODELAY):
    without it a PDF's last segment waited for the browser's delayed ACK, 40 ms a request."""
    import asyncio
    import socket

    from handouts.serve.server import bind

    async def accepted_nodelay() -> int:
        seen = asyncio.get_running_loop().create_future()

        def on_connect(reader, writer):
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listening = bind("127.0.0.1", 0)
        server = await asyncio.start_server(on_connect, sock=listening)
        _, writer = await asyncio.open_connection(*listening.getsockname())
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) == 1
