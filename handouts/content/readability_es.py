"""Reading ease of Spanish patient text: Fernández-Huerta and INFLESZ (Szigriszt-Pazos).

Spanish spelling says how a word is spoken, so syllables are counted by rule, offline, with no
dictionary: one syllable per vowel nucleus, where a weak vowel (i, u, ü, final y) next to another vowel
joins it (diphthong: "ciu-dad", "hue-vo", "buey") unless it carries the stress mark (hiatus: "dí-a",
"pa-ís"), two strong vowels (a, e, o) are two syllables ("le-er"), and the u of que/qui/gue/gui is
silent ("que-so", "guí-a").

- Fernández-Huerta (1959), in the form every tool uses: 206.84 - 60 x syllables/word - 1.02 x
  words/sentence. 70 or more is "fácil" (easy); 60-70 "normal".
- INFLESZ (Barrio-Cantalejo 2008, on Szigriszt-Pazos 1993): 206.835 - 62.3 x syllables/word -
  words/sentence. 65 or more is "bastante fácil".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handouts.content.readability import sentences, words

STRONG = set("aeoáéóíú")  # í and ú carry the stress: they never join a neighbour
VOWELS = STRONG | set("iuü")
_SILENT_U = re.compile(r"([qg])u(?=[eiéí])")


def syllables(word: str) -> int:
    """Syllables in one Spanish word, by rule."""
    word = word.lower()
    if not word:
        return 0
    if word[0].isdigit():
        return max(1, len(re.sub(r"\D", "", word)))  # a number read aloud; roughly one a digit
    if word == "y":
        return 1
    word = _SILENT_U.sub(r"\1", word).replace("ü", "u")
    if word.endswith("y") and len(word) > 1 and word[-2] in VOWELS:
        word = word[:-1] + "i"  # "muy", "hoy", "buey": a final y sounds as i
    count = 0
    previous = ""
    for char in word:
        if char in VOWELS:
            if not previous or (previous in STRONG and char in STRONG):
                count += 1  # a new nucleus, or a hiatus
        previous = char if char in VOWELS else ""
    return max(1, count)


@dataclass(frozen=True)
class Ease:
    sentences: int
    words: int
    syllables: int

    @property
    def fernandez_huerta(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences

    @property
    def inflesz(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return 206.835 - 62.3 * self.syllables / self.words - self.words / self.sentences

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def measure(text: str | list[str]) -> Ease:
    parts = sentences("\n".join(text) if isinstance(text, list) else text)
    counted = [[syllables(w) for w in words(s)] for s in parts]
    return Ease(len(parts), sum(len(c) for c in counted), sum(sum(c) for c in counted))


def band(score: float) -> str:
    """Fernández-Huerta's scale, in the words Spanish readers know it by."""
    for limit, name in ((90, "muy fácil"), (80, "fácil"), (70, "bastante fácil"), (60, "normal"), (50, "bastante difícil"), (30, "difícil")):
        if score >= limit:
            return name
    return "muy difícil"


def main(argv: list[str] | None = None) -> int:
    """python -m handouts.content.readability_es FILE|- : the measures of a Spanish text, hardest first."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    text = sys.stdin.read() if not args or args[0] == "-" else open(args[0], encoding="utf-8").read()
    ease = measure(text)
    print(f"Fernández-Huerta {ease.fernandez_huerta:.1f} ({band(ease.fernandez_huerta)})  INFLESZ {ease.inflesz:.1f}  "
          f"sentences {ease.sentences}  words/sentence {ease.words_per_sentence:.1f}  "
          f"syllables/word {ease.syllables / max(1, ease.words):.2f}")
    for sentence in sorted(sentences(text), key=lambda s: measure(s).fernandez_huerta)[:8]:
        print(f"  {measure(sentence).fernandez_huerta:6.1f}  {sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
