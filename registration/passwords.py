"""Assigned passwords: random, readable, and never containing an English word.

The alphabet leaves out characters people confuse when reading an email aloud or retyping it
(0/O, 1/l/I) and every vowel, which makes words rare; the word-list check then makes "never a
dictionary word" a guarantee rather than a likelihood.
"""

import gzip
import random
import secrets
from functools import cache
from pathlib import Path

ALPHABET = "bcdfghjkmnpqrstvwxz23456789"
GROUP_SIZE = 5
GROUPS = 4
MIN_WORD_LENGTH = 4
WORDS_FILE = Path(__file__).resolve().parent / "data" / "words.txt.gz"


@cache
def dictionary_words() -> frozenset[str]:
    """English words of four letters or more (SCOWL, see data/words-LICENSE.txt)."""
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if len(line.strip()) >= MIN_WORD_LENGTH)


@cache
def _longest_word_length() -> int:
    return max(len(word) for word in dictionary_words())


def contains_dictionary_word(text: str) -> bool:
    """True when any run of letters in `text`, ignoring case and separators, holds a word."""
    letters = "".join(ch for ch in text.lower() if ch.isalpha())
    words = dictionary_words()
    longest = _longest_word_length()
    return any(
        letters[start:end] in words
        for start in range(len(letters))
        for end in range(start + MIN_WORD_LENGTH, min(len(letters), start + longest) + 1)
    )


def generate_password(rng: random.Random | None = None) -> str:
    """A password like `k7dmq-9xtzb-...`: about 95 bits from the operating system's CSPRNG."""
    chooser = rng or secrets.SystemRandom()
    while True:
        groups = [
            "".join(chooser.choice(ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS)
        ]
        candidate = "-".join(groups)
        if not contains_dictionary_word(candidate):
            return candidate
