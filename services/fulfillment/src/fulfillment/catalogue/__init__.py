"""The product catalogue (商品资料): title, category, list price, bin location, presale date."""
