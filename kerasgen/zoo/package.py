"""Package a trained model as a zoo artifact: `python -m kerasgen.zoo.package RUN NAME`.

Writes `zoo/NAME/NAME.keras` holding the architecture and weights only (no optimizer state:
a fresh model is rebuilt from the config and given the trained weights, which keeps the file
small; `fit` on a loaded preset starts a new optimizer), and prints the size and sha256 to
record in its family's `kerasgen/models/<family>/presets.py`.
"""

import argparse
import os

from kerasgen.zoo.artifacts import repo_zoo_dir
from kerasgen.zoo.artifacts import sha256_file


def package(model, name, zoo_dir=None):
    """Save an inference copy of `model` as zoo/<name>/<name>.keras; return (path, sha, bytes)."""
    import keras

    clone = type(model).from_config(model.get_config())
    clone.set_weights(model.get_weights())
    from kerasgen.files import atomic_path

    path = os.path.join(zoo_dir or repo_zoo_dir(), name, f"{name}.keras")
    with atomic_path(path) as tmp:
        keras.saving.save_model(clone, tmp)
    return path, sha256_file(path), os.path.getsize(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a .keras file or a run folder holding model.keras")
    parser.add_argument("name", help="zoo entry name, e.g. classifier_mnist")
    parser.add_argument("--zoo-dir", help="default: the repository's zoo/ folder")
    args = parser.parse_args(argv)
    import keras

    import kerasgen.models  # noqa: F401  (registers the classes)

    source = args.model
    if os.path.isdir(source):
        source = os.path.join(source, "model.keras")
    model = keras.saving.load_model(source, compile=False)
    path, sha, size = package(model, args.name, args.zoo_dir)
    print(f"{path}\n    \"artifact\": \"{args.name}/{args.name}.keras\",\n"
          f"    \"sha256\": \"{sha}\",\n    \"bytes\": {size},")


if __name__ == "__main__":
    main()
