"""convlessons: the tested package behind twelve lessons on convolutions in deep learning.

Importing the package is cheap and changes no global state: it loads no torch,
matplotlib or ipywidgets. Import the submodule you need::

    from convlessons import functional as F
    from convlessons import shapes, cost

Submodules:
    functional  numpy reference ops named and ordered as ``torch.nn.functional``
    naive       the same ops as explicit loops (tiny inputs), counting multiplications
    signal      N-dimensional convolve / correlate with scipy's modes
    shapes      output-size arithmetic, effective kernel size, receptive fields
    cost        parameters and multiply-adds, by formula and by counting torch models
    models      torch blocks and reference nets (MobileNet v1, ShuffleNet v1)
    plotting    static figures
    animation   sliding-window animations
    widgets     ipywidgets explorers
    exercises   formative checks for the exercises (nbgrader compatible)
    gpu         the GPU section: verify on a device, benchmark, report
    coursework  student copies and grading (``python -m convlessons student|grade``)
    data        sample images and volumes (no downloads)
    filters     classic hand-made kernels (Sobel, Gaussian, box) in 1-D, 2-D and 3-D
    matrix      convolution as a matrix product (im2col, the sparse matrix C), overlap counts
    decompose   low-rank kernel factorizations (SVD separation, rank-1 tensors)
    receptive   receptive-field maps measured with autograd, gridding holes
    connectivity channel-connectivity matrices of grouped and shuffled convolutions
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "functional",
    "naive",
    "signal",
    "shapes",
    "cost",
    "models",
    "plotting",
    "animation",
    "widgets",
    "exercises",
    "gpu",
    "coursework",
    "data",
    "filters",
    "matrix",
    "decompose",
    "receptive",
    "connectivity",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name):
    """Import a submodule on first access (``convlessons.shapes``) and cache it."""
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
