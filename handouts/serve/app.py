"""The routes: the handout page, its live preview, the PDF, and the day view."""

from __future__ import annotations

import contextlib
import hmac
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from handouts.errors import HandoutsError
from handouts.serve.config import Settings
from handouts.serve import workers
from handouts.serve.guard import Guard
from handouts.serve.handout import PERSON_FIELDS, HandoutForm, Outcome, read_form
from handouts.serve.store import Store

HERE = Path(__file__).parent
CSRF_COOKIE = "handouts_csrf"
EXPIRED = "the page has expired or the form came from elsewhere; reload the page and try again"


class Site:
    """The routes' shared state: per process, so fonts, logos and loaded content stay warm."""

    def __init__(self, settings: Settings):
        import jinja2

        self.settings = settings
        # The page's own needs (lists, search); renders go to the workers, each with its own copy.
        self.content = workers.content(str(settings.project_root), settings.default_layout)
        self.renderer = workers.Renderer(settings.project_root, settings.default_layout, settings.workers)
        self.previews = Store(limit=64, seconds=15 * 60)  # a preview's PDF and its page images
        self.days = Store(limit=8, seconds=60 * 60)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
        )

    # ------------------------------------------------------------ helpers

    def page(self, request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        values = {"errors": {}, "warnings": {}, **values}
        response = HTMLResponse(self.env.get_template(template).render(csrf=token, **values), status)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=self.settings.https)
        return response

    async def checked_form(self, request: Request, files: int = 0):
        """The form, if it carries this browser's CSRF token (double submit: the cookie and the field agree)."""
        limit = self.settings.upload_limit if files else self.settings.form_limit
        form = await request.form(max_files=files, max_fields=60, max_part_size=limit)
        cookie, sent = request.cookies.get(CSRF_COOKIE), form.get("csrf_token")
        if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie.encode(), sent.encode()):
            raise HTTPException(403, EXPIRED)
        return form

    def handout_page(self, request: Request, form: HandoutForm | None = None, outcome: Outcome | None = None,
                     status: int = 200) -> HTMLResponse:
        content = self.content
        form = form or HandoutForm([], "", content.default_layout(), "en", False, dict.fromkeys(PERSON_FIELDS, ""))
        shown = {"errors": outcome.errors, "warnings": outcome.warnings} if outcome else {}
        return self.page(
            request, "handout.html", status, title="Patient handout", page="handout", form=form,
            chosen=[(code, content.title(code)) for code in form.codes], layouts=content.layouts(),
            languages=content.languages(), **shown,
        )

    def day_page(self, request: Request, status: int = 200, **values) -> HTMLResponse:
        values = {"day": None, "key": "", "shown": "", "chosen_layout": self.content.default_layout(), **values}
        return self.page(request, "day.html", status, title="A day's schedule", page="day",
                         layouts=self.content.layouts(), **values)

    async def outcome(self, request: Request, for_patient: bool = False) -> tuple[HandoutForm, Outcome]:
        """`for_patient`: for the patient (Download, Print), so put on record; a preview is not."""
        form, outcome = read_form(await self.checked_form(request), self.content, self.settings)
        return form, await self.renderer.run(workers.handout, form, outcome, for_patient)

    # ------------------------------------------------------------ the handout page

    async def home(self, request: Request):
        return self.handout_page(request)

    async def suggestions(self, request: Request):
        found = self.content.search(request.query_params.get("q", ""))
        return JSONResponse([{"code": c.value, "label": c.label, "error": c.error} for c in found])

    async def preview(self, request: Request):
        from handouts.render import page_count

        _, outcome = await self.outcome(request)
        body = {"errors": outcome.errors, "warnings": outcome.warnings}
        if outcome.pdf is None:
            return JSONResponse(body, 422)
        key = self.previews.put({"pdf": outcome.pdf, "images": {}})
        body.update(
            box_title=outcome.box_title, box=[list(row) for row in outcome.box], filename=outcome.filename,
            pages=[f"/preview/{key}/page-{n}.png" for n in range(1, page_count(outcome.pdf) + 1)],
        )
        return JSONResponse(body)

    async def pdf(self, request: Request):
        form, outcome = await self.outcome(request, for_patient=True)
        if outcome.pdf is None:
            return self.handout_page(request, form, outcome, 400)
        printing = (await request.form()).get("action") == "print"
        disposition = "inline" if printing else "attachment"
        return Response(outcome.pdf, media_type="application/pdf",
                        headers={"content-disposition": f'{disposition}; filename="{outcome.filename}"'})

    async def page_image(self, request: Request):
        entry = self.previews.get(request.path_params["key"])
        number = request.path_params["page"]
        if entry is None:
            raise HTTPException(404, "this preview has expired; change any field to make a new one")
        if number not in entry["images"]:
            image = await self.renderer.run(workers.png, entry["pdf"], number, project=False)
            if image is None:
                raise HTTPException(404, "no such page")
            entry["images"][number] = image
        return Response(entry["images"][number], media_type="image/png")

    # ------------------------------------------------------------ the day view

    async def day(self, request: Request):
        return self.day_page(request)

    async def day_upload(self, request: Request):
        form = await self.checked_form(request, files=1)
        chosen = form.get("layout")
        layout = chosen if isinstance(chosen, str) and chosen else self.content.default_layout()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            return self.day_page(request, 400, chosen_layout=layout,
                                 errors={"file": ["choose the day's schedule file (CSV) first"]})
        data = await upload.read(self.settings.upload_limit + 1)
        shown = Path(upload.filename).name[:80] or "the file"
        try:
            day = await self.renderer.run(workers.day, data, shown, layout, self.settings.max_rows)
        except HandoutsError as exc:
            return self.day_page(request, 400, chosen_layout=layout, errors={"file": exc.lines})
        return self.day_page(request, day=day, key=self.days.put(day), chosen_layout=layout, shown=shown)

    async def day_file(self, request: Request):
        day = self.days.get(request.path_params["key"])
        name = request.path_params["name"]
        if day is None:
            raise HTTPException(404, "this day's handouts have expired; upload the schedule again")
        if name == "packet.pdf":
            if not day.done:
                raise HTTPException(404, "no handout was made, so there is no packet")
            if day.packet is None:  # made the first time it is asked for
                day.packet = await self.renderer.run(workers.packet, day.done, day.layout)
            name, data = day.packet[0], day.packet[1]
        elif name in day.pdfs:
            data = day.pdfs[name]
        else:
            raise HTTPException(404, "no such handout in this day")
        return Response(data, media_type="application/pdf",
                        headers={"content-disposition": f'attachment; filename="{name}"'})


async def http_error(request: Request, exc: HTTPException):
    return PlainTextResponse(str(exc.detail), exc.status_code, headers=getattr(exc, "headers", None))


async def restarted(request: Request, exc: Exception):
    return PlainTextResponse("the renderer had to restart; try again", 503)


def create_app(settings: Settings) -> Starlette:
    site = Site(settings)
    routes = [
        Route("/", site.home),
        Route("/api/procedures", site.suggestions),
        Route("/api/preview", site.preview, methods=["POST"]),
        Route("/handout.pdf", site.pdf, methods=["POST"]),
        Route("/preview/{key}/page-{page:int}.png", site.page_image),
        Route("/day", site.day),
        Route("/day", site.day_upload, methods=["POST"]),
        Route("/day/{key}/{name}", site.day_file),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        site.renderer.close()

    app = Starlette(
        routes=routes, middleware=[Middleware(Guard, settings=settings)], lifespan=lifespan,
        exception_handlers={HTTPException: http_error, workers.RendererRestarted: restarted},
    )
    app.state.site = site
    return app
