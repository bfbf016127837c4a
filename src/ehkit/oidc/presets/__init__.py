"""Claim profile presets as data files (one TOML file per broker front); read by ehkit.oidc.profiles."""
