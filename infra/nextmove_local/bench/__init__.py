"""``make bench``: what NextMove costs in time, AWS calls and money, against floors.

Four measurements, each against a floor taken in the same run on the same machine, one
module each:

cold_init           a fresh Python per function that imports its handler module as Lambda
                    would (the function's environment from template.yaml, its folder and
                    the layer's package on sys.path), against a fresh Python that imports
                    boto3 and creates one client; also with the layer as deployed, built
                    as SAM's python builder would (no .pyc) and as shared/Makefile does
api_calls           every AWS call the pipeline makes for one event of each type, from
                    webhook to email, counted from botocore's own events; and what a
                    million events cost at AWS's list prices (``pricing``)
history             per-event calls, items read and latency for a person with 10,000 prior
                    events against a person with none and one whose record is full
throughput          signed events per second through ``nextmove serve``'s HTTP server,
                    with request-to-email latency, against moto's own rate for the same
                    calls issued directly

``python -m nextmove_local.bench`` (``__main__``) runs them, prints a table and writes
``build/bench.json``. These are measurements, not tests: no figure here fails the build.
"""
