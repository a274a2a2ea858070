"""The secretary's desk: lists, rates, charts and the documents a chi bo files."""
