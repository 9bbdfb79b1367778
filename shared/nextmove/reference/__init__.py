"""Reference data with provenance: market wages, occupations, the role catalogue."""
