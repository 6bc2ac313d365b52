"""Optimizers, learning-rate schedules and losses, by name."""

from __future__ import annotations

from typing import Any

__all__ = ["make_loss", "make_optimizer", "make_schedule"]


def make_schedule(name: str | None, learning_rate: float, total_steps: int) -> Any:
    """A Keras learning-rate schedule over ``total_steps`` optimizer steps.

    ``None`` or ``"constant"`` keep ``learning_rate``; ``"cosine"`` decays it
    to 0 along a half cosine; ``"onecycle"`` warms up linearly from
    ``learning_rate / 25`` over the first 25% of steps, then decays along a
    cosine to 0 (Smith & Topin, 2019). ``"plateau"`` starts constant; the
    training loop lowers it with Keras's ``ReduceLROnPlateau``.
    """
    from fashionzoo._keras import keras

    if name in (None, "constant", "plateau"):  # plateau: ReduceLROnPlateau
        return learning_rate
    total_steps = max(int(total_steps), 1)
    if name == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, total_steps)
    if name == "onecycle":
        warmup = max(1, round(0.25 * total_steps))
        return keras.optimizers.schedules.CosineDecay(
            learning_rate / 25,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=learning_rate,
            warmup_steps=warmup,
        )
    msg = f"Unknown lr_schedule {name!r}; use None, 'constant', 'cosine' or 'onecycle'."
    raise ValueError(msg)


def make_optimizer(
    name: str,
    learning_rate: float,
    *,
    weight_decay: float = 0.0,
    schedule: str | None = None,
    total_steps: int = 1,
) -> Any:
    """A Keras optimizer by name (``adam``, ``adamw``, ``sgd``, ``nadam``, ``rmsprop``).

    SGD uses Nesterov momentum 0.9. ``weight_decay`` is decoupled weight decay
    for every optimizer (Keras applies it the same way to all of them).
    """
    from fashionzoo._keras import keras

    lr = make_schedule(schedule, learning_rate, total_steps)
    decay = weight_decay or None
    if name == "adam":
        return keras.optimizers.Adam(lr, weight_decay=decay)
    if name == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=weight_decay)
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.9, nesterov=True, weight_decay=decay)
    if name == "nadam":
        return keras.optimizers.Nadam(lr, weight_decay=decay)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(lr, weight_decay=decay)
    msg = (
        f"Unknown optimizer {name!r}; use 'adam', 'adamw', 'sgd', 'nadam' or 'rmsprop'."
    )
    raise ValueError(msg)


def make_loss(label_smoothing: float = 0.0) -> Any:
    """Cross-entropy on integer labels, or on one-hot labels when smoothing."""
    from fashionzoo._keras import keras

    if label_smoothing:
        return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    return keras.losses.SparseCategoricalCrossentropy()
