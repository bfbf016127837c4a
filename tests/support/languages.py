"""Check that a page is in one language: none of the other language's known labels in its prose.

Text marked with another ``lang`` (a language switch, a technical message only
available in English) and ``<code>`` (identifiers, reason codes) are not prose
of the page and are skipped. Very short labels ("of", "van") are words of both
languages, so only labels of ten characters or more count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import html as lxml_html


def known_labels(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"nl": set(), "en": set()}
    for nl, en in pairs:
        if nl == en:
            continue
        for lang, text in (("nl", nl), ("en", en)):
            # Templates fill some texts in ({ad}, {via}): match the fixed parts only, sentence by sentence.
            for part in re.split(r"\{[a-z_]+\}|(?<=[.!?])\s+", text):
                part = part.strip(" .,:;()")
                if len(part) >= 10:
                    out[lang].add(part)
    return out


def page_text(markup: str) -> tuple[str | None, str]:
    """The page's language and its visible prose in that language."""
    tree = lxml_html.fromstring(markup)
    lang = tree.get("lang")
    for element in tree.xpath("//script|//style|//code|//*[@lang][not(self::html)]"):
        if element.tag in ("script", "style", "code") or element.get("lang") != lang:
            element.drop_tree()
    return lang, " ".join(tree.text_content().split())


def assert_one_language(markup: str, expected: str, labels: dict[str, set[str]], where: str) -> None:
    lang, text = page_text(markup)
    assert lang == expected, f"{where}: <html lang={lang!r}>, expected {expected!r}"
    other = "en" if lang == "nl" else "nl"
    found = sorted(label for label in labels[other] if label in text and label not in labels[lang])
    assert not found, f"{where} ({lang}) shows {other} labels: {found}"
