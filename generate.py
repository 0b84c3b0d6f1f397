#!/usr/bin/env python3
"""Procedure-packet generator. Run `generate.py --help` for the commands."""

from packetgen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
