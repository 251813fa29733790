"""Free SIMs from the National Databank: stock and giveaways. Rules only, no Flask."""
