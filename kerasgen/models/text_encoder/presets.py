"""Zoo entries of the caption encoder, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "text_encoder_celeba": {
        "family": "text_encoder",
        "description": "Caption encoder for faces (strings in, unit 128-d embeddings out): "
                       "TextVectorization + bidirectional GRU, trained against CelebA faces "
                       "1-9000 with a symmetric contrastive loss on captions as people write "
                       "them (synonyms, pronouns, negations; word dropout 0.1)",
        "config": "configs/text_encoder_celeba.yaml",
        "artifact": "text_encoder_celeba/text_encoder_celeba.keras",
        "sha256": "1651a835d8446770060cbf43abe671134111243e8ebd466633079977926d7729",
        "bytes": 3707377,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) with 5 captions "
                   "each phrased from list_attr_celeba.txt (celeba_attributes_v2, rare "
                   "attributes repeated); 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        # Held-out faces' first captions of its own scheme; *_first_scheme: of the first
        # scheme (celeba_attributes), which the previous preset was trained and measured on.
        "metrics": {"retrieval_top1": 0.015, "retrieval_top5": 0.083, "chance_top1": 0.001,
                    "retrieval_top1_first_scheme": 0.022,
                    "retrieval_top5_first_scheme": 0.091, "held_out_loss": 3.1126,
                    "test_images": 1000},
        "command": "kerasgen train configs/text_encoder_celeba.yaml",
        "metrics_command": "kerasgen evaluate text_encoder_celeba",
    },
}

register_presets(PRESETS)
