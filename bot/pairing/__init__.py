"""The pairing engine: who meets whom in a round. Pure functions, deterministic for a seed."""

from bot.pairing.engine import Candidate, PairingSettings, PastGroup, pair_round

__all__ = ["Candidate", "PairingSettings", "PastGroup", "pair_round"]
