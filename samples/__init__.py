"""Sample source pages shipped for the demo store and the tests."""
