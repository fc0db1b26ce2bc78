"""Turn catalogue text into SSML that Alexa says the way the clinic would."""

from __future__ import annotations

import re

from skill.catalogue import Catalogue


def escape(text: str) -> str:
    """Escape text for XML content."""
    # Not xml.sax.saxutils: it imports urllib and ssl, a cost on every Lambda cold start.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """Return value as a double-quoted XML attribute."""
    return '"' + escape(value).replace('"', "&quot;") + '"'


# A phone number read digit by digit, e.g. 555-0142 or (555) 010-0199.
PHONE = re.compile(r"\(?\b\d{3}\)?[ -]?\d{3}-\d{4}\b|\b\d{3}-\d{4}\b")


def _marked(pattern: re.Pattern, text: str, mark) -> str:
    """Escape text for XML, wrapping each match of pattern with mark(match)."""
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(mark(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


# Catalogue texts and prompts are a few hundred strings; the cap only guards against a
# caller that passes something new every time.
SSML_MADE_LIMIT = 2048


def to_ssml(text: str, catalogue: Catalogue) -> str:
    """Return the inner SSML for text: escaped, hard words as phonemes, phone numbers as digits."""
    made = catalogue.ssml_made.get(text)
    if made is None:
        made = _make_ssml(text, catalogue)
        if len(catalogue.ssml_made) < SSML_MADE_LIMIT:
            catalogue.ssml_made[text] = made
    return made


def _make_ssml(text: str, catalogue: Catalogue) -> str:
    """Build the SSML for to_ssml."""
    ipa = {p.word: p.ipa for p in catalogue.lexicon}  # lexicon words are stored lower case

    def phoneme(word: str) -> str:
        return f'<phoneme alphabet="ipa" ph={quoteattr(ipa[word.lower()])}>{escape(word)}</phoneme>'

    def pieces(chunk: str) -> str:
        if catalogue.hard_words is None:
            return escape(chunk)
        return _marked(catalogue.hard_words, chunk, phoneme)

    out, last = [], 0
    for match in PHONE.finditer(text):
        out.append(pieces(text[last:match.start()]))
        out.append(f'<say-as interpret-as="telephone">{escape(match.group(0))}</say-as>')
        last = match.end()
    out.append(pieces(text[last:]))
    return "".join(out)


def audio_tag(url: str) -> str:
    """Return an SSML <audio> element for a pre-rendered clip."""
    return f"<audio src={quoteattr(url)}/>"


def plain_text(ssml: str) -> str:
    """Strip SSML markup, for captions and logs of what was said by us (never the user)."""
    text = re.sub(r"<[^>]+>", "", ssml)
    return " ".join(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&quot;", '"').replace("&apos;", "'").split())
