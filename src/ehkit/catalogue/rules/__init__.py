"""All lint rules. Importing this package registers them in ``findings.REGISTRY``."""

from ehkit.catalogue.rules import catalogue, metadata, profiles  # noqa: F401  (registration)
from ehkit.catalogue.rules.common import PROFILES, CatalogueContext, MetadataContext

__all__ = ["PROFILES", "CatalogueContext", "MetadataContext"]
