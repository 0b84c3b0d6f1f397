"""Appointments in: files of any supported format → validated Appointment records."""

from .record import match_content, read_appointment_file

__all__ = ["match_content", "read_appointment_file"]
