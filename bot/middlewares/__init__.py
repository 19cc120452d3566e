"""Middlewares, outermost first: group addressing, identity, locale; flood control is inner."""
