"""Zoo entries of the caption encoder, as plain data (KerasHub's *_presets.py habit).
Metrics were measured on this project's CPU machine by the `metrics_command` recorded
with them; `command` trained the model. See zoo/<name>/README.md for the protocols."""

from kerasgen.registry import register_presets

PRESETS = {
    "text_encoder_celeba": {
        "family": "text_encoder",
        "description": "Caption encoder for faces (strings in, unit 128-d embeddings out): "
                       "TextVectorization + bidirectional GRU, trained against CelebA faces "
                       "1-9000 with a symmetric contrastive loss on attribute captions",
        "config": "configs/text_encoder_celeba.yaml",
        "artifact": "text_encoder_celeba/text_encoder_celeba.keras",
        "sha256": "0ee86e1021069274fe5b2cf02bf2aa20004a024920a81d59846ddb43dd621b2e",
        "bytes": 3706857,
        "dataset": "CelebA aligned faces 000001-009000 (Liu et al. 2015) with 5 captions "
                   "each phrased from list_attr_celeba.txt; 009001-010000 held out",
        "license": "CelebA: non-commercial research and education only; these weights carry "
                   "the same terms",
        "metrics": {"retrieval_top1": 0.038, "retrieval_top5": 0.121, "chance_top1": 0.001,
                    "held_out_loss": 2.7218, "test_images": 1000},
        "command": "kerasgen train configs/text_encoder_celeba.yaml",
        "metrics_command": "kerasgen evaluate text_encoder_celeba",
    },
}

register_presets(PRESETS)
