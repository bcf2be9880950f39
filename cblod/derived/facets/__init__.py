"""Faceted lists: filters with counts over projects, participations and organisations."""
