"""`handouts serve`: a web page for the front desk, on top of the same pipeline as the CLI.

Imported only by the `serve` command (Starlette, uvicorn and python-multipart load here, never at the
CLI's start-up). Modules: config (address, secret, limits), guard (security middleware), content (the
project, reloaded when its files change), handout (the handout form), day (a day's schedule), store
(recent PDFs in memory), workers (render processes), server (start-up), app (routes); templates/
and static/ (one CSS and one JS file) ship in the package.

The live preview shows the pages as PNG images (pypdfium2, 60 dpi) rather than an <embed> of the PDF:
an image works under the strict Content-Security-Policy (img-src 'self'; an embedded PDF needs
object-src and the browser's PDF plug-in, which headless, locked-down or older browsers lack), it
needs no patient data in a URL (the images sit under a random id in memory), and every browser shows
it the same way. Download and Print send the PDF itself.
"""
