"""Halo's own web page: report an incident, see its classification, nearby incidents and
patterns on a map with the recommendations."""
