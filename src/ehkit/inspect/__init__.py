"""Reading any SAML message a person pastes while debugging a broker connection."""

from ehkit.inspect.analyse import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_NOT_VERIFIED,
    EXIT_OK,
    Report,
    Verdict,
    analyse,
)
from ehkit.inspect.decode import DecodedInput, InspectInputError, decode_input
from ehkit.inspect.pretty import layout_xml

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_NOT_VERIFIED",
    "EXIT_OK",
    "DecodedInput",
    "InspectInputError",
    "Report",
    "Verdict",
    "analyse",
    "decode_input",
    "layout_xml",
]
