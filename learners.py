"""Learners, their Essential Digital Skills progress, learner cards and referrals.
Rules only, no Flask."""
