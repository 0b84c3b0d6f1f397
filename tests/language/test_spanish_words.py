"""Spanish word rules: what every Spanish string the project can print must not say.

The strings are every `.es.yaml` in `packets/` and `packets/fragments/`, walked as data (not only the
parts one sample packet prints), every department's Spanish words (`es:`), and every Spanish fixed
label. Each rule is a pattern with the reason for it; each rule is checked first against a sentence
it must catch and one it must let through, so that a pattern which can never match (or matches too
much) fails here rather than passing quietly.

The writer's guide says the wording never assumes the patient's gender (docs/writing/translations.md,
Spanish): the patient is "usted", "la persona que recibe la atención", or the sentence is impersonal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from packetgen.language.labels import SPANISH
from packetgen.yamlsafe import Key, Located, load_file, walk_strings
from tests.helpers.site import ROOT

NOT_TEXT = {"id", "review", "type", "style", "time", "file", "fragment", "version", "flag", "not_flag", "field"}
"""Keys whose values are ids, names or codes, never printed as Spanish words."""


@dataclass(frozen=True)
class Said:
    """One Spanish string, where it comes from, and the English it translates (same key path), if any."""

    where: str
    text: str
    english: str | None


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    reason: str
    catches: str
    allows: str
    english_allows: re.Pattern[str] | None = None
    """The Spanish is right where the English at the same place matches this."""

    def breaks(self, said: Said) -> bool:
        if not self.pattern.search(said.text):
            return False
        return not (self.english_allows and said.english and self.english_allows.search(said.english))


def _rule(name: str, pattern: str, reason: str, catches: str, allows: str, english_allows: str | None = None) -> Rule:
    return Rule(
        name,
        re.compile(pattern, re.IGNORECASE),
        reason,
        catches,
        allows,
        re.compile(english_allows, re.IGNORECASE) if english_allows else None,
    )


# A verb whose subject is the reader (usted, or "yo" in the consent), before an adjective that
# describes that reader: "Estará despierto", "Trate de quedarse quieto", "Puede sentirse hinchado".
_READER_VERB = (
    r"(?:est(?:ar|ará|aré|é|á|oy)|sent(?:irse|irá|iré)|se\s+sient[ae]|me\s+siento|qued(?:arse|ará|aré)"
    r"|qu[eé]dese|se\s+quede|permanec(?:er|erá|eré)|permanezca|mantenerse|manténgase|es|soy|ser|será|seré|sea)"
)
_ADVERB = r"(?:\s+(?:muy|bien|más|tan|completamente|totalmente|boca\s+(?:arriba|abajo)))?"

RULES = (
    _rule(
        "masculine 'paciente'",
        r"\b(?:el|del|al|los|un|este|ese)\s+pacientes?\b",
        "The patient said with a masculine article assumes a man: write 'usted', 'su', 'la persona que "
        "recibe la atención', or 'pacientes' without an article ('Información para pacientes').",
        "Relación del representante con el paciente",
        "Información para pacientes",
    ),
    _rule(
        "masculine 'representante'",
        r"\b(?:el|del|al)\s+representante\b",
        "Whoever signs for the patient may be a woman or a man: 'quien la representa', or 'representante' "
        "without an article.",
        "Solo si el representante no puede venir",
        "Paciente o representante legal",
    ),
    _rule(
        "masculine 'un adulto'",
        r"\bun\s+adulto\b",
        "The adult who takes the patient home may be a woman or a man: 'una persona adulta'.",
        "Venga con un adulto que pueda llevarle a casa en auto.",
        "Venga con una persona adulta que pueda llevarle a casa en auto.",
    ),
    _rule(
        "adjective in -o that always describes a person",
        r"\b(?:acostad|sentad|despiert)os?\b",
        "'acostado', 'sentado' and 'despierto' only ever describe a person, here the reader, and in the "
        "masculine: 'en posición horizontal', 'sin levantarse', 'estará consciente', 'no se mueva'.",
        "Tendrá que estar acostado con la pierna estirada.",
        "Tendrá que permanecer en posición horizontal, con la pierna estirada.",
    ),
    _rule(
        "adjective in -o describing the reader after a verb",
        rf"\b{_READER_VERB}{_ADVERB}\s+(?:dormid|quiet|hinchad|maread|cansad|list|sedad|anestesiad|informad"
        r"|tranquil|relajad|nervios|confundid|alérgic)os?\b",
        "After 'estar', 'sentirse', 'quedarse', 'ser'… with the reader as subject, an adjective in -o "
        "assumes a man ('Trate de quedarse quieto', 'si es alérgico a'): say it with a noun or a verb "
        "('no se mueva', 'si tiene alergia a', 'puede sentir hinchazón'). The same words describing a "
        "thing are fine ('una mano dormida', 'mantenga el brazo quieto').",
        "Puede sentirse hinchado o tener dolor por gases.",
        "Una mano o una pierna fría, pálida, azul, dormida o débil",
    ),
    _rule(
        "'seguro de' describing the reader",
        r"\best(?:ar|á|é|oy)\s+(?:muy\s+)?seguros?\s+de\b",
        "'Si no está seguro de…' assumes a man: 'Si tiene dudas sobre…'. ('No es seguro', it is not safe, is fine.)",
        "Si no está seguro de qué hacer con una medicina, llame.",
        "Tener comida en el estómago no es seguro durante la sedación.",
    ),
    _rule(
        "'solo' describing the reader",
        r"\b(?:irse|ir|vaya|quedarse|quédese|se\s+quede|volver|regresar)\s+solos?\b",
        "'No puede irse solo' assumes a man: 'sin compañía'. ('Tome solo líquidos claros', only, is fine.)",
        "No puede irse solo en taxi.",
        "Tome solo líquidos claros todo el día.",
    ),
    _rule(
        "'boca arriba' where the English does not say so",
        r"\bboca\s+arriba\b",
        "'Lie flat' is not 'face up': 'boca arriba' only where the English says on your back or face up; "
        "'lie flat' is 'en posición horizontal'.",
        "Le pedirán que permanezca boca arriba, sin levantarse.",
        "Le pedirán que permanezca en posición horizontal, sin levantarse.",
        english_allows=r"\bon (?:your|my|the) back\b|\bface up\b",
    ),
    _rule(
        "blood thinner as 'sangre más líquida'",
        r"\bsangre\s+más\s+líquida\b|\bhace(?:r)?\s+la\s+sangre\b",
        "A blood thinner does not make the blood more liquid: it helps prevent clots. Say 'anticoagulante' "
        "with 'un medicamento que ayuda a evitar los coágulos de sangre'.",
        "Usted toma un medicamento que hace la sangre más líquida (anticoagulante)",
        "Usted toma un anticoagulante (un medicamento que ayuda a evitar los coágulos de sangre)",
    ),
    _rule(
        "allergy 'al equipo'",
        r"\balergia\s+al\s+equipo\b",
        "'Recuerde su alergia al equipo de atención' reads 'your allergy to the care team': 'recuérdele al "
        "equipo de atención que usted tiene esta alergia'.",
        "Recuerde su alergia al equipo de atención cuando llegue.",
        "Cuando llegue, recuérdele al equipo de atención que usted tiene esta alergia.",
    ),
    _rule(
        "one explainer, then 'me dijeron'",
        r"\bme\s+explicó\b[^.]*\.\s+me\s+dijeron\b",
        "'X o un miembro del equipo me explicó…' has one subject: the next sentence is 'Me dijo', not 'Me dijeron'.",
        "La Dra. Ruiz o un miembro del equipo me explicó el examen. Me dijeron por qué se recomienda.",
        "La Dra. Ruiz o un miembro del equipo me explicó el examen. Me dijo por qué se recomienda.",
    ),
    _rule(
        "'condiciones de salud'",
        r"\bcondiciones\s+de\s+salud\b",
        "'Health conditions' is not 'condiciones' (terms, circumstances): 'estado de salud' or 'problemas de salud'.",
        "Debido a sus condiciones de salud",
        "Debido a su estado de salud",
    ),
)

FREQUENCY_ADJECTIVE = re.compile(r"\b(?:rar|escas)[oa]s?\b(?!\s+vez)", re.IGNORECASE)
"""A risk's frequency prints after the risk's own noun, of either gender ("Muerte (…)", "Sangrado (…)"):
an adjective with a gender ("muy raro") disagrees with half of them, so the frequency is a phrase
("ocurre muy rara vez") or an adjective without one ("frecuente")."""


def _es_files() -> list[Path]:
    return sorted([*(ROOT / "packets").glob("*.es.yaml"), *(ROOT / "packets" / "fragments").glob("*.es.yaml")])


def _english_of(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".es.yaml") + ".yaml")


def _line(located: Located, key: Key) -> str:
    return f"{located.path}:{located.pos(key).line}"


def every_spanish_string() -> Iterator[Said]:
    for path in _es_files():
        spanish = load_file(path, str(path.relative_to(ROOT)))
        english = dict(walk_strings(load_file(_english_of(path)).data))
        for key, text in walk_strings(spanish.data):
            if key and key[-1] in NOT_TEXT:
                continue
            yield Said(_line(spanish, key), text, english.get(key))
    for path in sorted((ROOT / "departments").glob("*.yaml")):  # a department's words per language
        department = load_file(path, str(path.relative_to(ROOT)))
        for key, text in walk_strings(department.data):
            if "es" in key:
                yield Said(_line(department, key), text, None)
    for label in dataclasses.fields(SPANISH):
        value = getattr(SPANISH, label.name)
        for text in value if isinstance(value, tuple) else (value,):
            yield Said(f"packetgen/language/labels.py: SPANISH.{label.name}", text, None)


SPANISH_STRINGS = list(every_spanish_string())


def test_the_walk_reads_every_spanish_file_and_label() -> None:
    files = {said.where.split(":")[0] for said in SPANISH_STRINGS}
    assert {str(path.relative_to(ROOT)) for path in _es_files()} <= files
    assert len(_es_files()) >= 8  # four procedures, four fragments
    assert any(said.where.endswith("SPANISH.handout_copy") for said in SPANISH_STRINGS)
    assert any(said.where.startswith("departments/") for said in SPANISH_STRINGS)
    assert any(said.english for said in SPANISH_STRINGS)  # the English beside it is found


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_each_rule_catches_its_example_and_allows_the_right_wording(rule: Rule) -> None:
    assert rule.breaks(Said("example", rule.catches, None)), rule.name
    assert not rule.breaks(Said("example", rule.allows, None)), rule.name


def test_boca_arriba_is_right_where_the_english_says_on_your_back() -> None:
    (rule,) = [rule for rule in RULES if "boca arriba" in rule.name]
    said = Said("example", "Se acostará boca arriba en una mesa angosta.", "You will lie on your back on a table.")
    assert not rule.breaks(said)
    assert rule.breaks(Said("example", "Permanezca boca arriba.", "You will be asked to lie flat."))


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_no_spanish_string_breaks_the_rule(rule: Rule) -> None:
    broken = [f"{said.where}: {said.text}" for said in SPANISH_STRINGS if rule.breaks(said)]
    assert not broken, f"{rule.name}: {rule.reason}\n" + "\n".join(broken)


def test_frequency_words_agree_with_a_risk_of_either_gender() -> None:
    words = {
        "very rare": SPANISH.frequency_very_rare,
        "rare": SPANISH.frequency_rare,
        "uncommon": SPANISH.frequency_uncommon,
        "common": SPANISH.frequency_common,
    }
    assert FREQUENCY_ADJECTIVE.search("muy raro")
    assert FREQUENCY_ADJECTIVE.search("rara")
    assert not FREQUENCY_ADJECTIVE.search("ocurre muy rara vez")  # an adverb: no gender to agree
    gendered = {name: said for name, said in words.items() if FREQUENCY_ADJECTIVE.search(said)}
    assert not gendered, f"{FREQUENCY_ADJECTIVE.pattern}: {gendered}"
    assert len(set(words.values())) == len(words)  # four different words for four frequencies
