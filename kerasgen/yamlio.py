"""YAML as users write it: `1e6` and `3e-4` are numbers (YAML 1.1 reads them as strings)."""

import re

import yaml


class YAMLError(ValueError):
    """Text that is not valid YAML; the message names where it came from."""


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `1e6` and `3e-4` (no dot) as strings; YAML 1.2 and every user read
    them as numbers. Resolve them as floats."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                |[-+]?\.(?:inf|Inf|INF)
                |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def parse_yaml(text, where):
    """YAML text -> Python value; broken YAML raises YAMLError naming `where`."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as e:
        detail = " ".join(str(e).split())
        raise YAMLError(f"{where}: not valid YAML ({detail}).") from None
