"""Allow-listed algorithm URIs. Anything not listed here is refused, by name."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from ehkit.xml.ns import DS, DSIG_MORE, XENC, XENC11

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = DS + "enveloped-signature"

RSA_SHA256 = DSIG_MORE + "rsa-sha256"
RSA_SHA384 = DSIG_MORE + "rsa-sha384"
RSA_SHA512 = DSIG_MORE + "rsa-sha512"
SHA256 = XENC + "sha256"
SHA384 = DSIG_MORE + "sha384"
SHA512 = XENC + "sha512"
SHA1 = DS + "sha1"

SIGNATURE_METHODS: dict[str, type[hashes.HashAlgorithm]] = {
    RSA_SHA256: hashes.SHA256,
    RSA_SHA384: hashes.SHA384,
    RSA_SHA512: hashes.SHA512,
}
DIGEST_METHODS: dict[str, type[hashes.HashAlgorithm]] = {
    SHA256: hashes.SHA256,
    SHA384: hashes.SHA384,
    SHA512: hashes.SHA512,
}
SIGNATURE_BY_NAME = {"rsa-sha256": RSA_SHA256, "rsa-sha384": RSA_SHA384, "rsa-sha512": RSA_SHA512}
DIGEST_BY_NAME = {"sha256": SHA256, "sha384": SHA384, "sha512": SHA512}

# XML Encryption
AES256_CBC = XENC + "aes256-cbc"
AES128_GCM = XENC11 + "aes128-gcm"
AES256_GCM = XENC11 + "aes256-gcm"
RSA_OAEP_MGF1P = XENC + "rsa-oaep-mgf1p"
RSA_OAEP = XENC11 + "rsa-oaep"
RSA_1_5 = XENC + "rsa-1_5"
MGF1_SHA1 = XENC11 + "mgf1sha1"
MGF1_SHA256 = XENC11 + "mgf1sha256"

DATA_ALGORITHMS: dict[str, tuple[str, int]] = {
    # uri -> (mode, key length in bytes)
    AES256_CBC: ("cbc", 32),
    AES128_GCM: ("gcm", 16),
    AES256_GCM: ("gcm", 32),
}
DATA_BY_NAME = {"aes256-cbc": AES256_CBC, "aes128-gcm": AES128_GCM, "aes256-gcm": AES256_GCM}
KEY_TRANSPORTS = (RSA_OAEP_MGF1P, RSA_OAEP)
KEY_TRANSPORT_BY_NAME = {"rsa-oaep-mgf1p": RSA_OAEP_MGF1P, "rsa-oaep": RSA_OAEP}
OAEP_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    SHA1: hashes.SHA1,
    SHA256: hashes.SHA256,
    SHA512: hashes.SHA512,
}
MGF_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    MGF1_SHA1: hashes.SHA1,
    MGF1_SHA256: hashes.SHA256,
}
