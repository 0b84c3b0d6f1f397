"""A procedure done on a side, for the tests of sides: the project's vertebroplasty, in a copy of the
site, declared `laterality: required` (or `optional`) with names for its sides in English and Spanish."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.site import copy_site

ENGLISH_SIDES = {"left": "the left side", "right": "the right side", "bilateral": "both sides"}
SPANISH_SIDES = {"left": "el lado izquierdo", "right": "el lado derecho", "bilateral": "ambos lados"}

ENGLISH_SENTENCE = "The procedure will treat these levels of my spine: {site}, on {side}."
"""The consent's clause with `{{ side }}` (filled with the site and the side as printed)."""
SPANISH_SENTENCE = "El procedimiento tratará estos niveles de mi columna: {site}, en {side}."


def edit(path: Path, *changes: tuple[str, str]) -> None:
    """Replace each `old` text of `path` (which must be there) with its `new`."""
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, (path, old)
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _sides(names: dict[str, str]) -> str:
    return "sides: {" + ", ".join(f"{side}: {name}" for side, name in names.items()) + "}\n"


def sided_site(root: Path, laterality: str = "required", levels: bool = True) -> Path:
    """A copy of the project's content under `root` whose vertebroplasty declares `laterality` and
    `levels`. A required side is said in the handout's subtitle and the consent's procedure clause
    (`{{ side }}`); an optional one only in the packet's Side rows. Returns `root`."""
    copy_site(root)
    english, spanish = root / "packets" / "vertebroplasty.yaml", root / "packets" / "vertebroplasty.es.yaml"
    declared = f"laterality: {laterality}\n"
    level = "levels: true\n" if levels else "levels: false\n"
    edit(english, ("laterality: none\n", declared + _sides(ENGLISH_SIDES)), ("levels: true\n", level))
    edit(spanish, ("laterality: none\n", declared + _sides(SPANISH_SIDES)), ("levels: true\n", level))
    if not levels:  # no site line on the consent: no label for it
        edit(english, ("  site_label: Site and levels\n", ""))
        edit(spanish, ("  site_label: Zona y niveles\n", ""))
    side = {"english": ", on {{ side }}", "spanish": ", en {{ side }}"} if laterality == "required" else {}
    if levels:
        clauses = ("levels of my spine: {{ site }}", "niveles de mi columna: {{ site }}")
    else:  # without levels the clause says only what is treated
        clauses = ("broken bones of my spine", "huesos rotos de mi columna")
    edit(english, ("levels of my spine: {{ site }}.", clauses[0] + side.get("english", "") + "."))
    edit(spanish, ("niveles de mi columna: {{ site }}.", clauses[1] + side.get("spanish", "") + "."))
    if laterality == "required":
        edit(
            english,
            ("subtitle: Information for patients", 'subtitle: "Information for patients: treatment on {{ side }}"'),
        )
        edit(
            spanish,
            (
                "subtitle: Información para pacientes",
                'subtitle: "Información para pacientes: tratamiento en {{ side }}"',
            ),
        )
    return root
