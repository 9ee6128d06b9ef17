#!/usr/bin/env python3
"""Hostile-input fixtures for tests/hostile/ (issue 7).

Small cases are committed under tests/fixtures/hostile/ (regenerate them after a schema change):

    python scripts/make_hostile_fixtures.py            # rewrite tests/fixtures/hostile/
    python scripts/make_hostile_fixtures.py --check    # exit 1 if the committed files are stale
    python scripts/make_hostile_fixtures.py --large DIR  # also write the large cases into DIR

Large cases (a 30 MB cell, 100k columns, a 16 MB line, 300k broken rows, deep JSON) are never
committed: the tests generate them into a temporary directory with `make_large(name, out_dir)`.

Every CSV case targets one table of the real package (TABLE) and is built from that table's Table
Schema: the header is the schema's field names and the valid rows come from the fields' `example`
values, so no column list is repeated here.
"""
from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
TABLE = "actors"          # the smallest table; its schema is copied from schemas/ at test time
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


# --- the valid baseline ------------------------------------------------------------------------

@dataclass
class Layout:
    schema: dict
    header: list[str]
    rows: list[list[str]]          # valid rows (lines 2, 3, 4 of the valid file)
    text: str                      # a free-text field: no enum, no pattern, not a key
    last: str                      # the last field (dropped by the 'missing column' case)

    def csv(self, rows=None, header=None, newline: str = "\n") -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator=newline)
        writer.writerow(self.header if header is None else header)
        for row in self.rows if rows is None else rows:
            writer.writerow(row)
        return buf.getvalue().encode("utf-8")

    def col(self, name: str) -> int:
        return self.header.index(name)

    def with_cell(self, row: int, field: str, value: str) -> list[list[str]]:
        """The valid rows with one cell replaced (row 0 is file line 2)."""
        rows = copy.deepcopy(self.rows)
        rows[row][self.col(field)] = value
        return rows


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def layout(root: Path = ROOT) -> Layout:
    schema = json.loads((root / "schemas" / f"{TABLE}.json").read_text(encoding="utf-8"))
    fields = schema["fields"]
    header = [f["name"] for f in fields]
    keys = set(schema.get("primaryKey", [])) | {n for k in schema.get("uniqueKeys", []) for n in k}
    keys |= {f["name"] for f in fields if f.get("constraints", {}).get("unique")}
    fk_fields = {n for fk in schema.get("foreignKeys", []) for n in fk["fields"]}
    rows = []
    for k in range(1, 4):
        row = []
        for f in fields:
            value = _text(f.get("example"))
            if f["name"] in fk_fields and not f.get("constraints", {}).get("required"):
                value = ""          # the referenced row may not exist in a one-table package
            elif f["name"] in keys and k > 1 and f.get("type", "string") == "string":
                value = f"{value}{k}"
            row.append(value)
        rows.append(row)
    pk = set(schema.get("primaryKey", []))
    text = next(f["name"] for f in fields if f.get("type", "string") == "string" and f["name"] not in pk
                and not {"enum", "pattern", "format"} & set(f.get("constraints", {})) and "format" not in f)
    return Layout(schema=schema, header=header, rows=rows, text=text, last=header[-1])


def descriptor(resources: list[dict] | None = None, **extra) -> dict:
    """A one-table package descriptor (the same shape as the real datapackage.json)."""
    desc = {
        "name": "hostile-fixture",
        "resources": resources if resources is not None else [
            {"name": TABLE, "path": f"data/{TABLE}.csv", "format": "csv", "schema": f"schemas/{TABLE}.json"}],
    }
    desc.update(extra)
    return desc


def write_mini_package(dest: Path, root: Path = ROOT, csv_bytes: bytes | None = None,
                       descriptor_bytes: bytes | None = None) -> Path:
    """A valid one-table package in `dest` (its schema copied from the real one), optionally with
    the CSV or the descriptor replaced by hostile bytes."""
    lay = layout(root)
    (dest / "data").mkdir(parents=True, exist_ok=True)
    (dest / "schemas").mkdir(parents=True, exist_ok=True)
    (dest / "schemas" / f"{TABLE}.json").write_bytes((root / "schemas" / f"{TABLE}.json").read_bytes())
    (dest / "data" / f"{TABLE}.csv").write_bytes(lay.csv() if csv_bytes is None else csv_bytes)
    if descriptor_bytes is None:
        descriptor_bytes = _json(descriptor())
    (dest / "datapackage.json").write_bytes(descriptor_bytes)
    return dest


def _json(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- CSV cases -----------------------------------------------------------------------------------

def csv_cases(lay: Layout) -> dict[str, bytes]:
    t = lay.text
    valid = lay.csv()
    lines = valid.split(b"\n")
    cases: dict[str, bytes] = {"valid.csv": valid}
    # encodings: a Latin-1 / Windows-1252 export from a spreadsheet, UTF-16 with and without a BOM
    cases["latin1.csv"] = lay.csv(lay.with_cell(1, t, "Quetta café")).decode("utf-8").encode("latin-1")
    cases["cp1252.csv"] = lay.csv(lay.with_cell(2, t, "\u201cquoted\u201d")).decode("utf-8").encode("cp1252")
    cases["utf16le_bom.csv"] = b"\xff\xfe" + valid.decode("utf-8").encode("utf-16-le")
    cases["utf16be_bom.csv"] = b"\xfe\xff" + valid.decode("utf-8").encode("utf-16-be")
    cases["utf16_nobom.csv"] = valid.decode("utf-8").encode("utf-16-le")
    cases["utf8_bom.csv"] = b"\xef\xbb\xbf" + valid
    cases["crlf.csv"] = lay.csv(newline="\r\n")
    cases["cr_only.csv"] = lay.csv(newline="\r")
    # structure
    short = copy.deepcopy(lay.rows)
    short[1] = short[1][:-2]
    cases["ragged_short.csv"] = lay.csv(short)
    long = copy.deepcopy(lay.rows)
    long[2] = long[2] + ["extra", "cells"]
    cases["ragged_long.csv"] = lay.csv(long)
    cases["unclosed_quote.csv"] = b"\n".join(lines[:2] + [lines[2].replace(b",", b',"', 1)] + lines[3:])
    cases["junk_after_quote.csv"] = lay.csv(lay.with_cell(1, t, "QUOTED")).replace(b"QUOTED", b'"quoted"junk', 1)
    cases["nul_byte.csv"] = lay.csv(lay.with_cell(1, t, "before\x00after"))
    cases["empty.csv"] = b""
    cases["blank_lines_only.csv"] = b"\n\n\n"
    cases["header_only.csv"] = lay.csv(rows=[])
    cases["header_only_no_newline.csv"] = lay.csv(rows=[]).rstrip(b"\n")
    cases["blank_row.csv"] = b"\n".join(lines[:2] + [b""] + lines[2:])
    # headers
    dup = list(lay.header)
    dup[lay.col(lay.last)] = lay.text
    cases["duplicate_header.csv"] = lay.csv(header=dup)
    cases["missing_header.csv"] = lay.csv(rows=[r[:-1] for r in lay.rows], header=lay.header[:-1])
    renamed = [h.upper() if h == t else h for h in lay.header]
    cases["renamed_header.csv"] = lay.csv(header=renamed)
    cases["no_header.csv"] = b"\n".join(lines[1:])
    cases["header_injection.csv"] = lay.csv(header=lay.header + ["x\n::error file=evil.py,line=1::pwned"],
                                            rows=[r + [""] for r in lay.rows])
    # cells
    formulas = ["=HYPERLINK(\"https://example.com\",\"click\")", "@SUM(1+1)", "+1+1", "-2+3"]
    rows = copy.deepcopy(lay.rows) + [copy.deepcopy(lay.rows[0])]
    for i, f in enumerate(formulas):
        rows[i][lay.col(t)] = f
        rows[i][0] = f"{lay.rows[0][0]}{i + 5}"
    cases["formula.csv"] = lay.csv(rows)
    cases["html.csv"] = lay.csv(lay.with_cell(1, t, "<script>alert(1)</script><img src=x onerror=alert(2)>"))
    cases["control_chars.csv"] = lay.csv(lay.with_cell(1, t, " \x1b[2J\x1b]0;pwned\x07 \u202eevil"))
    return {f"csv/{k}": v for k, v in cases.items()}


# --- descriptor and schema cases -------------------------------------------------------------------

def descriptor_cases(lay: Layout) -> dict[str, bytes]:
    base = descriptor()
    res = base["resources"][0]

    def with_res(**changes):
        r = dict(res)
        for k, v in changes.items():
            if v is None:
                r.pop(k, None)
            else:
                r[k] = v
        return _json(descriptor([r]))

    cases: dict[str, bytes] = {"valid.json": _json(base)}
    text = _json(base).decode()
    cases["malformed.json"] = text.replace('"format": "csv",', '"format": "csv",,', 1).encode()
    cases["truncated.json"] = _json(base)[:60]
    cases["not_an_object.json"] = b"[]\n"
    cases["not_utf8.json"] = _json(descriptor(title="Qu\u00e9tta")).decode().encode("latin-1")
    cases["duplicate_keys.json"] = text.replace(f'"path": "data/{TABLE}.csv",',
                                                f'"path": "data/{TABLE}.csv", "path": "../../etc/passwd",', 1).encode()
    cases["nan_constant.json"] = _json(descriptor(x_bound=1)).replace(b'"x_bound": 1', b'"x_bound": NaN')
    cases["resources_not_list.json"] = _json(descriptor(resources="data/actors.csv"))
    cases["resources_empty.json"] = _json(descriptor(resources=[]))
    cases["resource_not_object.json"] = _json(descriptor([res, "actors"]))
    cases["name_missing.json"] = with_res(name=None)
    cases["name_control_chars.json"] = with_res(name="actors\n::error::pwned")
    cases["path_number.json"] = with_res(path=42)
    cases["path_missing.json"] = with_res(path=None)
    cases["path_multipart.json"] = with_res(path=[f"data/{TABLE}.csv", f"data/{TABLE}.csv"])
    cases["path_dotdot.json"] = with_res(path=f"../../{TABLE}.csv")
    cases["path_dotdot_inside.json"] = with_res(path=f"data/../../{TABLE}.csv")
    cases["path_absolute.json"] = with_res(path="/etc/passwd")
    cases["path_windows.json"] = with_res(path="C:\\Windows\\win.ini")
    cases["path_backslash.json"] = with_res(path="data\\..\\..\\secret.csv")
    cases["path_remote.json"] = with_res(path=f"https://example.com/{TABLE}.csv")
    cases["path_file_url.json"] = with_res(path="file:///etc/passwd")
    cases["path_control_chars.json"] = with_res(path=f"data/{TABLE}.csv\n::error::pwned")
    cases["path_directory.json"] = with_res(path="data")
    cases["data_missing.json"] = with_res(path="data/nope.csv")
    cases["inline_data.json"] = with_res(path=None, data=[{"a": 1}])
    cases["format_xlsx.json"] = with_res(path=f"data/{TABLE}.xlsx", format="xlsx")
    cases["encoding_latin1.json"] = with_res(encoding="latin-1")
    cases["dialect_semicolon.json"] = with_res(dialect={"delimiter": ";"})
    cases["schema_missing.json"] = with_res(schema="schemas/nope.json")
    cases["schema_remote.json"] = with_res(schema=f"https://example.com/{TABLE}.json")
    cases["schema_dotdot.json"] = with_res(schema=f"../{TABLE}.json")
    cases["schema_number.json"] = with_res(schema=7)
    cases["schema_absent.json"] = with_res(schema=None)
    cases["resource_twice.json"] = _json(descriptor([res, dict(res)]))
    cases["unknown_properties.json"] = _json(descriptor(
        [dict(res, **{"x-reviewed-by": "someone", "weird": {"nested": [1, 2]}})], **{"x-custom": True, "zzz": None}))
    return {f"descriptor/{k}": v for k, v in cases.items()}


def schema_cases(lay: Layout) -> dict[str, bytes]:
    """Broken copies of the table's schema (a descriptor case points at one with `schema`)."""
    base = lay.schema
    cases = {}

    def mutate(name, fn):
        s = copy.deepcopy(base)
        fn(s)
        cases[name] = _json(s)

    def field(s, name):
        return next(f for f in s["fields"] if f["name"] == name)

    mutate("fields_not_list.json", lambda s: s.update(fields={"name": "x"}))
    mutate("fields_empty.json", lambda s: s.update(fields=[]))
    mutate("field_no_name.json", lambda s: s["fields"].append({"type": "string"}))
    mutate("field_twice.json", lambda s: s["fields"].append(copy.deepcopy(s["fields"][0])))
    mutate("field_bad_type.json", lambda s: field(s, lay.text).update(type="varchar"))
    mutate("constraints_not_object.json", lambda s: field(s, lay.text).update(constraints=["required"]))
    mutate("enum_not_list.json", lambda s: field(s, lay.text).setdefault("constraints", {}).update(enum="a|b"))
    mutate("max_length_string.json", lambda s: field(s, lay.text).setdefault("constraints", {}).update(maxLength="ten"))
    mutate("pattern_invalid.json", lambda s: field(s, lay.text).setdefault("constraints", {}).update(pattern="(unclosed"))
    mutate("primary_key_unknown.json", lambda s: s.update(primaryKey=["no_such_field"]))
    mutate("missing_values_not_strings.json", lambda s: s.update(missingValues=[None, 0]))
    mutate("fk_unknown_resource.json", lambda s: s.update(foreignKeys=[
        {"fields": [lay.header[0]], "reference": {"resource": "nowhere", "fields": [lay.header[0]]}}]))
    cases["malformed.json"] = _json(base)[:-20]
    return {f"schema/{k}": v for k, v in cases.items()}


# --- archive cases -------------------------------------------------------------------------------

def _zip(entries: list[tuple], method=zipfile.ZIP_DEFLATED) -> bytes:
    """entries: (name, bytes) or (ZipInfo, bytes). Deterministic (fixed timestamps)."""
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # 'Duplicate name' is the point of one case
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in entries:
                info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = method
                zf.writestr(info, data)
    return buf.getvalue()


def set_member_size(archive: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size a member's local and central headers declare (a lying zip)."""
    data = bytearray(archive)
    raw = name.encode("utf-8")
    for sig, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        i = data.find(sig)
        while i >= 0 and data[i + name_at: i + name_at + len(raw)] != raw:
            i = data.find(sig, i + 1)
        if i < 0:
            raise KeyError(name)
        struct.pack_into("<I", data, i + size_at, size)
    return bytes(data)


def archive_cases(lay: Layout) -> dict[str, bytes]:
    """Archives refused on their directory alone: the content never matters, so a placeholder
    descriptor is enough (and these files never go stale)."""
    desc = b'{"resources": []}\n'
    prefix = "balochistan-events-0.0.0/"
    ok = [(prefix + "datapackage.json", desc)]
    link = zipfile.ZipInfo(prefix + "data/link.csv", ZIP_DATE)
    link.external_attr = (0o120777 << 16)      # S_IFLNK: a symbolic link entry
    cases = {
        "zip_slip_dotdot.zip": _zip(ok + [(prefix + "../../evil.csv", b"x")]),
        "zip_slip_absolute.zip": _zip(ok + [("/tmp/evil.csv", b"x")]),
        "zip_slip_backslash.zip": _zip(ok + [(prefix + "..\\..\\evil.csv", b"x")]),
        "zip_symlink.zip": _zip(ok + [(link, b"/etc/passwd")]),
        "zip_duplicate.zip": _zip(ok + [(prefix + "data/a.csv", b"1"), (prefix + "data/a.csv", b"2")]),
        "zip_bomb.zip": _zip(ok + [(prefix + "data/a.csv", b"\0" * (16 * 1024 * 1024))]),
        "zip_no_descriptor.zip": _zip([(prefix + "data/a.csv", b"x")]),
        "not_a_zip.zip": b"PK\x03\x04 this is not really a zip archive\n" * 4,
        "empty.zip": b"",
    }
    good = _zip(ok)
    cases["zip_truncated.zip"] = good[: len(good) // 2]
    # flip a byte of the compressed descriptor: the member's CRC no longer matches
    stored = _zip(ok, method=zipfile.ZIP_STORED)
    at = stored.index(desc)
    cases["zip_bad_crc.zip"] = stored[:at] + b"[" + stored[at + 1:]
    # mark the member as encrypted (general-purpose flag bit 0) in both headers
    enc = bytearray(stored)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = enc.index(sig)
        flags = struct.unpack_from("<H", enc, i + off)[0] | 1
        struct.pack_into("<H", enc, i + off, flags)
    cases["zip_encrypted.zip"] = bytes(enc)
    # a member whose headers claim 3 GiB: refused from the directory, before anything is inflated
    huge = _zip(ok + [(prefix + "data/a.csv", b"0123456789")], method=zipfile.ZIP_STORED)
    cases["zip_declared_huge.zip"] = set_member_size(huge, prefix + "data/a.csv", 3 * 1024**3)
    return {f"zip/{k}": v for k, v in cases.items()}


def small_cases(root: Path = ROOT) -> dict[str, bytes]:
    lay = layout(root)
    out = {}
    for fn in (csv_cases, descriptor_cases, schema_cases, archive_cases):
        out.update(fn(lay))
    return out


# --- cases built at test time (large, or needing the real schema inside an archive) ---------------

def release_zip(pkg_dir: Path, dest: Path, extra: dict[str, bytes] | None = None, prefix="balochistan-events-0.0.0/") -> Path:
    """Zip a package directory as a release would (one top folder), plus extra members."""
    entries = [(prefix + str(p.relative_to(pkg_dir)), p.read_bytes()) for p in sorted(pkg_dir.rglob("*")) if p.is_file()]
    entries += [(prefix + k, v) for k, v in (extra or {}).items()]
    dest.write_bytes(_zip(entries))
    return dest


def parquet_bytes(lay: Layout, mutate: str | None = None) -> bytes:
    """The table's rows as Parquet with the Arrow schema derived from the Table Schema; `mutate`
    breaks it: drop_column, extra_column, wrong_type, reorder, corrupt."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from balochistan_events.package.descriptor import Resource
    from balochistan_events.package.fieldtypes import arrow_schema, parse

    res = Resource(name=TABLE, path=f"data/{TABLE}.csv", schema=copy.deepcopy(lay.schema), schema_path=None, descriptor={})
    schema = arrow_schema(res)
    arrays = []
    for i, f in enumerate(res.fields):
        typed, _ = parse(pa.array([r[i] for r in lay.rows], pa.string()), f, [""])
        arrays.append(typed.cast(schema.field(i).type))
    table = pa.Table.from_arrays(arrays, schema=schema.remove_metadata())
    if mutate == "drop_column":
        table = table.drop_columns([lay.last])
    elif mutate == "extra_column":
        table = table.append_column("injected", pa.array(["x"] * table.num_rows))
    elif mutate == "wrong_type":
        i = table.schema.get_field_index(lay.text)
        table = table.set_column(i, lay.text, pa.array(list(range(table.num_rows)), pa.int64()))
    elif mutate == "reorder":
        table = table.select(list(reversed(table.column_names)))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    data = buf.getvalue()
    if mutate == "corrupt":
        data = data[:4] + bytes(b ^ 0x5A for b in data[4:len(data) // 2]) + data[len(data) // 2:]
    elif mutate == "truncated":
        data = data[: len(data) // 2]
    return data


def make_large(name: str, out_dir: Path, root: Path = ROOT) -> Path:
    """Write one large case into out_dir and return its path (CSV cases replace the table's file)."""
    lay = layout(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    t = lay.col(lay.text)
    if name == "big_field_30mb.csv":
        # a single 30 MB cell on line 3, as an attacker or a broken export might produce
        with open(path, "wb") as fh:
            fh.write(lay.csv(rows=lay.rows[:1]))
            row = list(lay.rows[1])
            row[t] = "A" * (30 * 1024 * 1024)
            fh.write(lay.csv(rows=[row]).split(b"\n", 1)[1])
            fh.write(lay.csv(rows=lay.rows[2:]).split(b"\n", 1)[1])
    elif name == "columns_100k.csv":
        extra = [f"c{i}" for i in range(100_000)]
        path.write_bytes(lay.csv(header=lay.header + extra, rows=[r + [""] * len(extra) for r in lay.rows]))
    elif name == "long_line_16mb.csv":
        # line 3 is 16 MB of commas: a ragged row two million fields wide
        path.write_bytes(lay.csv(rows=lay.rows[:1]) + b"x," * (8 * 1024 * 1024) + b"x\n"
                         + lay.csv(rows=lay.rows[2:]).split(b"\n", 1)[1])
    elif name == "many_bad_rows.csv":
        # 300k ragged rows, then 300k blank lines: output and memory must stay bounded
        path.write_bytes(lay.csv(rows=lay.rows) + b"a,b\n" * 300_000 + b"\n" * 300_000)
    elif name == "many_type_errors.csv":
        # 100k rows whose every typed cell is wrong: validation counts them all, lists a few
        rows = []
        for i in range(100_000):
            row = list(lay.rows[0])
            row[0] = f"{row[0]}{i}"
            row[lay.col(lay.text)] = f"{row[lay.col(lay.text)]} {i}"
            for j, f in enumerate(lay.schema["fields"]):
                if f.get("type", "string") not in ("string", "any"):
                    row[j] = "not-a-value"
            rows.append(row)
        path.write_bytes(lay.csv(rows=rows))
    elif name == "deep_nesting.json":
        path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    elif name == "huge_descriptor.json":
        with open(path, "wb") as fh:
            fh.write(b'{"resources": [], "padding": "')
            fh.write(b"x" * (40 * 1024 * 1024))
            fh.write(b'"}')
    elif name == "zip_too_many_entries.zip":
        entries = [("balochistan-events-0.0.0/datapackage.json", b"{}")]
        entries += [(f"balochistan-events-0.0.0/f{i}", b"") for i in range(10_001)]
        path.write_bytes(_zip(entries, method=zipfile.ZIP_STORED))
    else:
        raise KeyError(name)
    return path


LARGE = ["big_field_30mb.csv", "columns_100k.csv", "long_line_16mb.csv", "many_bad_rows.csv",
         "many_type_errors.csv", "deep_nesting.json", "huge_descriptor.json", "zip_too_many_entries.zip"]


# --- command line ---------------------------------------------------------------------------------

def stale(out: Path = FIXTURES, root: Path = ROOT) -> list[str]:
    """Committed fixture files that differ from what the current schemas produce (or are extra)."""
    want = small_cases(root)
    have = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "README.md"}
    return sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed fixtures are stale")
    ap.add_argument("--large", metavar="DIR", help="also write the large cases into DIR")
    ap.add_argument("--out", default=str(FIXTURES), help="where the small fixtures go")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.check:
        diff = stale(out)
        for k in diff:
            print(f"stale: {k}")
        return 1 if diff else 0
    for p in out.rglob("*"):
        if p.is_file() and p.name != "README.md":
            p.unlink()
    for rel, data in small_cases().items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    print(f"wrote {len(small_cases())} small fixtures to {out}")
    if args.large:
        for name in LARGE:
            print(make_large(name, Path(args.large)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
