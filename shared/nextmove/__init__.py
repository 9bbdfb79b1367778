"""NextMove: career-coaching event pipeline (the Lambda layer's package).

contracts/  what crosses a boundary (inbound events, outbound recommendations)
domain/     pure rules: no boto3, no I/O beyond packaged reference data
reference/  versioned reference data with provenance (market wages, role skills)
adapters/   everything that talks to AWS, with lazily created clients
"""
