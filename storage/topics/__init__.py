"""Catalogues of monthly topics: the file formats, their validation and loading."""
