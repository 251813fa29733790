"""Volunteers: contact, venues, training, DBS checks and the hours they give.
Rules only, no Flask."""
