"""Goals: target a specific next role.

"Become an executive" is a job-mindset goal: it names a level and nothing to aim at.
"Become CMO of a $1B technology company by 2029" is a career-mindset goal: a role, a
level, the kind, size and industry of the organisation, and a horizon. The NextMove goal
rubric (2026) scores a goal 0-100 by the facets it names; each facet found adds its
weight, so naming more never lowers the score. A goal is specific when it scores at
least ``SPECIFIC_AT`` and names a role; otherwise the advice names what is missing and
shows a rewrite built from what the person already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from nextmove.contracts.events import GoalData, GoalUpdated
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain import skills
from nextmove.domain.state import PersonState
from nextmove.domain.wording import join_words, with_article

RUBRIC = "NextMove goal rubric"
RUBRIC_YEAR = "2026"

# The role carries the most weight: without it there is nothing to build skills for.
WEIGHTS = {
    "role": 30,
    "level": 15,
    "organisation kind": 15,
    "industry": 15,
    "horizon": 15,
    "organisation size": 10,
}
SPECIFIC_AT = 70

_C_LEVEL = r"c(?:e|f|m|t|o|i|p|r|hr|is|d|x)o"  # CEO, CFO, CMO, CTO, COO, ... CHRO, CISO
_LEVEL = (
    rf"{_C_LEVEL}|chief(?: \w+)? officer|vice president|s?vp|evp|head of|director|executive"
    r"|senior|principal|staff|lead|manager|partner|founder"
)
_FUNCTION = (
    r"engineering|product|design|data|analytics|sales|marketing|growth|customer success"
    r"|support|operations|people|hr|human resources|finance|accounting|partnerships|revenue"
    r"|technology|it|security|research|strategy|legal|procurement|supply chain"
)
_LEADING_LEVEL = re.compile(r"(?:senior|sr\.?|principal|staff|lead|junior|jr\.?)\s+", re.I)
_FACET_PATTERNS = {
    # A catalogue role is recognised too (see ``assess``); these catch the rest:
    # C-level titles and a level attached to a function ("Head of Growth").
    "role": (
        rf"\b(?:{_C_LEVEL}|chief \w+(?: \w+)? officer"
        rf"|(?:vp|vice president|head|director|svp|evp)(?: of)? (?:{_FUNCTION})"
        rf"|(?:{_FUNCTION}) (?:director|manager|lead|leader))\b"
    ),
    "level": rf"\b(?:{_LEVEL})\b",
    "organisation kind": (
        r"\b(?:start-?ups?|scale-?ups?|public(?:ly traded| listed)? company|listed company"
        r"|private company|non-?profits?|not-for-profit|charity|ngo|agency|consultancy"
        r"|consulting firm|(?:technology|tech|software|saas) (?:company|firm)|government"
        r"|public sector|university|hospital|bank|family business|enterprise company)\b"
    ),
    "organisation size": (
        r"(?:[$€£]\s?\d+(?:[.,]\d+)?\s?(?:[kmb]n?|million|billion)\b"
        r"|\b(?:fortune|ftse|s&p|russell) ?\d+\b|\b\d[\d,]*[- ](?:person|people|employee)s?\b"
        r"|\bseries [a-f]\b|\bseed[- ]stage\b|\bunicorn\b|\b(?:multi-)?billion[- ]dollar\b"
        r"|\b(?:small|mid-?sized?|large)(?: |-)(?:company|business|enterprise)\b)"
    ),
    "industry": (
        r"\b(?:technology|tech|software|saas|fintech|financial services|banking|insurance"
        r"|healthcare|health ?tech|health|biotech|pharma(?:ceutical)?s?|medtech|retail"
        r"|e-?commerce|media|gaming|education|edtech|energy|climate|cleantech|manufacturing"
        r"|automotive|logistics|telecoms?|consumer goods|hospitality|travel|cybersecurity"
        r"|ai|artificial intelligence|real estate|proptech|legal ?tech|government|defen[cs]e)\b"
    ),
    "horizon": (
        r"\b(?:20[2-9]\d|in (?:the next )?\w+ (?:years?|months?)|within \w+ (?:years?|months?)"
        r"|next year|by (?:the )?end of (?:the |next )?year|q[1-4] 20[2-9]\d)\b"
    ),
}
_PATTERNS = {facet: re.compile(p, re.IGNORECASE) for facet, p in _FACET_PATTERNS.items()}
# A title that is itself a level: "CMO", "VP of Sales", "Head of Growth", "Director of
# Nursing". "Manager" in "Project Manager" is only the job's name.
_TITLE_LEVEL = re.compile(
    rf"\b(?:{_C_LEVEL}|chief|vice president|s?vp|evp|head|director)\b", re.IGNORECASE
)

# What the rewrite shows for a facet the person has not named: a slot in their own
# words to fill, never an invented fact ("a 500-person fintech" for a nurse).
_SLOT = {
    "organisation size": "<organisation size>",
    "industry": "<industry>",
    "organisation kind": "<organisation kind>",
}


@dataclass(frozen=True)
class GoalAssessment:
    score: int  # 0-100
    found: dict[str, str]  # facet -> the words that named it
    missing: tuple[str, ...]  # in rubric order, heaviest first
    role: skills.Role | None  # the catalogue role it targets, when recognised
    titled_level: bool = False  # the level is the role's own title ("CMO")

    @property
    def specific(self) -> bool:
        return self.score >= SPECIFIC_AT and "role" in self.found


# Cached: one event's rules ask about the same stored goal up to four times, and each
# answer is six regular-expression searches (GoalData is frozen, so hashable).
@lru_cache(maxsize=256)
def assess(goal: GoalData) -> GoalAssessment:
    """Score a goal's specificity on the NextMove goal rubric. The answer is shared
    between callers: read it, never change it."""
    # Single-spaced but in the person's own casing, so the advice quotes their words.
    text = " ".join(f"{goal.statement} {goal.target_role or ''}".split())
    found: dict[str, str] = {}
    for facet, pattern in _PATTERNS.items():
        if facet != "level" and (match := pattern.search(text)):
            found[facet] = match.group(0)
    level, titled_level = _level(text)
    if level is not None:
        found["level"] = level
    role = skills.target_role(goal)
    if role is not None:
        found["role"] = role.title
    elif "role" not in found and (named := _occupation_named(goal, text)) is not None:
        found["role"] = named
    if goal.target_date is not None and "horizon" not in found:
        found["horizon"] = f"by {goal.target_date.isoformat()}"
    return GoalAssessment(
        score=sum(WEIGHTS[f] for f in found),
        found={f: found[f] for f in WEIGHTS if f in found},
        missing=tuple(f for f in WEIGHTS if f not in found),
        role=role,
        titled_level=titled_level,
    )


def _occupation_named(goal: GoalData, text: str) -> str | None:
    """Any occupation named in the goal, beyond the catalogue's roles ("Dental
    Hygienist", "Electrician"), in the person's words; or the partner's code's."""
    # Imported here: only a goal the catalogue does not know opens the title index.
    from nextmove.reference import titles

    found = titles.find_in(text)
    if goal.occupation_code and (coded := titles.from_code(goal.occupation_code)):
        return goal.target_role or (found[0] if found else titles.one_of(coded.name))
    # A partner's target role is a job title, not free text: coded as one, it names an
    # occupation when the coder is sure of it ("Logistics Coordinator", an OOH title that
    # a goal's free text is not searched for).
    if goal.target_role and titles.code(goal.target_role).sure:
        return goal.target_role
    return found[0] if found else None


def _level(text: str) -> tuple[str | None, bool]:
    """The level a goal names, and whether it is its role's own title. A level word
    inside a role's name is not a second facet ("Project Manager" names a role, not a
    level); a title that is a level ("CMO", "VP of Sales") names both."""
    spans = [m.span() for m in _PATTERNS["role"].finditer(text)]
    # A catalogue alias that leads with a level ("senior Engineering Manager", an alias of
    # Director of Engineering) still names that level: only the rest is the role's name.
    for start, end in skills.catalogue().role_spans(text):
        lead = _LEADING_LEVEL.match(text, start, end)
        spans.append((lead.end() if lead and lead.end() < end else start, end))
    masked = text
    for start, end in sorted(spans):
        if _TITLE_LEVEL.search(text[start:end]):
            return text[start:end], True
        masked = masked[:start] + " " * (end - start) + masked[end:]
    match = _PATTERNS["level"].search(masked)
    return (match.group(0), False) if match else (None, False)


def target_occupation(
    assessment: GoalAssessment, code: str | None = None
) -> tuple[str, str] | None:
    """The SOC occupation (code, name) a goal's role maps to, if it maps: the partner's
    ``code`` when it sent one, else the catalogue's, else the title coder's.

    The reference data is imported only here, so that only goals that need it load it.
    """
    if code is not None:
        from nextmove.reference import titles

        if (coded := titles.from_code(code)) is not None:
            return coded.soc, coded.name
    role = assessment.role
    if role is not None and role.soc and role.soc_title:
        return role.soc, role.soc_title
    title = role.title if role is not None else assessment.found.get("role")
    if title is None:
        return None
    from nextmove.reference import market

    occupation = market.occupation_for_title(title)
    return (occupation.soc, occupation.name) if occupation is not None else None


def example_rewrite(assessment: GoalAssessment, state: PersonState, today: date) -> str:
    """A specific version of the goal, keeping what the person wrote and showing a slot
    for each facet they did not name.

    The role is the goal's own when it names one, else the usual step up from the
    person's current role (from their profile). Nothing is invented: the profile holds
    no industry or organisation, so those stay slots for the person to fill.
    """
    found = assessment.found
    role = found.get("role") or _step_up_title(state)
    size = found.get("organisation size", _SLOT["organisation size"])
    industry = found.get("industry", _SLOT["industry"])
    kind = found.get("organisation kind", _SLOT["organisation kind"])
    if industry.lower() in kind.lower():  # "technology company" names both
        industry = ""
    horizon = found.get("horizon", str(today.year + 3))
    if horizon[0].isdigit():
        horizon = f"by {horizon}"
    organisation = " ".join(w for w in (size, industry, kind) if w)
    return f"Become {role} at {with_article(organisation)} {horizon}"


def _step_up_title(state: PersonState) -> str:
    if state.profile is None:
        return "Director of <your function>"
    cat = skills.catalogue()
    current = cat.find_role(state.profile.data.current_role)
    if current is not None and current.step_up:
        return cat.roles[current.step_up].title
    return f"the next role up from {state.profile.data.current_role}"


def advise_goal(
    state: PersonState, event: GoalUpdated, *, tenant: str
) -> tuple[PersonState, Recommendation]:
    """Rules ``goal.too_vague`` and ``goal.specific``: answer every goal the person sets."""
    assessment = assess(event.data)
    evidence = [
        Evidence(
            label="Goal specificity",
            value=assessment.score,
            unit="points of 100",
            source=RUBRIC,
            year=RUBRIC_YEAR,
            detail=f"specific from {SPECIFIC_AT} with a role named",
        ),
        *(
            Evidence(
                label=f"Names the {facet}",
                value=words,
                source=RUBRIC,
                year=RUBRIC_YEAR,
                detail=f"+{WEIGHTS[facet]} points",
            )
            for facet, words in assessment.found.items()
        ),
        *(
            Evidence(
                label="Not named yet",
                value=f"the {facet}",
                source=RUBRIC,
                year=RUBRIC_YEAR,
                detail=f"worth {WEIGHTS[facet]} points",
            )
            for facet in assessment.missing
        ),
    ]
    code = event.data.occupation_code
    if assessment.specific and (occupation := target_occupation(assessment, code)) is not None:
        evidence.append(
            Evidence(
                label="Occupation",
                value=f"{occupation[1]} (SOC {occupation[0]})",
                source="Standard Occupational Classification",
                year="2018",
                detail=f"the occupation {assessment.found['role']} maps to",
            )
        )
    fields = (
        _specific(assessment, code) if assessment.specific else _too_vague(assessment, state, event)
    )
    rec = Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="goal",
        created_at=event.occurred_at,
        evidence=evidence,
        **fields,
    )
    return state, rec


def _specific(assessment: GoalAssessment, code: str | None) -> dict[str, object]:
    occupation = target_occupation(assessment, code)
    role = assessment.found["role"]
    body = (
        f"Your goal scores {assessment.score} of 100: it names {_facets(assessment)}. "
        "That is a target you can plan for: the skills to build, the moment to move and "
        "the pay to ask for all follow from it."
    )
    if occupation is not None:
        body += f" It maps to the occupation {occupation[1]} (SOC {occupation[0]})."
    actions = [
        f"Compare your skills with what {with_article(role)} needs; pick the next to build.",
        "Tell your manager or a mentor the goal, so they can point you at the right work.",
        "Review the goal every quarter and after every major success.",
    ]
    if assessment.missing:
        actions.insert(
            1, f"Sharpen it further by naming the {join_words(list(assessment.missing))}."
        )
    return {
        "priority": "low",
        "headline": f"Your goal is specific: {role}",
        "body": body,
        "actions": actions,
        "rule": "goal.specific",
    }


def _too_vague(
    assessment: GoalAssessment, state: PersonState, event: GoalUpdated
) -> dict[str, object]:
    rewrite = example_rewrite(assessment, state, event.occurred_at.date())
    missing = list(assessment.missing)
    named = f"it names only {_facets(assessment)}" if assessment.found else "it names no facet"
    body = (
        f"Your goal scores {assessment.score} of 100: {named}. A goal you can act on names "
        f'the {join_words(missing)}. For example: "{rewrite}".'
    )
    return {
        "priority": "normal",
        "headline": f"Make your goal specific: name the {join_words(missing[:2])}",
        "body": body,
        "actions": [
            *(f"Name the {facet}: {_PROMPTS[facet]}" for facet in missing),
            f'Rewrite the goal in one sentence, e.g. "{rewrite}".',
        ],
        "rule": "goal.too_vague",
    }


_PROMPTS = {
    "role": "which job title do you want next (e.g. Engineering Manager, CMO)?",
    "level": "how senior (e.g. senior, director, VP, C-level)?",
    "organisation kind": "what kind of organisation (startup, public company, nonprofit)?",
    "industry": "which industry (e.g. technology, healthcare, fintech)?",
    "horizon": "by when (a year, e.g. 2029)?",
    "organisation size": "how big (e.g. $1B revenue, 500-person, Series B)?",
}


def _facets(assessment: GoalAssessment) -> str:
    named: list[str] = []
    for facet, words in assessment.found.items():
        if facet == "level" and assessment.titled_level and named:
            # The role comes first (the rubric's order) and its title is the level.
            named[0] = named[0].replace("the role", "the role and level", 1)
        else:
            named.append(f'the {facet} ("{words}")')
    return join_words(named)
