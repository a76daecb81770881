"""`python -m orderhub_devstack run` (what `make run` calls)."""

from orderhub_devstack.launcher import main

main()
