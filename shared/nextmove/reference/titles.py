"""The title coder: any job title to its SOC 2018 occupation, and how sure the match is.

Built by ``infra/build_occupation_index.py`` into ``titles.sqlite`` beside this module
(provenance in ``titles.provenance.json``) from O*NET 29.2 occupation titles and
descriptions, O*NET 30.2 task statements, BLS's own occupation names, the 4,843 job
titles of BLS's Occupational Outlook Handbook A-Z index and the hand map
``occupations.json`` (software-industry jargon no government list has: SRE, "member of
technical staff", "SDE II"). A title is tried, in order:

1. **Exact title**: its words, normalised (``words``), equal an O*NET title or a BLS
   name ("Registered Nurse" is O*NET's "Registered Nurses").
2. **Known alternate**: they equal a phrase of the hand map, a part of a combined
   O*NET title ("Maids" of "Maids and Housekeeping Cleaners"), or a title of BLS's
   Occupational Outlook Handbook A-Z index ("Ranch Hand", "Help Desk Technician"), coded
   at build time to an occupation of the OOH profile it leads to.
3. **Search**: SQLite FTS5 over every occupation's titles (weighted most), description
   and tasks, ranked by bm25; a misspelt word is corrected to the nearest title word
   first. The winner's lead over the runner-up (another occupation) is the confidence.

Seniority and level words, numerals and Roman numerals, shift and contract words are
dropped first (the level is priced separately; SOC codes the work, not the prestige),
abbreviations are spelled out (RN, LPN, CDL, HVAC, SWE, ...), and a school grade
becomes its school ("3rd grade teacher" is an elementary school teacher).

Nothing is loaded until the first lookup; the database is opened read-only and
immutable, as ``market`` opens ``wages.sqlite``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import sqlite3

DB_NAME = "titles.sqlite"
HAND_MAP = "occupations.json"
SCHEMA = "4"
# The wording O*NET's licence page asks of anyone who edits or adds to its data
# (https://www.onetcenter.org/license_db.html).
ATTRIBUTION = (
    "Includes information from the O*NET 29.2 Database (occupations) and the O*NET 30.2 "
    "Database (tasks) by the U.S. Department of Labor, Employment and Training "
    "Administration (USDOL/ETA). Used under the CC BY 4.0 license. O*NET® is a trademark "
    "of USDOL/ETA. NextMove has modified all or some of this information. USDOL/ETA has "
    "not approved, endorsed, or tested these modifications."
)
SOURCE = "NextMove title coder"
RELEASE = "O*NET 29.2"
# A search match below this is too weak to price: no figure is invented on it.
CONFIDENT = 0.7  # at or above: say nothing about doubt
# Below: no occupation, only the nearest candidate.
WEAK = 0.2
# An OOH title the build placed among its profile's occupations without a sure reading,
# and a search won only through another occupation's alternates, description or tasks:
# as sure as this and no surer (below CONFIDENT, so the advice names the runner-up).
NOT_SURE = 0.6
PRIOR = 0.1  # what each tenfold of employment adds to a match's rank
QUALIFIER_WEIGHT = 0.5  # what a word of a title's qualifier counts in how sure a search is
IN_TASKS = 0.35  # the credit of a word only an occupation's task statements use
GENERIC = 12  # a word in more occupations' titles than this names no work by itself

Match = Literal["partner code", "exact title", "known alternate", "search", "none"]

# Abbreviations people and partners really send, spelled out before anything else.
# The hand map's own synonyms (occupations.json "matching") apply after these.
ABBREVIATIONS: dict[str, str] = {
    "rn": "registered nurse",
    "bsn": "registered nurse",
    "lpn": "licensed practical nurse",
    "lvn": "licensed vocational nurse",
    "cna": "nursing assistant",
    "stna": "nursing assistant",
    "np": "nurse practitioner",
    "fnp": "nurse practitioner",
    "aprn": "nurse practitioner",
    "crna": "nurse anesthetist",
    "pa c": "physician assistant",
    "pac": "physician assistant",
    "cma": "medical assistant",
    "rma": "medical assistant",
    "rdh": "dental hygienist",
    "emt": "emergency medical technician",
    "dpt": "physical therapist",
    "slp": "speech language pathologist",
    "cota": "occupational therapy assistant",
    "pta": "physical therapist assistant",
    # A therapist where a clinic says it ("Outpatient PT", "PT Aide"); a "(PT)" after a
    # title is part-time, and is dropped before this.
    "pt": "physical therapist",
    "ot": "occupational therapist",
    "rt": "respiratory therapist",
    "rrt": "respiratory therapist",
    "pharmd": "pharmacist",
    "cpht": "pharmacy technician",
    "otr l": "occupational therapist",
    "cdl a": "heavy tractor trailer truck driver",
    "class a cdl": "heavy tractor trailer truck driver",
    "cdl class a": "heavy tractor trailer truck driver",
    "cdl b": "truck driver",
    "cdl": "truck driver",
    "otr": "heavy tractor trailer truck driver",
    "hvac r": "heating air conditioning refrigeration mechanic",
    "hvacr": "heating air conditioning refrigeration mechanic",
    "hvac": "heating air conditioning refrigeration mechanic",
    "cnc": "computer numerically controlled",
    "cpa": "accountant",
    "csr": "customer service representative",
    "ae": "account executive",
    "pm": "project manager",
    "gm": "general manager",
    "ceo": "ceo",
    "admin": "administrative",
    "asst": "assistant",
    "aid": "aide",
    "assoc": "associate",
    "coord": "coordinator",
    "tech": "technician",
    "techs": "technician",
    "techn": "technician",
    "vet": "veterinary",
    "x ray": "radiologic",
    "xray": "radiologic",
    "radiology": "radiologic",
    "mech": "mechanic",
    "auto": "automotive",
    "maint": "maintenance",
    "mgmt": "management",
    "rep": "representative",
    "reps": "representative",
    "supv": "supervisor",
    "dir": "director",
    "professor": "postsecondary teacher",
    "lecturer": "postsecondary teacher",
    "adjunct": "postsecondary",  # an adjunct teaches at a college, whatever the noun
    "hha": "home health aide",
    "pca": "personal care aide",
    "lmt": "massage therapist",
    "rd": "dietitian",
    "rdn": "dietitian",
    "don": "medical health services manager",
    "lcsw": "clinical social worker",
    "lpc": "mental health counselor",
    "lmft": "marriage family therapist",
    "sped": "special education",
    "cte": "career technical education",
    "esl": "adult basic education",
    "hs": "secondary school",
    "qc": "quality control",
    "qa": "quality assurance",
    "a p": "accounts payable",
    "ap": "accounts payable",
    "a r": "accounts receivable",
    "ehs": "occupational health safety",
    "tsa officer": "transportation security screener",
    "tsa": "transportation security screener",
    "bmet": "medical equipment repairer",
    "rad": "radiologic",
    "lab": "laboratory",
    "psych": "psychiatric",
    "repair technician": "repairer",
    "telecom": "telecommunications",
    "ultrasound": "diagnostic medical sonographer",
    "icu": "intensive care",
    "nicu": "neonatal intensive care",
    "picu": "pediatric intensive care",
    "er": "emergency",
    "ed": "emergency",
    "med surg": "medical surgical",
    "math": "mathematics",
    "k 12": "",
    "k12": "",
    "atty": "attorney",
    "sgt": "sergeant",
    "nuc med": "nuclear medicine",
    "biomed": "biomedical",
    "rvt": "veterinary technician",
    "lvt": "veterinary technician",
    "cvt": "veterinary technician",
    "pmhnp": "psychiatric nurse practitioner",
    "mls": "clinical laboratory technologist",
    "mlt": "clinical laboratory technician",
    "ob gyn": "obstetrician gynecologist",
    "obgyn": "obstetrician gynecologist",
    "chw": "community health worker",
    "ee": "electrical engineer",
    "rf": "radio frequency",
    "av": "audio video",
    "vfx": "special effects",
    "rv": "recreational vehicle",
    "atm": "automated teller machine",
    "ag": "agricultural",
    "l d": "training development",
    "3pl": "logistics",  # third-party logistics
    "ff": "firefighter",
    "tso": "transportation security screener",
    "alj": "administrative law judge",
    "sys admin": "network computer system administrator",
    "sysadmin": "network computer system administrator",
    "prod": "production",
    "merch": "merchandise",
    "ase": "automotive service",
    "hoa": "community association",
    "d2d": "door to door",
    "qsr": "fast food restaurant",  # quick-service restaurant
    "school psych": "school psychologist",
    # SOC's own title for postsecondary teaching assistants (25-9044); "graduate" alone
    # is a level ("New Grad RN").
    "graduate teaching assistant": "postsecondary teaching assistant",
    "graduate assistant": "postsecondary teaching assistant",
    # Front and back of house: where in a restaurant, not what the work is.
    "foh": "",
    "boh": "",
}
# Everyday names for a job that no O*NET or BLS title uses, spelled as the one that does
# (what O*NET's lay titles would give; that file is not among the inputs).
LAY_TERMS: dict[str, str] = {
    "caregiver": "personal care aide",
    # A shift's lead runs the shift: the first-line supervisor SOC codes.
    "shift lead": "supervisor",
    "shift leader": "supervisor",
    "internist": "general internal medicine physician",
    "cowhand": "ranch hand",
    "cowboy": "ranch hand",
    "rodbuster": "reinforcing iron rebar worker",
    "derrickhand": "derrick operator",
    "roughneck": "helper extraction worker",
    "cobbler": "shoe repairer",
    "bellman": "bellhop",
    "cameraman": "camera operator",
    "pressman": "printing press operator",
    "missionary": "religious worker",
    "promotora": "community health worker",
    "waitstaff": "waiter waitress",
    # Everyday words for jobs that the index knows by other names; without them, a word
    # it does not know is read as the title word one letter away ("notary" as "rotary").
    "gardener": "landscaping groundskeeping worker",
    "medic": "emergency medical technician",
    "farmhand": "farm worker",
    "fisherman": "fishing worker",
    "miner": "mining machine operator",
    "trucker": "truck driver",
    "teamster": "truck driver",
    "longshoreman": "hand laborer freight stock material mover",
    "stevedore": "hand laborer freight stock material mover",
    "stewardess": "flight attendant",
    "draftsman": "drafter",
    "draftsperson": "drafter",
    "priest": "clergy",
    "rabbi": "clergy",
    "imam": "clergy",
    "nun": "religious worker",
    "monk": "religious worker",
    "notary": "legal support worker",
    "landlord": "property manager",
    "headhunter": "recruiter",
    "seamstress": "dressmaker",
    "tiler": "tile setter",
    "croupier": "gambling dealer",
    "custodian": "janitor",
    "doctor": "physician",
    "babysitter": "childcare worker",
    "beekeeper": "farmworker farm animal",
    "realtor": "real estate sales agent",
    "salesman": "salesperson",
    "saleswoman": "salesperson",
    "foreman": "first line supervisor",
    "forewoman": "first line supervisor",
    "lineman": "electrical power line installer",
    "linemen": "electrical power line installer",
    "ironworker": "structural iron steel worker",
    "pastor": "clergy",
    "minister": "clergy",
    "chaplain": "clergy",
    "esthetician": "skincare specialist",
    "aesthetician": "skincare specialist",
    "arborist": "tree trimmer",
    "exterminator": "pest control worker",
    "deckhand": "sailor",
    "geologist": "geoscientist",
    "florist": "floral designer",
    "dispatcher": "dispatcher",
    "coder": "medical records specialist",
    "nail tech": "manicurist pedicurist",
    "nail technician": "manicurist pedicurist",
    "package handler": "hand laborer freight stock material mover",
    "bike": "bicycle",
    # Everyday names of jobs the search read as others' ("Desktop Support" as desktop
    # publishing, "Fire Captain" as a ship's, "Food Runner" as a sports book's).
    "desktop support": "computer user support",
    "maintenance technician": "maintenance repair worker",
    "farm hand": "farm worker",
    "milker": "farmworker farm animal",
    "food runner": "dining cafeteria attendant",
    "fire captain": "first line supervisor firefighting",
    "fire lieutenant": "first line supervisor firefighting",
    "excavator operator": "construction equipment operator",
    "backhoe operator": "construction equipment operator",
    "bulldozer operator": "construction equipment operator",
    "heavy equipment operator": "construction equipment operator",
    "sterile processing technician": "medical equipment preparer",
    "sterile processing tech": "medical equipment preparer",
    "sterile processing": "medical equipment preparer",
    "central sterile technician": "medical equipment preparer",
    "central sterile tech": "medical equipment preparer",
    "central sterile": "medical equipment preparer",
    "patient care technician": "nursing assistant",
    "gas station attendant": "automotive service attendant",
    "biller": "billing clerk",
    "baggage handler": "hand laborer freight stock material mover",
    "slaughterhouse": "slaughterer",
    "dry cleaner": "dry cleaning worker",
    "realestate": "real estate",
    "wealth advisor": "personal financial advisor",
    "wealth manager": "personal financial advisor",
    "crime scene investigator": "forensic science technician",
    "forensic scientist": "forensic science technician",
    "event coordinator": "event planner",
    "events coordinator": "event planner",
    "railcar": "rail car",
    "room attendant": "maid housekeeping cleaner",
    "laundry attendant": "laundry worker",
    "caddy": "amusement recreation attendant",
    "caddie": "amusement recreation attendant",
    "ride operator": "amusement recreation attendant",
    "lift operator": "amusement recreation attendant",
    "watchmaker": "watch repairer",
    "garage door": "mechanical door",
    "crew boss": "supervisor",
    "sergeant": "supervisor",  # police and corrections: the first-line supervisor
    "gaffer": "lighting technician",
    "bar back": "bartender helper",
    "barback": "bartender helper",
    "pit boss": "gambling supervisor",
    "tin knocker": "sheet metal worker",
    "rod buster": "reinforcing iron rebar worker",
    "lot porter": "vehicle cleaner",
    "day porter": "janitor",
    "building porter": "janitor",
    "janitorial porter": "janitor",
    "body man": "automotive body repairer",
    "lube technician": "automotive service attendant",
    "lube tech": "automotive service attendant",
    "payroll specialist": "payroll clerk",
    "sanitation worker": "refuse collector",
    "unit secretary": "medical secretary",
    "brand ambassador": "demonstrator product promoter",
    "dog groomer": "animal caretaker",
    "pet groomer": "animal caretaker",
    "personal trainer": "exercise trainer fitness instructor",
    "crematory technician": "crematory operator",
    "radio personality": "radio disc jockey",
    "visual merchandiser": "merchandise displayer",
    "visual merchandise": "merchandise displayer",
    "instructional coach": "instructional coordinator",
    "rodman": "surveying technician",
    "loan originator": "loan officer",
    "cake decorator": "baker",
    "drive thru": "fast food",
    "drive through": "fast food",
    "cabin crew": "flight attendant",
    "order selector": "order filler",
    "order picker": "order filler",
    "nurse aide": "nursing assistant",
    "nurses aide": "nursing assistant",
    "garbage collector": "refuse collector",
    "trash collector": "refuse collector",
    "framer": "carpenter",
    # SOC's own title for mental health social workers (21-1023); only the child and
    # family social workers' tasks say "psychiatric", which had made them the reading.
    "psychiatric social worker": "mental health social worker",
    # Where a meatpacking plant slaughters, not a floor to insulate.
    "kill floor": "slaughterer",
}
# Words that say how, when or how senior, not what the work is.
DROPPED = frozenset(
    """
    senior sr snr junior jr lead principal staff associate i ii iii iv v vi level lvl
    vp svp evp avp chief head apprentice trainee journeyman journeyperson entry
    experienced certified class
    part full time night day evening weekend shift overnight remote hybrid onsite
    contract temporary temp seasonal per diem prn travel traveling traveler
    new grad graduate intern internship
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)
_GRADES = (
    (re.compile(r"\b(pre ?k|preschool|pre school)\b"), " preschool "),
    (
        re.compile(
            r"\b((1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth) grade"
            r"|grade (1|2|3|4|5))\b"
        ),
        " elementary school ",
    ),
    (
        re.compile(r"\b((6th|7th|8th|sixth|seventh|eighth) grade|grade (6|7|8)|junior high)\b"),
        " middle school ",
    ),
    (
        re.compile(
            r"\b((9th|10th|11th|12th|ninth|tenth|eleventh|twelfth) grade"
            r"|grade (9|10|11|12)|high school)\b"
        ),
        " secondary school ",
    ),
    (re.compile(r"\b(elementary|primary) teacher\b"), " elementary school teacher "),
)
# Words that make a title another job than the work it names ("Helpers--Electricians",
# "First-Line Supervisors of ..."): a match that adds one the query lacks ranks lower.
ROLE_WORDS = frozenset(
    """
    helper supervisor manager teacher instructor aide assistant technician technologist
    engineer inspector operator worker specialist officer director
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)
# Of those, the ones a title cannot drop and stay the same job ("Nurse Manager" is not a
# nurse; an "HVAC Technician" is the HVAC mechanic).
OTHER_JOB_WORDS = frozenset(
    {"helper", "supervisor", "manager", "teacher", "instructor", "aide", "assistant"}
)
# Who supervises whom, by SOC 2018's structure: the workers' code (its longest prefix
# here) -> their first-line supervisors' (all other workers of a group: the group's).
SUPERVISORS = {
    "33-2": "33-1021",  # firefighting and prevention
    "33-301": "33-1011",  # bailiffs, correctional officers and jailers
    "33-3": "33-1012",  # police and detectives
    "33-903": "33-1091",  # security guards and gambling surveillance
    "33": "33-1099",
    "35": "35-1012",
    "37-2": "37-1011",  # building cleaning
    "37-3": "37-1012",  # grounds maintenance
    "39-301": "39-1013",  # gambling services
    "39-3": "39-1014",  # entertainment attendants
    "39-9032": "39-1014",  # recreation workers
    "39": "39-1022",  # personal service
    "41-2": "41-1011",  # retail sales
    "41": "41-1012",
    "43": "43-1011",
    "45": "45-1011",
    "47": "47-1011",
    "49": "49-1011",
    "51": "51-1011",
    "53": "53-1047",
}
# The words of a supervisor's title that say it supervises, not what work.
SUPERVISING = frozenset({"supervisor", "crew", "team", "general", "leader"})
UNDER_WORDS = frozenset({"assistant", "deputy", "associate", "vice"})
LEADS = frozenset(
    {"manager", "director", "principal", "superintendent", "editor", "coach", "controller"}
)
# Level words that are jobs of their own when they end a title.
HEAD_LEVEL_WORDS = frozenset({"principal", "associate"})
MILITARY = frozenset(
    """
    military army navy naval marine marines air force airman soldier sailor infantry
    enlisted
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)
_FILLER = frozenset(
    """
    a an and at for in of the to with on or
    needed wanted hiring
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)
_WORD = re.compile(r"[a-z0-9]+")
# What follows one of these qualifies the job before it ("Nurse Manager - ICU").
_QUALIFIED = re.compile(r"\s+-\s+|,|\(|\s+to\s+(?:the\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """An occupation a title could be: SOC 2018 code and BLS's (else O*NET's) name."""

    soc: str
    name: str


@dataclass(frozen=True)
class TitleMatch:
    """What a title was coded to, how, and how sure: ``confidence`` 0..1 (1 for a
    partner's code or an exact title); ``runner_up`` the closest other occupation."""

    title: str
    occupation: Candidate | None
    match: Match
    confidence: float
    score: float | None = None  # the search's bm25 score, for a search match
    runner_up: Candidate | None = None
    # A search won with a word of the title only in the winner's task statements.
    thin: bool = False

    @property
    def sure(self) -> bool:
        return self.occupation is not None and self.confidence >= CONFIDENT

    def describe(self) -> str:
        """How it was matched, in words: 'search (score 11.2, confidence 0.62)', 'known
        alternate (confidence 0.60)' when the build had to choose its occupation."""
        if self.match == "search" and self.score is not None:
            return f"search (score {self.score:.1f}, confidence {self.confidence:.2f})"
        if self.match != "none" and self.confidence < 1.0:
            return f"{self.match} (confidence {self.confidence:.2f})"
        return self.match


def code(title: str) -> TitleMatch:
    """The occupation ``title`` most likely belongs to; ``occupation`` None when the
    match is too weak to use (then ``runner_up`` is the nearest candidate, if any).

    A search won with a word of the title only in the winner's task statements is not
    sure: a "Medical Lab Scientist" is not, surely, a medical scientist whose tasks use
    a laboratory."""
    found = read(title)
    if found.thin and found.confidence > NOT_SURE:
        return replace(found, confidence=NOT_SURE)
    return found


def read(title: str) -> TitleMatch:
    """``code`` without the doubt a word found only in tasks adds: how the build reads an
    OOH title, where the profile OOH files it under is a second source to weigh the
    reading against. With that doubt the build would trust fewer OOH titles, and every
    lookup that hits one would lose a sureness two sources agree on."""
    return _code(title.strip())


def partner(title: str, soc_or_onet: str) -> TitleMatch:
    """A partner's own code for ``title``: it wins over the title when it exists."""
    found = from_code(soc_or_onet)
    if found is None:
        raise ValueError(f"no SOC 2018 or O*NET-SOC occupation {soc_or_onet!r}")
    return TitleMatch(title, found, "partner code", 1.0)


def from_code(soc_or_onet: str) -> Candidate | None:
    """A partner's SOC 2018 (``NN-NNNN``) or O*NET-SOC (``NN-NNNN.NN``) code, or None
    when no such occupation exists."""
    text = soc_or_onet.strip()
    if not re.fullmatch(r"\d\d-\d{4}(\.\d\d)?", text):
        return None
    # An O*NET-SOC code must exist as given. An SOC code is the one BLS publishes wages
    # under, or one O*NET codes and OEWS pools (25-2055 is priced as 25-2052).
    db = _db()
    if "." in text:
        row = db.execute("SELECT soc, name FROM occupation WHERE onet = ?", (text,)).fetchone()
    else:
        row = db.execute(
            "SELECT soc, name FROM occupation WHERE soc = ? OR onet GLOB ? ORDER BY onet LIMIT 1",
            (text, f"{text}.*"),
        ).fetchone()
    return Candidate(row[0], row[1]) if row else None


def codes() -> list[str]:
    """Every code ``from_code`` knows: SOC 2018 codes and O*NET-SOC codes, sorted."""
    db = _db()
    soc = [row[0] for row in db.execute("SELECT DISTINCT soc FROM occupation")]
    onet = [row[0] for row in db.execute("SELECT onet FROM occupation WHERE onet GLOB '[0-9]*'")]
    return sorted({*soc, *onet, *(code[:7] for code in onet)})


def tasks(soc: str) -> list[str]:
    """What an occupation's workers do: its O*NET 30.2 task statements, in O*NET's order
    (empty when O*NET lists none)."""
    import json
    import zlib

    row = _db().execute("SELECT statements FROM task WHERE soc = ?", (soc,)).fetchone()
    return list(json.loads(zlib.decompress(row[0]))) if row else []


def one_of(name: str) -> str:
    """An occupation's name for one person: "Registered Nurses" -> "Registered Nurse"."""
    head = name.split(",")[0]
    *rest, last = head.split(" ")
    single = _singular(last.lower())
    return " ".join([*rest, last[: len(single)]]) if last.lower().startswith(single) else head


def find_in(text: str) -> tuple[str, Candidate] | None:
    """The longest occupation title named in free text, in the writer's own words, and
    its occupation: "Become a Dental Hygienist in Denver by 2028" names "Dental
    Hygienist" (29-1292). Exact titles and the hand map's and O*NET's known alternates
    only: a goal is not a title, and a guess at one would put a role in the person's
    mouth; nor the OOH index's titles, whose qualifiers ("licensed Electrician") are not
    the role's name."""
    spans = [m.span() for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9'/&.-]*", text)]
    db = _db()
    for size in range(min(6, len(spans)), 0, -1):
        for start in range(len(spans) - size + 1):
            said = text[spans[start][0] : spans[start + size - 1][1]]
            ends = said.split()
            # A role's name neither starts nor ends with a word the index drops (filler,
            # a bare number): "by 2027 Store Manager" names "Store Manager".
            if not words(ends[0], keep_level=True) or not words(ends[-1], keep_level=True):
                continue
            phrase = " ".join(words(said, keep_level=True))
            if not phrase:
                continue
            row = db.execute("SELECT soc, name FROM exact WHERE phrase = ?", (phrase,))
            if (found := row.fetchone()) is not None:
                return said, Candidate(found[0], found[1])
    return None


def words(title: str, *, keep_level: bool = False) -> list[str]:
    """A title's words as the index holds them: lower case, grades as schools,
    abbreviations spelled out, filler (and, unless ``keep_level``, level) words
    dropped, plurals made singular."""
    text = title.lower().replace("\u2019", "'").replace("&", " and ")
    text = re.sub(r"\((?:pt|ft)\)", " ", text)  # part-time, full-time
    # Which shift is when, not what: "3rd Shift", "B Shift".
    text = re.sub(r"\b(?:1st|2nd|3rd|first|second|third|[abc])\s+shifts?\b", " shift ", text)
    # What follows " - ", a comma, "(" or " to " qualifies the job ("Nurse Manager - ICU",
    # "RN, ICU", "Executive Assistant to the CEO"): it goes first, so that the job's
    # own head noun ends the title, as English titles end with theirs.
    main, *qualifiers = _QUALIFIED.split(text)
    text = " ".join([*qualifiers, main])
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("'", ""))
    for pattern, school in _GRADES:
        text = pattern.sub(school, text)
    # Twice: a spelled-out abbreviation may hold a synonym ("csr" -> "customer service
    # representative" -> "customer support representative"). A number of one or two
    # digits is a level ("Engineer 2"), of four a year ("Store Manager 2027"); one of
    # three names the work ("911 Dispatcher").
    tokens = [
        t
        for t in _expand(_expand(text.split()))
        if t not in _FILLER and not (t.isdigit() and len(t) != 3)
    ]
    # "CMA Medical Assistant" spells the credential out as the title it names: once.
    tokens = list(dict.fromkeys(tokens)) if len(set(tokens)) < len(tokens) else tokens
    if not keep_level:
        # An assistant or deputy manager is a manager a level down, not an assistant.
        tokens = [
            t
            for i, t in enumerate(tokens)
            if not (t in UNDER_WORDS and any(u in LEADS for u in tokens[i + 1 :]))
        ]
        # A level word that ends the title is its head noun: "School Principal"; a
        # "Production Lead" leads the production workers, their first-line supervisor.
        if len(tokens) > 1 and tokens[-1] == "lead":
            tokens[-1] = "supervisor"
        # A "Warehouse Associate" is a warehouse worker (a sales associate is the sales
        # title OOH and O*NET know).
        if len(tokens) > 1 and tokens[-1] == "associate" and _singular(tokens[-2]) != "sale":
            tokens[-1] = "worker"
        last = tokens[-1:] if tokens and tokens[-1] in HEAD_LEVEL_WORDS else []
        tokens = [t for t in tokens[: len(tokens) - len(last)] if t not in DROPPED] + last
    return [_singular(t) for t in tokens]


# ---- matching ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _code(title: str) -> TitleMatch:
    if not _WORD.search(title.lower()):
        return TitleMatch(title, None, "none", 0.0)
    if (known := _known_title(title)) is not None:
        return known
    # A title of level words only ("Vice President", "Lead") names no work to code.
    given = words(title)
    core = _core(given)
    # A known title misspelled ("Pharmacy Techician") is that title, when surely one.
    if core != given and (known := _known_title(" ".join(core))) is not None and known.sure:
        return replace(known, title=title)
    # The job before its qualifier ("Pharmacy Tech" of "Pharmacy Tech - Retail"), and
    # the words only the qualifier has ("retail"), spelled as the search spells them.
    main = _QUALIFIED.split(title, maxsplit=1)[0]
    qualified = bool(main.strip()) and main != title
    added: frozenset[str] = frozenset()
    if qualified:
        qualifier = words(title[len(main) :], keep_level=True)
        added = frozenset({_respelled(t) for t in qualifier} - set(_core(words(main))))
    found = _search(title, core, added)
    # "Farm worker" may be O*NET's "farmworker", but an "assembly line worker" is no
    # lineworker: the joined words are searched too, and the surer match wins.
    if (joined := _joined(core)) != core:
        other = _search(title, joined, added)
        found = other if other.confidence > found.confidence else found
    # "Maintenance Foreman": a supervisor is coded to the first-line supervisors of the
    # workers supervised (SOC's rule), whom the rest of the title names.
    found = _supervisor(title, core, found)
    found = _modifier_dropped(title, core, found)
    # "Compliance Officer - Banking": the job before its qualifier is a title the index
    # knows, and the whole title's search is weaker than a guessed alternate would be.
    # "Pest Tech - Residential Routes": or a search is sure of that job and not of the
    # whole title, and the qualifier names no part of what the whole title's search
    # found (it does for a "Rental Agent - Car Rental Counter", a counter and rental
    # clerk): a qualifier that only says where the job is done does not change the job.
    # (A job read surely only through a word of its tasks is not sure: see ``code``.)
    if qualified and found.confidence < NOT_SURE:
        known = _code(main)
        looked_up = known.match in ("exact title", "known alternate")
        searched = (
            known.sure
            and not known.thin
            and known.match == "search"
            and not _names_found(added, found)
        )
        if known.occupation and (looked_up or searched):
            same = found.occupation is not None and found.occupation.soc == known.occupation.soc
            runner = found.runner_up if same else found.occupation or known.runner_up
            confidence = min(known.confidence, NOT_SURE)
            # The job's own search score is not the title's: none is given.
            return replace(known, title=title, confidence=confidence, score=None, runner_up=runner)
    # "VP of Sales, Enterprise SaaS": a search is not sure of another occupation than
    # the one the job before the qualifier surely is by its title, which is then the
    # runner-up (the qualifier may yet be the work: a school bus driver's "School
    # District").
    elif qualified and found.sure and found.match == "search" and found.occupation:
        known = _known_title(main)
        if (
            known is not None
            and known.sure
            and known.occupation is not None
            and known.occupation.soc != found.occupation.soc
        ):
            found = replace(found, confidence=NOT_SURE, runner_up=known.occupation)
    # "CEO / Co-Founder", "Ceramic Artist / Potter": two names for one job, of which the
    # index may know one. Only as sure as the two agree.
    sides = [side for side in main.split("/") if _WORD.search(side.lower())]
    if found.confidence < NOT_SURE and len(sides) == 2:
        first, second = (_code(side.strip()) for side in sides)
        best, other = (first, second) if first.confidence >= second.confidence else (second, first)
        if best.occupation and best.confidence >= NOT_SURE:
            agree = other.occupation is not None and other.occupation.soc == best.occupation.soc
            runner = found.occupation if found.occupation != best.occupation else found.runner_up
            return TitleMatch(
                title,
                best.occupation,
                best.match,
                best.confidence if agree else min(best.confidence, NOT_SURE),
                best.score,
                best.runner_up if agree else (other.occupation or runner),
            )
    return found


def _names_found(added: frozenset[str], found: TitleMatch) -> bool:
    """Whether the words a title's qualifier adds to the job before it name the
    occupation ``found``: "Car Rental Counter" names Counter and Rental Clerks."""
    return found.occupation is not None and not added.isdisjoint(words(found.occupation.name))


def _modifier_dropped(title: str, core: list[str], found: TitleMatch) -> TitleMatch:
    """A search is not sure when the title without its first word is a title the index
    surely knows as another occupation: "IT Systems Analyst" won as information
    security analysts through the "IT" of their titles, where a "Systems Analyst" is a
    computer systems analyst, who is then the runner-up. (The known title does not win:
    a "Hotel General Manager" is a lodging manager, not a general manager.)"""
    if found.match != "search" or found.occupation is None or len(core) < 3:
        return found
    known = _known_title(" ".join(core[1:]))
    if known is None or not known.sure or known.occupation is None:
        return found
    if known.occupation.soc == found.occupation.soc:
        return found
    confidence = min(found.confidence, NOT_SURE)
    return replace(found, confidence=confidence, runner_up=known.occupation)


def _core(given: list[str]) -> list[str]:
    """A title's words as searched: spelled right, and a trade's name alone as its
    worker."""
    core = [_respelled(token) for token in given]
    # A word spelled right may be one the coder spells out, alone ("custodain") or with
    # its neighbour ("custmer service"), as it would have been spelled right.
    if core != given:
        core = _expand(core)
    # A crew's member is a worker of the work it names ("Mowing Crew Member").
    if len(core) > 1 and core[-1] in ("crew", "member"):
        head = len(core) - (2 if core[-2:] == ["crew", "member"] else 1)
        core = [*core[:head], "worker"] if head and core[head] == "crew" else core
    # "Plumbing Apprentice": an apprentice plumber, coded as the trade, as SOC codes
    # apprentices.
    if len(core) == 1 and core[0].endswith("ing"):
        worker = core[0][:-3] + "er"
        core = [worker] if _is_title_word(worker) else core
    return core


def _supervised(title: str, core: list[str]) -> list[str] | None:
    """The words of a supervisor's title that name the work supervised ("maintenance" of
    "Maintenance Foreman", "harvest" of "Crew Leader - Harvest"), or None when the title
    names no supervisor."""
    level = words(title, keep_level=True)
    crew = any(a == "crew" and b in ("leader", "lead") for a, b in itertools.pairwise(level))
    if "supervisor" not in core and not crew:
        return None
    text = " ".join(core).replace("first line supervisor", "supervisor")
    work = [t for t in text.split() if t not in SUPERVISING]
    return work or None


def _supervisor(title: str, core: list[str], found: TitleMatch) -> TitleMatch:
    """For a supervisor's title the search is not sure of, the first-line supervisors
    of the workers the rest of it names ("Maintenance Foreman": of maintenance workers,
    mechanics and repairers), as SOC 2018's structure files them; else ``found`` (also
    when those workers have no supervisors of their own: a "Farm Labor" worker is read
    as a labor contractor)."""
    work = _supervised(title, core) if found.confidence < CONFIDENT else None
    workers = _code(" ".join([*work, "worker"])) if work else None
    if workers is None or workers.occupation is None:
        return found
    soc = workers.occupation.soc
    if soc not in SUPERVISORS.values():
        # The longest prefix the table holds: a detailed code, a broad or minor group,
        # the major group.
        prefix = next((soc[:n] for n in (7, 6, 4, 2) if soc[:n] in SUPERVISORS), None)
        if prefix is None:
            return found
        soc = SUPERVISORS[prefix]
    if found.occupation is not None and found.occupation.soc == soc:
        return found
    (name,) = _db().execute("SELECT name FROM occupation WHERE soc = ?", (soc,)).fetchone()
    # The runner-up is what the search found, else the workers supervised: never the
    # supervisors themselves ("Dock Foreman": the search's nearest was them).
    others = (found.occupation, found.runner_up, workers.occupation)
    runner = next((c for c in others if c is not None and c.soc != soc), None)
    confidence = min(max(workers.confidence, found.confidence), NOT_SURE)
    return TitleMatch(title, Candidate(soc, name), "search", confidence, None, runner)


def _known_title(title: str) -> TitleMatch | None:
    """``title`` as an exact title or a known alternate, with or without its level
    words; None when it is neither."""
    db = _db()
    for keep_level in (True, False):
        phrase = " ".join(words(title, keep_level=keep_level))
        row = db.execute("SELECT soc, name, kind FROM exact WHERE phrase = ?", (phrase,)).fetchone()
        if row is not None:
            return TitleMatch(title, Candidate(row[0], row[1]), row[2], 1.0)
        row = db.execute(
            "SELECT a.soc, a.name, a.sure, r.soc, r.name FROM alternate a "
            "LEFT JOIN occupation r ON r.onet = (SELECT min(onet) FROM occupation "
            "WHERE soc = a.runner_up) WHERE a.phrase = ?",
            (phrase,),
        ).fetchone()
        if row is not None:
            # An OOH title whose occupation the build had to choose among its profile's
            # is only as sure as a close search: the advice names the runner-up.
            runner = Candidate(row[3], row[4]) if row[3] else None
            sure = 1.0 if row[2] else NOT_SURE
            return TitleMatch(
                title, Candidate(row[0], row[1]), "known alternate", sure, None, runner
            )
    return None


def _joined(tokens: list[str]) -> list[str]:
    """Two words that the index's titles write as one ("farm worker" is O*NET's
    "farmworker", "fire fighter" its "firefighter"), joined."""
    out: list[str] = []
    for token in tokens:
        if out and token and _is_title_word(out[-1] + token):
            out[-1] += token
        else:
            out.append(token)
    return out


def _search(title: str, tokens: list[str], added: frozenset[str] = frozenset()) -> TitleMatch:
    """The occupation whose texts best hold ``tokens``; ``added`` are the words only a
    qualifier of the title has, which count half in how sure the search is."""
    terms = [t for t in dict.fromkeys(tokens) if t]
    if not terms:
        return TitleMatch(title, None, "none", 0.0)
    # Every word counts; the head noun (English titles end with it) counts most.
    query = " OR ".join(f'"{t}"' for t in terms)
    head = terms[-1]
    # A known word no occupation's title uses ("intensive care") qualifies the job: it
    # is searched for, but the winner's titles need not hold it. A word the index does
    # not know at all ("vibes") still counts against the match.
    titled = [t for t in terms if _is_title_word(t) or not _known(t)] or terms
    qualifiers = [t for t in terms if t not in titled]
    # "Engineer", "Technician", "Operator Specialist": words that name dozens of
    # occupations, and nothing else, name no work in particular.
    # Unless together they title a few: "Computer Repair Technician" is one job. (With
    # other words, "Packing Line Operator", the work is in those.)
    generic = all((_occupations_titled(t) or 0) > GENERIC for t in titled) and not (
        not qualifiers and len(titled) > 1 and _titled_together(tuple(titled))
    )
    if generic and not qualifiers:
        return _nearest(title, terms)
    # Titles first: most lookups are settled by an occupation whose titles hold every
    # word that can be in a title, and that query reads a few rows, not hundreds. It is
    # not read when no occupation's titles hold them all, which an AND query over the
    # titles' postings tells without ranking anything.
    rows = (
        _candidates(f"{{title alternates}} : ({query})", texts=False)
        if not generic and _titled_all(tuple(titled))
        else []
    )
    if not any(set(titled) <= set(f"{row[3]} {row[4]}".split()) for row in rows):
        rows = _candidates(query)
    military = bool(MILITARY & set(terms))
    # A word of the occupation's own titles counts fully; one its description or tasks
    # use, in part: "geologist" is in the work of Geoscientists, not its title. A
    # worker's noun counts where the text names the field by it: a "Nurse Manager" is
    # O*NET's "Nursing Director", a manager of nursing.
    # Each text is searched padded, " nurse " in " ... ", so that the word is found and
    # not "nursery": the texts hold words, one space apart.
    forms = {t: tuple(f" {form} " for form in _field_forms(t)) for t in titled}
    # Matching on "Officer" alone says nothing of a "Happiness Officer": a winner must
    # hold one of the words that say what the work is, where the title has any.
    said = [t for t in titled if t not in ROLE_WORDS]
    padded = {t: f" {t} " for t in terms}
    # How sure a search is counts a word of the qualifier at half a word of the job:
    # "Pharmacy Tech - Retail" is surely a pharmacy technician, though no title of
    # theirs says retail. The rank counts them alike: the qualifier may name the work.
    weight = {t: QUALIFIER_WEIGHT if t in added else 1.0 for t in titled}
    weights = sum(weight.values())
    job_words = OTHER_JOB_WORDS & set(terms)
    best: dict[str, tuple[float, float, str, bool, bool]] = {}
    for soc, name, employed, called, alternates, description, tasks, score in rows:
        if soc.startswith("55-") and not military:
            continue  # a civilian title is not a military occupation (and BLS has no wages)
        own, named = f" {called} ", f" {called} {alternates} "
        described, tasked = f" {description} ", f" {tasks} "
        texts = ((named, 1.0), (described, 0.6), (tasked, IN_TASKS))
        credit = {t: _credit(forms[t], texts) for t in titled}
        covered = sum(credit.values()) / len(titled)
        sure_of = sum(weight[t] * c for t, c in credit.items()) / weights
        if said and not any(credit[t] for t in said):
            covered = sure_of = 0.0
        # Only role words are titles ("Fleet Manager"): the winner must do the work the
        # other words name, in its description or tasks.
        if generic and not any(
            padded[q] in named or padded[q] in described or padded[q] in tasked for q in qualifiers
        ):
            covered = sure_of = 0.0
        # A head noun that is only a role word ("Animal Control Officer") says less of
        # the work than one that names it ("Dental Hygienist").
        head_named = padded[head] in named
        ranked = (
            score * (0.5 + covered) * ((1.2 if head in ROLE_WORDS else 1.4) if head_named else 1.0)
        )
        # Between near equals, the job more people do is the likelier: "Charge Nurse" is
        # far more often a registered nurse (3.4 million) than a nurse midwife (8,000).
        ranked *= prior(employed)
        # A helper, supervisor or teacher of the work is another job than the work; and
        # of two titles that hold the query, the one that adds least to it is closer.
        # The same, the other way: a "Nurse Manager" is not a nurse.
        # But many a "manager" is a first-line supervisor as SOC codes it (a retail
        # department or housekeeping manager); a supervisor is not a manager.
        extra = set(called.split()) - set(terms)
        missing = {w for w in job_words if padded[w] not in named}
        if "manager" in terms and " supervisor " in named:
            extra, missing = extra - {"supervisor"}, missing - {"manager"}
        ranked /= (1 + _other_job(extra) + len(missing)) * (1 + 0.1 * len(extra))
        # Sure only when the occupation's own title says what the work is in the
        # query's words: in the dev set every confidently wrong search won through a
        # role word ("Officer", "Aide") or through another title's alternates, tasks or
        # description ("Campus Security Officer" as a police patrol officer).
        # Nor when the head noun is held only by OOH titles the build guessed the
        # occupation of: "Funeral home director", guessed Funeral Attendants among its
        # profile's, made a "Funeral Director" (a mortician) one, surely; OOH's "funding
        # coordinator", guessed fundraising managers, a "Fundraising Coordinator".
        titled_by_own = (
            any(form in own for t in said or titled for form in forms[t])
            and not (head_named and padded[head] not in own and not _vouched(soc, head))
            # Nor when it supervises the workers the title names: a "Janitorial Worker"
            # won the supervisors of "Housekeeping and Janitorial Workers".
            and "supervisor" not in extra
            # Nor on a role word alone when the rest of the title names the work in words
            # no title uses: a "Driving Instructor" is not, surely, a fitness instructor.
            and (bool(said) or not qualifiers)
            and not generic
            # Nor when the title's head noun, the job, is nowhere in the winner: "ATC -
            # High School" matched on its school alone is no education administrator,
            # nor a "Heavy Equipment Operator - Construction" a mechanic.
            and (
                len(head) < 2
                or (
                    credit[head] > 0
                    if head in credit
                    else padded[head] in named
                    or padded[head] in described
                    or padded[head] in tasked
                )
            )
        )
        # A word of the title only in the winner's tasks: see ``code``.
        thin = IN_TASKS in credit.values()
        if soc not in best or ranked > best[soc][0]:
            best[soc] = (ranked, sure_of, name, titled_by_own, thin)
    if not best:
        return TitleMatch(title, None, "none", 0.0)
    return _ranked(title, best)


def prior(employed: int | None) -> float:
    """What the number of people doing a job adds to its rank: PRIOR per tenfold above
    a thousand."""
    return 1 + PRIOR * math.log10(max(employed or 0, 1000) / 1000)


@lru_cache(maxsize=4096)
def _vouched(soc: str, word: str) -> bool:
    row = _db().execute("SELECT 1 FROM vouched WHERE soc = ? AND word = ?", (soc, word))
    return row.fetchone() is not None


def _field_forms(word: str) -> tuple[str, ...]:
    """A word, and the field its worker's noun names where the index knows that word:
    "nurse" and "nursing"."""
    if len(word) <= 3 or word.endswith("ing"):
        return (word,)
    field = (word[:-1] if word.endswith("e") else word) + "ing"
    return (word, field) if _known(field) else (word,)


def _credit(forms: tuple[str, ...], texts: tuple[tuple[str, float], ...]) -> float:
    """What a word (in any of its padded forms) earns in the first of ``texts`` that
    holds it: an occupation's titles, its description, its tasks."""
    for text, credit in texts:
        for form in forms:
            if form in text:
                return credit
    return 0.0


def _other_job(extra: set[str]) -> float:
    """How far the role words a match adds to the query make it another job: a helper,
    supervisor or teacher of the work is one; a specialist where the query says
    technician, half one."""
    other = OTHER_JOB_WORDS | {"director", "inspector"}
    return len(other & extra) + 0.5 * len((ROLE_WORDS - other) & extra)


def _ranked(title: str, best: dict[str, tuple[float, float, str, bool, bool]]) -> TitleMatch:
    order = sorted(best.items(), key=lambda item: item[1][0], reverse=True)
    (soc, (top, sure_of, name, titled_by_own, thin)), rest = order[0], order[1:]
    runner = Candidate(rest[0][0], rest[0][1][2]) if rest else None
    second = rest[0][1][0] if rest else 0.0
    # Sure when the winner's own titles hold every word of the query and it leads the
    # next occupation clearly: a word it lacks costs in proportion (a word only the
    # qualifier has, half as much), a close second too.
    lead = min(1.0, (top - second) / top * 3) if top > 0 else 0.0
    confidence = round(sure_of * (0.4 + 0.6 * lead), 2)
    if not titled_by_own:
        confidence = min(confidence, NOT_SURE)
    if confidence < WEAK:
        return TitleMatch(title, None, "none", confidence, top, Candidate(soc, name))
    return TitleMatch(title, Candidate(soc, name), "search", confidence, top, runner, thin)


def _candidates(
    query: str, *, texts: bool = True
) -> list[tuple[str, str, int | None, str, str, str, str, float]]:
    """The 40 best matches by bm25 (the index's rank: title 6, alternates 1, description
    0.4, tasks 1), scored in SQLite before anything is joined or read into Python; with
    ``texts`` False, without their (long) descriptions and tasks."""
    read = "description, tasks" if texts else "'' AS description, '' AS tasks"
    return (
        _db()
        .execute(
            "SELECT soc, name, employment, title, alternates, description, tasks, score "
            f"FROM (SELECT onet, title, alternates, {read}, -rank AS score "
            "FROM doc WHERE doc MATCH ? ORDER BY rank LIMIT 40) "
            "JOIN occupation USING (onet) ORDER BY score DESC",
            (query,),
        )
        .fetchall()
    )


def _nearest(title: str, terms: list[str]) -> TitleMatch:
    """No occupation, naming the one whose title the words fit best."""
    query = " OR ".join(f'"{t}"' for t in terms)
    row = (
        _db()
        .execute(
            "SELECT soc, name FROM doc JOIN occupation USING (onet) WHERE doc MATCH ? "
            "ORDER BY rank LIMIT 1",
            (query,),
        )
        .fetchone()
    )
    return TitleMatch(title, None, "none", 0.0, None, Candidate(row[0], row[1]) if row else None)


@lru_cache(maxsize=4096)
def _titled_all(tokens: tuple[str, ...]) -> bool:
    """Whether some occupation's titles and alternates hold all these words (as the
    index stems them)."""
    query = "{title alternates} : (" + " AND ".join(f'"{t}"' for t in tokens) + ")"
    row = _db().execute("SELECT 1 FROM doc WHERE doc MATCH ? LIMIT 1", (query,)).fetchone()
    return row is not None


@lru_cache(maxsize=4096)
def _titled_together(tokens: tuple[str, ...]) -> bool:
    """Whether a few occupations' titles hold all these words, each of which many titles
    use: "computer" and "repairer" together name one job."""
    query = "{title} : (" + " AND ".join(f'"{t}"' for t in tokens) + ")"
    (count,) = _db().execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (query,)).fetchone()
    return bool(0 < count <= GENERIC)


@lru_cache(maxsize=4096)
def _occupations_titled(token: str) -> int | None:
    """How many occupations' titles use ``token``; None when no title or alternate does."""
    row = _db().execute("SELECT occupations FROM title_word WHERE word = ?", (token,))
    found = row.fetchone()
    return None if found is None else int(found[0])


@lru_cache(maxsize=4096)
def _known(token: str) -> bool:
    return _db().execute("SELECT 1 FROM vocab WHERE word = ?", (token,)).fetchone() is not None


def _is_title_word(token: str) -> bool:
    return _occupations_titled(token) is not None


def _respelled(token: str) -> str:
    """``token`` spelled right: a title word, or an everyday word the coder spells out
    ("custodain" is a custodian, a janitor)."""
    spelled = _spelled(token)
    if spelled != token or len(token) < 5 or _known(token):
        return spelled
    return next(
        (word for word in _spelled_out() if _one_edit(token, word) and _same_start(token, word)),
        token,
    )


def _same_start(a: str, b: str) -> bool:
    """Whether two words start alike, or with their first two letters swapped: a typo
    seldom changes the first letter, so "lumper" is another word than "pumper" (and
    "kinder" than "winder")."""
    return a[0] == b[0] or a[:2] == b[1::-1]


@cache
def _spelled_out() -> list[str]:
    """The single words ``_expand`` spells out that are long enough to misspell."""
    return sorted(w for w in _synonyms() if len(w) >= 5 and " " not in w)


def _spelled(token: str) -> str:
    """``token``, or the title word one edit away from it when the index lacks it."""
    db = _db()
    if len(token) < 5 or _known(token):
        return token
    keys = {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        f"SELECT word FROM spell WHERE key IN ({marks}) ORDER BY uses DESC, word",
        tuple(keys),
    )
    # A shared deletion is one edit or two ("fueler" and "feller" both lose a letter to
    # "feler"): only a word one edit away is the word meant; of those, one a letter
    # longer first, a dropped letter being the likeliest slip ("electrican" is an
    # electrician, not "electrical"), then the most used.
    near = [str(word) for (word,) in rows if _one_edit(token, word) and _same_start(token, word)]
    if near:
        return min(near, key=lambda word: len(word) != len(token) + 1)
    # Two edits apart ("practioner"): the closest title word, when it is close enough,
    # in a word long enough that two edits are a typo ("founder" is no "foundry").
    if len(token) < 8:
        return token
    import difflib

    near = [w for w in _title_words() if w[0] == token[0] and abs(len(w) - len(token)) <= 2]
    close = difflib.get_close_matches(token, near, n=1, cutoff=0.8)
    return close[0] if close else token


def _one_edit(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped."""
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) > 1:
        return False
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(b))
    if len(a) > len(b):
        return a[i + 1 :] == b[i:]
    swapped = a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i + 1 :] or swapped


@cache
def _title_words() -> list[str]:
    rows = _db().execute("SELECT word FROM spell WHERE key = word ORDER BY word")
    return [str(row[0]) for row in rows]


def _expand(tokens: list[str]) -> list[str]:
    """Abbreviations and the hand map's synonyms (longest first) spelled out."""
    synonyms = _synonyms()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            if i + size > len(tokens):
                continue
            phrase = " ".join(tokens[i : i + size])
            single = " ".join([*tokens[i : i + size - 1], _singular(tokens[i + size - 1])])
            found = synonyms.get(phrase) or synonyms.get(single)
            if found is not None:
                out.extend(found.split())
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@cache
def _synonyms() -> dict[str, str]:
    """ABBREVIATIONS, then the hand map's synonyms ("vice president" -> "vp")."""
    import json
    from importlib import resources

    data = json.loads(resources.files(__package__).joinpath(HAND_MAP).read_text("utf-8"))
    synonyms: dict[str, str] = data["matching"]["synonyms"]
    return ABBREVIATIONS | LAY_TERMS | synonyms


def _singular(token: str) -> str:
    """A light singular: nurses -> nurse, secretaries -> secretary, boxes -> box."""
    if len(token) <= 3 or token.endswith(("ss", "us", "is")):
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("ches", "shes", "xes", "sses")):
        return token[:-2]
    if token.endswith("s"):
        return token[:-1]
    return token


@cache
def _db() -> sqlite3.Connection:
    import sqlite3
    from importlib import resources

    path = resources.files(__package__).joinpath(DB_NAME)
    # Read-only and immutable: no journal, no locks, safe to share across threads.
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    (schema,) = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    if schema != SCHEMA:
        raise RuntimeError(f"{DB_NAME} has schema {schema}, expected {SCHEMA}")
    return db
