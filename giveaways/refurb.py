"""Donated devices: wipe, refurbish, then sell, gift, lend or recycle. Rules only, no Flask."""
