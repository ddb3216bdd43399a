"""Evaluation of generative models: FID, KID, Inception Score, precision/recall, nearest
neighbours and memorization, SWD, MS-SSIM variety, perceptual path length, with pluggable
feature extractors."""

from kerasgen.metrics.callback import SampleQuality  # noqa: F401
from kerasgen.metrics.features import ClassifierFeatures  # noqa: F401
from kerasgen.metrics.features import FeatureExtractor  # noqa: F401
from kerasgen.metrics.features import InceptionFeatures  # noqa: F401
from kerasgen.metrics.features import PixelFeatures  # noqa: F401
from kerasgen.metrics.features import extract  # noqa: F401
from kerasgen.metrics.features import generated_batches  # noqa: F401
from kerasgen.metrics.features import get_extractor  # noqa: F401
from kerasgen.metrics.features import image_batches  # noqa: F401
from kerasgen.metrics.fid import fid_from_features  # noqa: F401
from kerasgen.metrics.fid import frechet_distance  # noqa: F401
from kerasgen.metrics.fid import gaussian_stats  # noqa: F401
from kerasgen.metrics.fid import sqrtm_psd  # noqa: F401
from kerasgen.metrics.fid import trace_sqrt_product  # noqa: F401
from kerasgen.metrics.inception_score import inception_score  # noqa: F401
from kerasgen.metrics.kid import kernel_inception_distance  # noqa: F401
from kerasgen.metrics.kid import mmd2_unbiased  # noqa: F401
from kerasgen.metrics.ms_ssim import mean_pairwise_ms_ssim  # noqa: F401
from kerasgen.metrics.ms_ssim import ms_ssim_diversity  # noqa: F401
from kerasgen.metrics.nearest import memorization  # noqa: F401
from kerasgen.metrics.nearest import nearest_neighbours  # noqa: F401
from kerasgen.metrics.nearest import nearest_neighbour_grid  # noqa: F401
from kerasgen.metrics.path_length import path_lengths  # noqa: F401
from kerasgen.metrics.path_length import perceptual_distance  # noqa: F401
from kerasgen.metrics.precision_recall import precision_recall  # noqa: F401
from kerasgen.metrics.sample_quality import compute_metrics  # noqa: F401
from kerasgen.metrics.sample_quality import scores_from_outputs  # noqa: F401
from kerasgen.metrics.swd import sliced_wasserstein_distance  # noqa: F401
