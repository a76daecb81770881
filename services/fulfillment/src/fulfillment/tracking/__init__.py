"""Tracking: parcels after dispatch, the carrier's pushes and queries merged into their track."""
