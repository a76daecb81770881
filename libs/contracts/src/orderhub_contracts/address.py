"""The receiver of an order: who, how to reach them, and where."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from orderhub_contracts.phone import mask_phone


class Receiver(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    detail: str = ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def full_address(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.street, self.detail) if p)

    def missing_fields(self) -> list[str]:
        """Fields a parcel cannot be delivered without."""
        missing = [f for f in ("name", "phone") if not getattr(self, f).strip()]
        if not self.detail.strip() and not self.street.strip():
            missing.append("address")
        return missing
