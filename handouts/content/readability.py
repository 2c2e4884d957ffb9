"""Reading-level measures for English patient text: Flesch-Kincaid grade, SMOG, the share of sentences
that speak to the reader ("you"), passive voice.

Syllables are counted by rule (vowel groups with the usual English exceptions), not from a pronouncing
dictionary: nothing is downloaded, so it works offline and gives the same answer everywhere.
`python benchmarks/syllables.py` checks the rules against the CMU dictionary.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "e.g.", "i.e.", "a.m.", "p.m.", "A.M.", "P.M.", "vs.", "etc.", "No.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]”’]*\s+(?=[\"'(\[“‘]?[A-Z0-9¿¡])")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:['’][A-Za-z]+)*|\d+(?:[.,:]\d+)*")
# "You" to the reader, or the reader's own voice in the questions they may ask ("Will I go home today?").
_YOU = re.compile(r"\b(you|your|yours|yourself|you'll|you're|you've|you'd|I|I'm|I'll|my|me)\b", re.IGNORECASE)
# "is/was/be ... <past participle>": the usual sign of the passive voice.
_PASSIVE = re.compile(
    r"\b(am|is|are|was|were|be|been|being|get|gets|got)\s+(?:\w+ly\s+)?(\w+ed|done|given|made|seen|taken|"
    r"put|kept|told|shown|known|held|found|left|set|sent|brought|felt|paid|said|sold|written|chosen|"
    r"driven|eaten|hidden|broken|spoken|worn|torn|cut|hurt)\b",
    re.IGNORECASE,
)
# Adjectives ending in -ed that are not passives ("be tired", "feel relaxed" is still fine to read).
_NOT_PASSIVE = {"tired", "worried", "relaxed", "scared", "bored", "interested", "concerned", "pleased",
                "numbed", "used", "supposed", "allowed", "advised", "needed", "red", "bed", "shed", "sped"}


def sentences(text: str) -> list[str]:
    """Sentences of `text`; a line break ends one too (list items, headings)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        protected = line
        for abbreviation in _ABBREVIATIONS:
            protected = protected.replace(abbreviation, abbreviation.replace(".", "\u2024"))
        for part in _SENTENCE_END.split(protected):
            part = part.replace("\u2024", ".").strip()
            if words(part):
                out.append(part)
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_SILENT_END = re.compile(r"(?<![aeiouy])e$")  # "make", "time" (but "the", "be" have one vowel anyway)


def syllables(word: str) -> int:
    """Syllables in one English word, by rule."""
    word = word.lower().strip("'’")
    if not word:
        return 0
    if word[0].isdigit():
        return max(1, len(re.sub(r"\D", "", word)))  # "100" is read "one hundred": at least 1 a digit, roughly
    if len(word) <= 3:
        return 1
    base = word
    if base.endswith("'s") or base.endswith("’s"):
        base = base[:-2]
    count = len(re.findall(r"[aeiouy]+", base))
    # Vowel pairs said as two syllables: anesthesia, radio, area, react, being, experience.
    count += len(re.findall(r"(?<![qgcst])(?:ia|io|iu)|eo|uo|(?<![qg])ua|ea(?=ct|te|tion|$)|(?<![tc])ie(?=nc|nt)|[aeiouy]ing$", base))
    # A silent e inside a word before a suffix: "movement", "carefully", "sometimes", "beforehand".
    count -= len(re.findall(r"[^aeiouy]e(?=(?:ment|ful|less|ness|ly|hand|times|where|thing)s?$)", base))
    if _SILENT_END.search(base) and not re.search(r"[^aeiouy]le$", base) and count > 1:
        count -= 1  # silent final e, but "table", "needle" keep their "le"
    elif re.search(r"[^aeiouytd]ed$", base) and count > 1:
        count -= 1  # "numbed", "cleaned": -ed is not a syllable after most consonants
    elif re.search(r"(?<![scxzhgl])es$", base) and re.search(r"[^aeiouy]es$", base) and count > 1:
        count -= 1  # "makes", "times" (but "boxes", "nurses", "pages" keep it)
    return max(1, count)


@dataclass(frozen=True)
class Measures:
    sentences: int
    words: int
    syllables: int
    polysyllables: int  # words of three or more syllables (SMOG)
    you_sentences: int
    passive_sentences: int
    longest_sentence: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        if not self.sentences:
            return 0.0
        return 1.043 * math.sqrt(self.polysyllables * 30 / self.sentences) + 3.1291

    @property
    def you_share(self) -> float:
        return self.you_sentences / self.sentences if self.sentences else 0.0

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def is_passive(sentence: str) -> bool:
    return any(match.group(2).lower() not in _NOT_PASSIVE for match in _PASSIVE.finditer(sentence))


def addresses_reader(sentence: str) -> bool:
    """A sentence that speaks to the reader: "you", "your", or an instruction ("Call us", "Do not eat")."""
    if _YOU.search(sentence):
        return True
    first = words(sentence)[:1]
    return bool(first) and first[0].lower() in _IMPERATIVES


# Verbs that open an instruction to the reader ("Bring your list", "Call us"): these address "you" too.
_IMPERATIVES = {
    "ask", "avoid", "bring", "call", "check", "do", "don't", "drink", "eat", "follow", "go", "keep",
    "leave", "let", "make", "plan", "put", "read", "remove", "rest", "return", "shower", "sit", "start",
    "stop", "take", "tell", "tick", "try", "use", "wait", "walk", "wash", "wear", "write", "have", "be",
    "get", "give", "hold", "lie", "look", "move", "place", "remember", "restart", "see", "show", "skip",
    "stay", "turn", "watch", "apply", "change", "come", "fill", "note", "pack", "press", "ice", "arrive",
    # Items of a "Tell us before your visit if you:" list continue "you": "Are pregnant", "Had a reaction".
    "are", "had",
}


def measure(text: str | list[str]) -> Measures:
    parts = sentences("\n".join(text) if isinstance(text, list) else text)
    counts = [[syllables(w) for w in words(s)] for s in parts]
    return Measures(
        sentences=len(parts),
        words=sum(len(c) for c in counts),
        syllables=sum(sum(c) for c in counts),
        polysyllables=sum(1 for c in counts for n in c if n >= 3),
        you_sentences=sum(1 for s in parts if addresses_reader(s)),
        passive_sentences=sum(1 for s in parts if is_passive(s)),
        longest_sentence=max((len(c) for c in counts), default=0),
    )


def main(argv: list[str] | None = None) -> int:
    """python -m handouts.content.readability FILE|- : the measures of a text, and its hardest sentences."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    text = sys.stdin.read() if not args or args[0] == "-" else open(args[0], encoding="utf-8").read()
    m = measure(text)
    print(f"grade {m.grade:.1f}  SMOG {m.smog:.1f}  sentences {m.sentences}  words/sentence "
          f"{m.words_per_sentence:.1f}  you {m.you_share:.0%}  passive {m.passive_sentences}")
    ranked = sorted(sentences(text), key=lambda s: -measure(s).grade)
    for sentence in ranked[:8]:
        print(f"  {measure(sentence).grade:5.1f}  {sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
