"""The second CelebA caption scheme: true to the attributes, varied, and unable to produce
the twelve held-out sentences, whose every word it uses."""

import random

import pytest

from kerasgen.data import attribute_phrasings as phrasings
from kerasgen.data import caption_shapes
from kerasgen.evaluation.held_out import SENTENCES

NAMES = sorted(set(phrasings.PRESENT) | set(phrasings.ABSENT) | set(phrasings.HAIR_COLOURS)
               | set(phrasings.HAIR_STYLES) | {"Male", "No_Beard"})


@pytest.fixture(scope="module")
def captions():
    """(attrs, shape, text, stated) for 3,000 faces of random attributes, each present a
    third of the time (so rare ones are common here), half of them men."""
    rng = random.Random(0)
    out = []
    for _ in range(3000):
        attrs = {name: int(rng.random() < 1 / 3) for name in NAMES}
        attrs["Male"] = rng.randint(0, 1)
        out.append((attrs, *phrasings.phrase(attrs, rng)))
    return out


def test_v2_captions_are_true_to_the_attributes_vary_and_match_their_shapes(captions):
    for attrs, shape, text, stated in captions:
        assert all(attrs[name] == value for name, value in stated.items()), (text, stated)
        for name in phrasings.RARE:  # rare attributes a face has are always said
            assert attrs[name] != 1 or stated.get(name) == 1 or (
                name == "Gray_Hair" and attrs["Bald"] == 1), (text, name)
    texts = [text for _, _, text, _ in captions]
    assert len(set(texts)) > 0.95 * len(texts)
    assert {shape for _, shape, _, _ in captions} == set(phrasings.SHAPES)
    every = " ".join(texts)
    for phrase in ("spectacles", "a cap", "grey", "gray", "lady", "gentleman", " she ",
                   " he ", "without", "not smiling", "clean-shaven", "someone"):
        assert phrase in every, phrase
    # Each caption matches its shape's pattern: the patterns over-approximate the shapes, so
    # the held-out test below is sound.
    patterns = {shape: caption_shapes.shape_pattern(shape) for shape in phrasings.SHAPES}
    for _, shape, text, _ in captions:
        assert patterns[shape].fullmatch(" ".join(caption_shapes.words(text))), (shape, text)


def test_no_held_out_sentence_can_come_out_of_the_generator_but_every_word_does(captions):
    from kerasgen.models.text_encoder.words import caption_words

    held_out = {" ".join(caption_shapes.words(text)) for text, _ in SENTENCES}
    assert len(held_out) == 12
    # Compared as the text encoder reads them (its vectorizer's standardization).
    texts = [text for text, _ in SENTENCES] + [text for _, _, text, _ in captions[:200]]
    assert [[w.decode() for w in row] for row in caption_words(texts).to_list()] == [
        caption_shapes.words(text) for text in texts]
    for shape in phrasings.SHAPES:
        pattern = caption_shapes.shape_pattern(shape)
        assert not [s for s in held_out if pattern.fullmatch(s)], shape
    assert not held_out & {" ".join(caption_shapes.words(text)) for _, _, text, _ in captions}
    # A word-level encoder cannot learn a word it never saw: the training captions must hold
    # every word of the held-out sentences (shapes differ, words do not).
    said = {w for _, _, text, _ in captions for w in caption_shapes.words(text)}
    needed = {w for text, _ in SENTENCES for w in caption_shapes.words(text)}
    assert needed <= said, sorted(needed - said)
