"""Data pipelines: idx folders (MNIST, Fashion-MNIST), image folders (CelebA) and TFDS."""

from kerasgen.data.idx import load_idx_split
from kerasgen.data.idx import read_idx
from kerasgen.data.images import list_images
from kerasgen.data.images import load_image_folder
from kerasgen.data.paths import DATA_ENV
from kerasgen.data.pipeline import batch_dataset
from kerasgen.data.pipeline import load_arrays
from kerasgen.data.pipeline import make_dataset
from kerasgen.data.paths import resolve_path
from kerasgen.data.pipeline import tfds_dataset
from kerasgen.data.pipeline import to_float
