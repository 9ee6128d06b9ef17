"""Issue 7.2: hostile descriptors and schemas. Each case: exit 2 (the package cannot be read) with
a message naming the file, and the line or the property; the same place in load()'s PackageError;
never a traceback. Paths that leave the package (../, absolute, symlinks) or name a remote URL are
refused without touching the file system outside the package or the network."""
from __future__ import annotations

import json
import os
import socket

import pytest

import balochistan_events as be
from balochistan_events.errors import PackageError
from hostile_support import fixture, generator, invoke, mini_package, validate_json

GEN = generator()
LAY = GEN.layout()
T = GEN.TABLE
DP = "datapackage.json"
SCHEMA = f"schemas/{T}.json"


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


# name: (exit code, file, line, field, words in the message)
DESCRIPTOR_CASES = {
    "valid": (0, None, None, None, None),
    "unknown_properties": (0, None, None, None, None),
    "malformed": (2, DP, _line_of(fixture("descriptor/malformed.json"), b",,") , None, "malformed JSON"),
    "truncated": (2, DP, 5, None, "malformed JSON"),
    "not_an_object": (2, DP, None, None, "JSON object"),
    "not_utf8": (2, DP, _line_of(fixture("descriptor/not_utf8.json"), b"\xe9"), None, "UTF-8"),
    "duplicate_keys": (2, DP, None, "path", "twice"),
    "nan_constant": (2, DP, None, None, "NaN"),
    "resources_not_list": (2, DP, None, "resources", "non-empty list"),
    "resources_empty": (2, DP, None, "resources", "non-empty list"),
    "resource_not_object": (2, DP, None, "resources[1]", "object"),
    "name_missing": (2, DP, None, "resources[0].name", "name"),
    "name_control_chars": (2, DP, None, "resources[0].name", "control characters"),
    "path_number": (2, DP, None, f"{T}.path", "non-empty string"),
    "path_missing": (2, DP, None, f"{T}.path", "non-empty string"),
    "path_multipart": (2, DP, None, f"{T}.path", "multipart"),
    "path_dotdot": (2, DP, None, f"{T}.path", "leaves the package"),
    "path_dotdot_inside": (2, DP, None, f"{T}.path", "leaves the package"),
    "path_absolute": (2, DP, None, f"{T}.path", "absolute path"),
    "path_windows": (2, DP, None, f"{T}.path", "backslash"),
    "path_backslash": (2, DP, None, f"{T}.path", "backslash"),
    "path_remote": (2, DP, None, f"{T}.path", "never touches the network"),
    "path_file_url": (2, DP, None, f"{T}.path", "never touches the network"),
    "path_control_chars": (2, DP, None, f"{T}.path", "control characters"),
    "path_directory": (2, "data", None, None, "not a regular file"),
    "data_missing": (2, "data/nope.csv", None, None, "does not exist"),
    "inline_data": (2, DP, None, f"{T}.data", "inline data"),
    "format_xlsx": (2, DP, None, f"{T}.format", "only CSV"),
    "encoding_latin1": (2, DP, None, f"{T}.encoding", "UTF-8"),
    "dialect_semicolon": (2, DP, None, f"{T}.dialect.delimiter", "comma-separated"),
    "schema_missing": (2, "schemas/nope.json", None, None, "does not exist"),
    "schema_remote": (2, DP, None, f"{T}.schema", "never touches the network"),
    "schema_dotdot": (2, DP, None, f"{T}.schema", "leaves the package"),
    "schema_number": (2, DP, None, f"{T}.schema", "path or an object"),
    "schema_absent": (2, DP, None, f"{T}.schema", "no schema"),
    "resource_twice": (2, DP, None, "resources[1].name", "listed twice"),
}

SCHEMA_CASES = {
    "malformed": (SCHEMA, "malformed JSON"),
    "fields_not_list": ("fields", "non-empty list"),
    "fields_empty": ("fields", "non-empty list"),
    "field_no_name": (f"fields[{len(LAY.header)}]", "name"),
    "field_twice": (LAY.header[0], "defined twice"),
    "field_bad_type": (LAY.text, "unknown type"),
    "constraints_not_object": (LAY.text, "must be an object"),
    "enum_not_list": (LAY.text, "must be a list"),
    "max_length_string": (LAY.text, "non-negative integer"),
    "pattern_invalid": (LAY.text, "not a valid regular expression"),
    "primary_key_unknown": ("primaryKey", "does not have"),
    "missing_values_not_strings": ("missingValues", "list of strings"),
    "fk_unknown_resource": ("foreignKeys", "unknown resource"),
}


def test_every_fixture_has_a_case():
    assert {p.stem for p in (GEN.FIXTURES / "descriptor").glob("*.json")} == set(DESCRIPTOR_CASES)
    assert {p.stem for p in (GEN.FIXTURES / "schema").glob("*.json")} == set(SCHEMA_CASES)


def _expect_cannot_run(pkg, file, line, field, words):
    # text: one line on stderr, "error: FILE[:LINE][: FIELD]: message"
    result = invoke("validate", pkg)
    assert result.exit_code == 2, result.output
    where = file + (f":{line}" if line else "") + (f": {field}" if field else "")
    assert result.stderr.startswith(f"error: {where}: "), result.stderr
    assert words in result.stderr
    assert len(result.stderr.splitlines()) == 1
    # json: the same, as a problem object
    code, report, _ = validate_json(pkg)
    assert code == 2 and report["valid"] is False
    problem = report["errors"][0]
    assert (problem["file"], problem["line"], problem["field"]) == (file, line, field)
    # load(): PackageError carrying the same place
    with pytest.raises(PackageError) as err:
        be.load(pkg)
    assert (err.value.file, err.value.line, err.value.field) == (file, line, field)


@pytest.mark.parametrize("name", sorted(DESCRIPTOR_CASES))
def test_descriptor_case(name, tmp_path):
    code, file, line, field, words = DESCRIPTOR_CASES[name]
    pkg = mini_package(tmp_path / "pkg", descriptor_bytes=fixture(f"descriptor/{name}.json"))
    if code == 0:
        assert invoke("validate", pkg).exit_code == 0
        assert len(be.load(pkg)[T]) == len(LAY.rows)
    else:
        _expect_cannot_run(pkg, file, line, field, words)


@pytest.mark.parametrize("name", sorted(SCHEMA_CASES))
def test_schema_case(name, tmp_path):
    field, words = SCHEMA_CASES[name]
    data = fixture(f"schema/{name}.json")
    pkg = mini_package(tmp_path / "pkg", schema_bytes=data)
    if name == "malformed":
        line = None
        try:
            json.loads(data)
        except json.JSONDecodeError as exc:
            line = exc.lineno
        _expect_cannot_run(pkg, SCHEMA, line, None, words)
    else:
        _expect_cannot_run(pkg, SCHEMA, None, field, words)


# --- the file system: symlinks, special files, sizes ----------------------------------------------

@pytest.fixture
def outside(tmp_path):
    """A secret outside the package that a hostile descriptor or link tries to reach."""
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.csv").write_bytes(fixture("csv/valid.csv"))
    (secret / f"{T}.json").write_bytes((GEN.ROOT / "schemas" / f"{T}.json").read_bytes())
    return secret


def test_data_file_symlinked_outside_is_refused(tmp_path, outside):
    pkg = mini_package(tmp_path / "pkg")
    (pkg / "data" / f"{T}.csv").unlink()
    (pkg / "data" / f"{T}.csv").symlink_to(outside / "secret.csv")
    _expect_cannot_run(pkg, DP, None, None, "outside the package")


def test_schema_directory_symlinked_outside_is_refused(tmp_path, outside):
    pkg = mini_package(tmp_path / "pkg")
    for f in (pkg / "schemas").iterdir():
        f.unlink()
    (pkg / "schemas").rmdir()
    (pkg / "schemas").symlink_to(outside)
    _expect_cannot_run(pkg, DP, None, None, "outside the package")


def test_descriptor_symlinked_outside_is_refused(tmp_path, outside):
    pkg = mini_package(tmp_path / "pkg")
    (outside / DP).write_bytes((pkg / DP).read_bytes())
    (pkg / DP).unlink()
    (pkg / DP).symlink_to(outside / DP)
    result = invoke("validate", pkg)
    assert result.exit_code == 2 and "outside the package" in result.stderr


def test_symlink_inside_the_package_is_followed(tmp_path):
    pkg = mini_package(tmp_path / "pkg")
    (pkg / "data" / "real.csv").write_bytes((pkg / "data" / f"{T}.csv").read_bytes())
    (pkg / "data" / f"{T}.csv").unlink()
    (pkg / "data" / f"{T}.csv").symlink_to("real.csv")
    assert invoke("validate", pkg).exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_not_opened(tmp_path):
    """A named pipe would block a reader forever; it is refused on its file type, unopened."""
    pkg = mini_package(tmp_path / "pkg")
    (pkg / "data" / f"{T}.csv").unlink()
    os.mkfifo(pkg / "data" / f"{T}.csv")
    _expect_cannot_run(pkg, f"data/{T}.csv", None, None, "not a regular file")


def test_deeply_nested_and_huge_descriptors(tmp_path):
    for name, words in (("deep_nesting.json", "nested too deeply"), ("huge_descriptor.json", "at most")):
        path = GEN.make_large(name, tmp_path / "gen")
        pkg = mini_package(tmp_path / name, descriptor_bytes=path.read_bytes())
        _expect_cannot_run(pkg, DP, None, None, words)


def test_validation_never_touches_the_network(tmp_path, monkeypatch, root):
    """Remote paths are refused by their form; and the whole real package validates and loads with
    every socket operation forbidden."""
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    for name in ("path_remote", "schema_remote", "path_file_url"):
        pkg = mini_package(tmp_path / name, descriptor_bytes=fixture(f"descriptor/{name}.json"))
        assert invoke("validate", pkg).exit_code == 2
    assert invoke("validate", root).exit_code in (0, 1)
    be.load(root)
