"""Hooks for sphinx-gallery, importable by name so Sphinx can cache the config."""


def reset_keras(gallery_conf, fname):
    """Start every example with a clean Keras session."""
    import sys

    if "keras" in sys.modules:
        import keras

        keras.backend.clear_session()
