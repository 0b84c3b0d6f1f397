"""ResolvedPacket + Layout → PDF bytes. The only package (with pdf/output.py) that imports ReportLab."""

from .document import Rendered, render_pdf
from .fonts import FontSet, load_fonts

__all__ = ["FontSet", "Rendered", "load_fonts", "render_pdf"]
