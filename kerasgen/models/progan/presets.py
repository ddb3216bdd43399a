"""Zoo entries of the progressive GAN, as plain data (KerasHub's *_presets.py habit).

None yet: configs/progan_celeba_64.yaml is the recipe of `progan_celeba_64`, registered here
(artifact, sha256, card, metrics) once a run of it has been trained and measured; a zoo entry
without its artifact would be one `kerasgen sample progan_celeba_64` cannot load.
"""

from kerasgen.registry import register_presets

PRESETS = {}

register_presets(PRESETS)
