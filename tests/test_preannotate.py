"""The rule-based pre-annotator: constructions of attribution, names, initiatives, stance,
messy input, and that every suggestion is a valid gold record with exact offsets.

Expected spans are written by hand from the sentences; they are never produced by the code
under test.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quotegold.preannotate as preannotate_module
from quotegold.articles.boilerplate import find_boilerplate
from quotegold.articles.ingest import Article, read_articles
from quotegold.gold.validate import default_validator
from quotegold.preannotate import (
    MODEL_VERSION,
    PREANNOTATOR_NAME,
    PREANNOTATOR_VERSION,
    PreAnnotator,
    Suggestion,
    preannotate,
)
from quotegold.preannotate.textview import _sentence_starts, chunks
from quotegold.schema.defaults import DEFAULT_SCHEMA as SCHEMA
from quotegold.schema.formats import JOINER

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "tasks" / "seeds" / "000_39aac9fc28ccbe21.txt"
RAW_TEXTS = [ROOT / "tasks" / "seeds", ROOT / "tasks" / "wikinews" / "articles.jsonl"]


@pytest.fixture(scope="module")
def annotator() -> PreAnnotator:
    return PreAnnotator()


def suggest(text: str, annotator: PreAnnotator | None = None) -> dict[str, Any]:
    article = Article(id="t", text=text, boilerplate=find_boilerplate(text))
    suggestion = (annotator or PreAnnotator())(article) if annotator else preannotate(article)
    assert_valid(suggestion)
    return suggestion.record


def assert_valid(suggestion: Suggestion) -> None:
    record = suggestion.record
    assert default_validator().validate(record) == []
    text = record["text"]
    regions = [*record["speakers"], *record["cues"], *record["initiatives"]]
    spans = [span for quote in record["quotes"] for span in quote["spans"]]
    for span in [*regions, *spans]:
        assert text[span["start"] : span["end"]] == span["text"]
    ids = {region["id"] for region in [*regions, *record["quotes"]]}
    assert set(suggestion.scores) == ids
    assert all(0.0 <= score <= 1.0 for score in suggestion.scores.values())


def by_id(record: dict[str, Any], layer: str) -> dict[str, dict[str, Any]]:
    return {region["id"]: region for region in record[layer]}


def only_quote(record: dict[str, Any]) -> dict[str, Any]:
    assert len(record["quotes"]) == 1, record["quotes"]
    quote: dict[str, Any] = record["quotes"][0]
    return quote


def speaker_of(record: dict[str, Any], quote: dict[str, Any]) -> dict[str, Any]:
    return by_id(record, "speakers")[quote["speaker_id"]]


def cue_of(record: dict[str, Any], quote: dict[str, Any]) -> str | None:
    if quote["cue_id"] is None:
        return None
    text: str = by_id(record, "cues")[quote["cue_id"]]["text"]
    return text


# -- the API ---------------------------------------------------------------------------------


def test_public_api_is_pinned() -> None:
    assert sorted(preannotate_module.__all__) == [
        "MODEL_VERSION",
        "PREANNOTATOR_NAME",
        "PREANNOTATOR_VERSION",
        "PreAnnotator",
        "Suggestion",
        "preannotate",
    ]
    assert PREANNOTATOR_NAME == "quotegold-rules"
    assert f"quotegold-rules-{PREANNOTATOR_VERSION}" == MODEL_VERSION


def test_suggestion_score_is_the_mean_region_score() -> None:
    assert Suggestion({}, {}).score == 0.0
    assert Suggestion({}, {"q1": 0.5, "s1": 1.0}).score == pytest.approx(0.75)


def test_record_carries_meta_and_provenance() -> None:
    text = "Intro line.\nAlso read this: Other story\nAnna Berg said the river was rising."
    article = Article(
        id="a-1",
        text=text,
        title="Flood",
        url="https://example.org/flood",
        source="Example",
        published="2024-05-01",
        boilerplate=find_boilerplate(text),
    )
    record = preannotate(article).record
    assert record["id"] == "a-1"
    assert record["meta"] == {
        "title": "Flood",
        "url": "https://example.org/flood",
        "source": "Example",
        "published": "2024-05-01",
        "boilerplate": [{"start": 12, "end": 39}],
    }
    assert record["provenance"] == {
        "schema_version": SCHEMA.version,
        "project_id": None,
        "project_title": None,
        "task_id": None,
        "annotation_ids": [],
        "annotator_ids": [MODEL_VERSION],
        "created_at": None,
        "updated_at": None,
    }


def test_module_function_reuses_one_annotator() -> None:
    preannotate(Article(id="x", text="Hello."))
    first = preannotate_module._SHARED[SCHEMA]
    preannotate(Article(id="y", text="Hello again."))
    assert preannotate_module._SHARED[SCHEMA] is first


# -- constructions ---------------------------------------------------------------------------

# (sentence, speaker mention, cue, quote span texts, quote type)
CONSTRUCTIONS = [
    (
        "Mayor Anna Berg said, “We will rebuild the bridge by spring.”",
        "Mayor Anna Berg",
        "said",
        ["We will rebuild the bridge by spring."],
        "direct",
    ),
    (
        'Anna Berg said: "The budget is balanced and the schools are funded."',
        "Anna Berg",
        "said",
        ["The budget is balanced and the schools are funded."],
        "direct",
    ),
    (
        "Pierre Dubois declared: «The strike will continue until Monday.»",
        "Pierre Dubois",
        "declared",
        ["The strike will continue until Monday."],
        "direct",
    ),
    (
        "“The talks were productive and honest,” Foreign Minister Lena Holm said.",
        "Foreign Minister Lena Holm",
        "said",
        ["The talks were productive and honest"],
        "direct",
    ),
    (
        "“Prices will fall next year,” said Tom Okafor.",
        "Tom Okafor",
        "said",
        ["Prices will fall next year"],
        "direct",
    ),
    (
        "Anna Berg stated, “Our city is safe again.”",
        "Anna Berg",
        "stated",
        ["Our city is safe again."],
        "direct",
    ),
    (
        "Lena Holm added that the agreement would be signed in June.",
        "Lena Holm",
        "added",
        ["the agreement would be signed in June"],
        "indirect",
    ),
    (
        "Tom Okafor said the central bank would cut rates.",
        "Tom Okafor",
        "said",
        ["the central bank would cut rates"],
        "indirect",
    ),
    (
        "The port will reopen on Friday, the spokesman said.",
        "the spokesman",
        "said",
        ["The port will reopen on Friday"],
        "indirect",
    ),
    (
        "According to the Interior Ministry, 40 people were injured in the storm.",
        "the Interior Ministry",
        "According to",
        ["40 people were injured in the storm"],
        "indirect",
    ),
    (
        "Forty people were injured in the storm, according to local officials.",
        "local officials",
        "according to",
        ["Forty people were injured in the storm"],
        "indirect",
    ),
    (
        "Lena Holm was quoted as saying that the border would stay open.",
        "Lena Holm",
        "was quoted as saying",
        ["the border would stay open"],
        "indirect",
    ),
    (
        "Tom Okafor told reporters that inflation had peaked.",
        "Tom Okafor",
        "told",
        ["inflation had peaked"],
        "indirect",
    ),
    (
        "Tom Okafor said that the plan was “a reckless gamble with public money.”",
        "Tom Okafor",
        "said",
        ["the plan was “a reckless gamble with public money.”"],
        "mixed",
    ),
    (
        "“The river is rising,” Anna Berg said, “and the dikes must hold.”",
        "Anna Berg",
        "said",
        ["The river is rising", "and the dikes must hold."],
        "direct",
    ),
    (
        "The Kazakh Ministry of Defense said the exercise would begin in May.",
        "The Kazakh Ministry of Defense",
        "said",
        ["the exercise would begin in May"],
        "indirect",
    ),
    (
        "Officials said the road would remain closed until Sunday.",
        "Officials",
        "said",
        ["the road would remain closed until Sunday"],
        "indirect",
    ),
    (
        "Lena Holm urged member states to share flood data.",
        "Lena Holm",
        "urged",
        ["member states to share flood data"],
        "indirect",
    ),
    (
        "Jeff Rathke asked the governments of the region not to turn away boats.",
        "Jeff Rathke",
        "asked",
        ["the governments of the region not to turn away boats"],
        "indirect",
    ),
    (
        "Two people familiar with the matter told the Herald that the board had met.",
        "Two people familiar with the matter",
        "told",
        ["the board had met"],
        "indirect",
    ),
    (
        "The spokeswoman for the ministry, Ana Ruiz, said the border would remain open.",
        "Ana Ruiz",
        "said",
        ["the border would remain open"],
        "indirect",
    ),
    (
        "“Nobody expected this,” one resident, Ana Silva, told the Guardian.",
        "one resident, Ana Silva",
        "told",
        ["Nobody expected this"],
        "direct",
    ),
    (
        "Critics say the law is unconstitutional, but the government has defended it.",
        "Critics",
        "say",
        ["the law is unconstitutional"],
        "indirect",
    ),
    (
        "BERLIN (Wire) - Carmaker Veltra will cut 4,000 jobs, the company said on Thursday, "
        "as sales fell.",
        "the company",
        "said",
        ["Carmaker Veltra will cut 4,000 jobs"],
        "indirect",
    ),
]


@pytest.mark.parametrize(
    ("text", "speaker", "cue", "spans", "quote_type"),
    CONSTRUCTIONS,
    ids=[
        "curly-said-comma",
        "straight-said-colon",
        "guillemets",
        "content-first",
        "inverted",
        "stated",
        "added-that",
        "said-zero-that",
        "content-first-indirect",
        "according-to-first",
        "according-to-last",
        "quoted-as-saying",
        "told-reporters",
        "mixed",
        "split",
        "organisation",
        "unnamed-plural",
        "urged-object",
        "asked-request",
        "unnamed-post-modified",
        "apposed-name",
        "description-and-name",
        "contrast-clause-cut",
        "dateline-and-tail",
    ],
)
def test_construction(
    annotator: PreAnnotator,
    text: str,
    speaker: str,
    cue: str,
    spans: list[str],
    quote_type: str,
) -> None:
    record = suggest(text, annotator)
    quote = only_quote(record)
    assert [span["text"] for span in quote["spans"]] == spans
    assert quote["text"] == JOINER.join(spans)
    assert quote["quote_type"] == quote_type
    assert speaker_of(record, quote)["text"] == speaker
    assert cue_of(record, quote) == cue
    starts = [span["start"] for span in quote["spans"]]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("text", "mention", "name", "kind"),
    [
        (
            "Defence Minister Rajnath Singh arrived on Monday. Singh said the talks went well.",
            "Singh",
            "Rajnath Singh",
            "person",
        ),
        (
            "Defense Secretary Giridhar Aramane said the meeting was useful.",
            "Defense Secretary Giridhar Aramane",
            "Giridhar Aramane",
            "person",
        ),
        (
            "Mayor Anna Berg opened the session. She said the budget was balanced.",
            "She",
            "Anna Berg",
            "person",
        ),
        (
            "“We are ready,” Anna Berg said. She added that the shelters were open.",
            "She",
            "Anna Berg",
            "person",
        ),
        (
            "The Kazakh Ministry of Defense said the drill went well. It added that no one "
            "was hurt.",
            "It",
            "Kazakh Ministry of Defense",
            "organisation",
        ),
        (
            "Defence Minister Rajnath Singh said the talks went well. The defence minister "
            "added that a deal was near.",
            "The defence minister",
            "Rajnath Singh",
            "person",
        ),
        ("A spokesperson said the factory was safe.", "A spokesperson", None, "unnamed"),
        ("Officials said the road was closed.", "Officials", None, "unnamed"),
    ],
    ids=[
        "surname",
        "titles-stripped",
        "pronoun-before-any-quote",
        "pronoun-after-quote",
        "it-organisation",
        "description",
        "unnamed-singular",
        "unnamed-plural",
    ],
)
def test_speaker_names(
    annotator: PreAnnotator, text: str, mention: str, name: str | None, kind: str
) -> None:
    record = suggest(text, annotator)
    speakers = {speaker["text"]: speaker for speaker in record["speakers"]}
    assert mention in speakers, record["speakers"]
    assert speakers[mention]["kind"] == kind
    if name is not None:
        assert speakers[mention]["name"] == name
    assert speakers[mention]["name"].strip()


@pytest.mark.parametrize(
    "text",
    [
        "The so-called “peace dividend” never arrived.",
        "The film “Small Town Heroes” opened on Friday to full houses.",
        'Critics called the plan "a costly and reckless mistake" on Friday.',
        "Delegates agreed to develop the concept of “One River, One Region, One Future.”",
        "A group called “Friends of the Old Harbour Lighthouse” met on Tuesday.",
    ],
    ids=["scare-quote", "title", "no-cue", "concept-name", "called-name"],
)
def test_scare_quotes_and_titles_are_not_quotes(annotator: PreAnnotator, text: str) -> None:
    assert suggest(text, annotator)["quotes"] == []


@pytest.mark.parametrize(
    "text",
    [
        "The company reported a loss of $5 million in the third quarter.",
        "The added cost of the program worried lawmakers.",
        "She told the story of her escape to a packed hall.",
        "Johnson has denied any wrongdoing.",
        "Officials confirmed the deaths of three soldiers.",
        "Tom Smith asked him about the plan to build a wall.",
        "It is said that the castle is haunted.",
        "The president was told about the attack on Monday.",
        "Estimates suggest 8000 migrants may be at sea.",
        "Mayor Anna Berg announced a programme, which she said would cost millions.",
    ],
    ids=[
        "reported-object",
        "participle-adjective",
        "told-a-story",
        "denied-object",
        "confirmed-object",
        "asked-about",
        "passive-said",
        "passive-told",
        "common-noun-subject",
        "relative-clause",
    ],
)
def test_no_attribution_is_invented(annotator: PreAnnotator, text: str) -> None:
    assert suggest(text, annotator)["quotes"] == []


def test_a_document_seen_by_a_newspaper_is_not_its_speech(annotator: PreAnnotator) -> None:
    text = "Tom Smith said the plant would close, according to a memo seen by Reuters."
    record = suggest(text, annotator)
    assert "Reuters" not in [speaker["text"] for speaker in record["speakers"]]


def test_headline_without_marks_is_not_a_quote(annotator: PreAnnotator) -> None:
    text = "Minister says flood defences will hold\nThe rain stopped on Monday morning."
    assert suggest(text, annotator)["quotes"] == []


@pytest.mark.parametrize(
    ("text", "initiative", "status", "proponent"),
    [
        (
            "Anna Berg proposed a Comprehensive Convention on Urban Flooding at the summit.",
            "Comprehensive Convention on Urban Flooding",
            "proposed",
            "Anna Berg",
        ),
        (
            "The ministers agreed to develop the concept of “One River, One Region.”",
            "One River, One Region",
            "agreed",
            None,
        ),
        (
            "She raised the idea of Clean Water for Every Village (CWEV) at the meeting.",
            "Clean Water for Every Village (CWEV)",
            "proposed",
            None,
        ),
        (
            "The law follows the Paris Climate Agreement of 2015.",
            "Paris Climate Agreement",
            "mentioned",
            None,
        ),
    ],
    ids=["head-noun", "quoted-concept", "acronym", "mentioned"],
)
def test_initiatives(
    annotator: PreAnnotator, text: str, initiative: str, status: str, proponent: str | None
) -> None:
    record = suggest(text, annotator)
    found = {item["text"]: item for item in record["initiatives"]}
    assert initiative in found, record["initiatives"]
    assert found[initiative]["status"] == status
    if proponent is not None:
        speakers = by_id(record, "speakers")
        assert [speakers[pid]["text"] for pid in found[initiative]["proponent_ids"]] == [proponent]


def test_not_every_title_case_phrase_is_an_initiative(annotator: PreAnnotator) -> None:
    text = "The Project Manager of the Shanghai Cooperation Organisation visited Astana."
    assert suggest(text, annotator)["initiatives"] == []


@pytest.mark.parametrize(
    ("text", "stance", "target"),
    [
        ("Anna Berg said, “We must combat terrorism in all its forms.”", "oppose", "security"),
        (
            "Lena Holm said India was committed to strengthening the European Union.",
            "support",
            "foreign_affairs",
        ),
        (
            "Tom Okafor said the region needed to strengthen its security and stability.",
            "support",
            "security",
        ),
        ("Tom Okafor said the weather was cold and grey all week.", "neutral", None),
        (
            "Anna Berg said the group did not support the SCO at all.",
            "neutral",
            None,
        ),
    ],
    ids=["oppose-terrorism", "support-sco", "support-region", "neutral", "negated"],
)
def test_stance(annotator: PreAnnotator, text: str, stance: str, target: str | None) -> None:
    quote = only_quote(suggest(text, annotator))
    assert (quote["stance"], quote["stance_target"]) == (stance, target)


# -- scores ----------------------------------------------------------------------------------


def test_scores_rank_named_direct_quotes_above_pronoun_indirect(annotator: PreAnnotator) -> None:
    text = (
        "Mayor Anna Berg said, “We will rebuild the bridge by spring.”\n"
        "Later she said the budget might be tight."
    )
    suggestion = annotator(Article(id="s", text=text))
    quotes = suggestion.record["quotes"]
    assert len(quotes) == 2
    assert suggestion.scores[quotes[0]["id"]] > suggestion.scores[quotes[1]["id"]]


# -- messy text ------------------------------------------------------------------------------


def _no_region_crosses_a_newline(record: dict[str, Any]) -> None:
    """Only a direct quote that runs to its closing mark may cross a line break."""
    for quote in record["quotes"]:
        for span in quote["spans"]:
            after = record["text"][span["end"] : span["end"] + 2].lstrip(",;:")
            closed = quote["quote_type"] == "direct" and after[:1] in '"”»'
            assert closed or "\n" not in span["text"], span
    for region in [*record["speakers"], *record["cues"], *record["initiatives"]]:
        assert "\n" not in region["text"], region


def test_unbalanced_seed_article_stays_in_its_paragraphs(annotator: PreAnnotator) -> None:
    article = read_articles([SEED_000]).articles[0]
    suggestion = annotator(article)
    assert_valid(suggestion)
    _no_region_crosses_a_newline(suggestion.record)


def test_unclosed_mark_never_swallows_the_article(annotator: PreAnnotator) -> None:
    text = (
        "Anna Berg spoke first.\n"
        "“We will win the cup. The team is ready. Anna Berg was quoted as saying after "
        "training that the squad was fit.\n"
        "The final is on Sunday, and “tickets are sold out.\n"
        "Nothing else happened."
    )
    record = suggest(text, annotator)
    _no_region_crosses_a_newline(record)
    texts = [quote["text"] for quote in record["quotes"]]
    assert "We will win the cup. The team is ready." in texts
    assert "the squad was fit" in texts


def test_a_quote_after_a_cue_runs_to_its_closing_mark_across_paragraphs(
    annotator: PreAnnotator,
) -> None:
    """News writes a quote over several paragraphs with one closing mark at its end."""
    text = "Coach Ana Lima said, “We played well today.\nWe will be back next year.”"
    quote = only_quote(suggest(text, annotator))
    assert quote["text"] == "We played well today.\nWe will be back next year."
    assert quote["quote_type"] == "direct"


def test_unclosed_quote_after_a_cue_ends_with_its_paragraph(annotator: PreAnnotator) -> None:
    """When no closing mark follows in the next paragraph, it stops at its own."""
    text = "Coach Ana Lima said, “We played well today.\nWe will be back next year."
    quote = only_quote(suggest(text, annotator))
    assert quote["text"] == "We played well today."


def test_straight_mark_closing_an_earlier_paragraph_opens_nothing(
    annotator: PreAnnotator,
) -> None:
    text = (
        'Coach Ana Lima said: "We played well.\n'
        'We will be back," she said on Sunday, "and next year is ours."'
    )
    record = suggest(text, annotator)
    texts = [quote["text"] for quote in record["quotes"]]
    # The mark after "back," closes the quote opened in the paragraph before. (Its
    # continuation after "she said" is not suggested: the first quote already has a cue.)
    assert texts == ["We played well.\nWe will be back"]


def test_nothing_is_suggested_inside_boilerplate(annotator: PreAnnotator) -> None:
    text = (
        "The council met on Monday to discuss the flood plan in detail.\n"
        "Also read this: Anna Berg said, “We will win the election easily.”\n"
        "Officials said the dikes would hold through the winter storms."
    )
    article = Article(id="b", text=text, boilerplate=find_boilerplate(text))
    assert article.boilerplate, "the test needs a flagged line"
    suggestion = annotator(article)
    assert_valid(suggestion)
    flagged = [(item.start, item.end) for item in article.boilerplate]
    record = suggestion.record
    regions = [*record["speakers"], *record["cues"], *record["initiatives"]]
    spans = [*regions, *(span for quote in record["quotes"] for span in quote["spans"])]
    assert spans, "the real quote after the boilerplate is still found"
    for span in spans:
        assert all(span["end"] <= start or span["start"] >= end for start, end in flagged)


def test_emoji_and_devanagari_before_the_quote(annotator: PreAnnotator) -> None:
    text = "नमस्ते 🙏🏽 दुनिया 👍 👩‍👩‍👧\nAnna Berg said, “The 🌊 flood is over.”"
    record = suggest(text, annotator)
    quote = only_quote(record)
    start = text.index("The 🌊")
    assert quote["spans"] == [
        {"start": start, "end": len(text) - 1, "text": "The 🌊 flood is over."}
    ]
    speaker = speaker_of(record, quote)
    assert (speaker["start"], speaker["end"]) == (text.index("Anna"), text.index(" said"))


@pytest.mark.parametrize("text", ["", " ", "   \n\n  \t ", "\n", "“", '"', "«»", "”“"])
def test_empty_and_whitespace_do_not_crash(annotator: PreAnnotator, text: str) -> None:
    record = annotator(Article(id="e", text=text)).record
    assert [record[layer] for layer in ("speakers", "cues", "quotes", "initiatives")] == [
        [],
        [],
        [],
        [],
    ]


def test_one_megabyte_article(annotator: PreAnnotator) -> None:
    paragraph = (
        "Mayor Anna Berg said, “We will rebuild the bridge by spring.” Officials said the "
        "road would stay closed. “Unclosed marks happen,\n"
    )
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    assert len(text) > 1_000_000
    began = time.process_time()
    suggestion = annotator(Article(id="big", text=text))
    assert time.process_time() - began < 30  # CPU seconds: about 2 on a quiet machine
    assert_valid(suggestion)
    assert len(suggestion.record["quotes"]) > 1000


# -- real texts ------------------------------------------------------------------------------


def test_every_raw_text_gives_a_valid_suggestion(annotator: PreAnnotator) -> None:
    articles = read_articles(RAW_TEXTS).articles
    assert len(articles) == 26  # 2 seeds and 24 Wikinews articles
    total = 0
    for article in articles:
        suggestion = annotator(article)
        assert_valid(suggestion)
        _no_region_crosses_a_newline(suggestion.record)
        total += len(suggestion.record["quotes"])
    assert total > 50


_WORDS = st.sampled_from(
    [
        "said",
        "says",
        "told",
        "according",
        "to",
        "that",
        "was",
        "quoted",
        "as",
        "saying",
        "Anna",
        "Berg",
        "the",
        "minister",
        "he",
        "she",
        "they",
        "it",
        "officials",
        "Convention",
        "on",
        "of",
        "concept",
        "(",
        "SAGAR",
        ")",
        "terrorism",
        "combat",
        "“",
        "”",
        '"',
        "«",
        "»",
        ",",
        ".",
        ":",
        "-",
        "\N{RIGHT SINGLE QUOTATION MARK}s",
        "\n",
        "🌊",
        "नमस्ते",
        "Also read this:",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(_WORDS, max_size=60),
    spaces=st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=60, max_size=60),
)
def test_random_word_soup_gives_valid_records(words: list[str], spaces: list[str]) -> None:
    text = "".join(word + space for word, space in zip(words, spaces, strict=False)).strip()
    if not text:
        return
    suggestion = preannotate(Article(id="h", text=text, boilerplate=find_boilerplate(text)))
    assert_valid(suggestion)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_random_text_gives_valid_records(text: str) -> None:
    suggestion = preannotate(Article(id="h", text=text))
    assert_valid(suggestion)


@pytest.mark.parametrize(
    "text",
    [
        'He left. "Yes!" she said... OK?!) Then (it ended.) “Quote.” Done',
        "a.b. c\n\nNew paragraph!!! after\n  spaces. x。Next",
        "",
    ],
)
def test_sentences_follow_spacys_sentencizer(text: str) -> None:
    """The view splits sentences by the rule of spaCy's `sentencizer` without running it
    (`textview._sentence_starts`): every token starts a sentence exactly when the pipe says
    so, on odd texts and on the raw articles."""
    import spacy
    from spacy.attrs import IDX, IS_PUNCT, LENGTH

    tokenizer = spacy.blank("en")
    sentencizer = spacy.blank("en")
    sentencizer.add_pipe("sentencizer")
    texts = [text] + [a.text for a in read_articles(RAW_TEXTS).articles]
    for one in texts:
        for offset, piece in chunks(one, []):
            rows = tokenizer(piece).to_array([IDX, LENGTH, IS_PUNCT]).tolist()
            expected = [bool(token.is_sent_start) for token in sentencizer(piece)]
            assert _sentence_starts(one, offset, rows) == expected, piece[:80]
