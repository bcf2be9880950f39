"""The cblod ontology and SHACL shapes (Turtle files beside this one), shipped as package data."""
