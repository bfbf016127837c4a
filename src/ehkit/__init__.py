"""ehkit: the eHerkenning aansluitkit.

The top-level namespace stays small on purpose: importing ``ehkit`` must not
pull in web frameworks or HTTP clients. Public entry points are re-exported
lazily so ``from ehkit import ServiceProvider`` works without that cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ loads these on first use
    from ehkit.domain.loa import LevelOfAssurance
    from ehkit.errors import LoginRejected
    from ehkit.sp.provider import ServiceProvider
    from ehkit.sp.result import LoginResult

__version__ = "0.1.0"

_LAZY = {
    "ServiceProvider": ("ehkit.sp.provider", "ServiceProvider"),
    "LoginResult": ("ehkit.sp.result", "LoginResult"),
    "LoginRejected": ("ehkit.errors", "LoginRejected"),
    "LevelOfAssurance": ("ehkit.domain.loa", "LevelOfAssurance"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'ehkit' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(target[0])
    return getattr(module, target[1])


__all__ = ["LevelOfAssurance", "LoginRejected", "LoginResult", "ServiceProvider", "__version__"]
