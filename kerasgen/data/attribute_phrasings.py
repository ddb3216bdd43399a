"""CelebA captions as people write them (`data.captions: celeba_attributes_v2`).

Where the first scheme (`attribute_captions.caption_for`) says "a smiling guy with black hair"
in four sentence shapes, this one says a face's attributes the ways people do: synonyms
(woman / lady / girl / female, glasses / eyeglasses / spectacles, hat / cap, grey / gray),
pronouns ("a young woman. she has black hair and is smiling"), negations ("without glasses",
"is not smiling", "clean-shaven"), fifteen sentence shapes (`SHAPES`) and the attributes
in shuffled order. Rare attributes (`RARE`: bald, eyeglasses, grey hair, hats) are stated
whenever a face has them; `attribute_captions.repeat_factors` shows such faces more often.

A caption is one of `SHAPES` with its slots filled from the phrase tables below.
`caption_shapes.shape_pattern(name)` is a regular expression over the words the text encoder
reads (lower-cased, punctuation removed) that matches everything that shape can produce, and
more. The twelve held-out sentences of `kerasgen.evaluation.held_out` match none of the
shapes' patterns, so the scheme cannot produce them (tests/data/test_attribute_phrasings.py
checks both).
"""

import re

RARE = ("Bald", "Eyeglasses", "Gray_Hair", "Wearing_Hat")

# -- the subject -------------------------------------------------------------------------------
NOUNS = {1: ["man", "man", "guy", "gentleman", "male"],  # Male: 1; repeats weight the draw
         0: ["woman", "woman", "lady", "female"]}
YOUNG_FEMALE_NOUNS = ["girl"]  # "girl" only for a face CelebA calls young
NEUTRAL_NOUN = "person"  # no gender stated
PRONOUNS = {1: "he", 0: "she"}

# -- facts: attribute (value) -> its phrases in each role ---------------------------------------
# adj: before the noun ("a smiling man"); is: after "is"; with: after "with" or "has";
# wear: after "wears" / "wearing"; in: after "in" ("a man in a hat"); without: after
# "without" (absent things); clause: whole verb phrases for absent things ("does not smile").
PRESENT = {
    "Young": {"adj": ["young", "youthful"], "is": ["young"]},
    "Smiling": {"adj": ["smiling"], "is": ["smiling"], "with": ["a smile", "a big smile"],
                "clause": ["smiles"]},
    "Bald": {"adj": ["bald"], "is": ["bald"], "with": ["a bald head"]},
    "Eyeglasses": {"with": ["glasses", "eyeglasses", "spectacles", "a pair of glasses",
                            "glasses on"],
                   "wear": ["glasses", "eyeglasses", "spectacles"],
                   "in": ["glasses", "eyeglasses", "spectacles"]},
    "Wearing_Hat": {"with": ["a hat", "a cap", "a hat on"], "wear": ["a hat", "a cap"],
                    "in": ["a hat", "a cap"]},
    "Goatee": {"with": ["a goatee"]},
    "Mustache": {"with": ["a mustache", "a mustache", "a moustache"]},
    "5_o_Clock_Shadow": {"adj": ["stubbly"], "with": ["stubble", "a five o'clock shadow"]},
    "Bangs": {"with": ["bangs", "a fringe"]},
    "Heavy_Makeup": {"with": ["heavy makeup", "a lot of makeup", "makeup"],
                     "wear": ["heavy makeup", "makeup"]},
    "Wearing_Lipstick": {"with": ["lipstick", "red lipstick", "red lips"],
                         "wear": ["lipstick", "red lipstick"]},
    "Wearing_Earrings": {"with": ["earrings"], "wear": ["earrings"]},
    "Wearing_Necklace": {"with": ["a necklace"], "wear": ["a necklace"]},
    "Wearing_Necktie": {"with": ["a tie", "a necktie"], "wear": ["a tie", "a necktie"]},
    "Big_Nose": {"with": ["a big nose", "a large nose"]},
    "Pointy_Nose": {"with": ["a pointy nose"]},
    "Big_Lips": {"with": ["big lips", "full lips"]},
    "High_Cheekbones": {"with": ["high cheekbones"]},
    "Rosy_Cheeks": {"with": ["rosy cheeks"]},
    "Arched_Eyebrows": {"with": ["arched eyebrows"]},
    "Bushy_Eyebrows": {"with": ["bushy eyebrows", "thick eyebrows"]},
    "Bags_Under_Eyes": {"with": ["bags under the eyes"]},
    "Double_Chin": {"with": ["a double chin"]},
    "Sideburns": {"with": ["sideburns"]},
    "Receding_Hairline": {"with": ["a receding hairline"]},
    "Mouth_Slightly_Open": {"with": ["the mouth slightly open"]},
}
BEARD = {"adj": ["bearded"], "with": ["a beard", "a full beard", "facial hair"]}  # No_Beard: 0
ABSENT = {
    "Young": {"adj": ["older", "middle-aged", "old", "elderly", "mature"],
              "is": ["older", "middle-aged", "not young"]},
    "Smiling": {"adj": ["serious", "unsmiling"], "is": ["serious", "not smiling"],
                "with": ["a serious expression"], "clause": ["does not smile"]},
    "Eyeglasses": {"with": ["no glasses"], "without": ["glasses", "eyeglasses", "spectacles"],
                   "clause": ["wears no glasses", "does not wear glasses",
                              "is not wearing glasses"]},
    "Wearing_Hat": {"with": ["no hat"], "without": ["a hat", "a cap"],
                    "clause": ["wears no hat", "does not wear a hat", "is not wearing a hat"]},
}
NO_BEARD = {"adj": ["clean-shaven", "beardless"], "is": ["clean-shaven"],  # No_Beard: 1, men
            "with": ["no beard", "a clean-shaven face"], "without": ["a beard"],
            "clause": ["has no beard", "does not have a beard"]}
HAIR_COLOURS = {"Black_Hair": ["black"], "Blond_Hair": ["blond", "blonde"],
                "Brown_Hair": ["brown"], "Gray_Hair": ["grey", "grey", "gray", "silver"]}
HAIR_ADJECTIVES = {"Black_Hair": ["black-haired"], "Blond_Hair": ["blond", "blonde"],
                   "Brown_Hair": ["brunette", "brown-haired"],
                   "Gray_Hair": ["grey-haired", "gray-haired"]}
HAIR_STYLES = {"Wavy_Hair": ["wavy", "curly"], "Straight_Hair": ["straight"]}

# -- sentence shapes ---------------------------------------------------------------------------
LEADS = ["a photo of", "a picture of", "a portrait of", "a close-up of", "an image of",
         "a headshot of", "a photograph of", "a close-up of the face of", "portrait of",
         "photo of"]
TAG_LEADS = ["portrait", "photo", "face", "headshot"]
# name -> template. Slots: {np} "a" + adjectives + noun (or "someone"); {adjnoun} adjectives
# + noun; {with}, {wear}, {without}, {clauses}, {tags} lists of one or more phrases of that
# role ({with2}: two or more); {in} one phrase; {lead}, {tag_lead}, {noun}, {pronoun} one
# word or phrase of their table. No shape opens with a bare noun phrase and one "with": that
# is the held-out sentences' shape ("a man with grey hair").
SHAPES = {
    "lead_with": "{lead} {np} with {with}",
    "with": "{np} with {with2}",
    "with_without": "{lead} {np} with {with}, without {without}",
    "without": "{lead} {np} without {without}",
    "this": "this {adjnoun} {clauses}",
    "pronoun": "{np}. {pronoun} {clauses}.",
    "lead_pronoun": "{lead} {np}. {pronoun} {clauses}.",
    "who": "{lead} {np} who {clauses}",
    "wearing": "{np} wearing {wear}",
    "lead_with_wearing": "{lead} {np} with {with}, wearing {wear}",
    "in": "{lead} {np} in {in}",
    "in_with": "{lead} {np} in {in} with {with}",
    "tags": "{tag_lead}: {noun}, {tags}",
    "lead_np": "{lead} {np}",
    "np": "{np}",
}
# How often each shape is tried first; a shape the facts do not fit is passed over.
SHAPE_WEIGHTS = {"lead_with": 3, "with": 3, "with_without": 2, "without": 2, "this": 2,
                 "pronoun": 2, "lead_pronoun": 1, "who": 2, "wearing": 2,
                 "lead_with_wearing": 1, "in": 2, "in_with": 2, "tags": 1, "lead_np": 1,
                 "np": 1}
# Slot -> (role its phrases come from, fewest phrases). Roles: a fact's table keys above,
# plus "clause", derived from "is", "wear" and "with" where no explicit one is given.
LIST_SLOTS = {"with": ("with", 1), "with2": ("with", 2), "wear": ("wear", 1),
              "without": ("without", 1), "clauses": ("clause", 1), "tags": ("tag", 1),
              "in": ("in", 1)}


class Fact:
    """Something a caption may say: the attributes it states ({name: 0/1}) and its phrases
    in each role."""

    def __init__(self, stated, roles):
        self.stated = dict(stated)
        self.roles = {role: list(phrases) for role, phrases in roles.items() if phrases}
        # Verb phrases: "is young", "wears a hat", "has a beard", besides any given.
        clauses = (self.roles.get("clause", []) + [f"is {p}" for p in self.roles.get("is", [])]
                   + [f"{verb} {p}" for p in self.roles.get("wear", [])
                      for verb in ("wears", "is wearing")]
                   + [f"has {p}" for p in self.roles.get("with", [])])
        if clauses:
            self.roles["clause"] = list(dict.fromkeys(clauses))
        if "tag" not in self.roles:  # "smiling", "glasses", "no hat"
            self.roles["tag"] = self.roles.get("adj", []) + self.roles.get("with", [])


def _hair_fact(attrs, rng):
    colours = [k for k in HAIR_COLOURS if attrs.get(k) == 1]
    styles = [k for k in HAIR_STYLES if attrs.get(k) == 1]
    if attrs.get("Bald") == 1 or not (colours or styles):
        return None
    colour = colours[0] if colours else None
    if "Gray_Hair" in colours:  # rare: the one said when CelebA marks two colours
        colour = "Gray_Hair"
    style = styles[0] if styles else None
    if style and (colour is None or rng.random() < 0.6):  # "wavy blond hair"
        words = [rng.choice(HAIR_STYLES[style])] + (
            [rng.choice(HAIR_COLOURS[colour])] if colour else [])
        stated = {style: 1, **({colour: 1} if colour else {})}
        return Fact(stated, {"with": [" ".join(words + ["hair"])]})
    # Colour alone also reads as an adjective: "a blonde woman", "a grey-haired man".
    return Fact({colour: 1}, {"with": [f"{c} hair" for c in HAIR_COLOURS[colour]],
                              "adj": HAIR_ADJECTIVES[colour],
                              "is": HAIR_ADJECTIVES[colour]})


def facts_for(attrs, rng, max_facts=5):
    """The facts one caption states for {attribute: 0/1}: every rare attribute a face has,
    then others drawn at random (smile, age, hair, beard, make-up, ...), sometimes something
    absent ("without glasses"); at most `max_facts` (rare ones first)."""
    male = attrs.get("Male") == 1
    rare, others = [], []
    for name in ("Bald", "Eyeglasses", "Wearing_Hat"):
        if attrs.get(name) == 1:
            rare.append(Fact({name: 1}, PRESENT[name]))
    hair = _hair_fact(attrs, rng)
    if hair and "Gray_Hair" in hair.stated:
        rare.append(hair)
    elif hair and rng.random() < 0.6:
        others.append(hair)
    smiling = attrs.get("Smiling")
    if smiling is not None and rng.random() < (0.7 if smiling == 1 else 0.35):
        others.append(Fact({"Smiling": smiling}, (PRESENT if smiling else ABSENT)["Smiling"]))
    young = attrs.get("Young")
    if young is not None and rng.random() < 0.5:
        others.append(Fact({"Young": young}, (PRESENT if young else ABSENT)["Young"]))
    if male and attrs.get("No_Beard") == 0 and rng.random() < 0.6:
        others.append(Fact({"No_Beard": 0}, BEARD))
    chances = {"Goatee": 0.5, "Mustache": 0.7, "5_o_Clock_Shadow": 0.4, "Bangs": 0.5,
               "Heavy_Makeup": 0.4, "Wearing_Lipstick": 0.4, "Wearing_Earrings": 0.35,
               "Wearing_Necklace": 0.35, "Wearing_Necktie": 0.5}
    for name, chance in chances.items():
        if attrs.get(name) == 1 and rng.random() < chance:
            others.append(Fact({name: 1}, PRESENT[name]))
    features = [n for n in ("Big_Nose", "Pointy_Nose", "Big_Lips", "High_Cheekbones",
                            "Rosy_Cheeks", "Arched_Eyebrows", "Bushy_Eyebrows",
                            "Bags_Under_Eyes", "Double_Chin", "Sideburns",
                            "Receding_Hairline", "Mouth_Slightly_Open") if attrs.get(n) == 1]
    if features and rng.random() < 0.3:
        name = rng.choice(features)
        others.append(Fact({name: 1}, PRESENT[name]))
    if rng.random() < 0.45:  # say something absent
        absent = [Fact({n: 0}, ABSENT[n]) for n in ("Eyeglasses", "Wearing_Hat")
                  if attrs.get(n) == 0]
        if male and attrs.get("No_Beard") == 1:
            absent.append(Fact({"No_Beard": 1}, NO_BEARD))
        said = {n for f in others for n in f.stated}
        absent = [f for f in absent if not set(f.stated) & said]
        if absent:
            others.append(rng.choice(absent))
    rng.shuffle(others)
    return rare + others[:max(0, max_facts - len(rare))]


# -- composing a caption -----------------------------------------------------------------------
def _slots(shape):
    return re.findall(r"\{(\w+)\}", SHAPES[shape])


def _place(shape, facts, neutral, rng):
    """{slot or "adj": [(fact, phrase)]} for one shape, or None when the facts do not fit
    it (a fact with no phrase for any of the shape's slots, or a slot left short)."""
    slots = _slots(shape)
    takes_adjectives = "np" in slots or "adjnoun" in slots
    placed = {}
    for fact in facts:
        options = [slot for slot in slots if slot in LIST_SLOTS
                   and LIST_SLOTS[slot][0] in fact.roles
                   and not (slot == "in" and placed.get("in"))]
        if takes_adjectives and "adj" in fact.roles:
            # Adjectives go before the noun about half the time when there is another place.
            options += ["adj"] * max(1, len(options))
        if not options:
            return None
        slot = rng.choice(options)
        role = "adj" if slot == "adj" else LIST_SLOTS[slot][0]
        placed.setdefault(slot, []).append((fact, rng.choice(fact.roles[role])))
    for slot in slots:
        if slot in LIST_SLOTS and len(placed.get(slot, [])) < LIST_SLOTS[slot][1]:
            return None
    if neutral and "pronoun" in slots:
        return None
    return placed


def _article(words):
    return "an" if words[0][0] in "aeiou" else "a"


def _join(items):
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _noun(attrs, rng, neutral):
    if neutral:
        return NEUTRAL_NOUN
    male = int(attrs.get("Male") == 1)
    nouns = NOUNS[male] + (YOUNG_FEMALE_NOUNS if not male and attrs.get("Young") == 1 else [])
    return rng.choice(nouns)


def phrase(attrs, rng):
    """(shape, caption, stated) for {attribute: 0/1}; `rng` a random.Random. `stated` holds
    exactly the attributes the caption asserts (1 present, 0 said to be absent)."""
    neutral = rng.random() < 0.08  # "a person", "someone": no gender said
    facts = facts_for(attrs, rng)
    # Shapes in a weighted random order (Efraimidis & Spirakis' keys u^(1/w)); the first the
    # facts fit is taken. One always fits: "tags" takes any fact, "lead_np" no fact at all.
    for shape in sorted(SHAPES, key=lambda s: rng.random() ** (1.0 / SHAPE_WEIGHTS[s]),
                        reverse=True):
        placed = _place(shape, facts, neutral, rng)
        if placed is not None:
            return shape, *_realize(shape, placed, attrs, rng, neutral)
    raise AssertionError(f"no caption shape fits {[f.stated for f in facts]}")


def _realize(shape, placed, attrs, rng, neutral):
    stated = {} if neutral else {"Male": int(attrs.get("Male") == 1)}
    for fact, _ in (pair for pairs in placed.values() for pair in pairs):
        stated.update(fact.stated)
    adjectives = [p for _, p in placed.get("adj", [])]
    rng.shuffle(adjectives)
    noun = _noun(attrs, rng, neutral)
    adjnoun = " ".join(adjectives + [noun])
    if neutral and not adjectives and rng.random() < 0.5:
        np_ = "someone"
    else:
        np_ = f"{_article(adjnoun.split())} {adjnoun}"
    values = {"lead": rng.choice(LEADS), "tag_lead": rng.choice(TAG_LEADS), "noun": noun,
              "np": np_, "adjnoun": adjnoun,
              "pronoun": PRONOUNS.get(int(attrs.get("Male") == 1))}
    for slot, pairs in placed.items():
        if slot != "adj":
            phrases = [p for _, p in pairs]
            rng.shuffle(phrases)
            values[slot] = (", ".join(phrases) if slot == "tags" else _join(phrases))
    return SHAPES[shape].format(**{k: v for k, v in values.items() if v is not None}), stated


def caption_for(attrs, rng):
    """One caption (text, stated) for {attribute: 0/1}: the scheme `celeba_attributes_v2`."""
    _, text, stated = phrase(attrs, rng)
    return text, stated
