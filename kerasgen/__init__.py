"""kerasgen: VAEs and GANs for Keras 3 that train with `fit`, save to `.keras` and export."""

__version__ = "0.1.0"

from kerasgen import callbacks  # noqa: F401
from kerasgen import data  # noqa: F401
from kerasgen import latent  # noqa: F401
from kerasgen import losses  # noqa: F401
from kerasgen import models  # noqa: F401
from kerasgen import metrics  # noqa: F401
from kerasgen import zoo  # noqa: F401
from kerasgen import export  # noqa: F401  (the module: kerasgen.export.export(model, dir))
