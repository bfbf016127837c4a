"""The DV's service catalogue and SP metadata: build, sign, validate, diff, roll over.

A broker only accepts a DV whose catalogue and metadata pass its checks, and
the feedback loop is an e-mail round trip. Everything here exists to make the
first submission the accepted one: documents built from the one config, the
XSD plus every rule the sources name (docs/catalogue.md), broker profiles, and
a diff that says which change will hurt.
"""

from ehkit.catalogue.build import BuildOptions, build_catalogue, build_catalogue_element
from ehkit.catalogue.diff import CatalogueDiff, Change, ServiceDiff, diff_catalogues, diff_documents
from ehkit.catalogue.findings import REGISTRY, Finding, Report, Rule, Severity
from ehkit.catalogue.model import CatalogueDocument, read_catalogue
from ehkit.catalogue.rollover import RolloverStep, plan_rollover, write_rollover
from ehkit.catalogue.rules import PROFILES
from ehkit.catalogue.sp_metadata import build_all_sp_metadata, build_sp_metadata, build_sp_metadata_element
from ehkit.catalogue.validate import validate_catalogue, validate_sp_metadata

__all__ = [
    "PROFILES",
    "REGISTRY",
    "BuildOptions",
    "CatalogueDiff",
    "CatalogueDocument",
    "Change",
    "Finding",
    "Report",
    "RolloverStep",
    "Rule",
    "ServiceDiff",
    "Severity",
    "build_all_sp_metadata",
    "build_catalogue",
    "build_catalogue_element",
    "build_sp_metadata",
    "build_sp_metadata_element",
    "diff_catalogues",
    "diff_documents",
    "plan_rollover",
    "read_catalogue",
    "validate_catalogue",
    "validate_sp_metadata",
    "write_rollover",
]
