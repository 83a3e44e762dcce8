"""Printing on the desk: the scannable barcode of a request number on slips and book bands."""

from __future__ import annotations

import base64

import barcode
from barcode.writer import SVGWriter
from django import template

register = template.Library()

# Bar heights and quiet zone in millimetres, as hand scanners read Code 128 from paper.
_OPTIONS = {"module_height": 12.0, "module_width": 0.4, "quiet_zone": 5.0, "write_text": False}


@register.filter
def barcode_src(number: int) -> str:
    """A Code 128 barcode of the request number (python-barcode's SVG), as a data: URL for an
    <img>: the image keeps its own drawing styles, which the page's content policy forbids."""
    svg = barcode.Code128(str(number), writer=SVGWriter()).render(writer_options=_OPTIONS)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
