"""XSD validation with the packaged schemas, never touching the network.

The schemas import each other by relative ``schemaLocation``; a resolver maps
the W3C/OASIS URLs some copies use onto the local files as well, so a schema
edited back to its upstream form still loads offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

_XSD_DIR = Path(str(resources.files("ehkit.catalogue") / "xsd"))

CATALOGUE_XSD = "eherkenning-dc.xml"
METADATA_XSD = "saml-schema-metadata-2.0.xsd"

_LOCAL_NAMES = {
    "xmldsig-core-schema.xsd",
    "xenc-schema.xsd",
    "saml-schema-assertion-2.0.xsd",
    "saml-schema-metadata-2.0.xsd",
    "xml.xsd",
}


class _LocalResolver(etree.Resolver):
    # lxml-stubs 0.5 declares resolve() without its context argument and lacks resolve_filename().
    def resolve(self, url: str | None, public_id: str | None, context: object) -> object:  # type: ignore[override]
        name = (url or "").rstrip("/").rsplit("/", 1)[-1]
        if name in _LOCAL_NAMES:
            return self.resolve_filename(str(_XSD_DIR / name), context)  # type: ignore[attr-defined]
        return None


def _schema_parser() -> etree.XMLParser:
    # Our own packaged files: their internal DTD subsets define entities the
    # W3C schemas use, so entities are resolved here (and only here).
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=True)
    parser.resolvers.add(_LocalResolver())
    return parser


@lru_cache(maxsize=4)
def load_schema(name: str) -> etree.XMLSchema:
    tree = etree.parse(str(_XSD_DIR / name), _schema_parser())  # noqa: TID251 - packaged XSD files
    return etree.XMLSchema(tree)


@dataclass(frozen=True)
class SchemaError:
    line: int
    path: str
    message: str


def validate_xsd(root: etree._Element, schema_name: str) -> list[SchemaError]:
    """Every XSD error, with line numbers and the element path lxml reports."""
    schema = load_schema(schema_name)
    if schema.validate(root):
        return []
    return [SchemaError(e.line, e.path or "", e.message) for e in schema.error_log]  # type: ignore[attr-defined]
