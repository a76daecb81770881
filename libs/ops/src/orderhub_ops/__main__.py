"""`python -m orderhub_ops` runs the `orderhub` CLI."""

from orderhub_ops.cli import main

raise SystemExit(main())
