"""Channel intake: platform pushes and syncs, fetched, normalised and fed into the one intake.
See README.md in this folder for the adapter interface."""
