"""Reading one CSV file into string columns with their file line numbers.

Fast path: pyarrow reads every column as text. If anything about the file is irregular (bad UTF-8,
NUL bytes, ragged or blank rows, quoted newlines, text after a closing quote, a field too large for
pyarrow's blocks), we re-read it with Python's csv module, which is slower but knows every record's
line, so each problem is reported exactly where a contributor's editor will show it: line and column.

Every file is untrusted (pull requests come from strangers): the reader bounds what it keeps (cell
size, column count, problems per rule) so that no input can flood memory or the output.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from balochistan_events.errors import Problem
from balochistan_events.validation.problems import Code, Severity

MAX_FIELD_BYTES = 64 * 1024 * 1024  # the careful reader refuses cells larger than this outright
MAX_CELL_BYTES = 1024 * 1024        # larger cells are reported (the longest real text is a few KB)
MAX_COLUMNS = 2048                  # wider files are not read (the widest schema has ~25 fields)
MAX_PROBLEMS_PER_RULE = 1000        # per file; the rest are counted in one summary problem
_BOMS = {b"\xff\xfe": "UTF-16 (little-endian)", b"\xfe\xff": "UTF-16 (big-endian)"}
_CONTROL_TEXT = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}]"        # RE2 syntax (pyarrow.compute)
_BIDI_TEXT = r"[\x{202a}-\x{202e}\x{2066}-\x{2069}]"
_LINE_BREAK = r"[\r\n]"

# header, one string array per header cell, 1-based file line of each row
_Read = tuple[list[str], list[pa.Array], npt.NDArray[np.int64]]


@dataclass
class RawTable:
    header: list[str]
    columns: dict[str, pa.Array]            # first occurrence of each header name -> string array
    lines: npt.NDArray[np.int64]             # 1-based file line of each kept row
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True

    @property
    def num_rows(self) -> int:
        return len(self.lines)


class _Problems:
    """Collects problems for one file, keeping at most MAX_PROBLEMS_PER_RULE per rule."""

    def __init__(self, table: str, file: str) -> None:
        self.table, self.file = table, file
        self.items: list[Problem] = []
        self.counts: dict[Code, int] = {}

    def __call__(self, line: int | None, code: Code, message: str, value: str | None = None,
                 severity: Severity | None = None, field: str | None = None, hint: str | None = None) -> None:
        n = self.counts[code] = self.counts.get(code, 0) + 1
        if n <= MAX_PROBLEMS_PER_RULE:
            self.items.append(Problem(self.table, self.file, line, field, code, message, value,
                                      severity or code.severity, hint))

    def finish(self) -> list[Problem]:
        summaries: list[Problem] = []
        for rule, n in self.counts.items():
            if n > MAX_PROBLEMS_PER_RULE:
                severity = next(p.severity for p in self.items if p.rule == rule)
                summaries.append(Problem(self.table, self.file, None, None, rule,
                                          f"… and {n - MAX_PROBLEMS_PER_RULE} more problem(s) of this kind in this file "
                                          f"({n} in all; only the first {MAX_PROBLEMS_PER_RULE} are listed)", None, severity))
        if summaries:
            # near the top, after the first located error: readers that stop at the first error still
            # get a line to go to, and a cap on the report's listing keeps the counts
            at = next((i for i, p in enumerate(self.items) if p.severity == "error"), 0) + 1
            self.items[at:at] = summaries
        return self.items


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_csv_bytes(data: bytes, table: str, file: str) -> RawTable:
    problem = _Problems(table, file)
    empty = RawTable([], {}, np.zeros(0, dtype=np.int64), problem.items, readable=False)

    def unreadable() -> RawTable:
        empty.problems = problem.finish()
        return empty

    for bom, name in _BOMS.items():
        if data.startswith(bom):
            problem(1, Code.ENCODING, f"file is {name}, not UTF-8", hint=Code.ENCODING.hint)
            return unreadable()
    if data.startswith(b"\xef\xbb\xbf"):
        problem(1, Code.ENCODING, "file starts with a UTF-8 byte-order mark (BOM)", severity="warning",
                hint="save as UTF-8 without BOM; some tools read the BOM into the first column name")
        data = data[3:]
    if not data or data.isspace():
        problem(1, Code.EMPTY_FILE, "file is empty: expected a header row", hint=Code.EMPTY_FILE.hint)
        return unreadable()
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 8:
        problem(_line_of_offset(data, data.find(b"\x00")), Code.ENCODING,
                "file is full of NUL bytes: binary data, or UTF-16 without a byte-order mark",
                hint="save the file as UTF-8 text")
        return unreadable()
    nl = data.find(b"\n")
    first = data if nl < 0 else data[:nl]
    width = _width(first)
    if width > MAX_COLUMNS:
        _line_endings(data, problem)
        problem(1, Code.TOO_MANY_COLUMNS, f"header has {width} columns; at most {MAX_COLUMNS} are read",
                value=first[:80].decode("utf-8", "replace"), hint=Code.TOO_MANY_COLUMNS.hint)
        return unreadable()
    scan = _scan(data)
    fast = _read_fast(data, width, scan.newlines) if _fast_path_ok(data, scan) else None
    if fast is not None:
        header, columns, lines = fast
    else:
        slow = _read_careful(data, problem)
        if slow is None:
            _line_endings(data, problem)
            return unreadable()
        header, columns, lines = slow
    _line_endings(data, problem, header, columns, scan.carriage_returns)
    _check_cells(data, header, columns, lines, problem, scan, breaks=fast is None and b'"' in data)
    first_of: dict[str, pa.Array] = {}
    for name, col in zip(header, columns, strict=False):
        first_of.setdefault(name, col)
    return RawTable(header, first_of, lines, problem.finish())


def _line_endings(data: bytes, problem: _Problems, header: list[str] | None = None,
                  columns: list[pa.Array] | None = None, carriage_returns: int = 0) -> None:
    """Warn about CRLF or CR line endings, unless every CR of the file is inside a quoted cell (which
    is a `line_break` error of its own, not a line ending)."""
    if b"\r" not in data:
        return
    if header is not None and columns is not None:
        import pyarrow.compute as pc

        in_cells = sum(h.count("\r") for h in header) + sum(int(pc.sum(pc.count_substring(c, "\r")).as_py() or 0)
                                                            for c in columns if len(c))
        if in_cells == carriage_returns:
            return
    crlf = data.find(b"\r\n")
    if crlf >= 0:
        problem(_line_of_offset(data, crlf), Code.LINE_ENDINGS, "file uses CRLF line endings", hint=Code.LINE_ENDINGS.hint)
    else:
        problem(_line_of_offset(data, data.find(b"\r")), Code.LINE_ENDINGS, "file uses CR (old Mac) line endings",
                hint="use LF line endings")


def _fast_path_ok(data: bytes, scan: _ByteScan) -> bool:
    """False for irregularities pyarrow would read silently, or with the wrong line numbers: NUL
    bytes, CR line ends, blank lines, and a quote with text on both sides (`"a"b`: text after a
    closing quote, which pyarrow glues onto the value; valid quoting never has one)."""
    return not (b"\x00" in data or scan.carriage_returns or data.startswith(b"\n") or scan.blank_line
                or scan.glued_quote)


@dataclass
class _ByteScan:
    newlines: int               # LF bytes
    carriage_returns: int       # CR bytes
    blank_line: bool            # LF LF somewhere
    glued_quote: bool           # a quote with text on both sides
    controls: bool              # a byte below 0x20 other than tab, LF and CR, or DEL (0x7F)


SCAN_STEP = 1 << 20     # 1 MiB slices: each test runs over data still in the CPU cache, and no
                        # temporary is file-sized (a 1.1 GB claims.csv made 1.1 GB boolean masks)


def _scan(data: bytes) -> _ByteScan:
    """Everything the reader asks of the raw bytes, in one pass of 1 MiB slices: line feeds and carriage
    returns counted, blank lines, glued quotes and control bytes found. Each slice is seen with one byte
    of its neighbours, so a pair across a boundary is not missed."""
    a = np.frombuffer(data, dtype=np.uint8)
    n = len(a)
    newlines = crs = 0
    blank = glued = controls = False
    for i in range(0, n, SCAN_STEP):
        j = min(i + SCAN_STEP, n)
        lo = max(i - 1, 0)
        window = a[lo:min(j + 1, n)]
        body = window[i - lo:j - lo]
        lf = body == 0x0A
        lfs = int(np.count_nonzero(lf))
        newlines += lfs
        low = int(np.count_nonzero(body < 0x20))
        if low:
            cr = int(np.count_nonzero(body == 0x0D))
            crs += cr
            controls = controls or low != lfs + cr + int(np.count_nonzero(body == 0x09))
        controls = controls or bool((body == 0x7F).any())
        if not blank:
            wl = window == 0x0A
            blank = bool((wl[1:] & wl[:-1]).any())
        if not glued:
            glued = _glued_quote(window, i - lo, j - lo, lo, n)
    return _ByteScan(newlines, crs, blank, glued, controls)


def _glued_quote(window: np.ndarray, start: int, stop: int, offset: int, n: int) -> bool:
    """Is a quote in window[start:stop] (file position offset + k, neither first nor last byte of the
    file) between two bytes that are neither comma, quote, LF nor CR?"""
    q = np.flatnonzero(window[start:stop] == 0x22) + start
    q = q[(q + offset > 0) & (q + offset < n - 1)]
    if not len(q):
        return False
    before, after = window[q - 1], window[q + 1]
    plain = lambda x: (x != 0x2C) & (x != 0x0A) & (x != 0x0D) & (x != 0x22)  # noqa: E731
    return bool((plain(before) & plain(after)).any())


def _has_controls(data: bytes, scan: _ByteScan) -> bool:
    """Any C0/C1 control character (tab, CR, LF aside) or bidi override, in UTF-8 bytes? A
    vectorised pre-scan, so clean files (nearly all) skip the per-column search."""
    if scan.controls:
        return True
    a = np.frombuffer(data, dtype=np.uint8)
    check_c2, check_e2 = b"\xc2" in data, b"\xe2" in data       # memchr: usually both absent
    step = SCAN_STEP
    for start in range(0, len(a) if (check_c2 or check_e2) else 0, step):
        chunk = a[start:start + step + 2]                         # 2 bytes of overlap for sequences
        head = chunk[:step]
        if check_c2:
            i = np.flatnonzero(head == 0xC2)
            i = i[i + 1 < len(chunk)]
            if ((chunk[i + 1] >= 0x80) & (chunk[i + 1] <= 0x9F)).any():
                return True
        if check_e2:
            i = np.flatnonzero(head == 0xE2)
            i = i[i + 2 < len(chunk)]
            b1, b2 = chunk[i + 1], chunk[i + 2]
            if (((b1 == 0x80) & (b2 >= 0xAA) & (b2 <= 0xAE)) | ((b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9))).any():
                return True
    return False


def _width(first_line: bytes) -> int:
    try:
        return len(next(csv.reader([first_line.decode("utf-8", "replace").rstrip("\r")])))
    except (csv.Error, StopIteration):
        return 1


def _read_fast(data: bytes, width: int, newlines: int) -> _Read | None:
    """pyarrow read; None when the file needs the careful path. `newlines`: the file's LF count."""
    import pyarrow.csv as pacsv

    try:
        # no invalid_row_handler: pyarrow decodes a bad row's text to call it, and a row that is not
        # UTF-8 would raise inside the callback (printed as an "Exception ignored" traceback). A ragged
        # row raises ArrowInvalid instead, and the careful reader reports it.
        tbl = pacsv.read_csv(
            pa.BufferReader(data),  # zero-copy: no Python-level reads of the bytes
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 column_types={f"f{i}": pa.string() for i in range(max(width, 1) + 64)}),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, OverflowError, MemoryError):
        return None
    if tbl.num_rows == 0 or tbl.num_columns != width:
        return None
    newlines += 0 if data.endswith(b"\n") else 1
    if newlines != tbl.num_rows:  # quoted newlines or blank lines: line numbers need the careful path
        return None
    n_rows = tbl.num_rows
    chunked = tbl.columns
    del tbl
    header: list[str] = []
    columns: list[pa.Array] = []
    for k in range(len(chunked)):
        col, chunked[k] = chunked[k], None
        # one column at a time, dropping its chunks as we go: never a second copy of the whole table
        arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        del col
        header.append(arr[0].as_py())
        columns.append(arr.slice(1))
    lines = np.arange(2, n_rows + 1, dtype=np.int64)
    return header, columns, lines


def _read_careful(data: bytes, problem: _Problems) -> _Read | None:
    # Undecodable bytes become lone surrogates, so each one can be reported in its line and column.
    text = data.decode("utf-8", "surrogateescape")
    bad_text = re.compile("[\udc80-\udcff\x00]")
    check_cells = bad_text.search(text) is not None
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_BYTES)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        start = 1
        try:
            for record in reader:
                line = start
                start = reader.line_num + 1
                if check_cells:
                    record = _clean_cells(record, header, line, bad_text, problem)
                if header is None:
                    header = record
                    continue
                if not record or (len(record) == 1 and record[0] == "" and len(header) > 1):
                    problem(line, Code.BLANK_ROW, "blank row", hint=Code.BLANK_ROW.hint)
                    continue
                if len(record) != len(header):
                    missing = header[len(record)] if len(record) < len(header) else None
                    problem(line, Code.RAGGED_ROW, f"row has {len(record)} fields, the header has {len(header)}",
                            value=",".join(record[:20])[:80], field=missing,
                            hint=Code.RAGGED_ROW.hint)
                    continue
                rows.append(record)
                lines.append(line)
        except csv.Error as exc:
            problem(start, Code.CSV_SYNTAX, f"CSV syntax error: {exc}", hint=Code.CSV_SYNTAX.hint)
            return None
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        problem(1, Code.EMPTY_FILE, "file has no header row")
        return None
    if problem.counts.get(Code.ENCODING):
        return None     # cells were not text: nothing read from this file can be trusted or compared
    columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(len(header))]
    return header, columns, np.asarray(lines, dtype=np.int64)


def _clean_cells(record: list[str], header: list[str] | None, line: int, bad_text: re.Pattern[str],
                 problem: _Problems) -> list[str]:
    """Report cells with bytes that are not UTF-8 or NUL, and make them printable (U+FFFD)."""
    out: list[str] = []
    for i, cell in enumerate(record):
        m = bad_text.search(cell)
        if m is None:
            out.append(cell)
            continue
        name = header[i] if header is not None and i < len(header) else None
        if m.group() == "\x00":
            problem(line, Code.ENCODING, "cell contains a NUL byte", field=name, hint="remove it; save the file as UTF-8 text")
        else:
            byte = ord(m.group()) - 0xDC00
            problem(line, Code.ENCODING, f"byte 0x{byte:02x} is not valid UTF-8 (the file is probably Latin-1 or Windows-1252)",
                    field=name, value=cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                    hint="save the file as UTF-8")
        out.append(cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "\ufffd"))
    return out


def _check_cells(data: bytes, header: list[str], columns: list[pa.Array], lines: npt.NDArray[np.int64],
                 problem: _Problems, scan: _ByteScan, breaks: bool = False) -> None:
    """Oversized cells, line breaks inside cells (only possible in quoted cells, so `breaks` is set only
    for files that have quotes and took the careful path) and control characters, column by column
    (vectorised)."""
    import pyarrow.compute as pc

    scan_controls = _has_controls(data, scan)
    for name, col in zip(header, columns, strict=False):
        if not len(col):
            continue
        sizes = pc.binary_length(col)
        if pc.max(sizes).as_py() > MAX_CELL_BYTES:
            for i in np.flatnonzero(np.asarray(pc.greater(sizes, MAX_CELL_BYTES).to_numpy(zero_copy_only=False))):
                problem(int(lines[i]), Code.CELL_TOO_LARGE, f"cell is {sizes[int(i)].as_py()} bytes; at most "
                        f"{MAX_CELL_BYTES} are allowed", field=name, value=col[int(i)].as_py()[:80],
                        hint=Code.CELL_TOO_LARGE.hint)
        checks = [(_LINE_BREAK, Code.LINE_BREAK, "cell contains a line break (CR or LF)")] if breaks else []
        if scan_controls:
            checks += [(_CONTROL_TEXT, Code.CONTROL_CHARACTER, "cell contains a control character (escape sequence?)"),
                       (_BIDI_TEXT, Code.BIDI_CONTROL, "cell contains a Unicode direction override, which makes "
                                                       "text display differently from what it is")]
        for pattern, code, message in checks:
            mask = pc.fill_null(pc.match_substring_regex(col, pattern), False)
            if not pc.any(mask).as_py():
                continue
            for i in np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False))):
                problem(int(lines[i]), code, message, field=name, value=col[int(i)].as_py(), hint=code.hint)
