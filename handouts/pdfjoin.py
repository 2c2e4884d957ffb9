"""Join PDFs into one, streaming: each document's objects are written out as soon as they are read.

pypdf's PdfWriter keeps every page of the result in memory until it writes; a day's packet of 10,000
handouts would need gigabytes. Here memory holds one input document at a time, plus a number per
object (its offset in the file) and per page.
"""

from __future__ import annotations

from array import array
from typing import IO, Any

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_CATALOG, _PAGES = 1, 2  # object numbers reserved for the document catalog and the page tree


class PdfJoiner:
    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.offsets = array("Q", [0, 0, 0])  # by object number; 0 is the free-list head
        self.kids = array("Q")
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

    def add_blank(self, width: float, height: float) -> None:
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            FloatObject,
            IndirectObject,
            NameObject,
        )

        page = DictionaryObject({
            NameObject("/Type"): NameObject("/Page"),
            NameObject("/Parent"): IndirectObject(_PAGES, 0, None),
            NameObject("/MediaBox"): ArrayObject(FloatObject(n) for n in (0, 0, width, height)),
            NameObject("/Resources"): DictionaryObject(),
        })
        number = self._number()
        self._write(number, page)
        self.kids.append(number)

    def finish(self, info: dict[str, str]) -> None:
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            TextStringObject,
        )

        self._write(_PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(IndirectObject(kid, 0, None) for kid in self.kids),
            NameObject("/Count"): NumberObject(len(self.kids)),
        }))
        self._write(_CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(_PAGES, 0, None),
        }))
        info_number = self._number()
        self._write(info_number, DictionaryObject(
            {NameObject(key): TextStringObject(value) for key, value in info.items()}
        ))
        start = self.handle.tell()
        self.handle.write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for offset in self.offsets[1:]:
            self.handle.write(b"%010d 00000 n \n" % offset)
        self.handle.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {_CATALOG} 0 R /Info {info_number} 0 R >>\n"
            f"startxref\n{start}\n%%EOF\n".encode()
        )


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
