"""A second department beside the project's interventional radiology: cardiology, in a content root of its own."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.site import DEPARTMENT, copy_site

CARDIOLOGY = """\
# Named by its `id:`, not its file's name.
id: cardiology
name: Lakeside Heart Institute
address:  # one list: every language's
  - Cardiology, 4th floor
  - 300 Lake Street, Springfield, IL 62702
phone: (217) 555-0300
after_hours_phone: (217) 555-0399
email:
  sender: Lakeside Heart Institute <heart@lakeside.example.org>
  reply_to: Cardiology front desk <cardiology-desk@lakeside.example.org>
footer_note: "Heart questions? Call (217) 555-0300"
"""
"""`departments/heart.yaml` of `cardiology_site`."""

RIVERSIDE = ("Riverside General Hospital", "(217) 555-0142", "(217) 555-0100", "Interventional Radiology, 2nd floor")
"""What the procedure's own department (interventional radiology) prints, and another's packet must not."""


def cardiology_site(root: Path) -> Path:
    """The project's vertebroplasty (with the fragments and figures it uses), layouts and interventional
    radiology under `root`, and a cardiology department in `departments/heart.yaml`; returns `root`.

    The other procedures and departments the project ships are left out: the tests of a site with one
    procedure and two departments then say exactly what it holds, whatever procedures are added."""
    copy_site(root)
    for content in (root / "packets").glob("*.yaml"):
        if content.name.split(".")[0] != "vertebroplasty":
            content.unlink()
    for department in (root / "departments").glob("*.yaml"):
        if department.stem != DEPARTMENT:
            department.unlink()
    (root / "departments" / "heart.yaml").write_text(CARDIOLOGY, encoding="utf-8")
    return root
