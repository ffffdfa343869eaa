"""The canonical name in a speaker span the model tagged.

The name is the span's first run of capitalised words that names a person (else its first
run), before any comma, without the titles and sentence openers before it, at its longest
form in the article: "former thinktank executive Ken Gude" → Ken Gude; "ecologist Chip Taylor
of the University of Kansas" → Chip Taylor; "Church of Scientology" stays whole; a lone
"Toccafondi" becomes the "Gabriele Toccafondi" named earlier.
"""

from __future__ import annotations

from quotegold.preannotate import lexicon as lex
from quotegold.preannotate.names import NameResolver
from quotegold.preannotate.propernames import core_start, name_kind
from quotegold.preannotate.textview import TextView

__all__ = ["name_of_span"]

_JOINERS = frozenset({"of", "for", "and", "de", "del", "van", "von", "al", "bin"})
# Capitalised words that start a sentence, not a name ("Regarding Trump").
_NOT_NAME_START = (lex.SENTENCE_OPENERS - {"the"}) | frozenset({"regarding", "asked"})


def _runs(view: TextView, start: int, end: int) -> list[tuple[int, int]]:
    """Runs of capitalised words in a span (joined by "of", "for", "and", not "of the"),
    skipping sentence openers ("Regarding Trump")."""
    words, lower = view.words, view.lower
    runs: list[tuple[int, int]] = []
    index = start
    while index < end:
        if not words[index][:1].isupper() or lower[index] in _NOT_NAME_START:
            index += 1
            continue
        first = index
        if first > start and lower[first - 1] == "the" and lower[first] not in lex.TITLES:
            first -= 1  # "The New York Times"
        last = index + 1
        while last < end:
            if words[last][:1].isupper() or words[last] in ("-", "'s", "&", "."):
                last += 1
            elif lower[last] in _JOINERS and last + 1 < end and words[last + 1][:1].isupper():
                last += 2
            else:
                break
        runs.append((first, last))
        index = last
    return runs


def _name_run(view: TextView, start: int, end: int) -> tuple[int, int]:
    """The tokens of the name in a speaker span, before any comma: its first run of
    capitalised words that names a person, else its first run ("former executive Ken Gude"
    → Ken Gude; "ecologist Chip Taylor of the University of Kansas" → Chip Taylor;
    "Church of Scientology" stays whole)."""
    for index in range(start + 1, end):
        if view.words[index] in (",", "(", ";"):
            end = index
            break
    runs = _runs(view, start, end)
    if not runs:
        return start, end
    people = [run for run in runs if name_kind(view, *run) == "person"]
    return (people or runs)[0]


def name_of_span(view: TextView, resolver: NameResolver, start: int, end: int) -> tuple[str, str]:
    """(name, kind) of the speaker span over tokens `start`..`end - 1`."""
    first, last = _name_run(view, start, end)
    kind = name_kind(view, first, last)
    if kind == "person":
        core = core_start(view, first, last)
        return resolver.full_name(core if core < last else first, last), kind
    text = view.span_text(first, last)
    if last - first == 1:  # a lone surname named in full earlier
        full = resolver.full_name(first, last)
        if full != text and full.endswith(text):
            return full, "person"
    return text, kind
