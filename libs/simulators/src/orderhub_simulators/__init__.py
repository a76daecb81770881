"""Local simulators of the outside world: sales-channel open platforms and SMS/WeCom providers.

They check signatures and request formats like the real services, answer with their real error
codes on demand, and record what they received. Tests, `make run` and `make bench` use them; no
service imports them (a service only ever sees a base URL)."""
