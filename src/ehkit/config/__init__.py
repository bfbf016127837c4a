"""The one configuration model, read from ``ehkit.toml``.

The SP library, the catalogue and metadata builders, the broker simulator and
the demo all read this model, so every rule about a DV's setup is checked once,
at load time, with an error that names the field. See docs/configuration.md.
"""

from __future__ import annotations

from ehkit.config.errors import ConfigInvalidError, ConfigProblem
from ehkit.config.keys import KeyFiles, KeysConfig, NextKeyConfig
from ehkit.config.root import EhkitConfig, ServiceGroup, load_config
from ehkit.config.sections import (
    BrokerConfig,
    CatalogueConfig,
    ContactConfig,
    DvConfig,
    MetadataGroupConfig,
    OpsConfig,
    StateConfig,
    TimeoutConfig,
)
from ehkit.config.service import AttributeRequest, ServiceConfig, derived_instance_uuid

__all__ = [
    "AttributeRequest",
    "BrokerConfig",
    "CatalogueConfig",
    "ConfigInvalidError",
    "ConfigProblem",
    "ContactConfig",
    "DvConfig",
    "EhkitConfig",
    "KeyFiles",
    "KeysConfig",
    "MetadataGroupConfig",
    "NextKeyConfig",
    "OpsConfig",
    "ServiceConfig",
    "ServiceGroup",
    "StateConfig",
    "TimeoutConfig",
    "derived_instance_uuid",
    "load_config",
]
