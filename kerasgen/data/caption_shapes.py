"""What each sentence shape of `attribute_phrasings` can produce, as a regular expression.

`shape_pattern(name)` matches (fullmatch) the words, joined by single spaces, of every caption
the shape can produce, and more: a slot matches any of its table's phrases, any number of
them, in any order. So a sentence no shape's pattern matches cannot come out of the scheme;
tests/data/test_attribute_phrasings.py checks the twelve held-out sentences against them,
and that the captions the scheme writes do match their shapes'.
"""

import re

from kerasgen.data.attribute_phrasings import ABSENT
from kerasgen.data.attribute_phrasings import BEARD
from kerasgen.data.attribute_phrasings import Fact
from kerasgen.data.attribute_phrasings import HAIR_ADJECTIVES
from kerasgen.data.attribute_phrasings import HAIR_COLOURS
from kerasgen.data.attribute_phrasings import HAIR_STYLES
from kerasgen.data.attribute_phrasings import LEADS
from kerasgen.data.attribute_phrasings import LIST_SLOTS
from kerasgen.data.attribute_phrasings import NEUTRAL_NOUN
from kerasgen.data.attribute_phrasings import NO_BEARD
from kerasgen.data.attribute_phrasings import NOUNS
from kerasgen.data.attribute_phrasings import PRESENT
from kerasgen.data.attribute_phrasings import PRONOUNS
from kerasgen.data.attribute_phrasings import SHAPES
from kerasgen.data.attribute_phrasings import TAG_LEADS
from kerasgen.data.attribute_phrasings import YOUNG_FEMALE_NOUNS


def words(text):
    """The words a text encoder reads: lower-cased, ASCII punctuation removed, split on
    whitespace (TextVectorization's default standardization)."""
    return re.sub(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']", "", text.lower()).split()


def _alternatives(phrases):
    unique = sorted({" ".join(words(p)) for p in phrases}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(p) for p in unique) + ")"


def _role_phrases(role):
    tables = list(PRESENT.values()) + list(ABSENT.values()) + [BEARD, NO_BEARD]
    hair = Fact({}, {"with": ["hair"], "adj": sum(HAIR_ADJECTIVES.values(), []),
                     "is": sum(HAIR_ADJECTIVES.values(), [])})
    facts = [Fact({}, table) for table in tables] + [hair]
    return sorted({p for f in facts for p in f.roles.get(role, [])})


def shape_pattern(shape):
    """A compiled regular expression matching (fullmatch) the words, joined by single spaces,
    of every caption `shape` can produce, and more (see the module docstring)."""
    colour = _alternatives(sum(HAIR_COLOURS.values(), []))
    style = _alternatives(sum(HAIR_STYLES.values(), []))
    hair = f"(?:{style} )?(?:{colour} )?hair"
    adjective = _alternatives(_role_phrases("adj"))
    noun = _alternatives(sum(NOUNS.values(), []) + YOUNG_FEMALE_NOUNS + [NEUTRAL_NOUN])
    role = {r: _alternatives(_role_phrases(r)) for r in ("with", "wear", "without", "in",
                                                         "clause", "tag")}
    role["with"] = f"(?:{role['with']}|{hair})"
    role["tag"] = f"(?:{role['tag']}|{hair})"
    role["clause"] = f"(?:{role['clause']}|has {hair})"

    def listed(item, fewest):
        return f"{item}(?: (?:and )?{item})" + ("*" if fewest == 1 else "+")

    slots = {"lead": _alternatives(LEADS), "tag_lead": _alternatives(TAG_LEADS),
             "noun": noun, "pronoun": _alternatives(PRONOUNS.values()),
             "adjnoun": f"(?:{adjective} )*{noun}",
             "np": f"(?:(?:a|an) (?:{adjective} )*{noun}|someone)"}
    slots.update({slot: listed(role[r], fewest) for slot, (r, fewest) in LIST_SLOTS.items()})
    slots["in"] = role["in"]
    parts = []
    for token in SHAPES[shape].split():
        slot = re.fullmatch(r"\{(\w+)\}\W*", token)
        parts.append(slots[slot.group(1)] if slot else re.escape(" ".join(words(token))))
    return re.compile(" ".join(parts))
