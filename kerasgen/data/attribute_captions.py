"""CelebA captions phrased from the 40 attributes of list_attr_celeba.txt.

`celeba_captions(attributes_file)` gives rows {"file", "caption", "stated"}, where `stated`
maps each attribute the caption asserts to 1 (present) or 0 (said to be absent, e.g. "no
beard"), so evaluation can check a generated face against what its caption says. Generation
is deterministic given the seed: training and evaluation read the same captions
(`python -m kerasgen.data.captions` writes them to a JSONL file).

Caption schemes (`data.captions`), in `CAPTION_SCHEMES`:
- `celeba_attributes`: `caption_for` below, four sentence shapes (the first presets').
- `celeba_attributes_v2`: `attribute_phrasings.caption_for`, captions as people write them.
`repeat_factors` (LVIS's repeat-factor sampling) gives faces with rare attributes more
captions, so a model sees hats and glasses stated often enough to learn them.
"""

import math
import random

from kerasgen.data import attribute_phrasings
from kerasgen.data.images import read_attributes
from kerasgen.registry import Registry

HAIR_COLOURS = {"Black_Hair": "black", "Blond_Hair": "blond", "Brown_Hair": "brown",
                "Gray_Hair": "gray"}
HAIR_STYLES = {"Wavy_Hair": "wavy", "Straight_Hair": "straight"}
# Attribute -> phrases after "with" (several wordings, chosen by the seeded generator).
WITH = {
    "Eyeglasses": ["glasses", "eyeglasses", "a pair of glasses"],
    "Goatee": ["a goatee"],
    "Mustache": ["a mustache", "a moustache"],
    "Bangs": ["bangs", "a fringe"],
    "Heavy_Makeup": ["heavy makeup", "a lot of makeup"],
    "Wearing_Lipstick": ["lipstick", "red lips"],
    "Wearing_Hat": ["a hat"],
    "Wearing_Earrings": ["earrings"],
    "Wearing_Necklace": ["a necklace"],
    "Wearing_Necktie": ["a tie", "a necktie"],
    "Big_Nose": ["a big nose", "a large nose"],
    "Pointy_Nose": ["a pointy nose"],
    "Big_Lips": ["big lips", "full lips"],
    "High_Cheekbones": ["high cheekbones"],
    "Rosy_Cheeks": ["rosy cheeks"],
    "Arched_Eyebrows": ["arched eyebrows"],
    "Bushy_Eyebrows": ["bushy eyebrows", "thick eyebrows"],
    "Bags_Under_Eyes": ["bags under the eyes"],
    "Double_Chin": ["a double chin"],
    "Sideburns": ["sideburns"],
    "5_o_Clock_Shadow": ["stubble", "a five o'clock shadow"],
    "Receding_Hairline": ["a receding hairline"],
    "Mouth_Slightly_Open": ["the mouth slightly open"],
}
# Attribute -> "this person <verb phrase>" forms for the "has/wears" template.
WEARS = {"Eyeglasses": "wears glasses", "Wearing_Hat": "wears a hat",
         "Wearing_Earrings": "wears earrings", "Wearing_Necklace": "wears a necklace",
         "Wearing_Necktie": "wears a tie", "Wearing_Lipstick": "wears lipstick",
         "Heavy_Makeup": "wears heavy makeup"}
# Absent attributes worth saying ("no beard", "no glasses").
ABSENT = {"No_Beard": (1, "a beard", ["no beard", "a clean-shaven face"]),
          "Eyeglasses": (0, None, ["no glasses"]),
          "Wearing_Hat": (0, None, ["no hat"])}


def _subject(attrs, rng):
    male = attrs.get("Male") == 1
    young = attrs.get("Young") == 1
    noun = rng.choice(["man", "guy", "gentleman"] if male else ["woman", "lady", "girl"]
                      if young else ["woman", "lady"])
    age = rng.choice(["young", ""]) if young else rng.choice(["older", "middle-aged", "old"])
    words = []
    stated = {"Male": int(male)}
    if age:
        words.append(age)
        stated["Young"] = int(young)
    if attrs.get("Smiling") == 1 and rng.random() < 0.8:
        words.insert(0, "smiling")
        stated["Smiling"] = 1
    elif attrs.get("Smiling") == 0 and rng.random() < 0.2:
        words.insert(0, "serious")
        stated["Smiling"] = 0
    if attrs.get("Bald") == 1:
        words.append("bald")
        stated["Bald"] = 1
    return " ".join(words + [noun]), stated


def _hair(attrs, rng, stated):
    if attrs.get("Bald") == 1:
        return None
    colour = [v for k, v in HAIR_COLOURS.items() if attrs.get(k) == 1]
    style = [v for k, v in HAIR_STYLES.items() if attrs.get(k) == 1]
    if not colour and not style:
        return None
    for k, v in {**HAIR_COLOURS, **HAIR_STYLES}.items():
        if v in colour or v in style:
            stated[k] = 1
    return " ".join(style[:1] + colour[:1] + ["hair"])


def caption_for(attrs, rng, max_details=3):
    """One caption (text, stated) for {attribute: 0/1}; `rng` a random.Random. `stated`
    holds exactly the attributes the text asserts."""
    subject, stated = _subject(attrs, rng)
    details = []  # (attribute or None, phrase)
    hair = _hair(attrs, rng, stated)
    if hair:
        details.append((None, hair))
    present = [k for k in WITH if attrs.get(k) == 1 and k not in stated]
    rng.shuffle(present)
    for k in present[:max(0, max_details - len(details))]:
        details.append((k, rng.choice(WITH[k])))
        stated[k] = 1
    if rng.random() < 0.3:  # sometimes say what is absent
        options = [(k, phrases) for k, (value, _, phrases) in ABSENT.items()
                   if attrs.get(k) == value and k not in stated
                   and not (k == "No_Beard" and attrs.get("Male") != 1)]
        if options:
            k, phrases = rng.choice(options)
            details.append((None, rng.choice(phrases)))
            stated[k] = ABSENT[k][0] if k == "No_Beard" else 0
    article = "an" if subject[0] in "aeiou" else "a"
    if not details:
        return rng.choice([f"{article} {subject}", f"a photo of {article} {subject}",
                           f"a face of {article} {subject}"]), stated
    if rng.random() < 0.25:  # "this smiling man has a goatee and wears glasses"
        has = [phrase for k, phrase in details if k not in WEARS]
        wears = [WEARS[k] for k, _ in details if k in WEARS]
        parts = ([f"has {_join(has)}"] if has else []) + wears
        return f"this {subject} {' and '.join(parts)}", stated
    lead = rng.choice([f"{article} {subject}", f"a photo of {article} {subject}"])
    return f"{lead} with {_join([phrase for _, phrase in details])}", stated


def _join(items):
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def repeat_factors(rows, threshold, attributes=attribute_phrasings.RARE):
    """Repeat-factor sampling (Gupta et al. 2019, LVIS, Sec. 4): an attribute present in a
    share f of the rows gets r = max(1, sqrt(threshold / f)); a row (an image's {attribute:
    0/1}) gets the largest r of the `attributes` it has, 1 without any. Returns (the rows'
    factors, {attribute: r})."""
    per_attribute = {}
    for name in attributes:
        share = sum(row.get(name) == 1 for row in rows) / max(len(rows), 1)
        per_attribute[name] = max(1.0, math.sqrt(threshold / share)) if share else 1.0
    factors = [max([per_attribute[n] for n in attributes if row.get(n) == 1], default=1.0)
               for row in rows]
    return factors, per_attribute


def celeba_captions(attributes_file, per_image=5, seed=0, files=None,
                    scheme="celeba_attributes", repeat_threshold=None):
    """[{"file", "caption", "stated"}] for every image of a CelebA attribute file (or
    `files`), `per_image` distinct phrasings each where the attributes allow; deterministic
    given `seed` (each image's generator is seeded from the seed and its name). `scheme`
    names the phrasing (`CAPTION_SCHEMES`); `repeat_threshold` (e.g. 0.1) multiplies an
    image's captions by its repeat factor among `files` (`repeat_factors`; a fractional
    count rounds up or down at random, deterministically), for training sets only."""
    caption_for_scheme = CAPTION_SCHEMES.get(scheme)
    names, table = read_attributes(attributes_file)
    files = files if files is not None else sorted(table)
    attributes = [{n: int(v) for n, v in zip(names, table[file])} for file in files]
    factors = (repeat_factors(attributes, repeat_threshold)[0] if repeat_threshold
               else [1.0] * len(files))
    rows = []
    for file, attrs, factor in zip(files, attributes, factors):
        rng = random.Random(f"{seed}:{file}")
        wanted = per_image * factor
        wanted = int(wanted) + (random.Random(f"repeat:{seed}:{file}").random()
                                < wanted - int(wanted))
        seen = set()
        for _ in range(wanted * 4):  # a few tries for distinct wordings
            text, stated = caption_for_scheme(attrs, rng)
            if text not in seen:
                seen.add(text)
                rows.append({"file": file, "caption": text, "stated": stated})
            if len(seen) == wanted:
                break
    return rows


# name -> caption_for(attrs, rng) -> (text, stated): what `data.captions` may name.
CAPTION_SCHEMES = Registry("caption scheme")
CAPTION_SCHEMES.register("celeba_attributes", caption_for)
CAPTION_SCHEMES.register("celeba_attributes_v2", attribute_phrasings.caption_for)
