"""Obfuscations of a comment, for tests/eval/quality --evasion: each one
rewrites a text the way a commenter dodging a word list would.

Every transform is a pure function of the text (no random choice, no
state): the same rows give the same copies on every run. Most rewrite
every word (a run of non-whitespace) holding 3 or more letters
(str.isalpha(), so Hangul counts); leet-all and spaced-one say otherwise
below. None touches a link, an e-mail address or an @handle (USABLE).

    obfuscate(text, name) -> the copy; TRANSFORMS lists the names in the
    order quality prints them.
"""
import re

# What a spammer must leave readable for the lure to work: a link, an
# e-mail address or a messenger handle. A copy that rewrote them would send
# no reader anywhere, so no transform touches them (their own disguises,
# "example dot com", "h77p5", are the link detector's business).
USABLE = re.compile(r"@|://|^\W*www\.|\w\.[a-z]{2,24}(?:[/?#:]|\W*$)")


def usable(word):
    """Whether word is a link, address or handle the reader must use (a
    lower-case TLD: "great.Thanks", a missed space, is a word)."""
    return USABLE.search(word) is not None

LEET = str.maketrans("aeiostAEIOST", "431057431057")
# Latin letters -> the Cyrillic letters that look the same (the skeleton
FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
VOWELS = "aeiouAEIOU"

# Look-alikes written into a Latin word for only some of its letters,
# including the ones the UTS #39 skeleton maps to no ASCII letter (Greek
# kappa, eta, tau; Cyrillic ka, em, en, te).
GREEK_LOOK = {
    "a": "\u03b1", "e": "\u03b5", "i": "\u03b9", "k": "\u03ba", "n": "\u03b7",
    "o": "\u03bf", "p": "\u03c1", "t": "\u03c4", "u": "\u03c5", "v": "\u03bd",
    "x": "\u03c7", "y": "\u03b3", "w": "\u03c9",
    "A": "\u0391", "B": "\u0392", "E": "\u0395", "H": "\u0397", "I": "\u0399",
    "K": "\u039a", "M": "\u039c", "N": "\u039d", "O": "\u039f", "P": "\u03a1",
    "T": "\u03a4", "X": "\u03a7", "Y": "\u03a5", "Z": "\u0396",
}
CYRILLIC_LOOK = {
    "a": "\u0430", "b": "\u044c", "c": "\u0441", "d": "\u0501", "e": "\u0435",
    "h": "\u043d", "i": "\u0456", "j": "\u0458", "k": "\u043a", "m": "\u043c",
    "o": "\u043e", "p": "\u0440", "q": "\u051b", "s": "\u0455", "t": "\u0442",
    "w": "\u051d", "x": "\u0445", "y": "\u0443",
    "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d",
    "I": "\u0406", "J": "\u0408", "K": "\u041a", "M": "\u041c", "O": "\u041e",
    "P": "\u0420", "S": "\u0405", "T": "\u0422", "X": "\u0425", "Y": "\u0423",
}
# Latin letters -> the Cyrillic letters that look the same, for every
# letter of a word (the UTS #39 skeleton map knows all of these).
HOMOGLYPH = str.maketrans({c: CYRILLIC_LOOK[c] for c in "aceopxyijsACEOPXYIJS"})


def is_hangul_syllable(c):
    return "\uac00" <= c <= "\ud7a3"


def has_latin(word):
    return re.search(r"[A-Za-z]", word) is not None


def fullwidth(word):
    """ASCII to its fullwidth forms, in words with a Latin letter only: a
    Korean word's punctuation is not a Latin part to disguise."""
    if not has_latin(word):
        return word
    return word.translate(FULLWIDTH)


def between_letters(word, sep):
    """word with sep between each two adjacent letters."""
    out = [word[0]]
    for prev, c in zip(word, word[1:]):
        if prev.isalpha() and c.isalpha():
            out.append(sep)
        out.append(c)
    return "".join(out)


def repeat_vowels(word):
    """Latin vowels doubled; the last Hangul syllable said twice (Korean
    stretches a word by its last syllable, not by its vowels)."""
    word = "".join(c * 2 if c in VOWELS else c for c in word)
    last = max((i for i, c in enumerate(word) if is_hangul_syllable(c)), default=-1)
    if last >= 0:
        word = word[:last + 1] + word[last] + word[last + 1:]
    return word


def ascii_shift(c, lower, upper, digit=None):
    """c in the block whose a, A (and 0) are at lower, upper (digit)."""
    if "a" <= c <= "z":
        return chr(lower + ord(c) - ord("a"))
    if "A" <= c <= "Z":
        return chr(upper + ord(c) - ord("A"))
    if digit is not None and "0" <= c <= "9":
        return chr(digit + ord(c) - ord("0"))
    return c


def math_bold(word):
    """ASCII letters and digits as MATHEMATICAL BOLD (U+1D400...)."""
    return "".join(ascii_shift(c, 0x1D41A, 0x1D400, 0x1D7CE) for c in word)


# Enclosed letters, taken in turn letter by letter: circled (U+24D0, the
# only kind NFKC maps), negative circled (U+1F150), squared (U+1F130),
# negative squared (U+1F170). The last three have capitals only.
ENCLOSED = ((0x24D0, 0x24B6), (0x1F150, 0x1F150), (0x1F130, 0x1F130),
            (0x1F170, 0x1F170))


def enclosed(word):
    out, n = [], 0
    for c in word:
        if c.isascii() and c.isalpha():
            lower, upper = ENCLOSED[n % len(ENCLOSED)]
            c = ascii_shift(c, lower, upper)
            n += 1
        out.append(c)
    return "".join(out)


def look_alike_mixed(table):
    """A transform writing every other letter that has a look-alike in
    table (the 1st, 3rd... of them) as that look-alike: the word keeps
    Latin letters, as a real evasion does (all-Greek or all-Cyrillic words
    are ordinary Greek or Russian, which normalization leaves alone)."""
    def change(word):
        if not has_latin(word):
            return word
        out, n = [], 0
        for c in word:
            if c in table:
                if n % 2 == 0:
                    c = table[c]
                n += 1
            out.append(c)
        return "".join(out)
    return change


def leet_all(text):
    """Every word in leetspeak, short ones too ("is" -> "15", "a" -> "4")."""
    parts = re.split(r"(\s+)", text)
    return "".join(p if i % 2 or usable(p) else p.translate(LEET)
                   for i, p in enumerate(parts))


def spaced_one(text):
    """Every other word of 3+ letters (the 1st, 3rd...) spelled out letter
    by letter with single spaces, and every gap between words cut to one
    space: a spelled-out word meets the one-letter words beside it ("a",
    "i", "u") with the same gap as its own letters ("you are a f u c k i n g
    idiot"). Only every other word, since two spelled-out words one space
    apart are one run of letters no reader could cut without a dictionary."""
    parts = re.split(r"(\s+)", text)
    n = 0
    for i, part in enumerate(parts):
        if i % 2:
            parts[i] = " "
        elif sum(c.isalpha() for c in part) >= 3 and not usable(part):
            if n % 2 == 0:
                parts[i] = between_letters(part, " ")
            n += 1
    return "".join(parts)


# name -> a function of one word (rewritten when it has 3+ letters)
WORD_TRANSFORMS = {
    "leet": lambda w: w.translate(LEET),
    "homoglyph": lambda w: w.translate(HOMOGLYPH),
    "fullwidth": fullwidth,
    "zero-width": lambda w: between_letters(w, "\u200b"),
    "spaced": lambda w: between_letters(w, " "),
    "dotted": lambda w: between_letters(w, "."),
    "repeated": repeat_vowels,
    "bold": math_bold,
    "enclosed": enclosed,
    "greek-mix": look_alike_mixed(GREEK_LOOK),
    "cyrl-mix": look_alike_mixed(CYRILLIC_LOOK),
}
# name -> a function of the whole text
TEXT_TRANSFORMS = {
    "leet-all": leet_all,
    "spaced-one": spaced_one,
}
TRANSFORMS = list(WORD_TRANSFORMS) + list(TEXT_TRANSFORMS)
# Words are separated by three spaces in the spaced copies, so that the
# single spaces between letters still read as one word.
WORD_GAP = {"spaced": "   "}


def obfuscate(text, name):
    """text rewritten by the transform called name."""
    if name in TEXT_TRANSFORMS:
        return TEXT_TRANSFORMS[name](text)
    change = WORD_TRANSFORMS[name]
    parts = re.split(r"(\s+)", text)
    for i, part in enumerate(parts):
        if i % 2:  # whitespace between words
            parts[i] = WORD_GAP.get(name, part)
        elif sum(c.isalpha() for c in part) >= 3 and not usable(part):
            parts[i] = change(part)
    return "".join(parts)
