"""A synthetic news corpus: articles of about 3 KB with a gold record each, deterministic.

Article `index` is always the same text and record: quotes in several constructions (before
and after the speaker, in two parts, without a speaker), speakers that are people, groups
or unnamed, cues, initiatives with their proponents, and fillers with emoji and non-Latin
scripts, where offsets counted in UTF-16 or bytes would go wrong.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, cast

from quotegold.articles.ingest import Article
from quotegold.articles.tasks import article_to_task
from quotegold.gold.model import GoldRecord
from quotegold.gold.results import record_to_results
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.formats import JOINER

PEOPLE = [
    ("Defence Minister Rajnath Singh", "Rajnath Singh"),
    ("Foreign Minister Sergei Lavrov", "Sergei Lavrov"),
    ("Prime Minister Narendra Modi", "Narendra Modi"),
    ("President Xi Jinping", "Xi Jinping"),
    ("Secretary-General Zhang Ming", "Zhang Ming"),
    ("Defence Minister Khwaja Asif", "Khwaja Asif"),
    ("President Shavkat Mirziyoyev", "Shavkat Mirziyoyev"),
    ("Ambassador Anna Petrova", "Anna Petrova"),
    ("General Li Shangfu", "Li Shangfu"),
    ("Senator Maria González", "Maria González"),
    ("Professor Aiko Tanaka", "Aiko Tanaka"),
    ("spokesperson Olusegun Adeyemi", "Olusegun Adeyemi"),
    ("analyst Priya Raman", "Priya Raman"),
    ("Minister Dmitri Volkov", "Dmitri Volkov"),
    ("Chancellor Helga Brandt", "Helga Brandt"),
    ("Governor Amina Yusuf", "Amina Yusuf"),
]
GROUPS = [
    ("the Shanghai Cooperation Organisation", "Shanghai Cooperation Organisation", "organisation"),
    ("the Kremlin", "Kremlin", "organisation"),
    ("the foreign ministry", "Foreign Ministry", "organisation"),
    ("India", "India", "country"),
    ("China", "China", "country"),
    ("Kazakhstan", "Kazakhstan", "country"),
    ("an official", "an official", "unnamed"),
    ("a senior diplomat", "a senior diplomat", "unnamed"),
]
CUES = ["said", "told reporters", "stated", "added", "warned", "argued", "noted", "declared"]
CLAIMS = {
    # Keyed by the built-in stance targets.
    "security": ["terrorism is the biggest threat to all of us", "we will not tolerate terror"],
    "foreign_affairs": ["the SCO must grow stronger", "members should trust each other more"],
    "governance": ["Afghanistan needs an inclusive government", "the ministry must act now"],
    "economy": ["the new budget protects families", "taxes will not rise this year"],
    "health": ["the hospitals need more nurses", "vaccines must reach every village"],
    "migration": ["the border must stay open", "refugees deserve a fair hearing"],
    "other": ["the weather delayed the talks", "the venue was well chosen"],
}
STANCES = ["support", "oppose", "neutral"]
TYPES = ["direct", "indirect", "mixed"]
INITIATIVES = [
    "Regional Anti-Terrorist Structure",
    "Defence Cooperation Plan",
    "Clean Water Compact",
    "Digital Silk Road",
    "Youth Exchange Programme",
]
STATUSES = ["proposed", "agreed", "endorsed", "mentioned"]
CITIES = ["New Delhi", "Astana", "Beijing", "Moscow", "Tashkent", "Bishkek", "Dushanbe"]
# Emoji (astral), flags, Devanagari, Chinese, Cyrillic, Arabic and Greek: offsets are code
# points, and these are where UTF-16 or bytes would go wrong.
SCRIPTS = ["😀", "🇮🇳🤝🇨🇳", "नमस्ते", "北京", "Новости", "مرحبا", "Ελλάδα", "👩\u200d👩\u200d👧"]
FILLERS = [
    "The meeting in {city} drew delegates from {n} countries {script}. Most of them arrived "
    "a day early, and several bilateral meetings were held on the sidelines of the summit.",
    "Trade between the member states has grown by {n} per cent over the past decade, according "
    "to figures published by the secretariat, although growth slowed last year.",
    "Talks resumed on {day} after a short break, local media reported.",
    "Security was tight around the venue in {city}, where {n} police officers were deployed.",
    "Officials from {n} ministries attended the closed session {script}.",
    "The summit in {city} is the {n}th of its kind since the organisation was founded.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


class _Builder:
    """Text and regions of one article, with offsets counted as the text grows."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.speakers: list[dict[str, Any]] = []
        self.cues: list[dict[str, Any]] = []
        self.quotes: list[dict[str, Any]] = []
        self.initiatives: list[dict[str, Any]] = []

    def add(self, text: str) -> dict[str, Any]:
        span = {"start": self.size, "end": self.size + len(text), "text": text}
        self.parts.append(text)
        self.size += len(text)
        return span

    def speaker(self, rng: random.Random, *, first: bool = False) -> str:
        if rng.random() < 0.7:
            written, name = rng.choice(PEOPLE)
            kind = "person"
        else:
            written, name, kind = rng.choice(GROUPS)
        if first:  # the first word of a sentence
            written = written[0].upper() + written[1:]
        sid = f"s{len(self.speakers) + 1}"
        self.speakers.append({"id": sid, **self.add(written), "name": name, "kind": kind})
        return sid

    def cue(self, rng: random.Random) -> str:
        cid = f"c{len(self.cues) + 1}"
        self.cues.append({"id": cid, **self.add(rng.choice(CUES))})
        return cid

    def quote(
        self,
        spans: list[dict[str, Any]],
        rng: random.Random,
        target: str,
        speaker: str | None,
        cue: str | None,
    ) -> None:
        stance = rng.choice(STANCES)
        self.quotes.append(
            {
                "id": f"q{len(self.quotes) + 1}",
                "spans": spans,
                "text": JOINER.join(span["text"] for span in spans),
                "quote_type": rng.choice(TYPES),
                "speaker_id": speaker,
                "no_speaker": speaker is None,
                "cue_id": cue,
                "stance": stance,
                "stance_target": target if stance != "neutral" or rng.random() < 0.5 else None,
            }
        )


def _claim(rng: random.Random) -> tuple[str, str, str]:
    """A stance target, a claim about it (capitalised) and the other claim about it."""
    target = rng.choice(list(CLAIMS))
    claim, other = rng.sample(CLAIMS[target], 2)
    return target, claim[0].upper() + claim[1:], other


def _sentence(b: _Builder, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.14:  # Speaker cue: “Quote.”
        speaker = b.speaker(rng, first=True)
        b.add(" ")
        cue = b.cue(rng)
        b.add(": “")
        target, claim, other = _claim(rng)
        b.quote([b.add(f"{claim}, and {other}.")], rng, target, speaker, cue)
        b.add("”")
    elif roll < 0.24:  # “Quote,” speaker cue.
        b.add("“")
        target, claim, _ = _claim(rng)
        span = b.add(f"{claim} {rng.choice(SCRIPTS)}")
        b.add(",” ")
        speaker = b.speaker(rng)
        b.add(" ")
        b.quote([span], rng, target, speaker, b.cue(rng))
        b.add(".")
    elif roll < 0.29:  # a quote in two parts
        b.add("“")
        target, claim, other = _claim(rng)
        first = b.add(f"{claim},")
        b.add("” ")
        speaker = b.speaker(rng)
        b.add(" ")
        cue = b.cue(rng)
        b.add(", “")
        second = b.add(f"and {other}.")
        b.add("”")
        b.quote([first, second], rng, target, speaker, cue)
    elif roll < 0.33:  # no identifiable speaker
        b.add("“")
        target, claim, _ = _claim(rng)
        b.quote([b.add(f"{claim}!")], rng, target, None, None)
        b.add("” read a banner outside the hall.")
    elif roll < 0.40:  # an initiative put forward by a speaker
        speaker = b.speaker(rng, first=True)
        b.add(" put forward the ")
        span = b.add(rng.choice(INITIATIVES))
        b.initiatives.append(
            {
                "id": f"i{len(b.initiatives) + 1}",
                **span,
                "status": rng.choice(STATUSES),
                "proponent_ids": [speaker],
            }
        )
        b.add(f" on {rng.choice(DAYS)}.")
    else:
        b.add(
            rng.choice(FILLERS).format(
                city=rng.choice(CITIES),
                n=rng.randint(2, 40),
                script=rng.choice(SCRIPTS),
                day=rng.choice(DAYS),
            )
        )


def make_article(index: int, size: int = 3000) -> tuple[Article, GoldRecord]:
    """The synthetic article `index` and its gold record; the same for the same index."""
    rng = random.Random(index)
    article_id = hashlib.sha256(f"bench-{index}".encode()).hexdigest()[:16]
    b = _Builder()
    city = rng.choice(CITIES)
    b.add(f"{city.upper()}, {rng.choice(DAYS)} — ")
    while b.size < size:
        for _ in range(rng.randint(2, 4)):
            _sentence(b, rng)
            b.add(" ")
        b.parts[-1] = "\n"  # each paragraph on its own line
    text = "".join(b.parts).rstrip("\n")
    title = f"Delegates meet in {city} ({index})"
    url = f"https://news.example.org/{index}"
    published = f"2024-{index % 12 + 1:02d}-{index % 28 + 1:02d}"
    meta = {
        "title": title,
        "url": url,
        "source": "bench",
        "published": published,
        "boilerplate": [],
    }
    # The builder keeps plain dicts; the validation step of the bench checks the records.
    record: GoldRecord = cast(
        GoldRecord,
        {
            "id": article_id,
            "text": text,
            "meta": meta,
            "speakers": b.speakers,
            "cues": b.cues,
            "quotes": b.quotes,
            "initiatives": b.initiatives,
            "provenance": {
                "schema_version": DEFAULT_SCHEMA.version,
                "project_id": None,
                "project_title": None,
                "task_id": None,
                "annotation_ids": [],
                "annotator_ids": [],
                "created_at": None,
                "updated_at": None,
            },
        },
    )
    article = Article(
        id=article_id,
        text=text,
        title=title,
        url=url,
        source="bench",
        published=published,
    )
    return article, record


def annotated_task(article: Article, record: GoldRecord) -> dict[str, Any]:
    """The task of an article with its gold record as one imported (not ground-truth)
    annotation."""
    annotation = {"result": record_to_results(record), "ground_truth": False}
    return {**article_to_task(article), "annotations": [{**annotation, "was_cancelled": False}]}
