"""release: validate, diff against the last release, choose and check the version, write the changelog
entry and the new version, build the zip — all or nothing.

Order of work: every check and the whole build happen in memory and in temporary files first; only
then are the four outputs (zip, .sha256, CHANGELOG.md, datapackage.json) renamed into place, and if
any rename fails the ones already done are undone. A refused or failed release leaves datapackage.json,
CHANGELOG.md and dist/ byte for byte as they were.

Refusals: the package does not validate (exit 1); the version is not X.Y.Z, not greater than the last
release, or a smaller bump than the changes need; the tag or the artifact already exists (exit 2)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from balochistan_events.errors import PackageError
from balochistan_events.package.atomic import Transaction, recover, stray_journal
from balochistan_events.package.gitsource import (
    GitSource,
    git,
    latest_release,
    package_prefix,
    parse_version,
    repo_root,
    tag_exists,
    uncommitted,
)
from balochistan_events.package.lock import package_lock
from balochistan_events.package.outputs import check_output
from balochistan_events.package.source import DESCRIPTOR, DirectorySource
from balochistan_events.release.build import CHANGELOG, BuildInvalid, artifact_name, build_zip, resolve_date
from balochistan_events.release.diff import RANK, PackageDiff, diff_packages
from balochistan_events.text import plural

Version = tuple[int, int, int]
Release = tuple[Version, str, str]      # (version, tag or label, commit): latest_release()

LEVELS = ("major", "minor", "patch")
MAX_IDS = 100   # record IDs listed per table and section in the changelog; the diff lists all
SECTION_ORDER = ("Added", "Changed", "Removed", "Schema")


class ReleaseRefused(PackageError):
    """A release that must not happen as asked (exit 2); nothing has been written."""


@dataclass
class ReleaseResult:
    version: str
    previous: str | None                   # the previous release tag, or None for the first release
    required: str | None                   # the minimum bump the changes need
    bump: str | None                       # the bump actually made (None for a first release)
    zip_path: Path
    sha256_path: Path
    sha256: str
    summary: str
    changelog_entry: str
    commands: list[str]                    # what to run to commit and tag (or what --tag ran)
    written: list[str] = field(default_factory=list)   # package files rewritten (descriptor, changelog, …)
    tagged: bool = False
    warnings: list[str] = field(default_factory=list)
    diff: PackageDiff | None = None


# --- versions --------------------------------------------------------------------------------------

def fmt_version(v: tuple[int, int, int]) -> str:
    return ".".join(map(str, v))


def bump_version(v: tuple[int, int, int], level: str) -> tuple[int, int, int]:
    if level == "major":
        return (v[0] + 1, 0, 0)
    if level == "minor":
        return (v[0], v[1] + 1, 0)
    if level == "patch":
        return (v[0], v[1], v[2] + 1)
    raise ValueError(level)


def bump_level(old: tuple[int, int, int], new: tuple[int, int, int]) -> str | None:
    """The bump from old to new, or None when new is not greater."""
    if new <= old:
        return None
    if new[0] > old[0]:
        return "major"
    if new[1] > old[1]:
        return "minor"
    return "patch"


# --- the descriptor --------------------------------------------------------------------------------

def set_descriptor_fields(raw: bytes, updates: dict[str, str]) -> bytes:
    """Set top-level string properties of datapackage.json, keeping the hand-written layout when the old
    value occurs once; otherwise the file is re-serialised. The result is checked by parsing it."""
    text = raw.decode("utf-8-sig")
    desc = json.loads(text)
    out: str | None = text
    for key, value in updates.items():
        old = desc.get(key)
        done = False
        if isinstance(old, str):
            pattern = re.compile(r'("' + re.escape(key) + r'"\s*:\s*)' + re.escape(json.dumps(old, ensure_ascii=False)))
            if out is not None and len(pattern.findall(out)) == 1:
                new = json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
                out = pattern.sub(r"\g<1>" + new, out)
                done = True
        if not done:
            out = None
            break
    expected = dict(desc, **updates)
    if out is not None:
        try:
            if json.loads(out) == expected and list(json.loads(out)) == list(expected):
                return out.encode("utf-8")
        except json.JSONDecodeError:
            pass
    ordered = {}
    for key, val in desc.items():
        ordered[key] = updates.get(key, val)
        if key == "version" and "created" in updates and "created" not in desc:
            ordered["created"] = updates["created"]
    for key, val in updates.items():
        ordered.setdefault(key, val)
    return (json.dumps(ordered, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- the changelog ---------------------------------------------------------------------------------

CITATION = "CITATION.cff"


def set_citation_fields(raw: bytes, version: str, day: str) -> bytes:
    """CITATION.cff with the new version and release date, every other line as it was (so the citation
    users copy always names the release they downloaded)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PackageError(f"{CITATION} is not UTF-8", file=CITATION) from None
    text, n_version = re.subn(r"(?m)^version:.*$", f'version: "{version}"', text)
    text, n_date = re.subn(r"(?m)^date-released:.*$", f'date-released: "{day}"', text)
    if not n_version:
        text = text.rstrip("\n") + f'\nversion: "{version}"\n'
    if not n_date:
        text = text.rstrip("\n") + f'\ndate-released: "{day}"\n'
    return text.encode("utf-8")


_NOUNS = {"events": "event", "actors": "actor", "sources": "source", "claims": "claim"}


def _noun(table: str, n: int) -> str:
    word = _NOUNS.get(table)
    return plural(n, word if word else f"{table} row")


def _ids(keys: list[str]) -> str:
    shown = ", ".join(f"`{k}`" for k in keys[:MAX_IDS])
    return shown + (f" … and {len(keys) - MAX_IDS} more" if len(keys) > MAX_IDS else "")


def generated_entry(diff: PackageDiff | None, counts: dict[str, int], previous: str | None,
                    required: str | None) -> tuple[str, dict[str, list[str]]]:
    """(one-line summary, {section: [bullet lines]}) from the diff against the previous release."""
    sections: dict[str, list[str]] = {s: [] for s in SECTION_ORDER}
    if diff is None:
        parts = [_noun(t, n) for t, n in counts.items()]
        # the counts are in the summary line; what the data is, the [Unreleased] notes say
        summary = "First release: " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)) + "."
        return summary, sections
    parts = []
    for t in diff.tables.values():
        if t.status == "added":
            sections["Added"].append(f"- resource `{t.name}` ({_noun(t.name, t.rows_new or 0)})")
            parts.append(f"table {t.name} added")
            continue
        if t.status == "removed":
            sections["Removed"].append(f"- resource `{t.name}`")
            parts.append(f"table {t.name} removed")
            continue
        if t.added:
            sections["Added"].append(f"- {t.name}: {_ids(t.added)}")
            parts.append(f"{_noun(t.name, len(t.added))} added")
        if t.changed:
            for row in t.changed[:MAX_IDS]:
                sections["Changed"].append(f"- {t.name} `{row['key']}`: corrected {', '.join(row['fields'])}")
            if len(t.changed) > MAX_IDS:
                sections["Changed"].append(f"- {t.name}: … and {len(t.changed) - MAX_IDS} more corrected records "
                                           f"(balochistan-events diff {previous} <new tag> lists all)")
            parts.append(f"{_noun(t.name, len(t.changed))} corrected")
        if t.removed:
            sections["Removed"].append(f"- {t.name}: {_ids(t.removed)}")
            parts.append(f"{_noun(t.name, len(t.removed))} removed")
    schema_kinds = ("field_", "fields_", "constraint_", "primary_key", "reading_", "resource_moved")
    schema_changes = [c for c in diff.changes if c.kind.startswith(schema_kinds)]
    for c in schema_changes:
        sections["Schema"].append(f"- {c.message} ({c.level.upper()})")
    if schema_changes:
        parts.append(plural(len(schema_changes), "schema change"))
    meta = [c for c in diff.changes if c.kind in ("metadata", "identity_changed")]
    for c in meta:
        sections["Changed"].append(f"- {c.message}")
    if meta:
        parts.append(plural(len(meta), "metadata change"))
    if parts:
        summary = f"{(required or 'patch').capitalize()}-level changes since {previous}: " + "; ".join(parts) + "."
    else:
        summary = f"No changes to data, schemas or metadata since {previous}."
    return summary, sections


_UNRELEASED = re.compile(r"^## \[unreleased\]\s*$", re.IGNORECASE)


def _parse_section(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Free text before the first ### heading, and {heading: lines} of an [Unreleased] section."""
    preface: list[str] = []
    subs: dict[str, list[str]] = {}
    current = None
    for line in lines:
        m = re.match(r"^###\s+(.+?)\s*$", line)
        if m:
            current = m.group(1)
            subs.setdefault(current, [])
        elif current is None:
            preface.append(line)
        else:
            subs[current].append(line)
    strip = lambda ls: list("\n".join(ls).strip("\n").split("\n")) if "".join(ls).strip() else []  # noqa: E731
    return strip(preface), {k: strip(v) for k, v in subs.items()}


def update_changelog(old: str | None, version: str, day: str, summary: str,
                     generated: dict[str, list[str]]) -> tuple[str, str]:
    """(new CHANGELOG.md text, the version's entry). The [Unreleased] section's hand-written notes become
    part of the entry (merged under the same ### headings), and an empty [Unreleased] stays on top."""
    text = old if old is not None else "# Changelog\n\nAll notable changes to the balochistan-events data package.\n"
    lines = text.split("\n")
    if any(re.match(r"^## \[" + re.escape(version) + r"\]", line) for line in lines):
        raise ReleaseRefused(f"{CHANGELOG} already has an entry for {version}", file=CHANGELOG)
    start = next((i for i, line in enumerate(lines) if _UNRELEASED.match(line)), None)
    if start is not None:
        end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
        preface, manual = _parse_section(lines[start + 1:end])
        before, after = lines[:start], lines[end:]
    else:
        first = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
        preface, manual = [], {}
        before, after = lines[:first], lines[first:]
    entry = [f"## [{version}] - {day}", "", summary, ""]
    if preface:
        entry += preface + [""]
    headings = list(SECTION_ORDER) + [h for h in manual if h not in SECTION_ORDER]
    for h in headings:
        items = generated.get(h, []) + manual.get(h, [])
        if items:
            entry += [f"### {h}"] + items + [""]
    while before and before[-1] == "":
        before.pop()
    out = before + ["", "## [Unreleased]", ""] + entry
    rest = "\n".join(after).strip("\n")
    new = "\n".join(out).rstrip("\n") + "\n" + ("\n" + rest + "\n" if rest else "")
    return new, "\n".join(entry).rstrip("\n") + "\n"


# --- writing all or nothing ------------------------------------------------------------------------

def _replace(src: Path, dst: Path) -> None:
    """os.replace, as a seam for tests that simulate a failure half-way."""
    os.replace(src, dst)


# Transaction (atomic.py): staged temporaries, a journal, renames, and rollback — in process on any
# error, and by recover() on the next run after a crash (SIGKILL, power loss) part-way through.


# --- the release -----------------------------------------------------------------------------------

def release(path: str | os.PathLike = ".", *, bump: str | None = None, version: str | None = None,
            date: str | dt.date | None = None, out_dir: str | os.PathLike = "dist", tag: bool = False) -> ReleaseResult:
    """Cut a release (see the module doc) while holding the package's write lock (lock.py): a second
    release or add-* waits, then stops with exit 2 naming this one."""
    if (bump is None) == (version is None):
        raise ReleaseRefused("give exactly one of --bump major|minor|patch or --version X.Y.Z")
    if bump is not None and bump not in LEVELS:
        raise ReleaseRefused(f"--bump must be major, minor or patch, not {bump!r}")
    pkg_dir = Path(path)
    if not pkg_dir.is_dir():
        raise PackageError(f"no {DESCRIPTOR} in {pkg_dir}", file=str(pkg_dir))
    with package_lock(pkg_dir, "balochistan-events release"):
        # a release that a crash interrupted part-way: put its files back before anything else
        restored = recover(pkg_dir)
        return _release(pkg_dir, restored, bump=bump, version=version, date=date, out_dir=out_dir, tag=tag)


def _release(pkg_dir: Path, restored: list[str], *, bump: str | None, version: str | None,
             date: str | dt.date | None, out_dir: str | os.PathLike, tag: bool) -> ReleaseResult:
    source = DirectorySource(pkg_dir)       # every input is read through the checked source
    desc_raw, current = _read_version(source)
    old_changelog = source.read_optional(CHANGELOG)

    # 1. the data must validate
    from balochistan_events.validation.engine import validate_package

    report = validate_package(pkg_dir)
    if not report.valid:
        raise BuildInvalid(report)

    # 2. what changed since the last release; 3. the version
    repo, last, diff = _since_last(pkg_dir)
    required = diff.bump if diff is not None else None
    new, made = _new_version(version, bump, current, last, diff, required)
    new_s = fmt_version(new)
    tag_name = f"v{new_s}"
    if repo is not None and tag_exists(repo, tag_name):
        raise ReleaseRefused(f"tag {tag_name} already exists: that version is released")

    # 4. never overwrite a published artifact
    out = check_output(out_dir, [pkg_dir], inside=pkg_dir, what="--out")
    zip_path = out / artifact_name(new_s)
    sha_path = out / (zip_path.name + ".sha256")
    for p in (zip_path, sha_path):
        if p.exists() or p.is_symlink():
            raise ReleaseRefused(f"{p} already exists: a released artifact is never overwritten", file=str(p))

    # 5. git state
    warnings, prefix = _git_state(pkg_dir, repo, restored, tag)

    # 6. new descriptor and changelog, then the build, all in memory
    when = resolve_date(date, pkg_dir)
    from balochistan_events.release.build import iso

    new_desc = set_descriptor_fields(desc_raw, {"version": new_s, "created": iso(when)})
    counts = {name: info["rows"] for name, info in report.tables.items()}
    summary, generated = generated_entry(diff, counts, last[1] if last else None, required)
    try:
        old_text = old_changelog.decode("utf-8") if old_changelog is not None else None
    except UnicodeDecodeError:
        raise PackageError(f"{CHANGELOG} is not UTF-8", file=CHANGELOG) from None
    new_changelog, entry = update_changelog(old_text, new_s, when.date().isoformat(), summary, generated)
    overrides = {DESCRIPTOR: new_desc, CHANGELOG: new_changelog.encode("utf-8")}
    citation = source.read_optional(CITATION)
    if citation is not None:
        overrides[CITATION] = set_citation_fields(citation, new_s, when.date().isoformat())
    # validated once, above: the overrides change only the version, dates and changelog, not the tables
    built = build_zip(pkg_dir, when, overrides=overrides, validate=False)

    # 7. write everything, or nothing
    outputs = {zip_path: built.data, sha_path: built.sha256_line.encode("ascii"),
               pkg_dir / CHANGELOG: new_changelog.encode("utf-8"), pkg_dir / DESCRIPTOR: new_desc}
    if CITATION in overrides:
        outputs[pkg_dir / CITATION] = overrides[CITATION]
    tx, registered = _write_all(pkg_dir, outputs, new_s, built.sha256, when.date().isoformat())

    rel_files = [prefix + DESCRIPTOR, prefix + CHANGELOG] + ([prefix + CITATION] if CITATION in overrides else []) + \
        [prefix + rel for rel in registered]
    message = f"Release {new_s}"
    commands = [f"git add -- {' '.join(rel_files)}",
                f"git commit -m \"{message}\" -- {' '.join(rel_files)}",
                f"git tag -a {tag_name} -m \"balochistan-events {new_s}\""]
    result = ReleaseResult(new_s, last[1] if last else None, required, made, zip_path, sha_path, built.sha256,
                           summary, entry, commands, [f[len(prefix):] for f in rel_files], False, warnings, diff)
    try:
        if tag:
            assert repo is not None               # --tag without a repository was refused above
            _commit_and_tag(repo, rel_files, message, tag_name, new_s, tx)
            result.tagged = True
        tx.close()      # the commit point (the journal goes): from here on the release stands
    except BaseException:
        if tx.state != "closed":
            tx.rollback()
        raise
    return result


def _read_version(source: DirectorySource) -> tuple[bytes, Version]:
    """datapackage.json's bytes and its version."""
    desc_raw = source.read(DESCRIPTOR, DESCRIPTOR)
    from balochistan_events.package.descriptor import parse_json

    desc = parse_json(desc_raw, DESCRIPTOR)
    if not isinstance(desc, dict):
        raise PackageError("the descriptor must be a JSON object", file=DESCRIPTOR)
    current = parse_version(desc.get("version"))
    if current is None:
        raise ReleaseRefused(f"datapackage.json version {desc.get('version')!r} is not X.Y.Z", file=DESCRIPTOR, field="version")
    return desc_raw, current


def _since_last(pkg_dir: Path) -> tuple[Path | None, Release | None, PackageDiff | None]:
    """(repository, last release as (version, label, commit), diff from it to the working tree)."""
    repo = repo_root(pkg_dir)
    # the last v* tag, or in a clone without tags the commit that first carried the last released version
    last = latest_release(repo, package_prefix(repo, pkg_dir)) if repo is not None else None
    if last is None:
        return repo, None, None
    assert repo is not None                   # a release implies a repository
    old_src = GitSource(repo, last[2], package_prefix(repo, pkg_dir))
    diff = diff_packages(old_src, DirectorySource(pkg_dir), cwd=pkg_dir)
    diff.old_label, diff.new_label = last[1], "working tree"
    return repo, last, diff


def _new_version(version: str | None, bump: str | None, current: Version, last: Release | None,
                 diff: PackageDiff | None, required: str | None) -> tuple[Version, str | None]:
    """(the new version, the bump it makes from the last release), or ReleaseRefused."""
    if version is not None:
        new = parse_version(version)
        if new is None:
            raise ReleaseRefused(f"--version {version!r} is not X.Y.Z (e.g. 1.0.0)")
    else:
        assert bump is not None                   # exactly one of bump and version (checked above)
        new = bump_version(last[0] if last else current, bump)
    new_s = fmt_version(new)
    made = None
    if last is not None:
        made = bump_level(last[0], new)
        if made is None:
            raise ReleaseRefused(f"version {new_s} is not greater than the last release {last[1]}")
        if required is not None and diff is not None and RANK[made] < RANK[required]:
            need = bump_version(last[0], required)
            reasons = "; ".join(c.message for c in diff.reasons(required)[:5])
            raise ReleaseRefused(f"{new_s} is a {made} bump from {last[1]}, but the changes need a {required} bump "
                                 f"(at least {fmt_version(need)}): {reasons}")
    elif new < current:
        raise ReleaseRefused(f"version {new_s} is lower than datapackage.json's {fmt_version(current)}")
    return new, made


def _git_state(pkg_dir: Path, repo: Path | None, restored: list[str], tag: bool) -> tuple[list[str], str]:
    """(warnings, the package's path prefix in the repository); refuses --tag without a clean repository."""
    warnings: list[str] = []
    if restored:
        warnings.append(f"an interrupted release was rolled back first ({len(restored)} file(s) restored)")
    stray = stray_journal(pkg_dir)
    if stray is not None:
        warnings.append(f"{stray} is not used (a journal inside the package is never trusted; releases keep "
                        f"theirs under .git/): delete it, and do not commit it")
    prefix = package_prefix(repo, pkg_dir) if repo is not None else ""
    tracked = [prefix + n for n in (DESCRIPTOR, CHANGELOG, "data", "schemas")]
    if tag and repo is None:
        raise ReleaseRefused("--tag needs a git repository")
    if repo is not None:
        dirty = uncommitted(repo, tracked)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            if tag:
                raise ReleaseRefused(f"uncommitted changes in the package ({shown}): commit them first, so that "
                                     f"the tag holds exactly what is released")
            warnings.append(f"uncommitted changes in the package ({shown}): commit them before tagging, or "
                            f"the tag will not rebuild this release")
    else:
        warnings.append("not a git repository: the release cannot be tagged or rebuilt from a tag")
    return warnings, prefix


def _write_all(pkg_dir: Path, outputs: dict[Path, bytes], version: str, sha256: str,
               day: str) -> tuple[Transaction, dict[str, bytes]]:
    """Stage `outputs` and the release registry's updates, then rename them into place (rolled back on
    any error). Returns the committed, not yet closed, transaction and the registry files written."""
    tx = Transaction(pkg_dir, replace=lambda src, dst: _replace(Path(src), Path(dst)))
    try:
        for target, data in outputs.items():
            tx.stage(target, data)
        from balochistan_events.release.rloader import registry_updates

        registered = registry_updates(pkg_dir, version, sha256, day)
        for rel, data in registered.items():       # the release registry (load(version=), R), when present
            tx.stage(pkg_dir / rel, data)
    except BaseException:
        tx.rollback()
        raise
    tx.commit()
    return tx, registered


def _commit_and_tag(repo: Path, files: list[str], message: str, tag_name: str, version: str, tx: Transaction) -> None:
    """Commit the new datapackage.json and CHANGELOG.md and tag that commit; on failure undo the commit
    and the written files."""
    head = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    committed = False
    try:
        git(repo, "add", "--", *files)
        git(repo, "commit", "-q", "-m", message, "--", *files)
        committed = True
        git(repo, "tag", "-a", tag_name, "-m", f"balochistan-events {version}")
    except BaseException:
        if committed:
            git(repo, "reset", "-q", "--soft", head, check=False)
        git(repo, "reset", "-q", head, "--", *files, check=False)
        tx.rollback()
        raise
