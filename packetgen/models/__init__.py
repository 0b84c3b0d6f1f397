"""Typed, immutable schemas for content, layouts and appointments."""

from .appointment import Appointment
from .content import Content
from .layout import Layout

__all__ = ["Appointment", "Content", "Layout"]
