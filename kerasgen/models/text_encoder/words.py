"""Reading captions word by word: the words a vectorizer reads, those a vocabulary does not
hold (named in a warning, or refused when a caption has no other), and word dropout."""

import warnings

import tensorflow as tf

# TextVectorization's default standardization ("lower_and_strip_punctuation") strips these
# characters after lower-casing; `caption_words` repeats it, so the words named to users are
# the ones the vocabulary was searched for.
STRIP_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
NAMED_CAPTIONS = 5  # captions a warning or an error names before "and N more"


def caption_words(texts):
    """(B,) strings -> (B, None) ragged words, as the vectorizer reads them: lower-cased,
    punctuation removed, split on whitespace."""
    texts = tf.strings.lower(tf.convert_to_tensor(texts))
    return tf.strings.split(tf.strings.regex_replace(texts, STRIP_PUNCTUATION, ""))


def drop_words(mask, rate, seed):
    """Word dropout (Iyyer et al. 2015, "Deep Unordered Composition Rivals Syntactic Methods
    for Text Classification"): each word of `mask` (B, L) bool, True for a word, is left out
    with probability `rate`; a caption that would lose every word keeps them all."""
    kept = mask & (tf.random.stateless_uniform(tf.shape(mask), seed) >= rate)
    return tf.where(tf.reduce_any(kept, axis=1, keepdims=True), kept, mask)


def read_words(vectorizer, texts, sequence_length):
    """(unknown, known) of (B,) strings for a `TextVectorization` with a vocabulary: (B, None)
    ragged strings, each caption's words the vocabulary does not hold; (B,) int32, how many
    of its first `sequence_length` words it holds."""
    words = caption_words(texts)
    # Each word on its own through the vectorizer: its id is the first of the row (1: OOV).
    ids = words.with_flat_values(vectorizer(words.flat_values)[:, 0])
    known = tf.cast(ids[:, :sequence_length] > 1, tf.int32)
    return tf.ragged.boolean_mask(words, tf.equal(ids, 1)), tf.reduce_sum(known, axis=1)


def check_words(texts, unknown, known, vocabulary, fate):
    """Warn naming, caption by caption, the `unknown` words of `texts` and what becomes of
    them (`fate`); raise a ValueError naming the captions with no `known` word."""
    texts = [t.decode("utf-8", "replace") for t in tf.convert_to_tensor(texts).numpy()]
    unknown = [[w.decode("utf-8", "replace") for w in row] for row in unknown.to_list()]
    # Each caption named once, however often a batch repeats it (z varied per caption).
    empty = list(dict.fromkeys(t for t, count in zip(texts, known.numpy()) if count == 0))
    if empty:
        raise ValueError(
            f"{_named(empty)}: no word of {'it' if len(empty) == 1 else 'them'} is in the "
            f"text encoder's vocabulary; expected a caption with at least one word it knows "
            f"({len(vocabulary)} words, e.g. {', '.join(vocabulary[:12])}; "
            "TextEncoder.vocabulary lists them all).")
    offending = list({t: words for t, words in zip(texts, unknown) if words}.items())
    if offending:
        listed = "; ".join(f"{', '.join(map(repr, words))} in {t!r}"
                           for t, words in offending[:NAMED_CAPTIONS])
        more = len(offending) - NAMED_CAPTIONS
        warnings.warn(f"Words the text encoder's vocabulary does not hold: {listed}"
                      + (f"; and {more} more caption(s)" if more > 0 else "")
                      + f". They are ignored ({fate}).", stacklevel=4)


def _named(texts):
    """'Caption 'x'' or 'Captions 'x', 'y' and N more' for messages."""
    shown = ", ".join(map(repr, texts[:NAMED_CAPTIONS]))
    more = len(texts) - NAMED_CAPTIONS
    return (f"Caption {shown}" if len(texts) == 1 else
            f"Captions {shown}" + (f" and {more} more" if more > 0 else ""))
