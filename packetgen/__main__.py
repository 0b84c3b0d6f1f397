"""`python -m packetgen`: the same commands as `generate.py` and the `packetgen` console script."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
