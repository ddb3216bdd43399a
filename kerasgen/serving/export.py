"""SavedModel export for TF Serving: a model's declared endpoints as plain-tensor signatures.

Layout: `OUT_DIR/<version>/saved_model.pb`, the versioned folder TF Serving watches (it serves
the highest version). The signatures are whatever the model's `serving_endpoints()` returns
(`kerasgen.models.endpoints` holds each capability's): for noise-fed samplers
`serving_default`(z [, labels]) and `sample`(count, seed [, labels]) (plus `sample_by_name`
with saved class names, and `encode`/`decode` for VAEs); for text-to-image models
`generate_from_text`(text, seed) and `sample`; for translators `translate` (or
`translate_a2b` and `translate_b2a`). The first endpoint is also `serving_default`.

Outputs are `{"images": uint8 (B, H, W, C)}` (float32 for numbers such as `encode`'s),
whatever the training dtype policy.
"""

import os

import keras

from kerasgen.files import atomic_path
from kerasgen.models.capabilities import capabilities


def next_version(out_dir):
    """1 + the highest numeric version folder in `out_dir` (1 when there is none)."""
    if not os.path.isdir(out_dir):
        return 1
    versions = [int(d) for d in os.listdir(out_dir) if d.isdigit()]
    return max(versions, default=0) + 1


def _version_path(out_dir, version):
    version = next_version(out_dir) if version is None else int(version)
    if version < 1:
        raise ValueError(f"version must be a positive integer; received {version}.")
    path = os.path.join(out_dir, str(version))
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; TF Serving versions are immutable, so "
                              "pick a new version.")
    return path


def _write(archive, out_dir, path):
    with atomic_path(path) as tmp:  # TF Serving must never see a half-written version
        archive.write_out(tmp, verbose=False)
    return path


def export(model, out_dir, version=None):
    """Write `model`'s serving endpoints as a TF Serving SavedModel to `out_dir/<version>/`;
    returns that path.

    Args:
        model: a kerasgen model that declares endpoints (samplers, translators,
            text-to-image models; `model.serving_endpoints()`).
        out_dir: the model's base folder (TF Serving's --model_base_path).
        version: integer version; default one above the highest already there.

    Example:
    >>> path = kerasgen.serving.export.export(kerasgen.zoo.load("dcgan_celeba"),
    ...                                       "/models/dcgan_celeba")
    """
    endpoints = model.serving_endpoints()
    if not endpoints:
        raise ValueError(f"{type(model).__name__} serves nothing (capabilities: "
                         f"{', '.join(capabilities(model)) or 'none'}); expected a model that "
                         "generates, translates or draws from text.")
    path = _version_path(out_dir, version)
    archive = keras.export.ExportArchive()
    archive.track(model)
    if "serving_default" not in endpoints:  # the first endpoint answers default requests
        endpoints = {"serving_default": next(iter(endpoints.values())), **endpoints}
    for name, endpoint in endpoints.items():
        for resource in endpoint.track:
            archive.track(resource)
        archive.add_endpoint(name, endpoint.fn, input_signature=list(endpoint.signature))
    return _write(archive, out_dir, path)
