"""Which affair a person means: ranking, clarification and out-of-scope detection."""

from bot.resolver.resolver import Candidate, Resolution, Resolver, ResolverSettings

__all__ = ["Candidate", "Resolution", "Resolver", "ResolverSettings"]
