"""`handouts serve`: a web page for the front desk, on top of the same pipeline as the CLI.

Imported only by the `serve` command (Starlette, uvicorn and python-multipart load here, never at the
CLI's start-up). Modules: config (address, secret, limits), guard (security middleware), content (the
project, reloaded when its files change), handout (the handout form), day (a day's schedule), store
(recent PDFs in memory), pages (HTML), app (routes).
"""
