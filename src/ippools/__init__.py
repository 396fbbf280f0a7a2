"""ippools: the reference implementation of dedicated IP pool (DIPP) management."""
