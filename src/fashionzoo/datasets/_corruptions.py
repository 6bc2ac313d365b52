"""Corrupted images in the style of MNIST-C and Fashion-MNIST-C (NumPy and Pillow).

Pillow is imported inside the kinds that need it (the affine transforms, JPEG
and pixelation), so importing this module costs nothing beyond NumPy.

References: N. Mu and J. Gilmer, "MNIST-C: A Robustness Benchmark for Computer
Vision", 2019 (arXiv:1906.02337); M. Weiss and P. Tonella, "Simple Techniques
Work Surprisingly Well for Neural Network Test Prioritization and Active
Learning", 2022 (the Fashion-MNIST-C data set).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CORRUPTIONS", "SEVERITY_PARAMETERS", "corrupt", "list_corruptions"]

#: The parameter of every kind at severities 1-5, and what it means.
#:
#: Intensities are on the [0, 1] pixel scale (1 = white garment pixel).
SEVERITY_PARAMETERS: dict[str, tuple[str, tuple[float, ...]]] = {
    "gaussian_noise": ("std of added N(0, s) noise", (0.04, 0.08, 0.12, 0.18, 0.26)),
    "speckle_noise": ("std of multiplicative x(1+N(0, s))", (0.2, 0.35, 0.5, 0.7, 1.0)),
    "impulse_noise": (
        "fraction of pixels set to 0 or 1",
        (0.01, 0.03, 0.05, 0.08, 0.12),
    ),
    "gaussian_blur": ("std of the Gaussian kernel, pixels", (0.5, 0.75, 1.0, 1.4, 2.0)),
    "motion_blur": ("length of a horizontal box kernel, pixels", (2, 3, 5, 7, 9)),
    "contrast": (
        "factor on the distance to the image mean",
        (0.6, 0.45, 0.3, 0.2, 0.1),
    ),
    "brightness": ("value added to every pixel", (0.1, 0.2, 0.3, 0.4, 0.5)),
    "fog": ("amplitude of an added smooth noise field", (0.15, 0.25, 0.35, 0.45, 0.6)),
    "rotation": ("angle in degrees, random sign", (5, 10, 15, 25, 35)),
    "shear": ("horizontal shear factor, random sign", (0.1, 0.2, 0.3, 0.4, 0.5)),
    "scale": ("zoom factor about the centre", (0.9, 0.8, 0.7, 0.6, 0.5)),
    "translation": ("shift in pixels along each axis, random signs", (1, 2, 3, 4, 5)),
    "jpeg": ("JPEG quality (lower is worse)", (25, 15, 10, 6, 3)),
    "pixelate": ("side of the downsampled image, pixels", (22, 18, 14, 11, 8)),
    "inversion": ("v -> 1 - v; the same at every severity", (1, 1, 1, 1, 1)),
}

#: Names of the corruption kinds, in the order of :data:`SEVERITY_PARAMETERS`.
CORRUPTIONS: tuple[str, ...] = tuple(SEVERITY_PARAMETERS)


def list_corruptions() -> list[str]:
    """Names of the corruption kinds that :func:`corrupt` knows.

    Returns
    -------
    kinds : list of str
        The kinds, noise first, then blur, intensity, geometry and compression.

    Examples
    --------
    >>> from fashionzoo.datasets import list_corruptions
    >>> len(list_corruptions()) >= 12
    True
    >>> "inversion" in list_corruptions()
    True
    """
    return list(CORRUPTIONS)


def check_kind(kind: Any) -> str:
    """``kind`` if it is a known corruption, else a ValueError with a suggestion."""
    if isinstance(kind, str) and kind in SEVERITY_PARAMETERS:
        return kind
    hint = ""
    if isinstance(kind, str):
        close = difflib.get_close_matches(kind, CORRUPTIONS, n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    msg = f"Unknown corruption kind {kind!r}.{hint} Known kinds: {', '.join(CORRUPTIONS)}."
    raise ValueError(msg)


def check_severity(severity: Any) -> int:
    """``severity`` as an int in 1-5, else a ValueError."""
    ok = isinstance(severity, (int, np.integer)) and not isinstance(severity, bool)
    if not ok or not 1 <= int(severity) <= 5:
        msg = f"severity must be an int from 1 (mild) to 5 (strong); got {severity!r}."
        raise ValueError(msg)
    return int(severity)


# --- the kinds: (n, h, w) float64 in [0, 1] -> same, and a Generator ---------


def _gaussian_noise(x: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    return x + rng.normal(0.0, s, size=x.shape)


def _speckle_noise(x: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    return x + x * rng.normal(0.0, s, size=x.shape)


def _impulse_noise(x: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(x.shape)
    out = x.copy()
    out[u < p / 2] = 0.0
    out[(u >= p / 2) & (u < p)] = 1.0
    return out


def _convolve_axis(x: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """Zero-padded 'same' convolution of every image along one axis."""
    r = len(kernel) // 2
    pad = [(0, 0)] * x.ndim
    pad[axis] = (r, len(kernel) - 1 - r)
    xp = np.pad(x, pad)
    n = x.shape[axis]
    out = np.zeros_like(x)
    for k, w in enumerate(kernel):
        out += w * np.take(xp, np.arange(k, k + n), axis=axis)
    return out


def _gaussian_blur(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    r = int(np.ceil(3 * sigma))
    t = np.arange(-r, r + 1)
    k = np.exp(-(t**2) / (2 * sigma**2))
    k /= k.sum()
    return _convolve_axis(_convolve_axis(x, k, 1), k, 2)


def _motion_blur(x: np.ndarray, length: float, rng: np.random.Generator) -> np.ndarray:
    k = np.full(int(length), 1.0 / int(length))
    return _convolve_axis(x, k, 2)


def _contrast(x: np.ndarray, c: float, rng: np.random.Generator) -> np.ndarray:
    mean = x.mean(axis=(1, 2), keepdims=True)
    return (x - mean) * c + mean


def _brightness(x: np.ndarray, b: float, rng: np.random.Generator) -> np.ndarray:
    return x + b


def _fog(x: np.ndarray, a: float, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    n, h, w = x.shape
    coarse = rng.random((n, 4, 4))
    field = np.stack(
        [
            np.asarray(
                Image.fromarray(c.astype(np.float32), mode="F").resize(
                    (w, h), Image.Resampling.BICUBIC
                )
            )
            for c in coarse
        ]
    )
    return x + a * field


def _affine(x: np.ndarray, matrices: list[np.ndarray]) -> np.ndarray:
    """Apply one 2x2 matrix per image about the image centre (bilinear, black fill).

    Each matrix maps output coordinates (x, y) to input coordinates, as
    Pillow's ``Image.transform(..., AFFINE)`` expects.
    """
    from PIL import Image

    _n, h, w = x.shape
    cx, cy = w / 2, h / 2
    out = np.empty_like(x)
    for i, m in enumerate(matrices):
        a, b, c, d = m.ravel()
        coeffs = (a, b, cx - a * cx - b * cy, c, d, cy - c * cx - d * cy)
        img = Image.fromarray(x[i].astype(np.float32), mode="F")
        res = img.transform(
            (w, h), Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR
        )
        out[i] = np.asarray(res)
    return out


def _signs(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(np.array([-1.0, 1.0]), size=n)


def _rotation(x: np.ndarray, deg: float, rng: np.random.Generator) -> np.ndarray:
    angles = np.deg2rad(deg) * _signs(len(x), rng)
    # counter-clockwise on screen (y down): inverse map is a rotation by the angle
    mats = [np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) for t in angles]
    return _affine(x, mats)


def _shear(x: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    mats = [np.array([[1.0, k], [0.0, 1.0]]) for k in s * _signs(len(x), rng)]
    return _affine(x, mats)


def _scale(x: np.ndarray, z: float, rng: np.random.Generator) -> np.ndarray:
    return _affine(x, [np.eye(2) / z] * len(x))


def _translation(x: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    s = int(s)
    n, _h, _w = x.shape
    dy, dx = _signs(n, rng).astype(int) * s, _signs(n, rng).astype(int) * s
    out = np.roll(x, 0, axis=0)
    for i in range(n):
        img = np.roll(x[i], (dy[i], dx[i]), axis=(0, 1))
        img[: dy[i]] = 0.0 if dy[i] > 0 else img[: dy[i]]
        img[dy[i] :] = 0.0 if dy[i] < 0 else img[dy[i] :]
        img[:, : dx[i]] = 0.0 if dx[i] > 0 else img[:, : dx[i]]
        img[:, dx[i] :] = 0.0 if dx[i] < 0 else img[:, dx[i] :]
        out[i] = img
    return out


def _jpeg(x: np.ndarray, q: float, rng: np.random.Generator) -> np.ndarray:
    import io

    from PIL import Image

    out = np.empty_like(x)
    for i, img in enumerate(np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)):
        buf = io.BytesIO()
        Image.fromarray(img, mode="L").save(buf, format="JPEG", quality=int(q))
        buf.seek(0)
        out[i] = np.asarray(Image.open(buf), dtype=np.float64) / 255.0
    return out


def _pixelate(x: np.ndarray, side: float, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    n, h, w = x.shape
    s = int(side)
    out = np.empty_like(x)
    for i in range(n):
        img = Image.fromarray(x[i].astype(np.float32), mode="F")
        small = img.resize((s, s), Image.Resampling.BOX)
        out[i] = np.asarray(small.resize((w, h), Image.Resampling.NEAREST))
    return out


def _inversion(x: np.ndarray, _: float, rng: np.random.Generator) -> np.ndarray:
    return 1.0 - x


_KINDS: dict[str, Callable[[np.ndarray, float, np.random.Generator], np.ndarray]] = {
    "gaussian_noise": _gaussian_noise,
    "speckle_noise": _speckle_noise,
    "impulse_noise": _impulse_noise,
    "gaussian_blur": _gaussian_blur,
    "motion_blur": _motion_blur,
    "contrast": _contrast,
    "brightness": _brightness,
    "fog": _fog,
    "rotation": _rotation,
    "shear": _shear,
    "scale": _scale,
    "translation": _translation,
    "jpeg": _jpeg,
    "pixelate": _pixelate,
    "inversion": _inversion,
}


def _as_images(X: Any) -> tuple[np.ndarray, float]:
    """(n, h, w) float64 in [0, 1] and the scale (1 or 255) of ``X``."""
    X = np.asarray(X)
    if X.ndim == 2:
        side = round(np.sqrt(X.shape[1]))
        if side * side != X.shape[1] or side == 0:
            msg = (
                f"Flat rows must hold a square image (e.g. 784 = 28x28 pixels); "
                f"got shape {X.shape}."
            )
            raise ValueError(msg)
        imgs = X.reshape(len(X), side, side)
    elif X.ndim == 3:
        imgs = X
    elif X.ndim == 4 and X.shape[-1] == 1:
        imgs = X[..., 0]
    else:
        msg = (
            f"X must be (n, 784) rows, (n, 28, 28) or (n, 28, 28, 1) images; "
            f"got shape {X.shape}."
        )
        raise ValueError(msg)
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        msg = f"X must hold numbers; got dtype {X.dtype}."
        raise ValueError(msg)
    if np.issubdtype(X.dtype, np.integer):
        scale = 255.0
    else:
        scale = 1.0 if X.size == 0 or float(np.nanmax(X)) <= 1.0 else 255.0
    return imgs.astype(np.float64) / scale, scale


def corrupt(
    X: Any, kind: str, severity: int = 3, *, random_state: Any = None
) -> np.ndarray:
    """Corrupt images with one of the MNIST-C / Fashion-MNIST-C corruption kinds.

    Each kind works on the images scaled to [0, 1] (0 = background, 1 = the
    brightest garment pixel) and the result is clipped to [0, 1] and put back
    in the scale and dtype of ``X``.

    ========================  ==============================================  =========================
    kind                      parameter                                        severity 1, 2, 3, 4, 5
    ========================  ==============================================  =========================
    ``gaussian_noise``        std of added N(0, s) noise                       0.04, 0.08, 0.12, 0.18, 0.26
    ``speckle_noise``         std s of multiplicative noise x(1 + N(0, s))     0.2, 0.35, 0.5, 0.7, 1.0
    ``impulse_noise``         fraction of pixels set to 0 or 1 (salt/pepper)   0.01, 0.03, 0.05, 0.08, 0.12
    ``gaussian_blur``         std of the Gaussian kernel, pixels               0.5, 0.75, 1.0, 1.4, 2.0
    ``motion_blur``           length of a horizontal box kernel, pixels        2, 3, 5, 7, 9
    ``contrast``              factor on the distance to the image mean         0.6, 0.45, 0.3, 0.2, 0.1
    ``brightness``            value added to every pixel                       0.1, 0.2, 0.3, 0.4, 0.5
    ``fog``                   amplitude of an added smooth random field        0.15, 0.25, 0.35, 0.45, 0.6
    ``rotation``              angle in degrees about the centre, random sign   5, 10, 15, 25, 35
    ``shear``                 horizontal shear about the centre, random sign   0.1, 0.2, 0.3, 0.4, 0.5
    ``scale``                 zoom about the centre (< 1 shrinks)              0.9, 0.8, 0.7, 0.6, 0.5
    ``translation``           shift per axis in pixels, random signs           1, 2, 3, 4, 5
    ``jpeg``                  JPEG quality                                     25, 15, 10, 6, 3
    ``pixelate``              side of the downsampled image, pixels            22, 18, 14, 11, 8
    ``inversion``             v -> 1 - v (the same at every severity)          --
    ========================  ==============================================  =========================

    The random kinds (the noises, fog, and the random signs of rotation, shear
    and translation) draw from ``random_state``; the others are deterministic.

    Parameters
    ----------
    X : array-like of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1)
        Images as the estimators take them: uint8, or floats in [0, 1] or
        0-255. Other square sizes work too.
    kind : str
        One of :func:`list_corruptions`.
    severity : int, default=3
        1 (mild) to 5 (strong); the parameters are in the table above.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the random kinds; the same int gives the same images.

    Returns
    -------
    X_corrupted : ndarray
        The corrupted images, with the shape and dtype of ``X`` and its
        scale (0-255 or 0-1), clipped to that range.

    Raises
    ------
    ValueError
        If ``kind`` is unknown (with the nearest name), ``severity`` is not an
        int in 1-5, or ``X`` has a shape the estimators do not take.

    See Also
    --------
    list_corruptions : The kinds.
    fashionzoo.evaluation.evaluate_robustness : Accuracy under every kind.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.datasets import corrupt, load_sample
    >>> X, y = load_sample(return_X_y=True)
    >>> X_inv = corrupt(X[:5], "inversion")
    >>> X_inv.shape, X_inv.dtype
    ((5, 784), dtype('uint8'))
    >>> bool(np.all(X_inv == 255 - X[:5]))
    True
    >>> a = corrupt(X[:5], "gaussian_noise", 5, random_state=0)
    >>> bool(np.array_equal(a, corrupt(X[:5], "gaussian_noise", 5, random_state=0)))
    True
    """
    kind = check_kind(kind)
    severity = check_severity(severity)
    X_arr = np.asarray(X)
    imgs, scale = _as_images(X_arr)
    rng = np.random.default_rng(random_state)
    param = SEVERITY_PARAMETERS[kind][1][severity - 1]
    out = np.clip(_KINDS[kind](imgs, param, rng), 0.0, 1.0) * scale
    if np.issubdtype(X_arr.dtype, np.integer):
        out = np.rint(out)
    return out.reshape(X_arr.shape).astype(X_arr.dtype, copy=False)
