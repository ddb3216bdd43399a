"""String registries that fail loudly (TF Model Garden's `official/core/registry.py` habit)."""

import keras


class Registry:
    """A name -> object map: registering a name twice raises, an unknown name raises
    `LookupError` listing the known names."""

    def __init__(self, kind):
        self.kind = kind
        self._items = {}

    def register(self, name, obj):
        if name in self._items:
            raise KeyError(
                f"{self.kind} {name!r} is already registered (to {self._items[name]!r})."
            )
        self._items[name] = obj
        return obj

    def get(self, name):
        try:
            return self._items[name]
        except KeyError:
            raise LookupError(
                f"Unknown {self.kind} {name!r}. Known {self.kind}s: "
                f"{', '.join(sorted(self._items)) or '(none)'}. If it is defined in a module "
                "of your own, import that module first so it registers itself."
            ) from None

    def names(self):
        return sorted(self._items)

    def __contains__(self, name):
        return name in self._items


MODELS = Registry("model family")

# Functions model -> model that a config stage applies to the model it starts from
# (`init_transform`), registered by the family that owns them: e.g. DCGAN's
# widen_discriminator (Net2WiderNet).
INIT_TRANSFORMS = Registry("init transform")


def register_model(name):
    """Class decorator: register for `.keras` serialization and under `name` for configs."""

    def decorator(cls):
        cls = keras.saving.register_keras_serializable(package="kerasgen")(cls)
        MODELS.register(name, cls)
        return cls

    return decorator


# Zoo entries, filled by each family's `presets.py` when kerasgen.models is imported: plain
# dicts (name -> entry, alias -> name) so the zoo and tests read them as data.
PRESETS = {}
ALIASES = {}


def register_presets(entries, aliases=None):
    """Add a family's zoo entries (name -> plain-data entry) and aliases (alias -> name);
    a name or alias registered twice raises."""
    for name, entry in entries.items():
        if name in PRESETS or name in ALIASES:
            raise KeyError(f"zoo preset {name!r} is already registered.")
        PRESETS[name] = entry
    for alias, name in (aliases or {}).items():
        if alias in PRESETS or alias in ALIASES:
            raise KeyError(f"zoo alias {alias!r} is already registered.")
        ALIASES[alias] = name
