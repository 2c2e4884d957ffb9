"""Join PDFs into one, streaming: each document's objects are written out as soon as they are read.

pypdf's PdfWriter keeps every page of the result in memory until it writes; a day's packet of 10,000
handouts would need gigabytes. Here memory holds one input document at a time, plus a number per
object (its offset in the file) and per page.
"""

from __future__ import annotations

import re
from array import array
from typing import IO, Any

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_CATALOG, _PAGES = 1, 2  # object numbers reserved for the document catalog and the page tree


class PdfJoiner:
    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.offsets = array("Q", [0, 0, 0])  # by object number; 0 is the free-list head
        self.kids = array("Q")
        self.last_size = (612.0, 792.0)  # the last page added by add_pdf: a blank sheet after it matches it
        handle.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return len(self.kids)

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _write(self, number: int, obj: Any) -> None:
        self.offsets[number] = self.handle.tell()
        self.handle.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.handle)
        self.handle.write(b"\nendobj\n")

    def add_pdf(self, data: bytes) -> int:
        """Append every page of a PDF in memory; returns its page count. The PDFs this tool makes are
        copied object by object without pypdf (a tenth of the cost); any other goes through pypdf."""
        try:
            pages, objects, self.last_size = _Simple(data).copy(first_number=len(self.offsets), parent=_PAGES)
        except (_Unsupported, ValueError, IndexError):
            import io

            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            box = reader.pages[-1].mediabox
            self.last_size = (float(box.width), float(box.height))
            return self.add(reader)
        for number, body in objects:  # numbered in order from first_number
            self.offsets.append(self.handle.tell())
            self.handle.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        self.kids.extend(pages)
        return len(pages)

    def add(self, reader) -> int:
        """Append every page of a pypdf PdfReader; returns its page count."""
        from pypdf.generic import IndirectObject, NameObject

        numbers: dict[int, int] = {}
        queue: list[Any] = []

        def ref(reference) -> IndirectObject:
            if reference.idnum not in numbers:
                numbers[reference.idnum] = self._number()
                queue.append(reference)
            return IndirectObject(numbers[reference.idnum], 0, None)

        pages = list(reader.pages)
        page_ids = set()
        for page in pages:
            self.kids.append(ref(page.indirect_reference).idnum)
            page_ids.add(page.indirect_reference.idnum)
        while queue:
            reference = queue.pop()
            obj = reference.get_object()
            copy = _copy(obj, ref)
            if reference.idnum in page_ids:
                # The page leaves its own page tree behind: it joins ours, with what it inherited.
                for key in _INHERITED:
                    if key not in obj:
                        inherited = _inherited(obj, key)
                        if inherited is not None:
                            copy[NameObject(key)] = _copy(inherited, ref)
                copy[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)
            self._write(numbers[reference.idnum], copy)
        # The reader's cache and its objects refer to each other; emptied, they go as soon as the caller
        # drops the reader instead of waiting for the cyclic garbage collector.
        reader.resolved_objects.clear()
        reader.flattened_pages = None
        return len(pages)

    def _write_raw(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.handle.tell()
        self.handle.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def add_blank(self, width: float, height: float) -> None:
        number = self._number()
        self._write_raw(number, b"<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 %s %s ] /Resources << >> >>" % (
            _PAGES, _real(width), _real(height)))
        self.kids.append(number)

    def finish(self, info: dict[str, str]) -> None:
        kids = b" ".join(b"%d 0 R" % kid for kid in self.kids)
        self._write_raw(_PAGES, b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(self.kids)))
        self._write_raw(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGES)
        info_number = self._number()
        entries = b" ".join(b"/%s %s" % (key.lstrip("/").encode("ascii"), _text(value)) for key, value in info.items())
        self._write_raw(info_number, b"<< %s >>" % entries)
        start = self.handle.tell()
        self.handle.write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for offset in self.offsets[1:]:
            self.handle.write(b"%010d 00000 n \n" % offset)
        self.handle.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {_CATALOG} 0 R /Info {info_number} 0 R >>\n"
            f"startxref\n{start}\n%%EOF\n".encode()
        )


def _real(value: float) -> bytes:
    return (b"%.4f" % value).rstrip(b"0").rstrip(b".")


def _text(value: str) -> bytes:
    """A PDF text string in UTF-16 (any language, and nothing in it can end the string early)."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _copy(obj: Any, ref) -> Any:
    """`obj` with every indirect reference renumbered (through `ref`), streams with their data."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        StreamObject,
    )

    if isinstance(obj, IndirectObject):
        return ref(obj)
    if isinstance(obj, StreamObject):
        copy = type(obj)()
        copy._data = obj._data  # the encoded bytes, as read: nothing is decoded or compressed again
        copy.update({NameObject(key): _copy(value, ref) for key, value in obj.items() if key != "/Length"})
        return copy
    if isinstance(obj, DictionaryObject):
        # A page's (or page tree node's) parent is the old page tree: never followed, replaced by ours.
        tree = obj.get("/Type") in ("/Page", "/Pages")
        return DictionaryObject(
            {NameObject(key): _copy(value, ref) for key, value in obj.items() if not (tree and key == "/Parent")}
        )
    if isinstance(obj, ArrayObject):
        return ArrayObject(_copy(value, ref) for value in obj)
    return obj


def _inherited(page: Any, key: str) -> Any:
    node = page.get("/Parent")
    for _ in range(64):  # a page tree is shallow; a loop in a damaged one must not hang
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


class _Unsupported(Exception):
    """A PDF not of the simple shape ReportLab writes; pypdf joins it instead."""


_REF = re.compile(rb"(\d+) 0 R(?![A-Za-z0-9])")
_PARENT = re.compile(rb"/Parent \d+ 0 R")
_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_LENGTH = re.compile(rb"/Length (\d+)(?![\d ]*0 R)")


class _Simple:
    """A PDF with a classic cross-reference table, a flat page tree, pages that carry their own
    resources and size, streams with a direct length and no strings in what the pages refer to: the
    shape ReportLab writes. Anything else raises _Unsupported."""

    def __init__(self, data: bytes):
        self.data = data
        tail = data[-1024:]
        start = tail.rfind(b"startxref")
        if start < 0:
            raise _Unsupported
        xref = int(tail[start + 9:].split()[0])
        if data[xref:xref + 4] != b"xref":
            raise _Unsupported
        lines = data[xref:data.index(b"trailer", xref)].split(b"\n")
        first, count = (int(n) for n in lines[1].split())
        if first != 0 or len(lines) < count + 2:
            raise _Unsupported
        self.offsets = [int(line[:10]) if line[17:18] == b"n" else None for line in lines[2:count + 2]]
        trailer = data[data.index(b"trailer", xref):]
        root = re.search(rb"/Root (\d+) 0 R", trailer)
        if root is None:
            raise _Unsupported
        self.root = int(root.group(1))

    def object(self, number: int) -> tuple[bytes, bytes]:
        """(the object up to any stream, the stream with its keywords or b"")."""
        if not 0 < number < len(self.offsets) or self.offsets[number] is None:
            raise _Unsupported
        start = self.offsets[number]
        match = _OBJECT.match(self.data, start)
        if match is None or int(match.group(1)) != number:
            raise _Unsupported
        body = match.end()
        end = self.data.find(b"endobj", body)
        if end < 0:
            raise _Unsupported
        stream = self.data.find(b"stream", body, end)
        if stream < 0:
            head, tail = self.data[body:end].rstrip(), b""
        else:
            head = self.data[body:stream].rstrip()
            length = _LENGTH.search(head)
            if length is None:
                raise _Unsupported
            data_start = stream + 6 + (2 if self.data[stream + 6:stream + 8] == b"\r\n" else 1)
            data_end = data_start + int(length.group(1))
            if self.data[data_end:data_end + 20].strip()[:9] != b"endstream":
                raise _Unsupported
            tail = b"\nstream\n" + self.data[data_start:data_end] + b"\nendstream"
        return head, tail

    def pages(self) -> list[int]:
        catalog, _ = self.object(self.root)
        tree = re.search(rb"/Pages (\d+) 0 R", catalog)
        if tree is None:
            raise _Unsupported
        node, _ = self.object(int(tree.group(1)))
        kids = re.search(rb"/Kids \[([\d R\s]*)\]", node)
        if kids is None:
            raise _Unsupported
        return [int(n) for n in re.findall(rb"(\d+) 0 R", kids.group(1))]

    def copy(self, first_number: int, parent: int):
        """(the pages' new numbers, [(new number, object)] in order, the last page's size): every object
        the pages refer to,
        renumbered from `first_number`, each page's parent made `parent`. Nothing is written until all
        of it has been read, so a surprise half-way leaves the joined file as it was."""
        numbers: dict[int, int] = {}
        queue: list[int] = []

        def number(old: int) -> int:
            if old not in numbers:
                numbers[old] = first_number + len(numbers)
                queue.append(old)
            return numbers[old]

        def ref(match: re.Match) -> bytes:
            return b"%d 0 R" % number(int(match.group(1)))

        pages = self.pages()
        new_pages = [number(page) for page in pages]
        page_set = set(pages)
        bodies: dict[int, bytes] = {}
        size = None
        while queue:
            old = queue.pop()
            head, tail = self.object(old)
            if b"(" in head or b"%" in head:
                raise _Unsupported  # strings and comments would need a real tokenizer; our pages have none
            if old in page_set:
                if not re.search(rb"/Type /Page(?![s\w])", head) or b"/Resources" not in head or b"/MediaBox" not in head:
                    raise _Unsupported  # a page tree node, or a page that inherits from one
                if old == pages[-1]:
                    box = re.search(rb"/MediaBox \[ *([-\d.]+) +([-\d.]+) +([-\d.]+) +([-\d.]+) *\]", head)
                    if box is None:
                        raise _Unsupported
                    x0, y0, x1, y1 = (float(v) for v in box.groups())
                    size = (x1 - x0, y1 - y0)
                # The page joins the new page tree; the old tree stays behind.
                head = _PARENT.sub(b"/Parent -", head)
            head = _REF.sub(ref, head).replace(b"/Parent -", b"/Parent %d 0 R" % parent)
            bodies[numbers[old]] = head + tail
        return new_pages, sorted(bodies.items()), size
