"""WeChat Pay APIv3 notifications as the platform sends them: the transaction encrypted with
AEAD_AES_256_GCM under the merchant's APIv3 key, the whole body signed with the platform private
key (RSA-SHA256 over "timestamp\nnonce\nbody\n") in the Wechatpay-* headers.

The key pair below is a published development key of this simulator (its public half ships with
ingest as the local-mode default). It has no standing anywhere outside a local run."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GMT8 = timezone(timedelta(hours=8))
PLATFORM_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
DEV_PRIVATE_KEY = """
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKf73RHx/XaYVX
wZMsb+3aO2TR8HsI9qXAYySjJPdQSMZEL2tSONZdMz7VmffOWYjGm0i7f2l1X6re
ZkWvBF1QLGnqwp7a75Sbzl9OUdd65qqgPvuxO9AHp5pYvKBPlwkV+CmWdWF6GUdn
kquTE0jhSuERa+LsDElHuiKv0GLWeBp5YbaBz10cohXWS+iJFSg1c9KRDWoVBNYH
CCMuHHqJgiOvJPLaSlSaghNETuJGc56Wuqf+iI/EBVBYKEn7qXDODx9cpOpKcwtN
e53OEbwJMMcksD/mF+GE6NFgn2ij8ulNdoQbuoSZ2XIf6a90C6U2IP4VRx7sXTii
qwK0k4WTAgMBAAECggEAFzjB8EbU9HN93pvswDZPvOx9udONkHAUfvT/oRPepp7J
2czkTkgFUSfMx1sCP3AmDryFATdxxQuFAT8SM6lY+BY3yTurUukRjjKC3GznPIlS
PNEsNN1qlE4klZOAANCNsq7EOiRY2tMmTJrVwSZ/f5KCL+jC25XnG2odizLm+rgT
+Wdv27tjZFu5IEfK2zdmtEIcuCUAhIgkZmdgJ3RhPutCCquBKTi83NMHOVn0oUqW
iDXLbxkHGXKYk9YNeoHZCfZI6QdrwvlQFaImdMaMj5ICEatDAEyGLpAhjUYdqk5O
0UtEKArGQcK5680q9hDHpHJscVEQSjlEbbfWFLg2OQKBgQDo01N9hL5oWUOlYjxQ
XpmcNCVslr0cqsEuQ+XlXkM/nwsGYdV7rL+0fhTHzNd8q9dtbHYUzjTB33WdUF5V
23ncl87QUrQ4m3ABhAnwdQndHI8Z3okLQmDW++P//JXu2X/9S1ul9rIGXHsa76hp
lcQnR07PmWdU1GifM5Qa48qYqQKBgQDep6jXpd+uCkRY+99kA+oiinMriLko3UoU
GQxR6jHwsxiKQTdsQMYC5DWz0pQhLhy8C+x3XO8f4hXJiAOt+Jf2l5eQt/B/MF0D
c/jesMJ5H4lIdXAyWvBNNeCn/ZHquqliY/cEqMp9B3+hg0whSzROsmh88I56Qd4y
oetc566l2wKBgQCdmJYWC2l7ZpjEdMdQu4gM1LtUUoB1zBtxPqJ57KFmijhDPKvt
yBQHj6RvTfe6uvLabaVMFfxeEu0g7Aq+4Q4OxG9IUgMNoiFh1UeJDR/9HFy87QYk
qey0+NHvL8EpaO4avQyvPVppteXaaMi9l5Or5rexDCyGnjSnNpmUzgYP6QKBgQDV
B7UUHzCUZF5ghRyHpPcvdSgcTwRZhOCLuit/dIOzuKeSIDPW72KFAbQgCSqRVH1J
rl7hFZn092vBFtHuchtzZDcvz83a43sbAqrq5lQrb3D6UuK2Syv/s7zu/j3OSCoo
aVy+qICUf8gt0GHWuQ2i/i/a2o53iu39o859ZW5EYQKBgF2d7eOB8GY1rCtqVbuq
jnkGljIj4SZ+Ikev0J0+vH/i5vPg3CwQCfojTpc3fGhvObzQDgJnUkbPPzNuCOFj
NNQAEyQM8/+R+5WlG3/iGAqQII+mT0zPKzGfNasYoRe48l1+w/1E7NA79KUCjYx0
SXLPBVxLTKUCuponnmKePUcC
-----END PRIVATE KEY-----
"""


# The public half of the published development merchant key that ingest signs its calls with in
# local mode (the WeChat Pay API checks every merchant request against the merchant's key).
DEV_MERCHANT_PUBLIC_KEY = """
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8PjKq/jx9KVsiWRPMWFB
5wO48VzSaXBdCu0bf0Gh/+wdjQ8ektEIjPKLwlGh+C7to2MGsrrFtho9q3mTPsaj
fuV+VXzHpXn/OmvOWvJOy1ui7TPnSkl2/CtwQOz991gofjzKIJ/vtU4/t36nLe2g
RGOapWk6oL+Sio2iAa9djS7wInWw8uqa2SfDcFuVxa+zyOn1NL6RJZD5UdVqqkmM
fZb2MGpc10rkR/t/YZO+KS0yACM7a97aLASHiwf8HreR5dmer8VU9cahcXnHyNg4
7jj9UfBEil4VNju+WGiY1wBphx12lrLrXZTEq6kceAJfUHGlctw5D18eefd12uE2
jQIDAQAB
-----END PUBLIC KEY-----
"""


def private_key(pem: str = DEV_PRIVATE_KEY) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def sign(key: rsa.RSAPrivateKey, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def encrypt_resource(apiv3_key: bytes, plain: dict[str, Any], associated_data: str = "transaction") -> dict[str, Any]:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's
    cipher = AESGCM(apiv3_key).encrypt(
        nonce.encode(), json.dumps(plain, ensure_ascii=False).encode(), associated_data.encode()
    )
    return {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(cipher).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def transaction(
    *, appid: str, mchid: str, out_trade_no: str, total_fen: int, openid: str, trade_state: str = "SUCCESS"
) -> dict[str, Any]:
    now = datetime.now(GMT8).replace(microsecond=0)
    return {
        "appid": appid,
        "mchid": mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": "42" + now.strftime("%Y%m%d") + f"{secrets.randbelow(10**18):018d}",
        "trade_type": "JSAPI",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": now.isoformat(),
        "payer": {"openid": openid},
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    }


def notification(apiv3_key: bytes, txn: dict[str, Any], event_type: str = "TRANSACTION.SUCCESS") -> bytes:
    body = {
        "id": str(uuid.uuid4()),
        "create_time": datetime.now(GMT8).replace(microsecond=0).isoformat(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": encrypt_resource(apiv3_key, txn),
    }
    return json.dumps(body, ensure_ascii=False).encode()


def signed_headers(key: rsa.RSAPrivateKey, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(16).upper()
    return {
        "wechatpay-timestamp": ts,
        "wechatpay-nonce": nonce,
        "wechatpay-serial": PLATFORM_SERIAL,
        "wechatpay-signature": sign(key, ts, nonce, body),
        "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
    }
