"""Giving free SIMs on the tablet: the shared screens from sim_desk.py."""

import sim_desk
from volunteer.views import bp

sim_desk.register(bp)  # /volunteer/sims/give, endpoint volunteer.give_sim
