"""Reading any SAML message a person pastes while debugging a broker connection."""

from ehkit.inspect.analyse import Report, analyse
from ehkit.inspect.decode import DecodedInput, decode_input

__all__ = ["DecodedInput", "Report", "analyse", "decode_input"]
