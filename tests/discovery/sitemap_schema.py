"""Checks a sitemap or a sitemap index against the sitemaps.org 0.9 schemas kept in schemas/,
with xmlschema (the XSD itself is the judge), plus the limits the XSD cannot say."""

from pathlib import Path
from xml.etree import ElementTree

import defusedxml.ElementTree
import xmlschema

SCHEMAS = Path(__file__).parent / "schemas"
MAX_ENTRIES = 50_000  # sitemaps.org's limit per file, which the XSD leaves unsaid


def validate(xml: bytes, *, is_index: bool) -> ElementTree.Element:
    """The parsed root; xmlschema's error (or AssertionError) when the document is invalid."""
    schema_name = "siteindex.xsd" if is_index else "sitemap.xsd"
    xmlschema.XMLSchema(str(SCHEMAS / schema_name)).validate(xml.decode())
    root = defusedxml.ElementTree.fromstring(xml)
    assert 1 <= len(root) <= MAX_ENTRIES
    return root


def locs(root: ElementTree.Element) -> list[str]:
    """The <loc> of every entry, in order."""
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    return [entry.findtext(f"{namespace}loc") for entry in root]
