"""Procedure-packet generator: clinical content + appointments → personalized PDF packets."""

__version__ = "0.1.0"
