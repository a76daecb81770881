"""The mini-program customer's coupons, as aftersales issues them (coupon.issued): listed for the
customer and redeemed, once, on one of their orders."""
