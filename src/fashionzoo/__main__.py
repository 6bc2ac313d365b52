"""``python -m fashionzoo``: the same as the ``fashionzoo`` command."""

from fashionzoo.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
