"""SMS and WeCom providers behind small protocols; `factory.build_providers` picks them from settings."""
