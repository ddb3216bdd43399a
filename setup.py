from setuptools import find_packages
from setuptools import setup

setup(
    name="kerasgen",
    version="0.1.0",
    description="A Keras 3 model zoo of generative models: VAEs and GANs that train with fit.",
    packages=find_packages(include=["kerasgen", "kerasgen.*"]),
    # The command line's parser, outside the package so `kerasgen --help` imports no
    # TensorFlow (importing kerasgen registers its model classes with Keras).
    py_modules=["kerasgen_cli"],
    python_requires=">=3.10",
    install_requires=[
        "tensorflow==2.21.*",
        "keras>=3.15",
        # the [tf] extra pulls tf-keras, which `import tensorflow_probability` requires
        "tensorflow-probability[tf]==0.25.*",
        "tensorflow-datasets==4.9.*",
        "importlib_resources",  # imported by tensorflow-datasets without declaring it
        "tensorboard",
        "absl-py",
        "pyyaml",
    ],
    extras_require={"test": ["pytest", "pytest-xdist", "scipy"]},
    entry_points={"console_scripts": ["kerasgen=kerasgen_cli:main"]},
)
