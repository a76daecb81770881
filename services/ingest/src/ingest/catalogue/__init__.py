"""The product catalogue as fulfillment announces it (product.updated): list prices by SKU."""
