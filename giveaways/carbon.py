"""Carbon and landfill saved, from a versioned factor table. Rules only, no Flask."""
