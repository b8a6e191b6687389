"""OneVisit domain core: catalog, resolver, dialogue logic and case-status client."""
