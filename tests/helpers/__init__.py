"""What the tests share, by theme (no test imports another test module, nor conftest)."""
