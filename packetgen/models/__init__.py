"""Typed, immutable schemas for content, layouts, departments and appointments."""

from .appointment import Appointment
from .content import Content
from .department import Department
from .layout import Layout

__all__ = ["Appointment", "Content", "Department", "Layout"]
