"""A caption encoder trained with a symmetric image-text objective: the text side of the
text-to-image GAN (Reed et al. 2016 pretrain theirs with DS-SJE; this uses the symmetric
contrastive loss of CLIP, Radford et al. 2021, which has the same two-sided structure)."""

import keras
import tensorflow as tf
from keras import layers

from kerasgen.losses.contrastive import symmetric_contrastive_loss
from kerasgen.models import replicas
from kerasgen.models.capabilities import TextImageEmbedder
from kerasgen.models.common import positive_int
from kerasgen.models.text_encoder import words
from kerasgen.registry import register_model


def retrieval_accuracy(text_embeddings, image_embeddings, ks=(1, 5)):
    """{"top1": ..., "top5": ...}: the share of captions whose own image (same row) is among
    the k images nearest to it (cosine), out of all N images."""
    similarity = tf.matmul(text_embeddings, image_embeddings, transpose_b=True)  # (N, N)
    own = tf.linalg.diag_part(similarity)[:, None]
    rank = tf.reduce_sum(tf.cast(similarity > own, tf.int32), axis=1)  # images ranked above
    return {f"top{k}": float(tf.reduce_mean(tf.cast(rank < k, tf.float32))) for k in ks}


@register_model("text_encoder")
class TextEncoder(TextImageEmbedder, keras.Model):
    """Strings in, unit-length caption embeddings out; trained jointly with an image encoder.

    Text: `keras.layers.TextVectorization` (lower-cased, punctuation stripped, split on
    whitespace) inside the model, its vocabulary a constructor argument so a `.keras` file and
    an exported SavedModel take raw strings; word embeddings, a bidirectional GRU and a masked
    mean over the words, projected to `embedding_dim`. Words outside the vocabulary map to the
    one out-of-vocabulary token ("[UNK]"), which counts like any word or is left out (see
    `out_of_vocabulary`); encoding strings outside a graph warns naming them, and refuses
    (ValueError) a caption with no word the vocabulary holds (`read_words` gives them, in
    graphs too). Captions longer than `sequence_length` words are cut to their first
    `sequence_length` words. Images: a small CNN on [0, 1] pixels, used for training and
    retrieval only.

    `fit` takes batches of (images, captions): images (B, H, W, C) float in [0, 1], captions
    (B,) strings or their token ids from `text_inputs` (tokenizing in the tf.data pipeline
    is faster, and needed under a tf.distribute strategy: Keras 3.15's `fit` averages the
    first batch over replicas to build the model, which fails on strings); the loss is
    `symmetric_contrastive_loss` over each replica's batch (negatives are not gathered across
    replicas, unlike CLIP's).

    Args:
        vocabulary: list of words (without the padding and OOV tokens); None to `adapt()`
            the vectorizer on captions before training (`TextEncoder.adapt(captions)`).
        max_tokens: vocabulary size cap for `adapt` (padding and OOV included).
        sequence_length: words kept per caption.
        word_dim, hidden_dim: word embedding size and GRU units per direction.
        embedding_dim: size of the joint embedding.
        image_shape: (H, W, C) of the training images.
        image_width: channels of the image CNN's first block (doubled per block, 4 blocks).
        temperature: divides cosine similarities in the loss.
        flip: mirror training images at random (faces keep their attributes mirrored).
        word_dropout: in training, each word of a caption is left out with this probability
            (`drop_words`), so that no single word (a template's) carries the meaning; 0 off.
        out_of_vocabulary: "token": a word outside the vocabulary is read as "[UNK]", whose
            embedding no training caption taught (the first presets); "skip": it is left out,
            as word dropout leaves words out in training, so the caption reads as if it were
            not there.
        seed: seed of the word dropout's random draws.
    """

    OUT_OF_VOCABULARY = ("token", "skip")

    def __init__(self, vocabulary=None, max_tokens=2000, sequence_length=24, word_dim=128,
                 hidden_dim=128, embedding_dim=128, image_shape=(64, 64, 3), image_width=32,
                 temperature=0.07, flip=False, word_dropout=0.0, out_of_vocabulary="token",
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(word_dropout) < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1); received {word_dropout!r}.")
        self.word_dropout = float(word_dropout)
        if out_of_vocabulary not in self.OUT_OF_VOCABULARY:
            raise ValueError(f"out_of_vocabulary must be one of "
                             f"{', '.join(self.OUT_OF_VOCABULARY)}; received "
                             f"{out_of_vocabulary!r}.")
        self.out_of_vocabulary = out_of_vocabulary
        self.seed = seed
        # Only a model that drops words has random state: older files hold no such variable.
        self.seed_generator = (keras.random.SeedGenerator(seed, name="word_dropout_seed")
                               if self.word_dropout else None)
        self.max_tokens = positive_int("max_tokens", max_tokens)
        self.sequence_length = positive_int("sequence_length", sequence_length)
        self.word_dim = positive_int("word_dim", word_dim)
        self.hidden_dim = positive_int("hidden_dim", hidden_dim)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        self.image_shape = tuple(positive_int("image_shape", d) for d in image_shape)
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (height, width, channels); received "
                             f"{image_shape}.")
        self.image_width = positive_int("image_width", image_width)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; received {temperature!r}.")
        self.temperature = float(temperature)
        self.flip = bool(flip)
        self.augmenter = layers.RandomFlip("horizontal", name="flip") if self.flip else None
        self.vectorizer = layers.TextVectorization(
            max_tokens=self.max_tokens, output_sequence_length=self.sequence_length,
            vocabulary=list(vocabulary) if vocabulary else None, name="vectorizer")
        self._has_vocabulary = bool(vocabulary)  # a Python flag: checked while tracing
        self.word_embedding = layers.Embedding(self.max_tokens, self.word_dim, mask_zero=True,
                                               name="words")
        # The backward GRU is passed in, not left to Bidirectional to derive: deriving it
        # serializes the GRU given a second time, and inside a `.keras` load that marks the
        # copy as a shared object under that GRU's id(). That GRU is a temporary, so a layer
        # built later in the same load (the EMA generator clone of a TextToImageGAN) can reuse
        # its address and deserialize as the backward GRU ("Input 0 of layer 'backward_gru'
        # is incompatible ... found ndim=4"). Same layers, same weight paths.
        self.recurrent = layers.Bidirectional(
            layers.GRU(self.hidden_dim, return_sequences=True),
            backward_layer=layers.GRU(self.hidden_dim, return_sequences=True,
                                      go_backwards=True, name="backward_gru"),
            name="gru")
        self.text_projection = layers.Dense(self.embedding_dim, name="text_projection",
                                            dtype="float32")
        self.image_net = self._image_net()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # Lookup tables have no weights, but Keras leaves them unbuilt until called; then
        # `fit` under a strategy tries to build the whole model by calling it on a batch of
        # images. Marking them built (the inner StringLookup has no public handle) avoids it.
        self.vectorizer.build((None,))
        lookup = getattr(self.vectorizer, "_lookup_layer", None)
        if lookup is not None:
            lookup.build(None)
        self.word_embedding.build((None, self.sequence_length))
        self.recurrent.build((None, self.sequence_length, self.word_dim))
        self.text_projection.build((None, 2 * self.hidden_dim))
        self.built = True

    def _image_net(self):
        x = keras.Input(self.image_shape, name="image")
        h = x * 2.0 - 1.0
        for block in range(4):
            h = layers.Conv2D(self.image_width * 2 ** block, 3, strides=2, padding="same",
                              name=f"conv{block}")(h)
            h = layers.LayerNormalization(name=f"norm{block}")(h)
            h = layers.LeakyReLU(0.2)(h)
        h = layers.GlobalAveragePooling2D()(h)
        h = layers.Dense(self.embedding_dim, name="image_projection", dtype="float32")(h)
        return keras.Model(x, h, name="image_net")

    @property
    def has_vocabulary(self):
        return self._has_vocabulary

    @property
    def vocabulary(self):
        return self.vectorizer.get_vocabulary()

    def adapt(self, captions):
        """Build the vocabulary from an iterable (or tf.data.Dataset) of caption strings."""
        self.vectorizer.adapt(captions)
        self._has_vocabulary = self.vectorizer.vocabulary_size() > 2
        return self

    def prepare_dataset(self, dataset, training=True):
        """(image, caption) batches -> (image, token ids): the vocabulary comes from the first
        training captions it sees (it is then part of the model's config, so the saved model
        and its exports take raw strings), and tokenizing in the input pipeline overlaps the
        step (and lets `fit` under a strategy split the batch: strings cannot be)."""
        if training and not self.has_vocabulary:
            self.adapt(dataset.map(lambda images, texts: texts))
        return dataset.map(lambda images, texts: (images, self.text_inputs(texts)),
                           num_parallel_calls=tf.data.AUTOTUNE)

    def tokens(self, texts):
        """(B,) strings -> (B, sequence_length) int64 token ids (0 = padding, 1 = OOV).
        Outside a graph the words are checked first (`check_words`)."""
        if not self._has_vocabulary:
            raise ValueError("TextEncoder has no vocabulary: pass vocabulary= or call "
                             "adapt(captions) before encoding.")
        texts = tf.convert_to_tensor(texts)
        if tf.executing_eagerly():  # a tf.data map or a serving graph has no Python values
            self.check_words(texts)
        return self.vectorizer(texts)

    # -- words the vocabulary does not hold ---------------------------------------------------
    def read_words(self, texts):
        """(B,) strings -> (unknown, known): (B, None) ragged strings, each caption's words
        the vocabulary does not hold, in order, as the vectorizer reads them (lower-cased,
        punctuation removed); (B,) int32, how many words of each caption it holds among those
        the encoder reads (the first `sequence_length`). Works in a graph (the serving
        signature returns the unknown words)."""
        return words.read_words(self.vectorizer, texts, self.sequence_length)

    def unknown_words(self, texts):
        """(B,) strings -> (B, None) ragged strings: `read_words`' unknown words."""
        return self.read_words(texts)[0]

    def unknown_word_fate(self):
        """What becomes of a word outside the vocabulary, for messages and docs."""
        if self.out_of_vocabulary == "skip":
            return "left out: each caption is read as if they were not there"
        return ("each is read as the unknown-word token [UNK], whose meaning the model never "
                "learned; the rest of the caption is read as usual")

    def check_words(self, texts):
        """Warn naming, caption by caption, the words the vocabulary does not hold; raise a
        ValueError for a caption with no word it holds (there is nothing to read)."""
        words.check_words(texts, *self.read_words(texts), self.vocabulary[2:],
                          self.unknown_word_fate())

    def text_inputs(self, texts):
        """What `fit` may take instead of strings: (B, sequence_length) token ids; use in a
        tf.data pipeline, e.g. `ds.map(lambda x, t: (x, encoder.text_inputs(t)))`."""
        return self.tokens(texts)

    def _token_ids(self, texts):
        texts = tf.convert_to_tensor(texts)
        return texts if texts.dtype.is_integer else self.tokens(texts)

    def encode_tokens(self, tokens, training=False):
        mask = tf.not_equal(tokens, 0)  # (B, sequence_length), True for a word
        if self.out_of_vocabulary == "skip":
            mask &= tf.not_equal(tokens, 1)  # "[UNK]" left out, as padding is
        if training and self.word_dropout:
            mask = words.drop_words(mask, self.word_dropout,
                                    replicas.replica_seed(self.seed_generator))
        h = self.recurrent(self.word_embedding(tokens), mask=mask, training=training)
        weights = tf.cast(mask, h.dtype)[..., None]
        pooled = tf.reduce_sum(h * weights, axis=1) / tf.maximum(
            tf.reduce_sum(weights, axis=1), 1.0)  # masked mean, (B, 2 * hidden_dim)
        return tf.math.l2_normalize(self.text_projection(pooled), axis=-1)

    def encode_text(self, texts, training=False):
        """(B,) strings (or their `text_inputs` token ids) -> (B, embedding_dim) float32 unit
        vectors."""
        return self.encode_tokens(self._token_ids(texts), training=training)

    def encode_images(self, images, training=False):
        """(B, H, W, C) in [0, 1] -> (B, embedding_dim) float32 unit vectors."""
        if training and self.augmenter is not None:
            images = self.augmenter(images, training=True)
        return tf.math.l2_normalize(self.image_net(images, training=training), axis=-1)

    def call(self, texts, training=False):
        return self.encode_text(texts, training=training)

    def train_step(self, data):
        images, texts = data
        tokens = self._token_ids(texts)
        with tf.GradientTape() as tape:
            per_example = symmetric_contrastive_loss(
                self.encode_tokens(tokens, training=True),
                self.encode_images(images, training=True), self.temperature)
            loss = replicas.global_mean(per_example)
            scaled = (self.optimizer.scale_loss(loss)
                      if hasattr(self.optimizer, "scale_loss") else loss)
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        self.loss_tracker.update_state(per_example)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        images, texts = data
        per_example = symmetric_contrastive_loss(self.encode_text(texts),
                                                 self.encode_images(images), self.temperature)
        self.loss_tracker.update_state(per_example)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compile(self, optimizer="adam", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)  # so saved optimizer state loads

    def get_config(self):
        config = super().get_config()
        vocabulary = self.vocabulary
        config.update({
            # Without the padding ("") and OOV ("[UNK]") entries TextVectorization adds itself.
            "vocabulary": vocabulary[2:] if len(vocabulary) > 2 else None,
            "max_tokens": self.max_tokens,
            "sequence_length": self.sequence_length,
            "word_dim": self.word_dim,
            "hidden_dim": self.hidden_dim,
            "embedding_dim": self.embedding_dim,
            "image_shape": list(self.image_shape),
            "image_width": self.image_width,
            "temperature": self.temperature,
            "flip": self.flip,
            "word_dropout": self.word_dropout,
            "out_of_vocabulary": self.out_of_vocabulary,
            "seed": self.seed,
        })
        return config
