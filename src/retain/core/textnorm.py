"""Text normalisation for comparing what a student typed with an answer.

Everything here turns free text into a list of `Token`s whose `key` can be compared
directly: words are folded to lower case, British and American spellings meet, common
inflections are stripped, and numbers and dates become canonical *facts*
(``y1934`` a year, ``m12`` a month, ``d1`` a day of the month, ``n26000`` a number,
``p22`` a percentage). Number words ("nineteen thirty-seven", "twenty-two per cent"),
two-digit years ("Jan '24"), thousands written "26k", and day/month/year dates
("1/12/1934") are understood.

The same functions are applied to both sides of a comparison, so a transformation only
has to make variants meet; it does not have to produce dictionary words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import Stemmer

__all__ = [
    "LANGUAGES",
    "STOPWORDS",
    "Token",
    "detect_language",
    "fold",
    "fold_plain",
    "is_word",
    "snowball",
    "stem",
    "strip_accents",
    "tokenize",
]

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u0060": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2026": "...",
    }
)


def fold(text: str) -> str:
    """Unicode-normalise `text` and straighten quotes and dashes (case is kept)."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


_PLAIN_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"}
)
_NON_WORD = re.compile(r"[^\w%]+")


@lru_cache(maxsize=16384)
def fold_plain(text: str) -> str:
    """Lower case, straight quotes and dashes, no accents, punctuation as single spaces:
    the form in which question generation and answer kinds compare texts."""
    text = text.translate(_PLAIN_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
    you've your yours yourself yourselves also just will shall may might must would thus hence
    therefore however although though yet still even ever every any either neither whether upon
    onto via per like unlike within without whose whom whatever whichever whoever s t
    """.split()
)
"""Function words: they carry no fact on their own."""

#: The languages whose sides of a card are told apart, English first (it wins a tie).
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de")

_ARTICLES: dict[str, frozenset[str]] = {
    "fr": frozenset("le la les l un une des du de d au aux".split()),
    "es": frozenset("el la los las lo un una unos unas al del".split()),
    "de": frozenset("der die das den dem des ein eine einen einem einer eines".split()),
}
"""The articles of the other languages: a vocabulary answer may leave them out."""


def function_words(lang: str) -> frozenset[str]:
    """The words of `lang` that carry no fact on their own."""
    return _ARTICLES.get(lang, STOPWORDS)


def _known(lang: str, words: Iterable[str]) -> frozenset[str]:
    """Those of `words` (lower case) that are in the word list pyspellchecker ships for
    `lang`, looked up in a cache rather than loaded (see `retain.core.wordlists`)."""
    from retain.core.wordlists import word_lists

    return word_lists(LANGUAGES).known(lang, words)


def warm_up_word_lists() -> None:
    """Make the word lists ready to look up (the first time on a machine, a second or two)."""
    from retain.core.wordlists import word_lists

    word_lists(LANGUAGES).warm_up()


_SNOWBALL = {"en": "english", "fr": "french", "es": "spanish", "de": "german"}


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_SNOWBALL.get(lang, "english"))


@lru_cache(maxsize=65536)
def snowball(word: str, lang: str = "en") -> str:
    """The Snowball stem of a word of `lang` ("vibrating", "vibration" -> "vibrat")."""
    return str(_stemmer(lang).stemWord(word.lower()))


@lru_cache(maxsize=65536)
def is_word(word: str, lang: str) -> bool:
    """Is `word` (any case) a word of the language `lang`?"""
    lower = word.lower()
    return lower in _known(lang, (lower,))


def strip_accents(text: str) -> str:
    """`text` without its accents and cedillas ("garçon" -> "garcon")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str:
    """The language one side of a card is written in: the one of `LANGUAGES` whose word
    list knows most of its words, and of those the one that has most of them among its
    function words ("le café": English knows both words, but "le" is a French article);
    English when it knows them all and the text is plain ASCII, or on a tie."""
    words = [w.lower() for w in _LETTERS.findall(fold(text))][:64]
    if not words:
        return "en"
    english = _known("en", words)
    known_en = sum(w in english for w in words)
    if known_en == len(words) and text.isascii():
        return "en"
    best, best_known = "en", (known_en, sum(w in STOPWORDS for w in words))
    for lang in LANGUAGES[1:]:
        lexicon = _known(lang, words)
        articles = _ARTICLES[lang]
        known = (sum(w in lexicon for w in words), sum(w in articles for w in words))
        if known > best_known:
            best, best_known = lang, known
    return best


NEGATORS: frozenset[str] = frozenset(
    {"no", "not", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
)

#: Verbs that deny what follows them: "to avoid fighting" says "not to fight".
_AVOID = frozenset({"avoid", "avoids", "avoided", "avoiding"})

#: Negative contractions typed without their apostrophe ("doesnt", "wasnt"): function
#: words and negators, as "doesn't" and "wasn't" are.
BARE_CONTRACTIONS: frozenset[str] = frozenset(
    """dont doesnt didnt isnt wasnt werent arent couldnt wouldnt shouldnt hasnt havent
    hadnt mustnt neednt aint""".split()
)

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _n in _names:
        _MONTHS[_n] = _i
_AMBIGUOUS_MONTHS = frozenset({"may", "mar", "march", "jan", "sep", "oct", "nov", "dec", "jun"})

_UNITS = {
    "zero": 0,
    "nought": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SCALES)
_UNITS_AND_TENS = {**_UNITS, **_TENS}


@dataclass(frozen=True, slots=True)
class Token:
    """One word or fact of a text.

    `key` is what comparisons use: a stem for words, a canonical fact (``y1934``) for
    numbers and dates. `text` is the span as written; `start`/`end` index the source.
    """

    text: str
    key: str
    start: int
    end: int
    index: int
    stop: bool = False
    fact: bool = False
    cap: bool = False
    negated: bool = False
    weak: bool = False  # a small number that is not a date: never used to find conflicts


# --- stemming -------------------------------------------------------------------------

_BRIT = [
    (re.compile(r"isation(s?)$"), r"ization\1"),
    (re.compile(r"(?<=\w{4})is(e|ed|es|ing|er|ers)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"([^aeiou])re$"), r"\1er"),
    (re.compile(r"([^aeiou])res$"), r"\1ers"),
    (re.compile(r"ence$"), "ense"),
    (re.compile(r"ogue$"), "og"),
    (re.compile(r"our(s|ed|ing|er|ers|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"mme$"), "m"),
]
_SUFFIXES = (
    "izations",
    "ization",
    "ational",
    "fulness",
    "ousness",
    "iveness",
    "ations",
    "ation",
    "ments",
    "ment",
    "nesses",
    "ness",
    "ities",
    "ity",
    "ingly",
    "edly",
    "ings",
    "ing",
    "ied",
    "ies",
    "ers",
    "er",
    "ors",
    "or",
    "ed",
    "ly",
    "es",
    "s",
)
_DOUBLE = re.compile(r"([bdfgklmnprtz])\1$")


# The past forms of English's irregular verbs, which no suffix rule brings to the verb
# ("broken" and "break", "thrown" and "throw"). Forms that are also other words ("left",
# "rose", "fell", "saw", "found", "felt", "lay", "ground", "bore") are not read as verbs.
_IRREGULAR_VERBS = """
arise arose arisen | awake awoke awoken | be was were been | beat beaten | become became |
begin began begun | bend bent | bite bit bitten | blow blew blown | break broke broken |
bring brought | build built | burn burnt | buy bought | catch caught | choose chose chosen |
come came | cost | creep crept | deal dealt | dig dug | do did done | draw drew drawn |
dream dreamt | drink drank drunk | drive drove driven | eat ate eaten | feed fed |
fight fought | flee fled | fly flew flown | forbid forbade forbidden | forget forgot
forgotten | forgive forgave forgiven | freeze froze frozen | get got gotten | give gave
given | go went gone | grow grew grown | hang hung | hear heard | hide hid hidden | hit |
hold held | hurt | keep kept | know knew known | lend lent | let | lose lost | make made |
mean meant | meet met | pay paid | put | quit | read | ride rode ridden | ring rang rung |
run ran | say said | seek sought | sell sold | send sent | set | shake shook shaken |
shine shone | shoot shot | show shown | shrink shrank shrunk | shut | sing sang sung |
sink sank sunk | sit sat | sleep slept | speak spoken | spend spent | spread | stand stood |
steal stole stolen | stick stuck | sting stung | strike struck | swear swore sworn |
sweep swept | swim swam swum | swing swung | take took taken | teach taught | tear tore
torn | tell told | think thought | throw threw thrown | understand understood | wake woke
woken | wear wore worn | weep wept | win won | write wrote written
"""
_IRREGULAR: dict[str, str] = {
    form: forms.split()[0]
    for forms in _IRREGULAR_VERBS.split("|")
    for form in forms.split()[1:]
}


@lru_cache(maxsize=65536)
def stem(word: str, lang: str = "en") -> str:
    """The key of a word of `lang`: for English the light stemmer below (both sides of a
    comparison pass through it, so it only has to make variants meet); for the other
    languages the Snowball stem (PyStemmer), keeping a word's accents when the stem
    would drop them ("sí" and "si" are two words)."""
    if lang == "en":
        base = _IRREGULAR.get(word.lower())
        return _english_stem(base if base is not None else word)
    w = word.lower().strip("'")
    if not w.isalpha():
        return w
    key = snowball(w, lang)
    return w if key.isascii() and not w.isascii() else key


@lru_cache(maxsize=65536)
def _english_stem(word: str) -> str:
    """A light stemmer: lower case, British -> American, common suffixes stripped.

    "leaders", "leading", "leader" -> "lead"; "organisation"/"organization" meet;
    "expelled"/"expel" meet. It is deliberately cruder than Porter's: both sides of a
    comparison pass through it, so it only has to make variants meet.
    """
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    if len(w) == 4 and w.endswith(("ied", "ies")):  # died, lies, ties -> die, lie, tie
        return w[:-1]
    if len(w) == 5 and w.endswith("ying"):  # dying, lying -> die, lie
        return w[:-4] + "ie"
    if len(w) >= 5:
        for pattern, repl in _BRIT:
            new = pattern.sub(repl, w)
            if new != w:
                w = new
                break
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix in ("ied", "ies"):
                w = w[: -len(suffix)] + "y"
            elif suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            else:
                w = w[: -len(suffix)]
            break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith(("iz", "yz")):
        w = w[:-2] if len(w) > 5 else w
    if len(w) > 3 and w.endswith("y"):
        w = w[:-1] + "i"
    m = _DOUBLE.search(w)
    if m and len(w) > 4:
        w = w[:-1]
    return w




# --- number words ---------------------------------------------------------------------

_UNIT_SYMBOL = r"(?:kwh|kpa|mol|min|kg|km|cm|mm|mg|ml|pa|hz|m|s|g|h|n|j|w|v|a|c|k|l)"
_UNIT_POWER = _UNIT_SYMBOL + r"(?:\^?-?[1-4](?![\d.]))?"
_UNIT = (  # a unit made of others: m/s, m/s2 (m/s² folded), m/s^2, m/s/s, N/kg, m s^-2
    rf"(?<![\w/^.]){_UNIT_POWER}(?:/{_UNIT_POWER})+(?![\w/^])"
    rf"|(?<![\w/^.]){_UNIT_SYMBOL}(?: {_UNIT_SYMBOL}\^?-[1-4])+(?![\w/^])"
)
_UNIT_RE = re.compile(_UNIT, re.IGNORECASE)
_UNIT_PART = re.compile(r"(/?)\s*([a-z]+)\^?(-?\d)?")
_UNIT_WORD_POWERS = {"squared": 2, "cubed": 3}

_WORD_RE = re.compile(
    f"(?i:{_UNIT})|"
    r"\d+(?:\.\d+)?(?:[eE][+-]?\d{1,2}|\s?[x×*]\s?10\^[+-]?\d{1,2})(?![\w.^])"  # 1e3, 1 x 10^3
    r"|\d{1,3}\u2044\d{1,3}(?!\d)"  # ½, folded to 1⁄2
    r"|\d{1,2}/\d{1,2}/\d{2,4}"  # 1/12/1934
    r"|'\d\d(?!\d)"  # '24
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 26,000
    r"|\d+(?:\.\d+)?[kK](?![A-Za-z])"  # 26k, 1.5k
    r"|\d{1,2}[+\u2212-](?![\w.])"  # the charge of an ion: 2+, 1-, Mg2+
    r"|\d+(?:\.\d+)?(?:st|nd|rd|th|s)?(?=[^\w]|$|[A-Za-z])"  # 1934, 1st, 1920s
    r"|\d+"
    r"|[^\W\d_]+(?:'[^\W\d_]+)*"
    r"|%"
)


_SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)(?:[eE]([+-]?\d{1,2})|\s?[x×*]\s?10\^([+-]?\d{1,2}))")


def _scientific_value(text: str) -> float:
    m = _SCIENTIFIC.fullmatch(text)
    assert m is not None
    try:
        return float(m.group(1)) * 10.0 ** int(m.group(2) or m.group(3))
    except OverflowError:  # a number past what a float holds is no fact a card has
        return float("inf")


def _number_key(value: float) -> str:
    """A number's key, the same however it is written: "2.50", "2.5" and "5⁄2" are
    ``2.5``; 1e3 and 1,000 are ``1000``."""
    if value != value or value in (float("inf"), float("-inf")):
        return "inf"
    if value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return repr(round(value, 12))


def _unit_key(expression: str, power_of_last: int = 1) -> str:
    """The key of a unit made of others, the same however it is written: "m/s2",
    "m/s²", "m/s^2", "m/s/s", "m s^-2" and "m/s squared" are all ``u:m1.s-2``."""
    powers: dict[str, int] = {}
    last = ""
    for slash, symbol, power in _UNIT_PART.findall(expression.lower()):
        exponent = int(power) if power else 1
        if slash:
            exponent = -exponent
        powers[symbol] = powers.get(symbol, 0) + exponent
        last = symbol
    if power_of_last != 1 and last:
        exponent = powers[last]
        powers[last] = exponent * power_of_last if exponent in (1, -1) else exponent
    return "u:" + ".".join(f"{u}{e}" for u, e in sorted(powers.items()) if e)


_HUGE = 10**60  # a number said in words is not read past this: "hundred hundred ..." stops


def _parse_number_words(words: list[str]) -> int | None:
    """Value of a run of number words: "thirty-five thousand", "nineteen thirty-seven".

    A year said in two halves ("nineteen thirty-seven", "nineteen twenty four") is a teen
    followed by words worth less than a hundred. Whether the words after a teen are worth
    less than a hundred is read from the end of the run back, so that a long run costs
    time in proportion to its length."""
    if not words:
        return None
    if _year_halves(words):
        return _UNITS[words[0]] * 100 + sum(_UNITS_AND_TENS[w] for w in words[1:])
    total = 0
    current = 0
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = min(max(current, 1) * 100, _HUGE)
        elif w in _SCALES:
            total = min(total + max(current, 1) * _SCALES[w], _HUGE)
            current = 0
        else:
            return None
    return total + current


def _is_teen(word: str) -> bool:
    return word in _UNITS and 10 <= _UNITS[word] <= 19


def _year_halves(words: list[str]) -> bool:
    """Is `words` a teen and then words worth less than a hundred ("nineteen thirty-seven")?

    The words after the teen are worth less than a hundred when they are units and tens
    adding up to less than a hundred, unless they are themselves a year said in two halves
    (which is worth more)."""
    n = len(words)
    if n < 2 or not _is_teen(words[0]):
        return False
    small = True  # words[i:] are units and tens adding up to less than 100
    suffix = 0
    below_100 = False  # the value of words[i:] is less than 100
    for i in range(n - 1, 0, -1):
        w = words[i]
        value = _UNITS_AND_TENS.get(w)
        if value is None:
            small = False
        else:
            suffix += value
        small = small and suffix < 100
        halves = i + 1 < n and _is_teen(w) and words[i + 1] not in _SCALES and below_100
        below_100 = small and not halves
    return words[1] not in _SCALES and below_100


@dataclass(slots=True)
class _Raw:
    text: str
    start: int
    end: int


def _raw_words(text: str) -> list[_Raw]:
    return [_Raw(m.group(0), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _is_sentence_start(text: str, start: int) -> bool:
    i = start
    while i > 0 and text[i - 1] in " \t\"'(":
        i -= 1
    return i == 0 or text[i - 1] in ".!?:;-\n•*"


def tokenize(text: str, lang: str = "en") -> tuple[Token, ...]:
    """Split `text` into word and fact tokens (see the module docstring); `lang` is the
    language it is written in (see `detect_language`)."""
    return _tokenize_cached(text, lang)


@lru_cache(maxsize=8192)
def _tokenize_cached(text: str, lang: str) -> tuple[Token, ...]:
    text = fold(text)
    stopwords = function_words(lang)
    raws = _raw_words(text)
    out: list[Token] = []
    i = 0
    n = len(raws)

    def add(
        tok_text: str,
        key: str,
        start: int,
        end: int,
        *,
        fact: bool = False,
        stop: bool = False,
        cap: bool = False,
        weak: bool = False,
    ) -> None:
        out.append(
            Token(
                tok_text,
                key,
                start,
                end,
                len(out),
                stop=stop,
                fact=fact,
                cap=cap,
                weak=weak,
            )
        )

    while i < n:
        r = raws[i]
        low = r.text.lower()
        if _UNIT_RE.fullmatch(r.text):
            power = 1
            end = r.end
            if i + 1 < n and raws[i + 1].text.lower() in _UNIT_WORD_POWERS:
                power = _UNIT_WORD_POWERS[raws[i + 1].text.lower()]
                end = raws[i + 1].end
                i += 1
            add(text[r.start : end], _unit_key(r.text, power), r.start, end, fact=True)
            i += 1
            continue
        # number words
        if low in _NUMBER_WORDS and (
            low != "hundred" or (i > 0 and raws[i - 1].text.lower() == "a")  # "a hundred"
        ):
            j = i
            words: list[str] = []
            while j < n:
                lw = raws[j].text.lower()
                if lw in _NUMBER_WORDS or (
                    lw == "and"
                    and words
                    and j + 1 < n
                    and raws[j + 1].text.lower() in _NUMBER_WORDS
                ):
                    if lw != "and":
                        words.append(lw)
                    j += 1
                    continue
                break
            value = _parse_number_words(words)
            if value is not None:
                end = raws[j - 1].end
                src = text[r.start : end]
                pct = j + 1 < n + 1 and _percent_follows(raws, j)
                if pct:
                    add(src, f"p{value}", r.start, end, fact=True)
                    j = _skip_percent(raws, j)
                elif 1000 <= value <= 2100 and len(words) >= 2 and words[0] in _UNITS:
                    add(src, f"y{value}", r.start, end, fact=True)
                else:
                    add(src, f"n{value}", r.start, end, fact=True, weak=value < 13)
                i = j
                continue
        if r.text[0] == "'" and r.text[1:].isdigit():
            add(r.text, f"yy{r.text[1:]}", r.start, r.end, fact=True)
            i += 1
            continue
        if r.text[0].isdigit() and r.text[-1] in "+-\u2212":
            sign = "+" if r.text[-1] == "+" else "-"
            add(r.text, f"q{int(r.text[:-1])}{sign}", r.start, r.end, fact=True)
            i += 1
            continue
        if r.text[0].isdigit() and _SCIENTIFIC.fullmatch(r.text):
            add(r.text, f"n{_number_key(_scientific_value(r.text))}", r.start, r.end, fact=True)
            i += 1
            continue
        if r.text[0].isdigit() and "\u2044" in r.text:
            top, bottom = r.text.split("\u2044")
            if int(bottom):
                share = int(top) / int(bottom)
                add(r.text, f"n{_number_key(share)}", r.start, r.end, fact=True)
                i += 1
                continue
        if r.text[0].isdigit():
            if "/" in r.text:
                parts = r.text.split("/")
                d, m, y = int(parts[0]), int(parts[1]), int(parts[2])
                if m > 12 >= d:
                    d, m = m, d
                add(r.text, f"d{d}", r.start, r.end, fact=True)
                add(r.text, f"m{m}", r.start, r.end, fact=True)
                ykey = f"y{y}" if len(parts[2]) == 4 else f"yy{parts[2][-2:]}"
                add(r.text, ykey, r.start, r.end, fact=True)
                i += 1
                continue
            digits = re.sub(r"(st|nd|rd|th|s)$", "", r.text).replace(",", "")
            thousands = digits[-1:] in ("k", "K")
            try:
                value_f = float(digits[:-1]) * 1000 if thousands else float(digits)
            except ValueError:
                add(r.text, low, r.start, r.end)
                i += 1
                continue
            value_i = int(value_f) if value_f.is_integer() else None  # not inf
            vstr = str(value_i) if value_i is not None else _number_key(value_f)
            if _percent_follows(raws, i + 1):
                add(r.text, f"p{vstr}", r.start, r.end, fact=True)
                i = _skip_percent(raws, i + 1)
                continue
            is_year = (
                value_i is not None
                and len(digits) == 4
                and not thousands
                and "," not in r.text
                and 1000 <= value_i <= 2100
            )
            if is_year:
                add(r.text, f"y{value_i}", r.start, r.end, fact=True)
                # ranges: 1923-25, 1937-38, 1932-1935
                if i + 1 < n and text[r.end : raws[i + 1].start].strip() in ("-", "/", "to"):
                    nxt = raws[i + 1].text
                    if nxt.isdigit() and len(nxt) == 2 and value_i is not None:
                        y2 = value_i // 100 * 100 + int(nxt)
                        add(nxt, f"y{y2}", raws[i + 1].start, raws[i + 1].end, fact=True)
                        i += 2
                        continue
                i += 1
                continue
            is_day = value_i is not None and 1 <= value_i <= 31 and _month_near(raws, i)
            if is_day:
                add(r.text, f"d{value_i}", r.start, r.end, fact=True)
            else:
                add(
                    r.text,
                    f"n{vstr}",
                    r.start,
                    r.end,
                    fact=True,
                    weak=value_i is not None and value_i < 13 and not r.text.endswith("s"),
                )
            i += 1
            continue
        if r.text == "%":
            i += 1
            continue
        if low in _MONTHS:
            month_ok = low not in _AMBIGUOUS_MONTHS or _number_near(raws, i)
            if month_ok and not (low == "may" and r.text == "may"):
                add(r.text, f"m{_MONTHS[low]}", r.start, r.end, fact=True)
                i += 1
                continue
        cap = r.text[0].isupper() and not _is_sentence_start(text, r.start)
        if low in stopwords or low.endswith("n't") or low in BARE_CONTRACTIONS:
            add(r.text, low, r.start, r.end, stop=True)
        else:
            add(
                r.text,
                stem(low, lang),
                r.start,
                r.end,
                cap=cap or (r.text.isupper() and len(r.text) > 1),
            )
        i += 1
    _names_at_sentence_start(out, text)
    return _mark_negation(out, text)


def _names_at_sentence_start(out: list[Token], text: str) -> None:
    """A capitalised word that opens a sentence is a name when a name follows it
    ("Marie Curie - physics")."""
    for i, t in enumerate(out[:-1]):
        nxt = out[i + 1]
        if (
            not t.cap
            and not t.stop
            and not t.fact
            and t.text[:1].isupper()
            and nxt.cap
            and not text[t.end : nxt.start].strip()
        ):
            out[i] = Token(t.text, t.key, t.start, t.end, t.index, stop=False, fact=False, cap=True)


def _percent_follows(raws: list[_Raw], j: int) -> bool:
    if j >= len(raws):
        return False
    w = raws[j].text.lower()
    if w in ("%", "percent"):
        return True
    return w == "per" and j + 1 < len(raws) and raws[j + 1].text.lower() == "cent"


def _skip_percent(raws: list[_Raw], j: int) -> int:
    w = raws[j].text.lower()
    return j + 2 if w == "per" else j + 1


def _month_near(raws: list[_Raw], i: int) -> bool:
    for j in (i - 1, i + 1, i + 2, i - 2):
        if 0 <= j < len(raws) and raws[j].text.lower() in _MONTHS:
            if j in (i + 2, i - 2) and raws[(i + j) // 2].text.lower() != "of":
                continue
            return True
    return False


def _number_near(raws: list[_Raw], i: int) -> bool:
    for j in (i - 1, i + 1, i - 2, i + 2):
        if 0 <= j < len(raws):
            t = raws[j].text
            if t[0].isdigit() or t[0] == "'" or t.lower() in _NUMBER_WORDS:
                return True
    return False


def _mark_negation(tokens: list[Token], text: str) -> tuple[Token, ...]:
    """Flag the content words that follow a negator in the same clause (up to 4 words, and
    not past a "to" after the first of them)."""
    out: list[Token] = []
    scope = 0
    prev_end = 0
    for i, t in enumerate(tokens):
        low = t.text.lower()
        if any(c in ",;.:-()!?" for c in text[prev_end : t.start]):
            scope = 0
        prev_end = t.end
        if low in NEGATORS or low.endswith("n't") or low in BARE_CONTRACTIONS or low in _AVOID:
            after = [u.text.lower() for u in tokens[i + 1 : i + 3]]
            # "not much", "not many", "not a lot of": a small amount, nothing denied
            scope = 0 if after[:1] in (["much"], ["many"]) or after == ["a", "lot"] else 4
            out.append(t)
            continue
        if scope > 0 and not t.stop:
            out.append(
                Token(
                    t.text,
                    t.key,
                    t.start,
                    t.end,
                    t.index,
                    stop=t.stop,
                    fact=t.fact,
                    cap=t.cap,
                    negated=True,
                    weak=t.weak,
                )
            )
            scope -= 1
            continue
        if low in ("but", "so", "because", "which", "who") or (low == "to" and 0 < scope < 4):
            scope = 0  # "didn't want them to win": what is denied is the wanting
        out.append(t)
    return tuple(out)
