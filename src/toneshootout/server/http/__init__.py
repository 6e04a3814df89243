"""HTTP glue shared by every feature: request IDs, error bodies, headers, limits."""
